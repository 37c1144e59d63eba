"""Claim verification end to end: real models, a real FAISS + BM25 index of the sample corpus, the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

GOLD_FILE = Path(__file__).resolve().parents[1] / "data" / "gold_claims.jsonl"
GOLD = [json.loads(line) for line in GOLD_FILE.open(encoding="utf-8") if line.strip()]
BY_ID = {row["id"]: row for row in GOLD}
# the seed article's claims and one of each kind, with the verdict they must get
EXACT = ["g001", "g002", "g003", "g004", "g005", "g008", "g030", "g035", "g041", "g048", "g055", "g062"]


@pytest.fixture(scope="session")
def gold_results(sample_lookup):
    results = []
    for start in range(0, len(GOLD), 32):
        results += sample_lookup.verify_batch([r["claim"] for r in GOLD[start : start + 32]], 5).results
    return {row["id"]: res for row, res in zip(GOLD, results, strict=True)}


def test_the_gold_set_covers_what_the_issue_asks():
    kinds = {r["kind"] for r in GOLD}
    assert len(GOLD) >= 60 and {r["language"] for r in GOLD} == {"de", "en", "fr"}
    assert kinds >= {"supported", "changed_number", "changed_date", "changed_place", "negation", "swapped_entity"}
    assert kinds >= {"two_sentences", "unrelated"}


def test_gold_set_accuracy(gold_results):
    """A floor on the data the verdict thresholds, the relevance scales and the confidence curves were fitted on
    (verdict.json says so): it guards against regressions, it does not measure accuracy. The untouched figure is
    the frozen cross-lingual set's, in tests/integration/test_trust.py."""
    wrong = [
        (i, BY_ID[i]["label"], r.verdict, BY_ID[i]["claim"])
        for i, r in gold_results.items()
        if r.verdict != BY_ID[i]["label"]
    ]
    accuracy = 1 - len(wrong) / len(GOLD)
    print(f"gold set accuracy {accuracy:.3f} ({len(GOLD) - len(wrong)}/{len(GOLD)}; fitted on)")
    assert accuracy >= 0.85, f"accuracy {accuracy:.3f}; wrong: {wrong}"


@pytest.mark.parametrize("claim_id", EXACT)
def test_exact_verdicts(gold_results, claim_id):
    row = BY_ID[claim_id]
    assert gold_results[claim_id].verdict == row["label"], row["claim"]


def test_the_seed_claim_is_supported_by_english_and_by_german_evidence(sample_lookup, german_index, settings_factory):
    from service.claim_checker import ClaimChecker

    claim = "Belarusian access to NATO HQ restricted"
    english = sample_lookup.verify(claim)
    assert english.verdict == "SUPPORTED"
    assert any(e.language == "en" and e.stance.label == "supports" for e in english.evidence)
    german = ClaimChecker.open(settings_factory(german_index)).verify(claim)
    assert german.verdict == "SUPPORTED"
    best = german.evidence[0]
    assert best.language == "de" and best.stance.label == "supports" and "belarus" in best.sentence.text.lower()


def test_evidence_cites_exact_sentences(sample_lookup, gold_results):
    sources = sample_lookup.store.sources
    for result in gold_results.values():
        for ev in result.evidence:
            text = sources[ev.document_id]["text"]
            assert text[ev.start : ev.end] == ev.text
            assert text[ev.sentence.start : ev.sentence.end] == ev.sentence.text
            assert ev.start <= ev.sentence.start < ev.sentence.end <= ev.end
            probs = ev.stance.supports + ev.stance.refutes + ev.stance.neutral
            assert probs == pytest.approx(1.0, abs=1e-3)


def test_a_changed_place_is_named_in_the_evidence(gold_results):
    madrid = gold_results["g003"]
    assert any("Madrid" in m for ev in madrid.evidence for m in ev.consistency.mismatches)


def test_batch_equals_single(sample_lookup):
    claims = [GOLD[0]["claim"], GOLD[2]["claim"], GOLD[3]["claim"]]
    batch = sample_lookup.verify_batch(claims, 3).results
    for claim, together in zip(claims, batch, strict=True):
        alone = sample_lookup.verify(claim, 3)
        assert alone.verdict == together.verdict
        assert [e.passage_id for e in alone.evidence] == [e.passage_id for e in together.evidence]
        for a, b in zip(alone.evidence, together.evidence, strict=True):
            assert a.stance.supports == pytest.approx(b.stance.supports, abs=0.02)
            assert a.sentence == b.sentence


def test_timings_per_stage(sample_lookup):
    result = sample_lookup.verify("NATO summit in Brussels on 14 June 2021")
    assert {"embed", "dense", "bm25", "stance", "verdict", "total"} <= set(result.timings_ms)
    assert result.timings_ms["stance"] > 0 and result.timings_ms["embed"] > 0


def test_api_verify_shape(client):
    resp = client.post("/v1/claims/verify", json={"claim": "Der NATO-Gipfel 2021 fand in Madrid statt", "top_k": 3})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["verdict"] == "REFUTED" and 0 < body["confidence"] <= 1 and body["language"] == "de"
    assert len(body["evidence"]) == 3 and body["timings_ms"]["total"] > 0
    ev = body["evidence"][0]
    assert set(ev["stance"]) == {"label", "supports", "refutes", "neutral"}
    assert set(ev["sentence"]) == {"text", "start", "end"}
    assert ev["stance"]["label"] == "refutes"
    for key in ("text", "document_id", "title", "url", "language", "start", "end", "score", "passage_id", "rank"):
        assert key in ev


def test_api_search_keeps_the_retrieval_only_shape(client):
    resp = client.post("/v1/claims/search", json={"claim": "Belarusian access to NATO HQ restricted", "top_k": 2})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"claim", "top_k", "evidence", "took_ms"} and len(body["evidence"]) == 2
    assert "stance" not in body["evidence"][0]


def test_api_batch(client):
    claims = ["Belarusian access to NATO HQ restricted", "Der NATO-Gipfel 2021 fand in Madrid statt"]
    resp = client.post("/v1/claims/verify-batch", json={"claims": claims, "top_k": 2})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [r["verdict"] for r in body["results"]] == ["SUPPORTED", "REFUTED"]
    assert body["timings_ms"]["stance"] > 0


@pytest.mark.parametrize(
    ("path", "payload", "text"),
    [
        ("/v1/claims/verify", {"claim": "NATO", "language": "german!"}, "language"),
        ("/v1/claims/verify-batch", {"claims": []}, "claims"),
        ("/v1/claims/verify-batch", {"claims": ["ok claim", "  "]}, "claims.1 is empty"),
        ("/v1/claims/verify-batch", {"claims": ["NATO"] * 65}, "the limit is 64"),
        ("/v1/claims/search", {"claim": ""}, "claim is empty"),
    ],
)
def test_api_bad_input(client, path, payload, text):
    resp = client.post(path, json=payload)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["code"] == "invalid_request" and text in body["error"]
