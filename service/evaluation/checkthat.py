"""CheckThat! task 2, "detecting previously fact-checked claims": tweets matched to Snopes fact-checks.

Reads ``../shared/data/benchmarks/claim-matching/`` (see its SOURCES.md): the 2020 task 2 sets and the
2022 task 2A English sets. Measures the product's matcher (:mod:`service.verify.prior`) beside BM25 alone,
over the same fact-check collection (:class:`index.factchecks.FactCheckIndex`), with the official
measures: MAP@1, MAP@5, MRR and recall@5, and the claims matched per second.

The sets overlap: the 2022 train tweets include the 2020 train and dev tweets, and the 2022 dev tweets
are the 2020 test tweets. So ``fit`` uses the 2022 train set alone: the weights on four fifths of it, the
variant chosen on the other fifth (every fifth tweet), the threshold on all of it. The 2022 dev (= the
2020 test) and the 2022 dev-test are then both held out.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from corpus.factcheck import FactCheck
from index.factchecks import FactCheckIndex
from service.verify.prior.match import gather, ranked
from service.verify.prior.matcher import (
    ABSOLUTE_FEATURES,
    FEATURES,
    MatcherParams,
    feature_rows,
    fit_logistic,
    scaled_cosine,
    shown_score,
)

TASKS = {
    "2020": "clef2020_task2",
    "2022": "clef2022_task2a_en",
}
_URL = re.compile(r"(https?://\S+|pic\.twitter\.com/\S+)")


@dataclass
class Split:
    name: str
    queries: dict[str, str]
    qrels: dict[str, set[str]]


@dataclass
class Task:
    name: str
    fact_checks: list[FactCheck]
    splits: dict[str, Split] = field(default_factory=dict)


def clean_tweet(text: str) -> str:
    """A tweet as a claim: links dropped, and @ and # taken off the words they mark."""
    return " ".join(_URL.sub(" ", text).replace("@", "").replace("#", "").split())


def _tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh, delimiter="\t") if row]


def _qrels(path: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in _tsv(path):
        query, _, target, relevant = (row + ["1"])[:4] if len(row) < 4 else row[:4]
        if relevant.strip() != "0":
            found.setdefault(query.strip(), set()).add(target.strip())
    return found


def _queries(path: Path) -> dict[str, str]:
    rows = _tsv(path)
    if rows and rows[0][0] in ("", "tweet_id", "id"):
        rows = rows[1:]
    return {row[0].strip(): clean_tweet(row[1]) for row in rows if len(row) >= 2}


def load_task(root: Path, name: str) -> Task:
    """One of :data:`TASKS` from ``root`` (the claim-matching folder). :class:`FileNotFoundError` names what is missing."""
    folder = Path(root) / TASKS[name]
    if name == "2020":
        rows = _tsv(folder / "v3.0" / "verified_claims.docs.tsv")
        checks = [
            FactCheck(id=r[0], claim=r[1], title=r[2] if len(r) > 2 else None, language="en")
            for r in rows[1:]
            if len(r) >= 2 and r[1].strip()
        ]
        task = Task(name, checks)
        for split, sub in (("train", "v3.0/train"), ("dev", "v3.0/dev"), ("test", "test")):
            task.splits[split] = Split(
                split, _queries(folder / sub / "tweets.queries.tsv"), _qrels(folder / sub / "tweet-vclaim-pairs.qrels")
            )
        return task
    checks = []
    with open(folder / "vclaims.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("vclaim", "").strip():
                checks.append(FactCheck(id=rec["vclaim_id"], claim=rec["vclaim"], title=rec.get("title"), language="en"))
    task = Task(name, checks)
    data = folder / "original_twitter_data"
    train_dev = _queries(data / "training_data" / "CT2022-Task2A-EN-Train-Dev_Queries.tsv")
    for split, qrels_file in (("train", "CT2022-Task2A-EN-Train_QRELs.tsv"), ("dev", "CT2022-Task2A-EN-Dev_QRELs.tsv")):
        qrels = _qrels(data / "training_data" / qrels_file)
        task.splits[split] = Split(split, {q: train_dev[q] for q in qrels if q in train_dev}, qrels)
    task.splits["test"] = Split(
        "test",
        _queries(data / "test_data" / "CT2022-Task2A-EN-Dev-Test_Queries.tsv"),
        _qrels(data / "test_data" / "CT2022-Task2A-EN-Dev-Test_QRELs.tsv"),
    )
    return task


# --- measures ----------------------------------------------------------------------------------
def average_precision(ranking: list[str], relevant: set[str], k: int) -> float:
    hits, total = 0, 0.0
    for i, item in enumerate(ranking[:k], start=1):
        if item in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), k) if relevant else 0.0


