"""The CLI through click's runner, on the real index."""

import json

import pytest
from click.testing import CliRunner

from service.cli.main import cli

pytestmark = pytest.mark.integration


@pytest.fixture()
def run(monkeypatch, settings_factory):
    monkeypatch.setenv("FACTCHECK_MODEL_CACHE_DIR", str(settings_factory().model_cache_dir))

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_check_human_and_json(run, sample_index):
    res = run("check", "--index-dir", str(sample_index), "-k", "2", "Belarusian access to NATO HQ restricted")
    assert res.exit_code == 0, res.output
    first, *rest = res.output.splitlines()
    assert first.startswith("SUPPORTED  (confidence ") and first.endswith("Belarusian access to NATO HQ restricted")
    assert "\n  1. SUPPORTS" in res.output and "\n  2. " in res.output
    assert "»" in res.output and "«" in res.output  # the cited sentence, marked inside its passage
    res = run("check", "--index-dir", str(sample_index), "--json", "NATO summit 14 June Brussels")
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert len(body["evidence"]) == 5 and body["evidence"][0]["rank"] == 1
    assert body["verdict"] in ("SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO")
    assert {"stance", "sentence", "consistency"} <= set(body["evidence"][0])


def test_search_is_retrieval_only(run, sample_index):
    res = run("search", "--index-dir", str(sample_index), "-k", "2", "Belarusian access to NATO HQ restricted")
    assert res.exit_code == 0, res.output
    assert "1. [" in res.output and "2. [" in res.output and "Belarus" in res.output
    body = json.loads(run("search", "--index-dir", str(sample_index), "--json", "NATO").output)
    assert len(body["evidence"]) == 5 and "verdict" not in body


def test_claims_file_answers_good_lines_and_names_bad_ones(run, sample_index, tmp_path):
    f = tmp_path / "claims.txt"
    f.write_text(
        'Belarusian access to NATO HQ restricted\n{"claim": "NATO-Gipfel in Brüssel"}\n{"claim": "   "}\n{broken\n'
    )
    res = run("check", "--index-dir", str(sample_index), "--claims-file", str(f), "-k", "1")
    assert res.exit_code == 2
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert len(lines) == 4
    assert lines[0]["claim"] == "Belarusian access to NATO HQ restricted" and len(lines[0]["evidence"]) == 1
    assert lines[0]["verdict"] == "SUPPORTED"
    assert lines[1]["claim"] == "NATO-Gipfel in Brüssel" and "verdict" in lines[1]
    assert lines[2] == {"ok": False, "line": 3, "code": "invalid_request", "error": "claim is empty"}
    assert lines[3]["ok"] is False and "invalid JSON" in lines[3]["error"]
    assert "2 claim(s) could not be checked" in res.stderr


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["check", "   "], 2, "claim is empty"),
        (["check", "x" * 1001], 2, "limit is 1000"),
        (["check", "-k", "0", "NATO"], 2, "top_k"),
        (["check"], 2, "give either a CLAIM or --claims-file"),
    ],
)
def test_check_bad_input(run, sample_index, args, code, text):
    res = run(*args[:1], "--index-dir", str(sample_index), *args[1:])
    assert res.exit_code == code
    assert res.stderr.startswith("Error: ") and text in res.stderr
    assert "Traceback" not in res.output


def test_missing_and_corrupt_index(run, sample_index, tmp_path):
    import shutil

    res = run("check", "--index-dir", str(tmp_path / "none"), "NATO")
    assert res.exit_code == 3 and "Error: no index at" in res.stderr
    from index.layout import current_dir

    shutil.copytree(sample_index, tmp_path / "bad")
    (current_dir(tmp_path / "bad") / "passages.sqlite").write_text("garbage")
    res = run("index", "status", "--index-dir", str(tmp_path / "bad"))
    assert res.exit_code == 3 and "passages.sqlite is damaged" in res.stderr


