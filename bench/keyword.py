"""Keyword retrieval for the hybrid search: PostgreSQL's full-text search against ``bm25s``, on the gold claims.

    python -m bench.keyword [--index-dir DIR]

The sample corpus is indexed (or ``--index-dir`` read) and published to a private PostgreSQL; for each gold
claim whose evidence document is known, is that document among the top 5 passages' documents? ``bm25s`` as
the service uses it (Snowball stems per language, titles indexed, name keys); PostgreSQL's full-text search as
``pgvector-haystack``'s keyword retriever runs it (``plainto_tsquery``: every word must match) and with any
word matching (``|``), under the ``simple`` configuration and under the claim's own language's, when
PostgreSQL has one. Prints recall@5 and the claims each finds nothing for; no timing (keyword search is a
few ms either way).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from bench.common import table

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "data" / "gold_claims.jsonl"
CONFIGS = {"de": "german", "en": "english", "fr": "french", "es": "spanish"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, help="an index of the sample corpus (default: built here)")
    args = ap.parse_args()
    from index import layout
    from index.postgres import database as db
    from index.postgres.publish import publish_version
    from index.store import FaissDocumentStore
    from service.settings import Settings

    gold = [json.loads(line) for line in GOLD.read_text().splitlines()]
    gold = [g for g in gold if g.get("evidence_doc")]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.index_dir
        if root is None:
            from index.build import build_index
            from service.index_config import build_config

            root = Path(tmp) / "index"
            build_index(REPO / "corpus" / "sample", root, build_config(Settings(index_dir=root)))
        store = FaissDocumentStore.load(root)
        dsn = db.embedded_dsn(Path(tmp))
        schema = db.schema_of(publish_version(dsn, layout.current_dir(root) or root).version)
        conn = db.connect(dsn)
        found: dict[str, list[bool]] = {}
        hits = store.bm25_retrieval_batch([g["claim"] for g in gold], 5, [g["language"] for g in gold])
        found["bm25s (the service's)"] = [
            g["evidence_doc"] in {d.meta["doc_id"] for d in h} for g, h in zip(gold, hits, strict=True)
        ]
        for match in ("all words", "any word"):
            for config in ("simple", "own language"):
                name = f"PostgreSQL FTS, {match}, {config}"
                found[name] = []
                for g in gold:
                    cfg = "simple" if config == "simple" else CONFIGS.get(g["language"], "simple")
                    if match == "all words":
                        query, params = "plainto_tsquery(%s, %s)", (cfg, g["claim"])
                    else:  # the claim's words, any of them
                        words = re.findall(r"\w+", g["claim"])
                        query, params = "to_tsquery(%s, %s)", (cfg, " | ".join(words) or "''")
                    rows = conn.execute(
                        f"SELECT meta->>'doc_id' FROM \"{schema}\".passages, {query} q "
                        f"WHERE to_tsvector(%s, coalesce(meta->>'title', '') || ' ' || content) @@ q "
                        f"ORDER BY ts_rank_cd(to_tsvector(%s, coalesce(meta->>'title', '') || ' ' || content), q) DESC LIMIT 5",
                        (*params, cfg, cfg),
                    ).fetchall()
                    found[name].append(g["evidence_doc"] in {r[0] for r in rows})
        conn.close()
    rows = [[name, round(sum(f) / len(f), 3), sum(f), len(f)] for name, f in found.items()]
    print(f"\nevidence document in the top 5 passages' documents, {len(gold)} gold claims (de, en, fr, es)\n")
    print(table(["keyword search", "recall@5", "found", "claims"], rows))


if __name__ == "__main__":
    main()
