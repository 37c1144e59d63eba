"""BM25 beside the FAISS store: stemming per language, name keys, disk round trip, old indexes."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from haystack import Document

from index import bm25 as bm25_module
from index import bm25_tokens
from index.bm25 import BM25_DIR, BM25Index
from index.bm25_tokens import name_key, snowball_name
from index.errors import IndexCorruptError
from index.manifest import Manifest, file_sha256
from index.store import FaissDocumentStore
from service.verify.retrieve import LexicalRetriever

pytestmark = pytest.mark.unit
DIM = 8

PASSAGES: list[tuple[str, str, str | None, str]] = [
    # id, language, title, content
    ("nato#0", "en", "NATO and Belarus", "NATO restricted the access of Belarusian diplomats to its headquarters."),
    ("nato#1", "en", None, "The NATO summit took place in Brussels on 14 June 2021."),
    ("gipfel#0", "de", "NATO-Gipfel", "Der Zugang zum Hauptquartier wurde für belarussische Diplomaten beschränkt."),
    ("gipfel#1", "de", None, "Swetlana Tichanowskaja traf Vertreter der Allianz in Brüssel."),
    ("climat#0", "fr", None, "L'accord de Paris sur le climat a été adopté en décembre 2015."),
    ("paris#0", "en", "Paris Agreement", "The Paris Agreement is an international climate treaty."),
    ("misc#0", None, None, "Lorem ipsum dolor sit amet."),
]


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def make_store() -> FaissDocumentStore:
    store = FaissDocumentStore(DIM)
    docs = []
    for pid, lang, title, content in PASSAGES:
        doc_id = pid.split("#")[0]
        meta = {"doc_id": doc_id, "title": title, "language": lang, "start": 0, "end": len(content)}
        docs.append(Document(id=pid, content=content, meta=meta))
    store.add_passages(docs, _vectors(len(docs)))
    store.sources = {d.meta["doc_id"]: {"text": d.content, "title": d.meta["title"]} for d in docs}
    return store


def manifest() -> Manifest:
    return Manifest(
        embedding_model="fake-model", dimension=DIM, passage_count=0, document_count=0, corpus_fingerprint="x"
    )


def make_index() -> BM25Index:
    return BM25Index.build(
        [p[0] for p in PASSAGES], [f"{p[2] or ''} {p[3]}" for p in PASSAGES], [p[1] for p in PASSAGES]
    )


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    folder = tmp_path / "idx"
    make_store().save(folder, manifest())
    return folder


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [h[0] for h in hits]


# --- tokens and search -------------------------------------------------------------------------
def test_language_codes_map_to_snowball_stemmers():
    assert snowball_name("de") == "german"
    assert snowball_name("en-GB") == "english"
    assert snowball_name("PT_br") == "portuguese"
    assert snowball_name("xx") is None and snowball_name(None) is None


def test_english_stemming_matches_inflections():
    index = make_index()
    assert ids(index.search("restricts", 3, "en"))[0] == "nato#0"


def test_german_stemming_matches_inflections():
    index = make_index()
    assert ids(index.search("beschränken", 3, "de"))[0] == "gipfel#0"
    assert ids(index.search("Beschränkung des Zugangs", 3, "de"))[0] == "gipfel#0"


def test_transliterations_of_a_name_share_one_key():
    assert name_key("Tichanowskaja") == name_key("Tikhanovskaya") == name_key("Tikhanovskaïa")
    assert name_key("Tikhanovskaya") != name_key("Tikhonov")


def test_english_query_finds_a_german_passage_by_name():
    index = make_index()
    assert ids(index.search("Tikhanovskaya met alliance officials", 3, "en"))[0] == "gipfel#1"
    assert ids(index.search("Tikhanovskaïa", 3, "fr"))[0] == "gipfel#1"
    # a query without capitals gets name keys too
    assert ids(index.search("tikhanovskaya", 3))[0] == "gipfel#1"


def test_a_name_key_does_not_count_a_plain_word_twice(monkeypatch):
    index = make_index()
    with_keys = index.search("Paris Agreement NATO", 5, "en")
    monkeypatch.setattr(bm25_tokens, "_key", lambda word: None)  # the query side only: index is built
    assert index.search("Paris Agreement NATO", 5, "en") == with_keys


def test_exact_spelling_ranks_above_another_transliteration():
    index = BM25Index.build(
        ["en#0", "de#0", "x#0"],
        ["Sviatlana Tikhanovskaya spoke.", "Swetlana Tichanowskaja sprach.", "Someone else spoke."],
        ["en", "de", "en"],
    )
    assert ids(index.search("Tikhanovskaya", 3, "en")) == ["en#0", "de#0"]


def test_german_query_matches_english_passages_words():
    hits = ids(make_index().search("Der NATO-Gipfel fand am 14. Juni 2021 in Brüssel statt", 3, "de"))
    assert hits[0] == "nato#1"


def test_unknown_words_stopwords_and_empty_queries_find_nothing():
    index = make_index()
    assert index.search("xylophone quux", 5) == []
    assert index.search("the of and", 5, "en") == []
    assert index.search("", 5) == []
    assert index.search("  ...  ", 5, "de") == []


def test_scores_are_positive_and_sorted_and_top_k_is_capped():
    hits = make_index().search("NATO Paris Brussels climate", 100)
    assert 0 < len(hits) <= len(PASSAGES)
    scores = [s for _, s in hits]
    assert all(s > 0 for s in scores) and scores == sorted(scores, reverse=True)
    assert len(make_index().search("NATO Paris Brussels climate", 2)) == 2


def test_batch_equals_single():
    index = make_index()
    queries = ["restricts access", "xylophone", "Tikhanovskaya", "", "Paris climate treaty", "beschränken"]
    languages = ["en", None, "en", None, None, "de"]
    batch = index.search_batch(queries, 3, languages)
    assert batch == [index.search(q, 3, lang) for q, lang in zip(queries, languages, strict=True)]
    assert index.search_batch(queries, 3) == [index.search(q, 3) for q in queries]


def test_bad_arguments():
    index = make_index()
    with pytest.raises(ValueError, match="top_k"):
        index.search("NATO", 0)
    with pytest.raises(ValueError, match="languages"):
        index.search_batch(["a", "b"], 3, ["en"])
    with pytest.raises(ValueError, match="unique"):
        BM25Index.build(["a", "a"], ["x", "y"], [None, None])


def test_an_empty_index_finds_nothing_and_round_trips(tmp_path):
    for index in (BM25Index.build([], [], []), BM25Index.build(["a"], ["..."], ["en"])):
        assert index.search("anything", 3) == []
        index.save(tmp_path / "e")
        assert BM25Index.load(tmp_path / "e").search("anything", 3) == []


# --- disk --------------------------------------------------------------------------------------
def test_index_round_trip_gives_identical_results(tmp_path):
    index = make_index()
    files = index.save(tmp_path)
    assert all(f.startswith(f"{BM25_DIR}/") and (tmp_path / f).is_file() for f in files)
    loaded = BM25Index.load(tmp_path)
    queries = ["restricts", "Tikhanovskaya", "Paris climate", "Brüssel", "beschränken"]
    for lang in (None, "en", "de"):
        assert loaded.search_batch(queries, 4, [lang] * len(queries)) == index.search_batch(
            queries, 4, [lang] * len(queries)
        )


def test_store_round_trip_gives_identical_results(saved):
    store = make_store()
    store.save(saved.parent / "again", manifest())
    loaded = FaissDocumentStore.load(saved, expected_model="fake-model")
    assert loaded.bm25 is not None
    assert any(k.startswith("bm25/") for k in loaded.manifest.checksums)
    for query, lang in [("restricts", "en"), ("Tikhanovskaya", None), ("Brüssel", "de"), ("Paris", "fr")]:
        before = [(d.id, round(d.score, 6)) for d in store.bm25_retrieval(query, 3, lang)]
        after = [(d.id, round(d.score, 6)) for d in loaded.bm25_retrieval(query, 3, lang)]
        assert before == after and before


def test_store_results_are_passages_with_scores_and_titles_count(saved):
    store = FaissDocumentStore.load(saved)
    # "Agreement" only occurs in the title of paris#0
    hits = store.bm25_retrieval("agreement", 3, "en")
    assert hits[0].id == "paris#0" and hits[0].score > 0
    assert hits[0].content == store.passage("paris#0").content
    assert hits[0].meta == store.passage("paris#0").meta and hits[0].meta is not store.passage("paris#0").meta
    batch = store.bm25_retrieval_batch(["agreement", "xylophone"], 3, ["en", None])
    assert [d.id for d in batch[0]] == [d.id for d in hits] and batch[1] == []


def test_deleted_passages_are_not_returned(saved):
    store = FaissDocumentStore.load(saved)
    store.delete_documents(["nato#0"])
    assert "nato#0" not in [d.id for d in store.bm25_retrieval("restricted access", 5, "en")]


@pytest.mark.parametrize(
    "name", ["vocab.index.json", "data.csc.index.npy", "indptr.csc.index.npy", "params.index.json", "meta.json"]
)
def test_damaged_bm25_file_is_refused_by_name(saved, name):
    path = saved / BM25_DIR / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match=f"bm25/{name}.*damaged"):
        FaissDocumentStore.load(saved)


@pytest.mark.parametrize("name", ["indices.csc.index.npy", "meta.json"])
def test_missing_bm25_file_is_refused_by_name(saved, name):
    (saved / BM25_DIR / name).unlink()
    with pytest.raises(IndexCorruptError, match=f"bm25/{name} is missing"):
        FaissDocumentStore.load(saved)


def test_unreadable_bm25_file_is_named_even_without_checksums(tmp_path):
    make_index().save(tmp_path)
    (tmp_path / BM25_DIR / "vocab.index.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="vocab.index.json"):
        BM25Index.load(tmp_path)


def test_bm25_of_other_passages_is_refused(saved):
    # files that each pass their checksums, but from another build
    shutil.rmtree(saved / BM25_DIR)
    files = BM25Index.build(["x#0"], ["other text"], ["en"]).save(saved)
    man = Manifest.read(saved)
    man.checksums.update({f: file_sha256(saved / f) for f in files})
    man.write(saved)
    with pytest.raises(IndexCorruptError, match="bm25 is inconsistent"):
        FaissDocumentStore.load(saved)


def test_index_saved_without_bm25_still_loads(saved):
    # what a version written before BM25 existed looks like: no bm25/ files, no checksums for them
    man = Manifest.read(saved)
    man.checksums = {k: v for k, v in man.checksums.items() if not k.startswith("bm25/")}
    man.write(saved)
    for path in (saved / BM25_DIR).iterdir():
        path.unlink()
    (saved / BM25_DIR).rmdir()
    store = FaissDocumentStore.load(saved, expected_model="fake-model")
    assert store.bm25 is None and store.count_documents() == len(PASSAGES)
    assert store.bm25_retrieval("NATO", 3) == []
    assert store.bm25_retrieval_batch(["NATO", "Paris"], 3) == [[], []]
    assert LexicalRetriever(store).run(claims=["NATO"], languages=[None])["hits"] == [[]]
    # the next save writes one
    store.save(saved.parent / "next", manifest())
    assert FaissDocumentStore.load(saved.parent / "next").bm25_retrieval("NATO", 3)


def test_another_tokenizer_version_is_not_used_but_the_store_loads(saved, monkeypatch, caplog):
    monkeypatch.setattr(bm25_module, "TOKENIZER_VERSION", bm25_module.TOKENIZER_VERSION + 1)
    with caplog.at_level(logging.WARNING, logger="index.store"):
        store = FaissDocumentStore.load(saved)
    assert store.bm25 is None and "tokenizer version" in caplog.text
    assert store.count_documents() == len(PASSAGES)


def test_meta_lists_ids_and_languages(saved):
    meta = json.loads((saved / BM25_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["ids"] == [p[0] for p in PASSAGES]
    assert set(meta["algorithms"]) == {"english", "german", "french", None}


# --- component ---------------------------------------------------------------------------------
def test_retriever_component(saved):
    store = FaissDocumentStore.load(saved)
    retriever = LexicalRetriever(store, depth=2)
    docs = retriever.run(claims=["NATO Brussels summit"], languages=[None])["hits"][0]
    assert len(docs) == 2 and docs[0].id == "nato#1" and docs[0].score >= docs[1].score
    assert len(retriever.run(claims=["NATO"], languages=["en"], depth=1)["hits"][0]) == 1
    with pytest.raises(ValueError, match="depth"):
        LexicalRetriever(store, depth=0)
    with pytest.raises(ValueError, match="depth"):
        retriever.run(claims=["NATO"], languages=[None], depth=0)
