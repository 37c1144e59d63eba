"""FNC-1's competition test (held out from every training stage) as a news evaluation of the verify steps:
a headline is the claim, the sentences of its body's opening are the windows.

    python -m bench.fnc1 [--per-class 500]

- **related / unrelated accuracy**: a pair is read as related when one of its sentences is about the
  headline (relevance of at least 0.5, service/verify/relevance.py);
- **agree / disagree / discuss macro-F1 on the related pairs**: agree when the strongest gated entailment
  reaches 0.5 and beats the contradiction, disagree when the contradiction reaches 0.5, discuss otherwise,
  beside the same rule on the raw stance (no relevance gate), measured in the same run.

Run it on two sets of stance weights (the shipped ones, a candidate put in their place) to compare them.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_kind, table  # noqa: E402

EXTRA = ROOT.parent / "shared" / "data" / "nli-extra"
CLASSES = ("agree", "disagree", "discuss")


def macro_f1(gold: list[str], pred: list[str]) -> float:
    scores = []
    for c in CLASSES:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        scores.append(2 * tp / max(2 * tp + fp + fn, 1))
    return sum(scores) / len(scores)


def stance_of(e: float, c: float) -> str:
    if e >= 0.5 and e >= c:
        return "agree"
    return "disagree" if c >= 0.5 else "discuss"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-class", type=int, default=500, help="pairs per FNC-1 label (default 500)")
    ap.add_argument("--data", type=Path, default=EXTRA, help="the nli-extra folder (default: ../shared/data/nli-extra)")
    args = ap.parse_args()
    from haystack import Document

    from corpus.sentences import split_sentences
    from service.claim_checker import ClaimChecker
    from service.runtime import configure_threads
    from service.settings import Settings
    from service.stance.hardware import choose_runtime
    from service.verify.evidence import gate
    from service.verify.types import Candidate, Window
    from training.extra import fnc1_pairs

    configure_threads(2)
    print(f"CPU: {cpu_kind()}; stance runtime {choose_runtime()}\n")
    rng = random.Random(5)
    by_label: dict[str, list] = {}
    for p in fnc1_pairs(args.data, "test"):
        by_label.setdefault(p.source.removeprefix("fnc1-test-"), []).append(p)
    pairs = [
        p for label in sorted(by_label) for p in rng.sample(by_label[label], min(args.per_class, len(by_label[label])))
    ]
    # no index is needed: the verify pipeline's own steps, built over an empty sample-less lookup
    import tempfile

    from index.build import build_index
    from service.index_config import build_config

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "one.jsonl"
        corpus.write_text('{"id": "x", "text": "A placeholder document so that the pipeline can load."}\n')
        settings = Settings(index_dir=Path(tmp) / "index", threads=2)
        build_index(corpus, settings.index_dir, build_config(settings))
        pipe = ClaimChecker.open(settings).verify_pipeline
        claims = [p.hypothesis for p in pairs]
        first = pipe.get_component("claims").run(claims=claims, languages=["en"] * len(claims))
        embedded = pipe.get_component("embedder").run(documents=first["documents"])["documents"]
        # the body's dense cosine with its headline, as retrieval would give it ("passage: " prefix)
        from index.embedders import document_embedder
        from service.model_names import resolve_model_path

        bodies = document_embedder(
            resolve_model_path(settings.embedding_model, settings.model_cache_dir),
            settings.passage_prefix,
            progress_bar=False,
        )
        bodies.warm_up()
        body_vectors = bodies.run(documents=[Document(content=p.premise) for p in pairs])["documents"]
        gold, related_pred, gated_pred, raw_pred = [], [], [], []
        scorer = pipe.get_component("stance").scorer
        for p, emb, body in zip(pairs, embedded, body_vectors, strict=True):
            spans = split_sentences(p.premise, "en") or [(0, len(p.premise))]
            cosine = float(np.dot(emb.embedding, body.embedding))
            cand = Candidate(Document(content=p.premise, meta={"language": "en"}), cosine, 0.0)
            windows = [Window(0, p.premise[s:e], s, e, 1) for s, e in spans]
            rel = pipe.get_component("relevance").run(
                claims=[emb], languages=["en"], candidates=[[cand]], windows=[windows]
            )["relevance"][0]
            probs = np.asarray(scorer.probabilities([w.text for w in windows], [p.hypothesis] * len(windows)))
            gated = [gate(tuple(float(x) for x in row), float(r)) for row, r in zip(probs, rel, strict=True)]
            label = p.source.removeprefix("fnc1-test-")
            gold.append(label)
            related_pred.append(float(max(rel)) >= 0.5)
            gated_pred.append(stance_of(max(g[0] for g in gated), max(g[2] for g in gated)))
            raw_pred.append(stance_of(float(probs[:, 0].max()), float(probs[:, 2].max())))
    related_gold = [g != "unrelated" for g in gold]
    rel_acc = sum(a == b for a, b in zip(related_gold, related_pred, strict=True)) / len(gold)
    idx = [i for i, g in enumerate(gold) if g != "unrelated"]
    rows = [
        ["raw stance (no relevance gate)", "-", macro_f1([gold[i] for i in idx], [raw_pred[i] for i in idx])],
        [
            "verify steps (relevance + gated stance)",
            rel_acc,
            macro_f1([gold[i] for i in idx], [gated_pred[i] for i in idx]),
        ],
    ]
    counts = {k: sum(g == k for g in gold) for k in sorted(set(gold))}
    print(f"FNC-1 competition test, {len(gold)} pairs {counts}\n")
    print(table(["reading", "related/unrelated accuracy", "agree/disagree/discuss macro-F1 (related pairs)"], rows))


if __name__ == "__main__":
    main()
