"""The v3 additions to the training mix: ``../shared/data/nli-extra/`` (provenance and licences in its
SOURCES.md) and pairs made on purpose for fact-checking.

- **Unrelated pairs labelled neutral** (``unrelated-*``): a premise of one XNLI row with the hypothesis
  of another row, in the same or in two languages. NLI data teaches that two captions of different
  scenes contradict; in fact-checking, text that is not about the claim says nothing of it.
- **Headline-style claims** against news text: FNC-1 and ARC (headline = claim, the body's opening =
  evidence): agree is entailment, disagree contradiction, discuss and unrelated neutral. The body is cut
  to its first sentences, where these stories state their stance, so the pair fits a sentence window.
- LingNLI and TaxiNLI (MultiNLI-style pairs); COVID-Fact's claim/evidence pairs (its not_entailment
  claims are made counter-claims, so contradiction).

FNC-1's competition test stays held out (``fnc1_pairs(root, "test")``), as the news evaluation. FEVER's
dev pairs are left out: they may overlap FEVER-Symmetric, an evaluation set. IMPPRES and Breaking NLI
(template-made) are not used.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

from training.data import XNLI_LANGS, Pair, _pair, xnli_rows

FNC_LABELS = {"agree": "entailment", "disagree": "contradiction", "discuss": "neutral", "unrelated": "neutral"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def opening(body: str, sentences: int = 3, max_chars: int = 400) -> str:
    """The first sentences of a news body (its lede), at most ``max_chars``."""
    text = " ".join(body.split())
    parts = _SENTENCE_END.split(text)
    out = " ".join(parts[:sentences])
    return out[:max_chars].rsplit(" ", 1)[0] if len(out) > max_chars else out


def _bodies(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8") as fh:
        return {row["Body ID"]: row["articleBody"] for row in csv.DictReader(fh)}


def _stances(paths: list[Path], bodies: dict[str, str], source: str) -> list[Pair]:
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                body = bodies.get(row["Body ID"])
                label = FNC_LABELS.get(row["Stance"].strip().lower())
                if body and label and (p := _pair(opening(body), row["Headline"], label, f"{source}-{row['Stance']}")):
                    out.append(p)
    return out


def fnc1_pairs(extra: Path, split: str = "train") -> list[Pair]:
    """FNC-1 headline/body stance; ``test`` is the competition test (held out for evaluation)."""
    folder = extra / "fnc1"
    if split == "test":
        bodies = _bodies(folder / "competition_test_bodies.csv")
        return _stances([folder / "competition_test_stances.csv"], bodies, "fnc1-test")
    bodies = _bodies(folder / "train_bodies.csv")
    return _stances(sorted(folder.glob("train_stances_part*.csv")), bodies, "fnc1")


def arc_pairs(extra: Path) -> list[Pair]:
    folder = extra / "arc_stance"
    return _stances([folder / "arc_stances_train.csv"], _bodies(folder / "arc_bodies.csv"), "arc")


def lingnli_pairs(extra: Path) -> list[Pair]:
    out = []
    for path in sorted((extra / "lingnli").glob("*train*.jsonl")):
        for line in path.open(encoding="utf-8"):
            if line.strip():
                rec = json.loads(line)
                if p := _pair(rec["premise"], rec["hypothesis"], rec["label"], "lingnli"):
                    out.append(p)
    return out


def taxinli_pairs(extra: Path) -> list[Pair]:
    with open(extra / "taxinli" / "taxinli10k.tsv", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [p for rec in reader if (p := _pair(rec["prem"], rec["hyp"], rec["label"], "taxinli"))]


def covidfact_pairs(extra: Path) -> list[Pair]:
    out = []
    with open(extra / "covidfact" / "RTE-covidfact_train.tsv", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            label = "entailment" if rec["label"] == "entailment" else "contradiction"
            if p := _pair(rec["sentence1"], rec["Sentence2"], label, "covidfact"):
                out.append(p)
    return out


def unrelated_pairs(nli_root: Path, count: int, rng: random.Random) -> list[Pair]:
    """XNLI test premises with another row's hypothesis, labelled neutral; half of them across languages.

    The news languages (de, en, fr, es) are favoured; the others come in for variety."""
    news = ("de", "en", "fr", "es")
    langs = [*news, *news, *(lang for lang in XNLI_LANGS if lang not in news)]
    rows = {lang: xnli_rows(nli_root, "test", lang) for lang in set(langs)}
    n = len(rows["en"])
    out = []
    for k in range(count):
        i, j = rng.randrange(n), rng.randrange(n)
        if abs(i - j) < 3:  # XNLI rows come in threes on one premise: those are related
            j = (i + n // 2) % n
        premise_lang = rng.choice(langs)
        hypothesis_lang = premise_lang if k % 2 else rng.choice([x for x in news if x != premise_lang])
        out.append(
            Pair(
                rows[premise_lang][i][0], rows[hypothesis_lang][j][1], 1, f"unrelated-{premise_lang}-{hypothesis_lang}"
            )
        )
    return out


def v3_parts(nli_root: Path, rng: random.Random) -> dict[str, list[Pair]]:
    """The parts v3 adds to v2 (sampled to the sizes a CPU stage can see)."""
    extra = nli_root.parent / "nli-extra"
    fnc = fnc1_pairs(extra, "train")
    by_kind: dict[str, list[Pair]] = {}
    for p in fnc:
        by_kind.setdefault(p.source, []).append(p)
    fnc_mix = by_kind.get("fnc1-agree", []) + by_kind.get("fnc1-disagree", []) * 2  # the rare side, twice
    fnc_mix += rng.sample(by_kind.get("fnc1-discuss", []), min(3000, len(by_kind.get("fnc1-discuss", []))))
    fnc_mix += rng.sample(by_kind.get("fnc1-unrelated", []), min(3000, len(by_kind.get("fnc1-unrelated", []))))
    arc = arc_pairs(extra)
    arc = [p for p in arc if not p.source.endswith("unrelated")] + rng.sample(
        [p for p in arc if p.source.endswith("unrelated")], 1000
    )
    lingnli = lingnli_pairs(extra)
    return {
        "unrelated": unrelated_pairs(nli_root, 8000, rng),
        "fnc1": fnc_mix,
        "arc": arc,
        "lingnli": rng.sample(lingnli, min(10000, len(lingnli))),
        "taxinli": taxinli_pairs(extra),
        "covidfact": covidfact_pairs(extra),
    }
