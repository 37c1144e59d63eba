"""Language identification for documents that do not say their language."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, min_probability: float = 0.5) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when the text is too short to tell.

    A short claim rarely reaches 0.5 ("Der NATO-Gipfel 2021 fand in Madrid statt": de at 0.43), and
    a wrong guess there costs less than none (stemming, number words), so claims pass a lower bar.
    """
    sample = " ".join(text.split())[:2000]
    if len(sample) < 12:
        return None
    lang, prob = _identifier().classify(sample)
    return lang if prob >= min_probability else None
