"""Prometheus metrics at ``/metrics`` (prometheus-client): requests by route and status, latency, the claim
check's stages, verdicts, the loaded index, and build jobs. One registry per app, so several apps in one
process (the tests) do not collide."""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self._version_shown: str | None = None
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("factcheck_http_requests", "HTTP requests", ["route", "method", "status"], registry=r)
        self.latency = Histogram(
            "factcheck_http_request_seconds", "HTTP request latency", ["route", "method"], buckets=_LATENCY, registry=r
        )
        self.stages = Histogram(
            "factcheck_stage_seconds", "Claim check stage latency (per batch)", ["stage"], buckets=_LATENCY, registry=r
        )
        self.verdicts = Counter("factcheck_verdicts", "Verdicts given", ["verdict"], registry=r)
        mode = "mostrecent"  # with several workers: the value the last worker to look saw
        self.passages = Gauge("factcheck_index_passages", "Passages in the loaded index", registry=r,
                              multiprocess_mode=mode)  # fmt: skip
        self.documents = Gauge("factcheck_index_documents", "Documents in the loaded index", registry=r,
                               multiprocess_mode=mode)  # fmt: skip
        self.version = Gauge("factcheck_index_version_info", "The loaded index version (1)", ["version"], registry=r,
                             multiprocess_mode=mode)  # fmt: skip
        self.stance_cache = Gauge(
            "factcheck_stance_cache_pairs", "Stance pairs answered from the cache (hit) or by the model (miss)",
            ["result"], registry=r, multiprocess_mode="sum",
        )  # fmt: skip
        self.jobs = Counter("factcheck_build_jobs", "Finished build jobs", ["kind", "state"], registry=r)
        self.job_seconds = Histogram(
            "factcheck_build_job_seconds", "Build job duration", ["kind"], buckets=(1, 5, 15, 60, 300, 900, 3600),
            registry=r,
        )  # fmt: skip

    def observe_check(self, verdicts: list[str], timings_ms: dict[str, float]) -> None:
        for verdict in verdicts:
            self.verdicts.labels(verdict).inc()
        for stage, ms in timings_ms.items():
            if stage != "total":
                self.stages.labels(stage).observe(ms / 1000)

    def observe_index(self, lookup: Any) -> None:
        if lookup is None:
            return
        self.passages.set(lookup.store.count_documents())
        self.documents.set(len(lookup.store.sources))
        version = lookup.version or ""
        if self._version_shown not in (None, version):
            self.version.labels(self._version_shown).set(0)  # clear() does not exist in multiprocess mode
        self.version.labels(version).set(1)
        self._version_shown = version
        stance = lookup.verify_pipeline.get_component("stance")
        cache = getattr(getattr(stance, "scorer", None), "cache", None)
        if cache is not None:
            self.stance_cache.labels("hit").set(cache.hits)
            self.stance_cache.labels("miss").set(cache.misses)

    def observe_job(self, kind: str, state: str, seconds: float) -> None:
        self.jobs.labels(kind, state).inc()
        self.job_seconds.labels(kind).observe(seconds)


class RequestMetrics:
    """Counts and times every HTTP request by its route template (not its raw path: ids would explode)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route, scope["method"]).observe(time.perf_counter() - started)


def install(app: FastAPI, metrics: Metrics) -> None:
    app.state.metrics = metrics
    app.add_middleware(RequestMetrics, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint(request: Request) -> Response:
        metrics.observe_index(request.app.state.lookup)
        registry = metrics.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # several workers: every worker's numbers
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
