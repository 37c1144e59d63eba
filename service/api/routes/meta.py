from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from index.layout import read_current
from service.api.auth import ReaderDep
from service.document_store import uses_database
from service.errors import hide_paths
from service.schemas import IndexInfo

router = APIRouter(tags=["service"])


def _fallback(lookup, settings) -> str | None:
    """The version served when it is not the one CURRENT names (that one failed its checks)."""
    if uses_database(settings):  # the load's own record: no query to the database per probe
        return lookup.version if lookup.store.skipped else None
    current = read_current(lookup.index_dir)
    return lookup.version if current is not None and lookup.version != current else None


@router.get("/healthz", summary="Liveness and readiness, in one answer")
async def healthz(request: Request) -> dict:
    """``status`` is ``ok`` when the current index version is loaded, ``fallback`` when an older version
    is served because the current one fails its checks, and ``degraded`` without any index."""
    lookup = request.app.state.lookup
    if lookup is None:
        return {"status": "degraded", "index_loaded": False, "version": None}
    fallback = _fallback(lookup, request.app.state.settings)
    return {"status": "fallback" if fallback else "ok", "index_loaded": True, "version": lookup.version}


@router.get("/livez", summary="The process is up")
async def livez() -> dict:
    return {"status": "alive"}


@router.get("/readyz", summary="Ready to answer: the index and the models are loaded (503 until then)")
async def readyz(request: Request) -> JSONResponse:
    lookup = request.app.state.lookup
    if lookup is None:
        reason = hide_paths(request.app.state.index_error or "no index loaded", request.app.state.settings.index_dir)
        return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
    return JSONResponse(
        {"status": "ready", "version": lookup.version, "fallback": _fallback(lookup, request.app.state.settings)}
    )


@router.get("/v1/index", response_model=IndexInfo, summary="What index is loaded", dependencies=[ReaderDep])
async def index_info(request: Request) -> IndexInfo:
    lookup = request.app.state.lookup
    settings = request.app.state.settings
    if lookup is None:
        error = request.app.state.index_error
        return IndexInfo(
            loaded=False,
            index_dir=settings.index_dir.name,
            error=hide_paths(error, settings.index_dir) if error else None,
            refused_versions={v: hide_paths(r, settings.index_dir) for v, r in request.app.state.index_refused.items()},
        )
    info = lookup.info()
    info.index_dir = settings.index_dir.name
    info.refused_versions = {v: hide_paths(r, settings.index_dir) for v, r in info.refused_versions.items()}
    return info
