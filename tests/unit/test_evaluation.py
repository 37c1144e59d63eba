import json
from collections import Counter
from functools import partial

import numpy as np
import pytest

from service.evaluation import datasets
from service.evaluation.datasets import (
    ENV_DATA_ROOT,
    default_data_root,
    load_climate_fever,
    load_jsonl,
    load_scifact,
    normalize_label,
)
from service.evaluation.folds import load_folds
from service.evaluation.metrics import (
    LABELS,
    accuracy,
    bootstrap_ci,
    brier,
    confusion,
    ece,
    format_confusion,
    macro_f1,
    per_class_f1,
    recall_at_k,
)
from service.evaluation.report import format_table, score

pytestmark = pytest.mark.unit

S, R, C, N = LABELS
TRUE = [S, S, S, R, R, N, N, N, C, S]
PRED = [S, S, R, R, N, N, N, S, S, C]


def data_root():
    try:
        return default_data_root()
    except FileNotFoundError as exc:
        pytest.skip(f"benchmark data not available: {exc}")


# --- metrics on hand-computed cases ---


def test_accuracy_and_per_class_f1_by_hand():
    assert accuracy(TRUE, PRED) == pytest.approx(0.5)
    f1 = per_class_f1(TRUE, PRED)
    # S: tp 2, true 4, predicted 4 -> 4/8; R: tp 1, 2, 2 -> 2/4; N: tp 2, 3, 3 -> 4/6; C: tp 0 -> 0
    assert f1 == pytest.approx({S: 0.5, R: 0.5, C: 0.0, N: 2 / 3})
    assert list(f1) == [S, R, C, N]  # our label order, not sorted
    assert macro_f1(TRUE, PRED) == pytest.approx((0.5 + 0.5 + 0 + 2 / 3) / 4)


def test_macro_f1_defaults_to_labels_in_truth():
    # CONFLICTING is only predicted: it is a miss for S, not a fifth class in the mean.
    assert per_class_f1([S, S, R], [S, C, R]) == pytest.approx({S: 2 / 3, R: 1.0})
    assert macro_f1([S, S, R], [S, C, R]) == pytest.approx((2 / 3 + 1) / 2)
    assert macro_f1([S, S, R], [S, C, R], labels=LABELS) == pytest.approx((2 / 3 + 1 + 0 + 0) / 4)


def test_macro_f1_and_confusion_equal_sklearn():
    from sklearn.metrics import confusion_matrix, f1_score

    rng = np.random.default_rng(0)
    for _ in range(20):
        t = rng.choice(LABELS, size=200, p=[0.4, 0.2, 0.1, 0.3]).tolist()
        p = rng.choice(LABELS, size=200).tolist()
        present = [label for label in LABELS if label in t]
        assert macro_f1(t, p) == pytest.approx(f1_score(t, p, labels=present, average="macro"))
        assert confusion(t, p, LABELS) == confusion_matrix(t, p, labels=list(LABELS)).tolist()


def test_confusion_by_hand_and_as_text():
    m = confusion(TRUE, PRED, LABELS)
    assert m == [[2, 1, 1, 0], [0, 1, 0, 1], [1, 0, 0, 0], [1, 0, 0, 2]]
    text = format_confusion(m, LABELS).splitlines()
    assert len(text) == 5 and len({len(line) for line in text}) == 1  # aligned
    assert text[1].split() == ["SUPPORTED", "2", "1", "1", "0"]


def test_ece():
    assert ece([1.0, 1.0, 0.0], [True, True, False]) == pytest.approx(0.0)
    # Two bins: (0.5, 0.6] with accuracy 1/2 at mean confidence 0.55 -> 0.05; (0.9, 1] accuracy 1 at 0.95 -> 0.05
    assert ece([0.55, 0.55, 0.95, 0.95], [True, False, True, True]) == pytest.approx(0.05)
    assert ece([0.9, 0.9], [False, False]) == pytest.approx(0.9)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ece([1.5], [True])


