"""Process-wide runtime set-up: thread counts that match the cores we have."""

from __future__ import annotations

import os


def configure_threads(threads: int) -> None:
    """Pin torch and BLAS to ``threads``: oversubscribing 2 cores made one embedder 20x slower."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the per-load "Loading weights" bar is noise in a CLI and in logs
    try:
        import faiss

        faiss.omp_set_num_threads(threads)
    except ImportError:  # pragma: no cover - faiss is a hard dependency
        pass
