"""From scored windows to evidence: what each passage says of the claim, and the sentence to cite.

The stance model's raw output is corrected with what it is known to get wrong, before any
passage is judged:

- a window that quotes the claim under test ("Claim: ...", "Behauptung: ...") is how a fact-check
  introduces a claim, not support for it: its entailment counts as neutral;
- a two-sentence window exists to complete a claim's support across a sentence break; the model
  over-reads contradiction in longer premises that add information, so such a window never
  contradicts more than its own single sentences do;
- a number, date or place of the claim that the window states differently, or an action of the claim whose
  opposite the window states ("disband" against "formed", service/verify/actions.py), moves the window's
  entailment towards contradiction ("summit on 15 June" read as entailed by "on 14 June"), and
  when the window otherwise names what the claim names (it is about the same event), some of its
  neutral mass too: the model often shrugs at "handed over in May 2017" against "in May 2019";
- a window that states every detail the claim gives the same way (at least two of numbers, dates
  and names agree, none differs) moves some of its contradiction towards entailment: the model
  over-reads contradiction when a headline-style claim meets a longer sentence that adds detail.

Each passage then keeps its strongest support and its strongest refutation, each with its
window; the more decisive of the two is the sentence cited.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
from haystack import component, default_from_dict, default_to_dict

from service.verify.consistency import check
from service.verify.types import Candidate, ScoredCandidate, Window
from service.verify.verdict import VerdictParams, params_from_dict, params_to_dict

# How fact-checks and reports introduce the claim they examine, in de, en, fr, es.
QUOTED_CLAIM = re.compile(
    r"^\W*(?:claim|the claim|behauptung|die behauptung|affirmation|l'affirmation|afirmación|la afirmación|"
    r"aussage|rumou?r|gerücht|viral(?:e)? (?:posts?|beiträge?)[^:]{0,40}|it is claimed|es wird behauptet|"
    r"on prétend|se afirma)\s*[:—–-]",
    re.IGNORECASE,
)


def is_quoted_claim(text: str) -> bool:
    return QUOTED_CLAIM.match(text) is not None


def adjust_window(
    window: Window, probs: np.ndarray, single_c: float | None, consistency, params: VerdictParams
) -> tuple[float, float, float]:
    """A window's (entailment, neutral, contradiction) after the corrections in the module docstring."""
    e, n, c = (float(x) for x in probs)
    if window.sentences > 1 and single_c is not None and c > single_c:
        n, c = n + c - single_c, single_c
    if is_quoted_claim(window.text):
        n, e = n + e, 0.0
    if consistency is None:
        return e, n, c
    fields = (consistency.numbers, consistency.dates, consistency.entities)
    if consistency.score < 0:  # a number, date, name or action differs
        moved = e * params.mismatch_transfer
        e, c = e - moved, c + moved
        if max(fields) > 0:
            moved = n * params.mismatch_neutral_transfer
            n, c = n - moved, c + moved
    elif sum(1 for f in fields if f > 0) >= 2:
        moved = c * params.match_transfer
        c, e = c - moved, e + moved
    return e, n, c


# below this, neither side of a passage settles the claim, and its most relevant sentence is cited
CITE_DECISIVE = 0.2


def gate(probs: tuple[float, float, float], relevance: float) -> tuple[float, float, float]:
    """A window's stance given how much it is about the claim: what is not about it is neutral."""
    e, n, c = probs
    return e * relevance, n + (1.0 - relevance) * (e + c), c * relevance