def test_ece_of_calibrated_toy_data_is_near_zero():
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.25, 1.0, 200_000)
    correct = rng.uniform(size=conf.size) < conf  # right with probability equal to the confidence
    assert ece(conf, correct) < 0.01
    assert ece(np.full(conf.size, 0.99), correct) > 0.3  # overconfident


def test_brier():
    probs = np.array([[1.0, 0, 0, 0], [0.5, 0.5, 0, 0], [0.25, 0.25, 0.25, 0.25]])
    # 0; (0.5^2 + 0.5^2); (0.75^2 + 3 * 0.25^2)
    assert brier(probs, [0, 0, 3]) == pytest.approx((0 + 0.5 + 0.75) / 3)
    assert brier(np.array([[0.0, 1.0]]), [0]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="sum to 1"):
        brier(np.array([[0.5, 0.2]]), [0])
    with pytest.raises(ValueError, match="indices"):
        brier(probs, [0, 1, 4])


def test_bootstrap_interval_contains_point_value_and_is_reproducible():
    rng = np.random.default_rng(2)
    t = rng.choice(LABELS, size=300).tolist()
    p = [label if rng.uniform() < 0.6 else S for label in t]
    fixed_f1 = partial(macro_f1, labels=LABELS)
    for fn in (accuracy, fixed_f1):
        low, high = bootstrap_ci(fn, t, p, n=300)
        assert low < fn(t, p) < high
        assert high - low < 0.2
        assert bootstrap_ci(fn, t, p, n=300) == (low, high)


def test_recall_at_k():
    ranked = [["a", "a", "b", "c"], ["x", "y"], ["q"]]
    gold = [["b", "c"], [], ["z"]]
    # "a" twice counts once: top-2 distinct = a, b -> 1/2; the claim without gold is left out.
    assert recall_at_k(ranked, gold, 2) == pytest.approx((0.5 + 0.0) / 2)
    assert recall_at_k(ranked, gold, 3) == pytest.approx((1.0 + 0.0) / 2)
    assert np.isnan(recall_at_k([["a"]], [[]], 1))


def test_score_and_table():
    conf = [0.9, 0.8, 0.6, 0.7, 0.5, 0.9, 0.8, 0.6, 0.4, 0.5]
    probs = np.full((len(TRUE), 4), 0.25)
    ours = score(TRUE, PRED, conf, probs, n_boot=200)
    assert ours.accuracy == pytest.approx(0.5) and ours.brier == pytest.approx(0.75)
    assert ours.accuracy_ci[0] <= 0.5 <= ours.accuracy_ci[1]
    assert ours.confusion == confusion(TRUE, PRED, LABELS)
    naive = score(TRUE, [S] * len(TRUE), [0.5] * len(TRUE), n_boot=200)
    assert naive.brier is None and naive.per_class_f1[R] == 0.0
    table = format_table({"naive top-1": naive, "ours": ours}, confusions=True)
    lines = table.splitlines()
    assert "naive top-1" in lines[0] and "ours" in lines[0]
    assert any(line.startswith("  F1 NOT_ENOUGH_INFO") for line in lines)
    assert "0.500 [" in table and "true \\ predicted" in table
    head = lines[: lines.index("") - 1]  # the metric rows line up
    assert len({len(line) for line in head}) == 1


# --- loaders on the shared benchmark data ---


def test_climate_fever():
    ev = load_climate_fever(data_root())
    assert len(ev.claims) == 1231
    assert Counter(c.label for c in ev.claims) == {S: 522, N: 385, R: 206, C: 118}
    ids = [d["id"] for d in ev.documents]
    assert len(ids) == len(set(ids)) == 4383  # 6,155 evidence sentences, 4,383 distinct (article, text)
    assert all(d["language"] == "en" and d["title"] and d["text"] for d in ev.documents)
    docs = {d["id"]: d for d in ev.documents}
    for c in ev.claims:
        assert c.fold in range(5)
        assert all(doc_id in docs for doc_id in c.evidence_docs)
        assert c.gold_sentences == [docs[doc_id]["text"] for doc_id in c.evidence_docs]
        assert bool(c.evidence_docs) == (c.label != N)  # only NOT_ENOUGH_INFO claims lack gold sentences


