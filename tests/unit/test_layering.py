"""The data flow is corpus -> index -> service: the lower packages never import the service."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

_PROBE = """
import os, sys
for name in ("HF_HUB_OFFLINE", "HAYSTACK_TELEMETRY_ENABLED", "TOKENIZERS_PARALLELISM"):
    os.environ.pop(name, None)
import corpus.components, corpus.loaders, corpus.passages
import index.build, index.embedders, index.store, index.testing, index.version_check
print(sorted(m for m in sys.modules if m == "service" or m.startswith("service.")))
print(os.environ.get("HF_HUB_OFFLINE"), os.environ.get("HAYSTACK_TELEMETRY_ENABLED"))
"""


def test_corpus_and_index_import_no_service_module_and_still_go_offline():
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout
    imported, environment = out.splitlines()
    assert imported == "[]"
    # factcheck_env ran before haystack: no hub and no telemetry host is asked
    assert environment == "1 False"


def test_a_users_own_environment_setting_is_kept():
    probe = "import os; os.environ['HF_HUB_OFFLINE'] = '0'; import index; print(os.environ['HF_HUB_OFFLINE'])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0"


def test_the_import_contracts_hold():
    """pyproject.toml's [tool.importlinter]: the layers (corpus -> index -> service; in the service the CLI and
    the API above the article check, the claim verifier and the claim pipeline's steps) and no cycles."""
    import shutil
    from pathlib import Path

    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    out = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout
