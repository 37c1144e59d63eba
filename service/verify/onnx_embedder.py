"""The claims' embedder on ONNX Runtime: the sentence-transformers model, exported once into the model cache.

A command-line check loads its models on every call. Through sentence-transformers that costs about
4 s of imports (torch, transformers, sentence-transformers) and 3 s of loading; this reads the exported
graph and the ``tokenizers`` file directly (measured in ``bench/startup.py``). The vectors are the
model's own: the export is the same network, mean or CLS pooling and the normalisation are done here as
sentence-transformers does them (tested against it). Models this cannot reproduce (extra modules, another
pooling) stay on sentence-transformers: see :func:`supports`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from haystack import Document, component, default_from_dict, default_to_dict

from service.errors import SettingsError
from service.logs import SETUP_LOG
from service.settings import Settings
from service.staging import folder_lock, staged_folder
from service.stance.fast_tokenizer import FastTokenizer
from service.stance.onnx_runtime import drop_older_exports, export_graph

log = logging.getLogger(__name__)

_GRAPH = "model.onnx"
_MARKER = "factcheck-onnx-embedder.json"
_RECIPE = 2  # bump when the export changes, so older exports are redone
_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


def _pooling_mode(folder: Path) -> str | None:
    """``mean`` or ``cls`` when the model is a Transformer, that pooling and at most a Normalize; else None."""
    try:
        modules = json.loads((folder / "modules.json").read_text())
        types = [m["type"] for m in modules]
        if types[:2] != [_TRANSFORMER, _POOLING] or types[2:] not in ([], [_NORMALIZE]) or modules[0]["path"]:
            return None
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text())
        lowercase = json.loads((folder / "sentence_bert_config.json").read_text()).get("do_lower_case")
        if lowercase or not (folder / "tokenizer.json").exists():
            return None
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    modes = {
        k.removeprefix("pooling_mode_").removesuffix("_tokens")
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and v
    }
    return modes.pop() if modes in ({"mean"}, {"cls"}) else None


def supports(model: str) -> bool:
    """Whether ``model`` (a local sentence-transformers folder) can run here with the same vectors."""
    return Path(model).is_dir() and _pooling_mode(Path(model)) is not None


def _max_length(folder: Path) -> int:
    lengths = []
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("config.json", "max_position_embeddings")):
        try:
            value = json.loads((folder / name).read_text()).get(key)
        except (OSError, ValueError):
            value = None
        if isinstance(value, int) and value > 0:
            lengths.append(value)
    return min(lengths, default=512)


def export_key(folder: Path) -> str:
    digest = hashlib.sha256(f"{_RECIPE}:{folder.resolve()}".encode())
    for name in ("config.json", "modules.json", "tokenizer.json"):
        digest.update((folder / name).read_bytes() if (folder / name).exists() else b"")
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def _export(source: Path, target: Path, key: str) -> None:
    """The transformer's last hidden states as an ONNX graph (pooling is done outside, in numpy)."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), local_files_only=True)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if model.config.type_vocab_size > 1 else [])
    with staged_folder(target) as tmp:
        export_graph(model, names, "last_hidden_state", tmp / _GRAPH)
        (tmp / _MARKER).write_text(json.dumps({"key": key, "source": str(source)}))


def _ready(target: Path, key: str) -> bool:
    try:
        return json.loads((target / _MARKER).read_text()).get("key") == key and (target / _GRAPH).exists()
    except (OSError, ValueError):
        return False


_LOADED: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_LOADING = threading.Lock()


def _load(source: Path, cache_dir: Path, threads: int) -> tuple[Any, Any]:
    """The model's ONNX session and tokenizer, exported first if need be; one per process for each model
    (the claims' and the article sentences' embedders differ only in their prefix, and it is 470 MB)."""
    import onnxruntime as ort

    key = export_key(source)
    with _LOADING:
        if (found := _LOADED.get((str(source), key, threads))) is not None:
            return found
        target = cache_dir / "onnx-embedder" / key
        with folder_lock(target):
            if not _ready(target, key):
                SETUP_LOG.info("Exporting the embedding model %s to ONNX in %s (once)...", source.name, target)
                _export(source, target, key)
                drop_older_exports(target, str(source), _MARKER)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(target / _GRAPH), options, providers=["CPUExecutionProvider"])
        tokenizer = FastTokenizer(source / "tokenizer.json", _max_length(source))
        _LOADED[(str(source), key, threads)] = session, tokenizer
        return session, tokenizer


