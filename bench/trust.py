"""Can a fact-checker trust the verdicts? Verdict accuracy where it was not tuned, the first evidence
card, and unrelated text read as neutral.

    python -m bench.trust [--work-dir DIR] [--pairs 1000] [--json OUT]

1. **The frozen cross-lingual set** (``tests/data/xling/``: news documents in de/en/fr that the
   sample corpus does not cover, claims in de/en/fr/es, most with their evidence in another language).
   Nothing is tuned on it. Verdict accuracy, over all claims and over the cross-lingual ones; the
   confusion; ECE of the confidence; how often the first card is from a document that decides the claim.
2. **The gold set** (``tests/data/gold_claims.jsonl``) over ``corpus/sample``: the set the thresholds,
   the relevance ramp and the confidence curves were fitted on (so labelled "tuned on"); and the
   **development set** (``tests/data/xling-dev/``), cross-lingual like the frozen one, written to be tuned on.
3. **Unrelated pairs**: ``--pairs`` claims each against a sentence of a document on another topic
   (frozen claims against sample sentences and gold claims against frozen sentences, so in mixed
   languages): the share the pipeline reads as neutral (the stance after the relevance gate), beside
   the raw stance model's share.

To compare with an earlier commit, run the same command in a checkout of it (``git worktree add``):
the numbers name the CPU, and both runs need the same one.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_kind, table  # noqa: E402

XLING = ROOT / "tests" / "data" / "xling"
DEV = ROOT / "tests" / "data" / "xling-dev"  # the development split: may be tuned on
GOLD = ROOT / "tests" / "data" / "gold_claims.jsonl"
SAMPLE = ROOT / "corpus" / "sample"
VERDICTS = ("SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work-dir", type=Path, help="where the two indexes are built and kept (default: a temp dir)")
    ap.add_argument("--pairs", type=int, default=1000, help="unrelated claim/sentence pairs (default 1000)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    return ap.parse_args()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def ece(correct: list[bool], confidence: list[float], bins: int = 10) -> float:
    """Expected calibration error of the verdict confidence (equal-width bins)."""
    total, err = len(correct), 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidence) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if idx:
            acc = sum(correct[i] for i in idx) / len(idx)
            conf = sum(confidence[i] for i in idx) / len(idx)
            err += len(idx) / total * abs(acc - conf)
    return err


def lookup_over(corpus: Path, index_dir: Path):
    from index.build import build_index
    from service.claim_checker import ClaimChecker
    from service.index_config import build_config
    from service.settings import Settings

    settings = Settings(index_dir=index_dir, threads=2, max_batch_claims=64)
    if not index_dir.exists():
        build_index(corpus, index_dir, build_config(settings))
    return ClaimChecker.open(settings)


def corpus_language(corpus_rows: list[dict]) -> dict[str, str]:
    return {d["id"]: d.get("language") for d in corpus_rows}


def check_claims(lookup, rows: list[dict], languages: dict[str, str] | None) -> dict:
    """Verdicts, accuracy (all and cross-lingual), confusion, ECE and the first card of each claim."""
    results = []
    for start in range(0, len(rows), 32):
        chunk = rows[start : start + 32]
        results += lookup.verify_batch([r["claim"] for r in chunk], 5).results
    correct = [res.verdict == r["label"] for res, r in zip(results, rows, strict=True)]
    cross = [
        i
        for i, r in enumerate(rows)
        if r.get("evidence_language") and r.get("language") and r["evidence_language"] != r["language"]
    ]
    decided = [i for i, r in enumerate(rows) if r["label"] in ("SUPPORTED", "REFUTED") and r.get("evidence")]
    first_ok = [results[i].evidence and results[i].evidence[0].document_id in rows[i]["evidence"] for i in decided]
    confusion = Counter((r["label"], res.verdict) for res, r in zip(results, rows, strict=True))
    kinds: dict[str, list[bool]] = {}
    for ok, r in zip(correct, rows, strict=True):
        kinds.setdefault(r.get("kind", "?"), []).append(ok)
    wrong = [
        f"{r.get('id', '?')} {r['label']}->{res.verdict} ({r.get('language')}/{r.get('evidence_language')}): {r['claim']}"
        for res, r, ok in zip(results, rows, correct, strict=True)
        if not ok
    ]
    return {
        "claims": len(rows),
        "accuracy": sum(correct) / len(rows),
        "cross_lingual_claims": len(cross),
        "cross_lingual_accuracy": (sum(correct[i] for i in cross) / len(cross)) if cross else None,
        "ece": ece(correct, [res.confidence for res in results]),
        "first_card_decides": (sum(bool(x) for x in first_ok) / len(first_ok)) if first_ok else None,
        "confusion": {f"{a}->{b}": n for (a, b), n in sorted(confusion.items()) if a != b},
        "per_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(kinds.items())},
        "wrong": wrong,
    }


def sentences_of(rows: list[dict]) -> list[tuple[str, str]]:
    from corpus.sentences import split_sentences

    out = []
    for d in rows:
        text = d["text"]
        out += [(text[s:e], d.get("language")) for s, e in split_sentences(text, d.get("language"))]
    return [(t, lang) for t, lang in out if len(t) > 30]


def unrelated_pairs(lookup, claims: list[dict], sentences: list[tuple[str, str]]) -> dict:
    """Each claim against sentences of another topic, through the verify pipeline's own components."""
    from haystack import Document

    from service.verify.types import Candidate, Window

    def gate(probs: tuple[float, float, float], r: float) -> tuple[float, float, float]:
        e, n, c = probs  # service.verify.evidence.gate, here so that earlier commits can be measured too
        return e * r, n + (1 - r) * (e + c), c * r

    pipe = lookup.verify_pipeline
    try:
        relevance_step = pipe.get_component("relevance")
    except ValueError:
        relevance_step = None
    texts = [c["claim"] for c in claims]
    first = pipe.get_component("claims").run(claims=texts, languages=[None] * len(texts))
    embedded = pipe.get_component("embedder").run(documents=first["documents"])["documents"]
    candidates = [Candidate(Document(content=text, meta={"language": lang}), 0.0, 0.0) for text, lang in sentences]
    raw_neutral = gated_neutral = total = 0
    for i, (claim, lang, emb) in enumerate(zip(texts, first["languages"], embedded, strict=True)):
        chosen = candidates[i :: len(texts)]  # the sentences dealt round the claims
        if not chosen:
            continue
        windows = [Window(j, c.passage.content, 0, len(c.passage.content), 1) for j, c in enumerate(chosen)]
        if relevance_step is not None:
            rel = relevance_step.run(claims=[emb], languages=[lang], candidates=[chosen], windows=[windows])
            relevance = rel["relevance"][0]
        else:  # an earlier commit, without the relevance step: every sentence counts
            relevance = np.ones(len(windows))
        scorer = pipe.get_component("stance").scorer
        probs = np.asarray(scorer.probabilities([w.text for w in windows], [claim] * len(windows)))
        for p, r in zip(probs, relevance, strict=True):
            e, n, c = (float(x) for x in p)
            raw_neutral += n >= max(e, c)
            ge, gn, gc = gate((e, n, c), float(r))
            gated_neutral += gn >= max(ge, gc)
            total += 1
    return {"pairs": total, "raw_neutral": raw_neutral / total, "neutral_after_gate": gated_neutral / total}


