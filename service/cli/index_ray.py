"""``factcheck index build --ray ADDRESS|local --shards N``: the options of a build on Ray, and their checks.

Kept apart from :mod:`service.cli.index_cmd` so the build command only gains a branch; ray itself
is imported only once a build on Ray starts (it is the optional ``ray`` extra).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from service.cli.common import CLIError


def ray_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--ray",
                "ray_address",
                default=None,
                metavar="ADDRESS|local",
                help="Build on Ray Data and publish a sharded version: 'local' starts a cluster of this machine "
                "for the command, an ADDRESS (host:port of the head) joins one. Corpus, model and index folder "
                "must be at the same path on every node. Needs: pip install 'factcheck[ray]'.",
            ),
            click.option(
                "--shards",
                type=click.IntRange(min=1),
                default=None,
                help="Shards of the version (with --ray; default 1).",
            ),
            click.option(
                "--actors",
                type=click.IntRange(min=1),
                default=None,
                help="Embedding actors, each loading the model once (with --ray; default: as many as fit in the "
                "cluster's CPUs less one, at --actor-cpus each, at least one).",
            ),
            click.option(
                "--actor-cpus",
                type=click.IntRange(min=1),
                default=1,
                show_default=True,
                help="CPUs, and so torch threads, per embedding actor (with --ray).",
            ),
            click.option(
                "--ray-token",
                envvar="FACTCHECK_RAY_TOKEN",
                default=None,
                help="Token of the Ray cluster's token authentication; prefer $FACTCHECK_RAY_TOKEN (a command line "
                "is visible to every user). 'local' uses a fresh one when unset; an ADDRESS without one is joined "
                "without authentication.",
            ),
        ]
    ):
        func = option(func)
    return func


def wants_ray(options: dict[str, Any]) -> bool:
    """Whether the build runs on Ray; :class:`CLIError` (exit 2) for Ray options without ``--ray``."""
    if options["ray_address"] is not None:
        return True
    if options["shards"] is not None or options["actors"] is not None:
        raise CLIError("--shards and --actors need --ray (use --ray local to build shards on this machine)", 2)
    return False


def build_on_ray(settings: Any, corpus: Path | None, lock: Any, progress: Any, options: dict[str, Any]) -> Any:
    """Run the build on Ray and return its report; :class:`CLIError` (exit 2) without the ray extra."""
    from index.distributed import RAY_MISSING, ray_available

    if not ray_available():
        raise CLIError(RAY_MISSING, 2)
    from index.distributed.build import RayOptions
    from service.index_ops import run_sharded_build

    ray = RayOptions(
        address=options["ray_address"],
        shards=options["shards"] or 1,
        token=options["ray_token"] or None,
        actors=options["actors"],
        actor_cpus=options["actor_cpus"],
    )
    return run_sharded_build(settings, corpus, ray, progress, lock, lambda line: click.echo(line, err=True))
