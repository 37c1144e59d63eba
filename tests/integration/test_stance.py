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
# The shipped CPU-trained weights (MODEL_CARD.md) still misread the headline-style entailment
# case (stage 3 got the German contradiction case right). strict: the day a model gets one of
# them right, it fails and its mark must go.
_WEAK = pytest.mark.xfail(strict=True, reason="known weakness of the CPU-trained stance model (MODEL_CARD.md)")
_WEAK_CASES = {("entailment", "de"), ("entailment", "en")}
SEED_CASES = [
    pytest.param(
        evidence, claim, expected, marks=_WEAK if (expected, lang) in _WEAK_CASES else (), id=f"{expected}-{lang}"
    )
    for lang, evidence in (("de", DE_EVIDENCE), ("en", EN_EVIDENCE))
    for claim, expected in CASES
]


def _scorer(settings_factory, **kw):
    from service.stance import StanceScorer

    s = StanceScorer(cache_dir=settings_factory().model_cache_dir, **kw)
    s.warm_up()
    return s


@pytest.fixture(scope="session")
def scorer(settings_factory):
    """The default: whatever ``auto`` picks on this machine (bf16 on torch with AMX, else ONNX fp32)."""
    return _scorer(settings_factory)


@pytest.fixture(scope="session")
def onnx_scorer(settings_factory):
    return _scorer(settings_factory, backend="onnx", precision="fp32")


@pytest.fixture(scope="session")
def int8_scorer(settings_factory):
    return _scorer(settings_factory, precision="int8")


@pytest.fixture(scope="session")
def torch_scorer(settings_factory):
    return _scorer(settings_factory, backend="torch", precision="fp32")


@pytest.fixture(scope="session")
def bf16_scorer(settings_factory):
    from service.stance.hardware import cpu_has_bf16

    if not cpu_has_bf16():
        pytest.skip("this CPU has neither AMX nor AVX512-BF16: bf16 would be emulated (auto never picks it here)")
    return _scorer(settings_factory, backend="torch", precision="bf16")


@pytest.mark.parametrize(("evidence", "claim", "expected"), SEED_CASES)
def test_seed_article_cases(onnx_scorer, evidence, claim, expected):
    # fp32, the same on every machine: a borderline case must not pass on one CPU and fail on another
    out = onnx_scorer.run([evidence], [claim])
    assert out["labels"] == [expected], out["scores"]
    scores = out["scores"][0]
    assert set(scores) == {"entailment", "neutral", "contradiction"}
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-4)


def test_warm_up_loads_once(scorer):
    from service.stance.hardware import choose_runtime

    assert scorer.runtime == choose_runtime()  # auto, resolved for this machine
    classifier = scorer._classifier
    scorer.warm_up()
    assert scorer._classifier is classifier


# mixed lengths in one call: every runtime sorts by length and must put the answers back in order
MIXED_PREMISES = [DE_EVIDENCE, EN_EVIDENCE * 3, "Kurz.", DE_EVIDENCE + " " + EN_EVIDENCE]
MIXED_CLAIMS = [CASES[0][0], CASES[1][0], CASES[2][0], "Belarus"]


def test_onnx_export_gives_the_torch_model_logits(onnx_scorer, torch_scorer):
    onnx_logits = onnx_scorer.logits(MIXED_PREMISES, MIXED_CLAIMS)
    torch_logits = torch_scorer.logits(MIXED_PREMISES, MIXED_CLAIMS)
    assert onnx_logits.shape == (4, 3)
    np.testing.assert_allclose(onnx_logits, torch_logits, atol=2e-3)
    # one pair alone gets the same answer as inside a padded batch
    np.testing.assert_allclose(onnx_scorer.logits(MIXED_PREMISES[2:3], MIXED_CLAIMS[2:3]), onnx_logits[2:3], atol=1e-4)


def test_bf16_stays_close_to_fp32(bf16_scorer, torch_scorer):
    fp32 = torch_scorer.logits(MIXED_PREMISES, MIXED_CLAIMS)
    bf16 = bf16_scorer.logits(MIXED_PREMISES, MIXED_CLAIMS)
    assert bf16.dtype == np.float32 and bf16.shape == (4, 3)
    # bf16 keeps 8 bits of mantissa: logits move by a few hundredths, labels do not
    np.testing.assert_allclose(bf16, fp32, atol=0.15)
    assert (bf16.argmax(axis=1) == fp32.argmax(axis=1)).all()
    assert not np.array_equal(bf16, fp32)  # it really ran in bf16


def test_unknown_backend_is_refused():
    from service.stance import StanceScorer

    with pytest.raises(ValueError, match="unknown stance backend 'tf'"):
        StanceScorer(backend="tf")
    with pytest.raises(ValueError, match="unknown stance precision 'fp8'"):
        StanceScorer(precision="fp8")


def test_temperature_is_the_shipped_calibration_and_softens_without_changing_the_label(scorer):
    from pathlib import Path

    import service.stance

    # read the file itself, not through the loader under test
    calibration = Path(service.stance.__file__).parent / "model" / "calibration.json"
    shipped = json.loads(calibration.read_text())["temperature"]
    assert shipped > 1.0  # fitted on held-out pairs: the raw model is over-confident
    assert scorer.temperature == pytest.approx(shipped)
    premises, claims = [DE_EVIDENCE, EN_EVIDENCE], [CASES[0][0], CASES[1][0]]
    logits = scorer.logits(premises, claims).astype(np.float64)

    def softmax(x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    calibrated = scorer.probabilities(premises, claims)
    raw = softmax(logits)
    np.testing.assert_allclose(calibrated, softmax(logits / shipped), atol=1e-5)
    # the division really happens: T = 1 would give other scores, T > 1 makes each answer less sure
    assert np.abs(calibrated - raw).max() > 0.01
    assert (calibrated.argmax(axis=1) == raw.argmax(axis=1)).all()
    assert (calibrated.max(axis=1) < raw.max(axis=1)).all()
    # and run(), what the service reports, gives the calibrated scores
    out = scorer.run(premises, claims)
    for got, want in zip(out["scores"], calibrated, strict=True):
        assert [got[label] for label in ("entailment", "neutral", "contradiction")] == pytest.approx(want, abs=1e-5)


def _shared_pairs(name: str, n: int):
    from training.data import vitaminc_pairs, xnli_pairs

    root = SHARED / "data" / "nli"
    if not root.exists():
        pytest.skip("../shared/data/nli is not here")
    pairs = xnli_pairs(root, "validation", "de", "de") if name == "xnli-de" else vitaminc_pairs(root, "eval")
    return random.Random(11).sample(pairs, n)


# Floors sit a few points under the accuracy measured on these fixed subsets when the
# shipped weights were exported (MODEL_CARD.md), so a regression fails and noise does not.
# measured fp32 0.705 / 0.715, int8 0.690 / 0.725, bf16 0.705 / 0.715
@pytest.mark.parametrize(("name", "floor"), [("xnli-de", 0.65), ("vitaminc", 0.67)])
@pytest.mark.parametrize("variant", ["onnx_scorer", "int8_scorer", "bf16_scorer"])
def test_regression_floor(request, variant, name, floor):
    scorer = request.getfixturevalue(variant)
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
