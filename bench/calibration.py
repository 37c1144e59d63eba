"""The verdict's confidence curves: fitted, compared out of fold, and written.

    factcheck eval climate-fever --records bench/results/climate-fever.jsonl   # once: runs the models
    python -m bench.calibration --records bench/results/climate-fever.jsonl [--work-dir DIR] [--write-params]

A verdict's confidence is a logistic curve per verdict (``service/verify/verdict.py``). The curves are fitted
on three sets, each weighing the same: Climate-FEVER (its committed folds), the news gold set over
``corpus/sample`` and the cross-lingual development set (``tests/data/xling-dev``), five folds by line for
the last two. The verdicts do not change with the curves, only the confidence does. Candidates, each scored
by its expected calibration error (ECE) out of fold on each of the three:

- ``shipped``: ``verdict.json`` as it is (its fit saw every claim of the sets it was fitted on);
- ``score``: the deciding score alone, on the three sets;
- ``score + about``: the deciding score and the relevance of the passage most about the claim, on the three;
- ``score, CF + gold``: the form and the two sets of the curves before 2026-12-07.

The rule, written before the first comparison (docs/benchmarks.md): the lowest mean of the three out-of-fold
ECEs chooses, and a candidate replaces the shipped curves only if its mean is lower than theirs. The frozen set
(``tests/data/xling``) is scored with each candidate fitted on the whole of its sets, and chooses nothing.
``--write-params`` writes the rule's choice, fitted on the whole of its sets, or nothing if the shipped curves win.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_kind, table  # noqa: E402
from bench.trust import DEV, GOLD, SAMPLE, XLING, ece, lookup_over, read_jsonl  # noqa: E402
from bench.verify_fit import fit_calibration, items_of  # noqa: E402
from service.verify.verdict import PARAMS_FILE, VerdictParams, decide  # noqa: E402

TUNING = ("climate-fever", "gold", "dev")
# name -> (the sets the curves are fitted on, the relevance term used)
CANDIDATES: dict[str, tuple[tuple[str, ...], bool]] = {
    "score": (TUNING, False),
    "score + about": (TUNING, True),
    "score, CF + gold": (("climate-fever", "gold"), False),
}


def parse_args(doc: str = __doc__) -> argparse.Namespace:
    """The arguments of a bench that refits ``verdict.json`` from records (this one, bench/thresholds.py)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=Path, required=True, help="Climate-FEVER records from factcheck eval --records")
    ap.add_argument("--work-dir", type=Path, help="where the three news indexes are built and kept (default: temp)")
    ap.add_argument("--write-params", action="store_true", help=f"write the rule's choice into {PARAMS_FILE.name}")
    return ap.parse_args()


def news_records(corpus: Path, index_dir: Path, rows: list[dict]) -> list:
    """A news set checked by the pipeline, as evaluation records in five folds by line."""
    from service.evaluation.datasets import EvalClaim
    from service.evaluation.runner import run_claims

    claims = [EvalClaim(r["id"], r["claim"], r["label"], [], fold=i % 5) for i, r in enumerate(rows)]
    return run_claims(lookup_over(corpus, index_dir), claims, top_k=5, batch_size=32)[0]


def pooled(sets: dict[str, list], names: tuple[str, ...], keep=lambda record: True) -> tuple[list, list, list]:
    """The kept records of ``names``, weighted so that each set weighs the same (mean weight 1)."""
    chosen = {n: [r for r in sets[n] if keep(r)] for n in names}
    if not all(chosen.values()):
        raise SystemExit(f"Error: no claims to fit on in {', '.join(n for n, v in chosen.items() if not v)}")
    total = sum(len(v) for v in chosen.values())
    items, labels, weights = [], [], []
    for records in chosen.values():
        items += items_of(records)
        labels += [r.label for r in records]
        weights += [total / (len(chosen) * len(records))] * len(records)
    return items, labels, weights


def fitted(sets: dict[str, list], names: tuple[str, ...], about: bool, keep=lambda record: True) -> VerdictParams:
    params = VerdictParams.load()  # the shipped rule: only the curves are refitted
    items, labels, weights = pooled(sets, names, keep)
    params.calibration = fit_calibration(items, labels, params, weights, about=about)
    return params


