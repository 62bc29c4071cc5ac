"""Drive the real engine and tool loop against the scripted server, recording an Inspection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.inspector.export import curl_command, jsonl_lines
from desktop_chat.inspector.inspection import Inspection
from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.events import Decision, PendingCall, Run
from desktop_chat.tools.loop import ToolLoop
from desktop_chat.tools.registry import ToolRegistry
from tests.support.engine import Sleeps
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream, responses_stream

KEY = "sk-inspect-0123456789abcdef"
LOOP_TIMEOUT = 15
Call = tuple[str, str, Sequence[str]]  # id, name, argument pieces as streamed


def make_engine(sleeps: Sleeps | None = None, max_retries: int = 3) -> Engine:
    return Engine(
        TransportConfig(connect_timeout=2.0, read_timeout=5.0),
        RetryPolicy(max_retries=max_retries, base_delay=0.5, max_delay=4.0),
        sleep=sleeps or Sleeps(),
        rng=lambda: 0.5,
    )


def request(prompt: str = "question") -> ChatRequest:
    return ChatRequest("m", Conversation("be brief", [Message("user", text=prompt)]))


@dataclass(frozen=True)
class Wire:
    """One protocol's endpoint and stream shapes."""

    protocol: str

    def endpoint(self, server: ScriptedServer) -> EndpointConfig:
        base = server.url if self.protocol == "anthropic" else server.url + "/v1"
        return EndpointConfig(self.protocol, base, KEY)

    def calls(self, *calls: Call, text: Sequence[str] = ()) -> Reply:
        if self.protocol == "openai-responses":
            specs = [{"id": i, "name": n, "argument_pieces": list(p)} for i, n, p in calls]
            return Reply(chunks=responses_stream(list(text), tool_calls=specs))
        if self.protocol == "openai":
            specs = [{"id": i, "name": n, "argument_pieces": list(p)} for i, n, p in calls]
            chunks = openai_stream(list(text), tool_calls=specs, finish_reason="tool_calls")
        else:
            uses = [{"id": i, "name": n, "json_pieces": list(p)} for i, n, p in calls]
            chunks = anthropic_stream(list(text), tool_uses=uses, stop_reason="tool_use")
        return Reply(chunks=chunks)

    def text(self, *pieces: str) -> Reply:
        if self.protocol == "openai-responses":
            return Reply(chunks=responses_stream(list(pieces)))
        if self.protocol == "openai":
            return Reply(chunks=openai_stream(list(pieces)))
        return Reply(chunks=anthropic_stream(list(pieces)))


OPENAI, RESPONSES, ANTHROPIC = Wire("openai"), Wire("openai-responses"), Wire("anthropic")
PROTOCOLS = [OPENAI, RESPONSES, ANTHROPIC]
PROTOCOL_IDS = [wire.protocol for wire in PROTOCOLS]


class Recording:
    """An Inspection fed every event as it arrives, the way the window feeds it."""

    def __init__(self, *, secrets: Sequence[str] = ()) -> None:
        self.inspection = Inspection(secrets=secrets)
        self.events: list[object] = []
        self.after: Callable[[object], None] | None = None

    def __call__(self, event: object) -> None:
        self.events.append(event)
        self.inspection.feed(event, time.monotonic())
        if self.after is not None:
            self.after(event)


async def run_turn(
    engine: Engine, endpoint: EndpointConfig, recording: Recording, req: ChatRequest | None = None
) -> None:
    try:
        await engine.run(endpoint, req or request(), recording, trace=True)
        recording.inspection.finish()
    finally:
        await engine.aclose()


async def run_all(pending: PendingCall) -> Decision:
    return Run()


async def run_loop(
    endpoint: EndpointConfig, recording: Recording | None = None, **options: object
) -> Recording:
    """Run the built-in tools' loop to its end against `endpoint`, recording every event."""
    recording = recording or Recording()
    engine = make_engine()
    loop = ToolLoop(engine, endpoint, ToolRegistry(builtin_entries()), **options)  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(loop.run(request(), recording, trace=True), LOOP_TIMEOUT)
    finally:
        await engine.aclose()
    return recording


def everything(inspection: Inspection) -> str:
    """All the text an Inspection holds or exports, for "the key is nowhere" checks."""
    parts = [jsonl_lines(inspection)]
    for trace in inspection.requests:
        parts += [trace.url, trace.body, repr(trace.headers), repr(trace.response_headers)]
        parts += [str(trace.error), trace.summary_line(), trace.label]
        if trace.method:
            parts.append(curl_command(trace))
    for entry in inspection.entries:
        parts += [repr(entry.event), entry.raw(), entry.summary]
    for call in inspection.tool_calls:
        parts += [call.arguments, str(call.result), str(call.edited_arguments)]
    return "\n".join(parts)
