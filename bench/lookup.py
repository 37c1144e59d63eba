"""Index build throughput and claim lookup latency, each beside a bare baseline in the same run.

    python -m bench.lookup                       # sample corpus + 100k-passage synthetic index
    python -m bench.lookup --synthetic 20000     # a smaller synthetic index

- Build: passages/s of the whole build pipeline (load, split, detect language, embed, FAISS,
  save) against bare ``SentenceTransformer.encode`` of the same passages. Target ratio >= 0.85.
- Lookup: p50/p95 of ``ClaimChecker.lookup`` (Haystack pipeline: embed, retrieve, cite) over
  200 claims, against bare encode + ``faiss.search``, at the sample size and at 100k passages.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import peak_rss_mb, rss_mb, table

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=200, help="claims timed per index")
    ap.add_argument("--synthetic", type=int, default=100_000, help="passages in the synthetic index (0 = skip)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "lookup.json")
    return ap.parse_args()


def load_claims(n: int) -> list[str]:
    """Real claims (Climate-FEVER) when ../shared is here, else sentences of the sample corpus."""
    path = REPO.parent / "shared" / "data" / "benchmarks" / "climate-fever" / "climate-fever-dev.jsonl"
    if path.exists():
        claims = [json.loads(line)["claim"] for line in path.open(encoding="utf-8") if line.strip()]
    else:
        from corpus.loaders import load_corpus
        from corpus.sentences import split_sentences

        docs, _ = load_corpus(SAMPLE)
        claims = [d.text[s:e] for d in docs for s, e in split_sentences(d.text)]
    return random.Random(5).sample(claims, n)


def percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return q[49], q[94]


def bench_build(settings, work: Path) -> dict:
    from sentence_transformers import SentenceTransformer

    from corpus.components import SentencePassageSplitter
    from corpus.loaders import load_corpus
    from index.build import build_index
    from index.embedders import document_embedder
    from service.index_config import build_config

    config = build_config(settings)
    # warm the shared model cache so neither side pays the model load
    document_embedder(config.model_path, config.passage_prefix).warm_up()
    docs, _ = load_corpus(SAMPLE)
    passages = [
        d.content
        for d in SentencePassageSplitter(config.sentences_per_passage, config.max_chars).run(docs)["documents"]
    ]
    bare_model = SentenceTransformer(config.model_path, device="cpu")
    bare_model.encode([config.passage_prefix + p for p in passages[:64]], batch_size=config.batch_size)
    t0 = time.perf_counter()
    bare_model.encode(
        [config.passage_prefix + p for p in passages], batch_size=config.batch_size, normalize_embeddings=True
    )
    bare_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = build_index(SAMPLE, work / "sample-index", config)
    build_s = time.perf_counter() - t0
    return {
        "passages": report.passages,
        "bare_passages_per_s": len(passages) / bare_s,
        "build_passages_per_s": report.passages / build_s,
        "ratio": (report.passages / build_s) / (len(passages) / bare_s),
        "index_dir": str(work / "sample-index"),
    }


def synthetic_index(settings, sample_index: Path, n: int, target: Path) -> Path:
    """n passages: the sample's real vectors, then jittered copies (unit-normalised) as fillers."""
    from haystack import Document

    from index.build import install_index
    from index.manifest import Manifest
    from index.store import FaissDocumentStore

    real = FaissDocumentStore.load(sample_index)
    base = real.filter_documents()
    vectors = np.stack([real.passage_vector(d.id) for d in base])
    sentences = real.sentence_vectors([d.id for d in base])  # none in a version built without them
    store = FaissDocumentStore(real.embedding_dim)
    store.add_passages(base, vectors, [sentences.get(d.id) for d in base] if sentences else None)
    rng = np.random.default_rng(0)
    batch = 10_000
    made = len(base)
    while made < n:
        k = min(batch, n - made)
        idx = rng.integers(0, len(base), size=k)
        noisy = vectors[idx] + rng.normal(0, 0.05, size=(k, vectors.shape[1])).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        docs = [
            Document(id=f"syn{made + i}#0", content=base[j].content, meta={**base[j].meta, "doc_id": f"syn{made + i}"})
            for i, j in enumerate(idx.tolist())
        ]
        store.add_passages(docs, noisy, [sentences.get(base[j].id) for j in idx.tolist()] if sentences else None)
        made += k
    store.sources = dict(real.sources)
    manifest = real.manifest.model_copy()
    install_index(store, Manifest(**manifest.model_dump(exclude={"checksums"})), target)
    return target


