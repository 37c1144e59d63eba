"""The verify pipeline's steps on hand-made inputs: windows, fusion, corrections and the verdict rule."""

from __future__ import annotations

import numpy as np
import pytest
from haystack import Document

from service.verify.consistency import Consistency
from service.verify.evidence import adjust_window, is_quoted_claim, judge_passages
from service.verify.fuse import RankFusion
from service.verify.types import Candidate, ScoredCandidate, Window
from service.verify.verdict import PARAMS_FILE, VerdictParams, decide
from service.verify.windows import passage_windows

pytestmark = pytest.mark.unit

DOC = "Intro text here. NATO met in Brussels. The summit was on 14 June. It ended late."


def passage(doc_id: str = "d", start: int = 17, end: int | None = None, cos: float = 0.9) -> Candidate:
    end = len(DOC) if end is None else end
    doc = Document(id=f"{doc_id}#1", content=DOC[start:end], meta={"doc_id": doc_id, "start": start, "language": "en"})
    return Candidate(doc, cos, 0.03)


def test_windows_are_single_sentences_and_pairs_with_document_offsets():
    assert [w.text for w in passage_windows(passage(), 0)] == [w.text for w in passage_windows(passage(), 0, 1)]
    windows = passage_windows(passage(), 0, max_sentences=2)
    assert [w.sentences for w in windows] == [1, 1, 1, 2, 2]
    for w in windows:
        assert DOC[w.start : w.end] == w.text
    assert windows[0].text == "NATO met in Brussels." and windows[3].text.endswith("on 14 June.")


class FakeStore:
    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors

    def passage_vectors(self, ids: list[str]) -> np.ndarray:
        return np.asarray([self.vectors[i] for i in ids], dtype=np.float32)


def test_fusion_ranks_by_both_lists_and_gives_bm25_only_hits_a_cosine():
    a, b, c = (
        Document(id=x, content=x, meta={"doc_id": x}, score=s) for x, s in zip("abc", (0.9, 0.8, 7.0), strict=True)
    )
    fused = RankFusion(FakeStore({"c": [0.6, 0.8]}), candidates=3).run(
        dense=[[a, b]], lexical=[[c, a]], embeddings=np.asarray([[1.0, 0.0]], dtype=np.float32)
    )["candidates"][0]
    assert [x.passage.id for x in fused] == ["a", "c", "b"]
    assert fused[0].dense_rank == 1 and fused[0].bm25_rank == 2
    assert fused[1].dense_rank is None and fused[1].dense_score == pytest.approx(0.6)
    assert fused[1].bm25_score == 7.0


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Claim: NATO ministers met in person.", True),
        ("Behauptung: Der Gipfel war in Madrid.", True),
        ("Affirmation : le sommet a eu lieu à Madrid.", True),
        ("NATO claimed that the summit was a success.", False),
        ("The summit was in Brussels.", False),
    ],
)
def test_quoted_claims_are_recognised(text, quoted):
    assert is_quoted_claim(text) is quoted


def cons(score: float, **fields: int) -> Consistency:
    return Consistency(fields.get("numbers", 0), fields.get("dates", 0), fields.get("entities", 0), score, [])


def test_window_corrections():
    params = VerdictParams(mismatch_transfer=0.8)
    single = Window(0, "The summit was on 14 June.", 0, 10, 1)
    pair = Window(0, "NATO met. The summit was on 14 June.", 0, 10, 2)
    probs = np.asarray([0.2, 0.2, 0.6])
    # a pair never contradicts more than its sentences
    assert adjust_window(pair, probs, 0.1, None, params) == pytest.approx((0.2, 0.7, 0.1))
    # the quoted claim is no support
    quoted = Window(0, "Claim: the summit was on 14 June.", 0, 10, 1)
    assert adjust_window(quoted, np.asarray([0.9, 0.05, 0.05]), None, None, params)[0] == 0.0
    # a detail stated differently turns entailment into contradiction
    e, n, c = adjust_window(single, np.asarray([0.9, 0.05, 0.05]), None, cons(-1.0, dates=-1), params)
    assert e == pytest.approx(0.18) and c == pytest.approx(0.77) and n == pytest.approx(0.05)