def judge_passages(
    claim: str,
    language: str | None,
    candidates: list[Candidate],
    windows: list[Window],
    probs: np.ndarray,
    params: VerdictParams,
    relevance: np.ndarray | None = None,
    cosines: np.ndarray | None = None,
) -> list[ScoredCandidate]:
    """One :class:`ScoredCandidate` per candidate that has a window.

    ``relevance`` (per window, 0 to 1; default all 1) scales each window's entailment and contradiction
    after the corrections, so a sentence not about the claim neither decides nor is cited."""
    if relevance is None:
        relevance = np.ones(len(windows), np.float32)
    single_c: dict[tuple[int, int], float] = {}
    for w, p in zip(windows, probs, strict=True):
        if w.sentences == 1:
            single_c[(w.candidate, w.start)] = float(p[2])
    # per passage: (gated stance, window index, consistency) of its strongest support and refutation
    best_e: dict[int, tuple[tuple[float, float, float], int, object]] = {}
    best_c: dict[int, tuple[tuple[float, float, float], int, object]] = {}
    best_r: dict[int, tuple[float, int]] = {}  # the passage's most relevant window: (relevance, window index)
    judged: list[tuple[tuple[float, float, float], int, object]] = []  # every window's, in the same shape
    counts: dict[int, int] = {}
    for j, (w, p) in enumerate(zip(windows, probs, strict=True)):
        counts[w.candidate] = counts.get(w.candidate, 0) + 1
        cand_lang = candidates[w.candidate].passage.meta.get("language")
        cons = check(claim, w.text, language, cand_lang)
        cap = None
        if w.sentences > 1:  # a pair is capped by the contradiction of its own sentences
            parts = [v for (ci, start), v in single_c.items() if ci == w.candidate and w.start <= start < w.end]
            cap = max(parts) if parts else None
        adj = gate(adjust_window(w, p, cap, cons, params), float(relevance[j]))
        judged.append((adj, j, cons))
        if w.candidate not in best_r or relevance[j] > best_r[w.candidate][0]:
            best_r[w.candidate] = (float(relevance[j]), j)
        if w.candidate not in best_e or adj[0] > best_e[w.candidate][0][0]:
            best_e[w.candidate] = judged[j]
        if w.candidate not in best_c or adj[2] > best_c[w.candidate][0][2]:
            best_c[w.candidate] = judged[j]
    out = []
    for i, cand in enumerate(candidates):
        if i not in best_e:  # a passage with no text: nothing to judge
            continue
        sup, ref = best_e[i], best_c[i]
        cited = sup if sup[0][0] >= ref[0][2] else ref
        top_relevance, top_window = best_r[i]
        if max(sup[0][0], ref[0][2]) < CITE_DECISIVE:
            # nothing in the passage settles the claim: cite the sentence most about it, not the
            # least neutral of the sentences about something else
            cited = judged[top_window]
        cosine = np.nan if cosines is None else float(cosines[cited[1]])
        out.append(
            ScoredCandidate(
                cand,
                windows[cited[1]],
                cited[0],
                consistency=cited[2],
                windows_scored=counts[i],
                max_entailment=sup[0][0],
                max_contradiction=ref[0][2],
                support_window=windows[sup[1]],
                refute_window=windows[ref[1]],
                support_consistency=sup[2],
                refute_consistency=ref[2],
                relevance=top_relevance,
                window_cosine=None if np.isnan(cosine) else round(cosine, 6),  # NaN: not embedded
            )
        )
    return out


@component
class PassageJudge:
    """For each claim, its candidates with their corrected stance and cited window."""

    def __init__(self, params: VerdictParams | None = None) -> None:
        self.params = params
        self._given = params  # what to_dict() writes: None stands for the packaged verdict.json

    def warm_up(self) -> None:
        if self.params is None:
            self.params = VerdictParams.load()

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, params=params_to_dict(self._given))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PassageJudge:
        data["init_parameters"]["params"] = params_from_dict(data["init_parameters"].get("params"))
        return default_from_dict(cls, data)

    @component.output_types(scored=list[list[ScoredCandidate]], ms=float)
    def run(
        self,
        claims: list[str],
        languages: list[str | None],
        candidates: list[list[Candidate]],
        windows: list[list[Window]],
        probs: list[np.ndarray],
        relevance: list[np.ndarray] | None = None,
        cosines: list[np.ndarray] | None = None,
    ) -> dict:
        started = time.perf_counter()
        self.warm_up()
        rels = relevance or [None] * len(claims)
        coss = cosines or [None] * len(claims)
        out = [
            judge_passages(claim, lang, cands, ws, p, self.params, rel, cos)
            for claim, lang, cands, ws, p, rel, cos in zip(
                claims, languages, candidates, windows, probs, rels, coss, strict=True
            )
        ]
        return {"scored": out, "ms": (time.perf_counter() - started) * 1000}
