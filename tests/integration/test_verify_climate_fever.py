"""A regression floor on a fixed Climate-FEVER subset: its claims against their own evidence pool.

The subset is the first 80 claims of fold 0 of the committed folds; the pool is every evidence
sentence of those claims (about 400). The floors sit a few points under what was measured when
they were set (see the constants), so a change that loses real ground fails here.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLAIMS = 80
# measured 2026-11-29 (torch bf16, AMD EPYC): hit@5 0.868, macro-F1 0.371, accuracy 0.425
FLOOR_HIT_AT_5 = 0.80
FLOOR_MACRO_F1 = 0.32
FLOOR_ACCURACY = 0.37


@pytest.fixture(scope="session")
def subset(tmp_path_factory, settings_factory, backbone_path):
    import json

    from service.evaluation.datasets import (
        CLIMATE_FEVER_FILE,
        EvalSet,
        _dataset_dir,
        climate_fever_doc_id,
        default_data_root,
        load_climate_fever,
    )
    from service.evaluation.runner import ensure_index, run_claims
    from service.lookup import ClaimLookup

    try:
        folder = _dataset_dir(default_data_root(), "climate-fever", CLIMATE_FEVER_FILE)
        full = load_climate_fever(folder)
    except FileNotFoundError as exc:
        pytest.skip(f"no Climate-FEVER data here: {exc}")
    claims = [c for c in full.claims if c.fold == 0][:CLAIMS]
    ids = {c.id for c in claims}
    pool: set[str] = set()  # all five evidence sentences of each claim, gold or not
    with open(folder / CLIMATE_FEVER_FILE, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if str(record["claim_id"]) in ids:
                pool |= {climate_fever_doc_id(e["article"], e["evidence"]) for e in record["evidences"]}
    documents = [d for d in full.documents if d["id"] in pool]
    evalset = EvalSet("climate-fever-subset", claims, documents)
    index_dir = tmp_path_factory.mktemp("cf") / "index"
    ensure_index(evalset, settings_factory(index_dir), index_dir)
    lookup = ClaimLookup.open(settings_factory(index_dir))
    records, _ = run_claims(lookup, claims, top_k=5, batch_size=16)
    return records


def test_retrieval_finds_the_gold_sentences(subset):
    with_gold = [r for r in subset if r.gold_docs]
    hits = sum(bool(set(r.ranked_docs[:5]) & set(r.gold_docs)) for r in with_gold)
    print(f"Climate-FEVER subset hit@5 {hits / len(with_gold):.3f}")
    assert hits / len(with_gold) >= FLOOR_HIT_AT_5


def test_verdicts_beat_the_floor(subset):
    from service.evaluation.metrics import accuracy, macro_f1

    gold = [r.label for r in subset]
    ours = [r.verdict for r in subset]
    print(f"Climate-FEVER subset macro-F1 {macro_f1(gold, ours):.3f} accuracy {accuracy(gold, ours):.3f}")
    assert macro_f1(gold, ours) >= FLOOR_MACRO_F1, (macro_f1(gold, ours), accuracy(gold, ours))
    assert accuracy(gold, ours) >= FLOOR_ACCURACY
