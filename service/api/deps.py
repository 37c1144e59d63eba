"""FastAPI dependencies: settings and the loaded claim lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.claim_checker import ClaimChecker
from service.errors import IndexUnavailableError
from service.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_lookup(request: Request) -> ClaimChecker:
    lookup: ClaimChecker | None = request.app.state.lookup
    if lookup is None:
        reason = request.app.state.index_error or "no index loaded"
        raise IndexUnavailableError(f"no index is loaded: {reason}")
    return lookup


LookupDep = Annotated[ClaimChecker, Depends(get_lookup)]
