"""Lexical (BM25) search over passages, beside the dense FAISS index.

Dense retrieval blurs rare names, numbers and exact wording; BM25 keeps them. The text is
tokenised by :mod:`index.bm25_tokens` rather than by bm25s so that each passage is stemmed with
the Snowball stemmer of its own language, and so that a name spelled differently per language
("Tichanowskaja", "Tikhanovskaya", "Tikhanovskaïa") also yields one shared, folded *name key*
token ("~" + key; ``\\w+`` never produces "~", so a key never collides with a word). bm25s only
ever sees token ids.

A query is stemmed with its own language and with every language present in the index, because
a German claim must still match the shared words and names of English passages.

On disk (``<folder>/bm25/``): bm25s's own files plus ``meta.json`` (passage ids in row order, the
stemmers present, the tokenizer version). An index written by another tokenizer version is refused
with :class:`BM25TokenizerMismatchError`: its tokens would no longer line up with the queries'.

**A shard scores as one index over everything.** BM25's weights depend on the whole collection:
its size, its average passage length and each token's document frequency. A shard of a sharded
version (index/sharded.py) is built with those of the whole corpus (:class:`CorpusStats`, gathered
from every shard first, as a distributed search engine's DFS phase does), and keeps the corpus-wide
document frequency of each of its tokens (``corpus_df.npy``) for the query's name-key rule, so its
scores are the ones a single index over every passage gives, and merging shards' hits by score
answers like that single index.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from bm25s.scoring import (
    _build_idf_array,
    _build_scores_and_indices_for_matrix,
    _calculate_doc_freqs,
    _select_idf_scorer,
)

from index.bm25_tokens import (
    NO_STOPWORDS,
    STOPWORDS,
    passage_token_ids,
    query_words,
    snowball_name,
)
from index.errors import IndexCorruptError

# Bump whenever tokenisation, folding or stopwords change (index/bm25_tokens.py): saved indexes must then be rebuilt.
TOKENIZER_VERSION = 1
BM25_DIR = "bm25"
META = "meta.json"
CORPUS_DF = "corpus_df.npy"  # a shard's: the corpus-wide document frequency of each of its terms
_BM25S_FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "vocab.index.json",
    "params.index.json",
)
log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG on import, which prints "Building index from IDs" on every build
logging.getLogger("bm25s").setLevel(logging.WARNING)


def indexed_text(content: str | None, title: str | None) -> str:
    """What BM25 indexes of a passage: its title, then its text (a title often names what its passages
    are about without them repeating it)."""
    return f"{title} {content or ''}" if title else content or ""


@dataclass
class CorpusStats:
    """What BM25's weights need of a whole corpus: passages, tokens in all, passages per token, stemmers."""

    passages: int = 0
    tokens: int = 0
    df: dict[str, int] = field(default_factory=dict)
    algorithms: list[str | None] = field(default_factory=list)

    @classmethod
    def of(cls, texts: Sequence[str], languages: Sequence[str | None]) -> CorpusStats:
        """The statistics of these passages (one shard's, to be merged with the others')."""
        algorithms = [snowball_name(lang) for lang in languages]
        vocab: dict[str, int] = {}
        corpus_ids = passage_token_ids(texts, algorithms, vocab)
        counts = np.zeros(len(vocab), dtype=np.int64)
        for ids in corpus_ids:
            counts[list(set(ids))] += 1
        names = list(vocab)
        return cls(
            passages=len(corpus_ids),
            tokens=sum(len(ids) for ids in corpus_ids),
            df={names[i]: int(n) for i, n in enumerate(counts.tolist())},
            algorithms=list(dict.fromkeys(algorithms)),
        )

    @classmethod
    def merge(cls, parts: Sequence[CorpusStats]) -> CorpusStats:
        df: dict[str, int] = {}
        for part in parts:
            for token, n in part.df.items():
                df[token] = df.get(token, 0) + n
        return cls(
            passages=sum(p.passages for p in parts),
            tokens=sum(p.tokens for p in parts),
            df=df,
            algorithms=list(dict.fromkeys(a for p in parts for a in p.algorithms)),
        )


