"""The quantisation-aware fine-tune trains against what ONNX Runtime's dynamic int8 really computes: checked here
against ONNX Runtime itself, on a small graph quantised by the function that quantises the stance model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from training.quant_aware import FakeQuantLinear, fake_dynamic_uint8, prepare, strip

pytestmark = pytest.mark.unit


def _ort_linear(linear: torch.nn.Linear, x: torch.Tensor, tmp_path, reduce_range: bool) -> np.ndarray:
    import onnx
    import onnxruntime as ort

    from service.stance.onnx_runtime import quantize_int8

    fp32, int8 = tmp_path / "linear.onnx", tmp_path / "linear_int8.onnx"
    torch.onnx.export(
        linear, (x,), str(fp32), input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "n"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    quantize_int8(fp32, int8, reduce_range)  # as the service quantises the stance model
    session = ort.InferenceSession(str(int8), providers=["CPUExecutionProvider"])
    assert any(n.op_type == "MatMulInteger" for n in onnx.load(str(int8)).graph.node)
    return session.run(None, {"x": x.numpy()})[0]


@pytest.mark.parametrize("bits", [8, 7])
def test_a_prepared_linear_computes_what_onnx_runtime_int8_computes(tmp_path, bits):
    torch.manual_seed(0)
    linear = torch.nn.Linear(48, 24)
    x = torch.randn(16, 48) * 3 + 0.5
    x[0, 0] = 40.0  # an outlier, as hidden states have: it sets the input's one scale
    ort_int8 = _ort_linear(linear, x, tmp_path, reduce_range=bits == 7)
    with torch.no_grad():
        ours = FakeQuantLinear(linear, bits)(x).numpy()
        fp32 = linear(x).numpy()
    assert np.abs(ours - ort_int8).max() < 1e-4  # the same integers, the same scales
    assert np.abs(fp32 - ort_int8).max() > 1e-3  # and rounding that matters: the check can fail


def test_rounding_passes_gradients_straight_through():
    x = torch.randn(4, 8, requires_grad=True)
    fake_dynamic_uint8(x).sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))


def test_prepare_wraps_every_linear_and_strip_restores_the_plain_model():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(4, 2)))
    keys = set(model.state_dict())
    prepare(model, 7)
    assert sum(isinstance(m, FakeQuantLinear) for m in model.modules()) == 2
    strip(model)
    assert not any(isinstance(m, FakeQuantLinear) for m in model.modules())
    assert set(model.state_dict()) == keys  # saved as any other weights
    with pytest.raises(ValueError):
        prepare(model, 4)


@pytest.mark.parametrize("extra", [[], ["--init-from", "shipped", "--student-layers", "6"]])
def test_quant_aware_training_needs_a_trained_model_as_it_is(tmp_path, extra):
    from training.train import main

    with pytest.raises(SystemExit, match="--quant-aware fine-tunes a trained model as it is"):
        main(["--quant-aware", "7", "--out", str(tmp_path / "run"), *extra])
    assert not (tmp_path / "run").exists()  # refused before anything is written


def test_a_checkpoint_resumes_only_with_its_own_quant_aware_setting(tmp_path):
    from training.quant_aware import check_resume

    ckpt = tmp_path / "checkpoint.pt"
    check_resume(ckpt, {"step": 10, "quant_aware": 7}, 7)
    check_resume(ckpt, {"step": 10}, 0)  # written before the option existed
    for state, asked in (({"step": 10, "quant_aware": 7}, 0), ({"step": 10}, 7), ({"quant_aware": 8}, 7)):
        with pytest.raises(SystemExit, match="was written with --quant-aware"):
            check_resume(ckpt, state, asked)
