"""Haystack's own document-store contract (``haystack.testing.document_store``), run against our stores.

Two places where a FAISS store differs from Haystack's in-memory one, overridden as the suite
asks (``assert_documents_are_equal``): embeddings come back as FAISS keeps them, in float32, and
the sharded store returns each shard's passages in turn, so its lists are compared by id.
"""

import numpy as np
import pytest
from haystack import Document
from haystack.document_stores.errors import DuplicateDocumentError
from haystack.document_stores.types import DuplicatePolicy
from haystack.testing.document_store import DocumentStoreBaseTests

from index.build import install_index
from index.manifest import Manifest
from index.sharded import ShardedDocumentStore
from index.store import FaissDocumentStore

pytestmark = pytest.mark.unit
DIM = 768  # the suite's documents carry 768-dim embeddings


def as_stored(doc: Document) -> dict:
    data = doc.to_dict()
    if data.get("embedding") is not None:
        data["embedding"] = np.asarray(data["embedding"], dtype=np.float32).tolist()
    return data


class TestFaissStoreContract(DocumentStoreBaseTests):
    @pytest.fixture
    def document_store(self) -> FaissDocumentStore:
        return FaissDocumentStore(DIM)

    @staticmethod
    def assert_documents_are_equal(received: list[Document], expected: list[Document]) -> None:
        assert [as_stored(d) for d in received] == [as_stored(d) for d in expected]

    def test_write_documents(self, document_store):
        """Our default policy (NONE) refuses a duplicate, as FAIL does, and writes nothing of its batch."""
        docs = [Document(id="1", content="one"), Document(id="2", content="two")]
        assert document_store.write_documents(docs) == 2
        self.assert_documents_are_equal(document_store.filter_documents(), docs)
        with pytest.raises(DuplicateDocumentError):
            document_store.write_documents([Document(id="3", content="three"), Document(id="1", content="again")])
        self.assert_documents_are_equal(document_store.filter_documents(), docs)

    def test_duplicates_within_one_batch(self, document_store):
        first, second = Document(id="1", content="first"), Document(id="1", content="second")
        with pytest.raises(DuplicateDocumentError):
            document_store.write_documents([first, second], policy=DuplicatePolicy.FAIL)
        assert document_store.count_documents() == 0
        assert document_store.write_documents([first, second], policy=DuplicatePolicy.SKIP) == 1
        assert document_store.filter_documents()[0].content == "first"
        assert document_store.write_documents([first, second], policy=DuplicatePolicy.OVERWRITE) == 1
        assert [d.content for d in document_store.filter_documents()] == ["second"]

    def test_passages_without_embeddings_are_never_retrieved_by_embedding(self, document_store):
        vector = np.eye(DIM, dtype=np.float32)[0]
        document_store.write_documents(
            [Document(id="a", content="no vector"), Document(id="b", content="vector", embedding=vector.tolist())]
        )
        assert [d.id for d in document_store.embedding_retrieval(vector, top_k=5)] == ["b"]
        document_store.delete_documents(["a", "b"])
        assert document_store.count_documents() == 0 and document_store.embedding_retrieval(vector, top_k=5) == []

    def test_a_saved_store_keeps_its_passages_without_embeddings(self, document_store, tmp_path):
        vector = np.eye(DIM, dtype=np.float32)[1]
        docs = [Document(id="a", content="no vector", meta={"k": 1}), Document(id="b", content="vec", embedding=vector)]
        document_store.write_documents(docs)
        manifest = Manifest(embedding_model="m", dimension=DIM, passage_count=0, document_count=0, corpus_fingerprint="x")
        install_index(document_store, manifest, tmp_path / "idx")
        loaded = FaissDocumentStore.load(tmp_path / "idx")
        self.assert_documents_are_equal(loaded.filter_documents(), docs)
        assert [d.id for d in loaded.embedding_retrieval(vector, top_k=5)] == ["b"]
        # serialised, a loaded store names its folder, and comes back with its passages
        again = FaissDocumentStore.from_dict(loaded.to_dict())
        assert again.count_documents() == 2 and again.version == loaded.version


    def test_a_passage_without_a_vector_reads_as_a_zero_vector(self, document_store, tmp_path):
        """BM25 finds it, the fusion asks for its vector: a zero row (cosine 0), not an error."""
        vector = np.eye(DIM, dtype=np.float32)[2]
        document_store.write_documents(
            [Document(id="a", content="walrus harbour"), Document(id="b", content="other", embedding=vector)]
        )
        rows = document_store.passage_vectors(["a", "b"])
        assert not rows[0].any() and rows[1][2] == pytest.approx(1.0)
        assert document_store.without_vectors(["a", "b", "c"]) == {"a"}

    def test_overwrite_keeps_the_old_passage_when_the_write_cannot_succeed(self):
        ivf = FaissDocumentStore(DIM, "IVF4,Flat")  # untrained: one vector cannot train it
        ivf.write_documents([Document(id="1", content="old")])
        with pytest.raises(ValueError):
            ivf.write_documents([Document(id="1", content="new", embedding=[0.1] * DIM)], policy=DuplicatePolicy.OVERWRITE)
        assert [d.content for d in ivf.filter_documents()] == ["old"]


class TestShardedStoreContract(TestFaissStoreContract):
    """The sharded store routes each passage to the shard its id hashes to; the whole suite applies."""

    @pytest.fixture
    def document_store(self) -> ShardedDocumentStore:
        manifest = Manifest(embedding_model="m", dimension=DIM, passage_count=0, document_count=0, corpus_fingerprint="x")
        return ShardedDocumentStore([FaissDocumentStore(DIM), FaissDocumentStore(DIM)], manifest)

    @staticmethod
    def assert_documents_are_equal(received: list[Document], expected: list[Document]) -> None:
        def key(d: Document) -> str:
            return d.id

        assert [as_stored(d) for d in sorted(received, key=key)] == [as_stored(d) for d in sorted(expected, key=key)]

    def test_passages_without_embeddings_are_never_retrieved_by_embedding(self, document_store):
        super().test_passages_without_embeddings_are_never_retrieved_by_embedding(document_store)

    def test_a_refused_write_changes_no_shard(self, document_store):
        document_store.write_documents([Document(id="x", content="first")])
        fresh = [Document(id=f"n{i}", content=f"new {i}") for i in range(8)]
        with pytest.raises(DuplicateDocumentError):
            document_store.write_documents([*fresh, Document(id="x", content="again")], policy=DuplicatePolicy.FAIL)
        with pytest.raises(DuplicateDocumentError):
            document_store.write_documents([*fresh, fresh[0]])
        assert document_store.count_documents() == 1 == sum(s.count_documents() for s in document_store.shards)

    def test_overwrite_keeps_the_old_passage_when_the_write_cannot_succeed(self):
        pass  # the shards' own

    @pytest.mark.skip(reason="a sharded version is written by a build (tests/unit/test_sharded.py), not installed")
    def test_a_saved_store_keeps_its_passages_without_embeddings(self, document_store, tmp_path):
        pass
