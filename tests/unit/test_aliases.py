"""One spelling for one country in a stance pair (service/verify/aliases.py)."""

from __future__ import annotations

import pytest

from service.verify.aliases import harmonise

pytestmark = pytest.mark.unit

WINDOW = "Die NATO schränkte im Mai den Zugang belarussischer Vertreter zu ihrem Hauptquartier in Brüssel ein."


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        # an adjective takes the window's spelling and keeps its own ending and case
        (
            "Die NATO wird den Zugang von weißrussischen Vertretern zu ihrem Hauptquartier einschränken.",
            "Die NATO wird den Zugang von belarussischen Vertretern zu ihrem Hauptquartier einschränken.",
        ),
        (
            "Weißrussische Vertreter dürfen nicht mehr ins NATO-Hauptquartier in Brüssel.",
            "Belarussische Vertreter dürfen nicht mehr ins NATO-Hauptquartier in Brüssel.",
        ),
        # spelled as the window spells it already, or a noun where the window has an adjective: left alone
        ("Die NATO beschränkt den Zugang belarussischer Vertreter.", None),
        ("Die Regierung Weißrusslands protestierte gegen die Entscheidung der NATO.", None),
        # across languages the model compares translations: left alone
        ("Belarusian access to NATO HQ restricted", None),
        ("L'OTAN restreint l'accès des représentants biélorusses à son siège.", None),
    ],
)
def test_a_claims_country_is_spelled_as_the_window_spells_it(claim, expected):
    assert harmonise(claim, WINDOW) == (expected or claim)


def test_a_noun_loses_a_genitive_its_new_spelling_cannot_take():
    window = "Belarus protestierte am Montag gegen die Entscheidung der NATO in Brüssel."
    claim = "Die Regierung Weißrusslands protestierte gegen die Entscheidung der NATO."
    assert harmonise(claim, window) == "Die Regierung Belarus protestierte gegen die Entscheidung der NATO."


def test_french_and_several_names_in_one_claim():
    window = "L'OTAN restreint l'accès des représentants bélarusses à son siège, a annoncé l'Allemagne."
    claim = "Les diplomates biélorusses sont interdits au siège de l'OTAN, selon l'Allemagne et la France."
    assert harmonise(claim, window) == (
        "Les diplomates bélarusses sont interdits au siège de l'OTAN, selon l'Allemagne et la France."
    )


@pytest.mark.parametrize(
    ("claim", "window", "expected"),
    [
        # one Spanish spelling in either gender, or without its accent, is one spelling: left alone
        (
            "La delegación rusa llegó a Bruselas para la cumbre de la OTAN.",
            "El gobierno ruso envió una delegación a Bruselas para la cumbre de la OTAN.",
            None,
        ),
        (
            "Los ministros alemanes viajaron a Bruselas para la reunión.",
            "El gobierno alemán envió ministros a Bruselas para la reunión.",
            None,
        ),
        # another spelling takes the claim's gender
        (
            "La delegación bielorrusa llegó a Bruselas para la cumbre.",
            "El gobierno belaruso envió una delegación a Bruselas para la cumbre.",
            "La delegación belarusa llegó a Bruselas para la cumbre.",
        ),
        # organisations keep their own forms, inflected ones among them
        (
            "Das Treffen mit der Europäischen Union fand in Brüssel statt und die NATO war dabei.",
            "Die EU und die NATO trafen sich im Mai in Brüssel zu Gesprächen über Sicherheit.",
            None,
        ),
    ],
)
def test_what_counts_as_another_spelling(claim, window, expected):
    assert harmonise(claim, window) == (expected or claim)
