"""A sharded version served as one store, without Ray: shards written by hand from a single build.

The Ray build itself is tested in tests/integration/test_ray_build.py; here the layout, the
merging and the refusals, plus the CLI's answers when Ray is missing or misused.
"""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from haystack import Document

from index import layout
from index.bm25 import CorpusStats
from index.build import build_index
from index.manifest import MANIFEST, Manifest, file_sha256
from index.sharded import SHARD_KEY, ShardedDocumentStore, passage_key, shard_name, shard_of
from index.store import FaissDocumentStore
from tests.unit.test_lifecycle import DIM, config, text, write_corpus

pytestmark = pytest.mark.unit
SHARDS = 3


def assert_same_hits(expected, got, tolerance: float = 1e-6) -> None:
    """Same passages in the same order with the same scores, except that passages whose scores tie
    (within ``tolerance``) may come in either order, and a tie at the cut may be cut either way."""
    assert len(expected) == len(got)
    assert np.allclose([d.score for d in expected], [d.score for d in got], atol=tolerance)
    cut = expected[-1].score if expected else 0.0
    assert {d.id for d in expected if d.score > cut + tolerance} == {d.id for d in got if d.score > cut + tolerance}
    for a, b in zip(expected, got, strict=True):
        tied = {d.id for d in got if abs(d.score - a.score) <= tolerance}
        assert a.id == b.id or a.id in tied or abs(a.score - cut) <= tolerance, (a.id, b.id)


def split_version(single: FaissDocumentStore, root, version: str = "v000002") -> None:
    """Write ``single`` again as a sharded version of ``root`` and switch to it."""
    staging = layout.make_staging(root, version)
    passages = single.filter_documents()
    names, stores = [], []
    for k in range(SHARDS):
        mine = [d for d in passages if passage_key(d.id) % SHARDS == k]
        store = FaissDocumentStore(DIM)
        store.add_passages(mine, single.passage_vectors([d.id for d in mine]))
        store.sources = {i: dict(r) for i, r in single.sources.items() if passage_key(i) % SHARDS == k}
        stores.append(store)
    # as the Ray build does: every shard's BM25 statistics first, then each shard weighed by the corpus's
    corpus = CorpusStats.merge([store.bm25_stats() for store in stores])
    for k, store in enumerate(stores):
        fields = single.manifest.model_dump(exclude={"checksums", "passage_count", "document_count"})
        store.save(staging / shard_name(k), Manifest(**fields, passage_count=0, document_count=0), corpus)
        names.append(shard_name(k))
    manifest = single.manifest.model_copy(
        update={
            "version": version,
            "shards": names,
            "shard_key": SHARD_KEY,
            "checksums": {f"{n}/{MANIFEST}": file_sha256(staging / n / MANIFEST) for n in names},
        }
    )
    manifest.write(staging)
    layout.publish(staging, root, version)
    layout.switch(root, version)


@pytest.fixture()
def roots(tmp_path):
    docs = {f"d{i}": text(f"d{i}", sentences=5 + i % 4) for i in range(12)}
    corpus = write_corpus(tmp_path / "c.jsonl", docs)
    root = tmp_path / "idx"
    build_index(corpus, root, config())
    single = FaissDocumentStore.load(root)
    split_version(single, root)
    return root, single