def test_judge_cites_the_decisive_window_and_keeps_both_sides():
    cand = passage()
    windows = passage_windows(cand, 0, max_sentences=2)
    probs = np.asarray([[0.1, 0.8, 0.1], [0.85, 0.1, 0.05], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]])
    (item,) = judge_passages("The summit was on 14 June", "en", [cand], windows, probs, VerdictParams())
    assert item.window.text == "The summit was on 14 June."
    assert item.max_entailment == pytest.approx(0.85)
    assert item.max_contradiction == pytest.approx(0.6)  # the last sentence; the pairs are capped by their parts
    assert item.windows_scored == 5


def scored(
    doc: str, e: float, c: float, cos: float = 0.9, sup=None, ref=None, relevance: float = 1.0
) -> ScoredCandidate:
    """A judged passage as PassageJudge makes it: its scores already scaled by its relevance."""
    item = ScoredCandidate(passage(doc, cos=cos), Window(0, "x", 0, 1, 1), (e, 1 - e - c, c), relevance=relevance)
    item.max_entailment, item.max_contradiction = e * relevance, c * relevance
    item.support_consistency, item.refute_consistency = sup, ref
    return item


P = VerdictParams(support_threshold=0.5, refute_threshold=0.5, conflict_threshold=0.7)


@pytest.mark.parametrize(
    ("items", "verdict"),
    [
        ([scored("a", 0.9, 0.05), scored("b", 0.1, 0.1)], "SUPPORTED"),
        ([scored("a", 0.05, 0.9), scored("b", 0.1, 0.1)], "REFUTED"),
        ([scored("a", 0.9, 0.05), scored("b", 0.05, 0.9)], "CONFLICTING"),
        ([scored("a", 0.9, 0.85)], "SUPPORTED"),  # one document both ways is no conflict between sources
        ([scored("a", 0.1, 0.1), scored("b", 0.2, 0.1)], "NOT_ENOUGH_INFO"),
        ([], "NOT_ENOUGH_INFO"),
        ([scored("a", 0.9, 0.05, relevance=0.0)], "NOT_ENOUGH_INFO"),  # not about the claim
    ],
)
def test_verdict_rule(items, verdict):
    assert decide(items, P).verdict == verdict


def test_the_verdict_rests_on_the_strongest_relevant_passage_and_is_calibrated():
    params = VerdictParams(**{**P.__dict__, "calibration": {"REFUTED": (2.0, -1.0)}})
    half_relevant = scored("b", 0.05, 0.9, relevance=0.5)  # halfway up the relevance ramp: counts 0.5
    result = decide([scored("a", 0.1, 0.6), half_relevant], params)
    assert result.verdict == "REFUTED" and result.deciding == pytest.approx(0.6)
    assert result.refute_passage == "a#1" and result.support_passage == "a#1"
    assert result.confidence == pytest.approx(1 / (1 + np.exp(-(2.0 * 0.6 - 1.0))), abs=1e-4)


def test_a_curve_with_a_relevance_term_reads_the_passage_most_about_the_claim():
    curve = (1.0, 0.5, -3.0)  # NOT_ENOUGH_INFO beside a passage about the claim: less likely right
    params = VerdictParams(**{**P.__dict__, "calibration": {"NOT_ENOUGH_INFO": curve}})
    about = decide([scored("a", 0.1, 0.1, relevance=1.0), scored("b", 0.1, 0.1, relevance=0.2)], params)
    aside = decide([scored("a", 0.1, 0.1, relevance=0.2)], params)
    nothing = decide([], params)
    assert about.verdict == aside.verdict == nothing.verdict == "NOT_ENOUGH_INFO"
    assert about.confidence == pytest.approx(1 / (1 + np.exp(-(1.0 * 0.9 + 0.5 - 3.0))), abs=1e-4)
    assert aside.confidence == pytest.approx(1 / (1 + np.exp(-(1.0 * (1 - 0.02) + 0.5 - 0.6))), abs=1e-4)
    assert nothing.confidence == pytest.approx(1 / (1 + np.exp(-1.5)), abs=1e-4)  # no evidence: about 0


