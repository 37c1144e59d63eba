"""Quantisation-aware fine-tuning for the int8 runtime of CPUs without bf16 (issue 25, lever 2).

ONNX Runtime's dynamic int8 (``service/stance/onnx_runtime.py``) turns every MatMul with a constant weight into
integer arithmetic: the weight per output channel, symmetric int8 (7 bits with ``reduce_range``), the input
per tensor at run time, asymmetric uint8 (``DynamicQuantizeLinear``). The shipped weights lose little accuracy
that way but flip 7% of pair labels. Here each ``nn.Linear`` of the model computes what that runtime computes,
the rounding passed straight through to the gradients (Bengio et al., 2013), so a short fine-tune against the
fp32 model's own outputs moves the weights to where rounding costs least.

On AVX2 CPUs without VNNI, ONNX Runtime multiplies uint8 by int8 with an instruction that saturates at 16 bits;
7-bit weights (``reduce_range``) cannot saturate it, and are what ``bits=7`` trains for.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
import torch.nn.functional as F


def fake_dynamic_uint8(x: torch.Tensor) -> torch.Tensor:
    """``x`` as ONNX ``DynamicQuantizeLinear`` followed by dequantisation leaves it: one scale for the tensor,
    its range stretched to hold 0, 256 levels."""
    low = torch.clamp(x.detach().min(), max=0.0)
    high = torch.clamp(x.detach().max(), min=0.0)
    scale = (high - low) / 255.0
    if float(scale) == 0.0:
        return x
    zero = torch.clamp(torch.round(-low / scale), 0, 255)
    q = torch.clamp(torch.round(x.detach() / scale) + zero, 0, 255)
    return x + ((q - zero) * scale - x).detach()


# ONNX Runtime's symmetric int8 weights: -127..127, zero at 0; with reduce_range -64..64 (get_qmin_qmax_for_qType)
_QMAX = {8: 127, 7: 64}


def fake_symmetric(weight: torch.Tensor, bits: int = 8) -> torch.Tensor:
    """``weight`` (out, in) rounded per output channel as ONNX Runtime's symmetric int8 weights are (``bits`` 7:
    its ``reduce_range``)."""
    qmax = _QMAX[bits]
    absmax = weight.detach().abs().amax(dim=1, keepdim=True)
    scale = torch.where(absmax > 0, absmax / qmax, torch.ones_like(absmax))
    q = torch.clamp(torch.round(weight.detach() / scale), -qmax, qmax)
    return weight + (q * scale - weight).detach()


class FakeQuantLinear(torch.nn.Module):
    """An ``nn.Linear`` that computes as ONNX Runtime's dynamic int8 MatMul; its parameters stay the Linear's."""

    def __init__(self, linear: torch.nn.Linear, bits: int = 8) -> None:
        super().__init__()
        self.linear = linear
        self.bits = bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # in fp32 whatever the autocast: bf16 cannot hold 256 levels times a scale exactly
        with torch.autocast(x.device.type, enabled=False):
            x = fake_dynamic_uint8(x.float())
            w = fake_symmetric(self.linear.weight.float(), self.bits)
            return F.linear(x, w, None if self.linear.bias is None else self.linear.bias.float())


def prepare(model: torch.nn.Module, bits: int = 8) -> torch.nn.Module:
    """Every ``nn.Linear`` of ``model`` (in place) computing as the int8 runtime will: the encoder's, the
    pooler's and the classifier's, the MatMuls that ONNX Runtime quantises."""
    if bits not in _QMAX:
        raise ValueError(f"weights are quantised to 8 or 7 bits, not {bits}")
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, child_name, FakeQuantLinear(child, bits))
    return model


def strip(model: torch.nn.Module) -> torch.nn.Module:
    """The model with plain ``nn.Linear`` layers again (in place), to be saved as any other weights."""
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, FakeQuantLinear):
                setattr(module, child_name, child.linear)
    return model


def prepare_with_teacher(model: torch.nn.Module, bits: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(teacher, student): a frozen fp32 copy of ``model``, whose outputs the student learns, and ``model`` itself
    prepared (in place) to compute as the int8 runtime will."""
    teacher = copy.deepcopy(model).eval().requires_grad_(False)
    return teacher, prepare(model, bits)


def check_resume(ckpt: Path, saved_state: dict, quant_aware: int) -> None:
    """Refuse a checkpoint written with another ``--quant-aware``: a quant-aware model's Linear weights are saved
    under other names, and loading them into the other kind of model (``strict=False``) would drop them silently."""
    written = saved_state.get("quant_aware", 0)  # checkpoints from before the option: 0
    if written != quant_aware:
        raise SystemExit(
            f"Error: {ckpt} was written with --quant-aware {written}; resume it with the same value, or start a new --out"
        )
