"""The index in PostgreSQL with pgvector (FACTCHECK_DOCUMENT_STORE=pgvector), against a real server the test
starts (pgserver: PostgreSQL with pgvector, private, no network): the same answers as FAISS, versions that a
killed build never damages, replicas that see a rebuild, and clear errors (Haystack's store contract: test_postgres_contract.py)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.conftest import MODEL_CACHE, REPO

pytestmark = pytest.mark.integration

GOLD = REPO / "tests" / "data" / "gold_claims.jsonl"


def database(server: str, name: str) -> str:
    """A new, empty database on the test server: each test its own, so none sees another's versions."""
    from index.postgres.database import connect

    conn = connect(server)
    try:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return server.replace("/postgres?", f"/{name}?")


def pg_settings(settings_factory, index_dir: Path, dsn: str, **kw):
    return settings_factory(index_dir, document_store="pgvector", pg_dsn=dsn, **kw)


def publish(dsn: str, root: Path) -> str:
    from index import layout
    from index.postgres.publish import publish_version

    return publish_version(dsn, layout.current_dir(root)).version


def answers(result: dict) -> dict:
    """An answer without its timings and the version's name (the database numbers its own versions)."""
    out = json.loads(json.dumps(result))
    for key in ("took_ms", "timings_ms", "index_version"):
        out.pop(key, None)
    return out


