"""Which stance runtime and precision fit this machine, when the settings say ``auto``."""

from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("auto", "onnx", "torch")
PRECISIONS = ("auto", "fp32", "bf16", "int8")


@dataclass(frozen=True)
class Runtime:
    backend: str  # onnx | torch
    precision: str  # fp32 | bf16 | int8
    reason: str


def _cpu_flags() -> set[str] | None:
    """The CPU's flags as Linux lists them; None elsewhere."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


# Linux's flags decide without importing torch (2 s of a command-line check's start); elsewhere torch's checks.
def cpu_has_amx() -> bool:
    """AMX tiles (Intel Sapphire Rapids and later): bf16 matrix products at several times fp32 speed."""
    flags = _cpu_flags()
    if flags is not None:
        return {"amx_bf16", "amx_tile"} <= flags
    try:
        import torch

        return bool(torch.cpu._is_amx_tile_supported())
    except (ImportError, AttributeError):  # pragma: no cover - older torch builds
        return False


def cpu_has_bf16() -> bool:
    """bf16 in hardware (AMX or AVX512-BF16); elsewhere torch emulates it, slowly."""
    flags = _cpu_flags()
    if flags is not None:
        return cpu_has_amx() or "avx512_bf16" in flags
    try:
        import torch

        return cpu_has_amx() or bool(torch.cpu._is_avx512_bf16_supported())
    except (ImportError, AttributeError):  # pragma: no cover - older torch builds
        return False


def choose_runtime(backend: str = "auto", precision: str = "auto", bf16: bool | None = None) -> Runtime:
    """Resolve ``auto`` and refuse combinations that do not exist.

    ``auto`` is the fastest runtime whose accuracy is within a point of fp32. On a CPU with bf16 in
    hardware that is PyTorch with bf16 autocast: 3x fp32 with AMX (Intel Xeon, 173 pairs/s), 1.5x ONNX
    fp32 with AVX512-BF16 (AMD EPYC Zen 4, 189 against 127 sentence-window pairs/s), with no verdict of
    the gold or frozen sets changed. Elsewhere ONNX Runtime fp32 (1.2x PyTorch fp32 on AVX2).

    int8 (ONNX Runtime, per-channel weights) is never chosen for you. Measured on an AMD EPYC with
    AVX512-BF16 (2026-12-06, v3 weights): 1.6-1.9x fp32's pairs/s and 0.3 points under it on the calibration
    split, but it flips 7% of pair labels, and 5 of 68 gold-set verdicts (accuracy 0.897 to 0.868) and
    4 of 114 frozen-set verdicts (0.421 to 0.404) where bf16 flips none. Keeping the FFN output layers in
    fp32 (97% of labels kept, 1.55x) still lost 2 gold claims, and a quantisation-aware fine-tune for 7-bit
    weights (training/quant_aware.py) lost more than it kept. On an AVX2 CPU without VNNI its U8S8 products can
    also saturate, which no machine here could measure.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown stance backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown stance precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if backend == "onnx" and precision == "bf16":
        raise ValueError("bf16 runs on the torch stance backend; use FACTCHECK_STANCE_BACKEND=torch or auto")
    if precision == "auto":
        if backend != "onnx" and (cpu_has_bf16() if bf16 is None else bf16):
            return Runtime("torch", "bf16", "this CPU has bf16 in hardware (AMX or AVX512-BF16): bf16 on torch")
        return Runtime(
            "onnx" if backend == "auto" else backend, "fp32", "fp32 (no bf16 hardware on this CPU, or onnx asked)"
        )
    if backend == "auto":
        backend = "torch" if precision == "bf16" else "onnx"
    return Runtime(backend, precision, "as set")
