"""A real, non-editable wheel install in a fresh virtual environment has everything the product needs:
the stance model, the sample corpus, and every data file (an editable install hides what is missing)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
DATA_FILES = [
    "service/stance/model/stance.safetensors",
    "service/stance/model/config.json",
    "service/stance/model/calibration.json",
    "service/article/worthiness.json",
    "service/verify/verdict.json",
    "service/evaluation/climate_fever_folds.json",
    "service/web/static/index.html",
    "service/web/static/app.js",
    "corpus/sample/nato-russia.jsonl",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # build from a copy of the tracked files: setuptools writes build/ and *.egg-info beside the sources
    source = tmp_path_factory.mktemp("source")
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return next(out.glob("factcheck-*.whl"))


def test_the_wheel_holds_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in DATA_FILES if f not in names]
    assert not missing, f"not in the wheel: {missing}"


def test_a_fresh_venv_with_the_wheel_scores_stance(wheel, tmp_path, settings_factory):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # the dependencies come from the test environment's site-packages (a .pth line, whose own .pth files,
    # the editable install's among them, are not read); the project itself only from the wheel
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([venv / "bin" / "pip", "install", "--no-deps", "-q", str(wheel)], check=True, timeout=300)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps(
            {
                "premise": "NATO restricted Belarusian access to its headquarters.",
                "hypothesis": "NATO HQ access restricted",
            }
        )
        + "\n"
    )
    env = {
        "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path),
        "FACTCHECK_MODEL_CACHE_DIR": str(settings_factory().model_cache_dir), "FACTCHECK_THREADS": "2",
    }  # fmt: skip
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import service, sys; print(service.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert str(site) in where.stdout, where.stdout  # the wheel's copy, not the repository's
    result = subprocess.run(
        [venv / "bin" / "factcheck", "nli", "--pairs", str(pairs)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["label"] == "entailment"
