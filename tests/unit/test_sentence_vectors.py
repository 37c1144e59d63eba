"""Sentence vectors kept in the index (issue 25): built with the passages, copied with an unchanged passage,
gone with a deleted one, and none in a version built without them or before they existed."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from corpus.sentences import split_sentences
from index import layout
from index.build import BuildConfig, build_index, delete_documents, update_index
from index.passages import PassageDB
from index.store import PASSAGES, FaissDocumentStore
from index.testing import HashingDocumentEmbedder
from tests.unit.test_scale_store import DIM, corpus

pytestmark = pytest.mark.unit


def config(sentences: HashingDocumentEmbedder | None = None, **kw) -> BuildConfig:
    return BuildConfig(
        model_name="hash-test",
        model_path="hash:test",
        embedder=HashingDocumentEmbedder(DIM, "passage: "),
        sentence_embedder=sentences,
        sentences_per_passage=2,
        **kw,
    )


def test_every_sentence_of_every_passage_is_kept_as_the_relevance_step_embeds_it(tmp_path):
    sentences = HashingDocumentEmbedder(DIM, "query: ")
    build_index(corpus(tmp_path / "c.jsonl", 20), tmp_path / "idx", config(sentences))
    store = FaissDocumentStore.load(tmp_path / "idx")
    passages = store.filter_documents()
    kept = store.sentence_vectors([p.id for p in passages] + ["no-such-passage"])
    assert set(kept) == {p.id for p in passages}
    for p in passages:
        spans = split_sentences(p.content, p.meta.get("language"))
        expected = np.asarray([sentences.embed(p.content[s:e]) for s, e in spans], dtype=np.float32)
        assert kept[p.id].shape == (len(spans), DIM) == (2, DIM)
        np.testing.assert_allclose(kept[p.id], expected, atol=1e-3)  # float16 on disk


def test_an_update_copies_the_unchanged_and_embeds_the_new(tmp_path):
    root = tmp_path / "idx"
    sentences = HashingDocumentEmbedder(DIM, "query: ")
    build_index(corpus(tmp_path / "c.jsonl", 20), root, config(sentences))
    before = FaissDocumentStore.load(root).sentence_vectors(["doc3#0"])
    embedded = sentences.embedded
    update_index(corpus(tmp_path / "c2.jsonl", 21), root, config(sentences))  # doc20 is new
    store = FaissDocumentStore.load(root)
    assert sentences.embedded - embedded == 4  # the new document's two passages, two sentences each
    np.testing.assert_array_equal(store.sentence_vectors(["doc3#0"])["doc3#0"], before["doc3#0"])
    assert set(store.sentence_vectors(["doc20#0", "doc20#1"])) == {"doc20#0", "doc20#1"}
    delete_documents(root, ["doc3"], config(sentences))
    store = FaissDocumentStore.load(root)
    assert store.sentence_vectors(["doc3#0", "doc4#0"]).keys() == {"doc4#0"}
    db = sqlite3.connect(layout.current_dir(root) / PASSAGES)
    assert db.execute("SELECT count(*) FROM sentences").fetchone()[0] == store.count_documents()


def test_a_version_without_sentence_vectors_reads_as_having_none(tmp_path):
    root = tmp_path / "idx"
    build_index(corpus(tmp_path / "c.jsonl", 5), root, config())  # no sentence embedder: none kept
    store = FaissDocumentStore.load(root)
    assert store.sentence_vectors(["doc1#0"]) == {}
    # a file from before the table existed: read-only, then made writable for an update
    path = layout.current_dir(root) / PASSAGES
    db = sqlite3.connect(path)
    db.execute("DROP TABLE sentences")
    db.commit()
    db.close()
    old = PassageDB.open_readonly(path)
    assert not old.has_sentences and old.sentences([0, 1]) == {}
    copy = old.writable()
    assert copy.has_sentences and copy.sentences([0]) == {}
    copy.delete([0])  # a delete touches the table the copy now has


def test_sentence_vectors_of_the_wrong_width_are_refused():
    store = FaissDocumentStore(DIM)
    from haystack import Document

    with pytest.raises(ValueError, match="sentence vectors must have shape"):
        store.add_passages([Document(id="a", content="x")], np.ones((1, DIM)), [np.ones((2, DIM + 1))])
    with pytest.raises(ValueError, match="1 sentence vector sets for 2 passages"):
        store.add_passages([Document(id="a", content="x"), Document(id="b", content="y")], np.ones((2, DIM)), [None])
