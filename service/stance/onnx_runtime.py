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

import numpy as np

from service.staging import folder_lock, staged_folder
from service.stance.batching import pair_batches

log = logging.getLogger(__name__)

FP32 = "model.onnx"
INT8 = "model_int8.onnx"
_MARKER = "factcheck-onnx.json"
# Bump when the export recipe changes, so caches made by an older recipe are redone.
_RECIPE = 1


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


def export(model, tokenizer, target: Path, key: str, source: str) -> Path:
    """Write ``target`` with the ONNX model, its int8 variant, the tokenizer and the config.

    Both precisions are written at once, so turning quantisation on or off never exports again.
    """
    import torch

    names = [n for n in tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]

    class Logits(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors):
            return self.inner(**dict(zip(names, tensors, strict=True))).logits

    sample = tokenizer(["a claim"], ["some evidence"], return_tensors="pt")
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}}
    model = model.eval().float()
    # The tracer's warnings are about shapes it cannot see; the export is checked against the
    # torch model's logits by the tests, so they only alarm the person watching a first start.
    with staged_folder(target) as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Logits(model),
            tuple(sample[n] for n in names),
            str(tmp / FP32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root = logging.getLogger()
        was, root.disabled = root.disabled, True  # silences its "consider pre-processing" hint
        try:
            quantize_dynamic(
                str(tmp / FP32),
                str(tmp / INT8),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
            )
        finally:
            root.disabled = was
        tokenizer.save_pretrained(str(tmp))
        model.config.save_pretrained(str(tmp))
        (tmp / _MARKER).write_text(json.dumps({"key": key, "source": source}))
    _drop_older_exports(target, source)
    return target


def _drop_older_exports(target: Path, source: str) -> None:
    """Remove exports of earlier weights of the same model: each takes close to 1 GB of disk."""
    for folder in target.parent.iterdir():
        if folder == target or not folder.is_dir():
            continue
        try:
            older = json.loads((folder / _MARKER).read_text()).get("source") == source
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


class OnnxPairClassifier:
    """Logits of (premise, hypothesis) pairs from an exported folder, batched by length."""

    def __init__(self, folder: Path, quantize: bool, threads: int, max_length: int) -> None:
        import onnxruntime as ort
        from transformers import AutoConfig, AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(folder / (INT8 if quantize else FP32)), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.config = AutoConfig.from_pretrained(str(folder))
        self.max_length = max_length

    def logits(self, premises: list[str], hypotheses: list[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(premises), self.config.num_labels), dtype=np.float32)
        for batch in pair_batches(self.tokenizer, premises, hypotheses, self.max_length, batch_size):
            out[batch.rows] = self.session.run(["logits"], batch.feed(self.inputs))[0]
        return out
