"""The stance model on ONNX Runtime: exported once from its transformers weights, int8 if asked.

ONNX Runtime runs the same cross-encoder faster than PyTorch eager mode on CPU, and its
per-channel int8 weights keep the accuracy that PyTorch's per-tensor dynamic quantisation lost
(measured by bench/stance.py). The
export is written once per model into the model cache (a staged folder, so a crash never leaves
half a model) and reused by every later start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from service.staging import folder_lock, staged_folder
from service.stance.batching import pair_batches
from service.stance.fast_tokenizer import FastTokenizer

log = logging.getLogger(__name__)

FP32 = "model.onnx"
INT8 = "model_int8.onnx"
_MARKER = "factcheck-onnx.json"
# Bump when the export recipe changes, so caches made by an older recipe are redone.
_RECIPE = 2  # 2: weights beside the graph (external data), which ONNX Runtime loads 5x faster


def save_weights_apart(graph: Path) -> None:
    """Rewrite ``graph`` with its weights in ``<graph>.data``: a 470 MB model then opens in 0.1 s instead of
    0.6 s (2 cores of an AMD EPYC), since the weights are read straight into place instead of parsed."""
    import onnx

    model = onnx.load(str(graph))
    onnx.save_model(
        model, str(graph), save_as_external_data=True, all_tensors_to_one_file=True, location=graph.name + ".data"
    )
    (graph.parent / f"{graph.name}.data").chmod(0o644)  # onnx writes it private; other users read the cache too


def export_key(source: str, source_dir: Path | None) -> str:
    """What identifies an export: the model's name, and its weights' fingerprint when it is a folder."""
    digest = hashlib.sha256(f"{_RECIPE}:{source}".encode())
    if source_dir is not None:
        for name in ("factcheck-stance.json", "config.json"):
            if (source_dir / name).exists():
                digest.update((source_dir / name).read_bytes())
        for weights in sorted(source_dir.glob("*.safetensors")) + sorted(source_dir.glob("*.bin")):
            stat = weights.stat()
            digest.update(f"{weights.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def export_graph(model, names: list[str], output: str, path: Path) -> None:
    """``model``'s ``output`` (``logits``, ``last_hidden_state``) for the inputs ``names``, any batch and length,
    as an ONNX graph at ``path`` (the output keeps the name), its weights beside it."""
    import torch

    class Output(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors):
            return getattr(self.inner(**dict(zip(names, tensors, strict=True))), output)

    # a padded row in the sample, so no code path that skips an all-ones mask is traced in
    sample = {n: torch.ones((2, 4), dtype=torch.int64) for n in names}
    sample["attention_mask"][1, 2:] = 0
    if "token_type_ids" in sample:
        sample["token_type_ids"].zero_()
    tokens = {0: "batch", 1: "tokens"}
    axes = {n: tokens for n in names} | {output: tokens if output == "last_hidden_state" else {0: "batch"}}
    # The tracer's warnings are about shapes it cannot see; the graphs are checked against the torch
    # model's outputs by the tests, so they only alarm the person watching a first start.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Output(model.eval().float()),
            tuple(sample[n] for n in names),
            str(path),
            input_names=names,
            output_names=[output],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    save_weights_apart(path)


def quantize_int8(fp32: Path, out: Path, reduce_range: bool = False) -> Path:
    """``fp32``'s dynamic int8 variant at ``out``: MatMul weights per output channel, activations per tensor at
    run time. ``reduce_range``: 7-bit weights, which AVX2 CPUs without VNNI multiply without saturating; the
    service keeps 8 bits, which flipped fewer gold-set verdicts (``python -m bench.quantize``, docs/benchmarks.md)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    was, root.disabled = root.disabled, True  # silences its "consider pre-processing" hint
    try:
        quantize_dynamic(
            str(fp32),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=reduce_range,
            op_types_to_quantize=["MatMul"],
            use_external_data_format=True,
        )
    finally:
        root.disabled = was
    return out


def export(model, tokenizer, target: Path, key: str, source: str) -> Path:
    """Write ``target`` with the ONNX model, its int8 variant, the tokenizer and the config.

    Both precisions are written at once, so turning quantisation on or off never exports again.
    """
    names = [n for n in tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]
    with staged_folder(target) as tmp:
        export_graph(model, names, "logits", tmp / FP32)
        quantize_int8(tmp / FP32, tmp / INT8)
        tokenizer.save_pretrained(str(tmp))
        model.config.save_pretrained(str(tmp))
        (tmp / _MARKER).write_text(json.dumps({"key": key, "source": source}))
    drop_older_exports(target, source)
    return target


def drop_older_exports(target: Path, source: str, marker: str = _MARKER) -> None:
    """Remove exports of earlier weights of the same model: each takes 0.5 to 1 GB of disk."""
    for folder in target.parent.iterdir():
        if folder == target or not folder.is_dir():
            continue
        try:
            older = json.loads((folder / marker).read_text()).get("source") == source
        except (OSError, ValueError):
            continue
        if older:
            log.info("removing the outdated ONNX export %s", folder)
            shutil.rmtree(folder, ignore_errors=True)


export_lock = folder_lock  # the name its callers know


def export_ready(target: Path, key: str) -> bool:
    try:
        marker = json.loads((target / _MARKER).read_text())
    except (OSError, ValueError):
        return False
    return marker.get("key") == key and (target / FP32).exists() and (target / INT8).exists()


class PairTokenizer:
    """The exported model's fast tokenizer read with ``tokenizers`` alone: called as transformers' tokenizer is
    by :func:`~service.stance.batching.pair_batches`, with the same ids (tested), and no transformers import
    (2 s of a command-line check's start)."""

    def __init__(self, folder: Path, max_length: int) -> None:
        self.tokenizer = FastTokenizer(folder / "tokenizer.json", max_length)
        config = json.loads((folder / "tokenizer_config.json").read_text())
        # what the model is fed: XLM-R's tokenizer (the built-in model's) gives no token types
        self.model_input_names = config.get("model_input_names") or ["input_ids", "attention_mask"]
        pad = config.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self.pad_token_id = self.tokenizer.token_id(pad) if pad else None

    def __call__(self, premises: list[str], hypotheses: list[str], **_: object) -> dict[str, list[list[int]]]:
        encodings = self.tokenizer.encode(list(zip(premises, hypotheses, strict=True)))
        return {"input_ids": [e.ids for e in encodings], "token_type_ids": [e.type_ids for e in encodings]}


class OnnxPairClassifier:
    """Logits of (premise, hypothesis) pairs from an exported folder, batched by length."""

    def __init__(self, folder: Path, quantize: bool, threads: int, max_length: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(folder / (INT8 if quantize else FP32)), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.folder = folder
        self.tokenizer = PairTokenizer(folder, max_length)
        config = json.loads((folder / "config.json").read_text())
        labels = config.get("id2label") or {str(i): f"LABEL_{i}" for i in range(config.get("num_labels", 2))}
        self.config = SimpleNamespace(id2label=labels, num_labels=len(labels))
        self.max_length = max_length

    def logits(self, premises: list[str], hypotheses: list[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(premises), self.config.num_labels), dtype=np.float32)
        for batch in pair_batches(self.tokenizer, premises, hypotheses, self.max_length, batch_size):
            out[batch.rows] = self.session.run(["logits"], batch.feed(self.inputs))[0]
        return out
