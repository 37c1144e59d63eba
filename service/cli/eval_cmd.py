"""``factcheck eval``: the verify pipeline measured on a benchmark, beside a naive baseline from the same run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from service.cli.common import CLIError, handle_errors, is_terminal, make_settings

DATASETS = ("climate-fever", "scifact", "jsonl", "checkthat")


def _load(dataset: str, path: Path | None, corpus: Path | None, split: str, data_dir: Path | None):
    from service.evaluation import datasets

    if dataset == "jsonl":
        if path is None or corpus is None:
            raise CLIError("jsonl needs the claims file (PATH) and --corpus (the documents its evidence ids name)", 2)
        return datasets.load_jsonl(path, corpus)
    if path is not None:
        raise CLIError(f"{dataset} takes no PATH (use --data-dir for the benchmark folder)", 2)
    if dataset == "climate-fever":
        return datasets.load_climate_fever(data_dir)
    return datasets.load_scifact(data_dir, split)  # type: ignore[arg-type]


@click.command(name="eval")
@click.argument("dataset", type=click.Choice(DATASETS))
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), help="jsonl: the corpus (our JSONL format).")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Benchmark folder. Default: $FACTCHECK_BENCHMARK_DIR, else ../shared/data/benchmarks beside the repo.",
)
@click.option("--split", type=click.Choice(["dev", "train"]), default="dev", show_default=True, help="SciFact split.")
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The benchmark's own folder: its evidence pool is written and indexed there, and reused by the next run "
    "(never point it at a served index: the index is made to hold the benchmark's documents only). "
    "Default: <model cache>/eval/<dataset>.",
)
@click.option("-k", "--top-k", type=int, default=5, show_default=True, help="Evidence passages per claim.")
@click.option(
    "--evidence",
    type=click.Choice(["retrieved", "gold"]),
    default="retrieved",
    show_default=True,
    help="retrieved: the pipeline as it serves; gold: each claim judged on the documents its dataset offers "
    "for it (Climate-FEVER's five sentences, SciFact's cited abstracts), retrieval left out.",
)
@click.option("--limit", type=int, default=None, help="Check only the first N claims (a quick look).")
@click.option("--batch-size", type=int, default=16, show_default=True, help="Claims per batch.")
@click.option("--records", type=click.Path(dir_okay=False, path_type=Path), help="Write every claim's record here.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object.")
@click.option(
    "--fit",
    "refit",
    is_flag=True,
    help="checkthat: fit the prior fact-check matcher again (2022 train; variant on dev; threshold on both) "
    "and write service/verify/prior/matcher.json.",
)
@handle_errors
def eval_(
    dataset: str,
    path: Path | None,
    corpus: Path | None,
    data_dir: Path | None,
    split: str,
    work_dir: Path | None,
    top_k: int,
    evidence: str,
    limit: int | None,
    batch_size: int,
    records: Path | None,
    as_json: bool,
    refit: bool,
) -> None:
    """Measure verification on DATASET: climate-fever, scifact, or jsonl PATH --corpus CORPUS;
    or prior fact-check matching: checkthat [DIR].

    \b
    Indexes the dataset's evidence pool (once), checks its claims and prints recall@1 and @5 of
    the gold evidence documents, accuracy, macro-F1, per-class F1, the confusion matrix, ECE and
    claims/s, with the naive baseline (the stance label of the top retrieved passage) beside them.
    jsonl lines are {"claim", "label", "evidence": [document ids]}.

    \b
    checkthat [DIR] (default ../shared/data/benchmarks/claim-matching): tweets matched to Snopes
    fact-checks, CheckThat! 2020 task 2 and 2022 task 2A English. Prints MAP@1, MAP@5, MRR,
    recall@5 and claims/s of the matcher beside BM25 alone, per split (2022 train fits it, dev
    chooses, the 2020 test and the 2022 dev-test are held out).
    """
    if dataset == "checkthat":
        from service.cli.checkthat_cmd import run_checkthat

        return run_checkthat(path, refit, as_json)
    if refit:
        raise CLIError("--fit is for checkthat", 2)
    if path is not None and path.is_dir():
        raise CLIError(f"{path} is a folder; {dataset} takes a file", 2)
    from dataclasses import asdict

    from tqdm import tqdm

    from service.claim_checker import ClaimChecker
    from service.evaluation.metrics import format_confusion, recall_at_k
    from service.evaluation.report import format_table, score
    from service.evaluation.runner import ensure_index, run_claims, save_records
    from service.runtime import configure_threads

    if top_k < 1 or batch_size < 1 or (limit is not None and limit < 1):
        raise CLIError("--top-k, --batch-size and --limit must be at least 1", 2)
    try:
        evalset = _load(dataset, path, corpus, split, data_dir)
    except (FileNotFoundError, ValueError) as exc:
        raise CLIError(str(exc), 2) from exc
    settings = make_settings(max_batch_claims=max(batch_size, 1))
    configure_threads(settings.threads)
    index_dir = (work_dir or settings.model_cache_dir / "eval" / evalset.name) / "index"
    click.echo(f"Indexing the {len(evalset.documents)} documents of {evalset.name} into {index_dir} ...", err=True)
    ensure_index(evalset, settings, index_dir, progress_bar=is_terminal())
    settings = make_settings(index_dir, max_batch_claims=max(batch_size, 1))
    lookup = ClaimChecker.open(settings)
    claims = evalset.claims[:limit] if limit else evalset.claims
    with tqdm(total=len(claims), desc="Checking claims", unit="claim", disable=not is_terminal()) as bar:
        recs, per_second = run_claims(lookup, claims, top_k, batch_size, on_batch=bar.update, evidence=evidence)
    if records:
        save_records(recs, records)
    gold = [r.label for r in recs]
    ours = score(gold, [r.verdict for r in recs], [r.confidence for r in recs])
    naive = score(gold, [r.naive for r in recs], [r.naive_confidence for r in recs])
    ranked, gold_docs = [r.ranked_docs for r in recs], [r.gold_docs for r in recs]
    recall = {f"recall@{k}": recall_at_k(ranked, gold_docs, k) for k in (1, 5)}
    with_gold = [(r, g) for r, g in zip(ranked, gold_docs, strict=True) if g]
    hit5 = sum(bool(set(r[:5]) & set(g)) for r, g in with_gold) / len(with_gold) if with_gold else math.nan
    recall["hit@5"] = hit5
    recall = {name: None if math.isnan(value) else value for name, value in recall.items()}  # JSON has no NaN
    if as_json:
        out = {"dataset": evalset.name, "evidence": evidence, "claims": len(recs), "claims_per_s": per_second, **recall}
        out.update({"ours": asdict(ours), "naive_top1": asdict(naive)})
        click.echo(json.dumps(out, default=str))
        return
    click.echo(f"\n{evalset.name}: {len(recs)} claims, {per_second:.2f} claims/s, top_k {top_k}, {evidence} evidence")
    shown = "  ".join(f"{name} {'-' if v is None else f'{v:.3f}'}" for name, v in recall.items())
    click.echo(f"  {shown}  (gold evidence documents in retrieval order; hit@5: any of them in the top 5)")
    click.echo(format_table({"naive top-1": naive, "verify pipeline": ours}))
    click.echo("\nConfusion (rows: gold, columns: predicted), verify pipeline:")
    click.echo(format_confusion(ours.confusion, ours.confusion_labels))
