"""The relevance step's rules (issue 24): what is not about the claim neither decides, nor is cited, nor
comes first; one scale for every language pair; a bounded vector cache."""

from __future__ import annotations

import numpy as np
import pytest

from service.verify.evidence import gate, judge_passages
from service.verify.relevance import VectorCache, keep_most_relevant, window_relevance
from service.verify.rerank import EvidenceRanker
from service.verify.verdict import VerdictParams, decide
from service.verify.windows import passage_windows
from tests.unit.test_verify_steps import passage, scored

pytestmark = pytest.mark.unit
CLAIM = "The summit was on 14 June"


def test_the_gate_moves_what_is_not_about_the_claim_to_neutral():
    assert gate((0.1, 0.2, 0.7), 1.0) == (0.1, 0.2, 0.7)
    assert gate((0.1, 0.2, 0.7), 0.0) == (0.0, 1.0, 0.0)
    e, n, c = gate((0.1, 0.2, 0.7), 0.5)
    assert (e, c) == pytest.approx((0.05, 0.35)) and e + n + c == pytest.approx(1.0)


def test_an_unrelated_sentence_neither_decides_nor_is_cited():
    """The issue's case: a passage whose first sentence states the claim was cited, as refuting it, by
    another of its sentences ("the alliance constantly reviews its security measures")."""
    cand = passage()  # "NATO met in Brussels." "The summit was on 14 June." "It ended late."
    windows = passage_windows(cand, 0)
    probs = np.asarray([[0.05, 0.05, 0.9], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]])
    relevance = np.asarray([0.2, 1.0, 0.0])
    (item,) = judge_passages(CLAIM, "en", [cand], windows, probs, VerdictParams(), relevance)
    assert item.max_contradiction == pytest.approx(0.9 * 0.2)  # the unrelated 0.8 does not count at all
    # nothing in the passage settles the claim: the sentence most about it is cited, not the "refutation"
    assert item.window.text == "The summit was on 14 June." and item.relevance == 1.0
    assert decide([item], VerdictParams()).verdict == "NOT_ENOUGH_INFO"


def test_the_first_card_is_about_the_claim_however_decisive_the_others():
    about = scored("about", 0.4, 0.1, cos=0.85, relevance=1.0)
    decisive_elsewhere = scored("other", 0.0, 0.95, cos=0.9, relevance=0.3)
    decisive_elsewhere.probs = gate((0.0, 0.05, 0.95), 0.3)
    ranked = EvidenceRanker().run(scored=[[decisive_elsewhere, about]])["evidence"][0]
    assert [i.candidate.passage.meta["doc_id"] for i in ranked] == ["about", "other"]


def test_each_language_pair_has_its_scale():
    params = VerdictParams(cosine_scale={"same": (0.75, 0.92), "cross": (0.73, 0.89), "fr-fr": (0.81, 0.98)})
    # a French claim against French text: the same cosine is worth less, French text sits closer anyway
    assert window_relevance(0.86, "fr", "fr", params) < window_relevance(0.86, "de", "de", params)
    # across languages a lower cosine is worth as much
    assert window_relevance(0.73 + 0.5 * 0.16, "es", "de", params) == pytest.approx(0.5)
    assert window_relevance(0.75 + 0.5 * 0.17, "en", "en", params) == pytest.approx(0.5)
    # an unknown language on either side is compared as one language
    assert window_relevance(0.86, None, "de", params) == window_relevance(0.86, "de", "de", params)


def test_the_vector_cache_is_bounded_and_keeps_the_recent():
    cache = VectorCache(2)
    for text in ("a", "b"):
        cache.put(text, np.zeros(3))
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put("c", np.ones(3))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert (cache.hits, cache.misses) == (3, 1)
    VectorCache(0).put("x", np.zeros(3))  # 0: no cache, no error


def test_only_the_most_relevant_windows_go_to_the_stance_model():
    relevance = np.asarray([0.0, 1.0, 0.3, 1.0, 0.8, 1.0], np.float32)
    cosines = np.asarray([np.nan, 0.91, 0.85, 0.95, 0.88, 0.93])
    kept = keep_most_relevant(relevance, cosines, 3)
    # three of relevance 1: the cap keeps those, the higher cosine first among equals
    assert kept.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    two = keep_most_relevant(relevance, cosines, 2)
    assert two.tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 1.0]  # 0.95 and 0.93 beat 0.91
    assert keep_most_relevant(relevance, cosines, 5) is relevance  # under the cap: nothing to drop