class _CorpusWideBM25(bm25s.BM25):
    """bm25s weighing a shard's passages with the idf and average length of the whole corpus."""

    def __init__(self, corpus_df: dict[int, int], passages: int, avg_len: float) -> None:
        super().__init__(backend="numpy")
        self._corpus = (corpus_df, passages, avg_len)

    def build_index_from_ids(self, unique_token_ids, corpus_token_ids, show_progress=True, leave_progress=False):
        # bm25s's own steps (its documented extension point), with the corpus's N, df and average length
        # in place of the shard's: the same arithmetic a single index over the corpus does
        corpus_df, passages, avg_len = self._corpus
        self.nonoccurrence_array = None  # lucene scoring has none (bm25s's save reads it)
        local_df = _calculate_doc_freqs(corpus_token_ids, unique_token_ids, show_progress=False)
        idf = _build_idf_array(
            {t: corpus_df[t] for t in local_df}, passages, _select_idf_scorer(self.idf_method), self.dtype
        )
        flat, rows, cols = _build_scores_and_indices_for_matrix(
            corpus_token_ids,
            idf,
            avg_len,
            local_df,  # sizes the arrays: this shard's own occurrences
            self.k1,
            self.b,
            self.delta,
            None,  # lucene scoring needs no non-occurrence array
            method=self.method,
            dtype=self.dtype,
            int_dtype=self.int_dtype,
            show_progress=False,
        )
        data, indices, indptr = self._np_csc(
            data=flat, rows=rows, cols=cols, shape=(len(corpus_token_ids), len(unique_token_ids))
        )
        return {
            "data": data.astype(self.dtype),
            "indices": indices,
            "indptr": indptr,
            "num_docs": len(corpus_token_ids),
        }


