"""Index lifecycle without a model: versions, incremental updates, fallback, debris, locks, pruning.

The embedder is the deterministic hashing one; it counts every passage it embeds, so the tests
can say exactly what an update embedded.
"""

import json
import os
import shutil
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from corpus.components import SentencePassageSplitter
from corpus.documents import SourceDocument
from index import layout
from index.build import BuildConfig, build_index, delete_documents, update_index, upsert_documents
from index.errors import DocumentNotFoundError, IndexBusyError, IndexCorruptError
from index.inference import FairLock
from index.lock import BuildLock, holder_pid
from index.manifest import Manifest
from index.progress import LineProgress
from index.store import PASSAGES, VECTORS, FaissDocumentStore
from index.testing import HashingDocumentEmbedder
from service.index_status import clean_debris

pytestmark = pytest.mark.unit
DIM = 64
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def text(doc: str, sentences: int = 7, salt: str = "") -> str:
    """Distinct sentences per document; seven of them make three passages of up to three sentences."""
    return " ".join(
        f"The {WORDS[i % len(WORDS)]} report of {doc}{salt} mentions {WORDS[(i * 7) % len(WORDS)]} and {doc}{salt} "
        f"item {WORDS[(i * 3) % len(WORDS)]}{i}."
        for i in range(sentences)
    )


def write_corpus(path, docs: dict[str, str], titles: dict[str, str] | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for doc_id, body in docs.items():
            rec = {"id": doc_id, "text": body, "language": "en", "title": (titles or {}).get(doc_id, doc_id)}
            fh.write(json.dumps(rec) + "\n")
    return path


def config(embedder=None, **kw) -> BuildConfig:
    return BuildConfig(
        model_name="hash-test",
        model_path="hash:test",
        embedder=embedder or HashingDocumentEmbedder(DIM, "passage: "),
        **kw,
    )


def passages_of(body: str, doc_id: str) -> list[tuple[str, str]]:
    src = SourceDocument(id=doc_id, text=body, language="en")
    return [(d.id, d.content) for d in SentencePassageSplitter().run([src])["documents"]]


@pytest.fixture()
def corpus_v1():
    return {d: text(d) for d in ("a", "b", "c", "d")}


@pytest.fixture()
def built(tmp_path, corpus_v1):
    root = tmp_path / "idx"
    build_index(write_corpus(tmp_path / "v1.jsonl", corpus_v1), root, config())
    return root


def test_full_build_writes_a_verified_version_and_points_current_at_it(tmp_path, corpus_v1):
    emb = HashingDocumentEmbedder(DIM, "passage: ")
    report = build_index(write_corpus(tmp_path / "c.jsonl", corpus_v1), tmp_path / "idx", config(emb))
    assert report.version == "v000001" and layout.read_current(tmp_path / "idx") == "v000001"
    assert report.passages == 12 and report.embedded == 12 and report.reused == 0
    assert emb.embedded == report.embedded + report.checked  # the build embedded each passage once
    store = FaissDocumentStore.load(tmp_path / "idx")
    assert store.version == "v000001" and store.count_documents() == 12
    assert store.manifest.embedded == 12 and store.manifest.passage_sentences == 3


def test_update_embeds_only_new_and_changed_documents(tmp_path, built, corpus_v1):
    before = FaissDocumentStore.load(built)
    v2 = {"a": corpus_v1["a"], "b": text("b", salt="x"), "d": corpus_v1["d"], "e": text("e", sentences=4)}
    emb = HashingDocumentEmbedder(DIM, "passage: ")
    report = update_index(write_corpus(tmp_path / "v2.jsonl", v2, {"d": "A new title"}), built, config(emb))

    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 2)
    # d's text is unchanged but its title is new, and titles are embedded with the passages
    expected = len(passages_of(v2["b"], "b")) + len(passages_of(v2["e"], "e")) + len(passages_of(v2["d"], "d"))
    assert report.embedded == expected == 8
    assert emb.embedded == report.embedded + report.checked  # counted at the embedder, not only in the report
    assert report.reused == 3 and report.version == "v000002" and report.previous == "v000001"

    after = FaissDocumentStore.load(built)
    assert after.version == "v000002" and set(after.sources) == {"a", "b", "d", "e"}
    assert all(p.meta["doc_id"] != "c" for p in after.filter_documents())
    assert after.passage("d#0").meta["title"] == "A new title"
    for pid in ("a#0", "a#2"):  # copied vectors are bit-identical
        np.testing.assert_array_equal(after.passage_vector(pid), before.passage_vector(pid))
    hit = after.embedding_retrieval(emb.embed(after.passage("e#1").content), top_k=1)[0]
    assert hit.id == "e#1"


def test_an_edit_in_a_long_document_embeds_only_the_passages_that_changed(tmp_path):
    long = text("long", sentences=12)
    root = tmp_path / "idx"
    build_index(write_corpus(tmp_path / "v1.jsonl", {"long": long}), root, config())
    edited = long.replace("item bravo11.", "item bravo eleven, corrected.")
    assert edited != long
    report = update_index(write_corpus(tmp_path / "v2.jsonl", {"long": edited}), root, config())
    assert report.changed == 1 and report.passages == 4
    assert report.embedded == 1 and report.reused == 3


