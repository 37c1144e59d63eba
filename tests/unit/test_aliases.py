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
