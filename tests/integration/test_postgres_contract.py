"""Haystack's document-store suite (``DocumentStoreBaseTests``) against the passage table of a PostgreSQL version,
as this service makes it, on a real server (pgserver)."""

import numpy as np
import pytest
from haystack import Document
from haystack.document_stores.errors import DuplicateDocumentError
from haystack.testing.document_store import DocumentStoreBaseTests

pytestmark = pytest.mark.integration

_SCHEMAS = iter(range(10_000))


class TestPgvectorStoreContract(DocumentStoreBaseTests):
    """Haystack's document-store suite against the passage table as this service makes it (each test its own
    schema; 768-dim, as the suite's documents)."""

    @pytest.fixture
    def document_store(self, pg_server):
        from index.postgres.database import connect, ensure_catalogue
        from index.postgres.tables import passage_table

        schema = f"contract_{next(_SCHEMAS)}"
        conn = connect(pg_server)
        ensure_catalogue(conn)
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.close()
        store = passage_table(pg_server, schema, 768)
        yield store
        store.delete_table()
        store.close()

    @staticmethod
    def assert_documents_are_equal(received: list[Document], expected: list[Document]) -> None:
        """pgvector keeps vectors in float32 and returns rows in no set order."""
        assert sorted((as_stored(d) for d in received), key=lambda d: d["id"]) == sorted(
            (as_stored(d) for d in expected), key=lambda d: d["id"]
        )

    def test_write_documents(self, document_store):
        """The policy a publish writes with (NONE) refuses a duplicate, as FAIL does."""
        docs = [Document(id="1", content="one"), Document(id="2", content="two")]
        assert document_store.write_documents(docs) == 2
        with pytest.raises(DuplicateDocumentError):
            document_store.write_documents([Document(id="1", content="again")])
        self.assert_documents_are_equal(document_store.filter_documents(), docs)

    def test_not_operator(self, document_store):
        """The integration's filters know AND and OR only (no step of ours filters a PostgreSQL version)."""
        from haystack.errors import FilterError

        with pytest.raises(FilterError, match="Unknown logical operator 'NOT'"):
            document_store.filter_documents({"operator": "NOT", "conditions": []})


def as_stored(doc: Document) -> dict:
    data = doc.to_dict()
    data.pop("score", None)
    if data.get("embedding") is not None:
        data["embedding"] = np.asarray(data["embedding"], dtype=np.float32).tolist()
    return data