@component
class OnnxDocumentEmbedder:
    """Embed documents' ``prefix + content`` with a sentence-transformers model on ONNX Runtime, normalised.

    Takes and gives what Haystack's ``SentenceTransformersDocumentEmbedder`` does (``documents`` in, the
    same documents with an ``embedding`` out), so either can be the claims' embedder.

    :param model: a local sentence-transformers folder that :func:`supports`.
    :param prefix: put before every text (e5's ``query: ``).
    :param batch_size: texts per model call (sorted by length, so a batch pads little).
    :param cache_dir: where the export is kept (default: the settings' model cache).
    :param threads: ONNX Runtime's threads (default: the settings').
    """

    def __init__(
        self,
        model: str,
        prefix: str = "",
        batch_size: int = 32,
        cache_dir: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.model = model
        self.prefix = prefix
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.threads = threads
        self.dimension: int | None = None
        self._session = None
        self._tokenizer = None
        self._pooling = "mean"
        self._inputs: list[str] = []

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self,
            model=self.model,
            prefix=self.prefix,
            batch_size=self.batch_size,
            cache_dir=self.cache_dir,
            threads=self.threads,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OnnxDocumentEmbedder:
        return default_from_dict(cls, data)

    def warm_up(self) -> None:
        """Export the model once (a few seconds, into the cache), then load it; later calls do nothing."""
        if self._session is not None:
            return
        from service.settings import get_settings

        source = Path(self.model)
        mode = _pooling_mode(source)
        if mode is None:
            raise ValueError(
                f"{self.model} is not a sentence-transformers folder of a transformer, mean or CLS pooling and "
                "a normalisation; embed it with sentence-transformers (FACTCHECK_EMBEDDING_BACKEND=torch)"
            )
        session, tokenizer = _load(
            source, Path(self.cache_dir or get_settings().model_cache_dir), self.threads or get_settings().threads
        )
        self._inputs = [i.name for i in session.get_inputs()]
        self.dimension = int(session.get_outputs()[0].shape[-1])
        self._pooling, self._tokenizer, self._session = mode, tokenizer, session

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors of ``texts`` (the prefix added), row i for text i."""
        self.warm_up()
        out = np.zeros((len(texts), self.dimension or 0), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode([self.prefix + t for t in texts])
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in self._inputs}
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                feed["input_ids"][r, :n] = encodings[i].ids
                feed["attention_mask"][r, :n] = 1
                if "token_type_ids" in feed:
                    feed["token_type_ids"][r, :n] = encodings[i].type_ids
            hidden = self._session.run(["last_hidden_state"], feed)[0]
            if self._pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = feed["attention_mask"][..., None].astype(np.float32)
                pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.clip(norms, 1e-12, None)
        return out

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        if not isinstance(documents, list) or (documents and not isinstance(documents[0], Document)):
            raise TypeError("OnnxDocumentEmbedder expects a list of Documents; use it for documents, not a string")
        vectors = self.embed([d.content or "" for d in documents])
        # new documents, as Haystack's embedders give: the caller's stay as they were
        return {"documents": [replace(d, embedding=v.tolist()) for d, v in zip(documents, vectors, strict=True)]}


def check_embedder(settings: Settings, model_path: str, prefix: str) -> Any:
    """The embedder a check uses for claims (and an article for its sentences), by
    ``FACTCHECK_EMBEDDING_BACKEND``: ONNX Runtime where the model allows it (``auto``), else
    sentence-transformers. Index builds embed passages with sentence-transformers either way.

    :raises SettingsError: ``onnx`` asked for a model it cannot reproduce.
    """
    backend = settings.embedding_backend
    if backend == "onnx" and not supports(model_path):
        raise SettingsError(
            f"FACTCHECK_EMBEDDING_BACKEND=onnx: {model_path} is not a local sentence-transformers folder of a "
            "transformer, mean or CLS pooling and a normalisation; use torch or auto"
        )
    if backend == "torch" or not supports(model_path):
        from index.embedders import document_embedder

        return document_embedder(model_path, prefix, settings.embed_batch_size, progress_bar=False)
    return OnnxDocumentEmbedder(model_path, prefix, settings.embed_batch_size)
