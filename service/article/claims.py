"""Scored sentences in, the claims to check out: the most check-worthy sentences, each turned into the
text a claim check can use (attribution stripped, quotation marks removed, a pointing start replaced,
relative dates resolved), with where it came from and who said it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from haystack import component

from service.article.context import People, Replacement, resolve_start
from service.article.extract import ArticleText
from service.article.phrases import dated_clause, event_phrases
from service.article.relative_dates import ResolvedDate, resolve_relative_dates
from service.article.reword import fragment, restate
from service.article.speech import (
    clean_claim,
    is_speech_intro,
    quote_regions,
    speaker_of_intro,
    split_attribution,
    whole_quote,
)
from service.article.worthiness import ScoredSentence
from service.verify.consistency import extract_dates

MIN_CLAIM_WORDS = 3
LONG_CLAIM_WORDS = 12  # a longer claim also yields the named events in it as claims of their own


@dataclass
class ArticleClaim:
    """One claim to check, and where it came from."""

    sentence_index: int
    start: int  # offsets of its sentence in the article text
    end: int
    sentence: str
    text: str  # as checked
    worthiness: float
    speaker: str | None = None
    quote: bool = False
    replacements: list[Replacement] = field(default_factory=list)
    resolved_dates: list[ResolvedDate] = field(default_factory=list)


@dataclass
class SentenceRole:
    """What the claim step made of a sentence (reported for every sentence)."""

    candidate_texts: list[str]
    speaker: str | None
    quote: bool
    skipped: str | None  # why no claim comes from it: "introduces a quotation", ...
    context: str = ""  # the text a pointing start ("Er", "das Bündnis") is resolved against


def read_roles(article: ArticleText, scored: list[ScoredSentence], people: People) -> list[SentenceRole]:
    """Speaker, quotation and claim texts of every sentence, in article order (each sentence may lean on
    the one before: "Er sagte:", a pronoun, "das Bündnis")."""
    text, language = article.text, article.language
    regions = quote_regions(text)
    roles: list[SentenceRole] = []
    previous, quote_speaker = article.title or "", None
    for item in scored:
        s = item.sentence
        if is_speech_intro(s.text):
            who = speaker_of_intro(s.text)
            if who:
                who, _ = resolve_start(who, previous, article.title, people)
                quote_speaker = people.full(who)
            roles.append(SentenceRole([], quote_speaker, False, "introduces a quotation", previous))
            previous, _ = resolve_start(s.text, previous, article.title, people)
            continue
        if whole_quote(s.start, s.end, regions):
            roles.append(SentenceRole([restate(clean_claim(s.text), None, False)], quote_speaker, True, None, previous))
            continue  # a quotation does not change who "er" is
        quote_speaker = None
        attribution = split_attribution(s.text)
        speaker, texts = None, [clean_claim(s.text)]
        if attribution:
            speaker = attribution.speaker
            if speaker:
                speaker, _ = resolve_start(speaker, previous, article.title, people)
                speaker = people.full(speaker)
            texts = [restate(attribution.content, language, attribution.subordinate)]
            extra = dated_clause(attribution.rest, language)
            if extra and not extract_dates(attribution.content, language):
                texts.append(extra)
        if len(texts[0].split()) > LONG_CLAIM_WORDS:
            texts += [e for e in event_phrases(texts[0], language) if e not in texts]
        roles.append(SentenceRole(texts, speaker, False, None, previous))
        previous, _ = resolve_start(clean_claim(s.text), previous, article.title, people)
    return roles


@component
class ClaimSelector:
    """Choose the claims: sentences at or above ``min_worthiness`` (not questions, opinions or
    promises), the ``max_claims`` best of them, in article order."""

    def __init__(self, max_claim_chars: int = 1000) -> None:
        self.max_claim_chars = max_claim_chars  # a longer claim would be refused by the claim check

    @component.output_types(claims=list[ArticleClaim], roles=list[SentenceRole], note=str, ms=float)
    def run(self, article: ArticleText, scored: list[ScoredSentence], max_claims: int, min_worthiness: float) -> dict:
        started = time.perf_counter()
        people = People.of((article.title or "") + "\n" + article.text)
        roles = read_roles(article, scored, people)
        eligible = [
            (item, role)
            for item, role in zip(scored, roles, strict=True)
            if role.candidate_texts and not item.excluded and item.score >= min_worthiness
        ]
        # every eligible sentence gives its claims; the cap below keeps the best sentences' claims
        claims: list[ArticleClaim] = []
        for item, role in eligible:
            s = item.sentence
            for raw in role.candidate_texts:
                text, replaced = resolve_start(raw, role.context, article.title, people)
                text, dates = resolve_relative_dates(text, article.published, article.language)
                if len(text.split()) < MIN_CLAIM_WORDS or len(text) > self.max_claim_chars:
                    continue
                if fragment(text, article.language):  # half a sentence: nobody could check it alone
                    continue
                claims.append(
                    ArticleClaim(
                        sentence_index=s.index, start=s.start, end=s.end, sentence=s.text, text=text,
                        worthiness=item.score, speaker=role.speaker, quote=role.quote,
                        replacements=[replaced] if replaced else [], resolved_dates=dates,
                    )
                )  # fmt: skip
        # a sentence may give more than one claim: keep the best sentences' claims, then article order
        kept = sorted(range(len(claims)), key=lambda i: -claims[i].worthiness)[: max(max_claims, 0)]
        claims = [claims[i] for i in sorted(kept)]
        note = ""
        if not claims:
            if not scored:
                note = "the article has no sentences"
            elif eligible:
                note = (
                    "the check-worthy sentences gave no claim a check can use (half sentences, too short or too long)"
                )
            else:
                best = max(scored, key=lambda i: i.score)
                note = (
                    f"no sentence reached the check-worthiness of {min_worthiness:.2f} (the highest scored "
                    f"{best.score:.2f}); questions, opinions and promises are never checked"
                )
        return {"claims": claims, "roles": roles, "note": note, "ms": (time.perf_counter() - started) * 1000}