def differences(mine: object, theirs: object, path: str = "") -> list[str]:
    """Where two answers differ: every text, label, id, rank and count exactly; a number by more than 1.5e-4.
    pgvector sums a cosine in another order than FAISS (1e-6 apart), which can move a score's 6th decimal
    and a relevance's 4th (rounded from the cosine) across a rounding boundary, never a verdict."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        keys = sorted(set(mine) | set(theirs))
        return [d for k in keys for d in differences(mine.get(k), theirs.get(k), f"{path}.{k}")]
    if isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        return [d for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(mine, float) and isinstance(theirs, float):
        return [] if abs(mine - theirs) <= 1.5e-4 else [f"{path}: {mine} != {theirs}"]
    return [] if mine == theirs else [f"{path}: {mine!r} != {theirs!r}"]


def test_same_answers_as_faiss(pg_server, settings_factory, factcheck_index, tmp_path):
    from service.claim_checker import ClaimChecker

    dsn = database(pg_server, "identity")
    assert publish(dsn, factcheck_index) == "v000001"
    faiss = ClaimChecker.open(settings_factory(factcheck_index))
    pg = ClaimChecker.open(pg_settings(settings_factory, tmp_path / "workspace", dsn))
    assert type(pg.store).__name__ == "PostgresSearchStore"
    # the database numbers its own versions (several machines may publish into it)
    assert pg.info().model_dump(exclude={"index_dir", "version"}) == faiss.info().model_dump(
        exclude={"index_dir", "version"}
    )

    claims = [json.loads(line)["claim"] for line in GOLD.read_text().splitlines()]
    want = [r for i in range(0, len(claims), 34) for r in faiss.verify_batch(claims[i : i + 34], 5).results]
    got = [r for i in range(0, len(claims), 34) for r in pg.verify_batch(claims[i : i + 34], 5).results]
    assert len(got) == len(claims) == 68
    found = [
        d for w, g in zip(want, got, strict=True) for d in differences(answers(g.model_dump()), answers(w.model_dump()))
    ]
    assert not found, found[:5]
    assert sum(bool(r.prior_fact_checks) for r in got) > 0  # the fact-checks came along
    for claim in claims[:10]:
        assert not differences(answers(pg.lookup(claim, 4).model_dump()), answers(faiss.lookup(claim, 4).model_dump()))

    # the store, read directly: vectors, sentences, sources and BM25 as the folder holds them
    ids = [p.id for p in faiss.store.embedding_retrieval_batch(np.eye(384, dtype=np.float32)[:1], 20)[0]]
    np.testing.assert_array_equal(pg.store.passage_vectors(ids), faiss.store.passage_vectors(ids))
    mine, theirs = pg.store.sentence_vectors(ids), faiss.store.sentence_vectors(ids)
    assert mine.keys() == theirs.keys() and all(np.array_equal(mine[k], theirs[k]) for k in mine)
    doc = faiss.store.passage(ids[0])
    assert pg.store.passage(ids[0]).meta == doc.meta and pg.store.passage("no such passage") is None
    source = doc.meta["doc_id"]
    assert pg.store.sources[source] == faiss.store.sources[source] and len(pg.store.sources) == len(faiss.store.sources)
    queries = ["NATO Belarus headquarters", "Wiedervereinigung 1990", ""]
    bm25 = [pg.store.bm25_retrieval_batch(queries, 5), faiss.store.bm25_retrieval_batch(queries, 5)]
    assert [[(d.id, d.score) for d in hits] for hits in bm25[0]] == [
        [(d.id, d.score) for d in hits] for hits in bm25[1]
    ]


KILLED_PUBLISH = """
import os, signal, sys
from index import layout
from index.postgres import publish
real = publish._write_passages
def dies(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9, halfway through the passages
publish._write_passages = dies
publish.publish_version(sys.argv[1], layout.current_dir(__import__("pathlib").Path(sys.argv[2])))
"""


def test_a_killed_publish_leaves_the_served_version_and_its_debris_goes(
    pg_server, settings_factory, sample_index, tmp_path
):
    from index.postgres import database as db
    from service.document_store import load_store
    from service.index_status import index_status

    dsn = database(pg_server, "lifecycle")
    assert publish(dsn, sample_index) == "v000001"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISH, dsn, str(sample_index)], cwd=REPO, capture_output=True, timeout=300
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    conn = db.connect(dsn)
    try:
        assert db.read_current(conn) == "v000001" and db.versions(conn) == ["v000001"]
        assert db.version_schemas(conn) == ["factcheck_v000001", "factcheck_v000002"]  # the dead build's
    finally:
        conn.close()
    settings = pg_settings(settings_factory, tmp_path / "workspace", dsn, keep_versions=2)
    assert index_status(settings)["debris"] == ["factcheck_v000002"]
    store = load_store(settings)  # a start: the debris goes, the served version is whole
    assert store.version == "v000001" and store.count_documents() > 0
    status = index_status(settings)
    assert status["debris"] == [] and status["serving"] == status["current"] == "v000001"
    # the next versions never reuse the dead build's id; keep_versions=2 leaves the two newest
    assert publish(dsn, sample_index) == "v000003"
    from index import layout
    from index.postgres.publish import publish_version

    published = publish_version(dsn, layout.current_dir(sample_index), keep=2)
    assert (published.version, published.previous, published.pruned) == ("v000004", "v000003", ["v000001"])
    conn = db.connect(dsn)
    try:
        assert db.versions(conn) == ["v000003", "v000004"] and db.read_current(conn) == "v000004"
        assert db.version_schemas(conn) == ["factcheck_v000003", "factcheck_v000004"]
    finally:
        conn.close()


def serve(folder: Path, dsn: str) -> tuple[subprocess.Popen, str]:
    """``factcheck serve`` in a process of its own on the database (as a replica runs), ready: its base URL."""
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ, "FACTCHECK_DOCUMENT_STORE": "pgvector", "FACTCHECK_PG_DSN": dsn, "FACTCHECK_THREADS": "1",
        "FACTCHECK_MODEL_CACHE_DIR": str(MODEL_CACHE), "FACTCHECK_INDEX_WATCH_SECONDS": "0.3",
    }  # fmt: skip
    factcheck = Path(sys.executable).parent / "factcheck"
    proc = subprocess.Popen(
        [str(factcheck), "serve", "--index-dir", str(folder), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise AssertionError("a replica did not get ready")


def served_version(url: str, version: str, seconds: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while httpx.get(url + "/v1/index", timeout=10).json()["version"] != version:
        assert time.monotonic() < deadline, f"the replica at {url} never swapped to {version}"
        time.sleep(0.2)


def test_two_replicas_see_a_rebuild_through_either(pg_server, settings_factory, tiny_corpora, tmp_path):
    import httpx

    from service.index_ops import run_build, run_update

    dsn = database(pg_server, "replicas")
    one = pg_settings(settings_factory, tmp_path / "one", dsn)
    two = pg_settings(settings_factory, tmp_path / "two", dsn)
    assert run_build(one, tiny_corpora[0]).version == "v000001"
    replicas = [serve(tmp_path / "one", dsn), serve(tmp_path / "two", dsn)]  # two factcheck serve processes
    try:
        urls = [url for _, url in replicas]
        for url in urls:
            served_version(url, "v000001", 0)
        claim = {"claim": "Oslo is the capital of Norway", "top_k": 2}
        before = httpx.post(urls[1] + "/v1/claims/search", json=claim, timeout=60).json()
        assert "oslo#0" not in [e["passage_id"] for e in before["evidence"]]
        # an update through the first machine's folder: the second replica serves it without a restart
        assert run_update(one, tiny_corpora[1]).version == "v000002"
        for url in urls:  # each replica's watch swaps on its own
            served_version(url, "v000002")
        after = httpx.post(urls[1] + "/v1/claims/search", json=claim, timeout=60).json()
        assert after["evidence"][0]["passage_id"] == "oslo#0"
    finally:
        for proc, _ in replicas:
            proc.terminate()
            proc.wait(30)
    # the second machine's folder never held v000002: an update through it fetches v000002 first, vectors and
    # all, so only what the update changes is embedded (back to the first edition: paris again, rome as it
    # was, oslo gone; berlin and vienna as they are)
    report = run_update(two, tiny_corpora[0])
    assert (report.version, report.previous) == ("v000003", "v000002")
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 2)
    assert report.reused > 0 and report.embedded == report.passages - report.reused
    from service.claim_checker import ClaimChecker

    checker = ClaimChecker.open(two)
    assert checker.version == "v000003"
    hits = checker.lookup("Paris is the capital of France", 4).evidence
    assert hits[0].passage_id == "paris#0" and "oslo#0" not in [h.passage_id for h in hits]


def test_an_unreachable_database_is_named_and_never_a_trace(settings_factory, tmp_path):
    from service.api.app import create_app

    settings = pg_settings(settings_factory, tmp_path / "idx", "postgresql://reader:secret-password@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "cannot be reached" in ready.json()["reason"]
        answer = client.post("/v1/claims/verify", json={"claim": "Oslo is the capital of Norway"})
        assert answer.status_code == 503 and answer.json()["code"] == "index_unavailable"
        assert "secret-password" not in ready.text + answer.text


def test_a_database_without_pgvector_says_so(pg_server, sample_index, tmp_path):
    from index.errors import IndexDatabaseError
    from index.postgres.database import connect

    dsn = database(pg_server, "no_vector")
    conn = connect(dsn)
    try:  # a user who may not create extensions, in a database that has none (pgvector is not trusted)
        conn.execute("DROP ROLE IF EXISTS plain_user")
        conn.execute("CREATE ROLE plain_user LOGIN")
        conn.execute("GRANT CREATE ON DATABASE no_vector TO plain_user")
    finally:
        conn.close()
    as_user = dsn.replace("postgres:@", "plain_user:@")
    with pytest.raises(IndexDatabaseError, match="no pgvector extension, or this user may not create it"):
        publish(as_user, sample_index)


def test_a_database_lost_while_serving_answers_503_then_recovers(settings_factory, sample_index, tmp_path):
    import pgserver
    from pgserver._commands import pg_ctl

    from service.api.app import create_app

    folder = tmp_path / "own"
    own = pgserver.get_server(folder, cleanup_mode="stop")
    dsn = own.get_uri()
    publish(dsn, sample_index)
    claim = {"claim": "Belarusian access to NATO HQ restricted", "top_k": 2}
    with TestClient(create_app(pg_settings(settings_factory, tmp_path / "idx", dsn, index_watch_seconds=0))) as client:
        assert client.post("/v1/claims/verify", json=claim).status_code == 200
        # every connection cut (a restart of the database, a failover): the next request opens new ones
        own.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
        assert client.post("/v1/claims/verify", json=claim).status_code == 200
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=own.pgdata, user=own.system_user)  # the database is gone
        lost = client.post("/v1/claims/verify", json=claim)
        assert lost.status_code == 503 and lost.json()["code"] == "index_unavailable", lost.text
        assert "Traceback" not in lost.text
        with own._lock:
            own.ensure_postgres_running()  # and back
        assert client.post("/v1/claims/verify", json=claim).status_code == 200


def test_a_fetched_version_is_the_published_one(pg_server, factcheck_index, tmp_path):
    """What a replica behind the database fetches into its folder: the same passages, vectors, sentences,
    sources and fact-checks (the FAISS index, passage table and BM25 made again, every checksum checked)."""
    from index.postgres.fetch import fetch_current
    from index.store import FaissDocumentStore

    dsn = database(pg_server, "fetch")
    publish(dsn, factcheck_index)
    assert fetch_current(dsn, tmp_path / "behind") == ("v000001", "v000001")
    mine, theirs = FaissDocumentStore.load(tmp_path / "behind"), FaissDocumentStore.load(factcheck_index)
    ids = sorted(p.id for p in theirs.iter_passages())
    assert sorted(p.id for p in mine.iter_passages()) == ids
    np.testing.assert_array_equal(mine.passage_vectors(ids), theirs.passage_vectors(ids))
    assert mine.passage(ids[7]) == theirs.passage(ids[7])
    sentences = [mine.sentence_vectors(ids[:50]), theirs.sentence_vectors(ids[:50])]
    assert sentences[0].keys() == sentences[1].keys()
    assert all(np.array_equal(sentences[0][k], sentences[1][k]) for k in sentences[0])
    assert dict(mine.sources) == dict(theirs.sources)
    assert len(mine.fact_checks) == len(theirs.fact_checks) > 0
    queries = ["NATO Belarus headquarters", "Madrid summit 2021"]
    assert [[d.id for d in h] for h in mine.bm25_retrieval_batch(queries, 5)] == [
        [d.id for d in h] for h in theirs.bm25_retrieval_batch(queries, 5)
    ]


def test_the_admin_api_and_the_cli_work_on_the_database(
    pg_server, settings_factory, tiny_corpora, tmp_path, monkeypatch
):
    """Documents added and deleted through the admin API are published to the database and served; the CLI's
    status lists the database's versions."""
    from click.testing import CliRunner

    from service.api.app import create_app
    from service.cli.main import cli
    from service.index_ops import run_build
    from tests.integration.conftest import wait_for_job

    token = "admin-0123456789abcdef-token"
    auth = {"Authorization": f"Bearer {token}"}
    dsn = database(pg_server, "admin")
    settings = pg_settings(settings_factory, tmp_path / "idx", dsn, admin_token=token, index_watch_seconds=0)
    run_build(settings, tiny_corpora[0])
    oslo = {
        "id": "oslo",
        "title": "Oslo",
        "text": "Oslo is the capital of Norway. It lies at the head of the Oslofjord.",
    }
    with TestClient(create_app(settings)) as client:
        job = wait_for_job(
            client, client.post("/v1/documents", json={"documents": [oslo]}, headers=auth).json()["job_id"], auth
        )
        assert job["state"] == "succeeded", job
        assert job["result"]["version"] == job["result"]["serving"] == "v000002" and job["result"]["embedded"] == 1
        top = client.post("/v1/claims/search", json={"claim": "capital of Norway", "top_k": 1}).json()
        assert top["evidence"][0]["document_id"] == "oslo"
        job = wait_for_job(client, client.delete("/v1/documents/oslo", headers=auth).json()["job_id"], auth)
        assert job["state"] == "succeeded" and job["result"]["serving"] == "v000003", job
        assert client.delete("/v1/documents/oslo", headers=auth).json()["code"] == "not_found"
    monkeypatch.setenv("FACTCHECK_DOCUMENT_STORE", "pgvector")
    monkeypatch.setenv("FACTCHECK_PG_DSN", dsn)
    monkeypatch.setenv("FACTCHECK_MODEL_CACHE_DIR", str(settings.model_cache_dir))
    res = CliRunner().invoke(cli, ["index", "status", "--index-dir", str(tmp_path / "idx"), "--json"])
    assert res.exit_code == 0, res.output
    status = json.loads(res.stdout)
    assert status["document_store"] == "pgvector" and status["serving"] == status["current"] == "v000003"
    assert [v["version"] for v in status["versions"]] == ["v000003", "v000002", "v000001"]
    assert dsn not in res.output
