"""The FAISS store with deterministic vectors: no model needed."""

import numpy as np
import pytest
from haystack import Document

from index import layout
from index.build import install_index
from index.errors import IndexCorruptError, IndexModelMismatchError, IndexNotFoundError
from index.layout import current_dir
from index.manifest import Manifest
from index.store import PASSAGES, VECTORS, FaissDocumentStore

pytestmark = pytest.mark.unit
DIM = 8


def vec(i: int) -> list[float]:
    v = np.zeros(DIM, dtype=np.float32)
    v[i % DIM] = 1.0
    v[(i + 1) % DIM] = 0.5
    return (v / np.linalg.norm(v)).tolist()


def make_store(n: int = 6) -> FaissDocumentStore:
    store = FaissDocumentStore(DIM)
    docs = [
        Document(id=f"d{i}#0", content=f"passage {i}", embedding=vec(i), meta={"doc_id": f"d{i}", "start": 0, "end": 9})
        for i in range(n)
    ]
    assert store.write_documents(docs) == n
    store.sources = {f"d{i}": {"text": f"passage {i}", "title": None} for i in range(n)}
    return store


def manifest(model: str = "fake-model") -> Manifest:
    return Manifest(embedding_model=model, dimension=DIM, passage_count=0, document_count=0, corpus_fingerprint="x")


def test_search_finds_the_exact_vector_first():
    store = make_store()
    hits = store.embedding_retrieval(vec(3), top_k=2)
    assert hits[0].id == "d3#0"
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[0].score > hits[1].score


def test_delete_removes_from_search_and_count():
    store = make_store()
    store.delete_documents(["d3#0"])
    assert store.count_documents() == 5
    assert all(h.id != "d3#0" for h in store.embedding_retrieval(vec(3), top_k=5))


def test_round_trip_through_disk_gives_identical_results(tmp_path):
    store = make_store()
    install_index(store, manifest(), tmp_path / "idx")
    loaded = FaissDocumentStore.load(tmp_path / "idx", expected_model="fake-model")
    for i in range(6):
        before = [(h.id, round(h.score, 6)) for h in store.embedding_retrieval(vec(i), top_k=3)]
        after = [(h.id, round(h.score, 6)) for h in loaded.embedding_retrieval(vec(i), top_k=3)]
        assert before == after
    assert loaded.manifest.passage_count == 6 and loaded.manifest.document_count == 6
    # still writable after a load: new ids do not collide with the loaded ones
    loaded.write_documents([Document(id="new#0", content="new", embedding=vec(2), meta={"doc_id": "new"})])
    assert loaded.count_documents() == 7


def test_refuses_another_model(tmp_path):
    install_index(make_store(), manifest(), tmp_path / "idx")
    with pytest.raises(IndexModelMismatchError, match="fake-model"):
        FaissDocumentStore.load(tmp_path / "idx", expected_model="other-model")


@pytest.mark.parametrize("name", [VECTORS, PASSAGES])
def test_damaged_file_is_refused_by_name(tmp_path, name):
    install_index(make_store(), manifest(), tmp_path / "idx")
    path = current_dir(tmp_path / "idx") / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match=name):
        FaissDocumentStore.load(tmp_path / "idx")


def test_missing_index_and_missing_file(tmp_path):
    with pytest.raises(IndexNotFoundError, match="factcheck index build"):
        FaissDocumentStore.load(tmp_path / "none")
    install_index(make_store(), manifest(), tmp_path / "idx")
    (current_dir(tmp_path / "idx") / VECTORS).unlink()
    with pytest.raises(IndexCorruptError, match="missing"):
        FaissDocumentStore.load(tmp_path / "idx")


def test_garbage_manifest_is_refused(tmp_path):
    install_index(make_store(), manifest(), tmp_path / "idx")
    (current_dir(tmp_path / "idx") / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="manifest"):
        FaissDocumentStore.load(tmp_path / "idx")


