"""The confidence curves refitted offline from evaluation records (bench/calibration.py)."""

from __future__ import annotations

import pytest

from bench.calibration import TUNING, out_of_fold_ece, pooled
from service.evaluation.runner import ClaimRecord, item_from_record, item_record
from service.verify.verdict import VerdictParams, decide

pytestmark = pytest.mark.unit


def passage_record(e: float, c: float, rel: float) -> dict:
    return {
        "document_id": "d", "cos": 0.9, "fused": 0.03, "dense_rank": 1, "bm25_rank": 1,
        "probs": [e, 1 - e - c, c], "e": e * rel, "c": c * rel, "sup": None, "ref": None, "rel": rel,
    }  # fmt: skip


def record(label: str, e: float, c: float, rel: float, fold: int) -> ClaimRecord:
    return ClaimRecord("x", "claim", label, fold, "", 0.5, "", [], [], [passage_record(e, c, rel)])


def test_a_record_keeps_each_passages_relevance_and_old_records_count_in_full():
    item = item_from_record(passage_record(0.8, 0.1, 0.4))
    assert item.relevance == 0.4 and item.max_entailment == pytest.approx(0.32)
    assert item_record(item)["rel"] == 0.4
    old = passage_record(0.8, 0.1, 0.4)
    del old["rel"]
    assert item_from_record(old).relevance == 1.0


def test_each_set_weighs_the_same_whatever_its_size():
    sets = {"a": [record("SUPPORTED", 0.9, 0.0, 1.0, 0)] * 30, "b": [record("REFUTED", 0.0, 0.9, 1.0, 0)] * 10}
    items, labels, weights = pooled(sets, ("a", "b"))
    assert len(items) == len(labels) == 40 and labels.count("REFUTED") == 10
    assert sum(weights[:30]) == pytest.approx(sum(weights[30:])) and sum(weights) == pytest.approx(40)


def test_out_of_fold_curves_never_see_the_claims_they_score():
    # two sets' SUPPORTED verdicts are always right, the third's always wrong; each fold is scored by curves
    # fitted without it
    right = [record("SUPPORTED", 0.9, 0.0, 1.0, i % 5) for i in range(50)]
    wrong = [record("REFUTED", 0.9, 0.0, 1.0, i % 5) for i in range(50)]
    sets = {"climate-fever": right, "gold": wrong, "dev": right}
    assert set(TUNING) == set(sets)
    assert decide([item_from_record(right[0].evidence[0])], VerdictParams()).verdict == "SUPPORTED"
    errors = out_of_fold_ece(sets, TUNING, about=False)
    # curves fitted on two right sets and one wrong one say about 2/3: off by about 1/3 and 2/3
    assert errors["climate-fever"] == pytest.approx(1 / 3, abs=0.06) and errors["dev"] == errors["climate-fever"]
    assert errors["gold"] == pytest.approx(2 / 3, abs=0.06)
