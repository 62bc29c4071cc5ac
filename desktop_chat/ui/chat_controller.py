"""The conversation on screen: the window's Qt adapter of the session's `ChatSession`.

The conversation and its rules (the messages, edit and resend, regenerate, retry) live in
session/chat.py; the controller subscribes to it and mirrors each change in the transcript, wires
the composer and the transcript's buttons to it, starts turns through the bridge and renders the
bridge's events into the transcript and the status bar. Rendering is guarded: an exception while
drawing is logged and reported once per turn, and the stream goes on, since the bridge only hands
over events and never waits for the view.

With tools enabled (a ToolSession), a turn runs the tool loop and becomes several entries: per
step an assistant entry and a tool entry, then the final answer (tools/turn.py). An observer
factory (the inspector) gets every event of each turn, trace included, as it arrives.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from desktop_chat.core.conversation import AssistantTurn, Conversation, Message
from desktop_chat.core.errors import ChatError
from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    RetryScheduled,
    StreamEvent,
    TextDelta,
)
from desktop_chat.session.chat import ChatSession
from desktop_chat.session.target import TargetError
from desktop_chat.ui.bridge import Observer, TurnBridge, TurnRunner, engine_turn
from desktop_chat.ui.chat.composer import Composer
from desktop_chat.ui.chat.status_bar import StatusBar
from desktop_chat.ui.chat.transcript import Transcript

if TYPE_CHECKING:
    from desktop_chat.core.engine import Engine
    from desktop_chat.session.target import Target
    from desktop_chat.ui.tools.session import ToolSession
    from desktop_chat.ui.tools.turn import ToolTurnView

log = logging.getLogger(__name__)

# Called as a turn starts with the transcript index of its (first) assistant entry; the callback
# it returns (or None) receives every event of that turn with its time.monotonic() arrival time.
ObserverFactory = Callable[[int], Observer | None]

_CUT_OFF = {"max_tokens", "length"}


class ChatController(QObject):
    """Show a `ChatSession` and run its turns; `resolve` says where a turn goes, `options` how.

    `resolve()` returns the engine and target of the next turn (or raises TargetError);
    `options()` the system prompt, temperature and max tokens it is sent with.
    """

    turn_ended = Signal(str)  # "finished" | "failed" | "stopped"
    render_failed = Signal(str)  # a rendering error, reported once per turn
    inspect_requested = Signal(int)  # transcript index of the assistant message to inspect

    def __init__(
        self,
        transcript: Transcript,
        composer: Composer,
        status: StatusBar,
        resolve: Callable[[], tuple[Engine, Target]],
        options: Callable[[], tuple[str, float | None, int]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.transcript = transcript
        self.composer = composer
        self.status = status
        self.bridge = TurnBridge(self)
        self.session = ChatSession()
        self._resolve = resolve
        self._options = options  # (system prompt, temperature, max tokens)
        self._render_error_shown = False
        self._retry_deadline = 0.0
        self._retry_cause = ""
        self._retry_template = ""
        self._retry_text = ""
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick_countdown)
        self.tools: ToolSession | None = None
        self._tool_turn: ToolTurnView | None = None
        self._observer_factory: ObserverFactory | None = None
        self._explain: Callable[[ChatError], ChatError] | None = None

        self.session.truncated.connect(transcript.replace_from)
        self.session.added.connect(self._show_added)
        self.session.answer_started.connect(lambda _index: transcript.begin_assistant())
        self.session.cleared.connect(transcript.clear)
        self.bridge.turn_started.connect(self._on_turn_started)
        self.bridge.events_received.connect(self._on_events)
        self.bridge.turn_finished.connect(self._on_turn_finished)
        self.bridge.turn_failed.connect(self._on_turn_failed)
        self.bridge.turn_stopped.connect(self._on_turn_stopped)
        transcript.retry_requested.connect(self.retry)
        transcript.regenerate_requested.connect(self.regenerate)
        transcript.edit_requested.connect(self.begin_edit)
        transcript.copy_requested.connect(self.copy_message)
        transcript.inspect_requested.connect(self.inspect_requested)
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop)
        composer.edit_cancelled.connect(self._on_edit_cancelled)

    @property
    def streaming(self) -> bool:
        return self.bridge.running

    @property
    def messages(self) -> list[Message]:
        """The conversation's messages, one per transcript entry (the session's list)."""
        return self.session.messages

    @property
    def last_error(self) -> str:
        return self.session.last_error

    def set_tools(self, session: ToolSession | None) -> None:
        """Offer the tools `session` enables in the turns from now on (None: no tools)."""
        self.tools = session

    def set_observer_factory(self, factory: ObserverFactory | None) -> None:
        """Have `factory(index)` called as each turn starts; see ObserverFactory."""
        self._observer_factory = factory

    # --- user actions ---------------------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Send `text` as the next user message (replacing from the edited one, when editing)."""
        if self.streaming or not self.session.send(text):
            return False
        self.composer.mark_sent()
        self._start_turn()
        return True

    def stop(self) -> bool:
        """Stop the answer now; what arrived stays, marked as stopped."""
        return self.bridge.stop()

    def retry(self) -> None:
        """Run the failed (or last) turn again, replacing what it showed."""
        if not self.streaming and self.session.retry():
            self._start_turn()

    def regenerate(self) -> None:
        """Answer the last user message again; the old answer stays, marked and no longer sent."""
        if not self.streaming and self.session.regenerate():
            self._start_turn()

    def begin_edit(self, index: int) -> None:
        """Put user message `index` in the composer; sending replaces it and what follows."""
        label = self.session.begin_edit(index)
        if label is not None:
            self.composer.begin_edit(self.session.messages[index].text, label)

    def cancel_edit(self) -> bool:
        if not self.composer.editing:
            return False
        self.composer.cancel_edit()
        return True

    def copy_message(self, index: int) -> None:
        """Copy message `index` to the clipboard as Markdown."""
        QGuiApplication.clipboard().setText(self.transcript.message_markdown(index))
        self.status.showMessage("Message copied as Markdown", 3000)

    def new_chat(self) -> None:
        """Start an empty conversation (stopping any answer in progress)."""
        self.bridge.stop()
        self.composer.cancel_edit()
        self.session.clear()
        if self.tools is not None:
            self.tools.reset()
        self.status.clear_figures()
        self.status.set_state("Ready")

    def conversation(self) -> Conversation:
        """The conversation to send, without replaced answers and empty (failed) ones."""
        return self.session.conversation(self._options()[0])

    # --- turns ----------------------------------------------------------------------------------

    def _start_turn(self) -> None:
        self.session.last_error = ""
        self._render_error_shown = False
        index = self.session.begin_answer()
        try:
            engine, target = self._resolve()
        except (TargetError, ChatError) as exc:
            self._fail(str(exc), AssistantTurn())
            self.turn_ended.emit("failed")
            return
        from desktop_chat.core.providers.base import ChatRequest

        _system, temperature, max_tokens = self._options()
        request = ChatRequest(target.model, self.conversation(), max_tokens, temperature)
        runner: TurnRunner = engine_turn
        self._tool_turn = None
        if self.tools is not None and self.tools.active():
            from desktop_chat.ui.tools.turn import ToolTurnView

            self._tool_turn = ToolTurnView(self.session, self.transcript, self.status, self.tools)
            runner = self.tools.runner()
        self._explain = target.explain
        self.bridge.start(
            engine,
            target.endpoint,
            request,
            key=target.key,
            runner=runner,
            observer=self._observer(index),
        )

    def _observer(self, index: int) -> Observer | None:
        if self._observer_factory is None:
            return None
        try:
            return self._observer_factory(index)
        except Exception:
            log.exception("the observer factory failed; the turn runs unobserved")
            return None

    def _show_added(self, _index: int, message: Message, status: str) -> None:
        self.transcript.add_message(
            message.role, message.text, reasoning=message.reasoning, status=status
        )

    def _on_edit_cancelled(self) -> None:
        self.session.cancel_edit()

    def _on_turn_started(self) -> None:
        self.status.turn_started()
        self.composer.set_streaming(True)

    def _on_events(self, batch: list[StreamEvent]) -> None:
        try:
            self.status.record(batch)
        except Exception as exc:
            log.exception("updating the status bar failed")
            self._render_failed(exc)
        for event in batch:
            try:
                self._render(event)
            except Exception as exc:  # drawing must never end the stream
                log.exception("rendering the answer failed; the stream continues")
                self._render_failed(exc)
        if self._tool_turn is not None:
            try:
                self._tool_turn.flush()
            except Exception as exc:
                log.exception("drawing the tool calls failed; the turn continues")
                self._render_failed(exc)

    def _render(self, event: StreamEvent) -> None:
        if self._tool_turn is not None:
            self._tool_turn.see(event)
        if isinstance(event, TextDelta):
            if self._retry_text:
                self._clear_countdown()
            self.transcript.append_text(event.text)
        elif isinstance(event, ReasoningDelta):
            self.transcript.append_reasoning(event.text)
        elif isinstance(event, RetryScheduled):
            self._start_countdown(event)
        elif isinstance(event, AttemptStarted) and event.attempt > 1:
            self.transcript.reset_stream()
            self._countdown.stop()
            cause = self._retry_cause or "retrying"
            self._retry_text = f"{cause} — attempt {event.attempt} of {event.max_attempts}…"
            self.transcript.set_notice(self._retry_text)

    def _on_turn_finished(self, turn: AssistantTurn) -> None:
        status = ""
        if turn.stop_reason in _CUT_OFF:
            status = "Cut off at the max tokens limit: raise Max tokens for longer answers"
        step_limit = self._tool_turn is not None and bool(self._tool_turn.step_limit)
        self._end_live(turn, lambda: self.transcript.finish(status), "finished")
        self.status.turn_ended("Stopped at the step limit" if step_limit else "Done", turn)
        self.turn_ended.emit("finished")

    def _on_turn_stopped(self, turn: AssistantTurn) -> None:
        self._end_live(turn, lambda: self.transcript.finish("stopped"), "stopped")
        self.status.turn_ended("Stopped", turn)
        self.turn_ended.emit("stopped")

    def _on_turn_failed(self, error: ChatError, partial: AssistantTurn) -> None:
        if self._explain is not None:
            error = self._explain(error)
        self._fail(str(error), partial)
        self.status.turn_ended("Failed", partial)
        self.turn_ended.emit("failed")

    def _fail(self, message: str, partial: AssistantTurn) -> None:
        self.session.last_error = message
        self._end_live(partial, lambda: self.transcript.show_error(message), "failed")

    def _end_live(self, turn: AssistantTurn, draw: Callable[[], None], outcome: str) -> None:
        self._clear_countdown()
        message = turn.to_message()
        tool_turn, self._tool_turn = self._tool_turn, None
        if tool_turn is not None:
            try:
                message = tool_turn.end(outcome, turn)
            except Exception as exc:
                log.exception("closing the tool calls failed")
                self._render_failed(exc)
        self.session.end_answer(message)
        self.composer.set_streaming(False)
        try:
            draw()
        except Exception as exc:
            log.exception("drawing the end of the answer failed")
            self._render_failed(exc)

    def _render_failed(self, exc: Exception) -> None:
        if not self._render_error_shown:
            self._render_error_shown = True
            self.render_failed.emit(
                f"Part of the answer could not be displayed ({type(exc).__name__}: {exc}). "
                "The answer is still received in full."
            )

    # --- retry countdown ------------------------------------------------------------------------

    def _start_countdown(self, event: RetryScheduled) -> None:
        self._retry_deadline = time.monotonic() + event.delay
        self._retry_cause = event.cause.cause_label
        replaced = " (the partial answer will be replaced)" if event.partial_text else ""
        self._retry_template = (
            f"{event.cause.cause_label} — retrying in {{seconds}} s, "
            f"attempt {event.attempt + 1} of {event.max_attempts}{replaced}"
        )
        self._countdown.start()
        self._tick_countdown()

    def _tick_countdown(self) -> None:
        seconds = max(0, math.ceil(self._retry_deadline - time.monotonic()))
        self._retry_text = self._retry_template.format(seconds=seconds)
        self.transcript.set_notice(self._retry_text)
        self.status.set_state(f"Retrying in {seconds} s…")
        if seconds <= 0:
            self._countdown.stop()

    def _clear_countdown(self) -> None:
        self._countdown.stop()
        if self._retry_text:
            self._retry_text = ""
            self.transcript.set_notice("")
