"""Weight averaging in the stance export, and the training record of averaged runs."""

import json

import pytest
import torch
from safetensors.torch import save_file

from training.export import mean_weights, stages_of

pytestmark = pytest.mark.unit


def _run(tmp_path, name: str, weights: dict, init_from: str | None = None):
    run = tmp_path / name
    (run / "final").mkdir(parents=True)
    save_file(weights, str(run / "final" / "model.safetensors"))
    hparams = {"out": str(run), "init_from": init_from}
    (run / "hparams.json").write_text(json.dumps(hparams))
    (run / "train_state.json").write_text(json.dumps({"minutes": 1.0}))
    return run


def test_mean_of_two_runs_is_elementwise_in_fp32(tmp_path):
    a = _run(tmp_path, "a", {"w": torch.tensor([1.0, 2.0], dtype=torch.bfloat16), "b": torch.zeros(1)})
    b = _run(tmp_path, "b", {"w": torch.tensor([3.0, 5.0], dtype=torch.bfloat16), "b": torch.ones(1)})
    mean = mean_weights([a / "final", b / "final"])
    assert mean["w"].dtype == torch.float32
    assert mean["w"].tolist() == [2.0, 3.5]
    assert mean["b"].tolist() == [0.5]


@pytest.mark.parametrize("other", [{"v": torch.zeros(2)}, {"w": torch.zeros(3)}])
def test_runs_of_different_models_are_refused(tmp_path, other):
    a = _run(tmp_path, "a", {"w": torch.zeros(2)})
    b = _run(tmp_path, "b", other)
    with pytest.raises(SystemExit, match="other weights"):
        mean_weights([a / "final", b / "final"])


def test_stages_follow_the_chain_of_continued_runs(tmp_path):
    first = _run(tmp_path, "first", {"w": torch.zeros(1)})
    second = _run(tmp_path, "second", {"w": torch.zeros(1)}, init_from=str(first / "final"))
    outs = [st["hparams"]["out"] for st in stages_of([second], tmp_path)]
    assert outs == [str(first), str(second)]


def test_stages_shared_by_averaged_runs_are_listed_once(tmp_path):
    first = _run(tmp_path, "first", {"w": torch.zeros(1)})
    left = _run(tmp_path, "left", {"w": torch.zeros(1)}, init_from=str(first / "final"))
    right = _run(tmp_path, "right", {"w": torch.zeros(1)}, init_from=str(first / "final"))
    outs = [st["hparams"]["out"] for st in stages_of([left, first, right], tmp_path)]
    assert outs == [str(first), str(left), str(right)]
