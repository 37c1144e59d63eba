"""The stance cache (issue 25): a repeated (sentence, claim) pair is answered without the model, its memory is
bounded whatever the texts' length, and it keeps the recently used."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from service.stance.cache import PairCache, pair_key

pytestmark = pytest.mark.unit


def logits(*values: float) -> np.ndarray:
    return np.asarray([values], dtype=np.float32)


def test_a_pair_is_found_by_both_its_texts_in_their_order():
    keys = [
        pair_key("The summit was in Vilnius.", "NATO met in Vilnius"),
        pair_key("NATO met in Vilnius", "The summit was in Vilnius."),
    ]
    assert keys[0] != keys[1]
    # the separator cannot be forged by moving text from one side to the other
    assert pair_key("a b", "c") != pair_key("a", "b c") != pair_key("a b c", "")
    cache = PairCache(10)
    cache.store(keys[:1], logits(1.5, -0.5, 2.25))
    found, missing = cache.lookup(keys, 3)
    assert missing == [1] and found[0].tolist() == [1.5, -0.5, 2.25] and found[1].tolist() == [0, 0, 0]
    assert cache.stats() == {"entries": 1, "hits": 1, "misses": 1, "hit_rate": 0.5}


def test_the_least_recently_used_pair_goes_first():
    cache = PairCache(2)
    a, b, c = (pair_key(t, "claim") for t in "abc")
    cache.store([a, b], np.zeros((2, 3)))
    cache.lookup([a], 3)  # a is used: b is now the oldest
    cache.store([c], np.zeros((1, 3)))
    assert cache.lookup([a, b, c], 3)[1] == [1] and len(cache) == 2


def test_size_zero_keeps_nothing_and_a_negative_size_is_refused():
    cache = PairCache(0)
    key = pair_key("x", "y")
    cache.store([key], logits(1, 2, 3))
    assert cache.lookup([key], 3)[1] == [0] and len(cache) == 0
    with pytest.raises(ValueError, match="0 or more"):
        PairCache(-1)


def test_memory_per_pair_does_not_grow_with_the_texts():
    """The settings promise about 200 bytes a pair: keys are digests, so a 2,000-character sentence costs
    what a short one does."""
    per_pair = {}
    for length in (20, 2000):
        cache = PairCache(5000)
        texts = [f"{i:06d}" + "x" * length for i in range(5000)]
        keys = [pair_key(t, "a claim") for t in texts]
        del texts
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        cache.store(keys, np.ones((5000, 3)))
        per_pair[length] = (tracemalloc.get_traced_memory()[0] - before) / 5000
        tracemalloc.stop()
    assert per_pair[2000] == pytest.approx(per_pair[20], rel=0.05)
    assert per_pair[20] < 250
