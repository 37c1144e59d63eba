"""The index in PostgreSQL (pgvector) beside FAISS, in one run: publish time, claim checks, HNSW recall, memory.

    python -m bench.store [--passages 100000] [--claims 60] [--index-dir DIR]

An index of ``--passages`` passages (the sample corpus's real passages and vectors, then jittered copies, as
``bench.lookup`` makes it) is published to a private PostgreSQL (pgserver) twice, with exact search and with
an HNSW index. Then the same claims are checked (top_k 5, verdict included, one at a time) against FAISS
Flat, PostgreSQL exact and PostgreSQL HNSW, and the dense top 30 of HNSW is compared with exact search's
(recall@5 and @30). Without ``--index-dir`` the sample corpus is indexed first. Prints a table and the CPU.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import cpu_kind, rss_mb, table
from bench.lookup import load_claims, synthetic_index

REPO = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=100_000, help="passages in the index (default 100000)")
    ap.add_argument("--claims", type=int, default=60, help="claims checked against each store (default 60)")
    ap.add_argument("--index-dir", type=Path, help="an index of the sample corpus (default: built here)")
    return ap.parse_args()


def timed_checks(checker, claims: list[str]) -> tuple[float, float]:
    for claim in claims[:3]:  # warm: caches, connections, the first pipeline run
        checker.verify(claim, 5, None)
    took = []
    for claim in claims:
        started = time.perf_counter()
        checker.verify(claim, 5, None)
        took.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(took, n=100)
    return q[49], q[94]


def main() -> None:
    args = parse_args()
    from haystack import Document
    from pydantic import SecretStr

    from index import layout
    from index.postgres.database import connect, embedded_dsn
    from index.postgres.publish import publish_version
    from service.claim_checker import ClaimChecker
    from service.document_store import load_store
    from service.runtime import configure_threads
    from service.settings import Settings

    base = Settings()
    configure_threads(base.threads)
    claims = load_claims(args.claims + 3)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sample = args.index_dir
        if sample is None:
            from index.build import build_index
            from service.index_config import build_config

            sample = work / "sample"
            build_index(REPO / "corpus" / "sample", sample, build_config(base.model_copy(update={"index_dir": sample})))
        root = synthetic_index(base, sample, args.passages, work / "faiss") if args.passages else sample
        folder = layout.current_dir(root) or root
        server = embedded_dsn(work)
        dsns = {}
        for search in ("exact", "hnsw"):
            dsn = server.replace("/postgres?", f"/{search}?")
            conn = connect(server)
            conn.execute(f"CREATE DATABASE {search}")
            conn.close()
            started = time.perf_counter()
            publish_version(dsn, folder, search=search)
            dsns[search] = (dsn, time.perf_counter() - started)
        checkers = {}
        for name, extra in (
            ("FAISS Flat", {}),
            ("PostgreSQL exact", {"document_store": "pgvector", "pg_dsn": SecretStr(dsns["exact"][0])}),
            ("PostgreSQL HNSW", {"document_store": "pgvector", "pg_dsn": SecretStr(dsns["hnsw"][0])}),
        ):
            # no stance or window cache: every store's checks do the same work, none answers from another's
            settings = base.model_copy(
                update={"index_dir": root, "stance_cache_size": 0, "relevance_cache_size": 0, **extra}
            )
            gc.collect()
            before = rss_mb()
            store = load_store(settings)
            loaded = rss_mb() - before  # the store alone (the models are the same for all three)
            checker = ClaimChecker(settings, store, root)
            p50, p95 = timed_checks(checker, claims)
            publish = dsns["exact" if "exact" in name else "hnsw"][1] if extra else None
            rows.append(
                [name, round(p50, 1), round(p95, 1), round(loaded), "-" if publish is None else round(publish, 1)]
            )
            checkers[name] = checker
        # HNSW against exact search on the same query vectors: the claims' own
        embedder = checkers["FAISS Flat"].pipeline.get_component("embedder").embedder
        embedded = embedder.run(documents=[Document(content=c) for c in claims])["documents"]
        vectors = np.asarray([d.embedding for d in embedded], dtype=np.float32)
        exact = checkers["PostgreSQL exact"].store.embedding_retrieval_batch(vectors, 30)
        hnsw = checkers["PostgreSQL HNSW"].store.embedding_retrieval_batch(vectors, 30)
        pairs = list(zip(hnsw, exact, strict=True))
        recall = {
            k: statistics.mean(len({d.id for d in h[:k]} & {d.id for d in e[:k]}) / k for h, e in pairs)
            for k in (5, 30)
        }
    print(f"\n{args.passages or 'sample'} passages; {len(claims)} claims, top_k 5, verdict included; {cpu_kind()}\n")
    print(table(["store", "check p50 ms", "check p95 ms", "store memory MiB", "publish s"], rows))
    print(
        f"\nHNSW (m 16, ef_construction 64, ef_search 100) against exact: recall@5 {recall[5]:.3f}, @30 {recall[30]:.3f}"
    )


if __name__ == "__main__":
    main()
