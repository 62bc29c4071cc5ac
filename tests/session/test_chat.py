"""The conversation's rules without Qt: a plain view mirrors the session through its callbacks.

Answers stream from the scripted SSE server through the real engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from desktop_chat.core.conversation import (
    AssistantTurn,
    Attachment,
    Message,
    ToolCall,
    ToolResult,
)
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ChatError
from desktop_chat.core.events import StreamEvent, TextDelta
from desktop_chat.session.chat import CUT_OFF, ChatSession
from desktop_chat.session.tool_step import CallRecord
from desktop_chat.storage.history import HistoryStore
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream


class MirrorView:
    """What a transcript shows: one (role, text, status) entry per message, kept by callbacks."""

    def __init__(self, session: ChatSession) -> None:
        self.entries: list[tuple[str, str, str]] = []
        session.truncated.connect(lambda index: self.entries.__delitem__(slice(index, None)))
        session.added.connect(lambda _i, m, status: self.entries.append((m.role, m.text, status)))
        session.answer_started.connect(lambda _i: self.entries.append(("assistant", "", "live")))
        session.cleared.connect(self.entries.clear)


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = Engine()
    yield engine
    await engine.aclose()


async def answer(session: ChatSession, engine: Engine, server: ScriptedServer) -> None:
    """Run one turn as a face does: an empty entry streams, then becomes what arrived."""
    session.last_error = ""
    session.begin_answer()
    request = ChatRequest("m", session.conversation("Be brief."), 64)
    config = EndpointConfig("openai", server.url + "/v1")
    saving = session.saving  # the answer as the history keeps it, when it does

    def on_event(event: StreamEvent) -> None:
        if saving is not None:
            saving.on_event(event)

    try:
        turn = await asyncio.wait_for(engine.run(config, request, on_event), 10)
    except ChatError as exc:
        session.last_error = str(exc)
        session.end_answer(AssistantTurn().to_message(), AssistantTurn(), exc)
        return
    session.end_answer(turn.to_message(), turn)


def sent(server: ScriptedServer, index: int) -> list[object]:
    body = server.requests[index].json()
    assert isinstance(body, dict)
    return [(m["role"], m["content"]) for m in body["messages"]]


async def test_regenerate_makes_a_new_version_and_the_earlier_ones_stay_as_siblings(
    engine: Engine, sse_server: ScriptedServer
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream([f"answer {n}"])) for n in (1, 2, 3)))
    session = ChatSession()
    view = MirrorView(session)
    assert session.send("question")
    await answer(session, engine, sse_server)
    assert session.regenerate()
    await answer(session, engine, sse_server)
    assert session.regenerate()
    await answer(session, engine, sse_server)
    assert sent(sse_server, 2) == [("system", "Be brief."), ("user", "question")]
    assert view.entries == [("user", "question", ""), ("assistant", "", "live")]
    assert [m.text for m in session.messages] == ["question", "answer 3"]
    assert session.versions(1) == (3, 3)
    assert session.versions(0) == (1, 1)
    assert session.switch(1, -1)
    assert [m.text for m in session.messages] == ["question", "answer 2"]
    assert view.entries == [("user", "question", ""), ("assistant", "answer 2", "")]
    assert session.versions(1) == (2, 3)
    assert session.switch(1, -1)
    assert not session.switch(1, -1)  # there is none before the first
    assert session.versions(1) == (1, 3)
    assert [m.text for m in session.conversation().messages] == ["question", "answer 1"]
    assert session.switch(1, 2)
    assert not session.switch(1, 1)
    assert [m.text for m in session.messages] == ["question", "answer 3"]


async def test_switching_a_question_follows_its_branch_to_the_newest_answer(
    engine: Engine, sse_server: ScriptedServer
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream([t])) for t in ("A1", "A2", "B1", "B1 again")))
    session = ChatSession()
    for text in ("Q1", "Q2"):
        session.send(text)
        await answer(session, engine, sse_server)
    assert session.begin_edit(0) is not None
    assert session.send("Q1 edited")
    await answer(session, engine, sse_server)
    session.regenerate()
    await answer(session, engine, sse_server)
    assert [m.text for m in session.messages] == ["Q1 edited", "B1 again"]
    assert session.switch(0, -1)  # the first question's branch, down to its last message
    assert [m.text for m in session.messages] == ["Q1", "A1", "Q2", "A2"]
    assert session.switch(0, 1)  # back: the newest answer of the edited question
    assert [m.text for m in session.messages] == ["Q1 edited", "B1 again"]
    assert session.versions(1) == (2, 2)


async def test_a_failed_answer_is_retried_in_place_and_never_sent(
    engine: Engine, sse_server: ScriptedServer
) -> None:
    sse_server.script(
        Reply(400, body=b'{"error": {"message": "no such model"}}'),  # not retried
        Reply(chunks=openai_stream(["back"])),
    )
    session = ChatSession()
    view = MirrorView(session)
    session.send("hi")
    await answer(session, engine, sse_server)
    assert "HTTP 400" in session.last_error
    assert session.conversation().messages == [Message("user", text="hi")]
    assert session.regenerate()  # after a failure there is nothing to keep: a retry
    await answer(session, engine, sse_server)
    assert session.last_error == ""
    assert [m.text for m in session.messages] == ["hi", "back"]
    assert session.versions(1) == (1, 1)  # the failure was replaced, not kept
    assert [entry[2] for entry in view.entries] == ["", "live"]


async def test_editing_a_message_makes_a_new_version_of_it(
    engine: Engine, sse_server: ScriptedServer
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream([text])) for text in ("A1", "A2", "A1 again")))
    session = ChatSession()
    view = MirrorView(session)
    for text in ("Q1", "Q2"):
        session.send(text)
        await answer(session, engine, sse_server)
    assert session.begin_edit(1) is None  # an answer cannot be edited
    assert session.begin_edit(2) == (
        "Editing message 2: sending makes a new version (the earlier one stays)"
    )
    session.cancel_edit()
    assert session.begin_edit(0) is not None
    assert not session.send("   ")  # blank text sends nothing and keeps the edit
    assert session.send("Q1 edited")
    await answer(session, engine, sse_server)
    assert sent(sse_server, 2) == [("system", "Be brief."), ("user", "Q1 edited")]
    assert [m.text for m in session.messages] == ["Q1 edited", "A1 again"]
    assert view.entries == [("user", "Q1 edited", ""), ("assistant", "", "live")]
    assert session.edit_index is None
    assert session.versions(0) == (2, 2)
    session.switch(0, -1)
    assert [m.text for m in session.messages] == ["Q1", "A1", "Q2", "A2"]


def test_nothing_to_answer_again_and_a_new_chat_forgets_all() -> None:
    session = ChatSession()
    view = MirrorView(session)
    assert not session.retry()
    assert not session.regenerate()
    session.send("hello")
    session.begin_answer()
    session.end_answer(Message("assistant", text="hi"))
    session.regenerate()
    session.last_error = "failed"
    session.clear()
    assert (session.messages, session.ids, session.last_error, view.entries) == ([], [], "", [])


async def test_a_saved_session_writes_through_and_loads_back_on_its_branch(
    engine: Engine, sse_server: ScriptedServer, tmp_path: Path
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream([t])) for t in ("A1", "A2", "B1", "B2")))
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    session = ChatSession(store)
    saved: list[str] = []
    session.saved.connect(saved.append)
    assert session.send("Q1", "Be brief.")
    (info,) = store.conversations()  # the question is committed before any request
    assert (session.conversation_id, info.title, info.system) == (info.id, "Q1", "Be brief.")
    assert [s.message.text for s in store.path(str(info.leaf_id))] == ["Q1"]
    session.begin_answer({"model": "m", "endpoint": "Local"})
    session.end_answer(Message("assistant"))  # ended before anything: replaced by the retry
    session.last_error = "failed"
    session.regenerate()
    await answer(session, engine, sse_server)
    session.regenerate()
    await answer(session, engine, sse_server)
    session.send("Q2")
    await answer(session, engine, sse_server)
    assert session.switch(1, -1)  # back to A1: the branch ends there, and the store knows
    assert saved
    assert set(saved) == {info.id}
    conversation_id = info.id
    store.close()

    store = HistoryStore.open(tmp_path / "history.sqlite3")
    again = ChatSession(store)
    view = MirrorView(again)
    again.load(conversation_id)
    assert view.entries == [("user", "Q1", ""), ("assistant", "A1", "")]
    assert again.versions(1) == (1, 2)
    answer_id = again.ids[1]
    stored = store.message(answer_id)
    assert stored is not None
    assert stored.meta["model"] == "m"
    assert "usage" in stored.meta
    assert "timings" in stored.meta
    assert len(store.messages(conversation_id)) == 5  # the failed answer was deleted
    assert again.switch(1, 1)
    assert [m.text for m in again.messages] == ["Q1", "A2", "Q2", "B1"]
    again.send("Q3")  # continues the loaded conversation
    assert store.path(str(store.conversation(conversation_id).leaf_id))[-1].message.text == "Q3"
    again.load(conversation_id, again.ids[1])  # a message: the branch through it
    assert [m.text for m in again.messages] == ["Q1", "A2", "Q2", "B1", "Q3"]
    assert again.last_error  # the last question has no answer: Retry answers it
    store.close()


def test_tool_steps_are_saved_with_their_approvals_and_an_abandoned_answer_is_cut_off(
    tmp_path: Path,
) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    session = ChatSession(store)
    session.send("what time is it?")
    session.begin_answer({"model": "m"})
    call = ToolCall("c1", "current_time", '{"zone": "UTC"}')
    step = Message("assistant", text="Let me look.", tool_calls=[call])
    session.end_answer(step, AssistantTurn(stop_reason="tool_calls"))
    results = Message("tool")
    record = CallRecord("c1", "current_time", "built-in", call.arguments, state="running")
    session.add_tool_results(results, [record])
    record.state, record.how, record.result, record.duration = "done", "edited", "12:00", 0.5
    results.tool_results = [ToolResult("c1", "12:00")]
    session.begin_answer()  # the next step: the tool entry as it ended is saved
    assert session.saving is not None
    session.saving.on_event(TextDelta("It is "))
    session.saving.flush()
    session.abandon(CUT_OFF)  # the window closes mid-answer
    conversation_id = session.conversation_id
    assert conversation_id is not None
    store.close()

    store = HistoryStore.open(tmp_path / "history.sqlite3")
    again = ChatSession(store)
    view = MirrorView(again)
    again.load(conversation_id)
    assert [entry[0] for entry in view.entries] == ["user", "assistant", "tool", "assistant"]
    assert view.entries[-1] == ("assistant", "It is ", "interrupted")
    assert again.last_error == CUT_OFF
    (loaded,) = again.calls(2)
    assert (loaded.state, loaded.how, loaded.result, loaded.duration) == (
        "done",
        "edited",
        "12:00",
        0.5,
    )
    assert again.node(3).meta["model"] == "m"  # a later step keeps the turn's metadata
    assert again.conversation().messages[2].tool_results == [ToolResult("c1", "12:00")]
    assert again.retry()  # the cut-off answer is replaced
    assert [m.role for m in again.messages] == ["user"]
    store.close()


def test_a_history_that_fails_to_write_is_said_once_and_the_conversation_goes_on(
    tmp_path: Path,
) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    session = ChatSession(store)
    failures: list[str] = []
    session.history_failed.connect(failures.append)
    assert session.send("kept")
    store.close()  # the file can no longer be written
    assert session.send("not kept")
    session.begin_answer({"model": "m"})
    session.end_answer(Message("assistant", text="still shown"), AssistantTurn())
    assert [m.text for m in session.messages] == ["kept", "not kept", "still shown"]
    assert len(failures) == 1
    assert failures[0].startswith("The conversation is no longer saved: cannot write the history")
    assert session.store is None


def test_a_message_with_attachments_is_sent_even_without_text() -> None:
    session = ChatSession()
    image = Attachment("a.png", "image/png", b"\x89PNG")
    assert not session.send("  ")
    assert session.send("", attachments=(image,))
    assert session.messages[-1].attachments == (image,)
    assert session.conversation().messages[-1].attachments == (image,)
