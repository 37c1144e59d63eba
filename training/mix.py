"""The training mixes (v1, v2, v3): which pairs of :mod:`training.data` and :mod:`training.extra` a stage
trains on, with every evaluation and calibration pair held out. Apart from both, so neither imports the other."""

from __future__ import annotations

import random
from pathlib import Path

from training.data import (
    MIX_VERSIONS,
    V3_REPLAY,
    Pair,
    _xnli_part,
    anli_pairs,
    calibration_set,
    dedupe,
    eval_sets,
    fever_other,
    healthver_pairs,
    sick_pairs,
    snli_pairs,
    vitaminc_pairs,
)
from training.extra import fnc1_pairs, v3_parts
from training.lexical import lexical_parts


def train_mix(
    root: Path, seed: int = 13, version: str = "v1", drop: tuple[str, ...] = ()
) -> tuple[list[Pair], dict[str, int]]:
    """The shuffled training mix and its per-source counts (the data manifest).

    XNLI test rows are used in several language pairings (see _xnli_part), so the model learns
    to compare a premise and a hypothesis across languages. v1 is the mix of stages 1 and 2
    (SNLI and SICK sampled); v2 takes every XNLI language and all of SNLI, its counterfactuals
    and SICK, for a CPU run fast enough (bf16) to see more than 100k pairs. v3 keeps a share of v2 and
    adds the fact-checking pairs of :mod:`training.extra` (unrelated text as neutral, headline stance). v4 is
    v3 with the rule-made pairs of :mod:`training.lexical` (opposite actions, translations); v5 is v4 with only the
    contrary actions of one agent flipped (no scalar, time or converse pairs). ``drop`` leaves parts out, for an
    ablation.
    """
    if version not in MIX_VERSIONS:
        raise ValueError(f"unknown mix version {version!r}; choose one of {', '.join(MIX_VERSIONS)}")
    rng = random.Random(seed)
    xnli = _xnli_part(root, rng, "v2" if version in ("v3", "v4", "v5") else version)
    snli, sick = snli_pairs(root), sick_pairs(root)
    parts = {
        "xnli": xnli,
        "vitaminc": vitaminc_pairs(root, "train"),
        # SNLI's image captions are far from news claims: v1 kept a sample for lexical variety
        "snli": rng.sample(snli, min(12000, len(snli))) if version == "v1" else snli,
        "anli-dev": anli_pairs(root, "dev"),
        "healthver": healthver_pairs(root, "train") + healthver_pairs(root, "val"),
        "sick": rng.sample(sick, 4000) if version == "v1" else sick,
        "fever-adv": fever_other(root),
    }
    if version in ("v3", "v4", "v5"):
        parts = {name: rng.sample(pairs, int(len(pairs) * V3_REPLAY)) for name, pairs in parts.items()}
        parts.update(v3_parts(root, rng))
    if version in ("v4", "v5"):
        parts.update(lexical_parts(root, rng, contrary_only=version == "v5"))
    unknown = set(drop) - set(parts)
    if unknown:
        raise ValueError(f"no part {', '.join(sorted(unknown))} in mix {version}; its parts: {', '.join(parts)}")
    parts = {name: pairs for name, pairs in parts.items() if name not in drop}
    held_out = {(p.premise, p.hypothesis) for pairs in eval_sets(root).values() for p in pairs}
    held_out |= {(p.premise, p.hypothesis) for p in calibration_set(root)}
    if version in ("v3", "v4", "v5"):  # FNC-1's competition test is the held-out news evaluation
        held_out |= {(p.premise, p.hypothesis) for p in fnc1_pairs(root.parent / "nli-extra", "test")}
    mix: list[Pair] = []
    counts: dict[str, int] = {}
    for name, pairs in parts.items():
        kept = [p for p in dedupe(pairs) if (p.premise, p.hypothesis) not in held_out]
        counts[name] = len(kept)
        mix += kept
    rng.shuffle(mix)
    return mix, counts
