"""Admin API: tokens on every admin endpoint, jobs with progress, 409 for a second build, and swaps
under a client hammering /v1/claims/verify from threads through a real server."""

import json
import shutil
import threading
import time
from collections import Counter

import pytest

from tests.integration.conftest import wait_for_job

pytestmark = pytest.mark.integration

ADMIN = "admin-0123456789abcdef-token"
READ = "read-0123456789abcdef-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
OSLO = {
    "id": "oslo",
    "title": "Oslo",
    "text": "Oslo is the capital of Norway. The city sits at the head of the Oslofjord.",
}
ENDPOINTS = [
    ("post", "/v1/index/rebuild", None),
    ("post", "/v1/documents", {"documents": [OSLO]}),
    ("delete", "/v1/documents/berlin", None),
    ("get", "/v1/index/jobs/0123456789ab", None),
]


def assert_error(resp, status: int, code: str, text: str):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"ok", "status", "code", "error", "errors"}
    assert body["ok"] is False and body["status"] == status and body["code"] == code
    assert text in body["error"], body["error"]
    return body


def call(client, method, path, body, headers=None):
    return client.request(method.upper(), path, json=body, headers=headers or {})


@pytest.fixture()
def admin_client(tiny_root, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    settings = settings_factory(tiny_root, admin_token=ADMIN, index_watch_seconds=0)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    ("headers", "text"),
    [
        ({}, "needs the admin token"),
        ({"Authorization": "Bearer not-the-admin-token-at-all"}, "not the admin token"),
        ({"Authorization": f"Basic {ADMIN}"}, "needs the admin token"),
        ({"Authorization": f"Bearer {READ}"}, "not the admin token"),
    ],
)
def test_admin_endpoints_refuse_a_missing_or_wrong_token(admin_client, method, path, body, headers, text):
    resp = call(admin_client, method, path, body, headers)
    assert_error(resp, 401, "unauthorized", text)
    assert resp.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_admin_endpoints_are_disabled_without_an_admin_token(client, method, path, body):
    for headers in ({}, AUTH):
        resp = call(client, method, path, body, headers)
        assert_error(resp, 403, "admin_disabled", "admin endpoints are disabled: set FACTCHECK_ADMIN_TOKEN")


def test_admin_endpoints_accept_the_admin_token(admin_client):
    for method, path, body in ENDPOINTS[:3]:
        resp = call(admin_client, method, path, body, AUTH)
        assert resp.status_code == 202, resp.text
        job = resp.json()
        assert resp.headers["location"] == job["url"] == f"/v1/index/jobs/{job['job_id']}"
        done = wait_for_job(admin_client, job["job_id"], AUTH)
        assert done["state"] == "succeeded", done
    assert_error(call(admin_client, *ENDPOINTS[3], AUTH), 404, "not_found", "no job '0123456789ab'")


def test_a_document_job_reports_progress_and_the_service_swaps_to_its_version(admin_client):
    resp = admin_client.post("/v1/documents", json={"documents": [OSLO]}, headers=AUTH)
    assert resp.status_code == 202, resp.text
    job = wait_for_job(admin_client, resp.json()["job_id"], AUTH)
    assert job["state"] == "succeeded" and job["kind"] == "upsert_documents" and job["error"] is None
    result = job["result"]
    assert result["added"] == 1 and result["embedded"] == 1 and result["reused"] == result["passages"] - 1
    assert result["version"] == result["serving"] == "v000002"
    assert job["progress"]["elapsed_s"] > 0 and job["started_at"] and job["finished_at"]
    # a finished job's clock has stopped and its stage says how it ended
    assert job["progress"]["stage"] == "succeeded" and job["progress"]["eta_s"] is None
    time.sleep(0.3)
    again = admin_client.get(f"/v1/index/jobs/{job['id']}", headers=AUTH).json()
    assert again["progress"]["elapsed_s"] == job["progress"]["elapsed_s"]
    top = admin_client.post("/v1/claims/search", json={"claim": "capital of Norway", "top_k": 1}).json()
    assert top["evidence"][0]["document_id"] == "oslo"

    resp = admin_client.delete("/v1/documents/oslo", headers=AUTH)
    job = wait_for_job(admin_client, resp.json()["job_id"], AUTH)
    assert job["state"] == "succeeded" and job["result"]["removed"] == 1 and job["result"]["embedded"] == 0
    assert admin_client.get("/v1/index").json()["version"] == "v000003"
    top = admin_client.post("/v1/claims/search", json={"claim": "capital of Norway", "top_k": 1}).json()
    assert top["evidence"][0]["document_id"] != "oslo"


