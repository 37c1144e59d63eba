"""``factcheck serve --ray``: the app as a Ray Serve ingress over an embedding deployment and two shard
deployments answers as on one machine.

A cluster of Ray's test harness (head of no CPUs, three one-CPU workers, token authentication), a
two-shard version of the tiny corpus built on it with the real model, Serve's HTTP proxy on
127.0.0.1; the same requests go to the single-machine app (``TestClient``) on the same index. The
ingress embeds nothing itself: the embedding deployment does.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'factcheck[ray]')")
pytest.importorskip("ray.serve", reason="Ray Serve is not installed (pip install 'factcheck[ray]')")
pytest.importorskip("ray.data", reason="the ray extra is not installed (pip install 'factcheck[ray]')")

import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from tests.integration.conftest import TINY_V1, TINY_V2, ray_cluster, write_jsonl  # noqa: E402

CLAIMS = [
    "Berlin is the capital of Germany.",
    "The Eiffel Tower was finished in 1920.",
    "Oslo awards the Nobel Peace Prize.",
]
# what legitimately differs between two runs: time taken, and nothing else
VOLATILE = {"took_ms", "timings_ms"}


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    with ray_cluster() as (harness, token):
        ray.init(address=harness.address, log_to_driver=False)
        yield harness, token


@pytest.fixture(scope="module")
def sharded(cluster, tmp_path_factory, settings_factory, backbone_path):
    """Settings of an index root whose version has two shards, built on the cluster with the real model."""
    from index.distributed.build import RayOptions
    from service.index_ops import run_sharded_build

    harness, token = cluster
    corpus = write_jsonl(tmp_path_factory.mktemp("corpus") / "cities.jsonl", {**TINY_V1, "oslo": TINY_V2["oslo"]})
    settings = settings_factory(tmp_path_factory.mktemp("root"), index_watch_seconds=0)
    run_sharded_build(settings, corpus, RayOptions(address=harness.address, shards=2, token=token, actors=2))
    return settings


@pytest.fixture(scope="module")
def served(sharded):
    """The base URL of the app on Ray Serve."""
    from ray import serve

    from service import ray_serve

    port = free_port()
    # the default CPUs: 0.5 a replica, four replicas (ingress, embedder, two shards) on three one-CPU nodes
    ray_serve.run(sharded, "127.0.0.1", port, shard_replicas=1)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:  # the ingress loads its models in its lifespan: wait until it says it is ready
        try:
            if httpx.get(f"{base}/readyz", timeout=10).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the Serve app did not become ready"
        time.sleep(1)
    try:
        yield base
    finally:
        serve.shutdown()


def test_same_answers_as_one_machine(sharded, served):
    from service.api.app import create_app

    manifest = (sharded.index_dir / "versions").glob("*/manifest.json")
    assert any('"shards"' in p.read_text() for p in manifest)
    with TestClient(create_app(sharded)) as local:
        for path in ("/v1/index", "/healthz", "/readyz"):
            want, got = local.get(path), httpx.get(served + path, timeout=30)
            assert got.status_code == want.status_code, path
            assert strip(got.json()) == strip(want.json()), path
        info = local.get("/v1/index").json()
        assert info["passage_count"] > 0 and info["document_count"] == 5
        for claim in CLAIMS:
            body = {"claim": claim, "top_k": 3}
            want = local.post("/v1/claims/verify", json=body)
            got = httpx.post(served + "/v1/claims/verify", json=body, timeout=120)
            assert want.status_code == got.status_code == 200, got.text
            assert strip(got.json()) == strip(want.json())
            assert got.json()["evidence"]
        body = {"claim": CLAIMS[0], "top_k": 4}
        want, got = local.post("/v1/claims/search", json=body), httpx.post(served + "/v1/claims/search", json=body)
        assert got.status_code == want.status_code
        assert strip(got.json()) == strip(want.json())
    # the claims were embedded by the Embedder deployment, and the ingress never loaded the model
    from ray import serve

    from service.ray_serve import APP_NAME

    embedder = serve.get_deployment_handle("embedder", app_name=APP_NAME)
    assert off_the_loop(lambda: embedder.call_count.remote().result(timeout_s=30)) >= len(CLAIMS) + 1
    ingress = serve.get_deployment_handle("ingress", app_name=APP_NAME)
    assert off_the_loop(lambda: ingress.embedding_models_loaded.remote().result(timeout_s=30)) == 0


def off_the_loop(call):
    """``call()`` in a thread of its own: an earlier test (Playwright's sync API) may leave an event
    loop registered on this one, and Ray refuses to block where a loop runs."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def test_replicas_fit_a_small_machine():
    from service.ray_serve import fitting_cpus

    assert fitting_cpus(2, 4) == 0.5  # ingress, embedder, two shards on two CPUs
    assert fitting_cpus(2, 8) == 0.25
    assert fitting_cpus(3, 7) == 0.42
    assert fitting_cpus(0, 4) == 0.5  # unknown: the default
