"""Service replicas on one PostgreSQL: claims/s of one ``factcheck serve`` against two, on the same database.

    python bench/replicas.py [--requests 48] [--concurrency 4]

Indexes the sample corpus into a private PostgreSQL (pgserver), then starts one replica, then two (each with
its own index folder and ``FACTCHECK_THREADS`` = the cores shared among them), and sends the same gold claims
at ``--concurrency`` over loopback, round robin across the replicas (as a load balancer would). Prints claims/s
and p50/p95 with the CPU. On one machine the replicas share its cores: the figure shows what a second replica
costs there; across machines each brings its own cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_kind, table  # noqa: E402
from bench.load import FACTCHECK, level, start  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=48, help="claims sent per setting")
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    from index.postgres.database import embedded_dsn

    cores = len(os.sched_getaffinity(0))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dsn = embedded_dsn(work)
        base = {
            **os.environ, "HF_HUB_OFFLINE": "1", "FACTCHECK_DOCUMENT_STORE": "pgvector", "FACTCHECK_PG_DSN": dsn,
            "FACTCHECK_STANCE_CACHE_SIZE": "0", "FACTCHECK_INDEX_WATCH_SECONDS": "5",
        }  # fmt: skip
        built = subprocess.run(
            [FACTCHECK, "index", "build", "--corpus", str(ROOT / "corpus" / "sample"), "--index-dir", str(work / "build")],
            env=base, capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        if built.returncode:
            raise SystemExit(f"the build failed:\n{built.stderr[-2000:]}")
        for replicas in (1, 2):
            env = {**base, "FACTCHECK_THREADS": str(max(1, cores // replicas))}
            # the index folder of each replica is its own: with PostgreSQL it holds no version
            started = [start(work / f"replica-{replicas}-{i}", 1, 0, 0, env) for i in range(replicas)]
            try:
                claims_s, p50, p95, _, failed = level([u for _, u in started], args.concurrency, args.requests)
                rows.append([replicas, env["FACTCHECK_THREADS"], round(claims_s, 2), round(p50), round(p95), failed])
            finally:
                for proc, _ in started:
                    proc.terminate()
                    proc.wait(30)
    print(f"\n{args.requests} claims at concurrency {args.concurrency}, one PostgreSQL, round robin; {cpu_kind()}\n")
    print(table(["replicas", "threads each", "claims/s", "p50 ms", "p95 ms", "failed"], rows))


if __name__ == "__main__":
    main()
