"""Loaders for the labelled NLI / claim-evidence sets, with one label mapping and fixed splits.

Every loader yields :class:`Pair` rows (premise = evidence, hypothesis = claim). Evaluation
splits are fixed (XNLI validation, VitaminC by case_id, FEVER-Symmetric test, ANLI test) and
never overlap the training mix: training.mix.train_mix() removes any pair that also sits in an eval split.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LABELS = ("entailment", "neutral", "contradiction")
# One mapping for every set's spelling of the three stances.
_LABEL_MAP = {
    "entailment": 0,
    "e": 0,
    "0": 0,
    "supports": 0,
    "support": 0,
    "supported": 0,
    "neutral": 1,
    "n": 1,
    "1": 1,
    "not enough info": 1,
    "nei": 1,
    "not_supported": 1,
    "contradiction": 2,
    "c": 2,
    "2": 2,
    "refutes": 2,
    "refute": 2,
    "contradict": 2,
}
XNLI_LANGS = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: int
    source: str


def map_label(raw: object) -> int | None:
    """Map any set's label spelling onto 0/1/2; None for labels we do not use (e.g. SNLI '-')."""
    return _LABEL_MAP.get(str(raw).strip().lower())


def _pair(premise: str, hypothesis: str, raw_label: object, source: str) -> Pair | None:
    label = map_label(raw_label)
    premise, hypothesis = (premise or "").strip(), (hypothesis or "").strip()
    if label is None or not premise or not hypothesis:
        return None
    return Pair(premise, hypothesis, label, source)


