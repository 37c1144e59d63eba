"""Two first starts never export the stance model into the same folder at once."""

import threading
import time

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
