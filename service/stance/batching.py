"""Length-sorted, padded batches of (premise, hypothesis) pairs, shared by every stance runtime.

Pairs of similar length share a batch, so little of each batch is padding; the caller puts
each batch's answers back at ``rows``, in input order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairBatch:
    rows: np.ndarray  # positions of these pairs in the caller's input
    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray

    def feed(self, names: list[str]) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in names}


def pair_batches(
    tokenizer, premises: list[str], hypotheses: list[str], max_length: int, batch_size: int
) -> Iterator[PairBatch]:
    enc = tokenizer(premises, hypotheses, truncation=True, max_length=max_length)
    ids = enc["input_ids"]
    types = enc.get("token_type_ids")
    pad_id = tokenizer.pad_token_id or 0
    order = np.argsort([len(x) for x in ids], kind="stable")
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        width = max(len(ids[i]) for i in rows)
        input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        type_ids = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            n = len(ids[i])
            input_ids[r, :n] = ids[i]
            mask[r, :n] = 1
            if types is not None:
                type_ids[r, :n] = types[i]
        yield PairBatch(rows, input_ids, mask, type_ids)
