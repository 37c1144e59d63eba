"""The stance model at run time: seed-article cases, a regression floor, the nli CLI."""

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import SHARED

pytestmark = pytest.mark.integration

DE_EVIDENCE = (
    "Die Allianz werde den Zugang von weißrussischen Vertretern zu ihrem Hauptquartier in Brüssel einschränken."
)
EN_EVIDENCE = "The alliance will restrict the access of Belarusian representatives to its headquarters in Brussels."
CASES = [
    ("Belarusian access to NATO HQ restricted", "entailment"),
    ("NATO opened its headquarters to Belarusian officials", "contradiction"),
    ("NATO will hold a summit in Brussels on 14 June", "neutral"),
]
# The shipped CPU-trained weights (60k pairs, MODEL_CARD.md) still misread the headline-style
# entailment and contradiction cases. strict: the day a model gets them right, these fail and
# the mark must go.
_WEAK = pytest.mark.xfail(strict=True, reason="known weakness of the CPU-trained stance model (MODEL_CARD.md)")
SEED_CASES = [pytest.param(c, e, marks=_WEAK if e != "neutral" else (), id=e) for c, e in CASES]


@pytest.fixture(scope="session")
def scorer(settings_factory):
    from service.stance import StanceScorer

    s = StanceScorer(cache_dir=settings_factory().model_cache_dir)
    s.warm_up()
    return s


@pytest.mark.parametrize("evidence", [DE_EVIDENCE, EN_EVIDENCE], ids=["german-evidence", "english-evidence"])
@pytest.mark.parametrize(("claim", "expected"), SEED_CASES)
def test_seed_article_cases(scorer, evidence, claim, expected):
    out = scorer.run([evidence], [claim])
    assert out["labels"] == [expected], out["scores"]
    scores = out["scores"][0]
    assert set(scores) == {"entailment", "neutral", "contradiction"}
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-4)


def test_warm_up_loads_once(scorer):
    encoder = scorer._encoder
    scorer.warm_up()
    assert scorer._encoder is encoder


def test_temperature_softens_without_changing_the_label(scorer):
    logits = scorer.logits([DE_EVIDENCE], [CASES[0][0]])
    sharp = scorer.probabilities([DE_EVIDENCE], [CASES[0][0]])
    assert scorer.temperature > 0
    hot = np.exp(logits / (scorer.temperature * 4))
    hot /= hot.sum()
    assert hot.argmax() == sharp.argmax() and hot.max() < sharp.max()


def _shared_pairs(name: str, n: int):
    from training.data import vitaminc_pairs, xnli_pairs

    root = SHARED / "data" / "nli"
    if not root.exists():
        pytest.skip("../shared/data/nli is not here")
    pairs = xnli_pairs(root, "validation", "de", "de") if name == "xnli-de" else vitaminc_pairs(root, "eval")
    return random.Random(11).sample(pairs, n)


# Floors sit a few points under the accuracy measured on these fixed subsets when the
# shipped weights were exported (MODEL_CARD.md), so a regression fails and noise does not.
@pytest.mark.parametrize(("name", "floor"), [("xnli-de", 0.63), ("vitaminc", 0.62)])  # measured 0.685, 0.675
def test_regression_floor(scorer, name, floor):
    pairs = _shared_pairs(name, 200)
    probs = scorer.probabilities([p.premise for p in pairs], [p.hypothesis for p in pairs])
    acc = float((probs.argmax(axis=1) == np.array([p.label for p in pairs])).mean())
    assert acc >= floor, f"{name} accuracy {acc:.3f} fell under {floor}"


def test_label_order_of_other_models():
    from service.stance.scorer import StanceScorer

    assert StanceScorer._label_order({0: "contradiction", 1: "entailment", 2: "neutral"}) == [1, 2, 0]
    assert StanceScorer._label_order({"0": "SUPPORTS", "1": "NOT ENOUGH INFO", "2": "REFUTES"}) == [0, 1, 2]
    with pytest.raises(ValueError, match="NLI model"):
        StanceScorer._label_order({0: "LABEL_0", 1: "LABEL_1"})


def test_nli_cli_answers_good_lines_and_names_bad_ones(scorer, settings_factory, monkeypatch, tmp_path):
    from service.cli.main import cli

    monkeypatch.setenv("FACTCHECK_MODEL_CACHE_DIR", str(settings_factory().model_cache_dir))
    f = tmp_path / "pairs.jsonl"
    f.write_text(
        "\n".join(
            [
                json.dumps({"premise": DE_EVIDENCE, "hypothesis": CASES[0][0]}),
                "{not json",
                json.dumps({"evidence": EN_EVIDENCE, "claim": CASES[1][0]}),
                json.dumps({"premise": "only one side"}),
                json.dumps(["a", "b"]),
                json.dumps({"text": "wrong keys"}),
            ]
        )
        + "\n"
    )
    res = CliRunner().invoke(cli, ["nli", "--pairs", str(f)], catch_exceptions=False)
    assert res.exit_code == 2
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert len(out) == 6
    # the CLI answers exactly what the component answers, line for line
    expected = scorer.run([DE_EVIDENCE, EN_EVIDENCE], [CASES[0][0], CASES[1][0]])
    assert [out[0]["label"], out[2]["label"]] == expected["labels"]
    for got, want in zip([out[0]["scores"], out[2]["scores"]], expected["scores"], strict=True):
        assert got == pytest.approx(want, abs=1e-5)
    assert out[1] == {
        "ok": False,
        "line": 2,
        "error": "invalid JSON (Expecting property name enclosed in double quotes at column 2)",
    }
    assert out[3]["ok"] is False and "non-empty strings" in out[3]["error"]
    assert out[4]["ok"] is False and "JSON object" in out[4]["error"]
    assert out[5]["ok"] is False and "'premise' and 'hypothesis'" in out[5]["error"]
    assert "Warning: line 2" in res.stderr and "Error: 4 line(s) could not be read" in res.stderr
    assert "Traceback" not in res.output


def test_nli_cli_reads_stdin(scorer, settings_factory, monkeypatch):
    from service.cli.main import cli

    monkeypatch.setenv("FACTCHECK_MODEL_CACHE_DIR", str(settings_factory().model_cache_dir))
    line = json.dumps({"premise": DE_EVIDENCE, "hypothesis": CASES[2][0]}) + "\n"
    res = CliRunner().invoke(cli, ["nli", "--pairs", "-"], input=line, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["label"] == "neutral" == scorer.run([DE_EVIDENCE], [CASES[2][0]])["labels"][0]
