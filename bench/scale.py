"""Scale-out: memory per passage, IVF-PQ against Flat, build throughput on Ray, and a projection to 10M and 100M.

    python bench/scale.py --memory        # RSS after load at 100k and 1M passages: heap (before) vs SQLite (after)
    python bench/scale.py --ivfpq         # IVF-PQ recall@10 and latency per claim against Flat (1M vectors)
    python bench/scale.py --build         # build throughput: single process, then Ray with 1, 2 and 3 worker nodes
    python bench/scale.py --build --build-docs 60 --projection
    python bench/scale.py --projection    # cores, hours, memory per shard, shards, replicas, p95 at 10M and 100M

Each section is one function and one flag; its numbers go to bench/results/scale.json under its
own key, so --projection can rest on the sections measured earlier (or in the same run).

- Memory: synthetic passages (the sample corpus's real passages, each made unique, five to a
  document) with hashing-embedder vectors, saved once; each variant is loaded in a fresh process.
  "Before" is ``index/store.py`` as of BEFORE_REF (passages and documents in the heap, read from
  JSONL), run from a copy of that file: no git state is touched.
- Build: the sample corpus's real documents (or ``--build-docs`` of them, drawn at random and
  written as JSONL files) built with the real embedding model, once in this process
  (``index.build.build_index``, torch on every core) and then with ``build_sharded`` on a fresh
  ``ray.cluster_utils.Cluster`` per node count: a head of 0 CPUs and 1, 2, 3 worker nodes of one
  CPU each, token authentication on, the product's default actor count (the cluster's CPUs less one,
  at least one). All nodes share this machine's cores: three one-CPU nodes on two cores oversubscribe.
  One one-CPU node is not measured: Ray Data stalls there (2026-11-30, Ray 2.60: the embedding
  actor holds the only CPU and the tasks that feed it wait for one), so the build refuses a
  cluster with no CPU beyond ``--actor-cpus``.
- IVF-PQ: real e5 vectors of real passages (SciFact abstracts; the sample corpus without
  ../shared) and real claims (Climate-FEVER, SciFact); then 1M synthetic vectors drawn from a
  Gaussian with the real vectors' mean and covariance (no real 1M-passage corpus is at hand), the
  same real claims as queries. Recall@10 is the share of Flat's top 10 that the approximate index
  returns; 10@30 the share found in its top 30 (the service takes 30 dense hits before fusing).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import cpu_kind, rss_mb, table  # noqa: E402

SAMPLE = REPO / "corpus" / "sample"
SHARED = REPO.parent / "shared" / "data" / "benchmarks"
RESULTS = REPO / "bench" / "results" / "scale.json"
# the last commit whose store kept passages in the heap (the "before" of --memory)
BEFORE_REF = "2fd54f06466859500f918e076fb3b9b38c87cccb"
DIM = 384


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memory", action="store_true", help="RSS per passage before/after passages left the heap")
    ap.add_argument("--ivfpq", action="store_true", help="IVF-PQ recall@10 and latency against Flat")
    ap.add_argument("--build", action="store_true", help="build throughput: one process, Ray on 1, 2, 3 nodes")
    ap.add_argument("--projection", action="store_true", help="10M / 100M projection from the measured numbers")
    ap.add_argument("--sizes", default="100000,1000000", help="--memory: passage counts")
    ap.add_argument("--passages", type=int, default=1_000_000, help="--ivfpq: synthetic vectors")
    ap.add_argument("--factory", default="IVF4096,PQ48", help="--ivfpq: the approximate index at --passages")
    ap.add_argument("--nprobe", default="8,16,32,64,128", help="--ivfpq: nprobe values measured")
    ap.add_argument("--real-passages", type=int, default=10_000, help="--ivfpq: real passages embedded")
    ap.add_argument("--claims", type=int, default=300, help="--ivfpq: real claims used as queries")
    ap.add_argument("--build-docs", type=int, default=0, help="--build: documents of the sample corpus (0: all)")
    ap.add_argument(
        "--build-nodes", default="2,3", help="--build: worker-node counts (one CPU each; at least 2, see above)"
    )
    ap.add_argument("--build-shards", type=int, default=2, help="--build: shards of the Ray build")
    ap.add_argument("--rate-per-core", type=float, default=None, help="--projection: passages/s per core to use")
    ap.add_argument("--cores", type=int, default=128, help="--projection: cores of the build cluster")
    ap.add_argument("--shard-gb", type=float, default=32.0, help="--projection: most memory of one shard")
    ap.add_argument("--p95-ms", type=float, default=100.0, help="--projection: dense search budget per claim")
    ap.add_argument("--qps", type=float, default=20.0, help="--projection: claims per second to serve")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--measure", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    return ap.parse_args()


def percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return q[49], q[94]


# --- memory ------------------------------------------------------------------------------------
def sample_passages() -> list[Any]:
    from corpus.components import CorpusConverter, SentencePassageSplitter

    sources = CorpusConverter().run(path=SAMPLE)["sources"]
    return SentencePassageSplitter(3, 600).run(sources=sources)["documents"]


def write_synthetic(n: int, folder: Path) -> float:
    """A saved version of ``n`` passages (five to a document); returns the seconds it took."""
    from haystack import Document

    from index.manifest import Manifest, content_hash
    from index.store import FaissDocumentStore
    from index.testing import HashingDocumentEmbedder

    started = time.perf_counter()
    base = sample_passages()
    embed = HashingDocumentEmbedder(DIM).embed
    store = FaissDocumentStore(DIM)
    sources: dict[str, dict[str, Any]] = {}
    for start in range(0, n, 20_000):
        docs = []
        for i in range(start, min(n, start + 20_000)):
            src, doc_id = base[i % len(base)], f"syn{i // 5}"
            docs.append(
                Document(
                    id=f"{doc_id}#{i % 5}",
                    content=f"{src.content} (ref {i})",
                    meta={**src.meta, "doc_id": doc_id, "passage": i % 5, "path": f"{doc_id}.md"},
                )
            )
        store.add_passages(docs, np.asarray([embed(d.content) for d in docs], dtype=np.float32))
        by_doc: dict[str, list[Document]] = {}
        for d in docs:
            by_doc.setdefault(d.meta["doc_id"], []).append(d)
        for doc_id, parts in by_doc.items():
            text = " ".join(d.content for d in parts)
            sources[doc_id] = {
                **{k: parts[0].meta.get(k) for k in ("title", "url", "language", "published", "source")},
                "path": f"{doc_id}.md",
                "text": text,
                "content_hash": content_hash(text),
            }
    store.sources = sources
    store.save(folder, Manifest(embedding_model="hash", dimension=DIM, passage_count=0, document_count=0,
                                corpus_fingerprint="synthetic"))  # fmt: skip
    return time.perf_counter() - started


def write_legacy_copy(src: Path, dst: Path) -> None:
    """``src`` as versions were saved before passages.sqlite (passages.jsonl, documents.jsonl);
    the vectors and BM25 files are hard links."""
    from index.manifest import Manifest, file_sha256
    from index.store import PASSAGES

    # what versions saved before passages.sqlite held instead (only the "before" code reads them)
    LEGACY_PASSAGES, DOCUMENTS = "passages.jsonl", "documents.jsonl"

    shutil.copytree(src, dst, copy_function=os.link, ignore=shutil.ignore_patterns(PASSAGES, "manifest.json"))
    con = sqlite3.connect(f"{(src / PASSAGES).as_uri()}?mode=ro", uri=True)
    with open(dst / LEGACY_PASSAGES, "w", encoding="utf-8") as fh:
        for int_id, pid, content, meta in con.execute("SELECT * FROM passages ORDER BY int_id"):
            rec = {"int_id": int_id, "id": pid, "content": content, "meta": json.loads(meta)}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(dst / DOCUMENTS, "w", encoding="utf-8") as fh:
        for doc_id, record in con.execute("SELECT id, record FROM documents ORDER BY rowid"):
            fh.write(json.dumps({"id": doc_id, **json.loads(record)}, ensure_ascii=False) + "\n")
    con.close()
    man = Manifest.read(src)
    del man.checksums[PASSAGES]
    man.checksums.update({n: file_sha256(dst / n) for n in (LEGACY_PASSAGES, DOCUMENTS)})
    man.write(dst)


def before_module(work: Path) -> Any:
    """``index/store.py`` as of BEFORE_REF, imported from a copy (``git show``; nothing is checked out)."""
    path = work / "store_before.py"
    if not path.exists():
        path.write_text(subprocess.run(["git", "show", f"{BEFORE_REF}:index/store.py"], cwd=REPO, check=True,
                                       capture_output=True, text=True).stdout)  # fmt: skip
    spec = importlib.util.spec_from_file_location("store_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def measure(kind: str, folder: Path) -> dict[str, float]:
    """Run in a fresh process: RSS after the imports, then after loading ``folder`` as ``kind``."""
    import faiss
    import haystack  # noqa: F401 (imported before the baseline reading, as the store imports it)

    from index.bm25 import BM25Index
    from index.store import VECTORS, FaissDocumentStore

    store_class = before_module(folder.parent).FaissDocumentStore if kind == "before" else FaissDocumentStore
    imports = rss_mb()
    started = time.perf_counter()
    loaded: Any = {
        "before": lambda: store_class.load(folder),
        "after": lambda: store_class.load(folder),
        "vectors": lambda: faiss.read_index(str(folder / VECTORS)),
        "bm25": lambda: BM25Index.load(folder),
    }[kind]()
    out = {"imports_mb": imports, "loaded_mb": rss_mb(), "load_s": time.perf_counter() - started}
    if kind in ("before", "after"):
        rng = np.random.default_rng(0)
        queries = rng.normal(size=(200, DIM)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        times = []
        for q in queries:
            t0 = time.perf_counter()
            hits = loaded.embedding_retrieval(q, top_k=10)
            times.append((time.perf_counter() - t0) * 1000)
            assert len(hits) == 10 and hits[0].content
        out["search_p50_ms"], out["search_p95_ms"] = percentiles(times)
        out["after_search_mb"] = rss_mb()
    return out


def run_measure(kind: str, folder: Path) -> dict[str, float]:
    cmd = [sys.executable, "-m", "bench.scale", "--measure", kind, str(folder)]
    done = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def section_memory(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> None:
    before_module(work)  # fails early when the "before" code cannot be had
    rows, out = [], {}
    for n in [int(s) for s in args.sizes.split(",")]:
        after_dir, before_dir = work / f"after-{n}", work / f"before-{n}"
        shutil.rmtree(after_dir, ignore_errors=True)
        shutil.rmtree(before_dir, ignore_errors=True)
        build_s = write_synthetic(n, after_dir)
        write_legacy_copy(after_dir, before_dir)
        parts = {kind: run_measure(kind, after_dir) for kind in ("vectors", "bm25")}
        sizes = {p.name: p.stat().st_size for p in (after_dir / "passages.sqlite", before_dir / "passages.jsonl")}
        sizes["documents.jsonl"] = (before_dir / "documents.jsonl").stat().st_size
        vectors = parts["vectors"]["loaded_mb"] - parts["vectors"]["imports_mb"]
        bm25 = parts["bm25"]["loaded_mb"] - parts["bm25"]["imports_mb"]
        entry: dict[str, Any] = {"build_s": build_s, "vectors_mb": vectors, "bm25_mb": bm25, "files": sizes}
        for code, folder in (("before", before_dir), ("after", after_dir)):
            m = run_measure(code, folder)
            rest = m["loaded_mb"] - m["imports_mb"] - vectors - bm25
            entry[code] = {**m, "rest_mb": rest, "rest_bytes_per_passage": rest * 2**20 / n,
                           "bytes_per_passage": (m["loaded_mb"] - m["imports_mb"]) * 2**20 / n}  # fmt: skip
            rows.append([f"{n:,}", code, m["loaded_mb"], m["loaded_mb"] - m["imports_mb"], vectors, bm25, rest,
                         round(rest * 2**20 / n), round(entry[code]["bytes_per_passage"]), m["load_s"],
                         m["search_p50_ms"], m["search_p95_ms"]])  # fmt: skip
        out[str(n)] = entry
        print(f"  {n:,} passages: files {', '.join(f'{k} {v / 2**20:.0f} MiB' for k, v in sizes.items())}", flush=True)
    results["memory"] = {"cpu": cpu_kind(), "before_ref": BEFORE_REF, "sizes": out}
    print(f"\nMemory after load ({cpu_kind()}); before = passages and documents in the heap ({BEFORE_REF[:7]}), "
          "after = passages.sqlite")  # fmt: skip
    print(table(["passages", "code", "RSS MiB", "over imports", "vectors", "BM25", "passages+docs MiB",
                 "B/passage (passages+docs)", "B/passage (all)", "load s", "top-10 p50 ms", "p95 ms"], rows))  # fmt: skip


# --- IVF-PQ ------------------------------------------------------------------------------------
def real_texts(limit: int, claims: int) -> tuple[list[Any], list[str]]:
    """Real passages (SciFact abstracts split as the index splits them; else the sample corpus) and real claims."""
    from corpus.components import SentencePassageSplitter
    from corpus.documents import SourceDocument

    scifact = SHARED / "scifact" / "corpus.jsonl"
    if scifact.exists():
        docs = []
        for line in scifact.open(encoding="utf-8"):
            rec = json.loads(line)
            docs.append(SourceDocument(id=str(rec["doc_id"]), text=" ".join(rec["abstract"]), title=rec["title"],
                                       language="en"))  # fmt: skip
        passages = SentencePassageSplitter(3, 600).run(sources=docs)["documents"]
    else:
        passages = sample_passages()
    passages = random.Random(3).sample(passages, min(limit, len(passages)))
    found: list[str] = []
    for path, key in ((SHARED / "climate-fever" / "climate-fever-dev.jsonl", "claim"),
                      (SHARED / "scifact" / "claims_dev.jsonl", "claim")):  # fmt: skip
        if path.exists():
            found += [json.loads(line)[key] for line in path.open(encoding="utf-8") if line.strip()]
    if not found:
        from corpus.sentences import split_sentences

        found = [p.content[s:e] for p in passages for s, e in split_sentences(p.content or "")]
    return passages, random.Random(5).sample(found, min(claims, len(found)))


def embed_real(limit: int, claims: int) -> dict[str, Any]:
    """Real-model vectors of real passages and claims (cached), and the per-core embedding rate."""
    import torch
    from haystack import Document

    from index.embedders import document_embedder
    from service.index_config import build_config
    from service.settings import Settings

    settings = Settings()
    config = build_config(settings)
    passages, texts = real_texts(limit, claims)
    cache = settings.model_cache_dir / "bench" / f"scale-real-{len(passages)}-{len(texts)}.npz"
    if cache.exists():
        data = np.load(cache)
        return {"passages": data["passages"], "claims": data["claims"], **json.loads(str(data["info"]))}
    embedder = document_embedder(config.model_path, config.passage_prefix, 32, False, config.embed_titles)
    embedder.warm_up()
    rates = {}
    vectors = []
    # one thread first: the per-core rate the projection rests on; then every core, for the rest
    for threads, chunk in ((1, passages[:256]), (settings.threads, passages[256:])):
        torch.set_num_threads(threads)
        started = time.perf_counter()
        done = embedder.run(documents=[Document(id=d.id, content=d.content, meta=d.meta) for d in chunk])
        rates[threads] = len(chunk) / (time.perf_counter() - started)
        vectors += [d.embedding for d in done["documents"]]
    queries = document_embedder(config.model_path, config.query_prefix, 32, False, False)
    claim_vectors = [d.embedding for d in queries.run(documents=[Document(content=t) for t in texts])["documents"]]
    info = {"model": settings.embedding_model, "rate_1_thread": rates[1], "threads": settings.threads,
            "rate_all_threads": rates[settings.threads], "embed_titles": config.embed_titles}  # fmt: skip
    out = {"passages": np.asarray(vectors, dtype=np.float32), "claims": np.asarray(claim_vectors, dtype=np.float32)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **out, info=json.dumps(info))
    return {**out, **info}


def compare(
    vectors: np.ndarray, queries: np.ndarray, factory: str, nprobes: list[int], strict: bool = True
) -> dict[str, Any]:
    """Flat against ``factory`` over ``vectors``: recall@10, 10@30, latency per claim, bytes per vector."""
    import faiss

    from index.faiss_index import new_index, set_nprobe, train_index

    flat = new_index("IDMap2,Flat", vectors.shape[1])
    flat.add_with_ids(vectors, np.arange(len(vectors)))
    _, truth = flat.search(queries, 10)
    flat_ms = _latencies(flat, queries)
    started = time.perf_counter()
    if strict:
        index = train_index(factory, vectors)
    else:
        index = new_index(factory, vectors.shape[1])
        index.train(vectors)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    index.add_with_ids(vectors, np.arange(len(vectors)))
    add_s = time.perf_counter() - started
    rows = []
    for nprobe in nprobes:
        set_nprobe(index, nprobe)
        _, got = index.search(queries, 30)
        recall10 = np.mean([len(set(t) & set(g[:10])) / 10 for t, g in zip(truth, got, strict=True)])
        recall30 = np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got, strict=True)])
        p50, p95 = _latencies(index, queries)
        rows.append({"nprobe": nprobe, "recall_at_10": recall10, "ten_at_30": recall30, "p50_ms": p50, "p95_ms": p95})
    size = len(faiss.serialize_index(index))
    return {"vectors": len(vectors), "factory": factory, "train_s": train_s, "add_s": add_s,
            "flat_p50_ms": flat_ms[0], "flat_p95_ms": flat_ms[1], "flat_bytes_per_vector": len(faiss.serialize_index(flat)) / len(vectors),
            "bytes_per_vector": size / len(vectors), "nprobe": rows}  # fmt: skip


def _latencies(index: Any, queries: np.ndarray) -> tuple[float, float]:
    """p50/p95 ms of one claim at a time (top 30, as the service asks), as a served claim runs."""
    times = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q[None, :], 30)
        times.append((time.perf_counter() - t0) * 1000)
    return percentiles(times)


def gaussian_like(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` unit vectors from a Gaussian with the real vectors' mean and covariance."""
    mean = real.mean(axis=0)
    cov = np.cov(real, rowvar=False) + 1e-6 * np.eye(real.shape[1])
    chol = np.linalg.cholesky(cov).astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        z = rng.standard_normal((min(100_000, n - start), real.shape[1]), dtype=np.float32)
        block = mean + z @ chol.T
        out[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def section_ivfpq(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> None:
    import faiss

    from index.faiss_index import training_sizes

    nprobes = [int(s) for s in args.nprobe.split(",")]
    real = embed_real(args.real_passages, args.claims)
    print(f"  embedded {len(real['passages']):,} real passages: {real['rate_1_thread']:.1f} passages/s on 1 thread, "
          f"{real['rate_all_threads']:.1f} on {real['threads']}", flush=True)  # fmt: skip
    # the real set: nlist scaled to keep about the lists' length of IVF4096 at 1M (about 250)
    nlist = 2 ** max(4, round(math.log2(len(real["passages"]) / 250)))
    real_factory = args.factory.replace(args.factory.split(",")[0], f"IVF{nlist}", 1)
    need = training_sizes(real_factory, DIM)[0]
    if len(real["passages"]) < need:  # the product would refuse; FAISS itself only warns
        print(
            f"  {len(real['passages']):,} real passages train {real_factory} below FAISS's {need:,}: codes a bit worse"
        )
    nprobe_real = [p for p in (1, 2, 4, 8, nlist) if p <= nlist]
    on_real = compare(real["passages"], real["claims"], real_factory, nprobe_real, strict=False)
    synthetic = gaussian_like(real["passages"], args.passages)
    on_synthetic = compare(synthetic, real["claims"], args.factory, nprobes)
    results["ivfpq"] = {"cpu": cpu_kind(), "faiss": faiss.__version__, "faiss_threads": faiss.omp_get_max_threads(),
                        "embedding": {k: real[k] for k in ("model", "rate_1_thread", "rate_all_threads", "threads")},
                        "real": on_real, "synthetic": on_synthetic}  # fmt: skip
    for label, r in (
        ("real e5 vectors of real passages", on_real),
        ("synthetic vectors (Gaussian fitted to the real ones)", on_synthetic),
    ):
        print(f"\nIVF-PQ against Flat: {r['vectors']:,} {label}, {len(real['claims'])} real claims, "
              f"{cpu_kind()}, FAISS {faiss.__version__} on {faiss.omp_get_max_threads()} threads")  # fmt: skip
        print(f"  {r['factory']}: trained in {r['train_s']:.1f} s, {r['vectors']:,} added in {r['add_s']:.1f} s; "
              f"{r['bytes_per_vector']:.0f} B a vector (Flat {r['flat_bytes_per_vector']:.0f} B)")  # fmt: skip
        rows = [["Flat (baseline)", "-", 1.0, 1.0, r["flat_p50_ms"], r["flat_p95_ms"]]]
        rows += [
            [r["factory"], x["nprobe"], x["recall_at_10"], x["ten_at_30"], x["p50_ms"], x["p95_ms"]]
            for x in r["nprobe"]
        ]
        print(table(["index", "nprobe", "recall@10", "10@30", "p50 ms", "p95 ms"], rows))


# --- build throughput --------------------------------------------------------------------------
def build_corpus(docs: int, folder: Path) -> Path:
    """The sample corpus, or ``docs`` of its documents drawn at random, written as four JSONL files."""
    if docs <= 0:
        return SAMPLE
    from corpus.components import CorpusConverter

    sources = CorpusConverter().run(path=SAMPLE)["sources"]
    chosen = random.Random(11).sample(sources, min(docs, len(sources)))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for part in range(4):
        with open(folder / f"part-{part}.jsonl", "w", encoding="utf-8") as fh:
            for src in chosen[part::4]:
                rec: dict[str, Any] = {"id": src.id, "text": src.text}
                for key in ("title", "url", "language", "published", "source"):
                    value = getattr(src, key, None)
                    if value is not None:
                        rec[key] = value.isoformat() if hasattr(value, "isoformat") else value
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return folder


def _ray_build(corpus: Path, root: Path, config: Any, nodes: int, shards: int) -> dict[str, Any]:
    """One sharded build on a fresh cluster of this machine: a 0-CPU head and ``nodes`` one-CPU workers."""
    import ray
    from ray.cluster_utils import Cluster

    from index.distributed.build import RayOptions, build_sharded
    from index.distributed.cluster import set_auth

    token = secrets.token_hex(16)
    # the nodes' processes inherit these (and the repository on their path); the build sets them again
    saved = set_auth({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token, "RAY_AUTH_TOKEN_PATH": None})
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), path) if p)
    common = {"object_store_memory": 200 * 2**20}
    started = time.perf_counter()
    harness = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False, **common})
    try:
        for _ in range(nodes):
            harness.add_node(num_cpus=1, **common)
        harness.wait_for_nodes()
        cluster_s = time.perf_counter() - started
        options = RayOptions(address=harness.address, shards=shards, token=token)
        actors = max(1, nodes - 1)  # build_sharded's default: the cluster's CPUs less one, at least one
        started = time.perf_counter()
        report = build_sharded(corpus, root, config, options)
        wall = time.perf_counter() - started
    finally:
        ray.shutdown()
        harness.shutdown()
        set_auth(saved)
        if path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = path
    return {"nodes": nodes, "cpus": nodes, "actors": actors, "shards": shards, "cluster_start_s": cluster_s,
            "wall_s": wall, "passages": report.passages, "documents": report.documents}  # fmt: skip


