"""One step of a tool turn as the conversation keeps it: the calls, their states, their results.

A step of the tool loop becomes two messages, the same the loop sends back: the assistant's (its
text and the calls it asked for) and the tool message with the results. The step follows the
loop's reports (ready, approved, denied, started, finished, the step limit) and keeps the results
message in step with the calls that have ended. When the turn is stopped or fails with calls
unanswered, they get error results, so the conversation stays valid for the next request.
Qt-free: the window draws the `CallRecord`s as they change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop_chat.core.conversation import AssistantTurn, Message, ToolCall, ToolResult
from desktop_chat.i18n import N_, _

# state -> (symbol, words, marked for translation); "done" and the failures add their duration.
STATES = {
    "streaming": ("…", N_("arriving")),
    "queued": ("…", N_("waiting for its turn to be approved")),
    "waiting": ("●", N_("waiting for approval")),
    "approved": ("…", N_("approved, starting")),
    "running": ("▶", N_("running")),
    "done": ("✓", N_("done")),
    "failed": ("✗", N_("failed")),
    "denied": ("⊘", N_("denied")),
    "cancelled": ("■", N_("cancelled")),
    "stopped": ("■", N_("stopped with the answer")),
    "not run": ("⊘", N_("not run")),
}
FINAL_STATES = {"done", "failed", "denied", "cancelled", "stopped", "not run"}


@dataclass(slots=True)
class CallRecord:
    """One call of a step: `arguments` is the raw string the model sent (or the edited one)."""

    call_id: str
    name: str
    origin: str = ""
    arguments: str = ""
    state: str = "queued"
    problem: str = ""  # why the arguments cannot be used as they are
    how: str = ""  # "edited" or "always" when approval was not a plain Run
    result: str = ""
    is_error: bool = False
    duration: float | None = None
    expanded: bool = False  # its whole result is shown (the transcript's choice, kept here)

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    def state_text(self) -> str:
        """The state in words: "done in 0.42 s", "waiting for approval", ..."""
        _symbol, words = STATES.get(self.state, ("", self.state))
        words = _(words)
        if self.duration is not None and self.state in ("done", "failed", "cancelled"):
            took = (
                _("{state} in {seconds} s")
                if self.state == "done"
                else _("{state} after {seconds} s")
            )
            words = took.format(state=words, seconds=f"{self.duration:.2f}")
        if self.how == "edited":
            words = _("{state} (arguments edited)").format(state=words)
        elif self.how == "always":
            words = _("{state} (always allowed)").format(state=words)
        return words


class ToolStep:
    """The calls of one step and the messages they go into (None until the step has calls)."""

    def __init__(
        self,
        assistant: Message | None = None,
        calls: list[CallRecord] | None = None,
    ) -> None:
        self.assistant = assistant  # the step's message with the calls
        self.results = None if assistant is None else Message("tool")
        self.calls: list[CallRecord] = calls or []
        self._by_id = {call.call_id: call for call in self.calls}
        self.step_limit = ""  # what stopped the loop at its step limit, for a person

    @classmethod
    def open(cls, turn: AssistantTurn, origin_of: Callable[[str], str]) -> ToolStep:
        """The step's stream ended with the calls of `turn`."""
        calls = [
            CallRecord(call.id, call.name, origin_of(call.name), call.arguments)
            for call in turn.tool_calls
        ]
        return cls(turn.to_message(), calls)

    def call(self, call_id: str, name: str = "", arguments: str = "") -> CallRecord:
        record = self._by_id.get(call_id)
        if record is None:  # a call the stream did not show (should not happen): keep it anyway
            record = self._by_id[call_id] = CallRecord(call_id, name, arguments=arguments)
            self.calls.append(record)
        return record

    def ready(self, call: ToolCall, origin: str | None, problem: str) -> None:
        """The loop has the call's tool (`origin`; None: no such tool offered) and checked it."""
        record = self.call(call.id, call.name, call.arguments)
        record.origin = origin if origin is not None else "not offered"
        if problem:
            record.problem = problem
        record.state = "waiting" if origin is not None else "queued"

    def approved(self, call_id: str, how: str, arguments: str) -> None:
        record = self.call(call_id)
        if how == "edited":
            record.arguments, record.problem = arguments, ""
            self._mirror_edit(call_id, arguments)
        record.how = how if how != "asked" else ""
        record.state = "approved"

    def denied(self, call_id: str) -> None:
        self.call(call_id).state = "denied"

    def started(self, call_id: str) -> None:
        self.call(call_id).state = "running"

    def finished(
        self, call_id: str, result: str, is_error: bool, duration: float, *, cancelled: bool
    ) -> None:
        record = self.call(call_id)
        record.result, record.is_error = result, is_error
        if record.state == "running":
            record.duration = duration
            cancelled = is_error and cancelled
            record.state = "cancelled" if cancelled else ("failed" if is_error else "done")
        elif record.state != "denied":
            record.state = "not run"
        self.store_results()

    def limit_reached(self, max_steps: int, unanswered: Sequence[ToolCall]) -> str:
        """The loop stopped at its step limit: the calls left get error results; say so."""
        reason = _("Not run: the limit of {count} steps was reached.").format(count=max_steps)
        for call in unanswered:
            record = self.call(call.id, call.name, call.arguments)
            record.state, record.result, record.is_error = "not run", reason, True
        self.store_results()
        names = ", ".join(dict.fromkeys(call.name for call in unanswered))
        self.step_limit = _(
            "Stopped after {count} steps: the model still wanted to call {names}. "
            "Those calls were not run; send a message to let it continue."
        ).format(count=max_steps, names=names)
        return self.step_limit

    def end(self, outcome: str) -> bool:
        """The turn ended (`outcome`): unanswered calls get error results. True if any had none."""
        unanswered = [record for record in self.calls if not record.finished]
        for record in unanswered:
            record.state = "stopped" if outcome == "stopped" else "not run"
            record.is_error = True
            record.result = (
                _("Not run: the user stopped the answer.")
                if outcome == "stopped"
                else _("Not run: the answer failed before this call ran.")
            )
        if unanswered:
            self.store_results()
        return bool(unanswered)

    def store_results(self) -> None:
        if self.results is not None:
            self.results.tool_results = [
                ToolResult(record.call_id, record.result, record.is_error)
                for record in self.calls
                if record.finished
            ]

    def _mirror_edit(self, call_id: str, arguments: str) -> None:
        """The loop sends edited arguments back as the call's own: keep the message the same."""
        if self.assistant is not None:
            for call in self.assistant.tool_calls:
                if call.id == call_id:
                    call.arguments = arguments


def closing_message(turn: AssistantTurn, outcome: str) -> Message:
    """The last entry's message: calls never answered (the turn did not finish) are not kept."""
    message = turn.to_message()
    if outcome != "finished":
        message.tool_calls = []  # calls that were never answered cannot be sent back
    return message
