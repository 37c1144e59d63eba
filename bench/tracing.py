"""Per-step timings: the steps' own ``ms`` outputs against Haystack's tracing, in the same run.

    python -m bench.tracing [--index-dir DIR] [--claims 32] [--rounds 5]

Issue 27 asked whether Haystack's tracing could carry the per-stage timings the check returns
(``timings_ms``) instead of an ``ms`` output on every step. This runs the check pipeline with a
tracer that records each ``haystack.component.run`` span, prints the span durations beside the
steps' own figures, and the batch's wall time with and without the tracer.

A span holds more than its step: Haystack deep-copies every step's inputs first. The last line is
the time those copies take per batch (the claims' vectors go between steps as one array, and the
sentence windows, immutable, are shared: a list of float lists cost 160 of 215 ms for 32 claims).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import cpu_kind, table

REPO = Path(__file__).resolve().parents[1]


class StepTimer:
    """A Haystack tracer keeping each component span's duration, by step name, for the calling thread."""

    def __init__(self) -> None:
        self.local = threading.local()

    @contextlib.contextmanager
    def trace(self, operation_name: str, tags: dict[str, Any] | None = None, parent_span: Any = None) -> Iterator[Any]:
        from haystack.tracing.tracer import NullSpan

        started = time.perf_counter()
        try:
            yield NullSpan()
        finally:
            if operation_name == "haystack.component.run" and tags:
                spans = getattr(self.local, "spans", None)
                if spans is not None:
                    spans[tags["haystack.component.name"]] = (time.perf_counter() - started) * 1000

    def current_span(self) -> Any:
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, help="an index of the sample corpus (default: build one)")
    ap.add_argument("--claims", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from haystack import tracing

    from service.claim_checker import STAGES, ClaimChecker
    from service.index_config import build_config
    from service.settings import Settings
    from tests.integration.test_verify import GOLD

    index_dir = args.index_dir
    if index_dir is None:
        from index.build import build_index

        index_dir = Path(tempfile.mkdtemp()) / "index"
        build_index(REPO / "corpus" / "sample", index_dir, build_config(Settings(index_dir=index_dir)))
    checker = ClaimChecker.open(Settings(index_dir=index_dir, stance_cache_size=0))
    claims = [r["claim"] for r in GOLD][: args.claims]
    checker.verify_batch(claims, 5)  # warm

    def timed(traced: bool) -> tuple[float, dict[str, float], dict[str, float]]:
        timer = StepTimer()
        if traced:
            tracing.enable_tracing(timer)
        timer.local.spans = {}
        try:
            started = time.perf_counter()
            batch = checker.verify_batch(claims, 5)
            wall = (time.perf_counter() - started) * 1000
        finally:
            tracing.disable_tracing()
        return wall, batch.timings_ms, timer.local.spans

    import haystack.core.pipeline.pipeline as haystack_pipeline

    copying = [0.0]
    copy = haystack_pipeline._deepcopy_with_exceptions

    def timed_copy(value: Any) -> Any:
        started = time.perf_counter()
        try:
            return copy(value)
        finally:
            copying[0] += time.perf_counter() - started

    copies: list[float] = []
    haystack_pipeline._deepcopy_with_exceptions = timed_copy
    for _ in range(args.rounds):
        copying[0] = 0.0
        checker.verify_batch(claims, 5)
        copies.append(copying[0] * 1000)
    haystack_pipeline._deepcopy_with_exceptions = copy

    walls: dict[bool, list[float]] = {False: [], True: []}
    own: dict[str, list[float]] = {}
    traced_ms: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for traced in (False, True):
            wall, stages, spans = timed(traced)
            walls[traced].append(wall)
            if traced:
                for stage, name in STAGES.items():
                    own.setdefault(stage, []).append(stages[stage])
                    traced_ms.setdefault(stage, []).append(spans.get(name, float("nan")))
    rows = [
        [stage, round(statistics.median(own[stage]), 2), round(statistics.median(traced_ms[stage]), 2)]
        for stage in STAGES
    ]
    print(f"{cpu_kind()}: {len(claims)} claims a batch, median of {args.rounds} rounds")
    print(table(["step", "its ms output", "tracer span ms"], rows))
    print(
        f"batch wall time: {statistics.median(walls[False]):.1f} ms without the tracer, "
        f"{statistics.median(walls[True]):.1f} ms with it"
    )
    print(f"Haystack's copies of the steps' inputs: {min(copies):.1f} ms a batch")


if __name__ == "__main__":
    main()
