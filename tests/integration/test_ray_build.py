"""The build on Ray Data against the single-machine build, on a real multi-node cluster of one machine.

The cluster is Ray's own test harness (``ray.cluster_utils.Cluster``): a head with no CPUs, so
every task and actor runs on one of three one-CPU worker nodes, with token authentication on.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'factcheck[ray]')")
pytest.importorskip("ray.data", reason="the ray extra is not installed (pip install 'factcheck[ray]')")

from index import layout  # noqa: E402
from index.build import BuildConfig, build_index  # noqa: E402
from index.distributed.build import RayOptions, build_sharded  # noqa: E402
from index.sharded import ShardedDocumentStore, passage_key  # noqa: E402
from index.store import FaissDocumentStore  # noqa: E402
from index.testing import HashingDocumentEmbedder  # noqa: E402
from tests.conftest import SAMPLE  # noqa: E402
from tests.integration.conftest import TINY_V1, ray_cluster, write_jsonl  # noqa: E402
from tests.unit.test_sharded import assert_same_hits  # noqa: E402

DIM = 64
SHARDS = 3
MB = 1024 * 1024
WORDS = (
    "harbour glacier copper violin meadow lantern orbit pepper canyon falcon marble tundra willow ember quartz "
    "saddle beacon thistle comet lagoon pylon juniper summit walnut ferry cobalt prairie osprey tangent nickel"
).split()


class _MarkedEmbedder(HashingDocumentEmbedder):
    """The hashing embedder, slowed down, leaving a file per actor that says on which node it runs."""

    def __init__(self, dimension: int, prefix: str, markers: str, delay: float) -> None:
        super().__init__(dimension, prefix)
        self.markers, self.delay = markers, delay

    def warm_up(self) -> None:
        node = ray.get_runtime_context().get_node_id()
        Path(self.markers, f"{node}.{os.getpid()}").touch()

    def run(self, documents):  # type: ignore[override]
        time.sleep(self.delay)
        return super().run(documents)


# the actors unpickle the test embedder: send its class by value, the workers cannot import tests/
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    with ray_cluster() as started:
        yield started


def options(cluster, **kw) -> RayOptions:
    harness, token = cluster
    return RayOptions(address=harness.address, shards=SHARDS, token=token, actors=2, **kw)


def config(embedder=None, **kw) -> BuildConfig:
    return BuildConfig(
        model_name="hash-test",
        model_path="hash:test",
        batch_size=8,
        embedder=embedder or HashingDocumentEmbedder(DIM, "passage: "),
        **kw,
    )


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(6)) + f" number {n}."


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Five files of six documents (about 90 passages) with words drawn at random: hardly a tie in
    any ranking. The last file repeats a document id of the first with more text: the first wins."""
    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("corpus")
    for f in range(5):
        docs = {f"f{f}-d{d}": " ".join(sentence(rng, i) for i in range(rng.randrange(5, 11))) for d in range(6)}
        if f == 4:
            docs["f0-d0"] = " ".join(sentence(rng, i) for i in range(12))
        write_jsonl(folder / f"part-{f}.jsonl", docs)
    return folder


@pytest.fixture(scope="module")
def single(tmp_path_factory, corpus) -> FaissDocumentStore:
    root = tmp_path_factory.mktemp("single") / "index"
    build_index(corpus, root, config())
    return FaissDocumentStore.load(root)


