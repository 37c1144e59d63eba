"""A bad setting is answered in the CLI's one-line style, naming the variable the user set."""

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        (
            "FACTCHECK_STANCE_BACKEND",
            "tf",
            "FACTCHECK_STANCE_BACKEND='tf': Input should be 'auto', 'onnx' or 'torch'",
        ),
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


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"FACTCHECK_STANCE_BACKEND": "onnx", "FACTCHECK_STANCE_PRECISION": "bf16"},
            "FACTCHECK_STANCE_PRECISION=bf16 runs on the torch backend, not FACTCHECK_STANCE_BACKEND=onnx",
        ),
        (
            {"FACTCHECK_STANCE_QUANTIZE": "true", "FACTCHECK_STANCE_PRECISION": "fp32"},
            "FACTCHECK_STANCE_QUANTIZE=true means int8, which contradicts FACTCHECK_STANCE_PRECISION=fp32",
        ),
    ],
)
def test_contradictory_stance_settings_are_one_clear_line(monkeypatch, tmp_path, env, expected):
    from service.cli.main import cli

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    res = CliRunner().invoke(cli, ["index", "status", "--index-dir", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"Error: invalid setting {expected}"


def test_a_bad_token_is_never_repeated(monkeypatch, tmp_path):
    from service.cli.main import cli

    monkeypatch.setenv("FACTCHECK_ADMIN_TOKEN", "short-secret")
    res = CliRunner().invoke(cli, ["index", "status", "--index-dir", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert "short-secret" not in res.output
    assert "FACTCHECK_ADMIN_TOKEN=(hidden): Value error, must be at least 16 characters" in res.stderr