def test_document_requests_are_checked_before_a_job_starts(admin_client):
    assert_error(admin_client.delete("/v1/documents/nope", headers=AUTH), 404, "not_found", "no document 'nope'")
    twice = {"documents": [OSLO, OSLO]}
    assert_error(admin_client.post("/v1/documents", json=twice, headers=AUTH), 422, "invalid_request", "duplicate id")
    blank = {"documents": [{**OSLO, "text": "  \n "}]}
    assert_error(admin_client.post("/v1/documents", json=blank, headers=AUTH), 422, "invalid_request", "text")
    assert_error(admin_client.post("/v1/documents", json={"documents": []}, headers=AUTH), 422, "invalid_request", "")
    resp = admin_client.post("/v1/index/rebuild", json={"source": "corpus"}, headers=AUTH)
    assert_error(resp, 422, "invalid_request", "FACTCHECK_CORPUS_PATH")


def test_a_second_build_gets_409_with_the_running_jobs_id(admin_client, monkeypatch, tiny_root):
    from index.lock import BuildLock
    from service import index_ops

    gate = threading.Event()
    real = index_ops.run_upsert

    def held_back(*args, **kwargs):
        gate.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(index_ops, "run_upsert", held_back)
    first = admin_client.post("/v1/documents", json={"documents": [OSLO]}, headers=AUTH).json()["job_id"]
    try:
        for method, path, body in ENDPOINTS[:3]:
            body = assert_error(call(admin_client, method, path, body, AUTH), 409, "build_running", first)
            assert body["errors"] == [{"loc": "job_id", "message": first}]
        running = admin_client.get(f"/v1/index/jobs/{first}", headers=AUTH).json()
        assert running["state"] == "running"
    finally:
        gate.set()
    assert wait_for_job(admin_client, first, AUTH)["state"] == "succeeded"
    with BuildLock(tiny_root):  # a CLI build holds the index
        resp = call(admin_client, *ENDPOINTS[0], AUTH)
        assert_error(resp, 409, "build_running", "another build is running")


