"""``factcheck``: the command-line entry point."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from service.cli.article_cmd import check_article
from service.cli.check_cmd import check, search
from service.cli.common import CLIError, handle_errors, index_dir_option, make_settings
from service.cli.eval_cmd import eval_
from service.cli.factchecks_cmd import factchecks_group, match
from service.cli.index_cmd import index_group
from service.cli.nli_cmd import nli
from service.cli.pipeline_cmd import pipeline_group

SAMPLE_CLAIMS = [
    "Belarusian access to NATO HQ restricted",
    "Der NATO-Gipfel 2021 fand in Madrid statt",
    "Russia will form about 20 new military units in its Western Military District",
]


@click.group()
@click.version_option("0.1.0", prog_name="factcheck")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (model loads, pipeline steps).")
def cli(verbose: bool) -> None:
    """Check claims against a trusted reference corpus: a verdict, and the evidence for and against.

    \b
    Typical use:
      factcheck index build --corpus corpus/sample --index-dir data/index
      factcheck check --index-dir data/index "Belarusian access to NATO HQ restricted"
      factcheck search --index-dir data/index "NATO summit in Brussels"
      factcheck check-article --index-dir data/index article.html
      factcheck serve --index-dir data/index
    Settings come from FACTCHECK_* environment variables (see README).
    """
    from service.logs import SETUP_LOG, quiet_routine_loggers

    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:  # -v shows the pipeline's steps too
        quiet_routine_loggers(level)
    SETUP_LOG.setLevel(logging.INFO)  # a first run's conversions take a while: say so


@cli.command()
@index_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes, each with its own models (memory x N) and FACTCHECK_THREADS split between them; "
    "each sees index swaps through CURRENT.",
)
@click.option(
    "--ray",
    "ray_address",
    default=None,
    metavar="ADDRESS|local",
    help="Serve on Ray Serve: the same app as the ingress, one deployment per shard of the index, HTTP on "
    "--host/--port of the head. 'local' starts a cluster of this machine. Needs: pip install 'factcheck[ray]'.",
)
@click.option(
    "--shard-replicas",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Replicas of each shard's deployment (with --ray): throughput and failover.",
)
@click.option(
    "--replica-cpus",
    default=None,
    type=click.FloatRange(0.01, 64),
    help="CPUs each replica of the Ray deployments asks (with --ray; fractions are fine). "
    "Default: 0.5, less when the cluster has fewer CPUs than the ingress, the embedder and the shards would ask.",
)
@click.option(
    "--ray-token",
    envvar="FACTCHECK_RAY_TOKEN",
    default=None,
    help="Token of the Ray cluster's token authentication (with --ray); prefer $FACTCHECK_RAY_TOKEN.",
)
@handle_errors
def serve(
    index_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    ray_address: str | None,
    shard_replicas: int,
    replica_cpus: float | None,
    ray_token: str | None,
) -> None:
    """Run the HTTP API and the web page (page at /, OpenAPI docs at /docs)."""
    import logging
    import os
    import tempfile

    import uvicorn

    from service.logs import configure_logging

    if ray_address is not None and workers > 1:
        raise CLIError("--workers is for one machine; with --ray, scale with --shard-replicas", 2)
    if ray_address is None and (shard_replicas != 1 or replica_cpus is not None):
        raise CLIError("--shard-replicas and --replica-cpus need --ray", 2)
    settings = make_settings(index_dir)
    configure_logging(logging.INFO, settings.log_format)
    if ray_address is not None:
        _serve_on_ray(settings, host, port, ray_address, shard_replicas, ray_token, replica_cpus)
        return
    click.echo(
        f"Serving on http://{host}:{port} (the page at /, docs at /docs), index {settings.index_dir}, "
        f"{workers} worker(s)",
        err=True,
    )
    if workers == 1:
        from service.api.app import create_app

        # log_config=None: uvicorn's records go to the handler above (with the request id), not its own
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", log_config=None)
        return
    # the workers build their settings from the environment: hand them this command's choices
    os.environ["FACTCHECK_INDEX_DIR"] = str(settings.index_dir)
    if "FACTCHECK_THREADS" not in os.environ:
        os.environ["FACTCHECK_THREADS"] = str(max(1, settings.threads // workers))
    # one metrics view across the workers (prometheus-client's multiprocess mode)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="factcheck-metrics-"))
    uvicorn.run(
        "service.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=None,
    )


def _serve_on_ray(
    settings, host: str, port: int, address: str, shard_replicas: int, token: str | None, replica_cpus: float | None
) -> None:
    """``serve --ray``: deploy on Ray Serve and keep the command running until it is interrupted."""
    import time

    from service.ray_serve import SERVE_MISSING, serve_available

    if not serve_available():
        raise CLIError(SERVE_MISSING, 2)
    from ray import serve as ray_serve_api

    from index.distributed.cluster import ray_session
    from service import ray_serve

    with ray_session(address, token, lambda line: click.echo(line, err=True)):
        ray_serve.run(settings, host, port, shard_replicas, replica_cpus)
        click.echo(
            f"Serving on Ray at http://{host}:{port} (the page at /, docs at /docs), index {settings.index_dir}, "
            f"{shard_replicas} replica(s) per shard; Ctrl-C stops",
            err=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            if address == "local":
                ray_serve_api.shutdown()
            else:  # a shared cluster: take down our application only, never the others'
                ray_serve_api.delete(ray_serve.APP_NAME)


@cli.command()
@index_dir_option
@click.option("--rebuild", is_flag=True, help="Rebuild the index even if one exists.")
@handle_errors
def demo(index_dir: Path | None, rebuild: bool) -> None:
    """Index the bundled sample corpus (once) and check a few sample claims: verdict and evidence."""
    from index.build import build_index
    from service.claim_checker import ClaimChecker
    from service.cli.check_cmd import print_verdict
    from service.index_config import build_config
    from service.runtime import configure_threads

    settings = make_settings(index_dir)
    configure_threads(settings.threads)
    sample = Path(__file__).resolve().parents[2] / "corpus" / "sample"
    from index.layout import load_order

    if rebuild or not load_order(settings.index_dir):
        click.echo(f"Building the index of {sample} into {settings.index_dir} ...", err=True)
        report = build_index(sample, settings.index_dir, build_config(settings, progress_bar=True))
        click.echo(
            f"Indexed {report.documents} documents as {report.passages} passages in {report.seconds:.1f} s\n", err=True
        )
    lookup = ClaimChecker.open(settings)
    for claim in SAMPLE_CLAIMS:
        print_verdict(lookup.verify(claim, 3))
        click.echo("-" * 72)
    click.echo(
        f"Next: factcheck serve --index-dir {settings.index_dir}   "
        "(the page at http://127.0.0.1:8000/, API docs at /docs)"
    )


cli.add_command(index_group)
cli.add_command(check)
cli.add_command(search)
cli.add_command(check_article)
cli.add_command(eval_)
cli.add_command(nli)
cli.add_command(match)
cli.add_command(factchecks_group)
cli.add_command(pipeline_group)
