"""Continue a cut answer: the request each protocol gets, and the seam, over a real server."""

from __future__ import annotations

import pytest

from desktop_chat.core.conversation import AssistantTurn, Conversation, Message, ToolCall
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.events import StreamEvent, TextDelta
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.session.continuation import (
    CONTINUE_PROMPT,
    LOOKAHEAD,
    Seam,
    can_continue,
    continuation,
    prefills,
)
from tests.support.engine import Sleeps
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream, responses_stream

QUESTION = Conversation("Be exact.", [Message("user", "Go on")])
WORD = "The answer is forty-t"
SPACE = "First line.\n\n"
CODE = "```python\ndef f():\n    "

# (partial, what the model streams, the joined answer)
ANTHROPIC_SEAMS = [
    pytest.param(WORD, ["wo", "."], "The answer is forty-two.", id="inside-a-word"),
    pytest.param(SPACE, ["\n", "\nSecond", " line."], SPACE + "Second line.", id="after-space"),
    pytest.param(SPACE, ["Second"], SPACE + "Second", id="after-space-no-lead"),
    pytest.param(SPACE, ["\n\n\nThird"], SPACE + "\nThird", id="after-space-more"),
    pytest.param(CODE, ["\n    return 1\n", "```"], CODE + "return 1\n```", id="in-code"),
]
OPENAI_SEAMS = [
    pytest.param(WORD, ["wo."], "The answer is forty-two.", id="inside-a-word"),
    pytest.param(WORD, ["forty", "-two."], "The answer is forty-two.", id="word-repeated"),
    pytest.param(SPACE, ["Second line."], SPACE + "Second line.", id="after-space"),
    pytest.param(SPACE, ["\n\n", "Second"], SPACE + "Second", id="after-space-restated"),
    pytest.param(CODE, ["return 1", "\n```"], CODE + "return 1\n```", id="in-code"),
    pytest.param(
        CODE, ["def f():\n    return 1\n```"], CODE + "return 1\n```", id="in-code-repeated"
    ),
]


