"""The stance model's rule-made training pairs (training/lexical.py): an opposite action makes a clean
contradiction, or no pair at all."""

import random
from pathlib import Path

import pytest

from training.lexical import _parallel_pairs, flip
from training.mix import train_mix

pytestmark = pytest.mark.unit
NLI = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nli"


@pytest.mark.parametrize(
    ("lang", "text", "flipped"),
    [
        ("en", "Russia formed about 20 new units.", "Russia disbanded about 20 new units."),
        ("en", "The border opened on Monday.", "The border closed on Monday."),
        ("en", "Won by a wide margin, the vote was close.", "Lost by a wide margin, the vote was close."),
        ("en", "Prices rose by more than 5%.", "Prices fell by more than 5%."),  # the first word only
        ("de", "Die Partei gewann die Wahl.", "Die Partei verlor die Wahl."),
        ("de", "Die Preise sind gestiegen.", "Die Preise sind gesunken."),
        ("fr", "Le musée a ouvert ses portes.", "Le musée a fermé ses portes."),
        ("es", "El equipo ganó la final.", "El equipo perdió la final."),
        ("en", "The company left the market.", None),  # "left" goes one way: it is also a direction
        ("en", "The talks did not end.", None),
    ],
)
def test_flip_turns_the_first_action_into_its_opposite(lang, text, flipped):
    assert flip(text, lang) == flipped


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I won't keep you any longer."),  # "won" inside a contraction
        ("en", "The team did not win."),
        ("en", "Did prices rise?"),
        ("en", "If the bank raised rates, prices would fall."),
        ("de", "Die Partei hat die Wahl nicht gewonnen."),
        ("fr", "Le musée n'a pas ouvert."),
        ("es", "El equipo no ganó."),
        ("en", "The weather was mild."),  # nothing to flip
    ],
)
def test_no_flip_where_it_would_not_contradict(lang, text):
    assert flip(text, lang) is None


def test_every_contradiction_has_its_copy_and_translations_entail():
    texts = [
        {"de": "Die Preise stiegen.", "en": "Prices rose.", "fr": "Les prix augmentent.", "es": "Los precios suben."},
        {"de": "Es regnete.", "en": "It rained.", "fr": "Il pleuvait.", "es": "Llovía."},
    ]
    pairs = _parallel_pairs(texts, random.Random(1), translations=2)
    contradictions = [p for p in pairs if p.source.startswith("lexical-contradiction")]
    copies = [p for p in pairs if p.source.startswith("lexical-copy")]
    assert len(contradictions) == len(copies) == 1  # one flip per text, the rainy one has none
    assert {p.label for p in contradictions} == {2} and {p.label for p in copies} == {0}
    assert contradictions[0].premise == copies[0].premise
    assert contradictions[0].hypothesis != copies[0].hypothesis
    translations = [p for p in pairs if p.source.startswith("translation")]
    assert len(translations) == 2 and {p.label for p in translations} == {0}
    assert all(p.source.split("-")[1] != p.source.split("-")[2] for p in translations)


@pytest.fixture(scope="module")
def v4_counts() -> dict[str, int]:
    return train_mix(NLI, seed=3, version="v4")[1]


@pytest.mark.skipif(not NLI.exists(), reason="needs ../shared/data/nli")
def test_an_ablation_leaves_one_part_out_and_names_unknown_parts(v4_counts):
    with_lexical = v4_counts
    without = train_mix(NLI, seed=3, version="v4", drop=("lexical",))[1]
    assert with_lexical["lexical"] > 1000 and "lexical" not in without
    assert {k: v for k, v in with_lexical.items() if k != "lexical"} == without
    with pytest.raises(ValueError, match="no part lexicon"):
        train_mix(NLI, seed=3, version="v4", drop=("lexicon",))


@pytest.mark.parametrize(
    ("lang", "text", "flipped"),
    [
        ("en", "Russia formed about 20 new units.", "Russia disbanded about 20 new units."),
        ("en", "The EU imposed sanctions.", "The EU lifted sanctions."),
        ("de", "Die Regierung hat das Gesetz genehmigt.", "Die Regierung hat das Gesetz abgelehnt."),
        ("fr", "Le pays a rejoint l'alliance.", "Le pays a quitté l'alliance."),
        ("es", "El gobierno permitió la venta.", "El gobierno prohibió la venta."),
        # scalar, time and converse pairs can both be true of one event: v5 leaves them
        ("en", "Prices rose by more than 5%.", None),
        ("en", "The border opened on Monday.", None),
        ("de", "Die Partei gewann die Wahl.", None),
        ("fr", "Le musée a ouvert ses portes avant midi.", None),
        ("es", "El precio aumenta.", None),
    ],
)
def test_the_v5_lexicon_flips_contrary_actions_only(lang, text, flipped):
    assert flip(text, lang, contrary_only=True) == flipped


@pytest.mark.skipif(not NLI.exists(), reason="needs ../shared/data/nli")
def test_v5_is_v4_with_fewer_flips(v4_counts):
    v4, v5 = v4_counts, train_mix(NLI, seed=3, version="v5")[1]
    assert 0 < v5["lexical"] < v4["lexical"] and v5["translation"] == v4["translation"]
    assert {k: v for k, v in v5.items() if k != "lexical"} == {k: v for k, v in v4.items() if k != "lexical"}