def main() -> None:
    args = parse_args()
    from service.runtime import configure_threads
    from service.stance.hardware import choose_runtime

    configure_threads(2)
    print(f"CPU: {cpu_kind()}; stance runtime {choose_runtime()}\n")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-trust-"))
    xling_claims, xling_corpus = read_jsonl(XLING / "claims.jsonl"), read_jsonl(XLING / "corpus.jsonl")
    gold = read_jsonl(GOLD)
    for row in gold:  # the gold set names one evidence document per claim, in its own field
        row["evidence"] = [row["evidence_doc"]] if row.get("evidence_doc") else []
    out: dict = {"cpu": cpu_kind()}

    xl = lookup_over(XLING / "corpus.jsonl", work / "xling-index")
    out["xling"] = check_claims(xl, xling_claims, corpus_language(xling_corpus))
    sample = lookup_over(SAMPLE, work / "sample-index")
    out["gold"] = check_claims(sample, gold, None)
    if DEV.exists():  # absent in commits before it was written
        out["dev"] = check_claims(
            lookup_over(DEV / "corpus.jsonl", work / "dev-index"), read_jsonl(DEV / "claims.jsonl"), None
        )

    rng = random.Random(7)
    sample_rows = [json.loads(line) for f in sorted(SAMPLE.glob("*.jsonl")) for line in f.open(encoding="utf-8")]
    pairs_claims = xling_claims + gold
    # each claim meets sentences of the other collection: other topics by construction
    sample_sentences, xling_sentences = sentences_of(sample_rows), sentences_of(xling_corpus)
    rng.shuffle(sample_sentences)
    rng.shuffle(xling_sentences)
    n_x = round(args.pairs * len(xling_claims) / len(pairs_claims))
    n_g = args.pairs - n_x
    out["unrelated"] = {
        "frozen claims x sample sentences": unrelated_pairs(sample, xling_claims, (sample_sentences * 3)[:n_x]),
        "gold claims x frozen sentences": unrelated_pairs(sample, gold, (xling_sentences * 3)[:n_g]),
    }

    rows = []
    sets = (
        ("frozen cross-lingual set", "xling", "no"),
        ("gold set", "gold", "yes"),
        ("development set", "dev", "may be"),
    )
    for name, key, tuned in sets:
        if key not in out:
            continue
        r = out[key]
        rows.append([
            name, tuned, r["claims"], r["accuracy"],
            f"{r['cross_lingual_accuracy']:.3f} ({r['cross_lingual_claims']})" if r["cross_lingual_accuracy"] is not None else "-",
            r["ece"], r["first_card_decides"] if r["first_card_decides"] is not None else "-",
        ])  # fmt: skip
    print("## Verdicts\n")
    print(table(["set", "tuned on", "claims", "accuracy", "cross-lingual (n)", "ECE", "first card decides"], rows))
    for key in (k for k in ("xling", "gold", "dev") if k in out):
        print(f"\n{key} confusions (gold->verdict): {out[key]['confusion']}")
        print(f"{key} right per kind: {out[key]['per_kind']}")
    print("\n## Unrelated claim/sentence pairs\n")
    print(table(
        ["pairs", "n", "raw stance neutral", "neutral after the relevance gate"],
        [[k, v["pairs"], v["raw_neutral"], v["neutral_after_gate"]] for k, v in out["unrelated"].items()],
    ))  # fmt: skip
    print("\n## Wrong verdicts, frozen set\n")
    print("\n".join(out["xling"]["wrong"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
