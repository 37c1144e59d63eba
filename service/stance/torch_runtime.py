"""The stance model on PyTorch: fp32, bf16 (autocast) or int8 (dynamic, per-tensor).

bf16 autocast runs the linear layers on the CPU's AMX tiles where it has them (Sapphire Rapids
and later): measured there, several times the pairs/s of fp32, with layer norms kept in fp32
by autocast, so accuracy stays within noise of fp32 (bench/stance.py).
"""

from __future__ import annotations

import numpy as np

from service.stance.batching import pair_batches


def _autocast(precision: str):
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")


class TorchPairClassifier:
    """Logits of (premise, hypothesis) pairs from a transformers sequence-classification model."""

    def __init__(self, model, tokenizer, precision: str, max_length: int) -> None:
        import torch

        if precision == "int8":
            # per-tensor weights: measured 9-20 points worse than ONNX Runtime's per-channel int8
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.precision = precision
        self.max_length = max_length
        self.inputs = ["input_ids", "attention_mask"]
        if getattr(model.config, "type_vocab_size", 0) > 1 and "token_type_ids" in tokenizer.model_input_names:
            self.inputs.append("token_type_ids")

    @property
    def config(self):
        return self.model.config

    def logits(self, premises: list[str], hypotheses: list[str], batch_size: int) -> np.ndarray:
        import torch

        out = np.zeros((len(premises), self.config.num_labels), dtype=np.float32)
        with torch.inference_mode(), _autocast(self.precision):
            for batch in pair_batches(self.tokenizer, premises, hypotheses, self.max_length, batch_size):
                feed = {k: torch.from_numpy(v) for k, v in batch.feed(self.inputs).items()}
                out[batch.rows] = self.model(**feed).logits.float().numpy()
        return out


class CrossEncoderPairClassifier:
    """Any other CrossEncoder (a modular one without a sequence-classification model): its own predict()."""

    def __init__(self, encoder, precision: str) -> None:
        if precision == "int8":
            raise ValueError("int8 needs a sequence-classification model; use fp32 or bf16 for this CrossEncoder")
        self.encoder = encoder
        self.precision = precision
        self.tokenizer = encoder.tokenizer

    @property
    def config(self):
        return self.encoder.config

    def logits(self, premises: list[str], hypotheses: list[str], batch_size: int) -> np.ndarray:
        import torch

        with torch.inference_mode(), _autocast(self.precision):
            raw = self.encoder.predict(
                list(zip(premises, hypotheses, strict=True)), batch_size=batch_size, show_progress_bar=False
            )
        return np.asarray(raw, dtype=np.float32)


def is_sequence_classifier(model) -> bool:
    return model is not None and type(model).__name__.endswith("ForSequenceClassification")