def section_build(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> None:
    import dataclasses

    from index.build import build_index
    from index.embedders import document_embedder, embedding_dimension
    from service.index_config import build_config
    from service.runtime import configure_threads
    from service.settings import Settings

    cores = len(os.sched_getaffinity(0))
    load_before = os.getloadavg()
    corpus = build_corpus(args.build_docs, work / "build-corpus")
    settings = Settings(index_dir=work / "build-single", threads=cores)
    configure_threads(settings.threads)
    config = build_config(settings)
    # (a) one process, torch on every core; the model is loaded first and timed on its own
    started = time.perf_counter()
    embedder = document_embedder(
        config.model_path, config.passage_prefix, config.batch_size, False, config.embed_titles
    )
    embedding_dimension(embedder)
    model_s = time.perf_counter() - started
    started = time.perf_counter()
    report = build_index(corpus, work / "build-single", dataclasses.replace(config, embedder=embedder))
    build_s = time.perf_counter() - started
    del embedder
    n = report.passages
    single = {"threads": settings.threads, "model_load_s": model_s, "build_s": build_s, "wall_s": model_s + build_s,
              "passages": n, "documents": report.documents, "rate": n / build_s,
              "rate_per_core": n / build_s / settings.threads}  # fmt: skip
    print(f"  single process: {n} passages of {report.documents} documents in {build_s:.1f} s "
          f"(+ {model_s:.1f} s model load), {settings.threads} threads", flush=True)  # fmt: skip
    # (b) Ray: a fresh cluster per node count
    per_core = single["rate_per_core"]
    rows = [["1 process", "-", settings.threads, "-", "-", model_s, build_s, n / build_s, per_core, 1.0, 1.0]]
    ray_rows = []
    for nodes in [int(x) for x in args.build_nodes.split(",")]:
        r = _ray_build(corpus, work / f"build-ray-{nodes}", config, nodes, args.build_shards)
        if r["passages"] != n:
            raise SystemExit(f"the Ray build on {nodes} nodes holds {r['passages']} passages, the single one {n}")
        r["rate"] = n / r["wall_s"]
        r["rate_per_cpu"] = r["rate"] / r["cpus"]
        r["efficiency_per_cpu"] = r["rate_per_cpu"] / per_core
        # the nodes share this machine's cores: per physical core used, 3 nodes count as 2
        r["efficiency_per_core"] = r["rate"] / min(r["cpus"], cores) / per_core
        ray_rows.append(r)
        print(f"  Ray, {nodes} node(s): {r['wall_s']:.1f} s (+ {r['cluster_start_s']:.1f} s cluster start)", flush=True)
        rows.append([f"Ray, {nodes} node(s)", nodes, r["cpus"], r["actors"], r["cluster_start_s"], "in wall",
                     r["wall_s"], r["rate"], r["rate_per_cpu"], r["efficiency_per_cpu"],
                     r["efficiency_per_core"]])  # fmt: skip
    load_after = os.getloadavg()
    results["build"] = {"cpu": cpu_kind(), "cores": cores, "model": settings.embedding_model,
                        "corpus": str(corpus.relative_to(work) if corpus != SAMPLE else SAMPLE.relative_to(REPO)),
                        "build_docs": args.build_docs, "passages": n, "documents": report.documents,
                        "loadavg_before": load_before, "loadavg_after": load_after,
                        "single": single, "ray": ray_rows, "date": time.strftime("%Y-%m-%d")}  # fmt: skip
    print(f"\nBuild throughput ({cpu_kind()}): {n} real passages of {report.documents} documents, "
          f"{settings.embedding_model}, {args.build_shards} shards on Ray; load average "
          f"{' '.join(f'{x:.2f}' for x in load_before)} before, {' '.join(f'{x:.2f}' for x in load_after)} after")  # fmt: skip
    print(table(["build", "nodes", "CPUs", "actors", "cluster start s", "model load s", "wall s", "passages/s",
                 "passages/s per CPU", "efficiency per CPU", f"per core (<= {cores})"], rows))  # fmt: skip
    print(f"  wall s: read, split, embed, BM25, write and verify (Ray: also joining the cluster, starting the\n"
          f"  actors and loading the model in each, Parquet, the shard tasks, and the driver's model load to\n"
          f"  verify); the single process's model load is timed apart and left out of its rate. Efficiency is\n"
          f"  passages/s per CPU over the single process's {per_core:.2f} per core. The nodes share {cores} cores:\n"
          f"  {max(int(x) for x in args.build_nodes.split(','))} one-CPU nodes oversubscribe them; 'per core' divides "
          f"by the cores actually there.")  # fmt: skip


# --- projection --------------------------------------------------------------------------------
def section_projection(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> None:
    memory, ivf = results.get("memory"), results.get("ivfpq")
    if not memory or not ivf:
        raise SystemExit("--projection rests on --memory and --ivfpq: run them first (or in the same run)")
    build = results.get("build")
    if args.rate_per_core:
        rate, rate_from = args.rate_per_core, "given with --rate-per-core"
    elif build:
        rate = build["single"]["rate_per_core"]
        rate_from = (f"the --build section's single-process build ({build['passages']} passages, "
                     f"{build['single']['threads']} threads, model load left out)")  # fmt: skip
    else:
        rate, rate_from = ivf["embedding"]["rate_1_thread"], "--ivfpq's embedding on 1 thread (e5-small)"
    largest = memory["sizes"][max(memory["sizes"], key=int)]
    n_mem = int(max(memory["sizes"], key=int))
    bm25_b = largest["bm25_mb"] * 2**20 / n_mem
    rest_b = largest["after"]["rest_bytes_per_passage"]
    process_gb = largest["after"]["imports_mb"] / 1024
    # the IVF rows rest on --ivfpq's synthetic 1M measurement; an IVF4096,SQ8 one is preferred when recorded
    syn = next((x for x in (ivf.get("synthetic_sq8"), ivf["synthetic"]) if x and x["factory"] == "IVF4096,SQ8"),
               ivf["synthetic"])  # fmt: skip
    n_ivf = syn["vectors"]
    pick = next((x for x in syn["nprobe"] if x["ten_at_30"] >= 0.95), syn["nprobe"][-1])
    kinds = {
        "Flat": {"vector_b": syn["flat_bytes_per_vector"], "p95_ms_at_1m": syn["flat_p95_ms"] * 1e6 / n_ivf,
                 "p50_ms_at_1m": syn["flat_p50_ms"] * 1e6 / n_ivf, "scales": True},
        f"{syn['factory']} nprobe {pick['nprobe']}": {"vector_b": syn["bytes_per_vector"], "p95_ms_at_1m": pick["p95_ms"],
                 "p50_ms_at_1m": pick["p50_ms"], "scales": False},
    }  # fmt: skip
    rows = []
    for total in (10_000_000, 100_000_000):
        core_hours = total / rate / 3600
        for name, k in kinds.items():
            per_passage = k["vector_b"] + bm25_b + rest_b
            by_memory = (args.shard_gb - process_gb) * 2**30 / per_passage
            # a flat shard's search time grows with its size; an IVF shard's stays about flat when
            # nlist grows with it (each probe scans lists of the same length)
            by_latency = args.p95_ms / k["p95_ms_at_1m"] * 1e6 if k["scales"] else float("inf")
            shard = int(min(by_memory, by_latency, total))
            shards = math.ceil(total / shard)
            shard = math.ceil(total / shards)
            scale = shard / 1e6 if k["scales"] else 1.0
            p95, p50 = k["p95_ms_at_1m"] * scale, k["p50_ms_at_1m"] * scale
            # each claim asks every shard; one replica of a shard on one core serves 1000/p50 claims/s
            replicas = max(2, math.ceil(args.qps * p50 / 1000))
            rows.append([f"{total / 1e6:.0f}M", name, round(core_hours), round(core_hours / args.cores, 1),
                         f"{shard / 1e6:.2f}M", round((shard * per_passage) / 2**30 + process_gb, 1), shards, replicas,
                         round(p95, 1)])  # fmt: skip
    results["projection"] = {"rate_per_core": rate, "rate_from": rate_from, "ivf_factory": syn["factory"],
                             "cores": args.cores, "rows": rows,
                             "bytes": {"bm25": bm25_b, "passages_documents_after": rest_b}}  # fmt: skip
    print(f"\nProjection from the measurements above ({cpu_kind()}): building at {rate:.2f} passages/s per core "
          f"({rate_from}), {args.cores} cores; IVF rows assume {syn['factory']}"
          f"{' (no IVF4096,SQ8 measurement recorded)' if syn['factory'] != 'IVF4096,SQ8' else ''}; BM25 {bm25_b:.0f} B and passages+documents {rest_b:.0f} B a "
          f"passage (SQLite, after); shard memory at most {args.shard_gb:.0f} GB, dense p95 at most {args.p95_ms:.0f} "
          f"ms; {args.qps:.0f} claims/s")  # fmt: skip
    print(table(["passages", "index", "core-hours", f"hours on {args.cores} cores", "passages/shard", "GB/shard",
                 "shards", "replicas/shard", "dense p95 ms/claim"], rows))  # fmt: skip
    print("  p95 is the dense search of one shard (shards run in parallel; merging top-30 lists costs microseconds),\n"
          "  measured on one claim at a time; embedding the claim, BM25 and the stance model come on top.")  # fmt: skip


SECTIONS = {
    "memory": section_memory,
    "ivfpq": section_ivfpq,
    "build": section_build,
    "projection": section_projection,
}


def main() -> None:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return
    chosen = [name for name in SECTIONS if getattr(args, name)]
    if not chosen:
        raise SystemExit("choose one or more sections: --memory, --ivfpq, --build, --projection")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    work = args.work or Path(tempfile.mkdtemp(prefix="factcheck-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"bench.scale on {cpu_kind()}; scratch {work}", flush=True)
    try:
        for name in chosen:
            started = time.perf_counter()
            SECTIONS[name](args, work, results)
            print(f"  ({name}: {time.perf_counter() - started:.0f} s)", flush=True)
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=2))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