def _jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def xnli_rows(root: Path, split: str, lang: str) -> list[tuple[str, str, int]]:
    """Rows of one XNLI file; row i is the same pair in every language."""
    rows = []
    with open(root / "xnli" / f"xnli_{split}_{lang}.tsv", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for rec in reader:
            rows.append((rec[1], rec[2], int(rec[3])))
    return rows


def xnli_pairs(root: Path, split: str, premise_lang: str, hypothesis_lang: str) -> list[Pair]:
    """XNLI with the premise in one language and the hypothesis in another (same row)."""
    prem = xnli_rows(root, split, premise_lang)
    hyp = xnli_rows(root, split, hypothesis_lang)
    src = f"xnli-{split}-{premise_lang}-{hypothesis_lang}"
    return [Pair(p[0], h[1], p[2], src) for p, h in zip(prem, hyp, strict=True)]


def _vitaminc_all(root: Path) -> list[tuple[str, Pair]]:
    out = []
    for name in ("vitaminc_real_dev.jsonl", "vitaminc_synthetic_dev.jsonl"):
        for rec in _jsonl(root / "vitaminc" / name):
            p = _pair(rec["evidence"], rec["claim"], rec["label"], "vitaminc")
            if p:
                out.append((rec["case_id"], p))
    return out


def vitaminc_split(case_id: str) -> str:
    """Fixed split by case_id, so contrastive siblings never straddle train and eval."""
    bucket = int(hashlib.sha1(case_id.encode()).hexdigest(), 16) % 100
    if bucket < 8:
        return "eval"
    if bucket < 11:
        return "calib"
    return "train"


def vitaminc_pairs(root: Path, split: str) -> list[Pair]:
    return [p for case, p in _vitaminc_all(root) if vitaminc_split(case) == split]


def fever_symmetric(root: Path, split: str = "test") -> list[Pair]:
    path = root / "fever-style" / f"fever_symmetric_v0.2_{split}.jsonl"
    return [p for rec in _jsonl(path) if (p := _pair(rec["evidence"], rec["claim"], rec["label"], "fever-sym"))]


def fever_other(root: Path) -> list[Pair]:
    out = []
    for name in ("fever_adversarial_fixers_test.jsonl", "fever_triggers_test.jsonl"):
        out += [
            p
            for rec in _jsonl(root / "fever-style" / name)
            if (p := _pair(rec["evidence"], rec["claim"], rec["label"], "fever-adv"))
        ]
    return out


def anli_pairs(root: Path, split: str) -> list[Pair]:
    out = []
    for rnd in ("R1", "R2", "R3"):
        out += [
            p
            for rec in _jsonl(root / "anli" / f"{rnd}_{split}.jsonl")
            if (p := _pair(rec["context"], rec["hypothesis"], rec["label"], f"anli-{rnd}"))
        ]
    return out


def snli_pairs(root: Path) -> list[Pair]:
    out = []
    for name in ("snli_1.0_dev.jsonl.gz", "snli_1.0_test.jsonl.gz"):
        out += [
            p
            for rec in _jsonl(root / "snli" / name)
            if (p := _pair(rec["sentence1"], rec["sentence2"], rec["gold_label"], "snli"))
        ]
    with open(root / "snli-cad" / "all_combined_train.tsv", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if p := _pair(rec["sentence1"], rec["sentence2"], rec["gold_label"], "snli-cad"):
                out.append(p)
    return out


def healthver_pairs(root: Path, split: str = "train") -> list[Pair]:
    # SOURCES.md: TEXT1 is the evidence, TEXT2 the claim.
    return [
        p
        for rec in _jsonl(root / "healthver" / f"{split}.jsonl")
        if (p := _pair(rec["TEXT1"], rec["TEXT2"], rec["LBL"], "healthver"))
    ]


def sick_pairs(root: Path) -> list[Pair]:
    with open(root / "sick" / "SICK.txt", encoding="utf-8") as fh:
        return [
            p
            for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            if (p := _pair(rec["sentence_A"], rec["sentence_B"], rec["entailment_judgment"], "sick"))
        ]


def source_part(source: str) -> str:
    """The training-mix part a pair's source belongs to (the keys of train_mix's counts)."""
    for prefix, part in (
        ("xnli", "xnli"),
        ("vitaminc", "vitaminc"),
        ("snli", "snli"),
        ("anli", "anli-dev"),
        ("healthver", "healthver"),
        ("sick", "sick"),
        ("fever-adv", "fever-adv"),
        ("unrelated", "unrelated"),
        ("fnc1", "fnc1"),
        ("arc", "arc"),
        ("lingnli", "lingnli"),
        ("taxinli", "taxinli"),
        ("covidfact", "covidfact"),
        ("lexical", "lexical"),
        ("translation", "translation"),
    ):
        if source.startswith(prefix):
            return part
    return source


def dedupe(pairs: list[Pair]) -> list[Pair]:
    """Drop repeated (premise, hypothesis) pairs, keeping the first label seen."""
    seen: set[tuple[str, str]] = set()
    out = []
    for p in pairs:
        key = (p.premise, p.hypothesis)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def eval_sets(root: Path) -> dict[str, list[Pair]]:
    """The fixed evaluation sets reported by the benchmark and the model card."""
    return {
        "xnli-de": xnli_pairs(root, "validation", "de", "de"),
        "xnli-en": xnli_pairs(root, "validation", "en", "en"),
        "xnli-de-en": xnli_pairs(root, "validation", "de", "en"),
        "xnli-en-de": xnli_pairs(root, "validation", "en", "de"),
        "vitaminc": vitaminc_pairs(root, "eval"),
        "fever-symmetric": fever_symmetric(root, "test"),
        "anli": anli_pairs(root, "test"),
    }


def calibration_set(root: Path, per_source: int = 1000, seed: int = 13) -> list[Pair]:
    """Held-out pairs for temperature scaling: VitaminC calib case_ids and XNLI validation in fr/es."""
    rng = random.Random(seed)
    vit = vitaminc_pairs(root, "calib")
    xn = xnli_pairs(root, "validation", "fr", "fr") + xnli_pairs(root, "validation", "es", "en")
    return rng.sample(vit, min(per_source, len(vit))) + rng.sample(xn, min(per_source, len(xn)))


MIX_VERSIONS = ("v1", "v2", "v3", "v4", "v5")
V3_REPLAY = 0.3  # the share of v2's parts that v3 keeps, so a stage sees the new parts without forgetting


def _xnli_part(root: Path, rng: random.Random, version: str) -> list[Pair]:
    """XNLI test rows in several language pairings, German and English favoured.

    v1 (stages 1 and 2) adds 4 sampled languages; v2 adds all 13 other languages with fewer
    rows each: more languages of the same 5,010 items, so the model compares a premise and a
    hypothesis across languages rather than memorising one translation.
    """
    others = [lang for lang in XNLI_LANGS if lang not in ("de", "en")]
    xnli = xnli_pairs(root, "test", "de", "de") + xnli_pairs(root, "test", "en", "en")
    xnli += xnli_pairs(root, "test", "de", "en") + xnli_pairs(root, "test", "en", "de")
    langs, with_en, alone = (rng.sample(others, 4), 1500, 1000) if version == "v1" else (others, 1200, 800)
    for lang in langs:
        xnli += rng.sample(xnli_pairs(root, "test", lang, "en"), with_en)
        xnli += rng.sample(xnli_pairs(root, "test", lang, lang), alone)
    return xnli


