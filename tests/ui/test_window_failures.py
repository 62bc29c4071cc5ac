"""Failures in the real window: one error with Retry, partial text kept, a Stop that is no error.

An endpoint on a port where nothing listens, and the scripted SSE server cutting an answer
part-way, as a user meets them.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import pytest

from desktop_chat.storage.settings import Endpoint, Network, Settings
from desktop_chat.ui.main_window import MainWindow
from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.transcript import anchors, click_link
from tests.support.window import keyed, local, outcomes, send, wait_outcome

NO_RETRIES = Network(max_retries=0, connect_timeout=2, read_timeout=5)
INTERRUPTED = "Interrupted"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port with nothing listening on it (bound, never listened: refused)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def links(window: MainWindow) -> list[str]:
    return [text for text, _, _ in anchors(window.transcript)]


def refused(port: int) -> Settings:
    url = f"http://127.0.0.1:{port}/v1"
    endpoint = Endpoint("Gone", "openai", url, "m")
    return Settings((endpoint,), "Gone", network=NO_RETRIES, models_cache={"Gone": ("m",)})


def test_a_refused_connection_shows_one_error_with_retry(qtbot, open_window, closed_port):
    window = open_window(refused(closed_port), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    shown = window.transcript_text()
    assert shown.count("Could not connect to") == 1
    assert INTERRUPTED not in shown  # no empty answer marked as cut short
    assert links(window) == ["Copy", "Edit", "Retry", "Inspect"]  # no second retry (Regenerate)
    assert shown.index("Assistant") < shown.index("Could not connect")
    inspect = next(p for t, _, p in anchors(window.transcript) if t == "Inspect")
    assert window.transcript.view.document().find("Could not connect").position() < inspect

    click_link(qtbot, window.transcript, "Retry")  # still refused: still one error
    assert wait_outcome(qtbot, seen, 2, window=window) == "failed"
    assert window.transcript_text().count("Could not connect to") == 1
    assert links(window) == ["Copy", "Edit", "Retry", "Inspect"]

    # A new message instead of Retry: the failure stays as a quiet line, its Retry goes.
    send(qtbot, window, "still there?")
    assert wait_outcome(qtbot, seen, 3, window=window) == "failed"
    shown = window.transcript_text()
    assert "⚠ No answer — Could not connect to" in shown
    assert shown.count("Retry") == 1
    assert links(window).count("Retry") == 1
    assert [m.role for m in window.chat.messages] == ["user", "assistant"] * 2
    assert [m.text for m in window.chat.conversation().messages] == ["hi", "still there?"]


def test_an_answer_cut_part_way_keeps_its_text_marked_interrupted_with_retry(
    qtbot, open_window, sse_server
):
    sse_server.script(
        Reply(chunks=openai_stream(["Here is ", "the start ", "of it"]), drop_after=3),
        Reply(chunks=openai_stream(["Whole answer"])),
    )
    window = open_window(dataclasses.replace(local(sse_server), network=NO_RETRIES), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    shown = window.transcript_text()
    assert "Here is the start" in shown
    assert "⚠ Interrupted — this answer is incomplete" in shown
    assert "was lost mid-answer" in shown
    assert shown.index("Here is the start") < shown.index(INTERRUPTED) < shown.index("lost")
    assert "Retry" in links(window)
    assert window.last_answer_text() == "Here is the start "

    click_link(qtbot, window.transcript, "Retry")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    shown = window.transcript_text()
    assert "Whole answer" in shown
    assert "Here is the start" not in shown
    assert "Retry" not in links(window)


def test_the_inspector_says_a_refused_request_got_no_response_and_why_once(
    qtbot, open_window, closed_port
):
    window = open_window(refused(closed_port), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    click_link(qtbot, window.transcript, "Inspect")
    dock = window.inspector.dock
    assert dock is not None
    dock.refresh()
    summary = dock.summary.text()
    assert summary.startswith("no response · ")  # it is over: not "no response yet"
    assert summary.endswith(
        f"· failed: Could not connect to 127.0.0.1:{closed_port}: All connection attempts failed"
    )
    assert summary.count("failed:") == 1
