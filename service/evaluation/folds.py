"""Fixed Climate-FEVER cross-validation folds, stored as data so results stay comparable across runs.

The folds are claim-level and stratified by claim label. They were generated once by :func:`make_folds` and
committed as ``climate_fever_folds.json`` ({claim_id: fold}); loaders only read that file, so a new scikit-learn
(or a different shuffle) can never silently move a claim to another fold.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FOLDS_PATH = Path(__file__).with_name("climate_fever_folds.json")
N_FOLDS = 5
SEED = 13


@cache
def load_folds(path: Path = FOLDS_PATH) -> dict[str, int]:
    """{claim_id: fold} from the committed file."""
    if not path.is_file():
        # A wheel built without this package's data files lands here.
        raise FileNotFoundError(f"{path} is missing: the committed Climate-FEVER folds were not installed")
    with path.open(encoding="utf-8") as handle:
        folds = json.load(handle)
    return {str(claim_id): int(fold) for claim_id, fold in folds.items()}


def make_folds(claims: list[Any], out: Path | None = FOLDS_PATH) -> dict[str, int]:
    """How ``climate_fever_folds.json`` was made; rerun only to add a new dataset release, never to reshuffle.

    ``StratifiedKFold(5, shuffle=True, random_state=13)`` over ``claims`` (each with ``id`` and ``label``: the
    claims of ``climate-fever-dev.jsonl`` in file order), stratified by claim label. Needs scikit-learn (a dev
    dependency). Writes ``out`` unless it is None. The claims are passed in: the loader reads this module's
    file, so this module does not import the loader::

        python -c "from service.evaluation.datasets import load_climate_fever as load
        from service.evaluation.folds import make_folds; make_folds(load(with_folds=False).claims)"
    """
    from sklearn.model_selection import StratifiedKFold

    labels = [claim.label for claim in claims]
    splitter = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    folds: dict[str, int] = {}
    for fold, (_, test_index) in enumerate(splitter.split(labels, labels)):
        for index in test_index:
            folds[claims[index].id] = fold
    # Back in file order, one claim per line, so the committed file diffs and greps well.
    folds = {claim.id: folds[claim.id] for claim in claims}
    if out is not None:
        lines = [f"  {json.dumps(claim_id)}: {fold}" for claim_id, fold in folds.items()]
        out.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
        load_folds.cache_clear()
    return folds
