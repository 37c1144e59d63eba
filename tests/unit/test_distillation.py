"""A smaller student of the stance model (issue 25): which layers it keeps, and the loss it learns from."""

import pytest
import torch

from training.distill import distillation_loss, make_student, student_layers

pytestmark = pytest.mark.unit


def _tiny_model(layers: int = 4):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2, intermediate_size=32,
        num_labels=3,
    )  # fmt: skip
    return BertForSequenceClassification(config).eval()


@pytest.mark.parametrize(
    ("total", "keep", "layers"), [(12, 6, [1, 3, 5, 7, 9, 11]), (12, 4, [2, 5, 8, 11]), (12, 12, list(range(12)))]
)
def test_a_student_keeps_evenly_spaced_layers_up_to_the_top(total, keep, layers):
    assert student_layers(total, keep) == layers


@pytest.mark.parametrize("keep", [0, 13])
def test_a_student_of_no_layers_or_more_layers_than_the_teacher_is_refused(keep):
    with pytest.raises(SystemExit, match="--student-layers must be between 1 and 12"):
        student_layers(12, keep)


def test_the_student_is_a_cut_copy_and_the_teacher_stays_whole():
    teacher = _tiny_model(4)
    student = make_student(teacher, 2)
    assert len(teacher.bert.encoder.layer) == 4 and teacher.config.num_hidden_layers == 4
    assert len(student.bert.encoder.layer) == 2 and student.config.num_hidden_layers == 2
    kept = teacher.bert.encoder.layer[3].output.dense.weight
    assert torch.equal(student.bert.encoder.layer[1].output.dense.weight, kept)
    assert student.bert.encoder.layer[1].output.dense.weight is not kept  # a copy: training it leaves the teacher
    ids = torch.tensor([[1, 5, 7, 2]])
    assert student(input_ids=ids).logits.shape == (1, 3)


def test_the_loss_is_the_gold_loss_alone_at_alpha_0_and_nothing_to_learn_from_an_identical_teacher():
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    gold = torch.tensor(0.7)
    assert distillation_loss(logits, logits.clone(), gold, alpha=0.0, temperature=2.0) == pytest.approx(0.7)
    assert distillation_loss(logits, logits.clone(), gold, alpha=1.0, temperature=2.0) == pytest.approx(0.0, abs=1e-6)
    other = torch.tensor([[-1.0, 0.5, 2.0], [0.3, 0.2, 0.1]])
    assert distillation_loss(logits, other, gold, alpha=1.0, temperature=2.0) > 0.1