async def run_continuation(
    server: ScriptedServer, protocol: str, partial: str, pieces: list[str]
) -> tuple[str, Seam, AssistantTurn, dict[str, object]]:
    """Continue `partial` against the server; return what was shown, the seam, turn and body."""
    if protocol == "anthropic":
        server.script(Reply(chunks=anthropic_stream(pieces)))
        endpoint = EndpointConfig("anthropic", server.url, "sk-test")
    elif protocol == "openai-responses":
        server.script(Reply(chunks=responses_stream(pieces)))
        endpoint = EndpointConfig("openai-responses", server.url + "/v1", "sk-test")
    else:
        server.script(Reply(chunks=openai_stream(pieces)))
        endpoint = EndpointConfig("openai", server.url + "/v1", "sk-test")
    cut = Message("assistant", text=partial, reasoning="thought")
    request = ChatRequest("m", continuation(QUESTION, cut, protocol), max_tokens=100)
    seam = Seam(partial, may_repeat=not prefills(protocol))
    shown = [partial]

    def on_event(event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            shown.append(seam.feed(event.text))

    engine = Engine(TransportConfig(read_timeout=5.0), RetryPolicy(max_retries=0), sleep=Sleeps())
    try:
        turn = await engine.run(endpoint, request, on_event)
    finally:
        await engine.aclose()
    shown.append(seam.flush())
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    return "".join(shown), seam, seam.joined(turn, cut), body


@pytest.mark.parametrize(("partial", "pieces", "joined"), ANTHROPIC_SEAMS)
async def test_anthropic_continues_a_prefill_without_a_seam(
    sse_server: ScriptedServer, partial: str, pieces: list[str], joined: str
) -> None:
    shown, seam, turn, body = await run_continuation(sse_server, "anthropic", partial, pieces)
    assert shown == seam.text == turn.text == joined
    assert turn.reasoning == "thought"
    last = body["messages"][-1]  # type: ignore[index]
    assert last == {"role": "assistant", "content": [{"type": "text", "text": partial.rstrip()}]}


@pytest.mark.parametrize(("partial", "pieces", "joined"), OPENAI_SEAMS)
async def test_openai_is_asked_to_go_on_and_repeats_are_dropped(
    sse_server: ScriptedServer, partial: str, pieces: list[str], joined: str
) -> None:
    shown, seam, turn, body = await run_continuation(sse_server, "openai", partial, pieces)
    assert shown == seam.text == turn.text == joined
    assert body["messages"][-2:] == [  # type: ignore[index]
        {"role": "assistant", "content": partial},
        {"role": "user", "content": CONTINUE_PROMPT},
    ]


@pytest.mark.parametrize(("partial", "pieces", "joined"), OPENAI_SEAMS)
async def test_the_responses_api_is_asked_to_go_on_likewise(
    sse_server: ScriptedServer, partial: str, pieces: list[str], joined: str
) -> None:
    shown, seam, turn, body = await run_continuation(
        sse_server, "openai-responses", partial, pieces
    )
    assert shown == seam.text == turn.text == joined
    assert body["input"][-2:] == [  # type: ignore[index]
        {"role": "assistant", "content": partial},
        {"role": "user", "content": CONTINUE_PROMPT},
    ]


@pytest.mark.parametrize("may_repeat", [False, True])
@pytest.mark.parametrize(("partial", "pieces", "joined"), ANTHROPIC_SEAMS + OPENAI_SEAMS)
def test_the_seam_is_the_same_whatever_the_pieces(
    partial: str, pieces: list[str], joined: str, may_repeat: bool
) -> None:
    whole = Seam(partial, may_repeat=may_repeat)
    whole.feed("".join(pieces))
    whole.flush()
    by_character = Seam(partial, may_repeat=may_repeat)
    shown = partial + "".join(by_character.feed(c) for c in "".join(pieces))
    shown += by_character.flush()
    assert shown == by_character.text == whole.text


def test_a_short_echo_is_not_taken_for_a_repeat() -> None:
    seam = Seam("I like t", may_repeat=True)
    assert seam.feed("to eat") + seam.flush() == "to eat"
    seam = Seam("Say lalala", may_repeat=True)  # "la" occurs early: wait, then decide
    assert seam.feed("l") == ""
    assert seam.feed("a, la.") + seam.flush() == "la, la."


def test_a_retry_restarts_the_seam() -> None:
    seam = Seam("Hello wor", may_repeat=False)
    seam.feed("ld and mo")
    seam.restart()
    assert seam.feed("ld!") + seam.flush() == "ld!"
    assert seam.text == "Hello world!"


def test_the_seam_holds_back_a_bounded_amount() -> None:
    seam = Seam("ab " * 500 + "c", may_repeat=True)
    fed = 0
    while not seam.feed("ab "):  # each piece could still grow into a repeat of the end
        fed += 3
        assert fed <= LOOKAHEAD
    assert seam.text == "ab " * 500 + "c" + "ab " * (fed // 3 + 1)


def test_continue_is_offered_for_cut_stopped_and_failed_text_answers() -> None:
    text = Message("assistant", "Some text")
    assert can_continue(text, "stopped", None)
    assert can_continue(text, "failed", None)
    assert can_continue(text, "finished", "max_tokens")
    assert can_continue(text, "finished", "length")
    assert not can_continue(text, "finished", "end_turn")
    assert not can_continue(Message("assistant", "  \n"), "stopped", None)
    calls = Message("assistant", "x", tool_calls=[ToolCall("1", "f")])
    assert not can_continue(calls, "stopped", None)


def test_the_session_reopens_only_a_last_answer_with_text() -> None:
    from desktop_chat.session.chat import ChatSession

    session = ChatSession()
    gone: list[int] = []
    session.truncated.connect(gone.append)
    assert session.reopen_answer() is None
    session.send("q")
    assert session.reopen_answer() is None  # a question is no answer
    session.begin_answer()
    session.end_answer(Message("assistant", "  "))
    assert session.reopen_answer() is None  # nothing to go on from
    session.messages[-1] = Message("assistant", "Half")
    session.last_error = "cut"
    partial = session.reopen_answer()
    assert partial == Message("assistant", "Half")
    assert [m.role for m in session.messages] == ["user"]
    assert gone == [1]
    assert session.last_error == ""
