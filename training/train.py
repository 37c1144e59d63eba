"""Fine-tune the multilingual-e5-small backbone as a 3-way NLI cross-encoder.

    python -m training.train --out training/runs/stance --max-minutes 100

Reproducible (fixed seeds, data manifest and hyper-parameters written beside the weights) and
resumable: a checkpoint is written every ``--checkpoint-every`` steps, and the same command
picks it up. On a CUDA GPU the same command runs the full recipe (``--epochs 3``, all data).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from training.data import LABELS, MIX_VERSIONS, Pair, eval_sets, source_part
from training.distill import distillation_loss, make_student
from training.mix import train_mix

log = logging.getLogger("training")
PREVIOUS_STAGES = "previous_stages.json"
# the quick evaluation pairs do not follow --seed, so learning curves of runs with different
# seeds can be compared; 13 is the seed of stages 1-3, which drew these same pairs
QUICK_EVAL_SEED = 13


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", type=Path, default=Path("../shared/data/nli"), help="folder of the NLI sets")
    ap.add_argument(
        "--out", type=Path, default=Path("training/runs/stance"), help="run folder (checkpoints, final model)"
    )
    ap.add_argument("--cache-dir", type=Path, default=None, help="where the converted backbone lives")
    ap.add_argument("--max-pairs", type=int, default=48000, help="pairs to train on (per epoch budget)")
    ap.add_argument("--epochs", type=float, default=1.0, help="passes over --max-pairs (use 3+ on a GPU)")
    ap.add_argument("--max-minutes", type=float, default=100.0, help="stop (and finish the LR decay) by then")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--warmup", type=float, default=0.04, help="fraction of steps with rising LR")
    ap.add_argument("--max-len", type=int, default=128, help="tokens per pair (the longer text is truncated first)")
    ap.add_argument("--freeze-layers", type=int, default=2, help="bottom encoder layers kept frozen")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--checkpoint-every", type=int, default=100, help="steps between checkpoints")
    ap.add_argument("--eval-every", type=int, default=300, help="steps between quick evaluations")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="start from this saved model folder (an earlier run's final/), or 'shipped' for the weights in "
        "service/stance/model/, instead of the bare backbone",
    )
    ap.add_argument(
        "--mix-start",
        type=int,
        default=0,
        help="first pair of the shuffled mix to use; the slice wraps round, so a second stage sees "
        "the pairs an earlier stage never reached first",
    )
    ap.add_argument(
        "--mix",
        choices=MIX_VERSIONS,
        default="v2",
        help="training mix (v1: stages 1-2; v2: wider; v3 to v5: see MODEL_CARD)",
    )
    ap.add_argument(
        "--drop-part",
        action="append",
        default=[],
        metavar="PART",
        help="leave this part of the mix out (repeatable), for an ablation: e.g. --drop-part lexical",
    )
    ap.add_argument(
        "--student-layers",
        type=int,
        default=0,
        help="distil the starting model (--init-from) into a student of this many of its encoder layers (evenly "
        "spaced, the top one kept); 0 trains the model as it is",
    )
    ap.add_argument(
        "--quant-aware",
        type=int,
        choices=(0, 7, 8),
        default=0,
        help="fine-tune the starting model (--init-from) for ONNX Runtime's dynamic int8, its weights rounded to "
        "this many bits (7: reduce_range, safe on AVX2 CPUs without VNNI), against its own fp32 outputs weighed "
        "by --distill-alpha (1.0: those outputs alone; training/quant_aware.py); 0: off",
    )
    ap.add_argument("--distill-alpha", type=float, default=0.8, help="weight of the teacher's soft labels (rest: gold)")
    ap.add_argument("--distill-temperature", type=float, default=2.0, help="softmax temperature of the soft labels")
    ap.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default="auto",
        help="bf16 autocast (fp32 master weights); auto picks it on a GPU with bf16 or a CPU with "
        "AMX or AVX512-BF16, where it is 2x faster or more",
    )
    return ap.parse_args(argv)


def pick_precision(choice: str, device: str) -> str:
    if choice != "auto":
        return choice
    if device == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported() else "fp32"


def mix_slice(mix: list[Pair], start: int, count: int) -> list[Pair]:
    """``count`` pairs of the mix from ``start``, wrapping round to its beginning."""
    if not mix:
        return []
    start %= len(mix)
    out = mix[start : start + count]
    while len(out) < count and len(out) < len(mix):
        out += mix[: min(count - len(out), len(mix) - len(out))]
    return out


def length_bucketed_batches(pairs: list[Pair], tokenizer, batch_size: int, seed: int) -> list[list[Pair]]:
    """Batches of similar length (less padding), in random order."""
    rng = random.Random(seed)
    lengths = [len(p.premise) + len(p.hypothesis) for p in pairs]
    batches: list[list[Pair]] = []
    chunk = batch_size * 64
    for start in range(0, len(pairs), chunk):
        idx = sorted(range(start, min(start + chunk, len(pairs))), key=lengths.__getitem__)
        batches += [[pairs[i] for i in idx[b : b + batch_size]] for b in range(0, len(idx), batch_size)]
    rng.shuffle(batches)
    return batches


def encode(tokenizer, batch: list[Pair], max_len: int, device: str) -> dict[str, torch.Tensor]:
    enc = tokenizer(
        [p.premise for p in batch],
        [p.hypothesis for p in batch],
        truncation="longest_first",
        max_length=max_len,
        padding=True,
        return_tensors="pt",
    )
    enc.pop("token_type_ids", None)  # e5 only ever saw segment 0
    return {k: v.to(device) for k, v in enc.items()}


@torch.no_grad()
def accuracy(
    model, tokenizer, pairs: list[Pair], max_len: int, device: str, batch_size: int = 64, bf16: bool = False
) -> float:
    model.eval()
    right = 0
    for b in range(0, len(pairs), batch_size):
        batch = pairs[b : b + batch_size]
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            logits = model(**encode(tokenizer, batch, max_len, device)).logits
        right += int((logits.argmax(-1).cpu() == torch.tensor([p.label for p in batch])).sum())
    model.train()
    return right / max(1, len(pairs))


def build_model(backbone: Path, freeze_layers: int, init_from: Path | None = None):
    from transformers import AutoTokenizer, BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(
        str(init_from or backbone),
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)},
    )
    if init_from is None:
        with torch.no_grad():
            # The converted backbone has no trained pooler; identity passes the <s> state through.
            model.bert.pooler.dense.weight.copy_(torch.eye(model.config.hidden_size))
            model.bert.pooler.dense.bias.zero_()
    # Frozen word embeddings: 96M of the 118M parameters, and shared with the embedder at run time.
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    for layer in model.bert.encoder.layer[:freeze_layers]:
        layer.requires_grad_(False)
    if freeze_layers:
        model.bert.embeddings.requires_grad_(False)
    return model, AutoTokenizer.from_pretrained(str(backbone))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.quant_aware and (args.init_from is None or args.student_layers):
        raise SystemExit(
            "Error: --quant-aware fine-tunes a trained model as it is: name it with --init-from, without --student-layers"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    args.out.mkdir(parents=True, exist_ok=True)

    from service.backbone import ensure_backbone
    from service.settings import Settings

    cache = args.cache_dir or Settings().model_cache_dir
    init_from = args.init_from
    if str(init_from) == "shipped":
        from service.stance.assemble import WEIGHTS_DIR, ensure_stance_model

        init_from = ensure_stance_model(cache)
        # the stages that made the shipped weights: the export puts them before this run's
        shutil.copy(WEIGHTS_DIR / "training.json", args.out / PREVIOUS_STAGES)
    model, tokenizer = build_model(ensure_backbone(cache), args.freeze_layers, init_from)
    teacher = None
    if args.student_layers:
        if init_from is None:
            raise SystemExit("Error: --student-layers distils a trained model: name it with --init-from")
        teacher = model.eval().requires_grad_(False).to(device)
        model = make_student(model, args.student_layers).train().requires_grad_(True)
        # the same freezing as a model trained as it is: word embeddings always, the bottom layers as asked
        model.bert.embeddings.requires_grad_(not args.freeze_layers)
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
        for layer in model.bert.encoder.layer[: args.freeze_layers]:
            layer.requires_grad_(False)
    if args.quant_aware:
        from training.quant_aware import prepare_with_teacher

        teacher, model = prepare_with_teacher(model, args.quant_aware)
        teacher.to(device)
    model.to(device)

    precision = pick_precision(args.precision, device)
    bf16 = precision == "bf16"
    log.info("device %s, precision %s, %d threads", device, precision, args.threads)
    mix, counts = train_mix(args.data_root, seed=args.seed, version=args.mix, drop=tuple(args.drop_part))
    mix = mix_slice(mix, args.mix_start, args.max_pairs)
    epochs = max(1, math.ceil(args.epochs))
    plan = [length_bucketed_batches(mix, tokenizer, args.batch_size, args.seed + e) for e in range(epochs)]
    batches = [b for epoch in plan for b in epoch][: int(len(plan[0]) * args.epochs)]
    total_steps = len(batches)
    evals = eval_sets(args.data_root)
    quick = {k: random.Random(QUICK_EVAL_SEED).sample(evals[k], 300) for k in ("xnli-de", "xnli-de-en", "vitaminc")}

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    state = {"step": 0, "elapsed": 0.0, "curve": [], "quant_aware": args.quant_aware}
    ckpt = args.out / "checkpoint.pt"
    if ckpt.exists():
        saved = torch.load(ckpt, map_location=device, weights_only=False)
        from training.quant_aware import check_resume

        check_resume(ckpt, saved["state"], args.quant_aware)
        model.load_state_dict(saved["model"], strict=False)
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        log.info("resumed from step %d (%.1f min trained)", state["step"], state["elapsed"] / 60)

    hparams = {
        **{k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "device": device,
        "precision": precision,
        "total_steps": total_steps,
        "torch": torch.__version__,
    }
    (args.out / "hparams.json").write_text(json.dumps(hparams, indent=2))
    (args.out / "data_manifest.json").write_text(
        json.dumps(
            {
                "train_pairs_available": counts,
                "train_pairs_used": len(mix) * args.epochs,
                "used_by_source": dict(Counter(source_part(p.source) for p in mix)),
                "eval_sets": {k: len(v) for k, v in evals.items()},
            },
            indent=2,
        )
    )

    warmup = max(1, int(args.warmup * total_steps))
    budget = args.max_minutes * 60
    model.train()
    t_start = time.time() - state["elapsed"]
    seen_since, t_log = 0, time.time()
    for step in range(state["step"], total_steps):
        elapsed = time.time() - t_start
        # Decay by whichever runs out first, the steps or the time budget, so a time-capped
        # CPU run still ends with a fully decayed learning rate.
        progress = max(step / total_steps, elapsed / budget)
        if progress >= 1.0:
            log.info("time budget reached at step %d", step)
            break
        lr = args.lr * min(1.0, (step + 1) / warmup) * max(0.0, 1.0 - progress)
        for g in opt.param_groups:
            g["lr"] = lr
        batch = batches[step]
        inputs = encode(tokenizer, batch, args.max_len, device)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            out = model(**inputs, labels=torch.tensor([p.label for p in batch], device=device))
            loss = out.loss
            if teacher is not None:
                with torch.no_grad():
                    soft = teacher(**inputs).logits
                loss = distillation_loss(out.logits, soft, out.loss, args.distill_alpha, args.distill_temperature)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        seen_since += len(batch)
        state["step"] = step + 1
        if state["step"] % 20 == 0:
            rate = seen_since / (time.time() - t_log)
            log.info(
                "step %d/%d loss %.3f lr %.2e %.1f pairs/s elapsed %.1f min",
                state["step"],
                total_steps,
                loss.item(),
                lr,
                rate,
                elapsed / 60,
            )
            seen_since, t_log = 0, time.time()
        if state["step"] % args.eval_every == 0:
            accs = {
                k: round(accuracy(model, tokenizer, v, args.max_len, device, bf16=bf16), 3) for k, v in quick.items()
            }
            state["curve"].append(
                {
                    "step": state["step"],
                    "pairs": state["step"] * args.batch_size,
                    "minutes": round(elapsed / 60, 1),
                    **accs,
                }
            )
            log.info("eval %s", state["curve"][-1])
        if state["step"] % args.checkpoint_every == 0:
            state["elapsed"] = time.time() - t_start
            trainable = {k: v for k, v in model.state_dict().items() if "word_embeddings" not in k}
            torch.save({"model": trainable, "opt": opt.state_dict(), "state": state}, ckpt.with_suffix(".tmp"))
            os.replace(ckpt.with_suffix(".tmp"), ckpt)

    state["elapsed"] = time.time() - t_start
    final = args.out / "final"
    if args.quant_aware:
        from training.quant_aware import strip

        strip(model)
    model.save_pretrained(str(final))
    tokenizer.save_pretrained(str(final))
    (args.out / "train_state.json").write_text(
        json.dumps(
            {
                "steps": state["step"],
                "pairs_seen": state["step"] * args.batch_size,
                "minutes": round(state["elapsed"] / 60, 1),
                "curve": state["curve"],
                "device": device,
                "hardware": torch.cuda.get_device_name(0) if device == "cuda" else f"CPU, {args.threads} threads",
            },
            indent=2,
        )
    )
    log.info("saved %s after %d steps (%.1f min)", final, state["step"], state["elapsed"] / 60)


if __name__ == "__main__":
    main()
