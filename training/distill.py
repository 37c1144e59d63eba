"""Distillation: a student cut from its teacher's layers, and the loss that trains it on the teacher's labels."""

from __future__ import annotations

import copy

import torch


def student_layers(total: int, keep: int) -> list[int]:
    """``keep`` of ``total`` encoder layers, evenly spaced, ending with the top one (12 -> 6: 1, 3, ..., 11)."""
    if not 0 < keep <= total:
        raise SystemExit(f"Error: --student-layers must be between 1 and {total}, got {keep}")
    return [round((i + 1) * total / keep) - 1 for i in range(keep)]


def make_student(model, keep: int):
    """The model cut to ``keep`` encoder layers (copies: the teacher is left whole)."""
    student = copy.deepcopy(model)
    layers = student.bert.encoder.layer
    student.bert.encoder.layer = torch.nn.ModuleList([layers[i] for i in student_layers(len(layers), keep)])
    student.config.num_hidden_layers = keep
    return student


def distillation_loss(student_logits, teacher_logits, gold_loss, alpha: float, temperature: float):
    """Hinton et al. (2015): KL to the teacher's softened distribution (times T^2, so its gradients keep their
    scale) mixed with the gold labels' cross-entropy."""
    import torch.nn.functional as F

    t = temperature
    soft = F.kl_div(
        F.log_softmax(student_logits.float() / t, dim=-1), F.softmax(teacher_logits.float() / t, dim=-1),
        reduction="batchmean",
    )  # fmt: skip
    return alpha * soft * t * t + (1 - alpha) * gold_loss
