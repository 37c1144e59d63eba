"""Dynamic batching: concurrent POST /v1/claims/verify requests share one pipeline run, and each
gets the answer it gets alone."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import REPO
from tests.integration.test_operations import _metric

pytestmark = pytest.mark.integration

CLAIMS = [json.loads(line)["claim"] for line in (REPO / "tests/data/gold_claims.jsonl").open(encoding="utf-8")][:6]


# bf16 kernels (torch on a CPU with AMX or AVX512-BF16) give a pair's stance within about 2e-3 of itself
# when it is scored in a batch of another shape; fp32 (ONNX, elsewhere) within 1e-6
TOLERANCE = 5e-3


def assert_same_answer(got: dict, alone: dict) -> None:
    """The answer a claim gets in a batch is the one it gets alone: verdict, cards, labels; numbers to bf16's noise."""
    assert (got["claim"], got["verdict"]) == (alone["claim"], alone["verdict"])
    assert got["confidence"] == pytest.approx(alone["confidence"], abs=TOLERANCE)
    assert [e["passage_id"] for e in got["evidence"]] == [e["passage_id"] for e in alone["evidence"]]
    for e, a in zip(got["evidence"], alone["evidence"], strict=True):
        assert e["stance"]["label"] == a["stance"]["label"] and e["score"] == pytest.approx(a["score"], abs=1e-4)
        for key in ("supports", "refutes", "neutral"):
            assert e["stance"][key] == pytest.approx(a["stance"][key], abs=TOLERANCE)


@pytest.fixture(scope="module")
def batched(sample_index, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    # a wide window, so requests sent together surely meet in one batch
    with TestClient(create_app(settings_factory(sample_index, batch_window_ms=300))) as c:
        yield c


def stance_runs(client) -> float:
    try:
        return _metric(client.get("/metrics").text, "factcheck_stage_seconds_count", stage="stance")
    except AssertionError:  # no run yet
        return 0.0


def post_together(client, bodies: list[dict]) -> list:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda body: client.post("/v1/claims/verify", json=body), bodies))


def test_concurrent_checks_share_a_batch_and_answer_as_alone(batched, sample_lookup):
    batcher = batched.app.state.batcher
    before = (batcher.batches, batcher.claims)
    runs = stance_runs(batched)
    answers = post_together(batched, [{"claim": c} for c in CLAIMS])
    assert [a.status_code for a in answers] == [200] * len(CLAIMS)
    batches, claims = batcher.batches - before[0], batcher.claims - before[1]
    assert claims == len(CLAIMS) and batches < len(CLAIMS)
    # the stage histograms count pipeline runs, not claims
    assert stance_runs(batched) == runs + batches
    for claim, answer in zip(CLAIMS, answers, strict=True):
        alone = sample_lookup.verify(claim).model_dump(mode="json")
        assert_same_answer(answer.json(), alone)
        assert answer.json()["timings_ms"]["stance"] > 0


def test_a_bad_claim_fails_alone_and_the_others_are_answered(batched):
    bodies = [
        {"claim": CLAIMS[0]},
        {"claim": "   "},
        {"claim": CLAIMS[1], "top_k": 0},
        {"claim": CLAIMS[2], "top_k": 2},
    ]
    answers = post_together(batched, bodies)
    assert [a.status_code for a in answers] == [200, 422, 422, 200]
    assert answers[1].json()["code"] == "invalid_request" and answers[1].json()["errors"][0]["loc"] == "claim"
    assert len(answers[3].json()["evidence"]) <= 2 and answers[3].json()["top_k"] == 2


def test_window_zero_runs_every_request_alone(sample_index, settings_factory):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    with TestClient(create_app(settings_factory(sample_index, batch_window_ms=0))) as c:
        answers = post_together(c, [{"claim": claim} for claim in CLAIMS[:3]])
        assert [a.status_code for a in answers] == [200] * 3
        assert c.app.state.batcher.batches == 0
