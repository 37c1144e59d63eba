"""Verdicts a fact-checker can trust (issue 24): the first evidence card is about the claim, text that is
not about the claim is neutral, cross-lingual evidence counts, and floors on the frozen cross-lingual set
(tests/data/xling, never tuned on). Real models, real indexes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"
XLING_CLAIMS = [json.loads(line) for line in (DATA / "xling" / "claims.jsonl").open(encoding="utf-8")]
XLING_CORPUS = [json.loads(line) for line in (DATA / "xling" / "corpus.jsonl").open(encoding="utf-8")]
GOLD = [json.loads(line) for line in (DATA / "gold_claims.jsonl").open(encoding="utf-8")]
BELARUS = ("belarus", "weißruss", "bélarus")
# measured with bench/trust.py on the shipped weights (the README has the figures), less a margin
XLING_FLOOR, XLING_CROSS_FLOOR = 0.37, 0.25


@pytest.fixture(scope="session")
def xling_lookup(tmp_path_factory, settings_factory, backbone_path):
    from index.build import build_index
    from service.claim_checker import ClaimChecker
    from service.index_config import build_config

    index_dir = tmp_path_factory.mktemp("xling") / "index"
    build_index(DATA / "xling" / "corpus.jsonl", index_dir, build_config(settings_factory(index_dir)))
    return ClaimChecker.open(settings_factory(index_dir))


@pytest.fixture(scope="session")
def xling_results(xling_lookup):
    results = []
    for start in range(0, len(XLING_CLAIMS), 32):
        batch = XLING_CLAIMS[start : start + 32]
        results += xling_lookup.verify_batch([r["claim"] for r in batch], 5).results
    return results


@pytest.mark.parametrize(
    ("claim", "index", "language"),
    [
        ("Belarusian access to NATO HQ restricted", "sample", None),
        ("Die NATO beschränkt den Zugang weißrussischer Vertreter zu ihrem Hauptquartier.", "sample", None),
        ("Belarusian access to NATO HQ restricted", "german", "de"),  # only German evidence to find
        ("L'OTAN restreint l'accès des représentants bélarusses à son siège", "german", "de"),
    ],
    ids=["en", "de", "en claim, de evidence", "fr claim, de evidence"],
)
def test_the_first_card_is_about_the_claim(sample_lookup, german_index, settings_factory, claim, index, language):
    """People read the first card first: it must be a passage about the claim (the issue's seed case had a
    passage on Russian troop formations first), in any language pair."""
    from service.claim_checker import ClaimChecker

    lookup = sample_lookup if index == "sample" else ClaimChecker.open(settings_factory(german_index))
    first = lookup.verify(claim).evidence[0]
    assert first.retrieval["relevance"] >= 0.5, first
    assert any(word in first.sentence.text.lower() for word in BELARUS), first.sentence.text
    assert language is None or first.language == language


def test_unrelated_sentences_are_read_as_neutral(sample_lookup):
    """A claim against sentences of other topics, in mixed languages: the stance model alone calls about one
    in ten a support or a refutation; after the relevance gate almost none is."""
    from bench.trust import sentences_of, unrelated_pairs

    rng = random.Random(11)
    claims = rng.sample(GOLD, 15)
    sentences = sentences_of(XLING_CORPUS)
    rng.shuffle(sentences)
    out = unrelated_pairs(sample_lookup, claims, sentences[: 15 * 8])
    assert out["pairs"] == 120
    assert out["neutral_after_gate"] >= 0.95, out
    assert out["neutral_after_gate"] > out["raw_neutral"]  # the gate, not the model, makes them neutral


def test_relevance_puts_every_language_pair_on_one_scale():
    """A cross-lingual cosine that sits as far above unrelated text as a same-language one counts the same."""
    from service.verify.relevance import window_relevance
    from service.verify.verdict import VerdictParams

    params = VerdictParams.load()
    same_unrelated, same_deciding = params.cosine_scale["en-en"]
    cross_unrelated, cross_deciding = params.cosine_scale["en-de"]
    assert cross_deciding < same_deciding  # across languages the same meaning lands lower
    assert window_relevance(same_deciding, "en", "en", params) == 1.0
    assert window_relevance(cross_deciding, "en", "de", params) == 1.0
    assert window_relevance(same_unrelated, "en", "en", params) == 0.0
    assert window_relevance(cross_unrelated, "en", "de", params) == 0.0
    assert window_relevance(0.80, "es", "de", params) == window_relevance(0.80, "es", "fr", params)  # "cross"


def test_the_frozen_cross_lingual_set_holds_its_floor(xling_results):
    """Floors on claims nothing was tuned on (bench/trust.py has the full figures): below them, a change
    made verdicts worse where users are."""
    correct = [r.verdict == row["label"] for r, row in zip(xling_results, XLING_CLAIMS, strict=True)]
    cross = [
        ok
        for ok, row in zip(correct, XLING_CLAIMS, strict=True)
        if row.get("evidence_language") not in (None, row["language"])
    ]
    accuracy, cross_accuracy = sum(correct) / len(correct), sum(cross) / len(cross)
    print(f"frozen set accuracy {accuracy:.3f}, cross-lingual {cross_accuracy:.3f} ({len(cross)} claims)")
    assert len(cross) >= 57  # at least half of the claims
    assert accuracy >= XLING_FLOOR and cross_accuracy >= XLING_CROSS_FLOOR


def test_the_confidence_on_the_frozen_set_is_calibrated(xling_results):
    """The curves are fitted on the development set beside Climate-FEVER and the gold set, never on this one
    (bench/calibration.py): 0.133 when they were, 0.202 before (2026-12-07); the target is 0.10."""
    from service.evaluation.metrics import ece

    correct = [r.verdict == row["label"] for r, row in zip(xling_results, XLING_CLAIMS, strict=True)]
    error = ece([r.confidence for r in xling_results], correct)
    print(f"frozen set confidence ECE {error:.3f}")
    assert error <= 0.16


def test_seed_german_restatement_is_supported(sample_lookup):
    """The issue's seed case: the stance model read "weißrussischer" against the corpus's "belarussischer" as two
    countries (0.67 contradiction); the pair now reaches it in one spelling (service/verify/aliases.py)."""
    result = sample_lookup.verify("Die NATO beschränkt den Zugang weißrussischer Vertreter zu ihrem Hauptquartier.")
    assert result.verdict == "SUPPORTED"


def test_seed_disband_is_refuted(sample_lookup):
    """The stance model reads "form about 20 new units" as agreeing with "disband about 20 units" (numbers and
    places agree); the consistency check's opposite actions (service/verify/actions.py) see the verb."""
    result = sample_lookup.verify("Russia announced it would disband about 20 units in its Western Military District")
    assert result.verdict == "REFUTED"
    first = result.evidence[0]
    assert first.consistency.actions == -1
    assert any(m.startswith("action: claim disband") for m in first.consistency.mismatches)


def test_one_country_in_two_spellings_is_one_country_to_the_stance_step(sample_lookup):
    from service.verify.types import Window

    window = "Die NATO schränkte den Zugang belarussischer Vertreter zu ihrem Hauptquartier ein."
    claim = "Die NATO schränkte den Zugang weißrussischer Vertreter zu ihrem Hauptquartier ein."
    step = sample_lookup.verify_pipeline.get_component("stance")
    assert step.harmonise_names
    probs = step.run(claims=[claim], windows=[[Window(0, window, 0, len(window), 1)]])["probs"][0][0]
    assert probs.argmax() == 0 and probs[0] > 0.6  # entailment: the same sentence
