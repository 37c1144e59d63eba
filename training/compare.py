"""Compare candidate stance weights before one is shipped, all in one run, on the same runtime.

    python -m training.compare shipped training/runs/stance7-lex training/runs/stance7-lex+shipped

A candidate is ``shipped`` (the weights in service/stance/model), a run folder (its final weights), or
several joined by ``+`` (their element-wise mean, "model soup"). Each is scored on:

- the calibration split (2,000 held-out pairs): **the split that chooses** (accuracy, and NLL after the
  temperature fitted on it);
- the evaluation sets of the model card (XNLI, VitaminC, FEVER-Symmetric, ANLI): the shipping rule allows
  a loss of at most 1 point on each;
- rule-made pairs from XNLI validation rows (:func:`training.lexical.lexical_eval_pairs`): opposite
  actions, their copies, translations; never trained on.

The candidates run in this process one after the other on the runtime ``auto`` picks here (torch bf16 where
the CPU has bf16; ``--backend onnx`` for what a CPU without bf16 runs), each assembled in a scratch model cache:
the shipped model's assembled folder is untouched. Each also gets its pairs per second on the calibration split.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from training.data import Pair, calibration_set, eval_sets
from training.evaluate import accuracy, fit_temperature, labels_of, nll, two_way_accuracy
from training.lexical import lexical_eval_pairs

log = logging.getLogger("training.compare")


def _weight_files(spec: str, cache: Path) -> list[Path]:
    from training.export import SHIPPED, _shipped_folder

    files = []
    for part in spec.split("+"):
        if part == SHIPPED:
            files.append(_shipped_folder(cache) / "model.safetensors")
        else:
            path = Path(part) / "final" / "model.safetensors"
            if not path.exists():
                raise SystemExit(f"Error: {path} not found; is {part} a finished run?")
            files.append(path)
    return files


def scratch_cache(folder: Path, cache: Path) -> Path:
    """A new model cache at ``folder`` sharing ``cache``'s converted backbone (converted once; only the stance
    model differs): a candidate is assembled and exported there, and the real cache is left untouched."""
    from service.backbone import ensure_backbone

    backbone = ensure_backbone(cache)
    folder.mkdir()
    (folder / backbone.name).symlink_to(backbone)
    return folder


def write_candidate(spec: str, cache: Path, out: Path) -> Path:
    """The candidate's weights as a shippable folder (fp16, no word embeddings) at ``out``."""
    from training.export import export_weights

    export_weights([f.parent for f in _weight_files(spec, cache)], out)
    return out


def _lexical_kinds(pairs: list[Pair]) -> dict[str, list[int]]:
    kinds: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        kind = p.source.split("-")[1] if p.source.startswith("lexical") else "translation"
        cross = "cross" if p.source.split("-")[-1] != p.source.split("-")[-2] else "same"
        kinds.setdefault(kind, []).append(i)
        kinds.setdefault(f"{kind}-{cross}", []).append(i)
    return kinds


def score(
    weights: Path, scratch_cache: Path, sets: dict[str, list[Pair]], backend: str = "auto", precision: str = "auto"
) -> dict[str, float]:
    from service.stance.scorer import StanceScorer

    scorer = StanceScorer(
        cache_dir=scratch_cache, temperature=1.0, weights_dir=weights, max_length=256, backend=backend,
        precision=precision,
    )  # fmt: skip
    scorer.warm_up()
    out: dict[str, float] = {"runtime": f"{scorer.runtime.backend}-{scorer.runtime.precision}"}  # type: ignore[dict-item]
    for name, pairs in sets.items():
        started = time.perf_counter()
        logits = scorer.logits([p.premise for p in pairs], [p.hypothesis for p in pairs])
        if name == "calibration":  # the speed of real pairs, batched as the service batches them
            out["pairs/s (calibration split)"] = len(pairs) / (time.perf_counter() - started)
        labels = labels_of(pairs)
        probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        if name == "calibration":
            t = fit_temperature(logits, labels)
            out["calibration"] = accuracy(probs, labels)
            out["calibration-nll"] = nll(logits, labels, t)
        elif name == "fever-symmetric":
            out[name] = two_way_accuracy(probs, labels)
        elif name == "lexical":
            for kind, rows in _lexical_kinds(pairs).items():
                out[f"lexical:{kind}"] = accuracy(probs[rows], labels[rows])
        else:
            out[name] = accuracy(probs, labels)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("candidates", nargs="+", help="shipped, a run folder, or several joined by +")
    ap.add_argument("--data-root", type=Path, default=Path("../shared/data/nli"))
    ap.add_argument("--limit", type=int, default=0, help="pairs per evaluation set (0 = all), a fixed sample")
    ap.add_argument("--out", type=Path, default=Path("training/runs/compare.json"))
    ap.add_argument(
        "--backend", choices=("auto", "onnx", "torch"), default="auto", help="the stance runtime (auto: as served here)"
    )
    ap.add_argument("--precision", choices=("auto", "fp32", "bf16", "int8"), default="auto")
    args = ap.parse_args(argv)
    from service.stance.hardware import choose_runtime

    try:
        choose_runtime(args.backend, args.precision, bf16=False)
    except ValueError as exc:
        raise SystemExit(f"Error: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from service.settings import Settings

    cache = Settings().model_cache_dir
    sets = {"calibration": calibration_set(args.data_root), **eval_sets(args.data_root)}
    sets["lexical"] = lexical_eval_pairs(args.data_root)
    if args.limit:
        import random

        sets = {k: random.Random(7).sample(v, min(args.limit, len(v))) for k, v in sets.items()}
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="stance-compare-") as tmp:
        for i, spec in enumerate(args.candidates):
            scratch = scratch_cache(Path(tmp) / f"cache{i}", cache)
            t0 = time.perf_counter()
            weights = write_candidate(spec, cache, Path(tmp) / f"weights{i}")
            results[spec] = score(weights, scratch, sets, args.backend, args.precision)
            log.info("%s: %s (%.0f s)", spec, results[spec], time.perf_counter() - t0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    rows = sorted(
        {k for r in results.values() for k in r if k != "runtime"}, key=list(next(iter(results.values()))).index
    )
    print("| set | " + " | ".join(args.candidates) + " |")
    print("|---|" + "---|" * len(args.candidates))
    for row in rows:
        print(f"| {row} | " + " | ".join(f"{results[c].get(row, float('nan')):.4f}" for c in args.candidates) + " |")
    print(
        f"runtime: {next(iter(results.values()))['runtime']}; sets: "
        + ", ".join(f"{k} {len(v)}" for k, v in sets.items())
    )


if __name__ == "__main__":
    main()