def assert_same_index(single: FaissDocumentStore, sharded, vector_tolerance: float = 0.0) -> None:
    ids = sorted(d.id for d in single.filter_documents())
    assert sorted(d.id for d in sharded.filter_documents()) == ids
    assert dict(sharded.sources) == dict(single.sources)
    for pid in ids:
        a, b = single.passage(pid), sharded.passage(pid)
        assert (a.content, a.meta) == (b.content, b.meta)
    vectors = single.passage_vectors(ids)
    assert np.abs(sharded.passage_vectors(ids) - vectors).max() <= vector_tolerance
    queries = np.vstack(
        [vectors[:: max(1, len(ids) // 12)], np.random.default_rng(3).normal(size=(4, vectors.shape[1]))]
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    for k in (1, 5, 10):
        for expected, got in zip(
            single.embedding_retrieval_batch(queries, k), sharded.embedding_retrieval_batch(queries, k), strict=True
        ):
            assert_same_hits(expected, got, max(vector_tolerance * 10, 1e-6))


def test_sharded_build_holds_exactly_what_the_single_machine_build_holds(cluster, corpus, single, tmp_path):
    root = tmp_path / "index"
    report = build_sharded(corpus, root, config(), options(cluster))

    assert report.version == layout.read_current(root) == "v000001"
    assert (report.documents, report.passages) == (len(single.sources), single.count_documents())
    assert any("duplicate document id 'f0-d0'" in str(e) for e in report.errors)
    store = FaissDocumentStore.load(root)
    assert isinstance(store, ShardedDocumentStore) and store.version == "v000001"
    assert store.manifest.shards == [f"shard-{k}" for k in range(SHARDS)]
    assert store.manifest.corpus_fingerprint == single.manifest.corpus_fingerprint
    assert_same_index(single, store)
    # every shard is an ordinary store folder, holding the passages and documents its key sends it
    for k in range(SHARDS):
        shard = FaissDocumentStore.load(layout.version_dir(root, "v000001") / f"shard-{k}")
        assert shard.count_documents() > 0
        assert {passage_key(d.id) % SHARDS for d in shard.filter_documents()} == {k}
        assert {passage_key(doc_id) % SHARDS for doc_id in shard.sources} <= {k}
    # the Parquet and the staging folder are gone
    assert layout.debris(root) == []
    # BM25 runs over every shard, weighed by the corpus's statistics: one BM25's answers
    texts = [d.content for d in single.filter_documents()[::7]] + ["report", "Paris tower 1889"]
    for k in (1, 5, 10):
        for expected, got in zip(single.bm25_retrieval_batch(texts, k), store.bm25_retrieval_batch(texts, k), strict=True):
            # float32 sums of up to 30 query terms, added in another order (each shard numbers its own terms)
            assert_same_hits(expected, got, 1e-4)


def test_a_damaged_shard_refuses_the_version_and_the_previous_one_is_served(cluster, corpus, tmp_path):
    root = tmp_path / "index"
    build_index(corpus, root, config())
    build_sharded(corpus, root, config(), options(cluster))
    assert FaissDocumentStore.load(root).version == "v000002"
    vectors = layout.version_dir(root, "v000002") / "shard-1" / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-16])
    store = FaissDocumentStore.load(root)
    assert store.version == "v000001" and not isinstance(store, ShardedDocumentStore)
    assert "shard-1" in store.skipped[0][1]


def test_a_worker_node_killed_mid_build_never_publishes_a_partial_version(cluster, corpus, single, tmp_path):
    harness, _ = cluster
    root = tmp_path / "index"
    build_index(corpus, root, config())  # v000001: what must still be served if the build fails
    markers = tmp_path / "markers"
    markers.mkdir()
    slow = _MarkedEmbedder(DIM, "passage: ", str(markers), delay=1.0)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["report"] = build_sharded(corpus, root, config(slow), options(cluster))
        except BaseException as exc:  # a clean failure is an accepted outcome
            outcome["error"] = exc

    builder = threading.Thread(target=run)
    builder.start()
    victim = None
    try:
        deadline = time.monotonic() + 180
        while victim is None:
            assert time.monotonic() < deadline and builder.is_alive(), f"no embedding actor started: {outcome}"
            running = {m.name.split(".")[0] for m in markers.iterdir()}
            victim = next((n for n in harness.worker_nodes if n.node_id in running), None)
            time.sleep(0.2)
        harness.remove_node(victim, allow_graceful=False)
        deadline = time.monotonic() + 60
        while not any(n["NodeID"] == victim.node_id and not n["Alive"] for n in ray.nodes()):
            assert time.monotonic() < deadline, "the killed node is still reported alive"
            time.sleep(0.5)
        builder.join(timeout=400)
        assert not builder.is_alive(), "the build hangs after the node died"
    finally:
        harness.add_node(num_cpus=1, object_store_memory=100 * MB)
    store = FaissDocumentStore.load(root)
    if "error" in outcome:  # failed cleanly: nothing published, the previous version served, no debris
        assert layout.version_ids(root) == ["v000001"] and store.version == "v000001", outcome["error"]
        assert layout.debris(root) == []
    else:
        assert outcome["report"].version == store.version == "v000002"
        assert_same_index(single, store)
    print(f"after the node died the build {'failed: ' + repr(outcome['error']) if 'error' in outcome else 'completed'}")


class _NoEmbedding(HashingDocumentEmbedder):
    """Fails if anything is embedded: a refusal must come before the embedding stage."""

    def run(self, documents):  # type: ignore[override]
        raise AssertionError("embedded a corpus that should have been refused first")


IVF = "IVF8,Flat"  # 8 lists: trains on 312 passages or more; with nprobe 8 it scans all (exact scores)


@pytest.fixture(scope="module")
def ivf_corpus(tmp_path_factory) -> Path:
    """Four files of 300 one- or two-sentence documents: 1,200 passages, enough to train IVF8."""
    rng = random.Random(11)
    folder = tmp_path_factory.mktemp("ivf-corpus")
    for f in range(4):
        docs = {f"i{f}-d{d}": " ".join(sentence(rng, i) for i in range(rng.randrange(1, 3))) for d in range(300)}
        write_jsonl(folder / f"part-{f}.jsonl", docs)
    return folder


def test_sharded_ivf_build_trains_once_and_every_shard_shares_the_index(cluster, corpus, ivf_corpus, single, tmp_path):
    import faiss

    # too small to train: refused before anything is embedded, nothing published
    small = tmp_path / "small"
    with pytest.raises(ValueError, match="too few passages to train"):
        build_sharded(corpus, small, config(_NoEmbedding(DIM, "passage: "), faiss_factory=IVF), options(cluster))
    assert layout.version_ids(small) == [] and layout.debris(small) == []

    single_root, root = tmp_path / "single-ivf", tmp_path / "index"
    build_index(ivf_corpus, single_root, config(faiss_factory=IVF))
    build_index(ivf_corpus, tmp_path / "flat", config())
    report = build_sharded(ivf_corpus, root, config(faiss_factory=IVF), options(cluster))
    one, flat, store = (FaissDocumentStore.load(r) for r in (single_root, tmp_path / "flat", root))
    assert isinstance(store, ShardedDocumentStore) and report.passages == one.count_documents() >= 1000
    assert store.manifest.faiss_factory == one.manifest.faiss_factory == IVF == store.faiss_factory
    centroids = []
    for k in range(SHARDS):
        shard = FaissDocumentStore.load(layout.version_dir(root, report.version) / f"shard-{k}")
        assert shard.manifest.faiss_factory == IVF and shard.count_documents() > 0
        ivf = faiss.extract_index_ivf(shard._index)
        assert isinstance(faiss.downcast_index(ivf), faiss.IndexIVFFlat) and ivf.nlist == 8
        centroids.append(faiss.downcast_index(ivf.quantizer).reconstruct_n(0, ivf.nlist))
    for other in centroids[1:]:  # one training, shared: the same coarse quantiser bit for bit
        assert np.array_equal(centroids[0], other)
    # the same passages, documents and vectors (IVF,Flat stores them exactly) as the single-machine build
    assert_same_index(one, store)
    # with every list scanned the IVF search is exact: the top k of the Flat build as well
    store.nprobe = one.nprobe = 8
    assert store.nprobe == 8
    ids = sorted(d.id for d in flat.filter_documents())
    queries = flat.passage_vectors(ids[::50])
    for expected, got in zip(
        flat.embedding_retrieval_batch(queries, 10), store.embedding_retrieval_batch(queries, 10), strict=True
    ):
        assert_same_hits(expected, got)
    assert layout.debris(root) == []


def test_a_sharded_rebuild_keeps_the_fact_checks(cluster, corpus, tmp_path):
    """The fact-checks imported into the served version go on into the next one, as a build on one machine does."""
    from corpus.claimreview import read_fact_checks
    from index.factcheck_build import import_fact_checks
    from tests.conftest import FACT_CHECKS

    root = tmp_path / "index"
    cfg = config(sentence_embedder=HashingDocumentEmbedder(DIM, "query: "))
    build_sharded(corpus, root, cfg, options(cluster))
    records, _ = read_fact_checks([FACT_CHECKS])
    import_fact_checks(root, records, cfg)
    before = FaissDocumentStore.load(root)
    assert len(before.fact_checks) == len(records) > 0
    report = build_sharded(corpus, root, cfg, options(cluster))
    after = FaissDocumentStore.load(root)
    assert isinstance(after, ShardedDocumentStore) and after.version == report.version == "v000003"
    assert after.manifest.fact_check_count == len(records)
    assert [r.id for r in after.fact_checks.records] == [r.id for r in before.fact_checks.records]
    assert np.array_equal(after.fact_checks.vectors(), before.fact_checks.vectors())  # copied, not embedded again


@pytest.fixture(scope="module")
def model_corpus(tmp_path_factory) -> Path:
    """A few documents in every format the loaders read."""
    folder = tmp_path_factory.mktemp("model-corpus")
    for name in ("belarus-2021.md", "brussels-guide.txt", "nato-gipfel-2021.html"):
        (folder / name).write_text((SAMPLE / name).read_text(encoding="utf-8"), encoding="utf-8")
    write_jsonl(folder / "cities.jsonl", TINY_V1)
    return folder


@pytest.fixture(scope="module")
def model_indexes(cluster, model_corpus, tmp_path_factory, settings_factory, backbone_path):
    """The same corpus built with the real model on one machine and on the cluster: (single, sharded) roots."""
    from service.index_config import build_config

    single_root = tmp_path_factory.mktemp("model-single") / "index"
    sharded_root = tmp_path_factory.mktemp("model-sharded") / "index"
    build_index(model_corpus, single_root, build_config(settings_factory(single_root)))
    build_sharded(model_corpus, sharded_root, build_config(settings_factory(sharded_root)), options(cluster))
    return single_root, sharded_root


def test_real_model_sharded_build_matches_the_single_machine_build(model_indexes, settings_factory):
    from service.model_identity import load_checked

    single_root, sharded_root = model_indexes
    single = load_checked(settings_factory(single_root), single_root)
    sharded = load_checked(settings_factory(sharded_root), sharded_root)
    assert isinstance(sharded, ShardedDocumentStore)
    assert sharded.manifest.models.embedding_weights == single.manifest.models.embedding_weights
    assert_same_index(single, sharded, vector_tolerance=1e-5)


def test_a_sharded_index_gives_the_single_index_answers(model_indexes, settings_factory):
    """The same evidence, stances and verdicts from the cluster's index as from one machine's."""
    from service.claim_checker import ClaimChecker

    claims = [
        "The Eiffel Tower was finished in 1889.",
        "NATO restricted the access of Belarusian personnel to its headquarters.",
        "Der NATO-Gipfel fand am 14. Juni 2021 in Brüssel statt.",
        "Brussels is the capital of Belgium.",
        "Lukashenko was elected fairly in 2020.",
        "Paris hosted the 2021 NATO summit.",
    ]
    answers = []
    for root in model_indexes:
        checker = ClaimChecker.open(settings_factory(root))
        answers.append(
            [
                (r.verdict, round(r.confidence, 3), [(e.passage_id, e.stance.label) for e in r.evidence])
                for r in checker.verify_batch(claims, 5).results
            ]
        )
    assert answers[0] == answers[1]


def test_the_service_answers_claims_from_a_sharded_index(model_indexes, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    _, sharded_root = model_indexes
    with TestClient(create_app(settings_factory(sharded_root))) as client:
        resp = client.post("/v1/claims/verify", json={"claim": "The Eiffel Tower was finished in 1889.", "top_k": 3})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["evidence"][0]["document_id"] == "paris", json.dumps(body)[:500]
        info = client.get("/v1/index").json()
        assert (
            info["version"] == "v000001"
            and info["passage_count"] == FaissDocumentStore.load(sharded_root).count_documents()
        )
