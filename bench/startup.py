"""How long a command-line call takes from a fresh process: what a person at a terminal waits for.

    python bench/startup.py [--index-dir DIR] [--repeat 3]

Runs ``factcheck --help``, ``factcheck index status`` and ``factcheck check`` as new processes (the
models' converted and exported forms already in the cache, disk caches warm), each ``--repeat`` times,
and prints the median and the slowest wall time. The check runs with each stance runtime (``onnx``, what
CPUs without bf16 get; ``auto``, what this CPU gets) and, as the baseline in the same run, with the
claims embedded by sentence-transformers (``FACTCHECK_EMBEDDING_BACKEND=torch``, as before the ONNX
embedder). Without ``--index-dir`` the sample corpus is indexed into a temporary folder first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_kind, table  # noqa: E402

CLAIM = "Belarusian access to NATO HQ restricted"
FACTCHECK = Path(sys.executable).parent / "factcheck"


def wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(FACTCHECK), *args], capture_output=True, text=True, env=env)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"factcheck {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, help="an index to check against (default: the sample corpus's)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3)")
    args = parser.parse_args()
    base = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index_dir
        if index is None:
            index = Path(tmp) / "index"
            print(f"indexing the sample corpus into {index} ...", file=sys.stderr)
            wall(["index", "build", "--corpus", str(ROOT / "corpus" / "sample"), "--index-dir", str(index)], base)
        check = ["check", CLAIM, "--index-dir", str(index), "--json", "-k", "5"]
        runs = [
            ("factcheck --help", ["--help"], {}),
            ("factcheck index status", ["index", "status", "--index-dir", str(index)], {}),
            ("check, stance onnx (CPUs without bf16)", check, {"FACTCHECK_STANCE_BACKEND": "onnx"}),
            ("check, stance auto (this CPU)", check, {}),
            ("baseline: check, stance onnx, claims on sentence-transformers", check,
             {"FACTCHECK_STANCE_BACKEND": "onnx", "FACTCHECK_EMBEDDING_BACKEND": "torch"}),
            ("baseline: check, stance auto, claims on sentence-transformers", check,
             {"FACTCHECK_EMBEDDING_BACKEND": "torch"}),
        ]  # fmt: skip
        rows = []
        for name, command, extra in runs:
            env = {**base, **extra}
            wall(command, env)  # a first run exports what this runtime needs, once; users pay it once too
            times = [wall(command, env) for _ in range(args.repeat)]
            rows.append([name, round(statistics.median(times), 2), round(max(times), 2)])
            print(f"{name}: {statistics.median(times):.2f} s", file=sys.stderr)
    print(f"\nCLI wall time from a fresh process, seconds; {cpu_kind()}; {args.repeat} runs each\n")
    print(table(["command", "median s", "slowest s"], rows))


if __name__ == "__main__":
    main()
