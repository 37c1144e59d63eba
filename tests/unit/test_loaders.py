import json
from pathlib import Path

import pytest

from corpus.components import SentencePassageSplitter
from corpus.loaders import load_corpus, load_file

pytestmark = pytest.mark.unit

GERMAN = (
    "Die NATO schränkt den Zugang weißrussischer Vertreter zu ihrem Hauptquartier ein. "
    "Das teilte Generalsekretär Stoltenberg am 28. Mai mit. Die Minister treffen sich am 1. Juni online.\n\n"
    "Der Gipfel findet am 14. Juni in Brüssel statt. Dort sprechen die Staats- und Regierungschefs über Russland."
)


def passages(path: Path):
    docs, errors = load_file(path, path.parent)
    assert errors == []
    return docs, SentencePassageSplitter(sentences_per_passage=2).run(docs)["documents"]


def assert_offsets(doc, passages_):
    assert passages_
    for p in passages_:
        assert doc.text[p.meta["start"] : p.meta["end"]] == p.content
        assert p.meta["doc_id"] == doc.id


def test_jsonl_keeps_metadata_and_offsets(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text(
        json.dumps({"id": "d1", "text": GERMAN, "title": "T", "url": "https://x.test/1", "published": "2021-05-28"})
        + "\n"
    )
    docs, ps = passages(f)
    assert_offsets(docs[0], ps)
    assert docs[0].language == "de"  # detected, not given
    assert ps[0].meta["url"] == "https://x.test/1" and ps[0].meta["title"] == "T"
    assert ps[0].id == "d1#0"
    # the paragraph break ends a passage even before two sentences are reached
    assert any(p.content.startswith("Der Gipfel") for p in ps)


def test_text_file_offsets_point_into_the_file(tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("NATO und Belarus\n\n" + GERMAN, encoding="utf-8")
    docs, ps = passages(f)
    raw = f.read_text(encoding="utf-8")
    for p in ps:
        assert raw[p.meta["start"] : p.meta["end"]] == p.content
    assert docs[0].title == "NATO und Belarus"


def test_markdown_strips_markup_and_maps_back_to_the_file(tmp_path):
    f = tmp_path / "doc.md"
    f.write_text(
        "# Belarus 2021\n\nThe **alliance** restricted [Belarusian](https://x.test) access. It said so on Friday.\n\n- A list item here.\n",
        encoding="utf-8",
    )
    docs, ps = passages(f)
    doc = docs[0]
    assert "**" not in doc.text and "](" not in doc.text and "#" not in doc.text
    assert_offsets(doc, ps)
    raw = f.read_text(encoding="utf-8")
    body = next(p for p in ps if "restricted" in p.content)
    in_file = raw[body.meta["source_start"] : body.meta["source_end"]]
    assert in_file.startswith("The **alliance** restricted [Belarusian](https://x.test) access.")


def test_html_drops_scripts_and_navigation(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Gipfel</title><script>var secret = 1;</script></head><body>"
        "<nav>Startseite Menü</nav><h1>NATO-Gipfel</h1><p>Der Gipfel findet am <b>14. Juni</b> in Brüssel statt.</p>"
        "<p>Die Minister treffen sich vorher online.</p></body></html>",
        encoding="utf-8",
    )
    docs, ps = passages(f)
    doc = docs[0]
    assert doc.title == "Gipfel"
    assert "secret" not in doc.text and "Menü" not in doc.text
    assert "Der Gipfel findet am 14. Juni in Brüssel statt." in doc.text
    assert_offsets(doc, ps)


def test_bad_lines_are_reported_and_the_rest_is_indexed(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "a", "text": "Alpha text here."}) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "\n".join(
            [
                json.dumps({"id": "b", "text": "Beta text here."}),
                "{not json",
                json.dumps({"id": "c"}),
                json.dumps({"id": "a", "text": "duplicate id"}),
                json.dumps(["not", "an", "object"]),
            ]
        )
        + "\n"
    )
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe\x00 not utf-8 \xc3")
    docs, errors = load_corpus(tmp_path)
    assert sorted(d.id for d in docs) == ["a", "b"]
    messages = [str(e) for e in errors]
    assert any("bad.jsonl:2" in m and "invalid JSON" in m for m in messages)
    assert any("bad.jsonl:3" in m and "'text'" in m for m in messages)
    assert any("duplicate document id 'a'" in m for m in messages)
    assert any("bad.jsonl:5" in m and "JSON object" in m for m in messages)
    assert any("broken.txt" in m and "UTF-8" in m for m in messages)


def test_missing_corpus_is_an_error_not_a_crash(tmp_path):
    docs, errors = load_corpus(tmp_path / "nowhere")
    assert docs == [] and "no such file" in str(errors[0])


def test_sample_corpus_is_real_and_bilingual():
    docs, errors = load_corpus(Path(__file__).resolve().parents[2] / "corpus" / "sample")
    assert errors == []
    langs = {d.language for d in docs}
    assert {"de", "en"} <= langs
    n_passages = len(SentencePassageSplitter().run(docs)["documents"])
    assert n_passages >= 300
