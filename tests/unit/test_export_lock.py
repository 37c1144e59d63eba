"""ONNX exports of the stance model: one exporter at a time, and no stale ones left on disk."""

import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit


def test_second_exporter_waits_for_the_first(tmp_path):
    from service.stance.onnx_runtime import export_lock

    target = tmp_path / "onnx" / "abc"
    events: list[str] = []
    first_in = threading.Event()

    def second() -> None:
        first_in.wait()
        with export_lock(target):
            events.append("second in")

    t = threading.Thread(target=second)
    t.start()
    with export_lock(target):
        events.append("first in")
        first_in.set()
        time.sleep(0.3)  # the second is blocked on the lock meanwhile
        events.append("first out")
    t.join(timeout=5)
    assert events == ["first in", "first out", "second in"]


def test_a_new_export_drops_older_exports_of_the_same_model_only(tmp_path):
    import json

    from service.stance.onnx_runtime import _MARKER, drop_older_exports

    def folder(name: str, source: str | None) -> Path:
        f = tmp_path / name
        f.mkdir()
        if source is not None:
            (f / _MARKER).write_text(json.dumps({"key": name, "source": source}))
        return f

    new = folder("new", "builtin:stance-e5-small")
    old = folder("old", "builtin:stance-e5-small")
    other = folder("other", "cross-encoder/nli-deberta-v3-small")
    unmarked = folder("unmarked", None)
    drop_older_exports(new, "builtin:stance-e5-small")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "other", "unmarked"]
    assert not old.exists() and other.exists() and unmarked.exists()
