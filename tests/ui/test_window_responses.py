"""A Responses API endpoint in the real window: the answer, its reasoning, and a cut answer."""

from __future__ import annotations

from tests.support.sse_server import Reply
from tests.support.streams import responses_stream
from tests.support.window import keyed, local, outcomes, send, wait_outcome


def test_the_answer_and_its_reasoning_summary_are_shown(qtbot, open_window, sse_server):
    chunks = responses_stream(["Four", "."], summary_parts=[["Adding ", "two and two"]])
    sse_server.script(Reply(chunks=chunks))
    window = open_window(local(sse_server, "openai-responses"), keyed())
    seen = outcomes(window)
    send(qtbot, window, "2+2?")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert window.last_answer_text() == "Four."
    assert window.chat.messages[-1].reasoning == "Adding two and two"
    assert sse_server.requests[0].path == "/v1/responses"
    assert window.status.state_label.text() == "Done"


def test_an_answer_cut_at_the_output_limit_says_so(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=responses_stream(["A long ans"], status="incomplete")))
    window = open_window(local(sse_server, "openai-responses"), keyed())
    seen = outcomes(window)
    send(qtbot, window, "tell me everything")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert "Cut off at the max tokens limit" in window.transcript_text()
