"""The relevance step reads the sentence vectors the index keeps (issue 25): no sentence window is embedded
per claim, and the answers are those of an index without them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration
XLING = REPO / "tests" / "data" / "xling"


@pytest.fixture(scope="module")
def lookups(tmp_path_factory, settings_factory, backbone_path):
    from index.build import build_index
    from service.claim_checker import ClaimChecker
    from service.index_config import build_config

    out = {}
    for kept in (True, False):
        index_dir = tmp_path_factory.mktemp(f"xling-{kept}") / "index"
        settings = settings_factory(index_dir, index_sentence_vectors=kept, relevance_cache_size=0)
        build_index(XLING / "corpus.jsonl", index_dir, build_config(settings))
        out[kept] = ClaimChecker.open(settings)
    return out


def test_the_index_keeps_each_sentence_as_the_claims_model_embeds_it(lookups):
    from haystack import Document

    from corpus.sentences import split_sentences

    lookup = lookups[True]
    passage = lookup.store.filter_documents()[7]
    kept = lookup.store.sentence_vectors([passage.id])[passage.id]
    spans = split_sentences(passage.content, passage.meta.get("language"))
    embedder = lookup.verify_pipeline.get_component("embedder")
    fresh = embedder.run(documents=[Document(content=passage.content[s:e]) for s, e in spans])["documents"]
    assert kept.shape[0] == len(spans) >= 1
    for row, doc in zip(kept, fresh, strict=True):
        assert float(row @ np.asarray(doc.embedding)) > 0.999


def test_a_check_embeds_no_window_and_answers_as_without_them(lookups):
    claims = [json.loads(line)["claim"] for line in (XLING / "claims.jsonl").open(encoding="utf-8")][:12]
    answers = {}
    for kept, lookup in lookups.items():
        relevance = lookup.verify_pipeline.get_component("relevance")
        before = relevance.embedded
        answers[kept] = lookup.verify_batch(claims, 3).results
        embedded = relevance.embedded - before
        assert (embedded == 0) if kept else (embedded > 20)
    for a, b in zip(answers[True], answers[False], strict=True):
        assert a.verdict == b.verdict
        assert [e.passage_id for e in a.evidence] == [e.passage_id for e in b.evidence]
        for x, y in zip(a.evidence, b.evidence, strict=True):
            if y.retrieval["sentence_cosine"] is None:
                assert x.retrieval["sentence_cosine"] is None
            else:
                assert x.retrieval["sentence_cosine"] == pytest.approx(y.retrieval["sentence_cosine"], abs=2e-3)
