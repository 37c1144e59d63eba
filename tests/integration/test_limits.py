"""Request bodies are bounded per route and refused before they are read; a protected route checks the
token before it reads a body; the error codes are the documented ones."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration
READ_TOKEN = "read-token-0123456789"


@pytest.fixture(scope="module")
def bare_client(settings_factory, tmp_path_factory):
    """The app with no index (nothing to load) and a read token: the guards answer before any route."""
    from service.api.app import create_app

    settings = settings_factory(tmp_path_factory.mktemp("none") / "index", read_token=READ_TOKEN, max_body_bytes=4096)
    with TestClient(create_app(settings)) as c:
        yield c


AUTH = {"Authorization": f"Bearer {READ_TOKEN}"}


def test_a_body_over_the_limit_is_refused_from_its_length(bare_client):
    r = bare_client.post("/v1/claims/verify", content=b"x" * 5000, headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large" and "FACTCHECK_MAX_BODY_BYTES" in r.json()["error"]


def test_a_streamed_body_is_refused_when_it_passes_the_limit(bare_client):
    def chunks():
        for _ in range(10):
            yield b"x" * 1000

    r = bare_client.post("/v1/claims/verify", content=chunks(), headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_the_token_is_checked_before_the_body(bare_client):
    r = bare_client.post("/v1/claims/verify", content=b"x" * 100_000, headers={"content-type": "application/json"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


def test_an_article_has_its_own_larger_limit(bare_client):
    body = b'{"text": "' + b"a" * 6000 + b'"}'
    r = bare_client.post("/v1/articles/check", content=body, headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 503  # past the body guard: no index is loaded here


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b"[" * 1500 + b"]" * 1500], ids=["not UTF-8", "nested too deep"])
def test_bodies_that_cannot_be_read_are_malformed_json(bare_client, body):
    r = bare_client.post("/v1/claims/verify", content=body, headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"


def test_top_k_must_be_a_whole_number(client):
    for top_k in ("5", True, 2.5):
        r = client.post("/v1/claims/verify", json={"claim": "NATO summit in Brussels", "top_k": top_k})
        assert r.status_code == 422 and r.json()["code"] == "invalid_request", top_k


@pytest.mark.parametrize("claim", ["\ud800 NATO summit", "\u200b\u200b\u200b"])
def test_a_lone_surrogate_or_an_invisible_claim_is_invalid(client, claim):
    import json

    body = json.dumps({"claim": claim})  # ensure_ascii: the surrogate travels as \\ud800
    r = client.post("/v1/claims/verify", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


_REPORT = {
    "source_format": "text",
    "text": "NATO met in Brussels.",
    "sentences": [],
    "claims": [],
    "summary": {"sentences": 1, "claims": 0, "verdicts": {}},
    "took_ms": 12.5,
}


def _post(client, path: str, body: dict):
    import json

    # ensure_ascii (json.dumps' default): a lone surrogate travels as \\ud800, as a client would send it
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/v1/articles/check", {"text": "NATO met in Brussels.", "url": "http://x/\ud800"}, "url"),
        ("/v1/articles/check", {"text": "NATO met in Brussels.", "published": "\udc00"}, "published"),
        ("/v1/articles/claimreview", {**_REPORT, "url": "http://x/\ud800"}, "url"),
        ("/v1/articles/claimreview", {**_REPORT, "title": "NATO \ud800"}, "title"),
        ("/v1/articles/claimreview", {**_REPORT, "timings_ms": {"\ud800": 1.0}}, "timings_ms"),
        ("/v1/claims/verify-batch", {"claims": ["NATO", "summit \ud800"]}, "claims"),
        ("/v1/articles/claimreview", {**_REPORT, "took_ms": False}, "took_ms"),
        ("/v1/claims/verify", {"claim": "NATO summit", "top_k": True}, "top_k"),
    ],
    ids=["article url", "article date", "report url", "report title", "report key", "batch", "bool ms", "bool top_k"],
)
def test_every_string_field_refuses_a_lone_surrogate_and_no_number_is_a_boolean(client, path, body, loc):
    """One check for every request model: these were 500s (the check ran, then the answer could not be
    written) or silently read false as 0.0."""
    r = _post(client, path, body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_request" and r.json()["errors"][0]["loc"] == loc


def test_a_report_without_bad_characters_still_gives_claimreview(client):
    r = _post(client, "/v1/articles/claimreview", _REPORT)
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize("claim", ["NATO\u0000summit", "NATO\x1bsummit"])
def test_a_claim_with_a_control_character_is_refused(client, claim):
    r = client.post("/v1/claims/verify", json={"claim": claim})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert "control character" in r.json()["error"]


def test_an_article_with_a_control_character_is_checked_with_it_blanked(client):
    r = client.post("/v1/articles/check", json={"text": "Die NATO traf sich\u000c in Brüssel.", "max_claims": 1})
    assert r.status_code == 200, r.text
    assert "\u000c" not in r.json()["text"]


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain; charset=utf-8"])
def test_a_json_body_is_read_whatever_its_declared_type(client, content_type):
    """curl -d sends form encoding and fetch() with a string text/plain: the body is JSON all the same."""
    headers = {"content-type": content_type} if content_type else {}
    r = client.post(
        "/v1/claims/verify",
        content=b'{"claim": "Der NATO-Gipfel 2021 fand in Madrid statt", "top_k": 1}',
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "REFUTED"


def test_a_body_that_is_not_json_is_malformed_whatever_its_declared_type(client):
    r = client.post("/v1/claims/verify", content=b"<claim>NATO</claim>", headers={"content-type": "application/xml"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    assert set(r.json()) == {"ok", "status", "code", "error", "errors"}
