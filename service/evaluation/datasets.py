"""Benchmark loaders: each turns a dataset into labelled claims plus the evidence pool to index.

Every loader returns an :class:`EvalSet` whose ``documents`` are dicts in the corpus JSONL format
(``id``, ``text``, ``title``, ``language``), so the pool can be indexed by the same code path as a user's corpus,
and whose claim labels are already the service's verdict labels.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from service.evaluation.folds import load_folds
from service.evaluation.metrics import LABELS
from service.text import blank_controls

ENV_DATA_ROOT = "FACTCHECK_BENCHMARK_DIR"
# service/evaluation/datasets.py -> the repository root is two folders up from this package.
REPO_ROOT = Path(__file__).resolve().parents[2]
CLIMATE_FEVER_FILE = "climate-fever-dev.jsonl"

# Spellings seen in FEVER, Climate-FEVER and SciFact, upper-cased with spaces and hyphens as underscores.
_LABEL_ALIASES: dict[str, str] = {
    "SUPPORTED": "SUPPORTED",
    "SUPPORTS": "SUPPORTED",
    "SUPPORT": "SUPPORTED",
    "REFUTED": "REFUTED",
    "REFUTES": "REFUTED",
    "REFUTE": "REFUTED",
    "CONTRADICT": "REFUTED",
    "CONTRADICTS": "REFUTED",
    "CONFLICTING": "CONFLICTING",
    "DISPUTED": "CONFLICTING",
    "NOT_ENOUGH_INFO": "NOT_ENOUGH_INFO",
    "NOT_ENOUGH_INFORMATION": "NOT_ENOUGH_INFO",
    "NEI": "NOT_ENOUGH_INFO",
    "NOINFO": "NOT_ENOUGH_INFO",
}
assert set(_LABEL_ALIASES.values()) == set(LABELS)

# Optional string fields of the corpus JSONL format that are carried over from a user's corpus.
_OPTIONAL_DOC_FIELDS = ("title", "url", "language", "published", "source")


@dataclass
class EvalClaim:
    """One labelled claim.

    ``evidence_docs`` are ids into :attr:`EvalSet.documents` of the gold evidence (empty for NOT_ENOUGH_INFO).
    ``gold_sentences`` are the texts of the gold evidence sentences, so sentence-level recall can be measured
    when the index splits documents differently from the dataset. ``fold`` is the fixed cross-validation fold
    (Climate-FEVER only). ``candidate_docs`` are the documents the dataset itself offers for the claim, whatever
    their label (Climate-FEVER's five sentences, SciFact's cited abstracts): the "gold evidence" setting.
    """

    id: str
    claim: str
    label: str
    evidence_docs: list[str]
    gold_sentences: list[str] = field(default_factory=list)
    fold: int | None = None
    candidate_docs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Benchmarks carry stray control characters (a Climate-FEVER claim holds a U+0080), which the service
        # refuses in a claim; blanked as an article's are, so one claim does not stop a whole evaluation
        self.claim = blank_controls(self.claim)


@dataclass
class EvalSet:
    """A benchmark: its claims and the documents that make up its evidence pool (corpus JSONL dicts)."""

    name: str
    claims: list[EvalClaim]
    documents: list[dict[str, Any]]


def normalize_label(raw: object) -> str:
    """The verdict label for a dataset label, case-insensitively; :class:`ValueError` for anything else."""
    if isinstance(raw, str):
        key = raw.strip().upper().replace(" ", "_").replace("-", "_")
        if key in _LABEL_ALIASES:
            return _LABEL_ALIASES[key]
    accepted = ", ".join(sorted(_LABEL_ALIASES))
    raise ValueError(f"unknown label {raw!r}; accepted (any case): {accepted}")


def default_data_root() -> Path:
    """The benchmark folder: ``$FACTCHECK_BENCHMARK_DIR``, else ``../shared/data/benchmarks`` beside the repo."""
    configured = os.environ.get(ENV_DATA_ROOT, "").strip()
    root = Path(configured).expanduser() if configured else REPO_ROOT.parent / "shared" / "data" / "benchmarks"
    if not root.is_dir():
        source = f"from ${ENV_DATA_ROOT}" if configured else f"the default; set ${ENV_DATA_ROOT} to change it"
        raise FileNotFoundError(f"benchmark data folder {root} does not exist ({source})")
    return root


def climate_fever_doc_id(article: str, text: str) -> str:
    """Stable id of one Climate-FEVER evidence sentence, independent of file order."""
    # The separator keeps ("ab", "c") and ("a", "bc") apart.
    digest = hashlib.sha1(f"{article}\x1f{text}".encode()).hexdigest()
    return f"cf-{digest[:12]}"


def load_climate_fever(root: Path | None = None, *, with_folds: bool = True) -> EvalSet:
    """Climate-FEVER dev: one document per distinct (article, sentence), gold = its SUPPORTS/REFUTES sentences.

    ``root`` is the benchmark folder (holding ``climate-fever/``) or the ``climate-fever`` folder itself;
    default :func:`default_data_root`. Each claim gets its fixed fold from ``climate_fever_folds.json``;
    claims missing there (a different release of the file) get ``fold=None``. ``with_folds=False`` skips the
    folds file, which only :func:`~service.evaluation.folds.make_folds` needs.
    """
    path = _dataset_dir(root, "climate-fever", CLIMATE_FEVER_FILE) / CLIMATE_FEVER_FILE
    folds = load_folds() if with_folds else {}
    documents: dict[str, dict[str, Any]] = {}
    claims: list[EvalClaim] = []
    seen_claims: set[str] = set()
    for number, record in _read_jsonl(path):
        where = f"{path} line {number}"
        try:
            claim_id, claim, label = str(record["claim_id"]), record["claim"], normalize_label(record["claim_label"])
            # (article, text, label) of each evidence sentence, read before anything is added to the pool.
            evidences = [
                (e["article"], e["evidence"], normalize_label(e["evidence_label"])) for e in record["evidences"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: not a Climate-FEVER claim ({exc!r})") from exc
        if claim_id in seen_claims:
            raise ValueError(f"{where}: claim_id {claim_id!r} appears twice")
        seen_claims.add(claim_id)
        gold_ids: list[str] = []
        gold_texts: list[str] = []
        offered: list[str] = []
        for article, text, evidence_label in evidences:
            doc_id = climate_fever_doc_id(article, text)
            if doc_id not in offered:
                offered.append(doc_id)
            known = documents.setdefault(doc_id, {"id": doc_id, "title": article, "text": text, "language": "en"})
            if (known["title"], known["text"]) != (article, text):
                # 48 bits over a few thousand sentences should never collide; fail rather than merge two texts.
                raise ValueError(f"{where}: document id {doc_id} collides with another sentence")
            if evidence_label in ("SUPPORTED", "REFUTED") and doc_id not in gold_ids:
                gold_ids.append(doc_id)
                gold_texts.append(text)
        claims.append(
            EvalClaim(
                id=claim_id,
                claim=claim,
                label=label,
                evidence_docs=gold_ids,
                gold_sentences=gold_texts,
                fold=folds.get(claim_id),
                candidate_docs=offered,
            )
        )
    return EvalSet(name="climate-fever", claims=claims, documents=list(documents.values()))


def load_scifact(root: Path | None = None, split: Literal["train", "dev"] = "dev") -> EvalSet:
    """SciFact claims of one split against the whole abstract corpus (one document per abstract).

    ``root`` is the benchmark folder (holding ``scifact/``) or the ``scifact`` folder itself. A claim's label
    comes from the labels of its rationales over all evidence abstracts: only SUPPORT gives SUPPORTED, only
    CONTRADICT gives REFUTED, both give CONFLICTING, none gives NOT_ENOUGH_INFO. ``gold_sentences`` are the
    rationale sentences.
    """
    if split not in ("train", "dev"):
        raise ValueError(f"SciFact split must be 'train' or 'dev', got {split!r}")
    folder = _dataset_dir(root, "scifact", "corpus.jsonl")
    corpus_path, claims_path = folder / "corpus.jsonl", folder / f"claims_{split}.jsonl"

    documents: list[dict[str, Any]] = []
    abstracts: dict[str, list[str]] = {}
    for number, record in _read_jsonl(corpus_path):
        try:
            doc_id, title, sentences = str(record["doc_id"]), record["title"], record["abstract"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{corpus_path} line {number}: not a SciFact abstract ({exc})") from exc
        if doc_id in abstracts:
            raise ValueError(f"{corpus_path} line {number}: doc_id {doc_id} appears twice")
        abstracts[doc_id] = sentences
        documents.append({"id": doc_id, "title": title, "text": " ".join(sentences), "language": "en"})

    claims: list[EvalClaim] = []
    for number, record in _read_jsonl(claims_path):
        where = f"{claims_path} line {number}"
        try:
            claim_id, claim = str(record["id"]), record["claim"]
            evidence: dict[str, list[dict[str, Any]]] = record["evidence"]
            labels = {normalize_label(rationale["label"]) for sets in evidence.values() for rationale in sets}
            gold_sentences = [
                abstracts[str(doc_id)][index]
                for doc_id, sets in evidence.items()
                for rationale in sets
                for index in rationale["sentences"]
            ]
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"{where}: bad SciFact evidence ({exc!r})") from exc
        if labels - {"SUPPORTED", "REFUTED"}:
            raise ValueError(f"{where}: rationale labels must be SUPPORT or CONTRADICT, got {sorted(labels)}")
        if len(labels) == 2:
            label = "CONFLICTING"
        else:
            label = labels.pop() if labels else "NOT_ENOUGH_INFO"
        claims.append(
            EvalClaim(
                id=claim_id,
                claim=claim,
                label=label,
                evidence_docs=[str(doc_id) for doc_id in evidence],
                gold_sentences=gold_sentences,
                candidate_docs=[str(d) for d in record.get("cited_doc_ids", [])] or [str(d) for d in evidence],
            )
        )
    return EvalSet(name=f"scifact-{split}", claims=claims, documents=documents)


def load_jsonl(claims_path: Path, corpus_path: Path) -> EvalSet:
    """A user's benchmark: claims JSONL (``claim``, ``label``, ``evidence``: doc ids, optional ``id``) and a corpus
    JSONL file (``id``, ``text``, optional ``title``, ``url``, ``language``).

    Labels may be ours or the FEVER/SciFact spellings, in any case. Every problem is a :class:`ValueError` naming
    the file and line: bad JSON, missing fields, unknown labels, duplicate ids, evidence ids not in the corpus.
    A claim without ``id`` gets its line number.
    """
    documents = _read_corpus(Path(corpus_path))
    doc_ids = {doc["id"] for doc in documents}
    claims: list[EvalClaim] = []
    first_line: dict[str, int] = {}
    for number, record in _read_jsonl(Path(claims_path)):
        where = f"{claims_path} line {number}"
        claim = record.get("claim")
        if not isinstance(claim, str) or not claim.strip():
            raise ValueError(f"{where}: missing or empty 'claim' (a string)")
        if "label" not in record:
            raise ValueError(f"{where}: missing 'label'")
        try:
            label = normalize_label(record["label"])
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        evidence = record.get("evidence", [])
        if not isinstance(evidence, list) or not all(isinstance(e, str | int) for e in evidence):
            raise ValueError(f"{where}: 'evidence' must be a list of document ids")
        evidence_docs = list(dict.fromkeys(str(e) for e in evidence))
        missing = [e for e in evidence_docs if e not in doc_ids]
        if missing:
            raise ValueError(f"{where}: evidence ids not in {corpus_path}: {', '.join(missing[:5])}")
        claim_id = str(record.get("id", number))
        if claim_id in first_line:
            raise ValueError(f"{where}: claim id {claim_id!r} already used on line {first_line[claim_id]}")
        first_line[claim_id] = number
        claims.append(
            EvalClaim(
                id=claim_id,
                claim=claim.strip(),
                label=label,
                evidence_docs=evidence_docs,
                candidate_docs=list(evidence_docs),
            )
        )
    if not claims:
        raise ValueError(f"{claims_path}: no claims")
    return EvalSet(name=f"jsonl:{Path(claims_path).name}", claims=claims, documents=documents)


def _read_corpus(path: Path) -> list[dict[str, Any]]:
    """Corpus JSONL as document dicts; unlike the indexer, which skips bad lines, a benchmark must be complete."""
    documents: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for number, record in _read_jsonl(path):
        where = f"{path} line {number}"
        doc_id = record.get("id")
        if not isinstance(doc_id, str | int) or isinstance(doc_id, bool) or not str(doc_id).strip():
            raise ValueError(f"{where}: missing or empty 'id' (a string)")
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: missing or empty 'text' (a string)")
        doc_id = str(doc_id)
        if doc_id in first_line:
            raise ValueError(f"{where}: document id {doc_id!r} already used on line {first_line[doc_id]}")
        first_line[doc_id] = number
        document: dict[str, Any] = {"id": doc_id, "text": text}
        for key in _OPTIONAL_DOC_FIELDS:
            value = record.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ValueError(f"{where}: '{key}' must be a string")
            document[key] = value
        documents.append(document)
    if not documents:
        raise ValueError(f"{path}: no documents")
    return documents


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; :class:`ValueError` naming the line for anything else."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} line {number}: invalid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path} line {number}: expected a JSON object, got {type(record).__name__}")
            yield number, record


def _dataset_dir(root: Path | None, name: str, marker: str) -> Path:
    """The dataset's folder: ``root/name``, or ``root`` itself when it already is that folder."""
    base = default_data_root() if root is None else Path(root)
    for folder in (base / name, base):
        if (folder / marker).is_file():
            return folder
    raise FileNotFoundError(f"{base / name / marker} does not exist (is {base} the benchmark data folder?)")
