"""The check's models in their fastest form: the claims' embedder on ONNX Runtime and the tokenizers read
by ``tokenizers`` alone give the vectors, ids and logits of the sentence-transformers and transformers forms;
a check started in a fresh process imports no sentence-transformers (bench/startup.py has the seconds)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from haystack import Document

from tests.conftest import MODEL_CACHE

pytestmark = pytest.mark.integration

LONG = "Die Allianz werde den Zugang von weißrussischen Vertretern einschränken. " * 60  # over 512 tokens
TEXTS = [
    "Belarusian access to NATO HQ restricted",
    "  Die NATO beschränkt den Zugang weißrussischer Vertreter.  ",
    "La tour Eiffel a été achevée en 1889.",
    "",
    LONG,
    "Los ministros de la OTAN se reunirán en línea el 1 de junio.",
]


@pytest.fixture(scope="module")
def onnx_embedder(backbone_path):
    from service.verify.onnx_embedder import OnnxDocumentEmbedder

    embedder = OnnxDocumentEmbedder(str(backbone_path), "query: ", cache_dir=str(MODEL_CACHE), threads=2)
    embedder.warm_up()
    return embedder


def test_onnx_vectors_are_sentence_transformers_vectors(onnx_embedder, backbone_path):
    from index.embedders import document_embedder

    docs = [Document(content=t) for t in TEXTS]
    ours = np.array([d.embedding for d in onnx_embedder.run(docs)["documents"]], dtype=np.float32)
    theirs = np.array(
        [
            d.embedding
            for d in document_embedder(str(backbone_path), "query: ", progress_bar=False).run(docs)["documents"]
        ],
        dtype=np.float32,
    )
    assert ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)  # measured: 1.1e-7 at most
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert all(d.embedding is None for d in docs)  # the caller's documents are left as they were
    # a text alone gets the vector it gets inside a padded batch, the long one truncated alike
    for i in (0, 4):
        np.testing.assert_allclose(onnx_embedder.embed([TEXTS[i]])[0], ours[i], atol=1e-6)
    # the export, weights apart from the graph, readable by the other users of a shared model cache
    data = next((MODEL_CACHE / "onnx-embedder").glob("*/model.onnx.data"))
    assert data.stat().st_mode & 0o044 == 0o044


def test_the_settings_choose_the_embedder(settings_factory, backbone_path, tmp_path, onnx_embedder):
    from haystack_integrations.components.embedders.sentence_transformers import SentenceTransformersDocumentEmbedder

    from service.errors import SettingsError
    from service.verify.onnx_embedder import OnnxDocumentEmbedder, check_embedder

    model = str(backbone_path)
    auto = check_embedder(settings_factory(), model, "query: ")
    assert isinstance(auto, OnnxDocumentEmbedder) and (auto.model, auto.prefix) == (model, "query: ")
    again = OnnxDocumentEmbedder.from_dict(auto.to_dict())
    assert again.to_dict() == auto.to_dict()
    torch = check_embedder(settings_factory(embedding_backend="torch"), model, "query: ")
    assert isinstance(torch, SentenceTransformersDocumentEmbedder)
    # a model with a module the export does not reproduce stays on sentence-transformers, or is refused
    other = tmp_path / "with-dense"
    other.mkdir()
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        shutil.copy(backbone_path / name, other / name)
    modules = json.loads((backbone_path / "modules.json").read_text())
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (other / "modules.json").write_text(json.dumps(modules))
    assert isinstance(check_embedder(settings_factory(), str(other), "query: "), SentenceTransformersDocumentEmbedder)
    with pytest.raises(SettingsError, match="FACTCHECK_EMBEDDING_BACKEND=onnx"):
        check_embedder(settings_factory(embedding_backend="onnx"), str(other), "query: ")


@pytest.fixture(scope="module")
def stance_folder(settings_factory) -> Path:
    from service.stance.assemble import WEIGHTS_DIR, ensure_stance_model

    return Path(ensure_stance_model(settings_factory().model_cache_dir, WEIGHTS_DIR))


PREMISES = [TEXTS[1], LONG, "Kurz.", TEXTS[2]]
CLAIMS = [TEXTS[0], TEXTS[0], LONG, "Der Eiffelturm wurde 1889 fertiggestellt."]


def test_pair_tokenizer_gives_transformers_ids(stance_folder):
    from transformers import AutoTokenizer

    from service.stance.onnx_runtime import PairTokenizer

    ours = PairTokenizer(stance_folder, 256)
    theirs = AutoTokenizer.from_pretrained(str(stance_folder))
    mine = ours(PREMISES, CLAIMS)
    assert mine["input_ids"] == theirs(PREMISES, CLAIMS, truncation=True, max_length=256)["input_ids"]
    assert max(len(ids) for ids in mine["input_ids"]) == 256  # the long pairs were cut, longest first
    assert ours.pad_token_id == theirs.pad_token_id
    assert ours.model_input_names == theirs.model_input_names


def test_the_built_in_torch_model_gives_the_cross_encoder_logits(settings_factory, stance_folder):
    import torch
    from sentence_transformers import CrossEncoder

    from service.stance import StanceScorer

    scorer = StanceScorer(cache_dir=settings_factory().model_cache_dir, backend="torch", precision="fp32")
    scorer.warm_up()
    encoder = CrossEncoder(str(stance_folder), device="cpu", max_length=256, local_files_only=True)
    features = encoder.tokenizer(PREMISES, CLAIMS, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        theirs = encoder.model(**features).logits.numpy()
    np.testing.assert_allclose(scorer._classifier.logits(PREMISES, CLAIMS, 32), theirs, atol=1e-4)


@pytest.mark.parametrize("stance_backend", ["onnx", "auto"])
def test_a_check_in_a_fresh_process_imports_no_sentence_transformers(sample_index, stance_backend):
    factcheck = Path(sys.executable).parent / "factcheck"
    env = {**os.environ, "FACTCHECK_MODEL_CACHE_DIR": str(MODEL_CACHE), "FACTCHECK_STANCE_BACKEND": stance_backend}
    env["FACTCHECK_THREADS"] = "2"
    command = [str(factcheck), "check", "Belarusian access to NATO HQ restricted"]
    command += ["--index-dir", str(sample_index), "--json", "-k", "2"]
    # the first start may export a model to ONNX (with torch and sentence-transformers): the second is a user's
    subprocess.run(command, capture_output=True, env=env, timeout=600, check=True)
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *command], capture_output=True, text=True, env=env, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout)["verdict"] in ("SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO")
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert "onnxruntime" in imported  # the record is complete: the claims' embedder ran on ONNX Runtime
    assert "sentence_transformers" not in imported
