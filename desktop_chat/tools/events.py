"""What the tool loop asks for and reports: approval decisions, typed events, step records.

The loop emits these next to the engine's StreamEvents through one callback; the CLI prints them
and the window renders them, neither ever sees how a tool runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_chat.core.conversation import AssistantTurn, JSONValue, ToolCall, ToolResult
from desktop_chat.i18n import _
from desktop_chat.tools.registry import ToolEntry
from desktop_chat.tools.schema import SchemaProblem

# --- decisions: what an approver answers for one call ---------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """Run the call with the model's arguments."""


@dataclass(frozen=True, slots=True)
class Edit:
    """Run the call with these arguments (a JSON object as text) instead."""

    arguments: str


@dataclass(frozen=True, slots=True)
class Deny:
    """Do not run the call; the model is told `reason`."""

    reason: str = field(default_factory=lambda: _("the user denied this call"))


@dataclass(frozen=True, slots=True)
class AlwaysAllow:
    """Run the call, and every later call of this tool without asking."""


Decision = Run | Edit | Deny | AlwaysAllow


@dataclass(frozen=True, slots=True)
class PendingCall:
    """A call as checked before approval: its tool, its parsed arguments or what is wrong."""

    step: int
    call: ToolCall
    tool: ToolEntry | None  # None: the model named a tool that is not offered
    arguments: dict[str, JSONValue] | None  # None when the raw string is not a JSON object
    parse_error: str | None = None
    schema_errors: tuple[SchemaProblem, ...] = ()

    @property
    def valid(self) -> bool:
        return self.tool is not None and self.arguments is not None and not self.schema_errors


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepStarted:
    """Step `step` begins: one request to the model (its StreamEvents follow)."""

    step: int
    max_steps: int


@dataclass(frozen=True, slots=True)
class ToolCallReady:
    """The model's call is complete and checked; approval comes next."""

    step: int
    call: ToolCall
    tool: ToolEntry | None
    arguments: dict[str, JSONValue] | None
    parse_error: str | None
    schema_errors: tuple[SchemaProblem, ...]


@dataclass(frozen=True, slots=True)
class ToolCallApproved:
    """The call will run with `arguments`; `how` is "asked", "edited" or "always"."""

    call_id: str
    arguments: str
    how: str


@dataclass(frozen=True, slots=True)
class ToolCallDenied:
    call_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    call_id: str


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    """The call's result is known (an error result for failures, denials and timeouts)."""

    call_id: str
    result: ToolResult
    duration: float
    is_error: bool


@dataclass(frozen=True, slots=True)
class StepLimitReached:
    """The model still wanted tools after `max_steps` steps; `unanswered` were not run."""

    max_steps: int
    unanswered: tuple[ToolCall, ...]


LoopEvent = (
    StepStarted
    | ToolCallReady
    | ToolCallApproved
    | ToolCallDenied
    | ToolCallStarted
    | ToolCallFinished
    | StepLimitReached
)


# --- records ----------------------------------------------------------------------------------


@dataclass(slots=True)
class CallRecord:
    """One call of a step: `call` holds the arguments actually used (edited ones included)."""

    call: ToolCall
    tool: ToolEntry | None
    approved: bool
    result: ToolResult
    duration: float = 0.0


@dataclass(slots=True)
class Step:
    """One model turn and the calls it made."""

    turn: AssistantTurn
    calls: list[CallRecord] = field(default_factory=list)


@dataclass(slots=True)
class LoopResult:
    """The final turn, every step before it, and whether the step limit ended the loop."""

    turn: AssistantTurn
    steps: list[Step]
    step_limit_reached: bool = False
