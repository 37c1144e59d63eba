"""Start or join the Ray cluster for one build, with token authentication chosen here, explicitly.

Ray 2.60 decides authentication from ``RAY_AUTH_MODE``/``RAY_AUTH_TOKEN`` and, when the mode is
unset, from a token file it may find in (or write to) ``~/.ray/auth_token``. A build never leaves
that to chance: it sets both variables for the session and restores them afterwards.

- ``local``: a cluster of this machine's cores, started for the command and gone with it, always
  with a token (``FACTCHECK_RAY_TOKEN``, else a random one made for this command).
- an address: joined with ``FACTCHECK_RAY_TOKEN`` when it is set; without it, explicitly without
  authentication (a cluster that requires a token refuses the connection).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
_AUTH_VARS = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")
LOCAL = "local"


def set_auth(values: dict[str, str | None]) -> dict[str, str | None]:
    """Set (None: remove) Ray's authentication variables in this process; returns what they were."""
    saved = {name: os.environ.get(name) for name in _AUTH_VARS}
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    # Ray caches its config and token per process: make it read again what was just set (as
    # ray's own _enable_token_auth does)
    from ray._raylet import AuthenticationTokenLoader, Config

    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()
    return saved


@contextmanager
def ray_session(
    address: str, token: str | None = None, emit: Callable[[str], None] = lambda _: None
) -> Iterator[dict[str, float]]:
    """Connected to the cluster at ``address`` (or a local one) for the ``with`` block; yields its resources.

    When this process is connected already (a caller's own ``ray.init``), that session is used as it is.
    """
    import ray

    if ray.is_initialized():
        yield ray.cluster_resources()
        return
    local = address == LOCAL
    if local or token:
        token = token or secrets.token_hex(32)
        saved = set_auth({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token, "RAY_AUTH_TOKEN_PATH": None})
    else:
        emit(f"joining {address} without token authentication (set FACTCHECK_RAY_TOKEN if the cluster has one)")
        saved = set_auth({"RAY_AUTH_MODE": "disabled", "RAY_AUTH_TOKEN": None, "RAY_AUTH_TOKEN_PATH": None})
    try:
        # worker output stays in Ray's session logs: stdout is the command's (--json)
        common = {"log_to_driver": False, "configure_logging": False}
        if local:
            emit(f"starting a local Ray cluster of {os.cpu_count()} CPUs (token authentication)")
            # address="local": a new cluster even when another one runs here (ray.init would join it)
            ray.init(address="local", num_cpus=os.cpu_count() or 1, include_dashboard=False, **common)
        else:
            emit(f"joining the Ray cluster at {address}")
            ray.init(address=address, **common)
        try:
            yield ray.cluster_resources()
        finally:
            ray.shutdown()
    finally:
        set_auth(saved)
