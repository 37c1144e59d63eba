"""FastAPI dependencies: settings and the loaded claim lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.errors import IndexUnavailableError
from service.lookup import ClaimLookup
from service.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_lookup(request: Request) -> ClaimLookup:
    lookup: ClaimLookup | None = request.app.state.lookup
    if lookup is None:
        reason = request.app.state.index_error or "no index loaded"
        raise IndexUnavailableError(f"no index is loaded: {reason}")
    return lookup


LookupDep = Annotated[ClaimLookup, Depends(get_lookup)]
