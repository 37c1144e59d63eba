"""Fixtures of the index lifecycle tests: a tiny corpus in two editions, indexed with the real model."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TINY_V1 = {
    "berlin": "Berlin is the capital of Germany. About 3.7 million people live there. The city lies on the river Spree. "
    "The Brandenburg Gate is its best-known landmark.",
    "paris": "Paris is the capital of France. The Seine flows through the city. The Eiffel Tower was finished in 1889. "
    "The Louvre is the most visited museum in the world.",
    "rome": "Rome is the capital of Italy. The Colosseum was built under the Flavian emperors. The Tiber runs through "
    "the city. Vatican City is an enclave inside Rome.",
    "vienna": "Vienna is the capital of Austria. The Danube passes the city. Mozart and Beethoven worked there. "
    "The Vienna State Opera is one of the busiest opera houses.",
}
# v2: rome changed, paris removed, oslo added, berlin and vienna unchanged
TINY_V2 = {
    "berlin": TINY_V1["berlin"],
    "rome": "Rome is the capital of Italy. The Pantheon has the largest unreinforced concrete dome. The Tiber runs "
    "through the city. Trastevere is a district on its west bank.",
    "vienna": TINY_V1["vienna"],
    "oslo": "Oslo is the capital of Norway. The city sits at the head of the Oslofjord. The Nobel Peace Prize is "
    "awarded there every December.",
}


def write_jsonl(path: Path, docs: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"id": doc_id, "title": doc_id.title(), "text": text, "language": "en"}) + "\n")
    return path


@pytest.fixture()
def tiny_corpora(tmp_path) -> tuple[Path, Path]:
    return write_jsonl(tmp_path / "v1" / "cities.jsonl", TINY_V1), write_jsonl(
        tmp_path / "v2" / "cities.jsonl", TINY_V2
    )


@pytest.fixture()
def tiny_root(tmp_path, tiny_corpora, settings_factory, backbone_path) -> Path:
    """A fresh index root holding one version (v000001) of the tiny corpus."""
    from index.build import build_index
    from service.index_config import build_config

    root = tmp_path / "idx"
    build_index(tiny_corpora[0], root, build_config(settings_factory(root)))
    return root


def wait_for_job(client, job_id: str, headers: dict, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/v1/index/jobs/{job_id}", headers=headers).json()
        if body["state"] in ("succeeded", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {body}")


@contextmanager
def ray_cluster(workers: int = 3) -> Iterator[tuple]:
    """A real multi-node Ray cluster on this machine, as Ray's own tests make one: a head of 0 CPUs
    and ``workers`` workers of one CPU, 100 MB of object store each, on loopback, with token
    authentication; yields (cluster, token). Ray is imported here only: it is an optional extra."""
    import ray
    from ray.cluster_utils import Cluster

    from index.distributed.cluster import set_auth

    token = secrets.token_hex(16)
    # the nodes' processes inherit these; a build sets them again for its own connection
    saved = set_auth({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token, "RAY_AUTH_TOKEN_PATH": None})
    common = {"object_store_memory": 100 * 1024 * 1024}
    harness = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False, **common})
    try:
        for _ in range(workers):
            harness.add_node(num_cpus=1, **common)
        harness.wait_for_nodes()
        yield harness, token
    finally:
        ray.shutdown()
        harness.shutdown()
        set_auth(saved)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory) -> str:
    """A private PostgreSQL with pgvector (pgserver) for the session: its maintenance database's DSN. It stops
    when the test process exits."""
    from index.postgres.database import embedded_dsn

    return embedded_dsn(tmp_path_factory.mktemp("pg"))
