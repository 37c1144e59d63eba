"""Article check: one batched claim check against the same claims checked one by one, the time per stage,
and how the check-worthiness score ranks hand-labelled news sentences.

    python bench/article.py                 # the seed article (../shared) and the English test article

Builds the sample index in a temporary folder (about half a minute), then for each article:
1. the article check as the service runs it (one embedding call, one stance call for all claims);
2. the same claims, each through ``/v1/claims/verify``'s path alone;
and prints both times, the speed-up and whether every verdict and confidence is identical. Those run with
no stance cache, so every check is scored in full. Then the stance cache (``FACTCHECK_STANCE_CACHE_SIZE``,
on by default): its hit rate and time on the first check of each article and on the article checked again.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import table  # noqa: E402

ARTICLES = [
    (ROOT.parent / "shared/data/articles/nato-russia-de.txt", "2021-06-01"),
    (ROOT / "tests/data/articles/euro-2020-final-en.txt", None),
]
RUNS = 3


def ranking(check) -> list[list[object]]:
    """ROC AUC and precision / recall at the default bar, of the rules, the classifier and their mean."""
    from sklearn.metrics import roc_auc_score

    from service.article.extract import from_text
    from service.article.rules import rule_score
    from service.article.sentences import split_article

    gold = json.loads((ROOT / "bench/data/article_worthiness.json").read_text(encoding="utf-8"))
    scorer = check.pipeline.get_component("worthiness")
    labels, rules, means = [], [], []
    for article in gold["articles"]:
        path = Path(article["path"].replace("shared:", str(ROOT.parent / "shared") + "/"))
        if not path.exists():
            continue
        text = from_text(path.read_text(encoding="utf-8"))
        text.language = article["language"]
        sentences = split_article(text.text, text.language)
        scored = scorer.run(sentences=sentences, article=text)["scored"]
        for (prefix, label), item in zip(article["sentences"], scored, strict=True):
            assert item.sentence.text.startswith(prefix), (prefix, item.sentence.text)
            labels.append(label)
            rules.append(rule_score(item.flags) if not item.excluded else item.score)
            means.append(item.score)
    learned = [2 * m - r for m, r in zip(means, rules, strict=True)]  # the mean's other half
    bar = check.settings.min_worthiness
    rows = []
    for name, scores in (("rules", rules), ("classifier", learned), ("mean (the service)", means)):
        chosen = [s >= bar for s in scores]
        tp = sum(c and y for c, y in zip(chosen, labels, strict=True))
        rows.append([name, roc_auc_score(labels, scores), tp / max(sum(chosen), 1), tp / max(sum(labels), 1)])
    return rows


def main() -> None:
    from bench.common import cpu_kind
    from index.build import build_index
    from service.article.check import ArticleCheck
    from service.claim_checker import ClaimChecker
    from service.index_config import build_config
    from service.runtime import configure_threads
    from service.settings import Settings
    from service.stance.hardware import choose_runtime

    print(f"CPU: {cpu_kind()}; stance runtime {choose_runtime()}\n")
    classifier = json.loads((ROOT / "service/article/worthiness.json").read_text(encoding="utf-8"))
    print(
        f"Check-worthiness classifier, GermEval 2021 test macro-F1 {classifier['germeval_test_macro_f1']} "
        f"(rules alone {classifier['rules_only_test_macro_f1']}; 5-fold CV on train {classifier['cv_macro_f1']})\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", threads=2, stance_cache_size=0)
        configure_threads(settings.threads)
        build_index(ROOT / "corpus" / "sample", settings.index_dir, build_config(settings))
        lookup = ClaimChecker.open(settings)
        check = ArticleCheck(settings, lookup)
        print("## Ranking of hand-labelled news sentences (bench/data/article_worthiness.json)\n")
        print(table(["score", "ROC AUC", f"precision at {settings.min_worthiness}", "recall"], ranking(check)), "\n")
        from service.article.reword import fragment

        rows, stages, fragments, chosen = [], [], [], []
        for path, published in ARTICLES:
            if not path.exists():
                print(f"(skipped {path}: not found)")
                continue
            text = path.read_text(encoding="utf-8")
            check.check(text=text, published=published)  # warm up
            batch_ms, one_ms = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                report = check.check(text=text, published=published)
                batch_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                alone = [lookup.verify(c.text, language=report.language) for c in report.claims]
                one_ms.append((time.perf_counter() - started) * 1000)
            same = all(a.verdict == c.result.verdict for a, c in zip(alone, report.claims, strict=True))
            # bf16 (the default with AMX or AVX512-BF16) moves a pair's numbers by ~1e-3 with its batch
            drift = max(abs(a.confidence - c.result.confidence) for a, c in zip(alone, report.claims, strict=True))
            b, o = statistics.median(batch_ms), statistics.median(one_ms)
            verify_ms = report.timings_ms["verify"]
            rows.append(
                [path.name, len(report.sentences), len(report.claims), b, verify_ms, o, o / verify_ms, same, drift]
            )
            stages.append([path.name] + [report.timings_ms.get(k, 0.0) for k in STAGE_KEYS])
            halves = [c.text for c in report.claims if fragment(c.text, report.language)]
            fragments.append([path.name, len(report.claims), len(halves), "; ".join(halves) or "-"])
            chosen.append(f"{path.name}:\n" + "\n".join(f"  - {c.text}" for c in report.claims))
        # the selector drops what this rule finds, so a count above 0 is a bug; the list is for a person
        # to read for the half sentences the rule misses
        print("## Claims that are no full sentence (target 0; service.article.reword.fragment)\n")
        print(table(["article", "claims", "fragments", "which"], fragments), "\n")
        print("The claims as checked:\n\n" + "\n".join(chosen) + "\n")
        print(f"## Batch against one by one (median of {RUNS} runs, ms)\n")
        print(
            table(
                [
                    "article",
                    "sentences",
                    "claims",
                    "article check",
                    "its verify step",
                    "same claims one by one",
                    "speed-up (verify)",
                    "identical verdicts",
                    "largest confidence difference",
                ],
                rows,
            )  # fmt: skip
        )
        print("\n## Time per stage of the last run (ms)\n")
        print(table(["article", *STAGE_KEYS], stages))
        print("\n## The stance cache (default size), each article checked twice\n")
        print(table(["article", "check", "stance pairs", "from the cache", "hit rate", "ms"], cache_rows(settings)))


def cache_rows(settings) -> list[list[object]]:
    from service.article.check import ArticleCheck
    from service.claim_checker import ClaimChecker
    from service.settings import Settings

    cached = settings.model_copy(update={"stance_cache_size": Settings().stance_cache_size})
    check = ArticleCheck(cached, ClaimChecker.open(cached))
    cache = check.lookup.verify_pipeline.get_component("stance").scorer.cache
    rows = []
    for path, published in ARTICLES:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for name in ("first", "again"):
            hits, misses = cache.hits, cache.misses
            started = time.perf_counter()
            check.check(text=text, published=published)
            ms = (time.perf_counter() - started) * 1000
            asked = cache.hits - hits + cache.misses - misses
            rows.append([path.name, name, asked, cache.hits - hits, (cache.hits - hits) / max(asked, 1), ms])
    return rows


STAGE_KEYS = [
    "extract",
    "sentences",
    "worthiness",
    "claims",
    "verify.embed",
    "verify.relevance",
    "verify.stance",
    "verify.judge",
    "total",
]

if __name__ == "__main__":
    main()
