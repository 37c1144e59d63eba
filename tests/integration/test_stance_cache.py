"""Fewer stance pairs (issue 25): a claim sends at most ``stance_max_windows`` windows to the stance model, and a
repeated claim is answered from the stance cache with the very same answer; /metrics counts both."""

from __future__ import annotations

import numpy as np
import pytest

from tests.integration.test_operations import _metric

pytestmark = pytest.mark.integration
CLAIM = "Belarusian access to NATO HQ restricted"


@pytest.fixture(scope="module")
def cached(sample_index, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    settings = settings_factory(sample_index, stance_cache_size=1000, stance_max_windows=3)
    with TestClient(create_app(settings)) as client:
        yield client


def _cache(client):
    return client.app.state.lookup.verify_pipeline.get_component("stance").scorer.cache


def _answer(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("took_ms", "timings_ms")}


def test_a_repeated_claim_is_answered_from_the_cache_with_the_same_answer(cached):
    cache = _cache(cached)
    first = cached.post("/v1/claims/verify", json={"claim": CLAIM, "top_k": 3})
    assert first.status_code == 200, first.text
    asked = cache.misses
    assert 1 <= asked <= 3 and cache.hits == 0  # the cap: three windows at most, though the passages hold more
    again = cached.post("/v1/claims/verify", json={"claim": CLAIM, "top_k": 3}).json()
    assert _answer(again) == _answer(first.json())
    assert (cache.hits, cache.misses) == (asked, asked)
    text = cached.get("/metrics").text
    assert _metric(text, "factcheck_stance_cache_pairs", result="hit") == asked
    assert _metric(text, "factcheck_stance_cache_pairs", result="miss") == asked


def test_another_claim_on_the_same_sentences_is_not_taken_from_the_cache(cached):
    cache = _cache(cached)
    misses = cache.misses
    body = cached.post("/v1/claims/verify", json={"claim": "NATO restricted the access of Belarusian staff"}).json()
    assert body["evidence"] and cache.misses > misses


def test_the_cache_gives_what_the_model_gives(settings_factory):
    from service.stance import StanceScorer

    premises = [
        "The alliance will restrict the access of Belarusian representatives to its headquarters.",
        "Die Allianz werde den Zugang von weißrussischen Vertretern einschränken.",
        "The Eiffel Tower was completed in 1889.",
    ]
    claims = [CLAIM] * 3
    cached = StanceScorer(cache_dir=settings_factory().model_cache_dir, cache_size=100)
    plain = StanceScorer(cache_dir=settings_factory().model_cache_dir)
    scored = []
    real = None

    def counting(p, h, batch_size):
        scored.append(len(p))
        return real(p, h, batch_size)

    cached.warm_up()
    real, cached._classifier.logits = cached._classifier.logits, counting
    first = cached.probabilities(premises, claims)
    # the same pairs again, one of them twice, and one new: only the new one is scored
    second = cached.probabilities(
        premises[::-1] + [premises[0], "NATO headquarters are in Brussels."], claims + [CLAIM] * 2
    )
    assert scored == [3, 1]
    np.testing.assert_array_equal(second[:3], first[::-1])
    np.testing.assert_array_equal(second[3], first[0])
    # bf16 on some CPUs: a pair's numbers move by ~1e-3 with the pairs it is batched with
    np.testing.assert_allclose(
        second,
        plain.probabilities(
            premises[::-1] + premises[:1] + ["NATO headquarters are in Brussels."], claims + [CLAIM] * 2
        ),
        atol=5e-3,
    )