def measures(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    queries = [q for q in qrels if q in rankings]
    if not queries:
        return {}

    def rr(q: str) -> float:
        return next((1.0 / i for i, item in enumerate(rankings[q], start=1) if item in qrels[q]), 0.0)

    return {
        "MAP@1": float(np.mean([average_precision(rankings[q], qrels[q], 1) for q in queries])),
        "MAP@5": float(np.mean([average_precision(rankings[q], qrels[q], 5) for q in queries])),
        "MRR": float(np.mean([rr(q) for q in queries])),
        "recall@5": float(np.mean([len(set(rankings[q][:5]) & qrels[q]) / len(qrels[q]) for q in queries])),
        "queries": float(len(queries)),
    }


# --- embedding, cached -------------------------------------------------------------------------
Embed = Callable[[list[str]], np.ndarray]


def cached_vectors(texts: list[str], embed: Embed, cache: Path | None, key: str) -> np.ndarray:
    """``embed(texts)``, kept in ``cache`` under a hash of ``key`` and the texts (the benchmark is rerun often)."""
    digest = hashlib.sha256(key.encode())
    for text in texts:
        digest.update(text.encode() + b"\0")
    path = Path(cache) / f"checkthat-{digest.hexdigest()[:20]}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path)
    vectors = embed(texts)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


# --- runs ----------------------------------------------------------------------------------------
@dataclass
class Prepared:
    task: Task
    index: FactCheckIndex
    query_vectors: dict[str, np.ndarray]  # split -> (n, d), in split.queries order
    embed_seconds: float = 0.0


def prepare(task: Task, embed: Embed, cache: Path | None, model_key: str) -> Prepared:
    started = time.perf_counter()
    texts = [c.text for c in task.fact_checks]
    vectors = cached_vectors(texts, embed, cache, f"{model_key}:factchecks")
    index = FactCheckIndex.build(task.fact_checks, vectors)
    queries = {
        split: cached_vectors(list(s.queries.values()), embed, cache, f"{model_key}:queries")
        for split, s in task.splits.items()
    }
    return Prepared(task, index, queries, round(time.perf_counter() - started, 1))


def bm25_rankings(prep: Prepared, split: str, depth: int = 20) -> dict[str, list[str]]:
    s = prep.task.splits[split]
    hits = prep.index.lexical(list(s.queries.values()), depth, ["en"] * len(s.queries))
    return {q: [prep.index.records[r].id for r, _ in h] for q, h in zip(s.queries, hits, strict=True)}


Scored = dict[str, list[tuple[str, float, float]]]  # query -> (fact-check id, ranking prob, absolute prob), best first


def matcher_rankings(
    prep: Prepared,
    split: str,
    params: MatcherParams,
    scales: dict[str, tuple[float, float]],
    without_gold: bool = False,
    index: FactCheckIndex | None = None,
) -> tuple[Scored, float]:
    """Per query, its candidates best first; and the seconds the matching took (embedding apart).

    ``without_gold``: each query's own fact-checks are taken out of the collection first, so that what
    is left is what a claim no one has checked yet meets (its runner-ups, now first). ``index``: another
    collection than the task's (a small one, :func:`small_collection`)."""
    s = prep.task.splits[split]
    index = index or prep.index
    exclude = None
    if without_gold:
        exclude = [{index.row_of[i] for i in s.qrels.get(q, set()) if i in index.row_of} for q in s.queries]
    started = time.perf_counter()
    found = ranked(index, prep.query_vectors[split], list(s.queries.values()), ["en"] * len(s.queries), params, scales, exclude)
    seconds = time.perf_counter() - started
    out = {q: [(index.records[r].id, p, a) for r, p, a in f] for q, f in zip(s.queries, found, strict=True)}
    return out, seconds


def order(scored: Scored) -> dict[str, list[str]]:
    return {q: [i for i, _, _ in r] for q, r in scored.items()}


def small_collection(prep: Prepared, split: str, size: int = 200, seed: int = 0) -> FactCheckIndex:
    """The split's gold fact-checks among ``size`` others drawn at random: a newsroom's own small
    collection, where a candidate's runner-ups are mostly unrelated."""
    rng = np.random.default_rng(seed)
    gold = {prep.index.row_of[i] for rel in prep.task.splits[split].qrels.values() for i in rel if i in prep.index.row_of}
    others = [r for r in rng.permutation(len(prep.index)).tolist() if r not in gold][:size]
    rows = sorted(gold | set(others))
    return FactCheckIndex.build([prep.index.records[r] for r in rows], prep.index.vectors()[rows])


def training_rows(
    prep: Prepared, split: str, params: MatcherParams, scales: dict[str, tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every candidate retrieval gives the split's queries."""
    s = prep.task.splits[split]
    queries = list(s.queries)
    dense = prep.index.dense(prep.query_vectors[split], params.depth)
    lexical = prep.index.lexical([s.queries[q] for q in queries], params.depth, ["en"] * len(queries))
    xs, ys = [], []
    for i, q in enumerate(queries):
        cands = gather(prep.index, prep.query_vectors[split][i], s.queries[q], "en", dense[i], lexical[i], scales)
        xs.append(feature_rows(cands, params.runner_up_floor, params.bm25_floor))
        ys.extend(prep.index.records[c.row].id in s.qrels.get(q, set()) for c in cands)
    return np.vstack(xs), np.asarray(ys, dtype=np.float64)


def shown_precision(scored: Scored, qrels: dict[str, set[str]], params: MatcherParams, top_k: int = 3) -> dict[str, float]:
    """Of the matches a user would see (:func:`service.verify.prior.match.select`): the share that are right, how
    many a claim, and the share of queries whose gold fact-check is shown. On rankings made without the
    gold (``matcher_rankings(without_gold=True)``) every match shown is wrong."""
    shown = right = found = 0
    for q, ranking in scored.items():
        gold = qrels.get(q, set())
        visible = [i for i, p, a in ranking if shown_score(p, a, params) is not None][:top_k]
        shown += len(visible)
        right += sum(i in gold for i in visible)
        found += any(i in gold for i in visible)
    return {
        "precision": right / shown if shown else 1.0,
        "shown_per_claim": shown / max(len(scored), 1),
        "recall": found / max(len(scored), 1),
    }


def _precision(runs: list[Scored], qrels: dict[str, set[str]], params: MatcherParams) -> tuple[float, int]:
    shown = right = 0
    for scored in runs:
        m = shown_precision(scored, qrels, params)
        n = round(m["shown_per_claim"] * len(scored))
        shown += n
        right += round(m["precision"] * n)
    return (right / shown if shown else 1.0), right


def pick_thresholds(runs: list[Scored], qrels: dict[str, set[str]], params: MatcherParams) -> tuple[float, float]:
    """The two thresholds: first the absolute model's alone, the lowest at which its matches are right at
    ``absolute_target_precision``; then the ranking model's, the lowest at which both together are right
    at ``target_precision``. ``runs``
    are the same tweets with their fact-checks indexed and without them (claims no one has checked)."""
    grid = [float(t) for t in np.round(np.arange(0.05, 1.0, 0.01), 2)] + [1.01]
    absolute = next(
        (t for t in grid if _precision(runs, qrels, replace(params, threshold=1.01, absolute_threshold=t))[0]
         >= params.absolute_target_precision),
        1.01,
    )
    ranking = next(
        (t for t in grid if _precision(runs, qrels, replace(params, threshold=t, absolute_threshold=absolute))[0]
         >= params.target_precision),
        1.01,
    )
    return ranking, absolute


def split_train(prep: Prepared) -> None:
    """Add the 2022 train set's two parts: ``fit`` (four tweets in five) and ``choose`` (every fifth)."""
    train = prep.task.splits["train"]
    names = list(train.queries)
    for part, keep in (("fit", lambda i: i % 5 != 4), ("choose", lambda i: i % 5 == 4)):
        rows = [i for i in range(len(names)) if keep(i)]
        queries = {names[i]: train.queries[names[i]] for i in rows}
        prep.task.splits[part] = Split(part, queries, {q: train.qrels[q] for q in queries if q in train.qrels})
        prep.query_vectors[part] = prep.query_vectors["train"][rows]


def fit(
    prep: Prepared, scales: dict[str, tuple[float, float]], base: MatcherParams, say: Callable[[str], None]
) -> MatcherParams:
    """Both models' weights fitted on four fifths of 2022 train, the ranking model's variant with the best
    MAP@5 on the other fifth, the thresholds on all of train (see the module's docstring for why dev is
    not used)."""
    split_train(prep)
    # the level a runner-up reaches in a large collection: a high percentile of the second dense hit's
    second = [hits[1][1] for hits in prep.index.dense(prep.query_vectors["fit"], 2) if len(hits) > 1]
    floor = round(float(np.percentile([scaled_cosine(c, "en", "en", scales) for c in second], 90)), 4)
    say(f"  runner-up floor (90th percentile of the second candidate's scaled cosine): {floor}")
    fit_split = prep.task.splits["fit"]
    tops = prep.index.lexical(list(fit_split.queries.values()), 1, ["en"] * len(fit_split.queries))
    bm25_floor = round(float(np.median([hits[0][1] for hits in tops if hits])), 4)
    say(f"  BM25 floor (median best BM25 score): {bm25_floor}")
    base = replace(base, runner_up_floor=floor, bm25_floor=bm25_floor)
    x, y = training_rows(prep, "fit", base, scales)
    cols = [FEATURES.index(f) for f in ABSOLUTE_FEATURES]
    w, b = fit_logistic(x[:, cols], y, l2=1e-2)
    base = replace(
        base,
        absolute_weights={f: round(float(v), 4) for f, v in zip(ABSOLUTE_FEATURES, w, strict=True)},
        absolute_bias=round(b, 4),
    )
    best: tuple[float, MatcherParams] | None = None
    variants = {
        "all features": FEATURES,
        "no detail check": tuple(f for f in FEATURES if f != "mismatch"),
        "cosine only": ("cosine", "margin", "dense_rank"),
        "no ranks": ("cosine", "margin", "bm25_share", "bm25_size", "mismatch"),
    }
    for name, kept in variants.items():
        for l2 in (1e-2, 1.0):
            cols = [FEATURES.index(f) for f in kept]
            w, b = fit_logistic(x[:, cols], y, l2=l2)
            weights = dict.fromkeys(FEATURES, 0.0)
            weights.update({f: round(float(v), 4) for f, v in zip(kept, w, strict=True)})
            params = replace(base, weights=weights, bias=round(b, 4))
            chosen, _ = matcher_rankings(prep, "choose", params, scales)
            score = measures(order(chosen), prep.task.splits["choose"].qrels)["MAP@5"]
            say(f"  {name}, l2 {l2:g}: MAP@5 {score:.4f} on the fifth of train held back")
            if best is None or score > best[0]:
                best = (score, params)
    assert best is not None
    params = best[1]
    runs = [matcher_rankings(prep, "train", params, scales, without_gold=gone)[0] for gone in (False, True)]
    params.threshold, params.absolute_threshold = pick_thresholds(runs, prep.task.splits["train"].qrels, params)
    params.fitted_on = (
        f"CheckThat! 2022 task 2A English train only ({len(prep.task.splits['train'].queries)} tweets): weights on "
        f"4/5, the ranking model's variant on the other 1/5, the thresholds on all of it at precision "
        f"{params.target_precision} (the absolute model's alone at {params.absolute_target_precision})"
    )
    return params


def entailment_rerank(
    rankings: dict[str, list[str]],
    queries: dict[str, str],
    texts: dict[str, str],
    probabilities: Callable[[list[str], list[str]], np.ndarray],
    depth: int = 5,
) -> dict[str, list[str]]:
    """The other "same claim" decision the issue names: the stance cross-encoder's entailment in both
    directions (the smaller of the two), over the matcher's first ``depth`` candidates."""
    pairs = [(q, i) for q, ranking in rankings.items() for i in ranking[:depth]]
    premises = [queries[q] for q, i in pairs] + [texts[i] for q, i in pairs]
    hypotheses = [texts[i] for q, i in pairs] + [queries[q] for q, i in pairs]
    entail = probabilities(premises, hypotheses)[:, 0]
    both = np.minimum(entail[: len(pairs)], entail[len(pairs) :])
    scored: dict[str, list[tuple[str, float]]] = {q: [] for q in rankings}
    for (q, i), s in zip(pairs, both, strict=True):
        scored[q].append((i, float(s)))
    return {q: [i for i, _ in sorted(v, key=lambda t: -t[1])] + rankings[q][depth:] for q, v in scored.items()}