def set_ece(records: list, params: VerdictParams) -> float:
    decided = [decide(it, params) for it in items_of(records)]
    return ece([d.verdict == r.label for d, r in zip(decided, records, strict=True)], [d.confidence for d in decided])


def out_of_fold_ece(sets: dict[str, list], names: tuple[str, ...], about: bool) -> dict[str, float]:
    """ECE of each tuning set, every claim scored by curves fitted without its fold."""
    scored: dict[str, tuple[list, list]] = {n: ([], []) for n in TUNING}
    for fold in range(5):
        params = fitted(sets, names, about, keep=lambda r, f=fold: r.fold != f)
        for n in TUNING:
            test = [r for r in sets[n] if r.fold == fold]
            for d, r in zip((decide(it, params) for it in items_of(test)), test, strict=True):
                scored[n][0].append(d.verdict == r.label)
                scored[n][1].append(d.confidence)
    return {n: ece(*scored[n]) for n in TUNING}


def evaluation_sets(records: Path, work_dir: Path | None, prefix: str) -> dict[str, list]:
    """The three tuning sets and the frozen set as claim records: Climate-FEVER read from ``records``
    (``factcheck eval climate-fever --records``), the three news sets checked by the pipeline now."""
    from service.evaluation.runner import load_records
    from service.runtime import configure_threads

    configure_threads(2)
    if not records.is_file():
        raise SystemExit(f"Error: no records at {records}; write them with factcheck eval climate-fever --records")
    climate_fever = [r for r in load_records(records) if r.fold is not None]
    if any("rel" not in e for r in climate_fever for e in r.evidence):
        raise SystemExit(
            f"Error: {records} was written before records kept each passage's relevance; write it again with "
            "factcheck eval climate-fever --records"
        )
    work = work_dir or Path(tempfile.mkdtemp(prefix=prefix))
    return {
        "climate-fever": climate_fever,
        "gold": news_records(SAMPLE, work / "sample-index", read_jsonl(GOLD)),
        "dev": news_records(DEV / "corpus.jsonl", work / "dev-index", read_jsonl(DEV / "claims.jsonl")),
        "frozen": news_records(XLING / "corpus.jsonl", work / "xling-index", read_jsonl(XLING / "claims.jsonl")),
    }


def main() -> None:
    args = parse_args()
    print(f"CPU: {cpu_kind()}\n")
    sets = evaluation_sets(args.records, args.work_dir, "bench-calibration-")
    shipped = VerdictParams.load()
    scores = {"shipped": ({n: set_ece(sets[n], shipped) for n in TUNING}, set_ece(sets["frozen"], shipped))}
    for name, (names, about) in CANDIDATES.items():
        scores[name] = (out_of_fold_ece(sets, names, about), set_ece(sets["frozen"], fitted(sets, names, about)))
    rows = [[name, *oof.values(), float(np.mean(list(oof.values()))), frozen] for name, (oof, frozen) in scores.items()]
    accuracy = {n: np.mean([r.verdict == r.label for r in sets[n]]) for n in sets}
    print("## Confidence ECE (verdict accuracy: " + ", ".join(f"{n} {a:.3f}" for n, a in accuracy.items()) + ")\n")
    print(
        table(
            ["curves", "Climate-FEVER (oof)", "gold (oof)", "dev (oof)", "mean: chooses", "frozen (chooses nothing)"],
            rows,
        )
    )
    means = {row[0]: row[4] for row in rows}
    choice = min(means, key=means.get)
    print(f"\nthe rule's choice: {choice} (mean out-of-fold ECE {means[choice]:.3f}; shipped {means['shipped']:.3f})")
    if args.write_params and choice == "shipped":
        print(f"{PARAMS_FILE.name} left as it is: the shipped curves win")
    elif args.write_params:
        names, about = CANDIDATES[choice]
        params = fitted(sets, names, about)
        counts = ", ".join(f"{n} ({len(sets[n])} claims)" for n in names)
        params.fitted_on = f"confidence curves ({choice}): {counts}, each weighted equally (bench/calibration.py)"
        params.save()
        print(f"wrote {PARAMS_FILE}: {params.calibration}")


if __name__ == "__main__":
    main()
