"""Continue a cut answer, reasoning controls and usage with cost, in the real window."""

from __future__ import annotations

import dataclasses
import json

import pytest

from desktop_chat.session.continuation import CONTINUE_PROMPT
from desktop_chat.storage.price import ModelPrice
from desktop_chat.storage.settings import Network
from desktop_chat.ui.main_window import MainWindow
from tests.support.sse_server import Reply
from tests.support.streams import anthropic_stream, openai_stream
from tests.support.transcript import anchors, click_link
from tests.support.window import keyed, local, outcomes, send, wait_outcome

NO_RETRIES = Network(max_retries=0, connect_timeout=2, read_timeout=5)


def links(window: MainWindow) -> list[str]:
    return [text for text, _, _ in anchors(window.transcript)]


def test_an_answer_cut_at_max_tokens_continues_into_the_same_message(
    qtbot, open_window, sse_server
):
    sse_server.script(
        Reply(chunks=openai_stream(["The answer ", "is forty-t"], finish_reason="length")),
        Reply(chunks=openai_stream(["forty-", "two."])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "What is it?")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert links(window) == ["Copy", "Edit", "Copy", "Continue", "Regenerate", "Inspect"]

    click_link(qtbot, window.transcript, "Continue")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert window.last_answer_text() == "The answer is forty-two."
    assert [m.role for m in window.chat.messages] == ["user", "assistant"]
    shown = window.transcript_text()
    assert shown.count("The answer is forty-two.") == 1
    assert "forty-tforty" not in shown
    assert "Continue" not in links(window)
    sent = json.loads(sse_server.requests[1].body)["messages"]
    assert sent[-2:] == [
        {"role": "assistant", "content": "The answer is forty-t"},
        {"role": "user", "content": CONTINUE_PROMPT},
    ]


def test_a_failed_anthropic_answer_continues_by_prefill_inside_a_code_block(
    qtbot, open_window, sse_server
):
    partial = ["Here:\n\n```python\n", "def f():\n    "]
    sse_server.script(
        Reply(chunks=anthropic_stream(partial, stop_reason=None), drop_after=6),
        Reply(chunks=anthropic_stream(["\n    return 1\n", "```"])),
    )
    settings = dataclasses.replace(local(sse_server, "anthropic"), network=NO_RETRIES)
    window = open_window(settings, keyed())
    seen = outcomes(window)
    send(qtbot, window, "Write f")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    assert "lost mid-answer" in window.transcript_text()  # the error box stays, Retry in it
    assert links(window)[-5:] == ["Copy", "Continue", "Regenerate", "Inspect", "Retry"]

    click_link(qtbot, window.transcript, "Continue")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert window.last_answer_text() == "Here:\n\n```python\ndef f():\n    return 1\n```"
    body = json.loads(sse_server.requests[1].body)
    assert body["messages"][-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Here:\n\n```python\ndef f():"}],
    }
    assert "lost mid-answer" not in window.transcript_text()  # the error box went with it


def test_a_stopped_answer_offers_continue_and_a_new_message_takes_it_away(
    qtbot, open_window, sse_server
):
    sse_server.script(
        Reply(chunks=openai_stream(["Slow ", "answer"]), stall=5.0, stall_after=2),
        Reply(chunks=openai_stream(["Next"])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    qtbot.waitUntil(lambda: "Slow" in window.transcript_text(), timeout=5_000)
    window.chat.stop()
    assert wait_outcome(qtbot, seen, window=window) == "stopped"
    assert "Continue" in links(window)
    send(qtbot, window, "another")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert "Continue" not in links(window)


def test_the_top_bars_reasoning_reaches_the_request(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    window.top_bar.set_reasoning_effort("high")
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert json.loads(sse_server.requests[0].body)["reasoning_effort"] == "high"


def test_thinking_usage_cache_and_cost_in_the_status_bar(qtbot, open_window, sse_server):
    stream = anthropic_stream(["ok"], usage=(100, 1000), cache=(900_000, 0))
    sse_server.script(Reply(chunks=stream), Reply(chunks=stream))
    settings = local(sse_server, "anthropic")
    priced = dataclasses.replace(
        settings.endpoints[0], prices={"claude-test": ModelPrice(3, 15, 0.3)}
    )
    window = open_window(dataclasses.replace(settings, endpoints=(priced,)), keyed())
    window.top_bar.set_thinking_budget(2048)
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    body = json.loads(sse_server.requests[0].body)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    cost = (100 * 3 + 900_000 * 0.3 + 1000 * 15) / 1e6
    usage = window.status.usage_label.text()
    assert usage == f"in 900,100 (cached 900,000) · out 1,000 · cost {cost:.4f}"
    send(qtbot, window, "again")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    total = window.status.total_label.text()
    assert (
        total == f"conversation: in 1,800,200 (cached 1,800,000) · out 2,000 · cost {2 * cost:.4f}"
    )
    store, conversation_id = window.history, window.chat.conversation_id
    assert store is not None
    assert conversation_id is not None
    saved = [m.meta for m in store.messages(conversation_id) if m.message.role == "assistant"]
    assert [meta["cost"] for meta in saved] == [pytest.approx(cost)] * 2
    assert saved[0]["usage"]["cached_input_tokens"] == 900_000
    window.chat.new_chat()
    assert window.status.total_label.text() == ""


def test_a_thinking_rule_broken_in_the_top_bar_fails_with_what_to_change(
    qtbot, open_window, sse_server
):
    window = open_window(local(sse_server, "anthropic"), keyed())
    window.top_bar.set_thinking_budget(8192)  # above the 4,096 max tokens
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    assert "must be below the maximum tokens (4,096)" in window.last_error_text()
    assert sse_server.requests == []


def test_a_continuation_retried_mid_way_shows_the_partial_once(qtbot, open_window, sse_server):
    sse_server.script(
        Reply(chunks=openai_stream(["Hello wor"], finish_reason="length")),
        Reply(chunks=openai_stream(["ld, and ", "more"]), drop_after=3),  # retried
        Reply(chunks=openai_stream(["ld!"])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    click_link(qtbot, window.transcript, "Continue")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert window.last_answer_text() == "Hello world!"
    shown = window.transcript_text()
    assert shown.count("Hello wor") == 1
    assert "and more" not in shown
    assert len(sse_server.requests) == 3


def test_a_continuation_that_fails_keeps_the_partial_answer_and_offers_continue_again(
    qtbot, open_window, sse_server
):
    sse_server.script(
        Reply(chunks=openai_stream(["Half an answer"], finish_reason="length")),
        Reply(status=400, body=b'{"error": {"message": "no"}}'),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    click_link(qtbot, window.transcript, "Continue")
    assert wait_outcome(qtbot, seen, 2, window=window) == "failed"
    assert window.last_answer_text() == "Half an answer"
    assert window.transcript_text().count("Half an answer") == 1
    assert "Continue" in links(window)


def test_the_top_bar_offers_the_reasoning_control_the_endpoint_takes(qtbot, open_window):
    window = open_window()
    bar = window.top_bar
    panel = bar.parameters  # the parameters popover, shut: what it would show
    bar.show_reasoning_for("anthropic")
    assert bar.thinking_budget.isVisibleTo(panel)
    assert not bar.effort_combo.isVisibleTo(panel)
    bar.show_reasoning_for("openai-responses")
    assert bar.effort_combo.isVisibleTo(panel)
    assert not bar.thinking_budget.isVisibleTo(panel)


def test_a_continued_answer_is_saved_whole_and_reopens_as_one_answer(
    qtbot, open_window, run_async, sse_server
):
    sse_server.script(
        Reply(chunks=openai_stream(["The answer ", "is forty-t"], finish_reason="length")),
        Reply(chunks=openai_stream(["forty-", "two."])),
    )
    settings = local(sse_server)
    window = open_window(settings, keyed())
    seen = outcomes(window)
    send(qtbot, window, "What is it?")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    click_link(qtbot, window.transcript, "Continue")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    store = window.history
    assert store is not None
    conversation_id = window.chat.conversation_id
    assert conversation_id is not None
    saved = [m for m in store.messages(conversation_id) if m.message.role == "assistant"]
    assert [(m.message.text, m.state) for m in saved] == [("The answer is forty-two.", "complete")]

    window.close()
    run_async(window.aclose())
    window = open_window(settings, keyed())
    assert window.chat.conversation_id == conversation_id
    assert window.last_answer_text() == "The answer is forty-two."
    assert "‹" not in window.transcript_text()  # one answer, not two versions
