"""int8 for CPUs without bf16 (issue 25, lever 2): static quantisation calibrated on real pairs beside the
dynamic int8 that ships as a setting, both against ONNX fp32, in one run.

    python -m bench.quantize [--calibration-pairs 256] [--pairs 2000] [--candidate training/runs/qat7] [--no-static]

- ``dynamic``: what ``FACTCHECK_STANCE_PRECISION=int8`` runs (MatMul weights per channel, activations
  quantised per batch at run time).
- ``dynamic 7-bit weights``: the same with ONNX Runtime's ``reduce_range``: AVX2 CPUs without VNNI multiply
  uint8 by int8 with an instruction that saturates at 16 bits, which 7-bit weights never reach.
- ``static-minmax``: a QDQ graph whose activation ranges are fixed beforehand from ``--calibration-pairs`` pairs
  of the training mix (never an evaluation pair), weights per channel. (ONNX Runtime's percentile and entropy
  calibrators stack every batch's activations into one array, which fails on batches of different lengths.)

- ``--candidate RUN``: the fp32 and dynamic graphs of a training run's weights, for one fine-tuned for int8
  (``python -m training.train --quant-aware 7``, training/quant_aware.py).

Each is scored on the stance model's calibration split (the split the issue's rule names: ``auto`` may pick
int8 where it is within 1 point of fp32 there), with the share of labels that agree with fp32, and its
speed on this CPU (name it: int8 speed differs most between CPUs with and without VNNI).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_kind, table  # noqa: E402


class _Reader:
    """Feeds the calibration pairs to ONNX Runtime's calibrator, in the batches the service makes."""

    def __init__(self, classifier, pairs, batch_size: int = 16) -> None:
        from service.stance.batching import pair_batches

        self.batches = iter(
            [
                b.feed(classifier.inputs)
                for b in pair_batches(
                    classifier.tokenizer,
                    [p.premise for p in pairs],
                    [p.hypothesis for p in pairs],
                    classifier.max_length,
                    batch_size,
                )
            ]
        )

    def get_next(self):
        return next(self.batches, None)


def quantize_static_graph(fp32: Path, out: Path, classifier, pairs) -> Path:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    quantize_static(
        str(fp32),
        str(out),
        _Reader(classifier, pairs),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        use_external_data_format=True,
    )
    return out


def candidate_graph(run: Path, tmp: Path, threads: int) -> Path:
    """The fp32 ONNX graph of ``run``'s final weights, exported as the service exports the shipped ones (in a
    scratch model cache: the real one is untouched)."""
    from service.settings import Settings
    from service.stance import StanceScorer
    from service.stance.onnx_runtime import FP32
    from training.compare import scratch_cache, write_candidate

    cache = Settings().model_cache_dir
    scratch = scratch_cache(tmp / "candidate-cache", cache)
    weights = write_candidate(str(run), cache, tmp / "candidate-weights")
    scorer = StanceScorer(cache_dir=scratch, weights_dir=weights, backend="onnx", precision="fp32", threads=threads)
    scorer.warm_up()
    return scorer._classifier.folder / FP32


def score(session_path: Path, classifier, pairs, threads: int) -> np.ndarray:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    classifier.session = ort.InferenceSession(str(session_path), options, providers=["CPUExecutionProvider"])
    return classifier.logits([p.premise for p in pairs], [p.hypothesis for p in pairs], 32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data" / "nli")
    ap.add_argument("--calibration-pairs", type=int, default=256, help="training pairs that fix the static ranges")
    ap.add_argument("--pairs", type=int, default=2000, help="calibration-split pairs scored (2000 = all)")
    ap.add_argument("--speed-pairs", type=int, default=256)
    ap.add_argument(
        "--candidate",
        type=Path,
        default=None,
        help="a training run (e.g. one of --quant-aware): its graphs are scored beside the shipped weights' ones",
    )
    ap.add_argument("--no-static", action="store_true", help="leave the static graph out (it takes minutes)")
    args = ap.parse_args()
    if args.candidate is not None and not (args.candidate / "final" / "model.safetensors").exists():
        raise SystemExit(f"Error: {args.candidate / 'final' / 'model.safetensors'} not found; is it a finished run?")
    from service.runtime import configure_threads
    from service.settings import Settings
    from service.stance import StanceScorer
    from service.stance.onnx_runtime import FP32, INT8, quantize_int8
    from training.data import calibration_set
    from training.evaluate import labels_of
    from training.mix import train_mix

    threads = 2
    configure_threads(threads)
    print(f"CPU: {cpu_kind()}\n")
    scorer = StanceScorer(cache_dir=Settings().model_cache_dir, backend="onnx", precision="fp32", threads=threads)
    scorer.warm_up()
    classifier = scorer._classifier
    folder = classifier.folder
    held_out = calibration_set(args.data_root)[: args.pairs]
    labels = labels_of(held_out)
    mix = train_mix(args.data_root, seed=5, version="v3")[0]
    calibration = random.Random(5).sample(mix, args.calibration_pairs)
    speed = random.Random(9).sample(held_out, min(args.speed_pairs, len(held_out)))
    rows, reference = [], None
    with tempfile.TemporaryDirectory(prefix="bench-quantize-") as tmp:
        graphs = {"fp32": folder / FP32, "dynamic": folder / INT8}
        graphs["dynamic 7-bit weights"] = quantize_int8(folder / FP32, Path(tmp) / "dynamic7.onnx", True)
        if not args.no_static:
            t0 = time.perf_counter()
            graphs["static-minmax"] = quantize_static_graph(
                folder / FP32, Path(tmp) / "minmax.onnx", classifier, calibration
            )
            print(f"static-minmax: quantised in {time.perf_counter() - t0:.0f} s", flush=True)
        if args.candidate is not None:
            fp32 = candidate_graph(args.candidate, Path(tmp), threads)
            name = args.candidate.name
            graphs[f"{name}: fp32"] = fp32
            graphs[f"{name}: dynamic"] = quantize_int8(fp32, Path(tmp) / "candidate8.onnx")
            graphs[f"{name}: dynamic 7-bit weights"] = quantize_int8(fp32, Path(tmp) / "candidate7.onnx", True)
        for name, graph in graphs.items():
            logits = score(graph, classifier, held_out, threads)
            predicted = logits.argmax(-1)
            reference = predicted if reference is None else reference
            t0 = time.perf_counter()
            score(graph, classifier, speed, threads)
            rate = len(speed) / (time.perf_counter() - t0)
            rows.append([name, float((predicted == labels).mean()), float((predicted == reference).mean()), rate])
            print(f"{name}: accuracy {rows[-1][1]:.4f}, {rate:.1f} pairs/s", flush=True)
    print()
    print(table(["graph", "calibration-split accuracy", "labels as fp32", "pairs/s"], rows))


if __name__ == "__main__":
    main()
