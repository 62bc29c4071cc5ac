"""The tool loop against the scripted SSE server, in both protocols' real stream shapes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from desktop_chat.core.conversation import Conversation, JSONValue, Message, Tool
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import AuthenticationError
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.storage.tool_settings import UserTool
from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.events import (
    AlwaysAllow,
    Decision,
    Deny,
    Edit,
    LoopEvent,
    PendingCall,
    Run,
    StepLimitReached,
    StepStarted,
    ToolCallApproved,
    ToolCallDenied,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
)
from desktop_chat.tools.loop import ToolLoop
from desktop_chat.tools.registry import ToolEntry, ToolOutput, ToolRegistry, user_tool_entry
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.wire import ALL, ANTHROPIC, OPENAI, Wire


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = Engine(TransportConfig(read_timeout=10), RetryPolicy(max_retries=0))
    yield engine
    await engine.aclose()


def request(prompt: str = "question") -> ChatRequest:
    return ChatRequest("m", Conversation("", [Message("user", text=prompt)]))


async def run_all(pending: PendingCall) -> Decision:
    return Run()


class Naps:
    """A tool that sleeps `seconds`, recording starts, ends and cancellations."""

    def __init__(self) -> None:
        self.started: list[float] = []
        self.cancelled = 0

    async def run(self, arguments: dict[str, JSONValue]) -> ToolOutput:
        self.started.append(time.monotonic())
        seconds = arguments.get("seconds", 0.3)
        assert isinstance(seconds, float | int)
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return ToolOutput(f"slept {seconds}")

    def entry(self) -> ToolEntry:
        schema: dict[str, JSONValue] = {
            "type": "object",
            "properties": {"seconds": {"type": "number"}},
        }
        return ToolEntry(Tool("nap", "Sleep a while", schema), "builtin", "nap", self.run)


def registry(*extra: ToolEntry) -> ToolRegistry:
    return ToolRegistry([*builtin_entries(), *extra])


class Recorder:
    def __init__(self) -> None:
        self.events: list[object] = []

    def __call__(self, event: object) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.events if isinstance(e, kind)]


@ALL
async def test_parallel_calls_streamed_in_pieces_run_concurrently(
    wire: Wire, sse_server: ScriptedServer, engine: Engine
) -> None:
    naps = Naps()
    sse_server.script(
        wire.calls(
            ("c1", "calculator", ['{"expre', 'ssion": "(2', '+3)*4"}']),
            ("c2", "nap", ['{"seconds"', ": 0.3}"]),
            ("c3", "nap", ["{}"]),
            text=["Let me compute."],
        ),
        wire.text("It is 20."),
    )
    events = Recorder()
    loop = ToolLoop(engine, wire.endpoint(sse_server), registry(naps.entry()), approve=run_all)
    req = request()
    started = time.monotonic()
    result = await asyncio.wait_for(loop.run(req, events), 15)
    assert result.turn.text == "It is 20."
    assert not result.step_limit_reached
    assert len(naps.started) == 2
    assert abs(naps.started[0] - naps.started[1]) < 0.2  # both naps began together
    assert time.monotonic() - started < 5
    first, second = sse_server.requests
    assert [t["name"] if "name" in t else t["function"]["name"] for t in first.json()["tools"]] == [  # type: ignore[index]
        "current_time", "calculator", "read_text_file", "nap",
    ]  # fmt: skip
    assert wire.results(second) == [
        ("c1", "20", False),
        ("c2", "slept 0.3", False),
        ("c3", "slept 0.3", False),
    ]
    assert wire.sent_calls(second)[0] == ("c1", "calculator", {"expression": "(2+3)*4"})
    kinds = [type(e) for e in events.events if isinstance(e, LoopEvent)]
    assert kinds[:4] == [StepStarted, ToolCallReady, ToolCallApproved, ToolCallReady]
    assert kinds.count(ToolCallStarted) == kinds.count(ToolCallFinished) == 3
    assert kinds[-1] == StepStarted
    ready = events.of(ToolCallReady)[0]
    assert (ready.arguments, ready.parse_error, ready.schema_errors) == (
        {"expression": "(2+3)*4"}, None, (),
    )  # fmt: skip
    roles = [m.role for m in req.conversation.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert [s.turn.text for s in result.steps] == ["Let me compute.", "It is 20."]
    assert [c.result.content for c in result.steps[0].calls] == ["20", "slept 0.3", "slept 0.3"]


async def test_asked_together_every_call_waits_for_its_answer_at_once(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(
        ANTHROPIC.calls(("a", "calculator", ['{"expression": "1+1"}']), ("b", "nap", ["{}"])),
        ANTHROPIC.text("Done."),
    )
    asked: list[str] = []
    both_asked = asyncio.Event()

    async def approve(pending: PendingCall) -> Decision:
        asked.append(pending.call.id)
        if len(asked) == 2:
            both_asked.set()
        await asyncio.wait_for(both_asked.wait(), 5)  # one after another would never get here
        return Run() if pending.call.id == "a" else Deny("not now")

    events = Recorder()
    loop = ToolLoop(
        engine,
        ANTHROPIC.endpoint(sse_server),
        registry(Naps().entry()),
        approve=approve,
        ask_together=True,
    )
    result = await asyncio.wait_for(loop.run(request(), events), 15)
    assert result.turn.text == "Done."
    assert asked == ["a", "b"]
    kinds = [type(e) for e in events.events if isinstance(e, LoopEvent)]
    assert kinds[1:3] == [ToolCallReady, ToolCallReady]  # every card can show before any answer
    assert ANTHROPIC.results(sse_server.requests[1]) == [
        ("a", "2", False),
        ("b", "Not run: not now.", True),
    ]


@ALL
async def test_malformed_arguments_go_back_as_an_error_and_the_model_continues(
    wire: Wire, sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(
        wire.calls(("bad", "calculator", ['{"expression": ', '"1+'])),
        wire.text("Sorry, my mistake."),
    )
    asked: list[PendingCall] = []

    async def approve(pending: PendingCall) -> Decision:
        asked.append(pending)
        return Run()

    loop = ToolLoop(engine, wire.endpoint(sse_server), registry(), approve=approve)
    result = await asyncio.wait_for(loop.run(request()), 15)
    assert result.turn.text == "Sorry, my mistake."
    ((call_id, content, is_error),) = wire.results(sse_server.requests[1])
    assert call_id == "bad"
    assert content.startswith("Not run: the arguments are not valid JSON: Unterminated string")
    assert "line 1 column 16 (character 15)" in content
    assert is_error == (wire is ANTHROPIC)  # OpenAI's tool messages have no error flag
    assert asked[0].parse_error is not None
    assert not asked[0].valid
    record = result.steps[0].calls[0]
    assert (record.approved, record.result.is_error) == (True, True)


async def test_schema_problems_are_reported_with_their_paths(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(
        OPENAI.calls(("s1", "calculator", ['{"expr": "1"}'])), OPENAI.text("Retrying.")
    )
    loop = ToolLoop(engine, OPENAI.endpoint(sse_server), registry(), approve=run_all)
    await asyncio.wait_for(loop.run(request()), 15)
    ((_, content, _),) = OPENAI.results(sse_server.requests[1])
    assert content == (
        "Not run: the arguments do not match the tool's schema: "
        "$: 'expression' is a required property; "
        "$: Additional properties are not allowed ('expr' was unexpected)."
    )


async def test_deny_sends_the_reason_as_an_error(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(
        ANTHROPIC.calls(("t1", "current_time", ['{"timezone": "UTC"}'])), ANTHROPIC.text("Ok.")
    )

    async def deny(pending: PendingCall) -> Decision:
        return Deny("not today")

    events = Recorder()
    loop = ToolLoop(engine, ANTHROPIC.endpoint(sse_server), registry(), approve=deny)
    result = await asyncio.wait_for(loop.run(request(), events), 15)
    assert ANTHROPIC.results(sse_server.requests[1]) == [("t1", "Not run: not today.", True)]
    assert events.of(ToolCallDenied) == [ToolCallDenied("t1", "not today")]
    assert not events.of(ToolCallStarted)
    assert result.steps[0].calls[0].approved is False


@ALL
async def test_edit_runs_and_records_the_edited_arguments(
    wire: Wire, sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(wire.calls(("e1", "calculator", ['{"expression": "1+1"}'])), wire.text("42."))

    async def edit(pending: PendingCall) -> Decision:
        return Edit('{"expression": "6*7"}')

    events = Recorder()
    loop = ToolLoop(engine, wire.endpoint(sse_server), registry(), approve=edit)
    result = await asyncio.wait_for(loop.run(request(), events), 15)
    second = sse_server.requests[1]
    assert wire.results(second) == [("e1", "42", False)]
    assert wire.sent_calls(second) == [("e1", "calculator", {"expression": "6*7"})]
    assert events.of(ToolCallApproved) == [
        ToolCallApproved("e1", '{"expression": "6*7"}', "edited")
    ]
    assert result.steps[0].calls[0].call.arguments == '{"expression": "6*7"}'


async def test_an_edit_with_bad_json_is_an_error_result(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(OPENAI.calls(("e1", "calculator", ['{"expression": "1"}'])), OPENAI.text("."))

    async def edit(pending: PendingCall) -> Decision:
        return Edit("{oops")

    loop = ToolLoop(engine, OPENAI.endpoint(sse_server), registry(), approve=edit)
    await asyncio.wait_for(loop.run(request()), 15)
    ((_, content, _),) = OPENAI.results(sse_server.requests[1])
    assert "not valid JSON" in content


async def test_always_allow_is_asked_once_and_persisted(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(
        OPENAI.calls(("a1", "calculator", ['{"expression": "1+1"}'])),
        OPENAI.calls(("a2", "calculator", ['{"expression": "2+2"}'])),
        OPENAI.text("Done."),
    )
    asked: list[str] = []

    async def always(pending: PendingCall) -> Decision:
        asked.append(pending.call.id)
        return AlwaysAllow()

    def persist(key: str) -> None:
        settings = load_settings().settings
        save_settings(settings.with_tools(settings.tools.with_always_allow(key)))

    events = Recorder()
    loop = ToolLoop(
        engine, OPENAI.endpoint(sse_server), registry(), approve=always, on_always_allow=persist
    )
    result = await asyncio.wait_for(loop.run(request(), events), 15)
    assert result.turn.text == "Done."
    assert asked == ["a1"]
    assert [e.how for e in events.of(ToolCallApproved)] == ["asked", "always"]
    assert load_settings().settings.tools.always_allow == ("builtin:calculator",)
    assert OPENAI.results(sse_server.requests[2])[-1] == ("a2", "4", False)
    # A new loop built from the saved settings does not ask at all.
    sse_server.script(OPENAI.calls(("a3", "calculator", ['{"expression": "3"}'])), OPENAI.text("."))
    saved = load_settings().settings.tools.always_allow
    again = ToolLoop(engine, OPENAI.endpoint(sse_server), registry(), always_allowed=saved)
    await asyncio.wait_for(again.run(request()), 15)
    assert OPENAI.results(sse_server.requests[4]) == [("a3", "3", False)]


async def test_step_limit_stops_the_loop_and_says_so(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(
        OPENAI.calls(("l1", "calculator", ['{"expression": "1"}'])),
        OPENAI.calls(("l2", "calculator", ['{"expression": "2"}'])),
        OPENAI.text("never requested"),
    )
    events = Recorder()
    loop = ToolLoop(engine, OPENAI.endpoint(sse_server), registry(), approve=run_all, max_steps=2)
    req = request()
    result = await asyncio.wait_for(loop.run(req, events), 15)
    assert result.step_limit_reached
    assert len(sse_server.requests) == 2
    assert sse_server.unused == 1
    (limit,) = events.of(StepLimitReached)
    assert (limit.max_steps, [c.id for c in limit.unanswered]) == (2, ["l2"])
    last = result.steps[-1].calls[0]
    assert (last.approved, last.result.is_error) == (False, True)
    assert last.result.content == "Not run: the limit of 2 steps was reached."
    assert [m.role for m in req.conversation.messages][-2:] == ["assistant", "tool"]
    assert [e.step for e in events.of(StepStarted)] == [1, 2]


async def test_a_slow_tool_times_out(sse_server: ScriptedServer, engine: Engine) -> None:
    naps = Naps()
    sse_server.script(OPENAI.calls(("n1", "nap", ['{"seconds": 30}'])), OPENAI.text("Too slow."))
    loop = ToolLoop(
        engine, OPENAI.endpoint(sse_server), registry(naps.entry()), approve=run_all, timeout=0.2
    )
    started = time.monotonic()
    events = Recorder()
    await asyncio.wait_for(loop.run(request(), events), 15)
    assert time.monotonic() - started < 5
    assert OPENAI.results(sse_server.requests[1]) == [
        ("n1", "The tool did not finish within 0.2 s.", False)
    ]
    (finished,) = events.of(ToolCallFinished)
    assert finished.is_error
    assert 0.15 < finished.duration < 2
    assert naps.cancelled == 1


async def test_one_call_can_be_cancelled(sse_server: ScriptedServer, engine: Engine) -> None:
    naps = Naps()
    sse_server.script(
        OPENAI.calls(
            ("n1", "nap", ['{"seconds": 30}']), ("c1", "calculator", ['{"expression": "2"}'])
        ),
        OPENAI.text("Fine."),
    )
    loop: ToolLoop | None = None

    def on_event(event: object) -> None:
        if isinstance(event, ToolCallStarted) and event.call_id == "n1":
            assert loop is not None
            asyncio.get_running_loop().call_later(0.1, loop.cancel_call, "n1")

    loop = ToolLoop(engine, OPENAI.endpoint(sse_server), registry(naps.entry()), approve=run_all)
    await asyncio.wait_for(loop.run(request(), on_event), 15)
    assert OPENAI.results(sse_server.requests[1]) == [
        ("n1", "The user cancelled this call.", False),
        ("c1", "2", False),
    ]
    assert naps.cancelled == 1
    assert not loop.cancel_call("n1")  # no longer running


async def test_cancelling_the_loop_cancels_running_calls(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    naps = Naps()
    sse_server.script(OPENAI.calls(("n1", "nap", ['{"seconds": 30}'])))
    started = asyncio.Event()

    def on_event(event: object) -> None:
        if isinstance(event, ToolCallStarted):
            started.set()

    loop = ToolLoop(engine, OPENAI.endpoint(sse_server), registry(naps.entry()), approve=run_all)
    task = asyncio.create_task(loop.run(request(), on_event))
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert naps.cancelled == 1
    assert len(sse_server.requests) == 1


async def test_unknown_tools_and_failing_tools_are_error_results(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    async def broken(arguments: dict[str, JSONValue]) -> ToolOutput:
        raise RuntimeError("boom")

    bad = ToolEntry(Tool("broken"), "builtin", "broken", broken)
    sse_server.script(
        ANTHROPIC.calls(("u1", "nope", ["{}"]), ("b1", "broken", ["{}"])), ANTHROPIC.text(".")
    )
    asked: list[str] = []

    async def approve(pending: PendingCall) -> Decision:
        asked.append(pending.call.name)
        return Run()

    loop = ToolLoop(engine, ANTHROPIC.endpoint(sse_server), ToolRegistry([bad]), approve=approve)
    await asyncio.wait_for(loop.run(request()), 15)
    assert asked == ["broken"]  # nothing to approve for a tool that is not offered
    assert ANTHROPIC.results(sse_server.requests[1]) == [
        ("u1", "There is no tool named 'nope'; tools offered: broken.", True),
        ("b1", "The tool failed: RuntimeError: boom", True),
    ]


async def test_user_defined_tools_take_a_typed_answer(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    weather = user_tool_entry(
        UserTool(
            "weather",
            "Ask the user",
            {"type": "object", "properties": {"city": {"type": "string"}}},
        )
    )
    sse_server.script(
        OPENAI.calls(("w1", "weather", ['{"city": "Oslo"}'])),
        OPENAI.text("Sunny it is."),
        OPENAI.calls(("w2", "weather", ['{"city": "Rome"}'])),
        OPENAI.text("Nobody knows."),
    )

    async def answer(pending: PendingCall) -> str | None:
        assert pending.arguments == {"city": "Oslo"}
        return "sunny"

    loop = ToolLoop(
        engine, OPENAI.endpoint(sse_server), ToolRegistry([weather]), approve=run_all, answer=answer
    )
    await asyncio.wait_for(loop.run(request()), 15)
    assert OPENAI.results(sse_server.requests[1]) == [("w1", "sunny", False)]
    nobody = ToolLoop(engine, OPENAI.endpoint(sse_server), ToolRegistry([weather]), approve=run_all)
    await asyncio.wait_for(nobody.run(request()), 15)
    ((_, content, _),) = OPENAI.results(sse_server.requests[3])
    assert content == "Not run: weather needs a person to type its result, and none did."


async def test_a_failed_turn_raises_and_keeps_the_finished_steps(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(
        OPENAI.calls(("c1", "calculator", ['{"expression": "1"}'])),
        Reply(status=401, body=b'{"error": {"message": "bad key"}}'),
    )
    loop = ToolLoop(engine, OPENAI.endpoint(sse_server), registry(), approve=run_all)
    with pytest.raises(AuthenticationError):
        await asyncio.wait_for(loop.run(request()), 15)
    assert len(loop.steps) == 1
    assert loop.steps[0].calls[0].result.content == "1"


def test_max_steps_must_be_positive(engine: Engine) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ToolLoop(engine, EndpointConfig("openai", "http://127.0.0.1:9"), registry(), max_steps=0)
