"""The consistency check (numbers, dates, names of a claim against an evidence sentence): its cost per
check, with every text new (cold: each text analysed) against the same texts again (warm: the analysis
cache answers), both measured in this run.

    python -m bench.consistency [--checks 1000]

A verify run makes a few hundred checks per claim batch, so this should stay far below the stance
model's time (milliseconds against hundreds of milliseconds per claim). Name the CPU with the figure.
"""

from __future__ import annotations

import argparse
import time

from bench.common import cpu_kind, table
from service.verify.consistency import _analyse, check


def pairs(n: int, offset: int = 0) -> list[tuple[str, str]]:
    return [
        (
            f"NATO will create {i} new units in Madrid on June 14, 2021, said Tikhanovskaya",
            f"Die NATO will nach Angaben vom 14. Juni 2021 rund {i + 1} neue Verbände in Brüssel aufstellen.",
        )
        for i in range(offset, offset + n)
    ]


def timed(batch: list[tuple[str, str]]) -> float:
    started = time.perf_counter()
    for claim, evidence in batch:
        check(claim, evidence, "en", "de")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=1000, help="checks per measurement (default 1000)")
    args = parser.parse_args()
    _analyse.cache_clear()
    batch = pairs(args.checks, offset=10_000_000)  # numbers no other run used: every text is new
    cold = timed(batch)
    warm = timed(batch)  # the same texts: analysis from the cache, only the comparison runs
    print(f"CPU: {cpu_kind()}; {args.checks} checks each")
    rows = [
        ["cold (every text new)", cold, cold / args.checks * 1e6],
        ["warm (analysis cached)", warm, warm / args.checks * 1e6],
    ]
    print(table(["run", "seconds", "µs per check"], rows))


if __name__ == "__main__":
    main()
