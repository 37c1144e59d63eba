"""Small helpers the benchmarks share: memory readings and table printing."""

from __future__ import annotations

import os
import resource


def rss_mb() -> float:
    """Resident memory of this process now, in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (readable in a terminal, pasteable into a model card)."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def cpu_kind() -> str:
    """The CPU a figure was measured on, with what decides the stance runtime: 'Intel Xeon, 2 cores, AMX'."""
    model, flags = "unknown CPU", set()
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    kind = (
        "AMX" if "amx_bf16" in flags
        else "AVX512-BF16" if "avx512_bf16" in flags
        else "AVX-512, no bf16" if "avx512f" in flags
        else "AVX2 only" if "avx2" in flags
        else "no AVX2"
    )  # fmt: skip
    return f"{model}, {len(os.sched_getaffinity(0))} cores, {kind}"
