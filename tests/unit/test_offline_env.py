"""The offline environment (factcheck_env.py): ONNX Runtime leaves no device id or telemetry file behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.unit

SESSION = """
import sys
if sys.argv[1] == "ours":
    import service  # noqa: F401  (imports factcheck_env first, as every package of ours does)
import onnx
import onnxruntime
from onnx import TensorProto, helper

graph = helper.make_graph(
    [helper.make_node("Identity", ["x"], ["y"])],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
"""


# ONNX Runtime keeps quiet by itself where these say it runs on CI (as ./test.sh does there)
_QUIET = {"ORT_DISABLE_TELEMETRY", "CI", "CONTINUOUS_INTEGRATION", "GITHUB_ACTIONS", "TF_BUILD"}


def _files_left(home, how: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in _QUIET} | {"HOME": str(home)}
    subprocess.run([sys.executable, "-c", SESSION, how], cwd=REPO, env=env, check=True, timeout=120)
    return [str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()]


def test_onnx_runtime_writes_nothing_under_home(tmp_path):
    (tmp_path / "bare").mkdir()
    (tmp_path / "ours").mkdir()
    # without our environment ONNX Runtime leaves its device id: the check below can fail
    if not any("deviceid" in f for f in _files_left(tmp_path / "bare", "bare")):
        pytest.skip("this ONNX Runtime writes no device id even without our setting")
    assert _files_left(tmp_path / "ours", "ours") == []
