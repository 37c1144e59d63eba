"""The index build on a Ray cluster (the ``ray`` extra): corpus -> Parquet shards -> a sharded version.

Only this package imports ray, and only inside functions, so ``import index`` works without the
extra. :mod:`index.distributed.build` drives the build, :mod:`index.distributed.stages` holds the
functions Ray runs on the workers, :mod:`index.distributed.shards` builds one shard's store, and
:mod:`index.distributed.cluster` starts or joins the cluster with token authentication.
"""

from __future__ import annotations

RAY_MISSING = "a build on Ray needs the ray extra: pip install 'factcheck[ray]'"


def ray_available() -> bool:
    try:
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True
