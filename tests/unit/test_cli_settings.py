"""A bad setting is answered in the CLI's one-line style, naming the variable the user set."""

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ("FACTCHECK_STANCE_BACKEND", "tf", "FACTCHECK_STANCE_BACKEND='tf': Input should be 'onnx' or 'torch'"),
        ("FACTCHECK_THREADS", "0", "FACTCHECK_THREADS='0': Input should be greater than or equal to 1"),
    ],
)
def test_invalid_setting_is_one_clear_line(monkeypatch, tmp_path, env, value, expected):
    from service.cli.main import cli

    monkeypatch.setenv(env, value)
    res = CliRunner().invoke(cli, ["index", "status", "--index-dir", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"Error: invalid setting {expected}"
    assert "Traceback" not in res.output