def test_build_reports_bad_files_and_indexes_the_rest(run, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(
        json.dumps({"id": "ok", "text": "Die NATO hält ihren Gipfel am 14. Juni in Brüssel ab."}) + "\n{oops\n"
    )
    (corpus / "b.md").write_text("# Note\n\nThe summit is in Brussels.\n")
    res = run("index", "build", "--corpus", str(corpus), "--index-dir", str(tmp_path / "idx"), "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["documents"] == 2 and report["passages"] >= 2
    assert any("a.jsonl:2" in s for s in report["skipped"])
    assert "Warning: skipped" in res.stderr and "a.jsonl:2" in res.stderr
    status = run("index", "status", "--index-dir", str(tmp_path / "idx"), "--json")
    assert json.loads(status.stdout)["document_count"] == 2


def test_build_of_an_empty_corpus_fails_clearly(run, tmp_path):
    (tmp_path / "empty").mkdir()
    res = run("index", "build", "--corpus", str(tmp_path / "empty"), "--index-dir", str(tmp_path / "idx"))
    assert res.exit_code == 4 and "Error: nothing to index" in res.stderr
    assert not (tmp_path / "idx").exists()


def test_help_is_helpful(run):
    res = run("--help")
    assert res.exit_code == 0 and "index" in res.output and "check" in res.output and "serve" in res.output
    assert "search" in res.output and "eval" in res.output
    res = run("index", "build", "--help")
    assert "--corpus" in res.output and "--index-dir" in res.output


@pytest.fixture(scope="module")
def server_url(sample_index, settings_factory):
    """The real app under uvicorn, with a read token, on a free port."""
    from service.api.app import create_app
    from tests.conftest import live_server

    with live_server(create_app(settings_factory(sample_index, read_token="reader-secret-0123456789"))) as url:
        yield url


def _same_answer(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("took_ms", "timings_ms")}


def test_check_with_a_server_answers_as_the_local_check(run, sample_index, server_url, monkeypatch):
    claim = "Der NATO-Gipfel 2021 fand in Madrid statt"
    local = run("check", "--index-dir", str(sample_index), "--json", claim)
    remote = run("check", "--server", server_url, "--token", "reader-secret-0123456789", "--json", claim)
    assert remote.exit_code == 0, remote.output
    assert _same_answer(json.loads(remote.output)) == _same_answer(json.loads(local.output))
    monkeypatch.setenv("FACTCHECK_SERVER", server_url)  # the environment names it as well
    monkeypatch.setenv("FACTCHECK_READ_TOKEN", "reader-secret-0123456789")
    human = run("search", "-k", "1", "NATO summit in Brussels")
    assert human.exit_code == 0 and human.output.startswith("Claim: NATO summit in Brussels\n\n  1. [")


def test_a_claims_file_through_a_server_names_each_bad_line(run, server_url, tmp_path):
    claims = tmp_path / "claims.txt"
    claims.write_text('NATO summit in Brussels\n{"x": 1}\n' + "x" * 5000 + "\nNATO-Gipfel in Brüssel\n")
    res = run("check", "--server", server_url, "--token", "reader-secret-0123456789", "--claims-file", str(claims))
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [line.get("verdict") for line in lines] == ["SUPPORTED", None, None, lines[3]["verdict"]]
    assert lines[1] == {"ok": False, "line": 2, "code": "invalid_request", "error": "claim must be a string"}
    assert lines[2]["line"] == 3 and "limit is" in lines[2]["error"]  # refused by the service, named here
    assert res.exit_code == 2 and "2 claim(s) could not be checked" in res.stderr


def test_server_errors_are_one_line_with_the_documented_exit_codes(run):
    res = run("check", "--server", "http://127.0.0.1:9", "NATO")
    assert res.exit_code == 3 and res.output.startswith("Error: cannot reach the service at http://127.0.0.1:9")
    assert "Traceback" not in res.output
    res = run("check", "--server", "ftp://example.org", "NATO")
    assert res.exit_code == 2 and "http:// or https://" in res.output


def test_a_server_that_is_not_factcheck_is_one_line(run):
    """A URL that answers 200 with a web page, not the API's JSON: named, not a trace."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>a login page</html>")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        res = run("check", "--server", f"http://127.0.0.1:{server.server_port}", "NATO")
    finally:
        server.shutdown()
    assert res.exit_code == 1 and "did not answer as factcheck serve does (JSONDecodeError)" in res.output
    assert "Traceback" not in res.output


def test_a_server_refusal_carries_the_service_error(run, server_url):
    res = run("check", "--server", server_url, "NATO")  # no token: the service has one
    assert res.exit_code == 1 and "answered 401 unauthorized" in res.output
    res = run("check", "--server", server_url, "--token", "reader-secret-0123456789", "--index-dir", "x", "NATO")
    assert res.exit_code == 2 and "--index-dir names a local index" in res.output


def test_a_model_that_cannot_load_is_model_error(run, sample_index, tmp_path, monkeypatch, settings_factory):
    """A stance model setting that names an empty folder: one line and exit code 5 at the CLI, and the
    service starts unready with the reason instead of a trace."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    empty = tmp_path / "no-model-here"
    empty.mkdir()
    monkeypatch.setenv("FACTCHECK_STANCE_MODEL", str(empty))
    monkeypatch.setenv("FACTCHECK_STANCE_BACKEND", "torch")
    res = run("check", "--index-dir", str(sample_index), "NATO summit in Brussels")
    assert res.exit_code == 5, res.output
    assert res.output.startswith("Error: a model cannot be loaded (") and "FACTCHECK_STANCE_MODEL" in res.output
    assert "Traceback" not in res.output
    settings = settings_factory(sample_index, stance_model=str(empty), stance_backend="torch")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["reason"].startswith("a model cannot be loaded")
