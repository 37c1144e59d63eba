"""What operators read: /metrics, X-Request-ID, and log lines that carry the request id."""

from __future__ import annotations

import json
import logging
import re

import pytest

pytestmark = pytest.mark.integration


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$", line)
        if m and m.group(1) == name and dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")) == labels:
            return float(m.group(3))
    raise AssertionError(f"no {name}{labels} in /metrics")


def test_metrics_count_requests_stages_verdicts_and_the_index(client):
    before = client.get("/metrics").text
    verdict = client.post("/v1/claims/verify", json={"claim": "Belarusian access to NATO HQ restricted"}).json()[
        "verdict"
    ]
    client.post("/v1/claims/verify", json={"claim": ""})
    text = client.get("/metrics").text
    route = "/v1/claims/verify"
    ok = _metric(text, "factcheck_http_requests_total", route=route, method="POST", status="200")
    ok_before = 0.0
    try:
        ok_before = _metric(before, "factcheck_http_requests_total", route=route, method="POST", status="200")
    except AssertionError:
        pass
    assert ok == ok_before + 1
    assert _metric(text, "factcheck_http_requests_total", route=route, method="POST", status="422") >= 1
    assert _metric(text, "factcheck_verdicts_total", verdict=verdict) >= 1
    assert _metric(text, "factcheck_stage_seconds_count", stage="stance") >= 1
    assert _metric(text, "factcheck_index_passages") >= 300
    info = client.get("/v1/index").json()
    assert _metric(text, "factcheck_index_version_info", version=info["version"]) == 1


def test_every_response_carries_a_request_id(client):
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id\twith space"}).headers["x-request-id"]
    assert odd != "bad id\twith space" and len(odd) == 32
    error = client.post("/v1/claims/verify", json={"claim": ""}, headers={"X-Request-ID": "err-1"})
    assert error.status_code == 422 and error.headers["x-request-id"] == "err-1"


def test_json_log_lines_name_the_request(capsys):
    from service.api.request_id import request_id
    from service.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(logging.INFO, "json")
        token = request_id.set("req-42")
        logging.getLogger("factcheck.test").warning("checked %d claims", 3)
        request_id.reset(token)
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["request_id"] == "req-42" and line["message"] == "checked 3 claims" and line["level"] == "warning"


def test_an_unhandled_error_names_its_request_in_the_answer_and_the_log(settings_factory, tmp_path):
    """A bug's 500 used to be answered by Starlette's outermost middleware, after the id was gone: the log line
    read [-] and the answer had no X-Request-ID."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.logs import _RequestIdFilter

    app = create_app(settings_factory(tmp_path / "none"))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    seen: list[tuple[str, str]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.getMessage(), record.request_id))

    handler = Keep()
    handler.addFilter(_RequestIdFilter())
    logger = logging.getLogger("service.api.errors")
    logger.addHandler(handler)
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.get("/boom", headers={"X-Request-ID": "bug-7"})
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 500 and r.json()["code"] == "internal_error" and "Traceback" not in r.text
    assert r.headers["x-request-id"] == "bug-7"
    assert ("unhandled error on GET /boom", "bug-7") in seen