def test_fitted_curves_follow_the_evidence_they_were_fitted_on():
    from bench.verify_fit import fit_calibration

    # NOT_ENOUGH_INFO is right when no passage is about the claim, wrong when one fully is; SUPPORTED is
    # right more often the stronger its support
    items, labels = [], []
    for i in range(40):
        items.append([scored("a", 0.1, 0.1, relevance=0.1)])
        labels.append("NOT_ENOUGH_INFO" if i % 8 else "SUPPORTED")
        items.append([scored("a", 0.1, 0.1, relevance=1.0)])
        labels.append("SUPPORTED" if i % 8 else "NOT_ENOUGH_INFO")
        strong = 0.55 + 0.4 * (i % 2)
        items.append([scored("a", strong, 0.0)])
        labels.append("SUPPORTED" if strong > 0.9 or i % 4 == 0 else "REFUTED")
    plain = fit_calibration(items, labels, P)
    about = fit_calibration(items, labels, P, about=True)
    assert len(plain["NOT_ENOUGH_INFO"]) == 2 and len(about["NOT_ENOUGH_INFO"]) == 3
    assert about["NOT_ENOUGH_INFO"][2] < -1  # the relevance term carries the signal
    assert plain["SUPPORTED"][0] > 0  # a rising curve over the deciding score
    assert plain["REFUTED"] == plain["CONFLICTING"]  # no such verdict: the smoothed hit rate, flat
    params = VerdictParams(**{**P.__dict__, "calibration": about})
    assert decide(items[0], params).confidence > 0.7 > 0.3 > decide(items[1], params).confidence


def test_a_detail_mismatch_is_explained_away_by_a_sentence_that_matches_it():
    support = scored("a", 0.9, 0.05, sup=cons(1.0, dates=1))
    other_event = scored("b", 0.05, 0.9, ref=cons(-1.0, dates=-1))
    assert decide([support, other_event], P).verdict == "SUPPORTED"
    plain_refutation = scored("b", 0.05, 0.9, ref=cons(0.0))
    assert decide([support, plain_refutation], P).verdict == "CONFLICTING"


def test_params_round_trip_and_the_shipped_file_loads(tmp_path):
    params = VerdictParams(support_threshold=0.42, calibration={"SUPPORTED": (3.0, -1.0), "REFUTED": (1.0, 0.0, -2.0)})
    params.save(tmp_path / "v.json")
    assert VerdictParams.load(tmp_path / "v.json") == params
    shipped = VerdictParams.load(PARAMS_FILE)
    assert set(shipped.calibration) == {"SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO"}


def test_the_passages_a_verdict_rests_on_are_always_shown():
    from service.claim_checker import shown
    from service.verify.verdict import ClaimVerdict

    items = [scored(d, 0.1, 0.1) for d in "abcdef"]
    verdict = ClaimVerdict("REFUTED", 0.5, 0.1, 0.9, 0.9, support_passage="b#1", refute_passage="f#1")
    assert [i.candidate.passage.id for i in shown(items, 3, verdict)] == ["a#1", "b#1", "f#1"]
    assert [i.candidate.passage.id for i in shown(items, 1, verdict)] == ["f#1"]  # the refutation, for REFUTED
    assert shown(items, 6, verdict) == items


def test_the_dense_step_takes_an_empty_batch():
    from service.verify.retrieve import DenseRetriever

    out = DenseRetriever(FakeStore({}), depth=3).run(documents=[])
    assert out["hits"] == [] and out["embeddings"].shape[0] == 0
