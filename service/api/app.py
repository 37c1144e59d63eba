"""The FastAPI application: ``create_app(settings)``; the index and models load once, at start-up,
and a new index version is swapped in while the service runs (see :mod:`service.api.swap`)."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.batching import ClaimBatcher
from service.api.errors import install_error_handlers
from service.api.limits import BodyGuard
from service.api.metrics import Metrics
from service.api.metrics import install as install_metrics
from service.api.request_id import RequestId
from service.api.routes import admin, articles, claims, meta
from service.api.swap import IndexSwapper
from service.claim_checker import StoreLoader
from service.index_status import clean_debris
from service.job_store import JobStore
from service.jobs import JobRegistry
from service.runtime import configure_threads
from service.settings import Settings, get_settings
from service.verify.pipeline import EmbedderFactory

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    store_loader: StoreLoader | None = None,
    embedder_factory: EmbedderFactory | None = None,
) -> FastAPI:
    """The app; ``store_loader`` replaces the local index load and ``embedder_factory`` the pipelines'
    local embedders (both: the Ray Serve ingress, :mod:`service.ray_serve`)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_threads(settings.threads)
        app.state.lookup, app.state.index_error = None, None
        clean_debris(settings.index_dir)  # what a killed build left, unless a build runs right now
        try:
            interrupted = app.state.jobs.attach(JobStore(settings.index_dir))
            if interrupted:
                log.warning("%d index job(s) were running when the service stopped: marked failed", interrupted)
        except (OSError, sqlite3.Error) as exc:  # a read-only index folder: jobs stay in memory
            log.warning("job records stay in memory: %s", exc)
        swapper = IndexSwapper(app, settings, store_loader, embedder_factory)
        app.state.swapper = swapper
        if settings.load_in_background:
            # the port opens now: /livez answers, /readyz says 503 and what is loading, claims get 503
            swapper.start(settings.index_watch_seconds)
        else:
            swapper.load_then_watch(settings.index_watch_seconds)
        try:
            yield
        finally:
            await app.state.batcher.stop()
            swapper.stop()

    app = FastAPI(
        title="factcheck",
        summary="Evidence for and against claims, from a trusted reference corpus.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by service.api.docs, with local assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.lookup, app.state.index_error, app.state.index_refused = None, "the service is starting", {}
    metrics = Metrics()
    app.state.jobs = JobRegistry(on_finish=metrics.observe_job)
    app.state.batcher = ClaimBatcher(
        settings.batch_window_ms, settings.max_batch_claims, on_run=lambda timings: metrics.observe_check([], timings)
    )
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    app.add_middleware(BodyGuard, settings=settings)
    install_metrics(app, metrics)  # outside the body guard: its 413s and 401s are counted too
    app.add_middleware(RequestId)  # added last: outermost, so every answer (a 413, a 500) carries the id
    app.include_router(claims.router)
    app.include_router(articles.router)
    app.include_router(meta.router)
    app.include_router(admin.router)
    from service.api.docs import install as install_docs
    from service.api.docs import tune_openapi
    from service.web.routes import install as install_page

    install_docs(app)
    tune_openapi(app)
    install_page(app)
    return app
