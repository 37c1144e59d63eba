"""Opposite actions (service/verify/actions.py): a window that states the opposite of the claim's action, in any
pair of de/en/fr/es, is a mismatch; converse pairs, negations and look-alike words say nothing."""

from __future__ import annotations

import pytest

from service.verify.actions import OPPOSITE, compare
from service.verify.consistency import check

pytestmark = pytest.mark.unit

DISBAND = "Russia announced it would disband about 20 units in its Western Military District"


@pytest.mark.parametrize(
    ("claim", "evidence", "words"),
    [
        (DISBAND, "Russia intends to create about 20 new military formations and units.", ("disband", "create")),
        (
            DISBAND,
            "Als Antwort kündigte er die Aufstellung von rund 20 neuen Verbänden an.",
            ("disband", "Aufstellung"),
        ),
        ("La OTAN levantó las sanciones.", "NATO imposed sanctions on Belarus.", ("levantó", "imposed")),
        (
            "Die EU hob die Sanktionen auf und hat sie aufgehoben.",
            "L'UE a imposé des sanctions.",
            ("aufgehoben", "imposé"),
        ),
        ("Le Parlement a rejeté la réforme.", "Parliament approved the reform on Tuesday.", ("rejeté", "approved")),
        ("Le conseil a interdit la vente.", "The council allowed the sale.", ("interdit", "allowed")),
        ("Iran's army disbanded two units.", "Iran's army formed two units.", ("disbanded", "formed")),  # no negation
    ],
    ids=["en-en", "en-de", "es-en", "de-fr", "fr-en", "fr-en ban", "possessive"],
)
def test_the_opposite_action_in_any_language_pair_is_a_mismatch(claim, evidence, words):
    assert compare(claim, evidence) == (-1, [f"action: claim {words[0]}, evidence {words[1]}"])


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("Argentina won the final.", "France lost the final."),  # a converse pair: both true at once
        ("Russia did not disband its units.", "Russia formed new units."),  # a negated claim
        ("Russia disbanded the units.", "Russia did not create new units."),  # a negated window
        ("Die EU verhängt Sanktionen.", "Die EU hat Sanktionen verhängt, die USA haben ihre aufgehoben."),  # both
        ("Arm shares closed at 63.59 dollars.", "L'action a ouvert à 56,10 dollars."),  # open/close is not listed
        ("Arctic sea ice declined.", "Antarctic sea ice increased."),  # rise/fall: two quantities side by side
        ("Russia will disband the units.", "The former defence minister spoke."),  # "former": previous
        ("Russia will disband the units.", "Er trat aus gesundheitlichen Gründen zurück."),  # "Gründen": reasons
        ("Russia disbanded the units.", "Russia didn’t create new units."),  # a negation with a curly apostrophe
        ("Ukraine joined the talks.", "A retired general said so."),  # "retired" is no withdrawal
        ("It rained in Brussels.", "Russia formed new units."),  # the claim names no action
    ],
)
def test_no_mismatch_without_a_clean_opposite(claim, evidence):
    assert compare(claim, evidence) == (0, [])


def test_every_action_has_its_opposite_and_back():
    assert all(OPPOSITE[OPPOSITE[side]] == side for side in OPPOSITE)


def test_an_opposite_action_makes_the_consistency_a_mismatch():
    result = check(DISBAND, "About 20 new units will be formed in Russia's Western Military District.")
    assert result.actions == -1 and result.score == -1.0
    assert "action: claim disband, evidence formed" in result.mismatches
    assert check("Russia will form 20 units.", "About 20 new units will be formed.").actions == 0