def test_a_sharded_version_loads_as_one_store_that_answers_like_the_single_one(roots):
    root, single = roots
    store = FaissDocumentStore.load(root)
    assert isinstance(store, ShardedDocumentStore) and store.version == "v000002"
    assert store.count_documents() == single.count_documents()
    assert dict(store.sources) == dict(single.sources) and len(store.sources) == len(single.sources)
    ids = [d.id for d in single.filter_documents()]
    assert sorted(d.id for d in store.filter_documents()) == sorted(ids)
    assert np.array_equal(store.passage_vectors(ids), single.passage_vectors(ids))
    assert store.passage(ids[3]).content == single.passage(ids[3]).content and store.passage("nope") is None
    queries = single.passage_vectors(ids[::5])
    for k in (1, 4, len(ids) + 5):
        expected, got = single.embedding_retrieval_batch(queries, k), store.embedding_retrieval_batch(queries, k)
        for a, b in zip(expected, got, strict=True):
            assert_same_hits(a, b)
    hits = store.bm25_retrieval("charlie report", top_k=4)
    assert len(hits) == 4 and all(x.score >= y.score for x, y in zip(hits, hits[1:], strict=False))
    # BM25 over shards weighed by the corpus's statistics answers as one BM25 over every passage
    texts = [d.content for d in single.filter_documents()[::3]] + ["charlie report", "Delta", "unknown words"]
    for k in (1, 5, 20):
        for expected, got in zip(single.bm25_retrieval_batch(texts, k), store.bm25_retrieval_batch(texts, k), strict=True):
            assert_same_hits(expected, got, 1e-5)
    with pytest.raises(ValueError):
        store.embedding_retrieval_batch(queries, 0)
    # a write goes, in memory, to the shard its id hashes to; the published version is untouched
    extra = Document(id="extra#0", content="extra", embedding=queries[0].tolist(), meta={"doc_id": "extra"})
    assert store.write_documents([extra]) == 1 and store.count_documents() == single.count_documents() + 1
    assert store.shards[shard_of("extra#0", len(store.shards))].passage("extra#0").content == "extra"
    assert store.embedding_retrieval(queries[0], top_k=1)[0].score == pytest.approx(1.0, abs=1e-5)
    store.delete_documents(["extra#0"])
    assert store.count_documents() == single.count_documents() and store.passage("extra#0") is None
    assert FaissDocumentStore.load(root).count_documents() == single.count_documents()


@pytest.mark.parametrize("damage", ["vectors", "shard manifest", "missing shard"])
def test_a_damaged_shard_refuses_the_whole_version(roots, damage):
    root, _ = roots
    shard = layout.version_dir(root, "v000002") / shard_name(1)
    if damage == "vectors":
        (shard / "vectors.faiss").write_bytes(b"broken")
    elif damage == "shard manifest":
        data = json.loads((shard / MANIFEST).read_text())
        data["passage_count"] += 1
        (shard / MANIFEST).write_text(json.dumps(data))
    else:
        import shutil

        shutil.rmtree(shard)
    store = FaissDocumentStore.load(root)
    assert store.version == "v000001" and not isinstance(store, ShardedDocumentStore)
    assert "shard-1" in store.skipped[0][1]


def test_an_older_manifest_without_shards_still_reads():
    data = {"embedding_model": "m", "dimension": 4, "passage_count": 1, "document_count": 1, "corpus_fingerprint": "x"}
    assert Manifest.model_validate(data).shards is None


def test_ray_options_without_ray_or_without_the_extra_exit_2(tmp_path, monkeypatch):
    from service.cli.main import cli

    corpus = write_corpus(tmp_path / "c.jsonl", {"a": text("a")})
    res = CliRunner().invoke(
        cli, ["index", "build", "--corpus", str(corpus), "--index-dir", str(tmp_path), "--shards", "2"]
    )
    assert res.exit_code == 2 and "--shards and --actors need --ray" in res.output
    monkeypatch.setattr("index.distributed.ray_available", lambda: False)
    res = CliRunner().invoke(
        cli, ["index", "build", "--corpus", str(corpus), "--index-dir", str(tmp_path), "--ray", "local"]
    )
    assert res.exit_code == 2 and "pip install 'factcheck[ray]'" in res.output


def test_nothing_outside_index_distributed_imports_ray():
    import subprocess
    import sys

    probe = "import service.cli.main, service.api.app, index.sharded, index.build, sys; print('ray' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


def test_an_update_starts_from_a_sharded_version_and_reuses_its_vectors(roots, tmp_path):
    from index.build import update_index
    from index.testing import HashingDocumentEmbedder

    root, single = roots
    docs = {f"d{i}": text(f"d{i}", sentences=5 + i % 4) for i in range(12)}
    docs["d3"] = text("d3", salt="x")
    emb = HashingDocumentEmbedder(DIM, "passage: ")
    report = update_index(write_corpus(tmp_path / "c2.jsonl", docs), root, config(emb))
    assert report.previous == "v000002" and report.version == "v000003" and report.changed == 1
    assert report.reused == single.count_documents() - len(
        [d for d in single.filter_documents() if d.meta["doc_id"] == "d3"]
    )
    store = FaissDocumentStore.load(root)
    assert store.version == "v000003" and not isinstance(store, ShardedDocumentStore)
