"""Load on the running service over loopback: claims/s and p50/p95/p99 at concurrency 1, 4 and 16, and at 4
while a rebuild runs, for 1 worker process and for several (``factcheck serve --workers N``), with
dynamic batching off (window 0) and on (``FACTCHECK_BATCH_WINDOW_MS``).

    python bench/load.py                       # workers 1 and 2, windows 0 and 2 ms, the sample index
    python bench/load.py --workers 1 --windows 0 2 10 --requests 40

Starts ``factcheck serve`` itself on 127.0.0.1 (a free port) with a fresh sample index in a temporary
folder, and stops it afterwards. Bounded: a fixed number of requests per level.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import table  # noqa: E402

ADMIN = "bench-admin-token-0123456789"
FACTCHECK = str(Path(sys.executable).with_name("factcheck"))  # the console script beside this interpreter
CLAIMS = [json.loads(line)["claim"] for line in (ROOT / "tests/data/gold_claims.jsonl").open(encoding="utf-8")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    index_dir: Path, workers: int, window_ms: float, stance_cache: int = 0, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """``factcheck serve`` on a free port, ready and warm; ``extra_env``: more settings (another store, threads)."""
    port = free_port()
    env = {
        **os.environ,
        "FACTCHECK_STANCE_CACHE_SIZE": str(stance_cache),
        "FACTCHECK_ADMIN_TOKEN": ADMIN,
        "FACTCHECK_INDEX_WATCH_SECONDS": "1",
        "FACTCHECK_BATCH_WINDOW_MS": str(window_ms),
        "HF_HUB_OFFLINE": "1",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [FACTCHECK, "serve", "--index-dir", str(index_dir), "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                # every worker answers only once its models are loaded: warm them all
                for claim in CLAIMS[: 4 * workers]:
                    httpx.post(url + "/v1/claims/verify", json={"claim": claim}, timeout=120)
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    proc.kill()
    raise SystemExit("the service did not start")


def level(url: str | list[str], concurrency: int, n: int) -> list[object]:
    """claims/s and p50/p95/p99 ms of ``n`` checks at ``concurrency``, round robin over ``url`` when it is several."""
    urls = [url] if isinstance(url, str) else url

    def one(i: int) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            r = httpx.post(
                urls[i % len(urls)] + "/v1/claims/verify", json={"claim": CLAIMS[i % len(CLAIMS)]}, timeout=300
            )
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        return time.perf_counter() - started, ok

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - started
    ms = sorted(t * 1000 for t, _ in results)
    q = statistics.quantiles(ms, n=100)
    return [n / wall, q[49], q[94], q[98], sum(not ok for _, ok in results)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--windows", type=float, nargs="+", default=[0, 2], help="batch windows in ms (0: no batching)")
    ap.add_argument("--requests", type=int, default=32, help="requests per concurrency level")
    ap.add_argument(
        "--stance-cache",
        type=int,
        default=0,
        help="the service's FACTCHECK_STANCE_CACHE_SIZE. Default 0: the levels send the same claims again, and "
        "a cache would answer those repeats without the model (the service's own default is 100000)",
    )
    args = ap.parse_args()
    from bench.common import cpu_kind
    from service.stance.hardware import choose_runtime

    print(f"CPU: {cpu_kind()}; stance runtime {choose_runtime()}; stance cache {args.stance_cache}\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        subprocess.run(
            [FACTCHECK, "index", "build", "--corpus", "corpus/sample", "--index-dir",
             str(index_dir)],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        for workers, window in [(w, b) for w in args.workers for b in args.windows]:
            proc, url = start(index_dir, workers, window, args.stance_cache)
            try:
                for concurrency in (1, 4, 16):
                    rows.append([workers, window, concurrency, "", *level(url, concurrency, args.requests)])
                job = httpx.post(url + "/v1/index/rebuild", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
                during = level(url, 4, args.requests)
                state = httpx.get(url + job.json()["url"], headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
                rows.append([workers, window, 4, f"rebuild ({state.json()['state']} after)", *during])
                while state.json()["state"] in ("queued", "running"):  # let it finish before the next setup
                    time.sleep(2)
                    state = httpx.get(url + job.json()["url"], headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
            finally:
                proc.terminate()
                proc.wait(timeout=60)
    print(
        table(
            ["workers", "window ms", "concurrency", "during", "claims/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows
        )
    )


if __name__ == "__main__":
    main()
