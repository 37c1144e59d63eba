"""Docs as tests: every setting and every CLI command is documented in the README."""

import re
from pathlib import Path

import click
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


def cli_commands() -> list[str]:
    """Every command and subcommand of ``factcheck``, as typed: "factcheck index build"."""
    from service.cli.main import cli

    found: list[str] = []

    def walk(group: click.Group, path: str) -> None:
        for name, command in sorted(group.commands.items()):
            if command.hidden:
                continue
            found.append(f"{path} {name}")
            if isinstance(command, click.Group):
                walk(command, f"{path} {name}")

    walk(cli, "factcheck")
    return found


def test_the_cli_walk_finds_the_subcommands():
    commands = cli_commands()
    assert {"factcheck index", "factcheck index build", "factcheck index update", "factcheck index status"} <= set(
        commands
    )
    assert {"factcheck check", "factcheck check-article", "factcheck search", "factcheck serve"} <= set(commands)


@pytest.mark.parametrize("command", cli_commands())
def test_every_cli_command_is_in_the_readme(command):
    # "factcheck check" must not count as found inside "factcheck check-article"
    assert re.search(re.escape(command) + r"(?![\w-])", README), f"{command} is not in the README"


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
