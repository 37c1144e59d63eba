"""The service's log at its default level: one access line a request, not the pipeline's steps."""

import logging

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def service_logging():
    from service.logs import ROUTINE_LOGGERS, configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in ROUTINE_LOGGERS}
    configure_logging(logging.INFO)
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_a_claim_logs_no_pipeline_steps_at_the_default_level(client, service_logging, caplog):
    caplog.set_level(logging.INFO)
    resp = client.post("/v1/claims/verify", json={"claim": "NATO summit in Brussels"})
    assert resp.status_code == 200
    names = [r.name for r in caplog.records]
    assert not [n for n in names if n.startswith("haystack")], names  # "Running component …" x 11, "Warming up …" x 6
    assert len(names) <= 2, names


def test_one_time_setup_is_info_for_the_service_and_shown_by_the_cli(service_logging, caplog):
    from click.testing import CliRunner

    from service.cli.main import cli
    from service.logs import SETUP_LOG

    caplog.set_level(logging.INFO)
    SETUP_LOG.info("Converting … (once)")
    assert [r.levelname for r in caplog.records if r.name == "factcheck.setup"] == ["INFO"]
    # the CLI runs at WARNING, but a first run's conversions are worth a line while a person waits
    CliRunner().invoke(cli, ["index", "status", "--index-dir", "/nonexistent-index"])
    assert SETUP_LOG.getEffectiveLevel() == logging.INFO
    assert logging.getLogger("haystack.core.pipeline.pipeline").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("faiss.loader").getEffectiveLevel() == logging.WARNING