class BM25Index:
    """BM25 over passages, identified by passage id; see the module docstring for the tokens."""

    def __init__(
        self,
        ids: list[str],
        algorithms: list[str | None],
        retriever: bm25s.BM25 | None,
        corpus_df: np.ndarray | None = None,
    ) -> None:
        self.ids = ids
        # the stemmers (Snowball names; None: unstemmed) of the corpus's passages, each once
        self.algorithms = algorithms
        # None when no passage has a token: every search then finds nothing
        self._retriever = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict if retriever is not None else {}
        # passages per token, for the name-key rule in _query_ids: the whole corpus's (a shard's corpus_df),
        # else these passages' (the CSC column lengths)
        if corpus_df is not None:
            self._df = corpus_df
        else:
            self._df = np.diff(retriever.scores["indptr"]) if retriever is not None else np.empty(0, dtype=np.int64)
        self._corpus_df = corpus_df

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls, ids: list[str], texts: list[str], languages: list[str | None], corpus: CorpusStats | None = None
    ) -> BM25Index:
        """BM25 over these passages; ``corpus``: the statistics of the whole corpus they are a shard of
        (see the module docstring), else they are the corpus.

        :raises ValueError: ``corpus`` lacks a token of these passages (it is another corpus's).
        """
        if not len(ids) == len(texts) == len(languages):
            raise ValueError(f"got {len(ids)} ids, {len(texts)} texts and {len(languages)} languages")
        if len(set(ids)) != len(ids):
            raise ValueError("passage ids must be unique")
        algorithms = [snowball_name(lang) for lang in languages]
        vocab: dict[str, int] = {}
        corpus_ids = passage_token_ids(texts, algorithms, vocab)
        retriever, corpus_df = None, None
        if corpus is not None:
            missing = [t for t in vocab if t not in corpus.df]
            if missing or corpus.passages < len(ids):
                raise ValueError(
                    f"the corpus statistics are not those of a corpus holding these passages ({missing[:3]})"
                )
            corpus_df = np.asarray([corpus.df[t] for t in vocab], dtype=np.int64)
            algorithms = corpus.algorithms
        if vocab:
            if corpus is None:
                retriever = bm25s.BM25(backend="numpy")
            else:
                df = dict(enumerate(corpus_df.tolist()))
                retriever = _CorpusWideBM25(df, corpus.passages, corpus.tokens / corpus.passages)
            # ids plus vocab: bm25s then skips its own tokenizer, and no empty token is added
            # (an id-only query of unknown words never reaches bm25s: search returns [] first).
            retriever.index((corpus_ids, vocab), create_empty_token=False, show_progress=False)
        return cls(list(ids), list(dict.fromkeys(algorithms)), retriever, corpus_df)

    # --- search ------------------------------------------------------------------------------
    def search(self, query: str, top_k: int, language: str | None = None) -> list[tuple[str, float]]:
        """(passage id, BM25 score) of the best ``top_k`` passages with a score above 0."""
        return self.search_batch([query], top_k, [language])[0]

    def search_batch(
        self, queries: Sequence[str], top_k: int, languages: Sequence[str | None] | None = None
    ) -> list[list[tuple[str, float]]]:
        """:meth:`search` for many queries at once; ``languages`` (one per query) may be None."""
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        if languages is None:
            languages = [None] * len(queries)
        if len(languages) != len(queries):
            raise ValueError(f"got {len(queries)} queries and {len(languages)} languages")
        results: list[list[tuple[str, float]]] = [[] for _ in queries]
        if self._retriever is None:
            return results
        token_ids = [self._query_ids(q, lang) for q, lang in zip(queries, languages, strict=True)]
        live = [i for i, t in enumerate(token_ids) if t]
        if not live:
            return results
        docs, scores = self._retriever.retrieve(
            [token_ids[i] for i in live],
            k=min(top_k, len(self.ids)),
            show_progress=False,
            n_threads=0,
            backend_selection="numpy",
        )
        for row, i in enumerate(live):
            # rows are padded with score-0 passages when fewer than k share a token with the query
            results[i] = [
                (self.ids[d], s) for d, s in zip(docs[row].tolist(), scores[row].tolist(), strict=True) if s > 0
            ]
        return results

    def _query_ids(self, query: str, language: str | None) -> list[int]:
        own = snowball_name(language)
        if language is None:
            stop: frozenset[str] = frozenset().union(*(STOPWORDS.get(a or "", NO_STOPWORDS) for a in self.algorithms))
        else:
            stop = STOPWORDS.get(own or "", NO_STOPWORDS)
        algorithms = [own, *self.algorithms] if language is not None else self.algorithms
        vocab, df = self._vocab, self._df
        out: list[int] = []
        for stems, key in query_words(query, algorithms, stop):
            stem_ids = [vocab[s] for s in stems if s in vocab]
            out.extend(stem_ids)
            # A key found where the word's stems are found anyway ("Paris", "Arctic") would only
            # count the word twice: on Climate-FEVER that cost about 0.015 of recall@5. It is added
            # when it is in more passages than all the stems together (an O(1) stand-in for "in
            # passages none of them reach"), i.e. when other spellings of the name are indexed.
            key_id = vocab.get(key) if key is not None else None
            if key_id is not None and df[key_id] > sum(int(df[i]) for i in stem_ids):
                out.append(key_id)
        return out

    # --- disk --------------------------------------------------------------------------------
    def save(self, folder: Path) -> list[str]:
        """Write into ``folder/bm25/``; returns the files written, relative to ``folder``."""
        target = Path(folder) / BM25_DIR
        target.mkdir(parents=True, exist_ok=True)
        names: list[str] = []
        if self._retriever is not None:
            self._retriever.save(target, show_progress=False)
            names.extend(_BM25S_FILES)
        if self._corpus_df is not None:
            np.save(target / CORPUS_DF, self._corpus_df, allow_pickle=False)
            names.append(CORPUS_DF)
        meta = {
            "tokenizer_version": TOKENIZER_VERSION,
            "bm25s_version": bm25s.__version__,
            "algorithms": self.algorithms,
            "has_terms": self._retriever is not None,
            "corpus_wide": self._corpus_df is not None,
            "ids": self.ids,
        }
        (target / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        names.append(META)
        return [f"{BM25_DIR}/{n}" for n in names]

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """Read what :meth:`save` wrote into ``folder``.

        :raises IndexCorruptError: a file is missing or unreadable (the message names it).
        :raises BM25TokenizerMismatchError: the index was written by another tokenizer version.
        """
        target = Path(folder) / BM25_DIR
        meta_path = target / META
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            version = meta["tokenizer_version"]
            ids = [str(i) for i in meta["ids"]]
            algorithms = [a if a is None else str(a) for a in meta["algorithms"]]
            has_terms = bool(meta["has_terms"])
        except FileNotFoundError as exc:
            raise IndexCorruptError(f"{meta_path} is missing") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(f"{meta_path} cannot be read: {exc}") from exc
        if version != TOKENIZER_VERSION:
            raise BM25TokenizerMismatchError(
                f"{meta_path} was written by BM25 tokenizer version {version}, this code uses "
                f"{TOKENIZER_VERSION}; rebuild the index"
            )
        if not has_terms:
            return cls(ids, algorithms, None)
        for name in _BM25S_FILES:
            if not (target / name).is_file():
                raise IndexCorruptError(f"{target / name} is missing")
        try:
            retriever = bm25s.BM25.load(target, mmap=False, load_vocab=True, show_progress=False)
        except Exception as exc:  # bm25s and numpy raise many types; the file is found below
            raise IndexCorruptError(f"{_unreadable(target)} cannot be read: {exc}") from exc
        _check_shapes(target, retriever, len(ids))
        corpus_df = None
        if meta.get("corpus_wide"):
            try:
                corpus_df = np.load(target / CORPUS_DF, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise IndexCorruptError(f"{target / CORPUS_DF} cannot be read: {exc}") from exc
            if corpus_df.shape != (len(retriever.vocab_dict),):
                raise IndexCorruptError(
                    f"{target / CORPUS_DF} holds {corpus_df.shape} counts for {len(retriever.vocab_dict)} terms"
                )
        return cls(ids, algorithms, retriever, corpus_df)


class BM25TokenizerMismatchError(IndexCorruptError):
    """The saved BM25 index was tokenised by another version of this module."""


def _unreadable(target: Path) -> Path:
    """The first bm25s file that does not parse on its own (only run once loading has failed)."""
    for name in _BM25S_FILES:
        path = target / name
        try:
            if name.endswith(".npy"):
                np.load(path, allow_pickle=False)
            else:
                json.loads(path.read_text(encoding="utf-8"))
        except Exception:  # any failure means this is the file to name
            return path
    return target


def _check_shapes(target: Path, retriever: bm25s.BM25, passages: int) -> None:
    """Files that each parse can still disagree (one left over from another build)."""
    scores: dict[str, Any] = retriever.scores
    if scores.get("num_docs") != passages:
        raise IndexCorruptError(
            f"{target / 'params.index.json'} counts {scores.get('num_docs')} passages, {target / META} lists {passages}"
        )
    vocab_size = len(retriever.vocab_dict)
    if len(scores["indptr"]) != vocab_size + 1:
        raise IndexCorruptError(
            f"{target / 'indptr.csc.index.npy'} holds {len(scores['indptr']) - 1} terms, "
            f"{target / 'vocab.index.json'} {vocab_size}"
        )
    if len(scores["data"]) != len(scores["indices"]) or (
        len(scores["indptr"]) and scores["indptr"][-1] != len(scores["data"])
    ):
        raise IndexCorruptError(f"{target / 'data.csc.index.npy'} and {target / 'indices.csc.index.npy'} do not match")
    if len(scores["indices"]) and int(scores["indices"].max()) >= passages:
        raise IndexCorruptError(f"{target / 'indices.csc.index.npy'} points past the {passages} passages")
