"""Docs as tests: every setting and every CLI command is documented in the README or in docs/, and
every relative link between the documentation files points at something that exists."""

import re
from pathlib import Path

import click
import pytest

from service.settings import Settings

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# the documentation text: the README and every file of docs/ together
DOCS = "\n\n".join(path.read_text(encoding="utf-8") for path in DOC_FILES)
# what each package takes in, gives out and which files do it: every README.md of the code's folders
PACKAGE_READMES = sorted(path for top in ("corpus", "index", "service") for path in (REPO / top).rglob("README.md"))


def test_the_docs_folder_is_there():
    names = {path.name for path in DOC_FILES}
    assert {"settings.md", "architecture.md", "operations.md", "benchmarks.md", "scaling.md", "testing.md"} <= names


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_docs(field):
    assert f"FACTCHECK_{field.upper()}" in DOCS


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
    assert {"factcheck factchecks", "factcheck factchecks import", "factcheck factchecks delete"} <= set(commands)
    assert {"factcheck check", "factcheck check-article", "factcheck search", "factcheck serve"} <= set(commands)


@pytest.mark.parametrize("command", cli_commands())
def test_every_cli_command_is_in_the_docs(command):
    # "factcheck check" must not count as found inside "factcheck check-article"
    assert re.search(re.escape(command) + r"(?![\w-])", DOCS), f"{command} is not in the README or docs/"


def test_readme_names_the_two_commands():
    assert "./run.sh" in README and "./test.sh" in README


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert "./test.sh" in ci


def test_the_readme_error_table_is_the_code_vocabulary():
    from service.errors import CODES

    table = README[README.index("| code | status | when |") :].split("\n\n")[0].splitlines()[2:]
    documented = {}
    for row in table:
        cells = [c.strip() for c in row.strip("|").split("|")]
        documented[cells[0].strip("`")] = int(cells[1])
    assert documented == CODES


def test_the_readme_keeps_the_routes_table():
    assert "| method and path | what |" in README
    for route in ("POST /v1/claims/verify", "POST /v1/articles/check", "POST /v1/claims/match", "GET /readyz"):
        assert f"| `{route}` |" in README, route


def test_the_packages_have_their_readmes():
    folders = {path.parent.relative_to(REPO).as_posix() for path in PACKAGE_READMES}
    assert {"corpus", "index", "service/verify", "service/article"} <= folders
    # the prior fact-checks' package, wherever it lives
    assert any(folder.endswith("prior") for folder in folders)


def test_the_readme_links_every_docs_file_and_package_readme():
    for path in [*DOC_FILES[1:], *PACKAGE_READMES]:
        target = path.relative_to(REPO).as_posix()
        assert f"]({target})" in README, f"README.md does not link {target}"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def anchors(path: Path) -> set[str]:
    """The anchors GitHub makes of a Markdown file's headings: lower case, punctuation gone, spaces as hyphens."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#* *$", text, re.M):
        found.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return found


def relative_links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def test_the_link_check_sees_the_links():
    assert "docs/settings.md" in relative_links(REPO / "README.md")
    assert anchors(REPO / "README.md") >= {"the-two-commands", "api", "prior-fact-checks"}


@pytest.mark.parametrize("doc", [*DOC_FILES, *PACKAGE_READMES], ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_points_at_a_file_that_exists(doc):
    assert doc.is_file(), f"{doc.relative_to(REPO)} is missing"
    for link in relative_links(doc):
        target, _, anchor = link.partition("#")
        path = (doc.parent / target).resolve()
        assert path.exists(), f"{doc.relative_to(REPO)} links {link}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path), f"{doc.relative_to(REPO)} links {link}: no such heading"
