"""Run the tool loop without a window: `desktop-chat ask --run-tools`.

Offers the built-in tools, the user-defined ones and those of every configured MCP server (a
server that fails to start is reported and left out), approves calls by policy (`all`, `none`)
or on the terminal (`ask`), and prints one stderr line per call and per result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from desktop_chat.core.conversation import Tool
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ChatError
from desktop_chat.core.events import StreamEvent
from desktop_chat.storage.engine_config import transport_config
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.tool_settings import UserTool
from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.events import (
    Decision,
    Deny,
    LoopEvent,
    LoopResult,
    PendingCall,
    Run,
    Step,
    StepLimitReached,
    StepStarted,
    ToolCallApproved,
    ToolCallFinished,
    ToolCallReady,
)
from desktop_chat.tools.loop import DEFAULT_MAX_STEPS, DEFAULT_TIMEOUT, Approver, ToolLoop
from desktop_chat.tools.offer import declared_entries, server_entries
from desktop_chat.tools.registry import ToolRegistry
from desktop_chat.tools.terminal import TerminalApprover, describe_call, one_line

Policy = Literal["all", "none", "ask"]


@dataclass(frozen=True, slots=True)
class HeadlessOptions:
    approve: Policy = "ask"
    max_steps: int = DEFAULT_MAX_STEPS
    timeout: float = DEFAULT_TIMEOUT
    allow_dirs: tuple[Path, ...] = ()


@dataclass(slots=True)
class HeadlessOutcome:
    """The loop's result, or the error that ended it; `steps` holds every finished step."""

    steps: list[Step]
    result: LoopResult | None = None
    error: ChatError | None = None
    notices: list[str] = field(default_factory=list)


async def run_headless(
    engine: Engine,
    endpoint: EndpointConfig,
    request: ChatRequest,
    settings: Settings,
    options: HeadlessOptions,
    *,
    on_stream: Callable[[StreamEvent], object],
    end_line: Callable[[], object],
    inp: TextIO,
    err: TextIO,
    persist_always_allow: Callable[[str], object] | None = None,
    keystore: KeyStore | None = None,
) -> HeadlessOutcome:
    """Offer the tools, run the loop, close every MCP server; never raises ChatError."""
    from desktop_chat.tools.mcp_client import McpHub

    registry = ToolRegistry(builtin_entries(options.allow_dirs))
    outcome = HeadlessOutcome([])
    declared: list[UserTool | Tool] = [*settings.tools.user_tools, *request.tools]
    for entry in declared_entries(declared, outcome.notices):
        registry.add(entry)
    hub = McpHub(
        settings.tools.mcp_servers, network=transport_config(settings.network), keystore=keystore
    )
    try:
        for entry in await server_entries(hub, outcome.notices):
            registry.add(entry)
        for notice in outcome.notices:
            err.write(f"desktop-chat: warning: {notice}\n")
        terminal = TerminalApprover(inp, err)
        policy = options.approve
        loop = ToolLoop(
            engine,
            endpoint,
            registry,
            approve=terminal.approve if policy == "ask" else _fixed(policy),
            answer=terminal.answer if policy == "ask" else None,
            always_allowed=settings.tools.always_allow if policy == "ask" else (),
            on_always_allow=persist_always_allow,
            max_steps=options.max_steps,
            timeout=options.timeout,
        )
        outcome.steps = loop.steps
        printer = _LoopPrinter(err, on_stream, end_line, quiet_ready=policy == "ask")
        try:
            outcome.result = await loop.run(request, printer.on_event)
        except ChatError as exc:
            outcome.error = exc
    finally:
        await hub.aclose()
    return outcome


def _fixed(policy: Policy) -> Approver:
    async def decide(pending: PendingCall) -> Decision:
        return Run() if policy == "all" else Deny("calls are not allowed (--approve none)")

    return decide


class _LoopPrinter:
    """Stream events to the ask printer; loop events as one stderr line each."""

    def __init__(
        self,
        err: TextIO,
        on_stream: Callable[[StreamEvent], object],
        end_line: Callable[[], object],
        *,
        quiet_ready: bool,
    ) -> None:
        self._err = err
        self._on_stream = on_stream
        self._end_line = end_line
        self._quiet_ready = quiet_ready  # the terminal prompt already shows the call
        self._names: dict[str, str] = {}

    def on_event(self, event: StreamEvent | LoopEvent) -> None:
        if isinstance(event, StepStarted):
            self._end_line()
        elif isinstance(event, ToolCallReady):
            self._names[event.call.id] = event.call.name
            if not self._quiet_ready:
                pending = PendingCall(event.step, event.call, event.tool, event.arguments,
                                      event.parse_error, event.schema_errors)  # fmt: skip
                self._line(f"tool call: {describe_call(pending)}")
        elif isinstance(event, ToolCallApproved):
            if event.how == "edited":
                self._line(f"tool call edited: {one_line(event.arguments)}")
        elif isinstance(event, ToolCallFinished):
            kind = "tool error" if event.is_error else "tool result"
            name = self._names.get(event.call_id, event.call_id)
            self._line(f"{kind}: {name} -> {one_line(event.result.content)}")
        elif isinstance(event, StepLimitReached):
            names = ", ".join(call.name for call in event.unanswered)
            self._line(
                f"desktop-chat: stopped after {event.max_steps} steps (--max-steps); "
                f"the model still asked for: {names}"
            )
        elif not isinstance(event, LoopEvent):
            self._on_stream(event)

    def _line(self, text: str) -> None:
        self._end_line()
        self._err.write(text + "\n")
        self._err.flush()


def steps_json(steps: Sequence[Step]) -> list[dict[str, object]]:
    """The `"steps"` field of `ask --json`: each step that called tools, with each call."""
    return [
        {
            "text": step.turn.text,
            "tool_calls": [
                {
                    "id": record.call.id,
                    "name": record.call.name,
                    "arguments": record.call.arguments,
                    "result": record.result.content,
                    "is_error": record.result.is_error,
                    "approved": record.approved,
                }
                for record in step.calls
            ],
        }
        for step in steps
        if step.calls
    ]