def test_read_endpoints_need_the_read_token_once_it_is_set(tiny_root, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    settings = settings_factory(tiny_root, admin_token=ADMIN, read_token=READ, index_watch_seconds=0)
    claim = {"claim": "capital of Italy"}
    with TestClient(create_app(settings)) as c:
        assert_error(c.post("/v1/claims/verify", json=claim), 401, "unauthorized", "needs the read token")
        resp = c.post("/v1/claims/verify", json=claim, headers={"Authorization": "Bearer wrong-wrong-wrong-wrong"})
        assert_error(resp, 401, "unauthorized", "not valid")
        assert_error(c.get("/v1/index"), 401, "unauthorized", "read token")
        for token in (READ, ADMIN):
            headers = {"Authorization": f"Bearer {token}"}
            assert c.post("/v1/claims/verify", json=claim, headers=headers).status_code == 200
            assert c.get("/v1/index", headers=headers).status_code == 200
        assert c.get("/healthz").status_code == 200  # probes stay open
        resp = c.post("/v1/documents", json={"documents": [OSLO]}, headers={"Authorization": f"Bearer {READ}"})
        assert_error(resp, 401, "unauthorized", "not the admin token")


def test_swaps_while_clients_hammer_verify_fail_no_request(sample_index, settings_factory, tmp_path):
    import httpx

    from service.api.app import create_app
    from tests.conftest import live_server

    root = tmp_path / "idx"
    shutil.copytree(sample_index, root)
    app = create_app(settings_factory(root, admin_token=ADMIN, index_watch_seconds=0))
    with live_server(app) as base:
        claim = {"claim": "When does the Zorblax lantern festival of Quuxville take place?", "top_k": 3}
        results: list[tuple[object, bool]] = []
        stop = threading.Event()

        def hammer():
            with httpx.Client(base_url=base, timeout=120) as http:
                while not stop.is_set():
                    try:
                        r = http.post("/v1/claims/verify", json=claim)
                        found = r.status_code == 200 and any(
                            e["document_id"] == "zorblax" for e in r.json()["evidence"]
                        )
                        results.append((r.status_code, found))
                    except Exception as exc:  # a dropped connection counts as a failure too
                        results.append((repr(exc), False))

        def answered_since(n: int, found: bool, at_least: int = 3) -> None:
            deadline = time.monotonic() + 120
            while sum(1 for _, f in results[n:] if f is found) < at_least:
                assert time.monotonic() < deadline, Counter(s for s, _ in results)
                time.sleep(0.05)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            answered_since(0, False)
            with httpx.Client(base_url=base, timeout=60, headers=AUTH) as admin:
                doc = {
                    "id": "zorblax",
                    "title": "Zorblax",
                    "text": "The Zorblax lantern festival of Quuxville takes place every March on the frozen lake. "
                    "Thousands of lanterns are lit at midnight.",
                }
                for method, path, body, found in (
                    ("POST", "/v1/documents", {"documents": [doc]}, True),
                    ("DELETE", "/v1/documents/zorblax", None, False),
                ):
                    n = len(results)
                    resp = admin.request(method, path, json=body)
                    assert resp.status_code == 202, resp.text
                    job = wait_for_job(admin, resp.json()["job_id"], {})
                    assert job["state"] == "succeeded", job
                    answered_since(n, found)  # requests went on across the swap, and see the new version
        finally:
            stop.set()
            for t in threads:
                t.join(120)
        statuses = Counter(s for s, _ in results)
        assert set(statuses) == {200}, statuses
        assert sum(statuses.values()) >= 12


def test_an_upload_never_wipes_a_damaged_index(tiny_root, settings_factory):
    """Every version damaged: the upload is refused, naming the damage, and no version is pruned."""
    from fastapi.testclient import TestClient

    from index import layout
    from service.api.app import create_app
    from tests.integration.conftest import wait_for_job

    for version in layout.version_ids(tiny_root):
        vectors = layout.version_dir(tiny_root, version) / "vectors.faiss"
        vectors.write_bytes(vectors.read_bytes()[:-100])
    before = layout.version_ids(tiny_root)
    documents = (layout.current_dir(tiny_root) / "passages.sqlite").read_bytes()
    settings = settings_factory(tiny_root, admin_token=ADMIN, index_watch_seconds=0)
    with TestClient(create_app(settings)) as client:
        r = client.post("/v1/documents", json={"documents": [{"id": "oslo", "text": "Oslo is the capital of Norway."}]},
                        headers=AUTH)  # fmt: skip
        assert r.status_code == 202
        job = wait_for_job(client, r.json()["job_id"], AUTH)
        info = client.get("/v1/index", headers=AUTH).json()
    assert job["state"] == "failed"
    assert job["error"]["code"] == "index_corrupt" and "vectors.faiss" in job["error"]["error"]
    # the error names the file inside the index folder, never where the server keeps that folder
    assert str(tiny_root) not in json.dumps(job) and f"{tiny_root.name}/versions/" in job["error"]["error"]
    # with no version to serve, /v1/index still names each version and why it was refused
    assert info["loaded"] is False and set(info["refused_versions"]) == set(before)
    assert all("vectors.faiss" in why and str(tiny_root) not in why for why in info["refused_versions"].values())
    assert layout.version_ids(tiny_root) == before
    assert (layout.current_dir(tiny_root) / "passages.sqlite").read_bytes() == documents


def test_jobs_survive_a_restart_and_an_interrupted_one_reads_as_failed(tiny_root, settings_factory):
    import sqlite3

    from fastapi.testclient import TestClient

    from service.api.app import create_app

    settings = settings_factory(tiny_root, admin_token=ADMIN, index_watch_seconds=0)
    with TestClient(create_app(settings)) as client:
        r = client.post("/v1/documents", json={"documents": [OSLO]}, headers=AUTH)
        job = wait_for_job(client, r.json()["job_id"], AUTH)
        assert job["state"] == "succeeded"
    # a job some process left running when it died
    db = sqlite3.connect(tiny_root / "jobs.sqlite")
    db.execute(
        "INSERT INTO jobs VALUES ('deadbeef0000', 'rebuild', 'running', '2026-01-01T00:00:00+00:00', "
        "'2026-01-01T00:00:01+00:00', NULL, ?, NULL, NULL)",
        ('{"stage": "embedding", "done": 3, "total": 10, "rate_per_s": null, "eta_s": null, "elapsed_s": 1.0}',),
    )
    db.commit()
    db.close()
    with TestClient(create_app(settings)) as client:  # the restart
        again = client.get(f"/v1/index/jobs/{job['id']}", headers=AUTH).json()
        assert again["state"] == "succeeded" and again["result"]["version"] == job["result"]["version"]
        dead = client.get("/v1/index/jobs/deadbeef0000", headers=AUTH).json()
        assert dead["state"] == "failed" and dead["error"]["code"] == "job_interrupted" and dead["finished_at"]
        assert dead["progress"]["stage"] == "failed" and dead["progress"]["done"] == 3  # how it ended, where it was
        assert client.get("/v1/index/jobs/nope", headers=AUTH).status_code == 404
    # a job's report names the index folder, never its server path
    assert again["result"]["index_dir"] == tiny_root.name and str(tiny_root) not in json.dumps(again)
