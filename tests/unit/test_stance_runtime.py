"""Which stance runtime ``auto`` picks, and the combinations that are refused."""

import sys

import pytest

from service.stance.hardware import Runtime, choose_runtime

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("backend", "precision", "bf16", "expected"),
    [
        ("auto", "auto", True, ("torch", "bf16")),
        ("auto", "auto", False, ("onnx", "fp32")),
        ("torch", "auto", True, ("torch", "bf16")),
        ("torch", "auto", False, ("torch", "fp32")),
        ("onnx", "auto", True, ("onnx", "fp32")),  # onnx named: bf16 hardware does not move it to torch
        ("auto", "int8", True, ("onnx", "int8")),  # per-channel int8 lives on ONNX Runtime
        ("auto", "bf16", False, ("torch", "bf16")),  # asked for: honoured even without bf16 hardware
        ("auto", "fp32", True, ("onnx", "fp32")),
        ("torch", "int8", False, ("torch", "int8")),
    ],
)
def test_auto_resolves_by_hardware(backend, precision, bf16, expected):
    runtime = choose_runtime(backend, precision, bf16=bf16)
    assert isinstance(runtime, Runtime)
    assert (runtime.backend, runtime.precision) == expected


@pytest.mark.parametrize(
    ("backend", "precision", "message"),
    [
        ("tf", "auto", "unknown stance backend 'tf'"),
        ("torch", "fp8", "unknown stance precision 'fp8'"),
        ("onnx", "bf16", "bf16 runs on the torch stance backend"),
    ],
)
def test_impossible_runtimes_are_refused(backend, precision, message):
    with pytest.raises(ValueError, match=message):
        choose_runtime(backend, precision, bf16=True)


def test_scorer_refuses_before_loading_anything():
    from service.stance import StanceScorer

    with pytest.raises(ValueError, match="bf16 runs on the torch"):
        StanceScorer(backend="onnx", precision="bf16")
    # the older quantize flag still means int8, and may not contradict the precision
    assert StanceScorer(quantize=True).precision == "int8"
    with pytest.raises(ValueError, match="contradicts precision 'bf16'"):
        StanceScorer(quantize=True, precision="bf16")


@pytest.mark.parametrize(
    ("flags", "amx", "bf16"),
    [
        ({"avx2", "fma"}, False, False),  # AMD EPYC with AVX2 only
        ({"avx2", "avx512f", "avx512_vnni"}, False, False),  # a Xeon without bf16
        ({"avx2", "avx512f", "avx512_bf16"}, False, True),  # AMD EPYC Zen 4
        ({"avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}, True, True),  # Xeon Sapphire Rapids
        ({"avx512f", "amx_bf16"}, False, False),  # no tiles listed: the kernel cannot use them
    ],
)
def test_linux_flags_decide_bf16_without_torch(monkeypatch, flags, amx, bf16):
    from service.stance import hardware

    monkeypatch.setattr(hardware, "_cpu_flags", lambda: flags)
    # were torch asked, this would answer for the machine running the tests, not for these flags
    monkeypatch.setitem(sys.modules, "torch", None)
    assert (hardware.cpu_has_amx(), hardware.cpu_has_bf16()) == (amx, bf16)
    assert choose_runtime().backend == ("torch" if bf16 else "onnx")
