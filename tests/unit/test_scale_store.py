"""Passages on disk (SQLite) and the IVF-PQ option, with the hashing embedder: no model needed."""

import gc
import json
import random

import faiss
import numpy as np
import pytest
from haystack import Document

from index import layout
from index.build import BuildConfig, build_index, update_index
from index.errors import IndexCorruptError
from index.faiss_index import centroids, train_index
from index.manifest import Manifest, file_sha256
from index.store import PASSAGES, FaissDocumentStore
from index.testing import HashingDocumentEmbedder

pytestmark = pytest.mark.unit
DIM = 64
PQ = "IVF16,PQ32x4"  # 16 lists, 4-bit codes: 16-centroid k-means, so 624 passages train it


def corpus(path, docs: int, seed: int = 0, first: int = 0):
    """``docs`` documents of random words (distinct passages: three of four sentences each)."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    with open(path, "w", encoding="utf-8") as fh:
        for d in range(first, first + docs):
            sentences = [" ".join(rng.choices(words, k=12)).capitalize() + "." for _ in range(4)]
            fh.write(json.dumps({"id": f"doc{d}", "text": " ".join(sentences), "language": "en"}) + "\n")
    return path


def config(**kw) -> BuildConfig:
    return BuildConfig(
        model_name="hash-test",
        model_path="hash:test",
        embedder=HashingDocumentEmbedder(DIM, "passage: "),
        sentences_per_passage=2,
        **kw,
    )


@pytest.fixture(scope="module")
def flat_root(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flat")
    build_index(corpus(tmp / "c.jsonl", 300), tmp / "idx", config())
    return tmp / "idx"


def _documents_alive() -> int:
    gc.collect()
    return sum(type(o) is Document for o in gc.get_objects())


def test_passages_are_read_from_sqlite_not_held_in_memory(flat_root):
    before = _documents_alive()
    store = FaissDocumentStore.load(flat_root)
    assert store.count_documents() == 600
    # the heap holds no Document per passage: the version's file answers, opened read-only
    assert _documents_alive() - before < 10
    assert store._db.path == layout.current_dir(flat_root) / PASSAGES and not store._db.temporary
    hit = store.embedding_retrieval(HashingDocumentEmbedder(DIM, "passage: ").embed("x"), top_k=3)
    assert len(hit) == 3 and all(h.content and h.meta["doc_id"] for h in hit)
    assert store.passage("doc7#0").meta["doc_id"] == "doc7"
    assert "doc7" in store.sources and store.sources["doc7"]["content_hash"] and len(store.sources) == 300
    assert [d.id for d in store.bm25_retrieval(store.passage("doc7#1").content, top_k=1)] == ["doc7#1"]
    assert len(store.filter_documents({"field": "meta.doc_id", "operator": "==", "value": "doc7"})) == 2


def test_a_loaded_store_is_written_to_a_private_copy(flat_root):
    store = FaissDocumentStore.load(flat_root)
    folder_file = layout.current_dir(flat_root) / PASSAGES
    checksum = file_sha256(folder_file)
    store.write_documents([Document(id="new#0", content="new", embedding=[1.0] + [0.0] * (DIM - 1))])
    store.delete_documents(["doc1#0"])
    assert store.count_documents() == 600 and store.passage("new#0") and store.passage("doc1#0") is None
    assert store._db.temporary and file_sha256(folder_file) == checksum
    path = store._db.path
    del store
    gc.collect()
    assert not path.exists()  # the temporary copy goes with the store


def test_a_version_without_its_passage_database_is_refused_by_name(tmp_path):
    """Versions keep their passages in passages.sqlite; the JSONL files of early development builds are not read."""
    root = tmp_path / "idx"
    build_index(corpus(tmp_path / "c.jsonl", 20), root, config())
    folder = layout.current_dir(root)
    (folder / PASSAGES).rename(folder / "passages.jsonl")
    with pytest.raises(IndexCorruptError, match="passages.sqlite is missing"):
        FaissDocumentStore.load(folder)


def test_a_damaged_passage_database_is_refused(tmp_path):
    root = tmp_path / "idx"
    build_index(corpus(tmp_path / "c.jsonl", 20), root, config())
    path = layout.current_dir(root) / PASSAGES
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="passages.sqlite is damaged"):
        FaissDocumentStore.load(root)
    # with no checksum to catch it, SQLite itself refuses what is not a database
    man = Manifest.read(path.parent)
    del man.checksums[PASSAGES]
    man.write(path.parent)
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(IndexCorruptError, match="passages.sqlite cannot be read"):
        FaissDocumentStore.load(path.parent)


@pytest.mark.slow
def test_ivf_pq_build_search_verification_and_update(tmp_path):
    root = tmp_path / "idx"
    report = build_index(corpus(tmp_path / "c.jsonl", 400), root, config(faiss_factory=PQ))
    assert report.passages == 800 and report.checked == 3  # verification found each sample among its first hits
    store = FaissDocumentStore.load(root)
    assert store.manifest.faiss_factory == PQ and isinstance(store._index, faiss.IndexIVFPQ)
    # 32 bytes of codes a passage instead of 4 * 64
    assert faiss.extract_index_ivf(store._index).code_size == 16
    embed = HashingDocumentEmbedder(DIM, "passage: ").embed
    store.nprobe = 16
    found = sum(
        store.passage(f"doc{d}#0").id
        in [h.id for h in store.embedding_retrieval(embed(store.passage(f"doc{d}#0").content), 10)]
        for d in range(0, 400, 20)
    )
    assert found >= 18  # approximate: most, not necessarily all
    quantiser = faiss.vector_to_array(faiss.downcast_index(faiss.extract_index_ivf(store._index)).pq.centroids)
    # an update reuses the stored vectors and the trained quantisers; only the new document is embedded
    report = update_index(corpus(tmp_path / "c2.jsonl", 401), root, config(faiss_factory=PQ))
    assert report.reused == 800 and report.embedded == 2
    updated = FaissDocumentStore.load(root)
    assert np.array_equal(
        faiss.vector_to_array(faiss.downcast_index(faiss.extract_index_ivf(updated._index)).pq.centroids), quantiser
    )
    # an update that names no factory keeps the version's (an IVF index never turns Flat by default)
    report = update_index(corpus(tmp_path / "c3.jsonl", 402), root, config())
    assert report.reused == 802 and report.embedded == 2
    assert FaissDocumentStore.load(root).manifest.faiss_factory == PQ
    # going back to the exact index embeds everything again: decoded PQ vectors are not the real ones
    report = update_index(corpus(tmp_path / "c3.jsonl", 402), root, config(faiss_factory="IDMap2,Flat"))
    assert report.reused == 0 and report.embedded == 804


def test_a_corpus_too_small_for_the_factory_is_refused_with_the_numbers(tmp_path):
    cfg = config(faiss_factory=PQ)
    with pytest.raises(
        ValueError, match=r"too few passages to train the FAISS index 'IVF16,PQ32x4': it needs at least 624"
    ):
        build_index(corpus(tmp_path / "c.jsonl", 100), tmp_path / "idx", cfg)
    assert not layout.version_ids(tmp_path / "idx")
    assert cfg.embedder.embedded == 0  # refused before the corpus was embedded
    with pytest.raises(ValueError, match="needs at least 9,984 .*4-bit codes"):
        train_index("IVF16,PQ32", np.zeros((5000, DIM), dtype=np.float32))


@pytest.mark.parametrize(
    ("factory", "message"),
    [("HNSW32", "not supported"), ("IDMap2,IVF16,PQ8", "without IDMap"), ("Nonsense7", "cannot build")],
)
def test_unsupported_factories_are_refused(factory, message):
    with pytest.raises(ValueError, match=message):
        FaissDocumentStore(DIM, factory).add_passages([Document(id="a", content="a")], np.ones((1, DIM)))


def test_one_trained_index_is_shared_by_several_stores():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    trained = train_index(PQ, vectors)
    assert trained.is_trained and trained.ntotal == 0 and centroids(trained) == 16
    shards = [FaissDocumentStore(DIM, PQ, faiss.clone_index(trained)) for _ in range(2)]
    for k, shard in enumerate(shards):
        rows = range(k, 2000, 2)
        shard.add_passages([Document(id=f"p{i}", content=f"p{i}") for i in rows], vectors[list(rows)])
    assert [s.count_documents() for s in shards] == [1000, 1000]
    assert trained.ntotal == 0  # the clones were filled, not the original
    hits = shards[1].embedding_retrieval(vectors[7], top_k=10)
    assert "p7" in [h.id for h in hits]
