"""The records an Inspection keeps: timeline entries, HTTP requests and tool calls.

They are built while events stream, so building one stores references and a short summary only;
raw text, parsed JSON and pretty-printing are computed when a view or an export asks for them.
Times are seconds from the start of the entry's request (`t`) or of the whole answer
(`since_start`), both taken from `time.monotonic()` when the event arrived.

Entry kinds, for filtering:
    step       a tool-loop step began, or the step limit stopped the loop
    attempt    an HTTP attempt began
    request    the request as sent (method, URL, redacted headers, JSON body with attachment
               data shortened: attachment_data)
    response   the status line and headers arrived
    sse        one raw server-sent event, with its parsed JSON
    text       a piece of answer text
    reasoning  a piece of reasoning, or a reasoning signature
    tool       a tool call: start, argument deltas, end, check, approval, run, result
    usage      token counts
    stop       the provider's stop reason
    retry      the attempt failed and another follows after a delay
    error      an error in the stream, or the answer's final failure
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field

from desktop_chat.core.conversation import JSONValue
from desktop_chat.core.events import RequestSent, ResponseStarted, WireEvent
from desktop_chat.i18n import N_, _
from desktop_chat.inspector.attachment_data import shown_body, shown_body_text

KINDS = (
    "step",
    "attempt",
    "request",
    "response",
    "sse",
    "text",
    "reasoning",
    "tool",
    "usage",
    "stop",
    "retry",
    "error",
)
REDACTED = "[redacted]"

_SECRET_HEADER = re.compile(
    r"^(authorization|proxy-authorization|cookie|set-cookie)$"
    r"|(^|[-_])(api[-_]?key|key|token|secret|password|auth|session)($|[-_])",
    re.IGNORECASE,
)


def is_secret_header(name: str) -> bool:
    """True for headers that carry credentials (`Authorization`, `x-api-key`, cookies...)."""
    return _SECRET_HEADER.search(name) is not None


def redact_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Return `headers` with the value of every secret-looking header replaced."""
    if not any(is_secret_header(name) for name, _ in headers):
        return headers
    return tuple((name, REDACTED if is_secret_header(name) else value) for name, value in headers)


def format_seconds(value: float | None) -> str:
    """A duration for a person: "—", "850 µs", "12.3 ms" or "1.234 s"."""
    if value is None:
        return "—"
    if value < 0.001:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.3f} s"


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Why a tool call's argument string is not a JSON object, and where (1-based line/column)."""

    message: str
    line: int
    column: int
    position: int  # 0-based character offset

    def __str__(self) -> str:
        where = f"line {self.line} column {self.column} (character {self.position})"
        return f"{self.message} at {where}"


def parse_arguments(raw: str) -> tuple[JSONValue, ParseProblem | None]:
    """Parse a tool call's raw arguments; empty means no arguments, as providers send it."""
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Unterminated string starting at" says it already
        return None, ParseProblem(what, exc.lineno, exc.colno, exc.pos)
    if not isinstance(value, dict):
        start = len(raw) - len(raw.lstrip())
        kind = type(value).__name__ if value is not None else "null"
        return None, ParseProblem(f"expected a JSON object, not {kind}", 1, start + 1, start)
    return value, None


@dataclass(slots=True, eq=False)
class Entry:
    """One row of the timeline: what happened, when, in which request; `event` holds the rest."""

    seq: int
    kind: str
    t: float
    since_start: float
    request: RequestTrace | None
    summary: str
    event: object

    @property
    def search_text(self) -> str:
        """What a text search looks at: the summary and, for raw events, their data."""
        data = getattr(self.event, "data", None)
        return f"{self.summary}\n{data}" if isinstance(data, str) else self.summary

    def raw(self) -> str:
        """The entry as it came: the SSE lines, the HTTP message, or the event's own text."""
        event = self.event
        if isinstance(event, WireEvent):
            return sse_text(event)
        if isinstance(event, RequestSent):
            head = [f"{event.method} {event.url}", *(f"{k}: {v}" for k, v in event.headers)]
            return "\n".join(head) + "\n\n" + shown_body_text(event.body)
        if isinstance(event, ResponseStarted):
            return "\n".join([f"HTTP {event.status}", *(f"{k}: {v}" for k, v in event.headers)])
        for attribute in ("text", "arguments", "signature"):
            value = getattr(event, attribute, None)
            if isinstance(value, str):
                return value
        return json.dumps(jsonable(event), ensure_ascii=False)

    def parsed(self) -> JSONValue:
        """The entry as data: an SSE event's JSON, the request with its body parsed, or fields."""
        event = self.event
        if isinstance(event, WireEvent):
            return loads_or_text(event.data)
        if isinstance(event, RequestSent):
            return {
                "method": event.method,
                "url": event.url,
                "headers": dict(event.headers),
                "body": shown_body(event.body),
            }
        if isinstance(event, ResponseStarted):
            headers = dict(event.headers)
            return {"status": event.status, "headers": headers, "elapsed": event.elapsed}
        return jsonable(event)

    def record(self) -> dict[str, JSONValue]:
        """A JSON-ready dict of the entry, as one line of a JSON Lines export."""
        request = self.request
        return {
            "seq": self.seq,
            "t": round(self.t, 6),
            "since_start": round(self.since_start, 6),
            "kind": self.kind,
            "type": type(self.event).__name__,
            "step": request.step if request else None,
            "attempt": request.attempt if request else None,
            "summary": self.summary,
            "raw": self.raw(),
            "parsed": self.parsed(),
        }


