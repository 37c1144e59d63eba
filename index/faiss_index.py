"""The FAISS index behind a store: exact search by default, an IVF index (IVF-PQ) for big corpora.

``IDMap2,Flat`` (the default) scores every vector exactly: 1.5 KB a passage at 384 dimensions,
15.4 GB at 10M. An IVF index with product quantisation (``IVF4096,PQ48``) keeps 48 bytes of codes
a passage and scans only ``nprobe`` of its ``nlist`` lists per query, at the cost of approximate
scores and a recall below 1 (measured in ``bench/scale.py``).

An IVF index keeps our int ids itself (``add_with_ids``), so it is not wrapped in ``IDMap2``: that
wrapper's ``remove_ids`` assumes the inner index renumbers its rows as a flat one does, which IVF
does not. IVF indexes must be trained: :func:`train_index` trains one on a sample of the vectors
once and returns it empty, so that every shard of a sharded build (and every incremental update of
a version) can start from a clone of the same trained index (``faiss.clone_index``) and their
codes stay comparable.
"""

from __future__ import annotations

import faiss
import numpy as np

FLAT = "IDMap2,Flat"
# Lists scanned per query; measured in bench/scale.py (recall@10 against Flat per nprobe).
DEFAULT_NPROBE = 32
# FAISS's k-means warns below 39 training points per centroid: centroids from fewer are noise. A
# corpus smaller than that for its factory is refused (use a smaller nlist, or Flat).
MIN_POINTS_PER_CENTROID = 39
# The training sample: 64 points per centroid of the largest k-means (nlist, or a product
# quantiser's 256 codes), so min(n, 64 * 4096) = 262,144 vectors for IVF4096,PQ48. More adds
# training time (k-means is O(sample * nlist * dim) per iteration) for little recall.
TRAIN_POINTS_PER_CENTROID = 64


def normalise_factory(factory: str) -> str:
    """The factory string as recorded in the manifest (``Flat`` and ``IDMap2,Flat`` are one index)."""
    f = factory.replace(" ", "")
    return FLAT if f in ("Flat", "IDMap,Flat", FLAT) else f


def is_flat(factory: str) -> bool:
    return normalise_factory(factory) == FLAT


def exact_vectors(factory: str) -> bool:
    """The index gives back the vectors it was given (Flat storage), not decoded approximations (PQ, SQ)."""
    return normalise_factory(factory).split(",")[-1] == "Flat"


def new_index(factory: str, dimension: int) -> faiss.Index:
    """An empty inner-product index for ``factory`` (an IVF one still untrained).

    :raises ValueError: FAISS does not know ``factory``, or it is neither Flat nor an IVF index.
    """
    f = normalise_factory(factory)
    if f == FLAT:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    if f.startswith("IDMap"):
        raise ValueError(
            f"FAISS factory {factory!r}: an IVF index keeps the passage ids itself; write it without IDMap "
            "(e.g. IVF4096,PQ48)"
        )
    try:
        # inner product equals cosine similarity on the embedder's normalised vectors
        index = faiss.index_factory(dimension, f, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unknown factory"
        raise ValueError(f"FAISS cannot build {factory!r} for {dimension} dimensions: {reason}") from exc
    ivf = _ivf(index)
    if ivf is None:
        raise ValueError(
            f"FAISS factory {factory!r} is not supported: use Flat (exact) or an IVF index such as "
            "IVF4096,PQ48 or IVF1024,Flat (ids, removal and lookup by id need one of these)"
        )
    ivf = faiss.downcast_index(ivf)
    if isinstance(ivf, faiss.IndexIVFPQ):
        # on by default; it only serves Hamming-filtered search, which we never run, and costs
        # seconds on a few thousand vectors (minutes on a training sample of 262k)
        ivf.do_polysemous_training = False
    return index


def centroids(index: faiss.Index) -> int:
    """The largest k-means its training runs: the coarse quantiser's nlist or a product quantiser's codes."""
    ivf = _ivf(index)
    if ivf is None:
        return 0
    pq = getattr(faiss.downcast_index(ivf), "pq", None)
    return max(ivf.nlist, pq.ksub if pq is not None else 0)


def training_sizes(factory: str, dimension: int) -> tuple[int, int]:
    """(the fewest vectors that can train ``factory``, the sample :func:`train_index` uses at most)."""
    k = centroids(new_index(factory, dimension))
    return MIN_POINTS_PER_CENTROID * k, TRAIN_POINTS_PER_CENTROID * k


def check_trainable(factory: str, dimension: int, passages: int) -> None:
    """Refuse, before anything is embedded, a corpus too small to train ``factory``.

    :raises ValueError: the message says how many passages it needs and what to use instead.
    """
    index = new_index(factory, dimension)
    if index.is_trained:
        return
    k = centroids(index)
    need = MIN_POINTS_PER_CENTROID * k
    if passages < need:
        smaller = "a smaller nlist" if k == faiss.extract_index_ivf(index).nlist else "4-bit codes (e.g. PQ48x4)"
        raise ValueError(
            f"too few passages to train the FAISS index {factory!r}: it needs at least {need:,} "
            f"({MIN_POINTS_PER_CENTROID} per centroid of its {k}-centroid k-means), the corpus has "
            f"{passages:,}. Use {smaller}, or the exact index (--faiss-factory Flat)"
        )


def train_index(factory: str, vectors: np.ndarray, seed: int = 0) -> faiss.Index:
    """An empty index for ``factory``, trained on a sample of ``vectors`` (Flat needs no training).

    Train once and clone the result (``faiss.clone_index``) for every shard that shares it.

    :raises ValueError: fewer vectors than the factory needs (the message says how many), or an
        unknown factory.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    index = new_index(factory, vectors.shape[1])
    if index.is_trained:
        return index
    check_trainable(factory, vectors.shape[1], len(vectors))
    k = centroids(index)
    sample = min(len(vectors), TRAIN_POINTS_PER_CENTROID * k)
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), sample, replace=False))
    index.train(np.ascontiguousarray(vectors[rows]))
    return index


def set_nprobe(index: faiss.Index, nprobe: int) -> None:
    """Lists an IVF index scans per query (nothing to set on a flat index)."""
    ivf = _ivf(index)
    if ivf is not None:
        ivf.nprobe = max(1, min(int(nprobe), ivf.nlist))


def enable_lookup_by_id(index: faiss.Index) -> None:
    """Let ``reconstruct`` find vectors by id (an IVF index keeps no id -> row map unless asked; it
    is built only when an update copies vectors, so a served index does not pay for it)."""
    ivf = _ivf(index)
    if ivf is not None and ivf.direct_map.type == faiss.DirectMap.NoMap:
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)


def _ivf(index: faiss.Index) -> faiss.IndexIVF | None:
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def stored_ids(index: faiss.Index) -> np.ndarray:
    """The int ids of every vector in ``index`` (an ``IDMap2`` keeps them in a table, an IVF index in its lists)."""
    if isinstance(index, faiss.IndexIDMap):  # IndexIDMap2 is a subclass
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    ivf = _ivf(index)
    if ivf is None:
        raise ValueError(f"cannot list the ids of a {type(index).__name__}")
    lists = ivf.invlists
    found = [
        faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
        for i in range(lists.nlist)
        if lists.list_size(i)
    ]
    return np.concatenate(found).astype(np.int64) if found else np.empty(0, dtype=np.int64)