def test_install_replaces_an_old_index_and_leaves_no_debris(tmp_path, monkeypatch):
    root = tmp_path / "idx"

    def entries() -> tuple[list[str], list[str]]:
        return sorted(p.name for p in root.iterdir()), sorted(p.name for p in (root / layout.VERSIONS_DIR).iterdir())

    install_index(make_store(3), manifest(), root)
    # what a killed build leaves: a staging folder and a half-written CURRENT (the next install clears them)
    layout.make_staging(root, "v000002")
    (root / f".{layout.CURRENT}.tmp").write_text("v000002")
    assert len(layout.debris(root)) == 2
    install_index(make_store(5), manifest(), root)
    assert FaissDocumentStore.load(root).count_documents() == 5
    # the debris would be inside the index root (its versions/ folder, or beside CURRENT), so look there
    assert layout.debris(root) == []
    assert entries() == ([layout.LOCK, layout.CURRENT, layout.VERSIONS_DIR], ["v000001", "v000002"])
    assert layout.read_current(root) == "v000002"

    # an install that fails after writing its files removes its staging folder; the index is unchanged
    def fail(*args, **kwargs):
        raise IndexCorruptError("verification failed")

    monkeypatch.setattr("index.build.verify_version", fail)
    with pytest.raises(IndexCorruptError, match="verification failed"):
        install_index(make_store(4), manifest(), root)
    assert layout.debris(root) == []
    assert entries() == ([layout.LOCK, layout.CURRENT, layout.VERSIONS_DIR], ["v000001", "v000002"])
    assert FaissDocumentStore.load(root).count_documents() == 5


def test_wrong_dimension_is_rejected():
    store = FaissDocumentStore(DIM)
    with pytest.raises(ValueError, match="dim"):
        store.write_documents([Document(id="x", content="x", embedding=[0.1, 0.2])])


def test_every_file_the_manifest_lists_is_checked(tmp_path):
    folder = tmp_path / "idx"
    make_store().save(folder, manifest())
    listed = [name for name in Manifest.read(folder).checksums if "/" in name]
    assert listed and all((folder / name).is_file() for name in listed)
    man = Manifest.read(folder)
    (folder / "extra.bin").write_bytes(b"abc")
    man.checksums["extra.bin"] = "0" * 64
    man.write(folder)
    with pytest.raises(IndexCorruptError, match="extra.bin is damaged"):
        FaissDocumentStore.load(folder)
    (folder / "extra.bin").unlink()
    with pytest.raises(IndexCorruptError, match="extra.bin is missing"):
        FaissDocumentStore.load(folder)


def test_a_listed_file_outside_the_index_is_refused(tmp_path):
    folder = tmp_path / "idx"
    make_store().save(folder, manifest())
    (tmp_path / "outside").write_text("x")
    man = Manifest.read(folder)
    man.checksums["../outside"] = ""
    man.write(folder)
    with pytest.raises(IndexCorruptError, match="outside the index"):
        FaissDocumentStore.load(folder)


def test_passages_without_language_or_title_get_a_bm25_index(tmp_path):
    store = make_store()
    store.save(tmp_path / "idx", manifest())
    loaded = FaissDocumentStore.load(tmp_path / "idx")
    assert [d.id for d in loaded.bm25_retrieval("passage 3", top_k=1)] == ["d3#0"]


def test_both_store_classes_offer_what_the_claim_pipelines_read():
    """index.search_store.SearchStore: the one-folder store and the sharded store both honour it."""
    from index.manifest import Manifest
    from index.search_store import SearchStore
    from index.sharded import ShardedDocumentStore
    from index.store import FaissDocumentStore

    store = FaissDocumentStore(8)
    manifest = Manifest(embedding_model="m", dimension=8, passage_count=0, document_count=0, corpus_fingerprint="")
    assert isinstance(store, SearchStore)
    assert isinstance(ShardedDocumentStore([store], manifest), SearchStore)
    assert not isinstance(object(), SearchStore)
