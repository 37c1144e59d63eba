"""The verdict thresholds refitted offline from evaluation records (bench/thresholds.py)."""

from __future__ import annotations

import pytest

from bench.thresholds import Tuning, harmful, rule_choice
from service.evaluation.runner import ClaimRecord
from service.verify.verdict import VerdictParams

pytestmark = pytest.mark.unit


def record(label: str, e: float, c: float, fold: int) -> ClaimRecord:
    passage = {
        "document_id": "d", "cos": 0.9, "fused": 0.03, "dense_rank": 1, "bm25_rank": 1,
        "probs": [e, 1 - e - c, c], "e": e, "c": c, "sup": None, "ref": None, "rel": 1.0,
    }  # fmt: skip
    return ClaimRecord("x", "claim", label, fold, "", 0.5, "", [], [], [passage])


def sets_where_refutations_are_weak() -> dict[str, list[ClaimRecord]]:
    # every set's false claims are refuted at 0.4 only, its true ones supported at 0.9, its unsupported ones at 0.1
    claims = []
    for i in range(30):
        claims += [record("REFUTED", 0.0, 0.4, i % 5), record("SUPPORTED", 0.9, 0.0, i % 5)]
        claims.append(record("NOT_ENOUGH_INFO", 0.0, 0.1, i % 5))
    return {"climate-fever": claims, "gold": claims, "dev": claims}


def test_harmful_verdicts_are_the_ones_that_mislead():
    assert harmful("SUPPORTED", "REFUTED") and harmful("REFUTED", "SUPPORTED")
    assert harmful("NOT_ENOUGH_INFO", "REFUTED") and harmful("NOT_ENOUGH_INFO", "SUPPORTED")
    assert not harmful("SUPPORTED", "NOT_ENOUGH_INFO") and not harmful("REFUTED", "CONFLICTING")
    assert not harmful("SUPPORTED", "SUPPORTED")


def test_the_fit_lowers_the_refute_threshold_to_where_the_refutations_are():
    tuning = Tuning(sets_where_refutations_are_weak())
    shipped = VerdictParams(refute_threshold=0.5)
    before = tuning.out_of_fold(shipped, fitting=False)  # every REFUTED claim read NOT_ENOUGH_INFO
    assert before["gold"] == (pytest.approx(2 / 3), 0.0)
    assert before["climate-fever"][0] == pytest.approx((1 + 0 + 2 / 3) / 3)  # macro-F1 over its three labels
    fitted = tuning.fit(shipped)
    assert 0.1 < fitted.refute_threshold <= 0.4 and tuning.mean_figure(fitted) == pytest.approx(1.0)
    oof = tuning.out_of_fold(shipped, fitting=True)
    assert all(fig == pytest.approx(1.0) and harm == 0.0 for fig, harm in oof.values())
    assert rule_choice({"shipped": before, "fitted": oof}) == "fitted"


def test_a_fit_that_turns_unsupported_claims_into_refuted_ones_is_refused():
    # out of fold, thresholds that gain accuracy but give a verdict where the corpus says nothing lose
    shipped = {n: (0.80, 0.05) for n in ("climate-fever", "gold", "dev")}
    more_harm = {n: (0.90, 0.10) for n in ("climate-fever", "gold", "dev")}
    assert rule_choice({"shipped": shipped, "fitted": more_harm}) == "shipped"
    less_gold = {**{n: (0.95, 0.05) for n in ("climate-fever", "dev")}, "gold": (0.84, 0.05)}
    assert rule_choice({"shipped": shipped, "fitted": less_gold}) == "shipped"  # under the gold set's floor


def test_the_rule_asks_for_a_higher_mean_and_guards_climate_fever():
    shipped = {n: (0.80, 0.05) for n in ("climate-fever", "gold", "dev")}
    assert rule_choice({"shipped": shipped, "fitted": dict(shipped)}) == "shipped"  # no gain, no change
    cf_falls = {"climate-fever": (0.79, 0.05), "gold": (0.90, 0.05), "dev": (0.90, 0.05)}
    assert rule_choice({"shipped": shipped, "fitted": cf_falls}) == "shipped"  # 1 point off Climate-FEVER
    cf_holds = {**cf_falls, "climate-fever": (0.796, 0.05)}
    assert rule_choice({"shipped": shipped, "fitted": cf_holds}) == "fitted"  # within half a point
