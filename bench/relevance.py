"""Which signal says a passage is about the claim? Side by side on the same indexes and weights (issue 24).

    python -m bench.relevance [--work-dir DIR] [--json OUT]

A window's relevance is its own cosine ramp times its passage's. This measures the passage's part:

- ``cosine`` (shipped): the passage's dense cosine on one scale per language pair (``verdict.json``);
- ``rank-1`` / ``rank-3``: rank-based, from the fusion: the first 1 or 3 fused candidates count in full, the
  rest not at all (ranks mean the same in every language pair, but the first is "about the claim" even
  when the corpus says nothing of it);
- ``cosine-or-rank-1``: the larger of the two, so the fusion's first passage counts in full whatever its
  language pair's cosine;
- ``none``: every passage counts in full (the window's own ramp alone).

The cross-encoder's own relevance output, the issue's third signal, needs a trained head (a GPU stage).

**Chosen on the development set** (``tests/data/xling-dev``, written to be tuned on); the gold set (tuned on
for the ramps) and the frozen set (``tests/data/xling``, never tuned on) are reported beside it and choose
nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_kind, table  # noqa: E402
from bench.trust import GOLD, SAMPLE, XLING, check_claims, lookup_over, read_jsonl  # noqa: E402

DEV = ROOT / "tests" / "data" / "xling-dev"


def _by_rank(keep: int):
    def signal(step, languages, candidates):
        return [[1.0 if j < keep else 0.0 for j in range(len(cands))] for cands in candidates]

    return signal


def _cosine_or_rank(step, languages, candidates):
    cosine = type(step).passage_relevances(step, languages, candidates)
    return [[max(r, 1.0 if j == 0 else 0.0) for j, r in enumerate(rel)] for rel in cosine]


VARIANTS = {
    "cosine": None,
    "rank-1": _by_rank(1),
    "rank-3": _by_rank(3),
    "cosine-or-rank-1": _cosine_or_rank,
    "none": lambda step, languages, candidates: [[1.0] * len(cands) for cands in candidates],
}


def use(lookup, variant: str) -> None:
    step = lookup.verify_pipeline.get_component("relevance")
    signal = VARIANTS[variant]
    if signal is None:
        step.__dict__.pop("passage_relevances", None)
    else:
        step.passage_relevances = types.MethodType(signal, step)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work-dir", type=Path, help="where the indexes are built and kept (default: a temp dir)")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma list of: " + ", ".join(VARIANTS))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    from service.runtime import configure_threads

    configure_threads(2)
    print(f"CPU: {cpu_kind()}\n")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-relevance-"))
    gold = read_jsonl(GOLD)
    for row in gold:
        row["evidence"] = [row["evidence_doc"]] if row.get("evidence_doc") else []
    sets = {
        "dev (chooses)": (lookup_over(DEV / "corpus.jsonl", work / "dev-index"), read_jsonl(DEV / "claims.jsonl")),
        "gold (tuned on)": (lookup_over(SAMPLE, work / "sample-index"), gold),
        "frozen (never tuned on)": (lookup_over(XLING / "corpus.jsonl", work / "xling-index"), read_jsonl(XLING / "claims.jsonl")),
    }  # fmt: skip
    out: dict = {"cpu": cpu_kind(), "variants": {}}
    for variant in args.variants.split(","):
        out["variants"][variant] = {}
        for name, (lookup, rows) in sets.items():
            use(lookup, variant)
            out["variants"][variant][name] = check_claims(lookup, rows, None)
            print(f"{variant} {name}: {out['variants'][variant][name]['accuracy']:.3f}", flush=True)
    header = ["passage signal"]
    for name in sets:
        header += [f"{name}: accuracy", "cross-lingual", "first card decides"]
    rows = []
    for variant, by_set in out["variants"].items():
        row: list = [variant]
        for r in by_set.values():
            row += [r["accuracy"], r["cross_lingual_accuracy"], r["first_card_decides"]]
        rows.append(row)
    print(table(header, rows))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
