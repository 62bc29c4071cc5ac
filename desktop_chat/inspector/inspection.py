"""Fold everything one assistant answer did into requests, timeline entries and tool calls.

`Inspection.feed` is called from inside the engine's event callback for every event (the
engine's StreamEvents and the tool loop's LoopEvents, interleaved), so it does O(1) work per
event: one dict lookup, a few attribute writes and one short summary string; anything costly
(joining argument pieces, parsing, pretty-printing) waits until a view asks. It never raises:
a fault is counted and logged once, and the answer streams on.

A view polls `revision`, which grows on every change, and reads `entries` from where it left
off: the list is append-only. Every header that looks secret is redacted again here, and any
`secrets` given (the API key) are replaced wherever they appear in stored text.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable

from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    ReasoningSignature,
    RedactedThinking,
    RequestSent,
    ResponseStarted,
    RetryScheduled,
    Stop,
    StreamError,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
    WireEvent,
)
from desktop_chat.i18n import N_, _
from desktop_chat.inspector.tool_calls import LoopCallEvent, ToolCallBook
from desktop_chat.inspector.trace import (
    REDACTED,
    Entry,
    RequestTrace,
    ToolCallTrace,
    parse_arguments,
    redact_headers,
)
from desktop_chat.tools.events import (
    StepLimitReached,
    StepStarted,
    ToolCallApproved,
    ToolCallDenied,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
)

log = logging.getLogger(__name__)

SUMMARY_CHARS = 160
STOPPED_BY_USER = N_("Stopped by you")

Handler = Callable[[object, float], None]


class Inspection:
    """Everything one answer did: its steps, HTTP attempts, raw and parsed events, tool calls."""

    def __init__(self, *, secrets: Iterable[str] = ()) -> None:
        self.entries: list[Entry] = []  # append-only, in arrival order
        self.requests: list[RequestTrace] = []  # one per HTTP attempt
        self.revision = 0
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.error: str | None = None
        self.stopped = False  # by the user: not an error
        self.faults = 0
        self._secrets = tuple(secret for secret in secrets if secret)
        self._step = 1
        self._request: RequestTrace | None = None
        self._book = ToolCallBook(self._scrub)
        self._handlers: dict[type, Handler] = {
            StepStarted: self._step_started,
            AttemptStarted: self._attempt_started,
            RequestSent: self._request_sent,
            ResponseStarted: self._response_started,
            WireEvent: self._wire,
            TextDelta: self._text,
            ReasoningDelta: self._reasoning,
            ReasoningSignature: self._signature,
            RedactedThinking: self._redacted,
            ToolCallStart: self._call_start,
            ToolCallDelta: self._call_delta,
            ToolCallEnd: self._call_end,
            Usage: self._usage,
            Stop: self._stop,
            StreamError: self._stream_error,
            RetryScheduled: self._retry,
            ToolCallReady: self._loop_event,
            ToolCallApproved: self._loop_event,
            ToolCallDenied: self._loop_event,
            ToolCallStarted: self._loop_event,
            ToolCallFinished: self._loop_event,
            StepLimitReached: self._loop_event,
        }

    # --- the public face ---------------------------------------------------------------------

    def feed(self, event: object, at: float | None = None) -> None:
        """Record `event`, which arrived at `at` (time.monotonic(); now when None)."""
        if at is None:
            at = time.monotonic()
        try:
            handler = self._handlers.get(type(event))
            if handler is not None:
                if self.started_at is None:
                    self.started_at = at
                handler(event, at)
        except Exception:  # the inspector must never break the answer it watches
            self.faults += 1
            if self.faults == 1:
                log.warning("the inspector could not record %r", event, exc_info=True)
        self.revision += 1

    def add_secret(self, secret: str) -> None:
        """Also replace `secret` in what is recorded from now on (a key read after the start)."""
        if secret and secret not in self._secrets:
            self._secrets = (*self._secrets, secret)

    def finish(self, error: BaseException | str | None = None, at: float | None = None) -> None:
        """The answer ended: normally (None) or with a failure."""
        at = self._end(at)
        request = self._request
        if error is not None:
            text = self._scrub(str(error) or type(error).__name__)
            self.error = text
            if request is not None and request.outcome in ("streaming", "done"):
                request.outcome = "failed"
                request.error = text
            self._add("error", at, _("Failed: {error}").format(error=text), text)
        elif request is not None and request.outcome == "streaming":
            request.outcome = "done"
        self.revision += 1

    def stopped_by_user(self, at: float | None = None) -> None:
        """The user stopped the answer: it ends as they asked, which is no failure."""
        at = self._end(at)
        self.stopped = True
        request = self._request
        if request is not None and request.outcome == "streaming":
            request.outcome = "stopped"
        self._add("stop", at, _(STOPPED_BY_USER), _(STOPPED_BY_USER))
        self.revision += 1

    @property
    def tool_calls(self) -> list[ToolCallTrace]:
        """Every tool call, in the order they began (calls of retried attempts included)."""
        return self._book.calls

    @property
    def latest(self) -> RequestTrace | None:
        """The most recent HTTP attempt."""
        return self.requests[-1] if self.requests else None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    # --- recording ---------------------------------------------------------------------------

    def _add(
        self,
        kind: str,
        at: float,
        summary: str,
        event: object,
        request: RequestTrace | None = None,
        t: float | None = None,
    ) -> Entry:
        start = self.started_at if self.started_at is not None else at
        if t is None:
            t = at - (request.started_at if request is not None else start)
        entry = Entry(len(self.entries), kind, t, at - start, request, summary, event)
        self.entries.append(entry)
        if request is not None:
            request.entries.append(entry)
        return entry

    def _end(self, at: float | None) -> float:
        if at is None:
            at = time.monotonic()
        if self.started_at is None:
            self.started_at = at
        self.finished_at = at
        return at

    def _current(self, at: float) -> RequestTrace:
        """The request being streamed; one is opened when events come without AttemptStarted."""
        if self._request is None:
            self._open(1, 1, at)
        assert self._request is not None
        return self._request

    def _open(self, attempt: int, max_attempts: int, at: float) -> RequestTrace:
        self._close()
        request = RequestTrace(len(self.requests), self._step, attempt, max_attempts, at)
        self.requests.append(request)
        self._request = request
        return request

    def _close(self) -> None:
        if self._request is not None and self._request.outcome == "streaming":
            self._request.outcome = "done"
        self._request = None

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def _token(self, request: RequestTrace, at: float) -> float:
        """Time a streamed piece: the raw event that carried it, else its arrival."""
        t = request.wire_t if request.wire_t is not None else at - request.started_at
        if request.first_token is None:
            request.first_token = t
        request.last_token = t
        request.stream_end = max(request.stream_end, t)
        return t

    # --- engine events -----------------------------------------------------------------------

    def _step_started(self, event: object, at: float) -> None:
        assert isinstance(event, StepStarted)
        self._close()
        self._step = event.step
        summary = _("Step {step} of {steps}").format(step=event.step, steps=event.max_steps)
        self._add("step", at, summary, event)

    def _attempt_started(self, event: object, at: float) -> None:
        assert isinstance(event, AttemptStarted)
        request = self._open(event.attempt, event.max_attempts, at)
        summary = _("Attempt {attempt} of {attempts}").format(
            attempt=event.attempt, attempts=event.max_attempts
        )
        self._add("attempt", at, summary, event, request)

    def _request_sent(self, event: object, at: float) -> None:
        assert isinstance(event, RequestSent)
        request = self._current(at)
        request.started_at = at  # closest to where the engine starts its own clock
        event = dataclasses.replace(
            event,
            url=self._scrub(event.url),
            headers=tuple((k, self._scrub(v)) for k, v in redact_headers(event.headers)),
            body=self._scrub(event.body),
        )
        request.method, request.url = event.method, event.url
        request.headers, request.body = event.headers, event.body
        summary = _("{method} {url} ({count:,} characters)").format(
            method=event.method, url=event.url, count=len(event.body)
        )
        self._add("request", at, summary, event, request, 0.0)

    def _response_started(self, event: object, at: float) -> None:
        assert isinstance(event, ResponseStarted)
        request = self._current(at)
        headers = tuple((k, self._scrub(v)) for k, v in redact_headers(event.headers))
        event = dataclasses.replace(event, headers=headers)
        request.status, request.response_headers = event.status, event.headers
        request.ttfb = request.stream_end = event.elapsed
        kind = next((v for k, v in event.headers if k.lower() == "content-type"), "")
        summary = f"HTTP {event.status} {kind}".rstrip()
        self._add("response", at, summary, event, request, event.elapsed)

    def _wire(self, event: object, at: float) -> None:
        assert isinstance(event, WireEvent)
        request = self._current(at)
        if self._secrets:
            data = self._scrub(event.data)
            if data != event.data:
                event = dataclasses.replace(event, data=data)
        request.wire_t = request.stream_end = event.elapsed
        data = event.data[:SUMMARY_CHARS].replace("\n", "⏎")
        summary = f"{event.event}: {data}" if event.event not in ("", "message") else data
        self._add("sse", at, summary, event, request, event.elapsed)

    def _text(self, event: object, at: float) -> None:
        assert isinstance(event, TextDelta)
        self._piece("text", event, event.text, at)

    def _reasoning(self, event: object, at: float) -> None:
        assert isinstance(event, ReasoningDelta)
        self._piece("reasoning", event, event.text, at)

    def _piece(self, kind: str, event: TextDelta | ReasoningDelta, text: str, at: float) -> None:
        request = self._current(at)
        if self._secrets and self._scrub(text) != text:
            text = self._scrub(text)
            event = dataclasses.replace(event, text=text)
        t = self._token(request, at)
        self._add(kind, at, repr(text[:SUMMARY_CHARS]), event, request, t)

    def _signature(self, event: object, at: float) -> None:
        assert isinstance(event, ReasoningSignature)
        request = self._current(at)
        summary = _("Signature of the reasoning ({count} characters)").format(
            count=len(event.signature)
        )
        self._add("reasoning", at, summary, event, request, self._token(request, at))

    def _redacted(self, event: object, at: float) -> None:
        assert isinstance(event, RedactedThinking)
        request = self._current(at)
        summary = _("Redacted thinking ({count} characters, encrypted)").format(
            count=len(event.data)
        )
        self._add("reasoning", at, summary, event, request, self._token(request, at))

    def _call_start(self, event: object, at: float) -> None:
        assert isinstance(event, ToolCallStart)
        request = self._current(at)
        t = self._token(request, at)
        call = self._book.begin(event.id, event.name, event.index, self._step, request, t)
        request.calls_by_index[event.index] = call
        request.tool_calls.append(call)
        summary = _("Call {name} ({id}) began").format(name=event.name, id=event.id)
        self._add("tool", at, summary, event, request, t)

    def _call_delta(self, event: object, at: float) -> None:
        assert isinstance(event, ToolCallDelta)
        request = self._current(at)
        call = request.calls_by_index.get(event.index)
        t = self._token(request, at)
        if call is not None:
            call.pieces.append(event.arguments)
        name = call.name if call is not None else f"#{event.index}"
        summary = _("{name} arguments += {piece!r}").format(
            name=name, piece=event.arguments[:SUMMARY_CHARS]
        )
        self._add("tool", at, summary, event, request, t)

    def _call_end(self, event: object, at: float) -> None:
        assert isinstance(event, ToolCallEnd)
        request = self._current(at)
        t = request.stream_end
        call = request.calls_by_index.get(event.index)
        if call is None:
            ended = _("Call #{index} ended").format(index=event.index)
            self._add("tool", at, ended, event, request, t)
            return
        call.complete = True
        call.parsed, call.parse_error = parse_arguments(call.arguments)
        if call.parse_error is None:
            summary = _("{name} arguments complete, valid JSON").format(name=call.name)
        else:
            summary = _("{name} arguments complete, not JSON: {problem}").format(
                name=call.name, problem=call.parse_error
            )
        self._add("tool", at, summary, event, request, t)

    def _usage(self, event: object, at: float) -> None:
        assert isinstance(event, Usage)
        request = self._current(at)
        if event.input_tokens is not None:
            request.input_tokens = event.input_tokens
        if event.output_tokens is not None:
            request.output_tokens = event.output_tokens
        counts = [
            count if count is not None else "—"
            for count in (event.input_tokens, event.output_tokens)
        ]
        summary = _("Tokens in {input}, out {output}").format(input=counts[0], output=counts[1])
        if event.cached_input_tokens:
            summary += _("; {count} of the input read from the prompt cache").format(
                count=event.cached_input_tokens
            )
        if event.cache_write_tokens:
            summary += _("; {count} written to it").format(count=event.cache_write_tokens)
        self._add("usage", at, summary, event, request, request.stream_end)

    def _stop(self, event: object, at: float) -> None:
        assert isinstance(event, Stop)
        request = self._current(at)
        request.stop_reason = event.reason
        if request.outcome == "streaming":
            request.outcome = "done"
        stop = _("Stop: {reason}").format(reason=event.reason)
        self._add("stop", at, stop, event, request, request.stream_end)

    def _stream_error(self, event: object, at: float) -> None:
        assert isinstance(event, StreamError)
        request = self._current(at)
        request.outcome = "failed"
        request.error = self._scrub(str(event.error))
        summary = _("Error in the stream: {error}").format(error=request.error)
        self._add("error", at, summary, event, request, request.stream_end)

    def _retry(self, event: object, at: float) -> None:
        assert isinstance(event, RetryScheduled)
        request = self._current(at)
        request.outcome = "retried"
        request.error = self._scrub(str(event.cause))
        request.retry_delay = event.delay
        for call in request.tool_calls:
            call.void = True
        summary = _(
            "Attempt {attempt} of {attempts} failed ({cause}): {error}; retrying in {delay:.2f} s"
        ).format(
            attempt=event.attempt,
            attempts=event.max_attempts,
            cause=event.cause.cause_label,
            error=request.error,
            delay=event.delay,
        )
        self._add("retry", at, summary, event, request)
        self._request = None  # the next AttemptStarted opens the next one

    # --- tool loop events --------------------------------------------------------------------

    def _loop_event(self, event: object, at: float) -> None:
        assert isinstance(event, LoopCallEvent)
        call, summary, stored = self._book.apply(event, self._step)
        kind = "step" if call is None else "tool"
        self._add(kind, at, summary, stored, call.request if call is not None else None)
