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
# the packages a store class may come from: a pipeline file names a class, which is then imported
TRUSTED_STORE_MODULES = ("index.",)


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

    :raises ValueError: ``data`` names no store class, or one outside :data:`TRUSTED_STORE_MODULES`.
    """
    if not isinstance(data, dict):
        return data
    given, opened = _resolving.get() or (None, None)
    if given is not None:
        return given
    key = json.dumps(data, sort_keys=True)
    if opened is not None and key in opened:
        return opened[key]
    type_name = data.get("type")
    if not isinstance(type_name, str) or "." not in type_name:
        raise ValueError(f"a document store needs a 'type' naming its class, got {type_name!r}")
    if not type_name.startswith(TRUSTED_STORE_MODULES):
        raise ValueError(f"document store {type_name!r} is not one of ours (modules {', '.join(TRUSTED_STORE_MODULES)})")
    module, _, name = type_name.rpartition(".")
    cls = getattr(importlib.import_module(module), name, None)
    if cls is None or not hasattr(cls, "from_dict"):
        raise ValueError(f"document store {type_name!r} does not exist or cannot be deserialised")
    store = cls.from_dict(data)
    if opened is not None:
        opened[key] = store
    return store
