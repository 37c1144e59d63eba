"""A version's tables: the passages (Haystack's ``PgvectorDocumentStore``, used as it comes) and ours beside it."""

from __future__ import annotations

from typing import Any

import numpy as np

PASSAGES = "passages"
SEARCHES = ("exact", "hnsw")


def create_tables(conn: Any, schema: str) -> None:
    """The tables the passage store does not make: sentence vectors (float16, a row per sentence), source
    documents (the records citations and updates read) and the files of the BM25 and fact-check indexes."""
    conn.execute(f'CREATE TABLE "{schema}".sentences (passage_id text PRIMARY KEY, vectors bytea NOT NULL)')
    conn.execute(f'CREATE TABLE "{schema}".sources (id text PRIMARY KEY, record jsonb NOT NULL)')
    conn.execute(f'CREATE TABLE "{schema}".files (name text PRIMARY KEY, data bytea NOT NULL)')


def sentences_bytes(rows: np.ndarray) -> bytes:
    """A passage's sentence vectors as the ``sentences`` table keeps them: float16, a row per sentence."""
    return np.asarray(rows).astype(np.float16).tobytes()


def sentences_rows(data: bytes, dimension: int) -> np.ndarray:
    """:func:`sentences_bytes` read back, as float32 (a row per sentence, in order)."""
    return np.frombuffer(data, dtype=np.float16).reshape(-1, dimension).astype(np.float32)


def vector_of(text: str) -> np.ndarray:
    """A pgvector value in its text form (``[0.1,0.2]``, every float4 exactly) as float32."""
    return np.asarray(text.strip("[]").split(","), dtype=np.float32)


def passage_table(dsn: str, schema: str, dimension: int, hnsw: bool = False) -> Any:
    """The version's passages as a ``PgvectorDocumentStore``: cosine similarity (the vectors are normalised, as
    FAISS's inner product). ``hnsw``: a new version's table gets an HNSW index, built as the passages are
    written; a reader always asks for exact search, and PostgreSQL uses the index where the version has one."""
    from haystack.utils import Secret
    from haystack_integrations.document_stores.pgvector import PgvectorDocumentStore

    return PgvectorDocumentStore(
        connection_string=Secret.from_token(dsn),
        create_extension=False,  # the catalogue made it, or said clearly that it cannot be made
        schema_name=schema,
        table_name=PASSAGES,
        language="simple",  # its full-text index is not what ranks passages here: BM25 (bm25s) is
        embedding_dimension=dimension,
        vector_function="cosine_similarity",
        search_strategy="hnsw" if hnsw else "exact_nearest_neighbor",
        hnsw_index_creation_kwargs={"m": 16, "ef_construction": 64} if hnsw else None,
    )
