"""``factcheck eval checkthat DIR``: prior fact-check matching on CheckThat! task 2, beside BM25 alone."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from service.cli.common import CLIError, is_terminal, make_settings

# what each set was to the fitting (service/evaluation/checkthat.py): 2022 train fits everything; 2020
# train and dev are inside it; 2022 dev is the 2020 test; neither it nor the 2022 dev-test is fitted on
ROLES = {
    "2022 train": "fitted on",
    "2022 dev": "held out",
    "2022 test": "held out",
    "2020 train": "in 2022 train",
    "2020 dev": "in 2022 train",
    "2020 test": "= 2022 dev",
}


def default_dir() -> Path:
    from service.evaluation.datasets import REPO_ROOT

    return REPO_ROOT.parent / "shared" / "data" / "benchmarks" / "claim-matching"


def run_checkthat(path: Path | None, refit: bool, as_json: bool, stance: bool = True) -> None:
    """Measure (and with ``refit``, fit) the matcher on both tasks; see service/evaluation/checkthat.py."""
    from dataclasses import asdict

    import numpy as np

    from index.embedders import document_embedder, embedding_dimension
    from service.evaluation import checkthat
    from service.model_names import resolve_model_path
    from service.runtime import configure_threads
    from service.verify.prior.matcher import MatcherParams
    from service.verify.verdict import VerdictParams

    root = Path(path) if path else default_dir()
    if not root.is_dir():
        raise CLIError(f"no CheckThat! data at {root}; pass the claim-matching folder as DIR", 2)
    settings = make_settings()
    configure_threads(settings.threads)
    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    embedder = document_embedder(model_path, settings.query_prefix, settings.embed_batch_size, progress_bar=is_terminal())
    dimension = embedding_dimension(embedder)

    def embed(texts: list[str]) -> np.ndarray:
        from haystack import Document

        docs = embedder.run(documents=[Document(content=t) for t in texts])["documents"]
        return np.asarray([d.embedding for d in docs], dtype=np.float32).reshape(len(texts), dimension)

    scales = VerdictParams.load().cosine_scale
    params = MatcherParams.load()
    cache = settings.model_cache_dir / "eval" / "checkthat"
    model_key = f"{settings.embedding_model}:{settings.query_prefix}"
    report: dict = {"matcher": {}, "bm25": {}, "claims_per_s": {}}
    prepared = {}
    for name in ("2022", "2020"):
        try:
            task = checkthat.load_task(root, name)
        except FileNotFoundError as exc:
            raise CLIError(f"CheckThat! {name} data incomplete: {exc}", 2) from exc
        click.echo(f"CheckThat! {name}: embedding {len(task.fact_checks)} fact-checks and the tweets (cached) ...", err=True)
        prepared[name] = checkthat.prepare(task, embed, cache, model_key)
    if refit:
        click.echo("Fitting the matcher on 2022 train (weights on 4/5, the variant on 1/5):", err=True)
        params = checkthat.fit(prepared["2022"], scales, params, lambda line: click.echo(line, err=True))
    for name, prep in prepared.items():
        for split in ("train", "dev", "test"):
            qrels = prep.task.splits[split].qrels
            ours, seconds = checkthat.matcher_rankings(prep, split, params, scales)
            started = time.perf_counter()
            bm25 = checkthat.bm25_rankings(prep, split)
            bm25_seconds = time.perf_counter() - started
            key = f"{name} {split}"
            report["matcher"][key] = checkthat.measures(checkthat.order(ours), qrels)
            report["matcher"][key]["shown"] = checkthat.shown_precision(ours, qrels, params)
            alone, _ = checkthat.matcher_rankings(prep, split, params, scales, without_gold=True)
            report["matcher"][key]["shown_without_gold"] = checkthat.shown_precision(alone, qrels, params)
            report["bm25"][key] = checkthat.measures(bm25, qrels)
            n = max(len(ours), 1)
            report["claims_per_s"][key] = {"matcher": round(n / max(seconds, 1e-9), 1), "bm25": round(n / max(bm25_seconds, 1e-9), 1)}
    # a newsroom's own small collection: the held-out sets' fact-checks among 200 others
    report["small"] = {}
    for name, split in (("2022", "test"), ("2022", "dev")):
        prep, qrels = prepared[name], prepared[name].task.splits[split].qrels
        small = checkthat.small_collection(prep, split)
        ours, _ = checkthat.matcher_rankings(prep, split, params, scales, index=small)
        alone, _ = checkthat.matcher_rankings(prep, split, params, scales, without_gold=True, index=small)
        report["small"][f"{name} {split}"] = {
            "collection": len(small),
            **checkthat.measures(checkthat.order(ours), qrels),
            "shown": checkthat.shown_precision(ours, qrels, params),
            "shown_without_gold": checkthat.shown_precision(alone, qrels, params),
        }
    # the alternative "same claim" step, side by side: the stance model's mutual entailment (2022 dev and dev-test)
    if stance:
        from service.verify.stance import shared_scorer

        scorer = shared_scorer(settings)
        scorer.warm_up()
        report["entailment"] = {}
        prep = prepared["2022"]
        texts = {r.id: r.text for r in prep.index.records}
        for split in ("dev", "test"):
            s = prep.task.splits[split]
            ours, _ = checkthat.matcher_rankings(prep, split, params, scales)
            started = time.perf_counter()
            again = checkthat.entailment_rerank(checkthat.order(ours), s.queries, texts, scorer.probabilities)
            seconds = time.perf_counter() - started
            m = checkthat.measures(again, s.qrels)
            m["claims_per_s"] = round(len(ours) / seconds, 1)
            report["entailment"][f"2022 {split}"] = m
    if refit:
        params.measured = {
            f"{kind} {key}": {
                "MAP@5": round(v["MAP@5"], 4),
                "precision": round(v["shown"]["precision"], 4),
                "recall": round(v["shown"]["recall"], 4),
                "wrong_per_claim_not_indexed": round(v["shown_without_gold"]["shown_per_claim"], 4),
            }
            for kind in ("matcher", "small")
            for key, v in report[kind].items()
        }
        params.save()
        click.echo("Wrote service/verify/prior/matcher.json", err=True)
    report["params"] = asdict(params)
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(
        f"\nMatcher: thresholds {params.threshold} (ranking) and {params.absolute_threshold} (absolute); "
        f"{params.fitted_on}"
    )
    click.echo(f"{'set':<12} {'role':<14} {'':<8} {'MAP@1':>6} {'MAP@5':>6} {'MRR':>6} {'R@5':>6}  shown: precision recall (wrong shown a claim whose fact-check is not indexed)  claims/s")
    for key in report["matcher"]:
        role = ROLES[key]
        for system in ("bm25", "matcher"):
            m = report[system][key]
            line = f"{key:<12} {role:<14} {system:<8} {m['MAP@1']:6.3f} {m['MAP@5']:6.3f} {m['MRR']:6.3f} {m['recall@5']:6.3f}"
            if system == "matcher":
                s, z = m["shown"], m["shown_without_gold"]
                line += f"  {s['precision']:.3f} {s['recall']:.3f} ({z['shown_per_claim']:.2f})"
            line += f"  {report['claims_per_s'][key][system]:.0f}"
            click.echo(line)
    for key, m in report["small"].items():
        s, z = m["shown"], m["shown_without_gold"]
        click.echo(
            f"{key:<12} {'held out':<14} {'small':<8} {m['MAP@1']:6.3f} {m['MAP@5']:6.3f} {m['MRR']:6.3f} "
            f"{m['recall@5']:6.3f}  {s['precision']:.3f} {s['recall']:.3f} ({z['shown_per_claim']:.2f})"
            f"  (its {m['collection']} fact-checks: the set's own and 200 others)"
        )
    click.echo("(claims/s: matching alone, the claims already embedded; embedding is the verify pipeline's own step)")
    for key, m in report.get("entailment", {}).items():
        click.echo(
            f"{key:<12} {'held out':<14} {'entail':<8} {m['MAP@1']:6.3f} {m['MAP@5']:6.3f} {m['MRR']:6.3f} {m['recall@5']:6.3f}"
            f"  (the matcher's top 5 reordered by the stance model's mutual entailment)  {m['claims_per_s']:.0f}"
        )
