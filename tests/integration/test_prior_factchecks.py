"""Prior fact-checks on the real model and a real index: import as a new version, the lifecycle around it,
matching (across languages, and not on a mere topic), and the CLI and API shapes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.integration.conftest import wait_for_job

pytestmark = pytest.mark.integration
DATA = Path(__file__).resolve().parents[1] / "data" / "factchecks"
ADMIN = "admin-0123456789abcdef-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
BELARUS_EN = "NATO barred Belarusian diplomats from entering its headquarters in Brussels."
MATCH_FIELDS = {"id", "claim", "score", "rating", "rating_class", "publisher", "url", "published", "language", "title"}


@pytest.fixture(scope="session")
def factcheck_lookup(factcheck_index, settings_factory):
    from service.claim_checker import ClaimChecker

    return ClaimChecker.open(settings_factory(factcheck_index))


def _store(root: Path):
    from index.store import FaissDocumentStore

    return FaissDocumentStore.load(root)


# --- lifecycle --------------------------------------------------------------------------------------
def test_an_import_is_a_new_version_with_the_passages_untouched(sample_index, factcheck_index):
    before, after = _store(sample_index), _store(factcheck_index)
    assert before.fact_checks is None
    assert after.version != before.version and after.manifest.parent_version == before.version
    assert after.count_documents() == before.count_documents() and len(after.sources) == len(before.sources)
    assert len(after.fact_checks) == after.manifest.fact_check_count == 12
    # the passages' files are the previous version's (linked, never written again)
    old = sample_index / "versions" / before.version
    new = factcheck_index / "versions" / after.version
    assert (new / "passages.sqlite").read_bytes() == (old / "passages.sqlite").read_bytes()


def test_index_status_counts_the_fact_checks(factcheck_index, settings_factory):
    from service.index_status import index_status

    data = index_status(settings_factory(factcheck_index))
    assert data["fact_check_count"] == 12
    assert data["versions"][0]["fact_checks"] == 12 and data["versions"][1]["fact_checks"] == 0


def test_the_same_import_again_changes_nothing_and_a_delete_is_one_more_version(factcheck_index, tmp_path,
                                                                               settings_factory):
    from corpus.claimreview import read_fact_checks
    from index.factcheck_build import FactCheckNotFoundError, delete_fact_checks, import_fact_checks
    from service.index_config import build_config

    root = tmp_path / "index"
    shutil.copytree(factcheck_index, root)
    config = build_config(settings_factory(root))
    records, _ = read_fact_checks([DATA])
    again = import_fact_checks(root, records, config)
    assert again.up_to_date and again.embedded == 0
    gone = delete_fact_checks(root, ["en-coffee"], config)
    assert (gone.removed, gone.fact_checks, gone.embedded) == (1, 11, 0)
    assert "en-coffee" not in _store(root).fact_checks.row_of
    with pytest.raises(FactCheckNotFoundError, match="no fact-check 'en-coffee'"):
        delete_fact_checks(root, ["en-coffee"], config)
    # where there is no index, a delete says so and makes no folder
    from index.errors import IndexNotFoundError

    with pytest.raises(IndexNotFoundError, match="nothing to delete from"):
        delete_fact_checks(tmp_path / "none", ["en-coffee"], config)
    assert not (tmp_path / "none").exists()


def test_a_failed_import_leaves_the_served_version_and_no_debris(factcheck_index, tmp_path, settings_factory,
                                                                monkeypatch):
    from corpus.factcheck import FactCheck
    from index import factcheck_build, layout
    from index.errors import IndexCorruptError
    from service.index_config import build_config

    root = tmp_path / "index"
    shutil.copytree(factcheck_index, root)
    served = layout.read_current(root)

    def broken(*args, **kwargs):
        raise IndexCorruptError("verification failed (injected)")

    monkeypatch.setattr(factcheck_build, "_verify", broken)
    with pytest.raises(IndexCorruptError, match="injected"):
        factcheck_build.import_fact_checks(
            root, [FactCheck(id="new", claim="Oslo is the capital of Norway.")], build_config(settings_factory(root))
        )
    assert layout.read_current(root) == served and layout.debris(root) == []
    assert "new" not in _store(root).fact_checks.row_of


def test_while_an_import_runs_the_old_version_is_served(factcheck_index, tmp_path, settings_factory, monkeypatch):
    from corpus.factcheck import FactCheck
    from index import factcheck_build, layout
    from service.index_config import build_config

    root = tmp_path / "index"
    shutil.copytree(factcheck_index, root)
    served = layout.read_current(root)
    seen = {}
    verify = factcheck_build._verify

    def watched(staging, manifest, fact_checks):
        # the new version is written and about to be checked: what a service (re)loading now gets
        seen["current"], seen["loaded"] = layout.read_current(root), _store(root)
        verify(staging, manifest, fact_checks)

    monkeypatch.setattr(factcheck_build, "_verify", watched)
    report = factcheck_build.import_fact_checks(
        root, [FactCheck(id="new", claim="Oslo is the capital of Norway.")], build_config(settings_factory(root))
    )
    assert seen["current"] == served and seen["loaded"].version == served
    assert "new" not in seen["loaded"].fact_checks.row_of
    assert layout.read_current(root) == report.version != served and "new" in _store(root).fact_checks.row_of


def test_a_passage_update_keeps_the_fact_checks(factcheck_index, tmp_path, settings_factory):
    from corpus.documents import SourceDocument
    from index.build import upsert_documents
    from service.index_config import build_config

    root = tmp_path / "index"
    shutil.copytree(factcheck_index, root)
    report = upsert_documents(
        root,
        [SourceDocument(id="oslo", text="Oslo is the capital of Norway. It lies on the Oslofjord.", language="en")],
        build_config(settings_factory(root)),
    )
    store = _store(root)
    assert store.version == report.version and "oslo" in store.sources
    assert len(store.fact_checks) == 12


def test_an_index_of_fact_checks_alone_answers_claims(tmp_path, settings_factory):
    from corpus.claimreview import read_fact_checks
    from index.factcheck_build import import_fact_checks
    from service.claim_checker import ClaimChecker
    from service.index_config import build_config

    root = tmp_path / "index"
    records, _ = read_fact_checks([DATA / "feed.json"])
    report = import_fact_checks(root, records, build_config(settings_factory(root)))
    assert report.version == "v000001" and report.fact_checks == 3
    lookup = ClaimChecker.open(settings_factory(root))
    result = lookup.verify(BELARUS_EN)
    assert result.verdict == "NOT_ENOUGH_INFO" and result.evidence == []
    assert [m.claim for m in result.prior_fact_checks] == [BELARUS_EN]


# --- matching -----------------------------------------------------------------------------------------
def test_a_german_claim_matches_the_english_fact_check_of_the_same_claim(factcheck_lookup):
    result = factcheck_lookup.match(
        ["Die NATO hat belarussischen Diplomaten den Zutritt zu ihrem Hauptquartier in Brüssel verwehrt."]
    )[0]
    assert result.matches and result.matches[0].claim == BELARUS_EN
    assert result.matches[0].rating == "True" and result.matches[0].publisher == "Example Checks"


def test_an_english_claim_matches_the_french_and_the_spanish_fact_checks(factcheck_lookup):
    russia, vaccines = factcheck_lookup.match(
        ["Russia will disband about 20 units in its Western Military District.", "mRNA vaccines change human DNA."]
    )
    assert [(m.language, m.rating) for m in russia.matches] == [("fr", "Faux")]
    assert [(m.id, m.rating_class) for m in vaccines.matches] == [("es-vacunas-adn", "mostly_false")]


def test_a_claim_on_the_same_topic_but_another_claim_is_not_matched(factcheck_lookup):
    for claim in (
        "NATO expelled eight Russian diplomats from its Brussels headquarters.",
        "The 2023 NATO summit took place in Vilnius.",  # a year and a city changed
        "Coffee contains more caffeine than tea.",
        "Oslo is the capital of Norway.",
    ):
        assert factcheck_lookup.match([claim])[0].matches == [], claim


def test_every_verify_answer_carries_its_prior_fact_checks(factcheck_lookup):
    batch = factcheck_lookup.verify_batch(
        ["Die NATO-Außenminister treffen sich am 1. Juni persönlich in Brüssel.", "Oslo is the capital of Norway."]
    )
    first, second = batch.results
    assert first.prior_fact_checks[0].rating == "Falsch" and first.prior_fact_checks[0].rating_class == "false"
    assert second.prior_fact_checks == []
    assert "prior" in batch.timings_ms


# --- CLI ----------------------------------------------------------------------------------------------
def test_cli_import_reports_each_bad_record_and_imports_the_rest(sample_index, tmp_path):
    from service.cli.main import cli

    root = tmp_path / "index"
    shutil.copytree(sample_index, root)
    out = CliRunner().invoke(cli, ["factchecks", "import", str(DATA), "--index-dir", str(root)])
    assert out.exit_code == 0, out.output
    assert "12 fact-checks (12 added, 0 replaced, 0 removed, 0 unchanged; 12 embedded)" in out.stdout
    assert f"Warning: skipped {DATA / 'factchecks.jsonl'}:4: id is missing or empty" in out.stderr
    assert f"Warning: skipped {DATA / 'feed.json'}: $.dataFeedElement[1].item[1]: claimReviewed" in out.stderr
    out = CliRunner().invoke(cli, ["factchecks", "import", str(tmp_path / "none.json"), "--index-dir", str(root)])
    assert out.exit_code == 2 and "Error: no fact-check to import" in out.stderr


def test_cli_match_json_shape_and_check_prints_prior_fact_checks_first(factcheck_index):
    from service.cli.main import cli

    claim = "NATO restricted the access of Belarusian diplomats to its headquarters."
    out = CliRunner().invoke(cli, ["match", claim, "--json", "--index-dir", str(factcheck_index)])
    assert out.exit_code == 0, out.output
    answer = json.loads(out.stdout)
    assert set(answer) == {"claim", "matches"} and answer["claim"] == claim
    assert answer["matches"][0]["claim"] == BELARUS_EN and set(answer["matches"][0]) == MATCH_FIELDS
    out = CliRunner().invoke(cli, ["check", claim, "--index-dir", str(factcheck_index)])
    assert out.exit_code == 0, out.output
    first = out.stdout.splitlines()[0]
    assert first == (
        "Already fact-checked: Example Checks rated a matching claim 'True' on 2021-06-02 "
        "https://checks.example.org/2021/06/nato-belarus-headquarters"
    )


# --- API ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def factcheck_client(factcheck_index, settings_factory, tmp_path_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    root = tmp_path_factory.mktemp("factcheck-api") / "index"
    shutil.copytree(factcheck_index, root)
    with TestClient(create_app(settings_factory(root, admin_token=ADMIN, index_watch_seconds=0))) as c:
        yield c


def test_api_match_and_verify_shapes(factcheck_client):
    resp = factcheck_client.post("/v1/claims/match", json={"claim": "5G masts are spreading the coronavirus"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["matches"][0]["rating"] == "Pants on Fire!" and body["matches"][0]["rating_class"] == "false"
    assert set(body["matches"][0]) == MATCH_FIELDS
    verify = factcheck_client.post("/v1/claims/verify", json={"claim": "5G masts are spreading the coronavirus"}).json()
    assert verify["prior_fact_checks"] == body["matches"]
    assert factcheck_client.get("/v1/index").json()["fact_check_count"] == 12


def test_api_imports_and_deletes_fact_checks_as_jobs(factcheck_client):
    record = {"id": "en-oslo", "claim": "Oslo is not the capital of Norway.", "rating": "False", "publisher": "Tests"}
    resp = factcheck_client.post("/v1/fact-checks", json=[record], headers=AUTH)
    assert resp.status_code == 202, resp.text
    job = wait_for_job(factcheck_client, resp.json()["job_id"], AUTH)
    assert job["state"] == "succeeded" and job["kind"] == "import_fact_checks", job
    assert job["result"]["added"] == 1 and job["result"]["embedded"] == 1 and job["result"]["fact_checks"] == 13
    found = factcheck_client.post("/v1/claims/match", json={"claim": "Oslo is not Norway's capital."}).json()
    assert found["matches"][0]["id"] == "en-oslo"

    resp = factcheck_client.delete("/v1/fact-checks/en-oslo", headers=AUTH)
    job = wait_for_job(factcheck_client, resp.json()["job_id"], AUTH)
    assert job["state"] == "succeeded" and job["result"]["removed"] == 1
    assert factcheck_client.delete("/v1/fact-checks/en-oslo", headers=AUTH).json()["code"] == "not_found"


def test_api_refuses_bad_fact_checks_and_names_them(factcheck_client):
    feed = json.loads((DATA / "feed.json").read_text(encoding="utf-8"))
    resp = factcheck_client.post("/v1/fact-checks", json=feed, headers=AUTH)
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_request"
    assert resp.json()["errors"] == [{"loc": "$.dataFeedElement[1].item[1]", "message": "claimReviewed is missing or empty"}]
    assert factcheck_client.post("/v1/fact-checks", json=[{"id": "x", "claim": "y"}]).status_code == 401


def test_an_article_report_exports_prior_fact_checks_apart_and_our_export_reads_back(factcheck_client):
    from corpus.claimreview import parse_fact_checks_json

    text = (
        "Brussels, 2 June 2021. NATO restricted the access of Belarusian diplomats to its headquarters in Brussels, "
        "the alliance said on Tuesday."
    )
    report = factcheck_client.post("/v1/articles/check", json={"text": text, "url": "https://news.example/a"}).json()
    claim = next(c for c in report["claims"] if c["result"]["prior_fact_checks"])
    assert claim["result"]["prior_fact_checks"][0]["claim"] == BELARUS_EN
    records = factcheck_client.post("/v1/articles/claimreview", json=report).json()
    ours = next(r for r in records if r["claimReviewed"] == claim["text"])
    assert ours["reviewRating"]["alternateName"] == claim["result"]["verdict"]  # our rating, not theirs
    assert ours["citation"] == [
        {
            "@type": "ClaimReview",
            "claimReviewed": BELARUS_EN,
            "url": "https://checks.example.org/2021/06/nato-belarus-headquarters",
            "author": {"@type": "Organization", "name": "Example Checks"},
            "reviewRating": {"@type": "Rating", "alternateName": "True"},
            "datePublished": "2021-06-02",
            "inLanguage": "en",
        }
    ]
    # what we write, we read: our own reviews import as fact-checks, our verdict classed
    back, problems = parse_fact_checks_json(records)
    assert problems == [] and len(back) == len(records)
    expected = {"SUPPORTED": "true", "REFUTED": "false", "CONFLICTING": "mixed", "NOT_ENOUGH_INFO": "unverifiable"}
    assert {b.rating_class for b in back} <= set(expected.values())
    assert next(b for b in back if b.claim == claim["text"]).rating_class == expected[claim["result"]["verdict"]]


def test_a_damaged_fact_check_file_refuses_its_version(factcheck_index, tmp_path):
    """The one check of a one-folder version's files covers the fact-checks: a damaged one refuses the
    version, and the one before (the passages alone) is served."""
    from index import layout
    from index.factchecks import RECORDS
    from index.store import FaissDocumentStore

    root = tmp_path / "index"
    shutil.copytree(factcheck_index, root)
    version = layout.read_current(root)
    with open(layout.version_dir(root, version) / RECORDS, "a", encoding="utf-8") as fh:
        fh.write("\n")
    store = FaissDocumentStore.load(root)
    assert store.version != version and store.fact_checks is None
    assert store.skipped and store.skipped[0][0] == version and "records.jsonl is damaged" in store.skipped[0][1]


def test_a_ray_build_takes_the_fact_checks_the_service_would_serve(factcheck_index, tmp_path):
    """What the Ray build carries: CURRENT's fact-checks, or, when they fail their checks, those of the
    version a load falls back to (here the passages alone), never a crash."""
    from index import layout
    from index.factcheck_vectors import served_fact_checks
    from index.factchecks import RECORDS

    root = tmp_path / "index"
    shutil.copytree(factcheck_index, root)
    served = served_fact_checks(root)
    assert served.manifest.version == layout.read_current(root) and len(served.fact_checks) == 12
    with open(layout.version_dir(root, layout.read_current(root)) / RECORDS, "a", encoding="utf-8") as fh:
        fh.write("\n")
    fallback = served_fact_checks(root)
    assert fallback.manifest.version != served.manifest.version and fallback.fact_checks is None
    assert served_fact_checks(tmp_path / "none") is None
