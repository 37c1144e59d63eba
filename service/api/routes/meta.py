from __future__ import annotations

from fastapi import APIRouter, Request

from service.api.auth import ReaderDep
from service.schemas import IndexInfo

router = APIRouter(tags=["service"])


@router.get("/healthz", summary="Liveness and readiness")
async def healthz(request: Request) -> dict:
    """``status`` is ``ok`` when an index is loaded and ``degraded`` when the service runs without one."""
    loaded = request.app.state.lookup is not None
    return {"status": "ok" if loaded else "degraded", "index_loaded": loaded}


@router.get("/v1/index", response_model=IndexInfo, summary="What index is loaded", dependencies=[ReaderDep])
async def index_info(request: Request) -> IndexInfo:
    lookup = request.app.state.lookup
    if lookup is None:
        settings = request.app.state.settings
        return IndexInfo(loaded=False, index_dir=str(settings.index_dir), error=request.app.state.index_error)
    return lookup.info()
