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


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return {"amx_bf16"}  # not Linux: trust torch's own check alone


def cpu_has_amx() -> bool:
    """AMX tiles (Intel Sapphire Rapids and later): bf16 matrix products at several times fp32 speed."""
    try:
        import torch

        return bool(torch.cpu._is_amx_tile_supported()) and "amx_bf16" in _cpu_flags()
    except (ImportError, AttributeError):  # pragma: no cover - older torch builds
        return False


def cpu_has_bf16() -> bool:
    """bf16 in hardware (AMX or AVX512-BF16); elsewhere torch emulates it, slowly."""
    try:
        import torch

        return cpu_has_amx() or bool(torch.cpu._is_avx512_bf16_supported())
    except (ImportError, AttributeError):  # pragma: no cover - older torch builds
        return False


def choose_runtime(backend: str = "auto", precision: str = "auto", amx: bool | None = None) -> Runtime:
    """Resolve ``auto`` and refuse combinations that do not exist.

    The default on a CPU with AMX is PyTorch with bf16 autocast (3x fp32 there, measured by
    bench/stance.py); elsewhere ONNX Runtime fp32 (1.2x PyTorch fp32 on AVX2). int8 runs on ONNX
    Runtime unless torch is named: its per-channel weights keep the accuracy torch's lose.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown stance backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown stance precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if backend == "onnx" and precision == "bf16":
        raise ValueError("bf16 runs on the torch stance backend; use FACTCHECK_STANCE_BACKEND=torch or auto")
    if precision == "auto":
        if backend != "onnx" and (cpu_has_amx() if amx is None else amx):
            return Runtime("torch", "bf16", "this CPU has AMX: bf16 on torch")
        return Runtime("onnx" if backend == "auto" else backend, "fp32", "fp32 (no AMX on this CPU, or onnx asked)")
    if backend == "auto":
        backend = "torch" if precision == "bf16" else "onnx"
    return Runtime(backend, precision, "as set")