def test_climate_fever_folds_are_fixed_and_stratified():
    ev = load_climate_fever(data_root())
    assert set(load_folds()) == {c.id for c in ev.claims}
    overall = Counter(c.label for c in ev.claims)
    for fold in range(5):
        in_fold = [c.label for c in ev.claims if c.fold == fold]
        assert abs(len(in_fold) - len(ev.claims) / 5) <= 1
        counts = Counter(in_fold)
        for label in LABELS:
            assert abs(counts[label] / len(in_fold) - overall[label] / len(ev.claims)) < 0.03


def test_climate_fever_doc_ids_are_stable():
    ev = load_climate_fever(data_root())
    first = ev.documents[0]
    assert first["id"] == datasets.climate_fever_doc_id(first["title"], first["text"]) == "cf-af36d433fd01"


def test_scifact():
    root = data_root()
    dev = load_scifact(root, "dev")
    assert len(dev.claims) == 300 and len(dev.documents) == 5183
    assert Counter(c.label for c in dev.claims) == {S: 124, N: 112, R: 64}
    train = load_scifact(root / "scifact", "train")  # the dataset folder itself works too
    assert len(train.claims) == 809
    assert Counter(c.label for c in train.claims) == {S: 332, N: 304, R: 173}
    docs = {d["id"] for d in dev.documents}
    for c in dev.claims + train.claims:
        assert set(c.evidence_docs) <= docs
        assert bool(c.evidence_docs) == bool(c.gold_sentences) == (c.label != N)
    claim = next(c for c in dev.claims if c.id == "3")
    assert claim.evidence_docs == ["14717500"] and len(claim.gold_sentences) == 3
    with pytest.raises(ValueError, match="split"):
        load_scifact(root, "test")


def test_data_root_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_DATA_ROOT, str(tmp_path))
    assert default_data_root() == tmp_path
    monkeypatch.setenv(ENV_DATA_ROOT, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=f"nowhere.*{ENV_DATA_ROOT}"):
        default_data_root()
    with pytest.raises(FileNotFoundError, match="climate-fever-dev.jsonl"):
        load_climate_fever(tmp_path)


