"""Reading published fact-checks: ClaimReview JSON-LD (records, graphs, feeds), HTML pages, JSONL, and the rating table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.claimreview import parse_fact_checks_json, parse_jsonl, read_fact_checks
from corpus.ratings import RATING_CLASSES, rating_class

pytestmark = pytest.mark.unit
DATA = Path(__file__).resolve().parents[1] / "data" / "factchecks"


def _by_claim(records):
    return {r.claim: r for r in records}


def test_a_data_feed_is_read_item_by_item_and_a_record_without_a_claim_is_named_by_its_json_path():
    records, errors = read_fact_checks([DATA / "feed.json"])
    found = _by_claim(records)
    assert len(records) == 3
    nato = found["NATO barred Belarusian diplomats from entering its headquarters in Brussels."]
    assert (nato.rating, nato.rating_class, nato.publisher) == ("True", "true", "Example Checks")
    assert (nato.published, nato.language) == ("2021-06-02", "en")
    assert nato.url == "https://checks.example.org/2021/06/nato-belarus-headquarters"
    assert nato.title == "Yes, NATO restricted Belarusian access to its headquarters"
    assert nato.claimant == "A widely shared post"
    assert nato.appearances == ["https://social.example.net/post/1"]
    # a date with a time keeps its day; a numeric rating alone is classed on its scale and shown as written
    assert found["5G phone masts spread the coronavirus."].published == "2020-04-06"
    assert found["5G phone masts spread the coronavirus."].rating_class == "false"
    eiffel = found["The Eiffel Tower was finished in 1889."]
    assert (eiffel.rating, eiffel.rating_class, eiffel.rating_value, eiffel.best_rating) == ("4/5", "mostly_true", 4.0, 5.0)
    assert [str(e) for e in errors] == [
        f"{DATA / 'feed.json'}: $.dataFeedElement[1].item[1]: claimReviewed is missing or empty"
    ]


def test_a_graph_skips_other_objects_and_reads_types_languages_and_authors_in_any_form():
    records, errors = read_fact_checks([DATA / "graph.jsonld"])
    assert errors == []
    found = _by_claim(records)
    assert len(found) == 3
    ministers = found["Die NATO-Außenminister treffen sich am 1. Juni persönlich in Brüssel."]
    assert ministers.id == "https://pruefstelle.example.de/faktencheck/nato-minister-bruessel#review"  # its @id
    assert (ministers.language, ministers.rating_class, ministers.publisher) == ("de", "false", "Prüfstelle")
    chip = found["Mit der Corona-Impfung wird ein Mikrochip eingepflanzt."]
    assert (chip.language, chip.rating, chip.rating_class) == ("de", "Frei erfunden", "false")  # lists, a Language object
    assert found["Ein Tempolimit von 130 km/h würde die CO2-Emissionen des Verkehrs halbieren."].rating_class == "mostly_false"


def test_an_html_page_gives_its_json_ld_and_microdata_and_a_broken_script_is_reported_not_fatal():
    records, errors = read_fact_checks([DATA / "page.html"])
    found = _by_claim(records)
    assert set(found) == {
        "La Russie va dissoudre une vingtaine d'unités dans son district militaire de l'Ouest.",
        "Le sommet de l'OTAN de 2021 a eu lieu à Madrid.",  # microdata
    }
    russia = found["La Russie va dissoudre une vingtaine d'unités dans son district militaire de l'Ouest."]
    assert (russia.rating, russia.rating_class, russia.language) == ("Faux", "false", "fr")
    summit = found["Le sommet de l'OTAN de 2021 a eu lieu à Madrid."]
    assert (summit.rating, summit.rating_class, summit.url) == (
        "Trompeur", "mostly_false", "https://verif.example.fr/2021/sommet-madrid"
    )
    assert [e.message for e in errors] == ["JSON-LD script 2 is not valid JSON: Expecting property name enclosed in double quotes"]


def test_jsonl_names_each_bad_line_and_imports_the_others():
    records, errors = read_fact_checks([DATA / "factchecks.jsonl"])
    assert [r.id for r in records] == ["es-cumbre-madrid", "es-vacunas-adn", "en-coffee", "de-wiedervereinigung"]
    assert [(e.line, e.message) for e in errors] == [
        (4, "id is missing or empty"),
        (5, "unknown field 'extra'; the fields are id, claim, rating, url, publisher, published, language, title"),
        (6, "not valid JSON: Expecting value (column 1)"),
    ]
    assert all(e.path == str(DATA / "factchecks.jsonl") for e in errors)
    madrid = records[0]
    assert (madrid.rating_class, madrid.language, madrid.title) == ("false", "es", "La cumbre de 2021 fue en Bruselas")
    # a language not given is guessed from the claim
    assert records[2].language == "en"


def test_a_folder_is_searched_and_a_missing_path_is_an_error_not_a_crash(tmp_path):
    records, errors = read_fact_checks([DATA, tmp_path / "nowhere.json"])
    assert len(records) == 3 + 3 + 2 + 4
    assert str(errors[-1]) == f"{tmp_path / 'nowhere.json'}: no such file or folder"
    (tmp_path / "empty.json").write_text('{"@type": "WebPage"}', encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"@type": ', encoding="utf-8")
    (tmp_path / "latin1.jsonl").write_bytes('{"id": "x", "claim": "caf\xe9"}'.encode("latin-1"))
    _, errors = read_fact_checks([tmp_path])
    messages = sorted(e.message for e in errors)
    assert messages[0].startswith("no ClaimReview record")
    assert messages[1].startswith("not UTF-8 text")
    assert messages[2].startswith("not valid JSON")


def test_a_later_record_with_the_same_id_replaces_the_earlier():
    text = "\n".join(
        json.dumps({"id": "a", "claim": claim, "rating": rating})
        for claim, rating in (("First wording.", "False"), ("Second wording.", "True"))
    )
    records, errors = parse_jsonl(text)
    assert errors == [] and len(records) == 2  # within one file both are read...
    path = Path(DATA / "factchecks.jsonl")
    merged, _ = read_fact_checks([path, path])  # ...and across files the last one wins
    assert len(merged) == 4


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        ("Falsch", "false"), ("Teilweise falsch", "mixed"), ("Irreführend", "mostly_false"),
        ("Fehlender Kontext", "mixed"), ("Größtenteils richtig", "mostly_true"), ("Unbelegt", "unverifiable"),
        ("Faux", "false"), ("Trompeur", "mostly_false"), ("Plutôt vrai", "mostly_true"), ("Vrai", "true"),
        ("Falso", "false"), ("Engañoso", "mostly_false"), ("Verdadero", "true"), ("Sátira", "other"),
        ("Pants on Fire!", "false"), ("Mostly True", "mostly_true"), ("Half True", "mixed"), ("Mostly False", "mostly_false"),
        ("TRUE", "true"), ("Unproven", "unverifiable"), ("Mixture", "mixed"), ("Labeled Satire", "other"),
        ("False. The photo was taken in 2015.", "false"),
        ("Four and a half stars of doom", "other"),
    ],
)
def test_the_rating_table(rating, expected):
    assert rating_class(rating) == expected


def test_an_unknown_rating_is_kept_as_written_with_class_other():
    records, errors = parse_jsonl(json.dumps({"id": "x", "claim": "Some claim here.", "rating": "Zombie claim"}))
    assert errors == [] and (records[0].rating, records[0].rating_class) == ("Zombie claim", "other")
    assert set(RATING_CLASSES) >= {rating_class(w) for w in ("False", "Unproven", "Satire", "x")}


def test_numeric_ratings_on_the_publishers_scale():
    assert rating_class(None, 1, 5, 1) == "false"
    assert rating_class(None, 3, 5, 1) == "mixed"
    assert rating_class(None, 5, 5, 1) == "true"
    assert rating_class(None, 7, 5, 1) == "other"  # off its own scale
    assert rating_class(None) == "other"


def test_an_api_body_is_json_ld_or_a_list_of_the_jsonl_shape_and_each_bad_record_is_located():
    records, problems = parse_fact_checks_json([{"id": "a", "claim": "A claim."}, {"id": "b", "claim": ""}])
    assert [r.id for r in records] == ["a"] and problems == [{"loc": "$[1]", "message": "claim is missing or empty"}]
    feed = json.loads((DATA / "feed.json").read_text(encoding="utf-8"))
    records, problems = parse_fact_checks_json(feed)
    assert len(records) == 3
    assert problems == [{"loc": "$.dataFeedElement[1].item[1]", "message": "claimReviewed is missing or empty"}]
    _, problems = parse_fact_checks_json({"@type": "WebPage"})
    assert problems == [{"loc": "body", "message": "no ClaimReview record in the body"}]
    _, problems = parse_fact_checks_json([{"id": "a", "claim": "One."}, {"id": "a", "claim": "Two."}])
    assert problems == [{"loc": "body", "message": "fact-check 'a' is given twice"}]