def bench_lookup(settings, index_dir: Path, claims: list[str]) -> dict:
    from service.claim_checker import ClaimChecker

    before = rss_mb()
    t0 = time.perf_counter()
    lookup = ClaimChecker.open(settings.model_copy(update={"index_dir": index_dir}))
    load_s = time.perf_counter() - t0
    loaded_mb = rss_mb() - before
    for c in claims[:5]:
        lookup.lookup(c, 5)
    ours = []
    for c in claims:
        t0 = time.perf_counter()
        lookup.lookup(c, 5)
        ours.append((time.perf_counter() - t0) * 1000)
    # bare baseline: the same model's encode + faiss search, no pipeline, no citations
    inner = lookup.pipeline.get_component("embedder").embedder  # the model under the pipeline's lock
    if hasattr(inner, "embed"):  # ONNX Runtime (it adds the prefix)

        def encode(claim: str) -> np.ndarray:
            return inner.embed([claim])
    else:

        def encode(claim: str) -> np.ndarray:
            return inner.embedding_backend.model.encode([settings.query_prefix + claim], normalize_embeddings=True)

    index = lookup.store._index
    bare = []
    for c in claims:
        t0 = time.perf_counter()
        q = encode(c)
        index.search(np.asarray(q, dtype=np.float32), 5)
        bare.append((time.perf_counter() - t0) * 1000)
    return {
        "passages": lookup.store.count_documents(),
        "ours_p50_ms": percentiles(ours)[0],
        "ours_p95_ms": percentiles(ours)[1],
        "bare_p50_ms": percentiles(bare)[0],
        "bare_p95_ms": percentiles(bare)[1],
        "load_s": load_s,
        "index_rss_mb": loaded_mb,
    }


def main() -> None:
    args = parse_args()
    from service.runtime import configure_threads
    from service.settings import Settings

    settings = Settings()
    configure_threads(settings.threads)
    claims = load_claims(args.claims)
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results["build"] = build = bench_build(settings, work)
        results["lookup"] = [bench_lookup(settings, Path(build["index_dir"]), claims)]
        if args.synthetic:
            syn = synthetic_index(settings, Path(build["index_dir"]), args.synthetic, work / "synthetic")
            results["lookup"].append(bench_lookup(settings, syn, claims))
    results["peak_rss_mb"] = peak_rss_mb()
    b = results["build"]
    print("\nIndex build (sample corpus), same run\n")
    print(
        table(
            ["passages", "bare encode passages/s", "build pipeline passages/s", "ratio (target >= 0.85)"],
            [[b["passages"], b["bare_passages_per_s"], b["build_passages_per_s"], b["ratio"]]],
        )
    )
    print(f"\nClaim lookup latency over {len(claims)} claims, top_k 5, same run (ms)\n")
    print(
        table(
            [
                "passages",
                "pipeline p50",
                "pipeline p95",
                "bare encode+search p50",
                "bare p95",
                "index load s",
                "index RSS MiB",
            ],
            [
                [
                    r["passages"],
                    r["ours_p50_ms"],
                    r["ours_p95_ms"],
                    r["bare_p50_ms"],
                    r["bare_p95_ms"],
                    r["load_s"],
                    r["index_rss_mb"],
                ]
                for r in results["lookup"]
            ],
        )
    )
    print(f"\npeak RSS of the benchmark process: {results['peak_rss_mb']:.0f} MiB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