def test_scifact_conflicting_and_unknown_labels(tmp_path):
    folder = tmp_path / "scifact"
    folder.mkdir()
    corpus = [{"doc_id": i, "title": f"T{i}", "abstract": ["One.", "Two."]} for i in (1, 2)]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus))
    claims = [
        {"id": 7, "claim": "x", "evidence": {"1": [{"sentences": [0], "label": "SUPPORT"}], "2": []}},
        {"id": 8, "claim": "y", "evidence": {"1": [{"sentences": [1], "label": "CONTRADICT"}]}},
        {
            "id": 9,
            "claim": "z",
            "evidence": {"1": [{"sentences": [0], "label": "SUPPORT"}, {"sentences": [1], "label": "REFUTE"}]},
        },
    ]
    (folder / "claims_dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in claims))
    ev = load_scifact(tmp_path, "dev")
    assert [c.label for c in ev.claims] == [S, R, C]
    assert ev.documents[0] == {"id": "1", "title": "T1", "text": "One. Two.", "language": "en"}
    assert ev.claims[2].gold_sentences == ["One.", "Two."]
    claims[1]["evidence"]["1"][0]["label"] = "MAYBE"
    (folder / "claims_dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in claims))
    with pytest.raises(ValueError, match=r"claims_dev.jsonl line 2: .*MAYBE"):
        load_scifact(tmp_path, "dev")


# --- the generic JSONL format ---


def write_lines(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


@pytest.fixture
def corpus(tmp_path):
    return write_lines(
        tmp_path / "corpus.jsonl",
        [{"id": "d1", "text": "Paris is in France.", "title": "Paris"}, {"id": 2, "text": "Berlin.", "language": "de"}],
    )


def test_jsonl_loader(tmp_path, corpus):
    claims = write_lines(
        tmp_path / "claims.jsonl",
        [
            {"claim": "Paris is in France", "label": "supports", "evidence": ["d1"]},
            "",
            {"id": "c2", "claim": "Berlin is in Spain", "label": "Contradict", "evidence": [2, "2"]},
            {"claim": "Rome is big", "label": "NOT ENOUGH INFO"},
            {"claim": "Mixed", "label": "disputed", "evidence": []},
        ],
    )
    ev = load_jsonl(claims, corpus)
    assert [(c.id, c.label, c.evidence_docs) for c in ev.claims] == [
        ("1", S, ["d1"]),
        ("c2", R, ["2"]),
        ("4", N, []),
        ("5", C, []),
    ]
    assert ev.documents == [
        {"id": "d1", "text": "Paris is in France.", "title": "Paris"},
        {"id": "2", "text": "Berlin.", "language": "de"},
    ]
    assert ev.name == "jsonl:claims.jsonl"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"claim": "x", "label": "SUPPORTED"', "invalid JSON"),
        ('["x"]', "JSON object"),
        ({"label": "SUPPORTED"}, "'claim'"),
        ({"claim": "x"}, "missing 'label'"),
        ({"claim": "x", "label": "TRUE"}, "unknown label 'TRUE'"),
        ({"claim": "x", "label": "REFUTED", "evidence": "d1"}, "list of document ids"),
        ({"claim": "x", "label": "REFUTED", "evidence": ["d9"]}, "not in .*corpus.jsonl: d9"),
        ({"id": "a", "claim": "x", "label": "REFUTED"}, "already used on line 1"),
    ],
)
def test_jsonl_claim_errors_name_the_line(tmp_path, corpus, line, message):
    claims = write_lines(tmp_path / "claims.jsonl", [{"id": "a", "claim": "ok", "label": "SUPPORTED"}, "", line])
    with pytest.raises(ValueError, match=f"claims.jsonl line 3: .*{message}"):
        load_jsonl(claims, corpus)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"text": "no id"}, "'id'"),
        ({"id": "d3", "text": " "}, "'text'"),
        ({"id": "d3", "text": "x", "title": 5}, "'title' must be a string"),
        ({"id": "d1", "text": "again"}, "already used on line 1"),
    ],
)
def test_jsonl_corpus_errors_name_the_line(tmp_path, line, message):
    corpus = write_lines(tmp_path / "corpus.jsonl", [{"id": "d1", "text": "x"}, line])
    claims = write_lines(tmp_path / "claims.jsonl", [{"claim": "ok", "label": "SUPPORTED"}])
    with pytest.raises(ValueError, match=f"corpus.jsonl line 2: .*{message}"):
        load_jsonl(claims, corpus)


def test_normalize_label():
    assert normalize_label(" not-enough-info ") == N
    assert normalize_label("Refutes") == R
    with pytest.raises(ValueError, match="accepted"):
        normalize_label(None)


def test_a_benchmark_claim_with_a_control_character_is_blanked_not_refused():
    """Climate-FEVER has a claim with a U+0080 in it; the service refuses such a claim, so a whole evaluation
    stopped at it (`factcheck eval climate-fever`: "claims.0 holds a control character")."""
    from service.evaluation.datasets import EvalClaim

    claim = EvalClaim("c1", "Sea levels rose\x80 by 20 cm", "SUPPORTS", [])
    assert claim.claim == "Sea levels rose  by 20 cm"
