"""Incremental index update against a full rebuild, same corpus, same run.

    python -m bench.index_update                                   # 100k passages, the real model (slow on a CPU)
    python -m bench.index_update --passages 3000                   # the real model, a few minutes on 2 cores
    python -m bench.index_update --passages 100000 --model hash    # model-free: the pipeline's own cost

A synthetic corpus is made from the sample corpus's sentences (one language per document). It is
built in full; then ``--changed`` of its documents (default 1%) get new text, and the index is
updated incrementally. The table gives seconds and passages embedded for both, the time spent in
each stage, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from bench.common import peak_rss_mb, table
from index.progress import Progress

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=100_000, help="passages in the synthetic corpus (about)")
    ap.add_argument(
        "--model", default=None, help="embedding model (default: the configured one); 'hash' = model-free embedder"
    )
    ap.add_argument("--changed", type=float, default=0.01, help="fraction of documents given new text")
    ap.add_argument("--sentences", type=int, default=30, help="sentences per document (3 per passage)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "index_update.json")
    return ap.parse_args()


class StageTimer(Progress):
    """Seconds spent in each stage of a build."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stage, self._since = None, time.perf_counter()

    def stage(self, name: str, total: int | None = None) -> None:
        self._close()
        self._stage, self._since = name, time.perf_counter()

    def close(self) -> None:
        self._close()
        self._stage = None

    def _close(self) -> None:
        if self._stage is not None:
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + time.perf_counter() - self._since


def sentence_pool() -> dict[str, list[str]]:
    from corpus.loaders import load_corpus
    from corpus.sentences import split_sentences

    docs, _ = load_corpus(SAMPLE)
    pool: dict[str, list[str]] = {}
    for d in docs:
        lang = d.language if d.language in ("en", "de") else "en"
        pool.setdefault(lang, []).extend(
            " ".join(d.text[s:e].split()) for s, e in split_sentences(d.text, d.language) if e - s > 30
        )
    return pool


def make_text(rng: random.Random, sentences: list[str], n: int) -> str:
    return " ".join(rng.choice(sentences) for _ in range(n))


def write_corpus(path: Path, docs: dict[str, tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for doc_id, (lang, text) in docs.items():
            fh.write(json.dumps({"id": doc_id, "text": text, "language": lang}, ensure_ascii=False) + "\n")
    return path


def run_build(fn, corpus: Path, root: Path, config) -> tuple[object, float, dict[str, float]]:
    timer = StageTimer()
    t0 = time.perf_counter()
    report = fn(corpus, root, config, progress=timer)
    return report, time.perf_counter() - t0, timer.seconds


def main() -> None:
    args = parse_args()
    from index.build import build_index, update_index
    from index.embedders import document_embedder
    from index.testing import HashingDocumentEmbedder
    from service.index_config import build_config
    from service.runtime import configure_threads
    from service.settings import Settings

    settings = Settings() if args.model in (None, "hash") else Settings(embedding_model=args.model)
    configure_threads(settings.threads)
    config = build_config(settings)
    if args.model == "hash":
        config.model_name, config.model_path = "hash-384", "hash:384"
        config.embedder = HashingDocumentEmbedder(384, config.passage_prefix)
    else:  # load the model before the clock starts, for both runs alike
        document_embedder(config.model_path, config.passage_prefix).warm_up()

    rng = random.Random(7)
    pool = sentence_pool()
    n_docs = max(1, round(args.passages * 3 / args.sentences))
    langs = sorted(pool)
    docs = {}
    for i in range(n_docs):
        lang = langs[i % len(langs)]
        docs[f"doc{i:06d}"] = (lang, make_text(rng, pool[lang], args.sentences))
    changed = rng.sample(sorted(docs), max(1, round(n_docs * args.changed)))

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        v1 = write_corpus(work / "v1.jsonl", docs)
        for doc_id in changed:
            lang = docs[doc_id][0]
            docs[doc_id] = (lang, make_text(rng, pool[lang], args.sentences))
        v2 = write_corpus(work / "v2.jsonl", docs)
        full, full_s, full_stages = run_build(build_index, v1, work / "idx", config)
        update, update_s, update_stages = run_build(update_index, v2, work / "idx", config)

    stages = ["loading", "planning", "embedding", "saving", "verifying", "switching"]

    def row(name, report, seconds, spent):
        # "other": reading the corpus file (before the first stage) and pruning (after the last)
        other = seconds - sum(spent.values())
        return (
            [name, report.passages, report.embedded, report.reused, round(seconds, 2)]
            + [round(spent.get(s, 0.0), 2) for s in stages]
            + [round(other, 2)]
        )

    rows = [row("full rebuild", full, full_s, full_stages), row("incremental update", update, update_s, update_stages)]
    print(
        f"\nIndex update vs full rebuild, model {config.model_name}, {len(docs)} documents, "
        f"{len(changed)} changed ({args.changed:.0%}), same run\n"
    )
    print(table(["run", "passages", "embedded", "reused", "seconds", *[f"{s} s" for s in stages], "other s"], rows))
    print(f"\nfull rebuild / incremental update: {full_s / update_s:.1f}x faster")
    print(f"peak RSS of the benchmark process: {peak_rss_mb():.0f} MiB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "model": config.model_name,
                "documents": len(docs),
                "changed_documents": len(changed),
                "full": {
                    "seconds": full_s,
                    "passages": full.passages,
                    "embedded": full.embedded,
                    "stages": full_stages,
                },
                "update": {
                    "seconds": update_s,
                    "passages": update.passages,
                    "embedded": update.embedded,
                    "reused": update.reused,
                    "stages": update_stages,
                },
                "ratio": full_s / update_s,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
