import pytest

from corpus.sentences import split_sentences

pytestmark = pytest.mark.unit


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_german_ordinals_abbreviations_and_quotes():
    text = (
        "Das Treffen findet am 1. Juni statt. Der Gipfel folgt am 14. Juni in Brüssel. "
        'Es gab u.a. Gespräche, z.B. über ca. 20 Einheiten. Er sagte: "Wir evaluieren ständig." Danach ging er.'
    )
    assert sentences(text) == [
        "Das Treffen findet am 1. Juni statt.",
        "Der Gipfel folgt am 14. Juni in Brüssel.",
        "Es gab u.a. Gespräche, z.B. über ca. 20 Einheiten.",
        'Er sagte: "Wir evaluieren ständig."',
        "Danach ging er.",
    ]


def test_english_titles_initials_and_punctuation():
    text = "Dr. Smith met J. Stoltenberg in the U.S. capital. Was it useful? Yes! NATO (the alliance) met e.g. online."
    assert sentences(text) == [
        "Dr. Smith met J. Stoltenberg in the U.S. capital.",
        "Was it useful?",
        "Yes!",
        "NATO (the alliance) met e.g. online.",
    ]


def test_paragraph_break_ends_a_sentence_without_punctuation():
    text = "A headline without a full stop\n\nThe body starts here. It goes on."
    assert sentences(text) == ["A headline without a full stop", "The body starts here.", "It goes on."]


def test_spans_are_exact_offsets():
    text = "  Erste Zeile.   Zweite Zeile!\n\n Dritte?  "
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end]
    assert sentences(text) == ["Erste Zeile.", "Zweite Zeile!", "Dritte?"]


def test_lowercase_after_period_is_not_a_boundary():
    assert sentences("Version 3.5 ist da. es folgt mehr.") == ["Version 3.5 ist da. es folgt mehr."]


def test_german_text_reads_small_numbers_with_a_dot_as_ordinals():
    text = "Die 26. UN-Klimakonferenz fand in Glasgow statt. Bei der Wahl zum 20. Deutschen Bundestag gewann die SPD."
    assert sentences_de(text) == [
        "Die 26. UN-Klimakonferenz fand in Glasgow statt.",
        "Bei der Wahl zum 20. Deutschen Bundestag gewann die SPD.",
    ]
    # without the language, a number at the end of an English sentence still ends it
    assert sentences("The team scored 26. Then it rained.") == ["The team scored 26.", "Then it rained."]


def sentences_de(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text, "de")]
