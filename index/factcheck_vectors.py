"""The claim vectors of fact-checks: embedded with the query prefix (matching a claim to a claim is
symmetric), copied from the version a change starts from while the claim and the model stay the same."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corpus.factcheck import FactCheck
from index.factchecks import FactCheckIndex
from index.manifest import Manifest
from index.progress import Progress

if TYPE_CHECKING:
    from index.build_config import BuildConfig
    from index.store import FaissDocumentStore


log = logging.getLogger(__name__)


@dataclass
class VersionFactChecks:
    """A version's fact-checks and the manifest that says which model embedded them: what a passage build
    reads of the version it replaces when it has not loaded that version as a store (the Ray build)."""

    manifest: Manifest
    fact_checks: FactCheckIndex | None


def served_fact_checks(root: Path) -> VersionFactChecks | None:
    """The fact-checks of the version a load of ``root`` serves: CURRENT's, or when they fail their checks
    the newest older version's that pass (as the store's load falls back); None without a version."""
    from index import layout
    from index.errors import IndexCorruptError

    for version in layout.load_order(root) if layout.is_versioned(root) else []:
        folder = layout.version_dir(root, version)
        try:
            manifest = Manifest.read(folder)
            return VersionFactChecks(manifest, FactCheckIndex.load(folder, manifest))
        except (IndexCorruptError, OSError, ValueError) as exc:
            log.warning("the fact-checks of version %s cannot be read, trying the one before: %s", version, exc)
    return None


def reusable(base: FaissDocumentStore | VersionFactChecks | None, config: BuildConfig) -> bool:
    """The base version's claim vectors are those the configured model gives (same model, weights, prefix)."""
    if base is None or base.manifest is None or base.fact_checks is None:
        return False
    m = base.manifest
    same_weights = not (config.identity and m.models and m.models.embedding_differs(config.identity))
    return m.embedding_model == config.model_name and m.query_prefix == config.query_prefix and same_weights


def claim_vectors(
    records: list[FactCheck],
    base: FaissDocumentStore | VersionFactChecks | None,
    config: BuildConfig,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """The vectors of ``records``' claims (with the query prefix: claim matching is symmetric), copied
    from ``base`` where the claim and the model are the same; and how many were embedded."""
    from haystack import Document

    from index.embedders import document_embedder, embed_passages, embedding_dimension
    from index.inference import model_lock

    old = base.fact_checks if reusable(base, config) else None
    copy = [
        i for i, r in enumerate(records) if old and r.id in old.row_of and old.records[old.row_of[r.id]].text == r.text
    ]
    copied = set(copy)  # once: a set built per record made an import of 15k fact-checks quadratic
    embed = [i for i in range(len(records)) if i not in copied]
    if not embed and old is not None:
        vectors = np.empty((len(records), old.dimension), dtype=np.float32)
    else:
        embedder = config.sentence_embedder or document_embedder(
            config.model_path, config.query_prefix, config.batch_size, progress_bar=False
        )
        dimension = embedding_dimension(embedder)
        vectors = np.empty((len(records), dimension), dtype=np.float32)
        if embed:
            docs = [Document(id=records[i].id, content=records[i].text) for i in embed]
            lock = model_lock(config.model_path)
            vectors[embed] = embed_passages(embedder, docs, dimension, config.batch_size, lock, progress or Progress())
    if copy:
        stored = old.vectors()  # type: ignore[union-attr]
        vectors[copy] = stored[[old.row_of[records[i].id] for i in copy]]  # type: ignore[union-attr]
    return vectors, len(embed)


def carry_fact_checks(
    base: FaissDocumentStore | VersionFactChecks | None, staging: Path, manifest: Manifest, config: BuildConfig
) -> None:
    """Put ``base``'s fact-checks into a new passage version at ``staging`` (whose ``manifest`` is
    written again): a passage build keeps them, embedding them again only for another model."""
    if base is None or base.fact_checks is None:
        return
    records = base.fact_checks.records
    vectors, _ = claim_vectors(records, base, config)
    manifest.checksums.update(FactCheckIndex.build(records, vectors).save(staging))
    manifest.fact_check_count = len(records)
    manifest.write(staging)
