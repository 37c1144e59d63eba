"""Sentence splitting for articles: our rules (corpus.sentences) against SoMaJo, on hand-split German
and English news text (bench/data/sentences_gold.json) and on the seed article.

    python bench/sentences.py

Prints boundary precision / recall / F1 and the time per 1,000 sentences of each splitter.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.sentences import split_sentences  # noqa: E402
from service.article.sentences import somajo_spans  # noqa: E402


def build(sample: dict) -> tuple[str, set[int]]:
    """The text (sentences joined by a space, paragraphs by a blank line) and its gold sentence ends."""
    text, ends = "", set()
    for p, para in enumerate(sample["paragraphs"]):
        if p:
            text += "\n\n"
        for s, sentence in enumerate(para):
            if s:
                text += " "
            text += sentence
            ends.add(len(text))
    return text, ends


def score(found: set[int], gold: set[int]) -> tuple[int, int, int]:
    return len(found & gold), len(found - gold), len(gold - found)


def main() -> None:
    samples = json.loads((ROOT / "bench/data/sentences_gold.json").read_text(encoding="utf-8"))
    splitters = {
        "ours (corpus.sentences)": lambda text, lang: split_sentences(text, lang),
        "SoMaJo": lambda text, lang: somajo_spans(text, lang),
    }
    print(f"{'splitter':<26}{'lang':<6}{'P':>7}{'R':>7}{'F1':>7}  errors")
    for name, split in splitters.items():
        for sample in samples:
            text, gold = build(sample)
            found = {end for _, end in split(text, sample["language"])}
            tp, fp, fn = score(found, gold)
            p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
            f1 = 2 * p * r / max(p + r, 1e-9)
            errs = [f"+{text[max(0, e - 12) : e]!r}" for e in sorted(found - gold)]
            errs += [f"-{text[max(0, e - 12) : e]!r}" for e in sorted(gold - found)]
            print(f"{name:<26}{sample['language']:<6}{p:>7.3f}{r:>7.3f}{f1:>7.3f}  {' '.join(errs)}")
    article = Path(ROOT.parent / "shared/data/articles/nato-russia-de.txt")
    if article.exists():
        text = article.read_text(encoding="utf-8")
        ours = split_sentences(text, "de")
        theirs = somajo_spans(text, "de")
        print(f"\nseed article: ours {len(ours)} sentences, SoMaJo {len(theirs)}; identical spans: {ours == theirs}")
        for a in sorted(set(ours) ^ set(theirs)):
            print("  differs:", "ours" if a in ours else "SoMaJo", repr(text[a[0] : a[1]][:80]))
    text = "\n\n".join(build(s)[0] for s in samples) * 20
    for name, split in splitters.items():
        split(text[:100], "de")  # load once
        started = time.perf_counter()
        n = len(split(text, "de"))
        ms = (time.perf_counter() - started) * 1000
        print(f"{name:<26} {ms / n * 1000:8.1f} ms per 1,000 sentences")


if __name__ == "__main__":
    main()
