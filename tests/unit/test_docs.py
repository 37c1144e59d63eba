"""Docs as tests: every setting and every CLI command is documented in the README."""

from pathlib import Path

import pytest

from service.settings import Settings

pytestmark = pytest.mark.unit
README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(field):
    assert f"FACTCHECK_{field.upper()}" in README


def test_every_setting_has_a_description():
    for name, field in Settings.model_fields.items():
        assert field.description, name


def test_readme_names_the_two_commands():
    assert "./run.sh" in README and "./test.sh" in README


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "./test.sh" in ci


def test_the_readme_error_table_is_the_code_vocabulary():
    from service.errors import CODES

    table = README[README.index("| code | status | when |") :].split("\n\n")[0].splitlines()[2:]
    documented = {}
    for row in table:
        cells = [c.strip() for c in row.strip("|").split("|")]
        documented[cells[0].strip("`")] = int(cells[1])
    assert documented == CODES
