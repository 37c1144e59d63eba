"""A document store named in a serialised pipeline, resolved to one store object.

Every retrieval step of a pipeline file names its store (``{"type": ..., "init_parameters":
{"index_dir": ...}}``). Loading a file must not open the index once per step, and the service
serves the version it has loaded and checked, whatever folder the file was written with: inside
:func:`resolving_stores`, every store a step names resolves to the given store, or, without one,
to a single store opened on first use.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# (the store every step gets, or None; the stores opened during this load, by their serialised form)
_resolving: ContextVar[tuple[Any, dict[str, Any]] | None] = ContextVar("resolving_stores", default=None)
# the store classes a pipeline file may name (a file names a class, which is then imported and made)
TRUSTED_STORES = ("index.store.FaissDocumentStore", "index.postgres.store.PostgresSearchStore")


@contextmanager
def resolving_stores(store: Any = None) -> Iterator[None]:
    """While loading a pipeline: each store resolves to ``store`` (when given) or to one opened store per form."""
    token = _resolving.set((store, {}))
    try:
        yield
    finally:
        _resolving.reset(token)


def store_from_dict(data: dict[str, Any] | Any) -> Any:
    """The store ``data`` (a store's ``to_dict()``) names; an object that is already a store is returned as it is.

    :raises ValueError: ``data`` names a class that is not one of :data:`TRUSTED_STORES`.
    """
    if not isinstance(data, dict):
        return data
    type_name = data.get("type")
    if type_name not in TRUSTED_STORES:
        raise ValueError(f"document store {type_name!r} is not one this service opens ({', '.join(TRUSTED_STORES)})")
    given, opened = _resolving.get() or (None, None)
    if given is not None:
        return given
    key = json.dumps(data, sort_keys=True)
    if opened is not None and key in opened:
        return opened[key]
    module, _, name = type_name.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    store = cls.from_dict(data)
    if opened is not None:
        opened[key] = store
    return store
