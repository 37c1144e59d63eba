"""The article check's rule-based steps, one by one (no model loaded)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.article.claimreview import claim_reviews
from service.article.context import People, resolve_start
from service.article.extract import ArticleCleaner, from_html, from_text, parse_published
from service.article.phrases import dated_clause, event_phrases
from service.article.relative_dates import resolve_relative_dates
from service.article.reword import fragment, restate
from service.article.rules import rule_flags
from service.article.sentences import somajo_spans, split_article
from service.article.speech import is_speech_intro, quote_regions, speaker_of_intro, split_attribution, whole_quote
from service.errors import InvalidInputError

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "data" / "articles" / "nato-russia-de.txt"
HTML = (REPO / "corpus" / "sample" / "nato-gipfel-2021.html").read_text(encoding="utf-8")


# -- clean text ---------------------------------------------------------------------------------------


def test_a_text_article_keeps_its_first_line_as_the_title():
    article = from_text("NATO-Gipfel in Brüssel\n\nDie Staats- und Regierungschefs trafen sich am 14. Juni.")
    assert article.title == "NATO-Gipfel in Brüssel"
    assert article.text == "Die Staats- und Regierungschefs trafen sich am 14. Juni."


def test_a_first_line_that_is_a_sentence_is_not_a_title():
    article = from_text("Die NATO trifft sich.\nDann geht es weiter.")
    assert article.title is None and article.text.startswith("Die NATO trifft sich.")


def test_markdown_loses_its_markup():
    article = from_text("# Titel\n\nDie **NATO** trifft sich in [Brüssel](https://x.org).", markdown=True)
    assert article.title == "Titel" and article.text == "Die NATO trifft sich in Brüssel."


def test_html_body_title_and_date_come_from_trafilatura():
    article = from_html(HTML)
    assert article.title.startswith("NATO-Gipfel in Brüssel") and article.language == "de"
    # the page has no date in its metadata, and a date in the body is no publication date
    assert article.published is None
    assert "14. Juni 2021" in article.text and "<" not in article.text
    dated = HTML.replace("<head>", '<head><meta property="article:published_time" content="2021-06-14T09:00:00Z">')
    assert from_html(dated).published == "2021-06-14"


def test_html_blocks_are_paragraphs_and_the_headline_is_not_body():
    html = (
        '<html lang="de"><head><title>Neue Mitglieder</title></head><body><article><h1>Neue Mitglieder</h1>'
        "<p>Die Allianz werde wachsen, sagte Stoltenberg.</p><ul><li>Finnland tritt 2023 bei</li></ul></article></body></html>"
    )
    article = from_html(html)
    assert article.text == "Die Allianz werde wachsen, sagte Stoltenberg.\n\n- Finnland tritt 2023 bei"
    assert [s.text for s in split_article(article.text, "de")] == [
        "Die Allianz werde wachsen, sagte Stoltenberg.",
        "- Finnland tritt 2023 bei",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   \n\u200b "}, "empty"),
        ({"html": "<html><body><script>x()</script></body></html>"}, "no article text"),
        ({"text": "x" * 201}, "limit is 200"),
        ({}, "text or as html"),
        ({"text": "a", "html": "<p>a</p>"}, "text or as html"),
        ({"text": "Die NATO tagt.", "published": "1. Juni"}, "published must be a date"),
    ],
)
def test_bad_articles_get_clear_errors(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        ArticleCleaner(max_chars=200).run(**kwargs)


def test_published_accepts_a_date_time():
    assert parse_published("2021-06-01T10:00:00Z") == "2021-06-01"
    assert parse_published(None) is None


# -- sentences ------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SEED.exists(), reason="needs ../shared")
def test_sentences_keep_offsets_and_both_splitters_agree_on_the_seed_article():
    text = from_text(SEED.read_text(encoding="utf-8")).text
    sentences = split_article(text, "de")
    assert len(sentences) == 24
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [(s.start, s.end) for s in sentences] == somajo_spans(text, "de")
    assert sentences[4].text == "Er sagte:" and sentences[4].paragraph == 1


# -- rules -----------------------------------------------------------------------------------------------


def test_rules_keep_statements_and_drop_questions_opinions_and_promises():
    assert rule_flags("Die NATO hat am 14. Juni in Brüssel getagt.", "de").checkable
    assert rule_flags("Will England ever win a major title again?", "en").excluded == "question"
    assert rule_flags("Ich finde, die NATO macht das gut.", "de").excluded == "opinion"
    assert rule_flags("I think Mancini's team deserved it.", "en").excluded == "opinion"
    assert rule_flags('"Wir wollen die Beziehungen zu Russland verbessern."', "de").excluded == "promise"
    assert not rule_flags("Und dann?", "de").checkable


# -- reported speech and quotes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "content", "speaker"),
    [
        (
            "Die NATO will die Beziehungen verbessern, sagte NATO-Generalsekretär Jens Stoltenberg auf einer "
            "Pressekonferenz.",
            "Die NATO will die Beziehungen verbessern",
            "Jens Stoltenberg",
        ),
        ("Stoltenberg kündigte an, dass die Minister am 1. Juni beraten werden.", "Die Minister am 1. Juni beraten werden", "Stoltenberg"),
        ("Bis Jahresende würden 20 neue Einheiten gebildet, so der Minister.", "Bis Jahresende würden 20 neue Einheiten gebildet", "der Minister"),
        ("Laut dem Ministerium wurden 20 Einheiten gebildet.", "Wurden 20 Einheiten gebildet", "dem Ministerium"),
        ("England captain Harry Kane said that the team would learn from it.", "The team would learn from it", "Harry Kane"),
        ("Italy won the final, the coach said on Monday.", "Italy won the final", "the coach"),
        ("According to UEFA, 24 teams took part.", "24 teams took part", "UEFA"),
    ],
)  # fmt: skip
def test_attribution_is_split_from_the_content(sentence, content, speaker):
    found = split_attribution(sentence)
    assert found is not None and found.content == content and found.speaker == speaker


def test_a_plain_statement_has_no_attribution():
    assert split_attribution("Die NATO trifft sich am 14. Juni in Brüssel.") is None


def test_quotes_and_their_introductions():
    text = 'Er sagte:\n\n"Wir wollen reden. Und wir haben beschlossen, den Zugang zu beschränken."'
    regions = quote_regions(text)
    assert len(regions) == 1
    first = text.index('"Wir')
    assert whole_quote(first, first + len('"Wir wollen reden.'), regions)
    assert is_speech_intro("Der russische Verteidigungsminister Sergei Schoigu sagte am Montag:")
    assert speaker_of_intro("Der russische Verteidigungsminister Sergei Schoigu sagte am Montag:") == "Sergei Schoigu"
    assert not is_speech_intro("Die NATO tagt:")


# -- context: pronouns, the alliance, relative dates ----------------------------------------------------------


def test_a_pronoun_is_replaced_only_when_the_previous_sentence_names_one_person():
    people = People.of("Jens Stoltenberg sprach. Stoltenberg sagte viel. Angela Merkel nickte. Merkel ging.")
    assert people.full_names == {"Stoltenberg": "Jens Stoltenberg", "Merkel": "Angela Merkel"}
    text, replaced = resolve_start("Er wies darauf hin.", "Stoltenberg kündigte an, dass ...", None, people)
    assert text == "Jens Stoltenberg wies darauf hin." and replaced.original == "Er"
    ambiguous, none = resolve_start("Er nickte.", "Stoltenberg traf Merkel.", None, people)
    assert ambiguous == "Er nickte." and none is None


def test_the_alliance_is_named_when_the_previous_sentence_or_title_names_it():
    text, replaced = resolve_start("Die Allianz wird den Zugang beschränken", "Die NATO tagte.", None, People())
    assert text == "Die NATO wird den Zugang beschränken" and replaced.replacement == "Die NATO"
    text, _ = resolve_start("The alliance met in Brussels", "Leaders arrived.", "NATO summit opens", People())
    assert text == "NATO met in Brussels"
    unchanged, none = resolve_start("Das Bündnis tagt", "Die Minister kamen.", "Ein Treffen", People())
    assert unchanged == "Das Bündnis tagt" and none is None


def test_relative_dates_are_resolved_only_with_a_publication_date():
    # 2021-06-01 was a Tuesday
    text, resolved = resolve_relative_dates("Schoigu sagte am Montag, es sei ernst", "2021-06-01", "de")
    assert text == "Schoigu sagte am 31. Mai 2021, es sei ernst" and resolved[0].date == "2021-05-31"
    text, _ = resolve_relative_dates("Die Minister werden am Montag beraten", "2021-06-01", "de")
    assert "7. Juni 2021" in text
    text, resolved = resolve_relative_dates("He said so yesterday", "2021-06-01", "en")
    assert text == "He said so 31 May 2021" and resolved[0].text == "yesterday"
    assert resolve_relative_dates("Schoigu sagte am Montag", None, "de") == ("Schoigu sagte am Montag", [])
    assert resolve_relative_dates("Am Morgen tagte die NATO", "2021-06-01", "de")[1] == []


# -- smaller claims and rewording ---------------------------------------------------------------------------------


def test_named_events_and_dated_clauses_become_short_claims():
    assert event_phrases("die Vorbereitungen für den NATO-Gipfel am 14. Juni in Brüssel besprechen", "de") == [
        "NATO-Gipfel am 14. Juni in Brüssel"
    ]
    assert event_phrases("Leaders met at the NATO summit in Brussels on 14 June 2021.", "en") == [
        "The NATO summit in Brussels on 14 June 2021"
    ]
    rest = (
        "auf einer Pressekonferenz im Vorfeld eines Treffens der NATO-Außen- und -Verteidigungsminister, das am "
        "1. Juni im Format einer Online-Konferenz stattfinden wird"
    )
    assert dated_clause(rest, "de") == (
        "Treffen der NATO-Außen- und -Verteidigungsminister am 1. Juni im Format einer Online-Konferenz"
    )
    assert dated_clause("auf einer Pressekonferenz in Brüssel", "de") is None


def test_reported_speech_is_restated_as_a_plain_statement():
    assert restate("die Allianz den Zugang zu ihrem Hauptquartier einschränken werde", "de", True) == (
        "Die Allianz wird den Zugang zu ihrem Hauptquartier einschränken"
    )
    assert (
        restate("Außerdem habe Moskau sein Verhalten verstärkt", "de", False)
        == "Außerdem hat Moskau sein Verhalten verstärkt"
    )
    assert restate("Und wir haben beschlossen, zu handeln.", None, False) == "Wir haben beschlossen, zu handeln."
    # no subject it can delimit: left alone, and a fragment (never chosen as a claim)
    assert restate("weil es schwierig sei", "de", True) == "Weil es schwierig ist"
    # a bare noun before a lower-case word is a subject; in a "dass" clause any last word is the verb
    assert restate("Dialog in einer solchen Situation besonders wichtig sei", "de", True) == (
        "Dialog ist in einer solchen Situation besonders wichtig"
    )
    assert restate("der Ansatz der NATO Abschreckung mit Offenheit für den Dialog verbindet", "de", True) == (
        "Der Ansatz der NATO verbindet Abschreckung mit Offenheit für den Dialog"
    )


@pytest.mark.parametrize(
    ("text", "language", "why"),
    [
        ("Weil es schwierig ist", "de", "a dependent clause"),
        ("Russland Truppen an die Grenze verlegt hat", "de", "a clause with its finite verb last"),
        ("Dialog in einer solchen Situation besonders wichtig ist", "de", "a clause with its finite verb last"),
        ("mit Offenheit für den Dialog verbindet", "de", "starts in the middle of a sentence"),
        ("That the summit was cancelled", "en", "a dependent clause"),
        ("Parce que le sommet a été annulé", "fr", "a dependent clause"),
        ("Porque la cumbre fue cancelada", "es", "a dependent clause"),
        # full sentences and headline-style claims are claims
        ("Das ist im Vertrag so festgelegt", "de", None),
        ("Die Preise sind im Mai gestiegen", "de", None),
        ("NATO-Gipfel am 14. Juni in Brüssel", "de", None),
        ("That decision was taken in 2021", "en", None),
        ("Since 2014 NATO has grown", "en", None),
        ("Während des Gipfels wurde über Afghanistan beraten", "de", None),
    ],
)
def test_a_fragment_is_told_from_a_sentence(text, language, why):
    assert fragment(text, language) == why


# -- ClaimReview ------------------------------------------------------------------------------------------------


def _report(verdicts: list[str], url: str | None = "https://example.org/a"):
    from service.schemas import ArticleClaimResult, ArticleReport, ArticleSummary, VerifyResponse

    claims = [
        ArticleClaimResult(
            index=i, text=f"claim {i}", sentence_index=i, start=0, end=5, sentence=f"sentence {i}", worthiness=0.7,
            speaker="Jens Stoltenberg" if i == 0 else None,
            result=VerifyResponse(claim=f"claim {i}", verdict=v, confidence=0.8, top_k=5, evidence=[], took_ms=1.0),
        )
        for i, v in enumerate(verdicts)
    ]  # fmt: skip
    return ArticleReport(
        title="T", language="de", published="2021-06-01", url=url, source_format="text", text="x", sentences=[],
        claims=claims, summary=ArticleSummary(sentences=0, claims=len(claims), verdicts={}), took_ms=1.0,
    )  # fmt: skip


def test_claimreview_maps_verdicts_to_ratings():
    import datetime as dt

    records = claim_reviews(
        _report(["SUPPORTED", "CONFLICTING", "REFUTED", "NOT_ENOUGH_INFO"]), "Newsroom", dt.date(2021, 6, 2)
    )
    assert [r["reviewRating"].get("ratingValue") for r in records] == [3, 2, 1, None]
    assert [r["reviewRating"]["alternateName"] for r in records] == [
        "SUPPORTED",
        "CONFLICTING",
        "REFUTED",
        "NOT_ENOUGH_INFO",
    ]
    for r in records:
        assert r["@context"] == "https://schema.org" and r["@type"] == "ClaimReview"
        assert r["datePublished"] == "2021-06-02" and r["author"] == {"@type": "Organization", "name": "Newsroom"}
        assert r["itemReviewed"]["@type"] == "Claim"
        assert r["itemReviewed"]["appearance"]["url"] == "https://example.org/a"
    assert "worstRating" not in records[3]["reviewRating"]
    assert records[0]["itemReviewed"]["author"] == {"@type": "Person", "name": "Jens Stoltenberg"}
    assert "appearance" not in claim_reviews(_report(["REFUTED"], url=None), "N")[0]["itemReviewed"]


# -- regressions from review ------------------------------------------------------------------------------------


def test_odd_relative_dates_are_left_alone():
    assert resolve_relative_dates("Die NATO traf sich am Dienſtag.", "2021-06-01", "de")[1] == []
    assert resolve_relative_dates("Die NATO trifft sich morgen.", "9999-12-31", "de") == (
        "Die NATO trifft sich morgen.",
        [],
    )
    assert resolve_relative_dates("Gestern sank der Kurs.", "0001-01-01", "de")[1] == []


@pytest.mark.parametrize(
    "sentence",
    [
        "In the first quarter of 2020, the company reported record profits of 5 billion euros.",
        "Die Inflation stieg im Mai auf 5 Prozent, so dass die EZB die Zinsen erhöhte.",
    ],
)
def test_a_verb_with_an_object_is_no_attribution(sentence):
    assert split_attribution(sentence) is None


def test_a_bare_name_subject_is_not_reordered():  # and what is left is a fragment (see above)
    assert (
        restate("Russland Truppen an die Grenze verlegt habe", "de", True)
        == "Russland Truppen an die Grenze verlegt hat"
    )


def _scored(text: str, scores: list[float]):
    from service.article.worthiness import ScoredSentence

    article = from_text(text)
    article.language = "en"
    sentences = split_article(article.text, "en")
    return article, [
        ScoredSentence(s, sc, rule_flags(s.text, "en"), None) for s, sc in zip(sentences, scores, strict=True)
    ]


def test_the_claim_cap_keeps_the_best_sentences_and_skips_overlong_ones():
    from service.article.claims import ClaimSelector

    text = (
        "NATO met in Brussels on 14 June. Italy won Euro 2020 at Wembley. " + "The list goes on " * 80 + "until here."
    )
    article, scored = _scored(text, [0.6, 0.9, 0.95])
    out = ClaimSelector(max_claim_chars=1000).run(article=article, scored=scored, max_claims=1, min_worthiness=0.5)
    assert [c.text for c in out["claims"]] == ["Italy won Euro 2020 at Wembley."]
    out = ClaimSelector(max_claim_chars=1000).run(article=article, scored=scored, max_claims=5, min_worthiness=0.5)
    assert len(out["claims"]) == 2 and all(len(c.text) <= 1000 for c in out["claims"])


def test_cli_checks_its_options_before_it_loads_an_index(tmp_path):
    from click.testing import CliRunner

    from service.cli.main import cli

    article = tmp_path / "a.txt"
    article.write_text("Die NATO tagte am 14. Juni in Brüssel.", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["check-article", str(article), "--max-claims", "0", "--index-dir", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "max_claims must be a whole number" in result.output