def test_update_without_changes_writes_no_new_version(tmp_path, built, corpus_v1):
    emb = HashingDocumentEmbedder(DIM, "passage: ")
    report = update_index(write_corpus(tmp_path / "v1.jsonl", corpus_v1), built, config(emb))
    assert report.up_to_date and report.version == "v000001" and report.embedded == 0
    assert emb.embedded == 0 and layout.version_ids(built) == ["v000001"]


def test_another_model_means_everything_is_embedded_again(tmp_path, built, corpus_v1):
    cfg = config()
    cfg.model_name = "hash-other"
    report = update_index(write_corpus(tmp_path / "same.jsonl", corpus_v1), built, cfg)
    assert report.embedded == 12 and report.reused == 0 and not report.up_to_date


def test_upsert_and_delete_documents(tmp_path, built):
    new = SourceDocument(id="z", text=text("z", sentences=2), language="en", title="Zed")
    report = upsert_documents(built, [new], config())
    assert report.added == 1 and report.embedded == 1 and report.documents == 5
    report = upsert_documents(built, [SourceDocument(id="z", text=text("z2", sentences=2), language="en")], config())
    assert report.changed == 1 and report.embedded == 1 and report.documents == 5
    report = delete_documents(built, ["z", "a"], config())
    assert report.removed == 2 and report.embedded == 0 and report.documents == 3
    assert set(FaissDocumentStore.load(built).sources) == {"b", "c", "d"}
    with pytest.raises(DocumentNotFoundError, match="nope"):
        delete_documents(built, ["nope"], config())


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_a_damaged_current_version_falls_back_to_the_last_good_one(tmp_path, built, corpus_v1, damage):
    update_index(write_corpus(tmp_path / "v2.jsonl", {**corpus_v1, "e": text("e")}), built, config())
    vectors = layout.version_dir(built, "v000002") / VECTORS
    data = vectors.read_bytes()
    if damage == "truncate":
        vectors.write_bytes(data[: len(data) // 3])
    elif damage == "flip":
        vectors.write_bytes(data[:-10] + bytes(b ^ 0xFF for b in data[-10:]))
    else:
        shutil.rmtree(vectors.parent)
    store = FaissDocumentStore.load(built)
    assert store.version == "v000001" and "e" not in store.sources
    assert store.skipped[0][0] == "v000002"
    assert ("vectors.faiss" in store.skipped[0][1]) or ("missing" in store.skipped[0][1])
    # the next update starts from the last good version and repairs CURRENT
    report = update_index(write_corpus(tmp_path / "v3.jsonl", {**corpus_v1, "e": text("e")}), built, config())
    assert report.previous == "v000001" and report.version == "v000003" and report.embedded == 3


def test_no_good_version_left_is_refused_with_the_file_named(built):
    (layout.current_dir(built) / PASSAGES).write_text("garbage")
    with pytest.raises(IndexCorruptError, match="passages.sqlite is damaged"):
        FaissDocumentStore.load(built)


def test_a_version_that_was_never_switched_to_is_not_served(tmp_path, built, corpus_v1):
    update_index(write_corpus(tmp_path / "v2.jsonl", {**corpus_v1, "e": text("e")}), built, config())
    # as if a build died between renaming its version into place and writing CURRENT
    layout.switch(built, "v000001")
    assert FaissDocumentStore.load(built).version == "v000001"


def test_a_killed_build_leaves_debris_that_the_next_start_removes(tmp_path, built):
    before = {p.relative_to(built): p.read_bytes() for p in layout.current_dir(built).rglob("*") if p.is_file()}
    staging = layout.make_staging(built, "v000002")
    (staging / VECTORS).write_bytes(b"half a file")
    (built / ".CURRENT.tmp123").write_text("v000002")
    with BuildLock(built):  # a live build's staging looks the same: left alone
        assert clean_debris(built) == []
        assert staging.exists()
    assert FaissDocumentStore.load(built).version == "v000001"
    assert sorted(p.name for p in clean_debris(built)) == [".CURRENT.tmp123", staging.name]
    assert layout.debris(built) == [] and (built / layout.LOCK).exists()
    after = {p.relative_to(built): p.read_bytes() for p in layout.current_dir(built).rglob("*") if p.is_file()}
    assert after == before


class _Liar(HashingDocumentEmbedder):
    """Embeds the build's passages honestly, then answers the verification queries with noise."""

    def run(self, documents):
        out = super().run(documents)["documents"]
        if self.calls > 1:
            rng = np.random.default_rng(self.calls)
            out = [replace(d, embedding=rng.normal(size=self.dimension).tolist()) for d in out]
        return {"documents": out}


def test_a_version_that_fails_verification_is_never_switched_to(tmp_path, built, corpus_v1):
    corpus = write_corpus(tmp_path / "v2.jsonl", {**corpus_v1, "e": text("e")})
    with pytest.raises(IndexCorruptError, match="verification of .* failed"):
        update_index(corpus, built, config(_Liar(DIM, "passage: "), batch_size=1000))
    assert layout.read_current(built) == "v000001" and layout.version_ids(built) == ["v000001"]
    assert layout.debris(built) == []


def test_one_build_at_a_time(tmp_path, built, corpus_v1):
    corpus = write_corpus(tmp_path / "v2.jsonl", corpus_v1)
    with BuildLock(built):
        assert holder_pid(built) is not None
        with pytest.raises(IndexBusyError, match="another build is running"):
            update_index(corpus, built, config())
    assert holder_pid(built) is None
    update_index(corpus, built, config())


def test_old_versions_are_pruned(tmp_path, built, corpus_v1):
    for n in range(3):
        update_index(
            write_corpus(tmp_path / f"v{n}.jsonl", {**corpus_v1, "e": text("e", salt=str(n))}),
            built,
            config(keep_versions=2),
        )
    assert layout.version_ids(built) == ["v000003", "v000004"] and layout.read_current(built) == "v000004"


def test_an_index_in_the_old_flat_layout_is_adopted(tmp_path, corpus_v1):
    flat = tmp_path / "flat"
    build_index(write_corpus(tmp_path / "v1.jsonl", corpus_v1), tmp_path / "tmp", config())
    shutil.copytree(layout.current_dir(tmp_path / "tmp"), flat)
    assert FaissDocumentStore.load(flat).count_documents() == 12  # still loads as it is
    report = update_index(write_corpus(tmp_path / "v2.jsonl", {**corpus_v1, "e": text("e")}), flat, config())
    assert report.previous == "v000001" and report.version == "v000002" and report.reused == 12
    assert not (flat / "manifest.json").exists() and layout.version_ids(flat) == ["v000001", "v000002"]


def test_manifest_counts_must_match_the_files(built):
    folder = layout.current_dir(built)
    m = Manifest.read(folder)
    m.passage_count += 1
    m.write(folder)
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        FaissDocumentStore.load(folder)


def test_fair_lock_serves_waiters_in_arrival_order():
    lock, order = FairLock(), []
    lock.acquire()

    def worker(n):
        with lock:
            order.append(n)

    threads = []
    for n in range(5):
        t = threading.Thread(target=worker, args=(n,))
        t.start()
        threads.append(t)
        time.sleep(0.05)  # queue them in a known order
    lock.release()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_progress_lines_say_count_rate_and_time_left():
    lines = []
    progress = LineProgress(lines.append, every=0)
    progress.stage("embedding", total=100)
    time.sleep(0.2)
    progress.advance(25)
    assert lines[0] == "embedding 100 passages ..."
    assert lines[1].startswith("embedding: 25/100 passages (") and "left)" in lines[1]
    snap = progress.snapshot()
    assert snap["done"] == 25 and snap["rate_per_s"] > 0 and snap["eta_s"] > 0


def test_status_calls_a_running_builds_staging_staging_not_leftovers(built):
    from service.index_status import index_status
    from service.settings import Settings

    staging = layout.make_staging(built, "v000002")
    settings = Settings(index_dir=built, embedding_model="hash-test")
    with BuildLock(built):
        running = index_status(settings)
        assert running["debris"] == [] and running["staging"] == [str(staging)]
        assert running["build_running_pid"] is not None
    idle = index_status(settings)
    assert idle["debris"] == [str(staging)] and idle["staging"] == []


def test_status_checks_every_version_without_loading_a_model_library(built, tmp_path, corpus_v1):
    """``factcheck index status`` answers in about a second: it checks each version's files the way a
    load does, but imports neither Haystack nor torch (seconds of imports on their own)."""
    import subprocess
    import sys

    corpus_v1["e"] = text("e")
    build_index(write_corpus(tmp_path / "v2.jsonl", corpus_v1), built, config())
    vectors = layout.version_dir(built, "v000001") / VECTORS
    vectors.write_bytes(vectors.read_bytes()[:-8])  # the older version damaged
    script = (
        "import json, sys\n"
        "from service.cli.main import cli\n"
        f"cli(['index', 'status', '--json', '--index-dir', {str(built)!r}], standalone_mode=False)\n"
        "print(json.dumps(sorted(m for m in ('torch', 'haystack', 'transformers') if m in sys.modules)))\n"
    )
    env = {**os.environ, "FACTCHECK_EMBEDDING_MODEL": "hash-test"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    status, heavy = (json.loads(line) for line in out.stdout.splitlines()[-2:])
    assert heavy == []
    assert status["serving"] == "v000002" and status["document_count"] == 5
    v2, v1 = status["versions"]
    assert v2["ok"] and v2["documents"] == 5 and v1["ok"] is False and "vectors.faiss" in v1["error"]
