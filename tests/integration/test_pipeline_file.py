"""The check pipeline as a YAML file: written out, read back, served, with the answers of the built-in one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.integration.test_verify import GOLD

pytestmark = pytest.mark.integration

# the seed article's claims, every kind of the gold set, and three languages
CLAIMS = [r["claim"] for r in GOLD[::3]]


def as_read(text: str) -> dict:
    """A pipeline file's content (the order of its connections is the graph's, not a setting)."""
    data = yaml.safe_load(text)
    data["connections"] = sorted(data["connections"], key=lambda c: (c["sender"], c["receiver"]))
    return data


def comparable(batch) -> list[dict]:
    return [r.model_dump(exclude={"took_ms", "timings_ms"}) for r in batch.results]


@pytest.fixture(scope="module")
def pipeline_file(sample_lookup, tmp_path_factory):
    from service.verify.pipeline import dump_pipeline

    path = tmp_path_factory.mktemp("pipeline") / "verify.yaml"
    path.write_text(dump_pipeline(sample_lookup.verify_pipeline), encoding="utf-8")
    return path


def checker_for(sample_lookup, path):
    from service.claim_checker import ClaimChecker

    settings = sample_lookup.settings.model_copy(update={"verify_pipeline": path})
    return ClaimChecker(settings, sample_lookup.store, sample_lookup.index_dir)


def test_the_file_names_every_step_with_its_settings(pipeline_file, sample_lookup):
    data = yaml.safe_load(pipeline_file.read_text(encoding="utf-8"))
    steps = data["components"]
    assert set(steps) >= {"claims", "embedder", "dense", "bm25", "fuse", "relevance", "stance", "verdict", "prior"}
    assert steps["stance"]["init_parameters"]["scorer"]["init_parameters"]["model"] == sample_lookup.settings.stance_model
    assert steps["dense"]["init_parameters"]["depth"] == sample_lookup.settings.retrieval_depth
    store = steps["dense"]["init_parameters"]["document_store"]
    assert store["type"] == "index.store.FaissDocumentStore"
    # the version it was dumped from (the service gives the steps the version it serves, see below)
    assert store["init_parameters"]["index_dir"] == str(sample_lookup.index_dir / "versions" / sample_lookup.version)
    assert steps["verdict"]["init_parameters"]["params"] is None  # the packaged verdict.json


def test_a_pipeline_served_from_its_file_answers_exactly_like_the_built_in_one(pipeline_file, sample_lookup, caplog):
    from service.verify.pipeline import dump_pipeline

    with caplog.at_level(logging.INFO, logger="service.verify.pipeline"):
        served = checker_for(sample_lookup, pipeline_file)
    assert "differs from the built-in one (settings as now) in: nothing" in caplog.text
    assert as_read(dump_pipeline(served.verify_pipeline)) == as_read(pipeline_file.read_text(encoding="utf-8"))
    # the loaded steps read the store the service loaded and checked, and share its stance model
    assert served.verify_pipeline.get_component("dense").document_store is sample_lookup.store
    assert served.verify_pipeline.get_component("prior").document_store is sample_lookup.store
    assert served.verify_pipeline.get_component("stance").scorer is sample_lookup.verify_pipeline.get_component(
        "stance"
    ).scorer
    assert comparable(served.verify_batch(CLAIMS, 5)) == comparable(sample_lookup.verify_batch(CLAIMS, 5))


def test_an_edited_file_changes_the_answers(pipeline_file, sample_lookup, tmp_path, caplog):
    from service.verify.verdict import VerdictParams

    data = yaml.safe_load(pipeline_file.read_text(encoding="utf-8"))
    strict = VerdictParams.load().to_dict()
    strict["support_threshold"] = strict["refute_threshold"] = strict["conflict_threshold"] = 1.01  # nothing decides
    data["components"]["verdict"]["init_parameters"]["params"] = strict
    edited = tmp_path / "strict.yaml"
    edited.write_text(yaml.safe_dump(data), encoding="utf-8")
    before = sample_lookup.verify_batch(CLAIMS[:6], 5).results
    with caplog.at_level(logging.INFO, logger="service.verify.pipeline"):
        after = checker_for(sample_lookup, edited).verify_batch(CLAIMS[:6], 5).results
    # the start says what the file changes
    changed = caplog.text.split("in: ", 1)[1].splitlines()[0].split(", ")
    assert changed == ["verdict.params"]
    assert {r.verdict for r in before} != {"NOT_ENOUGH_INFO"}
    assert {r.verdict for r in after} == {"NOT_ENOUGH_INFO"}


def test_a_file_loaded_on_its_own_opens_its_store_once(pipeline_file, sample_lookup):
    from service.verify.pipeline import load_pipeline

    pipe = load_pipeline(pipeline_file.read_text(encoding="utf-8"))
    stores = {id(pipe.get_component(name).document_store) for name in ("dense", "bm25", "fuse", "prior")}
    assert len(stores) == 1
    store = pipe.get_component("dense").document_store
    assert store is not sample_lookup.store and store.version == sample_lookup.store.version
    assert pipe.get_component("relevance").store is store


def edited(pipeline_file, tmp_path, change) -> Path:
    data = yaml.safe_load(pipeline_file.read_text(encoding="utf-8"))
    change(data["components"])
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_file_whose_embedder_differs_from_the_index_is_refused(pipeline_file, sample_lookup, tmp_path):
    from service.errors import SettingsError

    def other_prefix(steps):
        steps["embedder"]["init_parameters"]["embedder"]["init_parameters"]["prefix"] = "passage: "

    with pytest.raises(SettingsError, match="embeds claims with .* and prefix 'passage: '"):
        checker_for(sample_lookup, edited(pipeline_file, tmp_path, other_prefix))


def test_a_file_naming_another_store_class_is_refused(pipeline_file, sample_lookup, tmp_path):
    from service.errors import SettingsError

    def other_store(steps):
        steps["dense"]["init_parameters"]["document_store"]["type"] = "index.store.Document"

    with pytest.raises(SettingsError, match="not one this service opens"):
        checker_for(sample_lookup, edited(pipeline_file, tmp_path, other_store))


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read"),
        ("components: [1, 2", "is not a pipeline"),
        ("components:\n  x:\n    type: os.system\n", "is not a pipeline"),
        ("components: {}\nconnections: []\n", "lacks the steps"),
    ],
)
def test_a_bad_file_is_a_settings_error_that_names_it(sample_lookup, tmp_path, content, message):
    from service.errors import SettingsError

    path = tmp_path / "bad.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message) as err:
        checker_for(sample_lookup, path)
    assert "FACTCHECK_VERIFY_PIPELINE" in str(err.value) and str(path) in str(err.value)


def test_the_cli_writes_the_file(sample_index, tmp_path):
    from service.cli.main import cli

    out = tmp_path / "dumped.yaml"
    result = CliRunner().invoke(cli, ["pipeline", "dump", "--index-dir", str(sample_index), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    folder = data["components"]["bm25"]["init_parameters"]["document_store"]["init_parameters"]["index_dir"]
    assert Path(folder).parent == sample_index / "versions"
    result = CliRunner().invoke(cli, ["pipeline", "dump", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code != 0 and "Traceback" not in result.output