@dataclass(slots=True, eq=False)
class ToolCallTrace:
    """One tool call, from its first streamed fragment to the result sent back."""

    id: str
    name: str
    index: int
    step: int
    request: RequestTrace | None
    started_t: float = 0.0  # when its name and id were known, since its request started
    pieces: list[str] = field(default_factory=list)
    complete: bool = False  # every argument delta has arrived
    parsed: JSONValue = None
    parse_error: ParseProblem | None = None
    checked: bool = False  # the tool loop checked it against the tool and its schema
    known_tool: bool = True
    schema_problems: tuple[str, ...] = ()
    approval: str | None = None  # "asked", "edited", "always" or "denied"
    edited_arguments: str | None = None
    denial_reason: str | None = None
    running: bool = False
    result: str | None = None
    is_error: bool = False
    duration: float | None = None
    not_run: str | None = None  # why it never ran (the step limit)
    void: bool = False  # its attempt failed and was retried: the model never made this call

    @property
    def arguments(self) -> str:
        """The argument string as streamed so far."""
        pieces = self.pieces
        if len(pieces) > 1:
            pieces[:] = ["".join(pieces)]  # joined once per look, not once per delta
        return pieces[0] if pieces else ""

    @property
    def state(self) -> str:
        """Where the call is: streaming, complete, checked, approved, denied, running, done..."""
        if self.void:
            return _("discarded (attempt retried)")
        if self.result is not None:
            if self.approval == "denied":
                return _("denied")
            return _("failed") if self.is_error else _("done")
        if self.not_run is not None:
            return _("not run ({reason})").format(reason=self.not_run)
        if self.running:
            return _("running")
        if self.approval is not None:
            if self.approval == "denied":
                return _("denied")
            return _("approved ({how})").format(how=self.approval)
        if self.checked:
            return _("awaiting approval")
        return _("arguments complete") if self.complete else _("streaming arguments")


# The words for a request's outcome, as a person reads them.
OUTCOMES = {
    "streaming": N_("streaming"),
    "done": N_("done"),
    "retried": N_("retried"),
    "failed": N_("failed"),
    "stopped": N_("stopped"),
}


@dataclass(slots=True, eq=False)
class RequestTrace:
    """One HTTP attempt: what was sent, what came back, and its timeline."""

    index: int
    step: int
    attempt: int
    max_attempts: int
    started_at: float  # monotonic; every `t` of this request counts from here
    method: str = ""
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    ttfb: float | None = None
    first_token: float | None = None
    last_token: float | None = None
    stream_end: float = 0.0  # the last engine event of this attempt
    wire_t: float | None = None  # the latest raw event's time: what its parsed events carry
    outcome: str = "streaming"  # then "done", "retried", "failed" or "stopped" (by the user)
    error: str | None = None
    retry_delay: float | None = None
    stop_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    entries: list[Entry] = field(default_factory=list)
    tool_calls: list[ToolCallTrace] = field(default_factory=list)
    calls_by_index: dict[int, ToolCallTrace] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A line for a request picker: step, attempt, status, duration."""
        parts = [_("Step {step}").format(step=self.step)]
        parts.append(_("attempt {attempt}").format(attempt=self.attempt))
        parts.append(f"HTTP {self.status}" if self.status is not None else _("no response"))
        parts.append(format_seconds(self.stream_end))
        if self.outcome != "done":
            parts.append(_(OUTCOMES.get(self.outcome, self.outcome)))
        return " · ".join(parts)

    def summary_line(self) -> str:
        """Status, time to first byte, first and last token, attempt and outcome."""
        if self.status is not None:
            parts = [f"HTTP {self.status}"]
        else:
            parts = [_("no response yet") if self.outcome == "streaming" else _("no response")]
        parts.append(f"TTFB {format_seconds(self.ttfb)}")
        parts.append(_("first token {time}").format(time=format_seconds(self.first_token)))
        parts.append(_("last token {time}").format(time=format_seconds(self.last_token)))
        parts.append(
            _("attempt {attempt} of {attempts}").format(
                attempt=self.attempt, attempts=self.max_attempts
            )
        )
        if self.outcome == "retried" and self.retry_delay is not None:
            parts.append(_("retried after {delay:.2f} s").format(delay=self.retry_delay))
        elif self.outcome == "stopped":
            parts.append(_("stopped by you"))
        elif self.outcome == "failed" and self.error is not None:
            parts.append(_("failed: {error}").format(error=self.error))
        else:
            parts.append(_(OUTCOMES.get(self.outcome, self.outcome)))
        return " · ".join(parts)


def sse_text(event: WireEvent) -> str:
    """An SSE event's lines as they would appear on the wire."""
    lines = [f"event: {event.event}"] if event.event and event.event != "message" else []
    lines += [f"data: {line}" for line in event.data.split("\n")]
    if event.id:
        lines.append(f"id: {event.id}")
    return "\n".join(lines)


def loads_or_text(text: str) -> JSONValue:
    """Parse `text` as JSON; give the text back when it is not JSON (`[DONE]`, a bare word)."""
    try:
        value: JSONValue = json.loads(text)
    except ValueError:
        return text
    return value


def jsonable(value: object, depth: int = 0) -> JSONValue:
    """Turn an event (nested dataclasses, errors, tuples) into plain JSON values."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth > 12:
        return repr(value)
    if isinstance(value, BaseException):
        return {
            "type": type(value).__name__,
            "message": str(value),
            "status": getattr(value, "status", None),
            "retryable": getattr(value, "retryable", None),
            "retry_after": getattr(value, "retry_after", None),
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item, depth + 1) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, JSONValue] = {"type": type(value).__name__}
        for item in dataclasses.fields(value):
            attribute = getattr(value, item.name)
            if not callable(attribute):
                out[item.name] = jsonable(attribute, depth + 1)
        return out
    return str(value)
