"""The conversation's rules without Qt: a plain view mirrors the session through its callbacks.

Answers stream from the scripted SSE server through the real engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from desktop_chat.core.conversation import AssistantTurn, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ChatError
from desktop_chat.session.chat import SUPERSEDED, SUPERSEDED_EARLIER, ChatSession
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
    try:
        turn = await asyncio.wait_for(engine.run(config, request, lambda _e: None), 10)
    except ChatError as exc:
        session.last_error = str(exc)
        turn = AssistantTurn()
    session.end_answer(turn.to_message())


def sent(server: ScriptedServer, index: int) -> list[object]:
    body = server.requests[index].json()
    assert isinstance(body, dict)
    return [(m["role"], m["content"]) for m in body["messages"]]


async def test_regenerate_keeps_the_earlier_answers_on_show_but_not_sent(
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
    assert view.entries == [
        ("user", "question", ""),
        ("assistant", "answer 1", SUPERSEDED_EARLIER),
        ("assistant", "answer 2", SUPERSEDED),
        ("assistant", "", "live"),  # the view fills the live entry from the stream itself
    ]
    assert [m.text for m in session.messages] == ["question", "answer 1", "answer 2", "answer 3"]
    assert [m.text for m in session.conversation().messages] == ["question", "answer 3"]


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
    assert [entry[2] for entry in view.entries] == ["", "live"]


async def test_editing_a_message_replaces_it_and_all_after_it(
    engine: Engine, sse_server: ScriptedServer
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream([text])) for text in ("A1", "A2", "A1 again")))
    session = ChatSession()
    view = MirrorView(session)
    for text in ("Q1", "Q2"):
        session.send(text)
        await answer(session, engine, sse_server)
    assert session.begin_edit(1) is None  # an answer cannot be edited
    assert (
        session.begin_edit(0)
        == "Editing message 1: sending replaces it and the 3 messages after it"
    )
    assert (
        session.begin_edit(2) == "Editing message 2: sending replaces it and the 1 message after it"
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
    assert (session.messages, session.superseded, session.last_error, view.entries) == (
        [],
        set(),
        "",
        [],
    )
