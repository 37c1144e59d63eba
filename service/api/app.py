"""The FastAPI application: ``create_app(settings)``; the index and models load once, at start-up."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.errors import install_error_handlers
from service.api.routes import claims, meta
from service.errors import describe
from service.lookup import ClaimLookup
from service.runtime import configure_threads
from service.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_threads(settings.threads)
        app.state.lookup, app.state.index_error = None, None
        try:
            app.state.lookup = ClaimLookup.open(settings)
            log.info("index loaded from %s", settings.index_dir)
        except Exception as exc:  # the service still starts, degraded, and says why
            app.state.index_error = describe(exc).message
            log.error("no index loaded: %s", app.state.index_error)
        yield

    app = FastAPI(
        title="factcheck",
        summary="Evidence for and against claims, from a trusted reference corpus.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.lookup, app.state.index_error = None, "the service is starting"
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    app.include_router(claims.router)
    app.include_router(meta.router)
    return app
