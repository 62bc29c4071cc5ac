"""The Inspection fed by the real engine and tool loop against the scripted server."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time

import pytest

from desktop_chat.core.events import (
    AttemptStarted,
    RedactedThinking,
    TextDelta,
    ToolCallDelta,
    WireEvent,
)
from desktop_chat.inspector.export import jsonl_lines
from desktop_chat.inspector.inspection import Inspection
from desktop_chat.inspector.trace import KINDS, format_seconds
from desktop_chat.tools.events import AlwaysAllow, Decision, Deny, Edit, PendingCall
from tests.inspector.recording import (
    ANTHROPIC,
    KEY,
    OPENAI,
    PROTOCOL_IDS,
    PROTOCOLS,
    Recording,
    Sleeps,
    Wire,
    everything,
    make_engine,
    run_all,
    run_loop,
    run_turn,
)
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

BOTH = pytest.mark.parametrize("wire", PROTOCOLS, ids=PROTOCOL_IDS)
TIMEOUT = 15


@BOTH
async def test_a_plain_answer_shows_request_response_and_every_sse_event(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    reply = wire.text("Hel", "lo", " there")
    sse_server.script(reply)
    recording = Recording()
    await asyncio.wait_for(run_turn(make_engine(), wire.endpoint(sse_server), recording), TIMEOUT)
    inspection = recording.inspection
    (trace,) = inspection.requests
    assert trace.method == "POST"
    path = {OPENAI: "/v1/chat/completions", ANTHROPIC: "/v1/messages"}.get(wire, "/v1/responses")
    assert trace.url == sse_server.url + path
    key_header = "x-api-key" if wire is ANTHROPIC else "Authorization"
    assert dict(trace.headers)[key_header] == "[redacted]"
    assert json.loads(trace.body) == sse_server.requests[0].json()
    assert trace.status == 200
    assert dict(trace.response_headers)["content-type"].startswith("text/event-stream")
    assert trace.outcome == "done"
    kinds = [entry.kind for entry in trace.entries]
    assert kinds[:4] == ["attempt", "request", "response", "sse"]
    assert set(kinds) <= set(KINDS)
    sse_entries = [entry for entry in trace.entries if entry.kind == "sse"]
    assert len(sse_entries) == len(reply.chunks)
    assert [entry.raw() + "\n\n" for entry in sse_entries] == [c.decode() for c in reply.chunks]
    assert all(isinstance(entry.parsed(), dict | str) for entry in sse_entries)
    assert "".join(entry.raw() for entry in trace.entries if entry.kind == "text") == "Hello there"
    assert kinds.count("stop") == 1
    assert kinds.count("usage") >= 1
    assert trace.input_tokens == 12
    assert trace.output_tokens == 34


@BOTH
async def test_times_run_from_first_byte_to_first_and_last_token(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    sse_server.script(Reply(chunks=wire.text("a", "b", "c").chunks, delay=0.02))
    recording = Recording()
    await asyncio.wait_for(run_turn(make_engine(), wire.endpoint(sse_server), recording), TIMEOUT)
    (trace,) = recording.inspection.requests
    assert trace.ttfb is not None
    assert trace.first_token is not None
    assert trace.last_token is not None
    assert 0 <= trace.ttfb < trace.first_token < trace.last_token <= trace.stream_end
    assert trace.last_token - trace.first_token >= 0.03  # two delays of 20 ms between pieces
    times = [entry.t for entry in trace.entries if entry.kind == "sse"]
    assert times == sorted(times)
    # each parsed piece carries the time of the raw event that brought it
    for before, entry in itertools.pairwise(trace.entries):
        if entry.kind == "text":
            assert before.kind == "sse"
            assert entry.t == before.t
    summary = trace.summary_line()
    assert summary.startswith("HTTP 200 · TTFB ")
    assert f"first token {format_seconds(trace.first_token)}" in summary
    assert "attempt 1 of 4" in summary


async def test_retries_are_recorded_with_cause_and_delay(sse_server: ScriptedServer) -> None:
    sleeps = Sleeps()
    sse_server.script(
        Reply(status=503),
        Reply(chunks=openai_stream(["par", "tial"]), drop_after=3),
        OPENAI.text("fine"),
    )
    recording = Recording()
    engine = make_engine(sleeps)
    await asyncio.wait_for(run_turn(engine, OPENAI.endpoint(sse_server), recording), TIMEOUT)
    first, second, third = recording.inspection.requests
    assert [t.attempt for t in (first, second, third)] == [1, 2, 3]
    assert [t.outcome for t in (first, second, third)] == ["retried", "retried", "done"]
    assert first.status == 503
    assert first.retry_delay == sleeps.delays[0]
    assert second.retry_delay == sleeps.delays[1]
    assert "HTTP 503" in str(first.error)
    retries = [e for e in recording.inspection.entries if e.kind == "retry"]
    assert len(retries) == 2
    assert retries[0].request is first
    assert f"retrying in {sleeps.delays[0]:.2f} s" in retries[0].summary
    assert "(HTTP 503)" in retries[0].summary
    assert "lost" in retries[1].summary or "ended" in retries[1].summary
    assert f"retried after {sleeps.delays[0]:.2f} s" in first.summary_line()
    assert third.first_token is not None
    assert "attempt 3" in third.label
    assert "HTTP 200" in third.label


async def test_a_retried_attempts_tool_calls_are_marked_void(sse_server: ScriptedServer) -> None:
    cut = OPENAI.calls(("c1", "calculator", ['{"expres', 'sion": "1"}']))
    sse_server.script(Reply(chunks=cut.chunks, drop_after=3), cut)
    recording = Recording()
    await asyncio.wait_for(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording), TIMEOUT)
    first, second = recording.inspection.tool_calls
    assert first.void
    assert first.state == "discarded (attempt retried)"
    assert not second.void
    assert second.parsed == {"expression": "1"}


@BOTH
async def test_tool_call_arguments_grow_delta_by_delta_then_parse(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    pieces = ['{"expre', 'ssion": ', '"(2+3)', '*4"}']
    sse_server.script(wire.calls(("c1", "calculator", pieces), text=["Let me see."]))
    recording = Recording()
    seen: list[tuple[str, str, str]] = []

    def look(event: object) -> None:
        if isinstance(event, ToolCallDelta):
            (call,) = recording.inspection.tool_calls
            seen.append((call.id, call.name, call.arguments))
            assert call.state == "streaming arguments"
            assert call.parsed is None

    recording.after = look
    await asyncio.wait_for(run_turn(make_engine(), wire.endpoint(sse_server), recording), TIMEOUT)
    assert seen == [("c1", "calculator", "".join(pieces[: n + 1])) for n in range(len(pieces))]
    (call,) = recording.inspection.tool_calls
    assert call.complete
    assert call.parsed == {"expression": "(2+3)*4"}
    assert call.parse_error is None
    assert call.state == "arguments complete"
    assert call.request is recording.inspection.requests[0]
    assert call.started_t <= recording.inspection.requests[0].last_token  # type: ignore[operator]


@BOTH
async def test_a_tool_loop_records_check_approval_run_result_and_duration(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    sse_server.script(
        wire.calls(
            ("c1", "calculator", ['{"expression":', ' "(2+3)*4"}']),
            ("c2", "current_time", ['{"timezone": "UTC"}']),
            text=["Let me compute."],
        ),
        wire.text("It is ", "20."),
    )
    recording = await run_loop(wire.endpoint(sse_server), approve=run_all)
    recording.inspection.finish()
    inspection = recording.inspection
    assert [(t.step, t.attempt) for t in inspection.requests] == [(1, 1), (2, 1)]
    assert [e.summary for e in inspection.entries if e.kind == "step"] == [
        "Step 1 of 8",
        "Step 2 of 8",
    ]
    calc, clock = inspection.tool_calls
    assert (calc.id, calc.name, calc.step) == ("c1", "calculator", 1)
    assert calc.checked
    assert calc.known_tool
    assert calc.schema_problems == ()
    assert calc.approval == "asked"
    assert calc.result == "20"
    assert not calc.is_error
    assert calc.duration is not None
    assert calc.duration >= 0
    assert calc.state == "done"
    assert clock.state == "done"
    assert clock.result is not None
    assert "UTC" in clock.result or "20" in clock.result
    summaries = [e.summary for e in inspection.requests[0].entries if e.kind == "tool"]
    order = [
        "calculator (c1) began",
        "calculator arguments +=",
        "calculator arguments complete, valid JSON",
        "calculator checked: arguments match the schema",
        "calculator approved (asked)",
        "calculator running",
        "calculator result after",
    ]
    positions = [next(i for i, s in enumerate(summaries) if want in s) for want in order]
    assert positions == sorted(positions)
    # loop events are timed from the start of the request that streamed the call
    assert all(e.t >= 0 for e in inspection.requests[0].entries)
    assert inspection.requests[1].outcome == "done"
    assert KEY not in everything(inspection)


@BOTH
async def test_malformed_arguments_give_a_parse_error_with_its_position(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    raw = '{"expression": "1+'
    sse_server.script(wire.calls(("bad", "calculator", ['{"expression": ', '"1+'])), wire.text("."))
    recording = await run_loop(wire.endpoint(sse_server), approve=run_all)
    (call,) = recording.inspection.tool_calls
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(raw)
    assert call.parse_error is not None
    assert (call.parse_error.line, call.parse_error.column, call.parse_error.position) == (
        expected.value.lineno,
        expected.value.colno,
        expected.value.pos,
    )
    where = "line 1 column 16 (character 15)"
    assert str(call.parse_error) == f"Unterminated string starting at {where}"
    assert call.parsed is None
    assert call.is_error
    assert call.state == "failed"
    checked = next(e for e in recording.inspection.entries if "checked" in e.summary)
    assert "arguments not JSON: Unterminated string" in checked.summary


async def test_schema_problems_unknown_tools_and_denials(sse_server: ScriptedServer) -> None:
    sse_server.script(
        OPENAI.calls(
            ("s1", "calculator", ['{"expr": "1"}']),
            ("u1", "no_such_tool", ["{}"]),
            ("d1", "current_time", ['{"timezone": "UTC"}']),
        ),
        OPENAI.text("Ok."),
    )

    async def decide(pending: PendingCall) -> Decision:
        return Deny("not today") if pending.call.id == "d1" else await run_all(pending)

    recording = await run_loop(OPENAI.endpoint(sse_server), approve=decide)
    schema, unknown, denied = recording.inspection.tool_calls
    assert schema.parse_error is None
    assert schema.schema_problems == (
        "$: 'expression' is a required property",
        "$: Additional properties are not allowed ('expr' was unexpected)",
    )
    assert schema.state == "failed"
    assert not unknown.known_tool
    assert unknown.approval is None
    assert unknown.is_error
    assert "no tool named" in str(unknown.result)
    assert denied.approval == "denied"
    assert denied.denial_reason == "not today"
    assert denied.result == "Not run: not today."
    assert denied.state == "denied"
    assert denied.duration == 0.0


async def test_edited_and_always_allowed_calls(sse_server: ScriptedServer) -> None:
    sse_server.script(
        OPENAI.calls(("e1", "calculator", ['{"expression": "1+1"}'])),
        OPENAI.calls(("a1", "calculator", ['{"expression": "2+2"}'])),
        OPENAI.calls(("a2", "calculator", ['{"expression": "3+3"}'])),
        OPENAI.text("Done."),
    )
    answers: list[Decision] = [Edit('{"expression": "6*7"}'), AlwaysAllow()]

    async def decide(pending: PendingCall) -> Decision:
        return answers.pop(0)

    recording = await run_loop(OPENAI.endpoint(sse_server), approve=decide)
    edited, asked, always = recording.inspection.tool_calls
    assert (edited.approval, edited.edited_arguments, edited.result) == (
        "edited",
        '{"expression": "6*7"}',
        "42",
    )
    assert edited.arguments == '{"expression": "1+1"}'  # what the model sent stays visible
    assert (asked.approval, always.approval) == ("asked", "always")
    assert [t.step for t in recording.inspection.requests] == [1, 2, 3, 4]


async def test_the_step_limit_marks_calls_not_run(sse_server: ScriptedServer) -> None:
    sse_server.script(ANTHROPIC.calls(("x1", "calculator", ['{"expression": "1"}'])))
    recording = await run_loop(ANTHROPIC.endpoint(sse_server), max_steps=1)
    (call,) = recording.inspection.tool_calls
    assert call.state == "not run (step limit)"
    assert recording.inspection.entries[-1].kind == "step"
    assert "Step limit of 1 reached" in recording.inspection.entries[-1].summary


async def test_the_key_is_scrubbed_even_where_a_server_echoes_it(
    sse_server: ScriptedServer,
) -> None:
    echo = openai_stream([f"your key is {KEY}"])
    sse_server.script(Reply(chunks=echo, headers={"X-Echo-Token": KEY}))
    recording = Recording(secrets=[KEY])
    await asyncio.wait_for(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording), TIMEOUT)
    assert KEY in repr(recording.events)  # the stream really carried it
    dump = everything(recording.inspection)
    assert KEY not in dump
    assert "your key is [redacted]" in dump
    (trace,) = recording.inspection.requests
    assert dict(trace.response_headers)["x-echo-token"] == "[redacted]"


async def test_a_key_added_once_the_turn_began_is_scrubbed_too(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=openai_stream([f"your key is {KEY}"])))
    recording = Recording()
    recording.inspection.add_secret(KEY)  # the window learns the key when the turn reads it
    await asyncio.wait_for(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording), TIMEOUT)
    assert KEY in repr(recording.events)
    assert KEY not in everything(recording.inspection)


async def test_a_final_failure_is_recorded(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(status=401, body=b'{"error": {"message": "bad key"}}'))
    recording = Recording()
    engine = make_engine()
    with pytest.raises(Exception, match="bad key") as failure:
        await asyncio.wait_for(run_turn(engine, ANTHROPIC.endpoint(sse_server), recording), TIMEOUT)
    recording.inspection.finish(failure.value)
    (trace,) = recording.inspection.requests
    assert (trace.status, trace.outcome) == (401, "failed")
    assert recording.inspection.entries[-1].kind == "error"
    assert recording.inspection.finished
    assert recording.inspection.error is not None
    assert "bad key" in recording.inspection.error


def test_a_stop_by_the_user_is_recorded_as_stopped_not_as_an_error() -> None:
    stopped = Inspection()
    stopped.feed(AttemptStarted(1, 4), 0.5)
    stopped.feed(TextDelta("x"), 1.0)
    stopped.stopped_by_user(2.0)
    (request,) = stopped.requests
    assert request.outcome == "stopped"
    assert request.error is None
    assert "stopped by you" in request.summary_line()
    assert (stopped.stopped, stopped.error, stopped.finished) == (True, None, True)
    last = stopped.entries[-1]
    assert (last.kind, last.summary) == ("stop", "Stopped by you")
    assert all(entry.kind != "error" for entry in stopped.entries)
    assert json.loads(jsonl_lines(stopped).splitlines()[-1])["kind"] == "stop"


def test_feed_never_raises_and_counts_faults(caplog: pytest.LogCaptureFixture) -> None:
    from desktop_chat.tools.events import ToolCallReady

    inspection = Inspection()
    inspection.feed(None, 0.0)
    inspection.feed("not an event", 0.0)
    inspection.feed(ToolCallDelta(7, "orphan piece"), 0.1)  # no ToolCallStart before it
    with caplog.at_level(logging.WARNING, logger="desktop_chat.inspector.inspection"):
        inspection.feed(ToolCallReady(1, None, None, None, None, ()), 0.2)  # type: ignore[arg-type]
        inspection.feed(ToolCallReady(1, None, None, None, None, ()), 0.3)  # type: ignore[arg-type]
    assert inspection.faults == 2
    assert len(caplog.records) == 1  # logged once, not per event
    assert inspection.revision == 5
    assert inspection.entries[-1].summary == "#7 arguments += 'orphan piece'"


def test_feeding_is_cheap_and_every_event_raises_the_revision() -> None:
    inspection = Inspection(secrets=[KEY])
    data = json.dumps({"choices": [{"delta": {"content": "token"}}]})
    events: list[object] = []
    for n in range(20_000):
        events += [WireEvent("message", data, "", n / 1000), TextDelta("token")]
    started = time.perf_counter()
    for n, event in enumerate(events):
        inspection.feed(event, 100.0 + n / 2000)
    elapsed = time.perf_counter() - started
    assert inspection.revision == len(events)
    assert len(inspection.entries) == len(events)
    assert elapsed < 2.0, f"40,000 events took {elapsed:.2f} s"
    (trace,) = inspection.requests
    assert trace.first_token == 0.0
    assert trace.last_token == pytest.approx(19.999)


def test_sse_raw_text_keeps_event_names_and_ids() -> None:
    inspection = Inspection()
    inspection.feed(WireEvent("ping", '{"type": "ping"}', "7", 0.5), 1.0)
    (entry,) = inspection.entries
    assert entry.raw() == 'event: ping\ndata: {"type": "ping"}\nid: 7'
    assert entry.parsed() == {"type": "ping"}


def test_redacted_thinking_is_recorded_without_its_data() -> None:
    inspection = Inspection()
    inspection.feed(RedactedThinking("EncryptedOpaqueBlob==", 1), 0.5)
    (entry,) = inspection.entries
    assert entry.kind == "reasoning"
    assert "Redacted thinking" in entry.summary
    assert "EncryptedOpaqueBlob" not in entry.summary
    assert inspection.faults == 0


async def test_thinking_is_in_the_request_and_cache_counts_in_the_usage(
    sse_server: ScriptedServer,
) -> None:
    from dataclasses import replace

    from desktop_chat.core.conversation import Conversation, Message
    from desktop_chat.core.engine import ChatRequest
    from tests.support.streams import anthropic_stream

    sse_server.script(Reply(chunks=anthropic_stream(["ok"], cache=(3000, 200))))
    recording = Recording()
    endpoint = replace(ANTHROPIC.endpoint(sse_server), thinking_budget=1024, prompt_caching=True)
    question = ChatRequest("claude", Conversation("sys", [Message("user", "hi")]), 4096)
    await asyncio.wait_for(run_turn(make_engine(), endpoint, recording, question), TIMEOUT)
    (trace,) = recording.inspection.requests
    assert json.loads(trace.body)["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    (usage, *_) = [e.summary for e in trace.entries if e.kind == "usage"]
    assert usage == (
        "Tokens in 3212, out 1; 3000 of the input read from the prompt cache; 200 written to it"
    )
