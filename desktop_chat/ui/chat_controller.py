"""The conversation on screen: the window's Qt adapter of the session's `ChatSession`.

The conversation and its rules (the message tree, edit and resend, regenerate, retry, versions)
live in session/chat.py; the controller subscribes to it and mirrors each change in the
transcript, wires the composer and the transcript's buttons to it, starts turns through the bridge
and renders the bridge's events into the transcript and the status bar. Given a HistoryStore, the
session saves as it goes (the answer's deltas reach it from here) and `open_conversation` shows a
saved one again. Rendering is guarded: an exception while
drawing is logged and reported once per turn, and the stream goes on, since the bridge only hands
over events and never waits for the view.

With tools enabled (a ToolSession), a turn runs the tool loop and becomes several entries: per
step an assistant entry and a tool entry, then the final answer (tools/turn.py). An observer
factory (the inspector) gets every event of each turn, trace included, as it arrives.

An answer cut short (stopped, cut at max tokens, failed) offers Continue: the answer streams
again into the same place, its partial text first, then the rest as session/continuation.py
joins it (the "continue" hooks below).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from desktop_chat.core.attachment import limits_for
from desktop_chat.core.conversation import AssistantTurn, Attachment, Conversation, Message
from desktop_chat.core.errors import ChatError
from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    RetryScheduled,
    StreamEvent,
    TextDelta,
)
from desktop_chat.i18n import N_, _
from desktop_chat.session.chat import CUT_OFF, ChatSession
from desktop_chat.session.continuation import ContinuedAnswer, can_continue
from desktop_chat.session.target import TargetError
from desktop_chat.storage.history_schema import HistoryError
from desktop_chat.ui.bridge import Observer, TurnBridge, TurnRunner, engine_turn
from desktop_chat.ui.chat.attachment_check import CachingFitter, problem_before_sending
from desktop_chat.ui.chat.attachment_html import TranscriptAttachments
from desktop_chat.ui.chat.composer import Composer
from desktop_chat.ui.chat.message_block import MessageBlock
from desktop_chat.ui.chat.status_bar import StatusBar
from desktop_chat.ui.chat.top_bar import TurnOptions
from desktop_chat.ui.chat.transcript import Transcript
from desktop_chat.ui.image_fitter import QImageFitter

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from desktop_chat.core.engine import Engine
    from desktop_chat.session.message_tree import Node
    from desktop_chat.session.target import Target
    from desktop_chat.storage.history import HistoryStore
    from desktop_chat.storage.price import ModelPrice
    from desktop_chat.ui.tools.session import ToolSession
    from desktop_chat.ui.tools.turn import ToolTurnView

log = logging.getLogger(__name__)

# Called as a turn starts with the transcript index of its (first) assistant entry; the callback
# it returns (or None) receives every event of that turn with its time.monotonic() arrival time.
ObserverFactory = Callable[[int], Observer | None]

_CUT_OFF = {"max_tokens", "length", "max_output_tokens"}  # Anthropic, Chat Completions, Responses


class ChatController(QObject):
    """Show a `ChatSession` and run its turns; `resolve` says where a turn goes, `options` how.

    `resolve()` returns the engine and target of the next turn (or raises TargetError);
    `options()` the system prompt, temperature, max tokens and reasoning it is sent with
    (a `TurnOptions`; a plain tuple of the first three leaves reasoning to the endpoint).
    """

    turn_ended = Signal(str)  # "finished" | "failed" | "stopped"
    render_failed = Signal(str)  # a rendering error, reported once per turn
    inspect_requested = Signal(int)  # transcript index of the assistant message to inspect
    history_changed = Signal(str)  # a conversation created or changed (its id)
    history_failed = Signal(str)  # the history could not be written or read; for a person

    def __init__(
        self,
        transcript: Transcript,
        composer: Composer,
        status: StatusBar,
        resolve: Callable[[], tuple[Engine, Target]],
        options: Callable[[], tuple[str, float | None, int] | TurnOptions],
        parent: QObject | None = None,
        *,
        history: HistoryStore | None = None,
        endpoint_name: Callable[[], str | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self.transcript = transcript
        self.composer = composer
        self.status = status
        self.bridge = TurnBridge(self)
        self.session = ChatSession(history)
        self._inspected: dict[int, str] = {}  # first entry of each turn observed -> its node
        self.details_box: QMessageBox | None = None  # an earlier session's answer, inspected
        self._batch: list[MessageBlock] | None = None  # messages shown, drawn together after
        self._resolve = resolve
        self._options = options
        self._endpoint_name = endpoint_name  # saved with each answer
        self._price: ModelPrice | None = None  # the user's price for the turn's model
        self._render_error_shown = False
        self._retry_deadline = 0.0
        self._retry_cause = ""
        self._retry_template = ""
        self._retry_values: dict[str, object] = {}
        self._retry_text = ""
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick_countdown)
        self.tools: ToolSession | None = None
        self._tool_turn: ToolTurnView | None = None
        self._observer_factory: ObserverFactory | None = None
        self._explain: Callable[[ChatError], ChatError] | None = None
        self._continued: ContinuedAnswer | None = None  # the answer a Continue streams into
        self.image_fitter = CachingFitter(QImageFitter())
        self.attachment_view = TranscriptAttachments(transcript.view, lambda: self.messages, self)

        self.session.truncated.connect(transcript.replace_from)
        self.session.added.connect(self._show_added)
        self.session.answer_started.connect(
            lambda index: transcript.begin_assistant(self.session.versions(index))
        )
        self.session.cleared.connect(transcript.clear)
        self.session.saved.connect(self.history_changed.emit)
        self.session.history_failed.connect(self.history_failed.emit)
        self.bridge.turn_started.connect(self._on_turn_started)
        self.bridge.events_received.connect(self._on_events)
        self.bridge.turn_finished.connect(self._on_turn_finished)
        self.bridge.turn_failed.connect(self._on_turn_failed)
        self.bridge.turn_stopped.connect(self._on_turn_stopped)
        transcript.retry_requested.connect(self.retry)
        transcript.regenerate_requested.connect(self.regenerate)
        transcript.continue_requested.connect(self.continue_answer)
        transcript.edit_requested.connect(self.begin_edit)
        transcript.copy_requested.connect(self.copy_message)
        transcript.inspect_requested.connect(self._on_inspect_requested)
        transcript.version_requested.connect(self.switch_version)
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop)
        composer.edit_cancelled.connect(self._on_edit_cancelled)
        composer.attachments_changed.connect(self._prepare_images)

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

    @property
    def conversation_id(self) -> str | None:
        """The saved conversation shown (None for a new chat not yet sent, or no history)."""
        return self.session.conversation_id

    def set_tools(self, session: ToolSession | None) -> None:
        """Offer the tools `session` enables in the turns from now on (None: no tools)."""
        self.tools = session

    def set_observer_factory(self, factory: ObserverFactory | None) -> None:
        """Have `factory(index)` called as each turn starts; see ObserverFactory."""
        self._observer_factory = factory

    # --- user actions ---------------------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Send `text` and the composer's attachments as the next user message (replacing from
        the edited one, when editing); attachments that cannot go are said in the composer."""
        attachments = self.composer.attachments()
        if self.streaming or self._attachment_problem(text, attachments):
            return False
        if not self.session.send(text, self._options()[0], attachments):
            return False
        self.composer.mark_sent()
        self._start_turn()
        return True

    def _attachment_problem(self, text: str, attachments: tuple[Attachment, ...]) -> bool:
        """Show in the composer why the attachments cannot go where the turn goes, if so."""
        if not attachments:
            return False
        try:
            _engine, target = self._resolve()
        except (TargetError, ChatError):
            return False  # the turn itself says so, as for any message
        protocol = target.endpoint.protocol
        problem = problem_before_sending(text, attachments, protocol, self.image_fitter)
        if problem is not None:
            self.composer.show_problem(problem)
        return problem is not None

    def _prepare_images(self) -> None:
        """Fit the composer's images for where the turn goes now, off the window's thread."""
        images = [a for a in self.composer.attachments() if a.kind == "image"]
        if not images:
            return
        try:
            _engine, target = self._resolve()
        except (TargetError, ChatError):
            return
        limits = limits_for(target.endpoint.protocol).image
        for image in images:
            self.image_fitter.prepare(image, limits)

    def stop(self) -> bool:
        """Stop the answer now; what arrived stays, marked as stopped."""
        return self.bridge.stop()

    def retry(self) -> None:
        """Run the failed (or last) turn again, replacing what it showed."""
        if not self.streaming and self.session.retry():
            self._start_turn()

    def regenerate(self) -> None:
        """Answer the last user message again; the old answer stays as an earlier version."""
        if not self.streaming and self.session.regenerate():
            self._start_turn()

    def switch_version(self, index: int, step: int) -> None:
        """Show the previous (`step` -1) or next (1) version of message `index`."""
        if self.streaming:
            self.status.showMessage(_("Versions can be switched once the answer has ended"), 3000)
            return
        self.composer.cancel_edit()
        with self._drawn_at_once():
            switched = self.session.switch(index, step)
        if switched:
            self._show_cut_off()
            self.transcript.scroll_to(index)

    def open_conversation(self, conversation_id: str, message_id: str | None = None) -> None:
        """Show a saved conversation: its remembered branch, or the one holding `message_id`
        (scrolled to). An answer in progress is stopped first, and kept as it was."""
        self.bridge.stop()
        self.composer.cancel_edit()
        try:
            with self._drawn_at_once():
                self.session.load(conversation_id, message_id)
        except HistoryError as exc:
            self.history_failed.emit(
                _("The conversation could not be opened: {error}").format(error=exc)
            )
            return
        if self.tools is not None:
            self.tools.reset()
        self._show_cut_off()
        index = self.session.index_of(message_id) if message_id else None
        if index is not None:
            self.transcript.scroll_to(index)
        self.status.conversation_cleared()
        self.status.set_state(N_("Ready"))

    def abandon(self) -> None:
        """The window closes: an answer in progress is saved as it is, marked interrupted."""
        self.session.abandon(CUT_OFF)
        self.bridge.stop()
        self.image_fitter.close()

    def continue_answer(self) -> None:
        """Go on with the last answer, cut short, from where it stopped (in the same place)."""
        if self.streaming:
            return
        partial = self.session.reopen_answer()
        if partial is not None:
            self._start_turn(partial)

    def begin_edit(self, index: int) -> None:
        """Put user message `index` in the composer; sending makes a new version of it."""
        label = self.session.begin_edit(index)
        if label is not None:
            message = self.session.messages[index]
            self.composer.begin_edit(message.text, label, message.attachments)

    def cancel_edit(self) -> bool:
        if not self.composer.editing:
            return False
        self.composer.cancel_edit()
        return True

    def copy_message(self, index: int) -> None:
        """Copy message `index` to the clipboard as Markdown."""
        QGuiApplication.clipboard().setText(self.transcript.message_markdown(index))
        self.status.showMessage(_("Message copied as Markdown"), 3000)

    def new_chat(self) -> None:
        """Start an empty conversation (stopping any answer in progress)."""
        self.bridge.stop()
        self.composer.cancel_edit()
        self.session.clear()
        if self.tools is not None:
            self.tools.reset()
        self.status.conversation_cleared()
        self.status.set_state(N_("Ready"))

    def conversation(self) -> Conversation:
        """The conversation to send, without replaced answers and empty (failed) ones."""
        return self.session.conversation(self._turn_options().system)

    def _turn_options(self) -> TurnOptions:
        return TurnOptions(*self._options())

    # --- turns ----------------------------------------------------------------------------------

    def _start_turn(self, partial: Message | None = None) -> None:
        """Start a turn; with `partial`, one that continues that answer (see ContinuedAnswer)."""
        self.session.last_error = ""
        self._render_error_shown = False
        self._continued = None
        try:
            engine, target = self._resolve()
        except (TargetError, ChatError) as exc:
            self.session.begin_answer({})
            if partial is not None:  # a turn that cannot start leaves the answer as it was
                self._continue_from(partial, "")
            self._fail(str(exc), AssistantTurn())
            self.turn_ended.emit("failed")
            return
        from desktop_chat.core.providers.base import ChatRequest

        options = self._turn_options()
        endpoint = target.endpoint
        index = self.session.begin_answer(
            {
                "endpoint": self._endpoint_name(),
                "protocol": endpoint.protocol,
                "model": target.model,
                "system": options.system,
                "options": {
                    "max_tokens": options.max_tokens,
                    "temperature": options.temperature,
                    "output_limit_field": endpoint.output_limit_field,
                    "reasoning_effort": options.reasoning_effort,
                    "thinking_budget": options.thinking_budget,
                },
                "headers": dict(endpoint.extra_headers),
            }
        )
        self._inspected[index] = self.session.ids[index]
        conversation = self.conversation()
        if partial is not None:
            conversation = self._continue_from(partial, endpoint.protocol).conversation(
                conversation
            )
        request = ChatRequest(
            target.model, conversation, options.max_tokens, options.temperature,
            reasoning_effort=options.reasoning_effort, thinking_budget=options.thinking_budget,
            image_fitter=self.image_fitter,
        )  # fmt: skip
        self.status.set_price(target.price)
        self._price = target.price
        runner: TurnRunner = engine_turn
        self._tool_turn = None
        if partial is None and self.tools is not None and self.tools.active():
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

    @contextmanager
    def _drawn_at_once(self) -> Iterator[None]:
        """Collect the messages the session shows meanwhile, and draw them in one go."""
        self._batch = []
        try:
            yield
        finally:
            batch, self._batch = self._batch, None
            self.transcript.add_messages(batch)

    def _show_added(self, index: int, message: Message, status: str) -> None:
        if message.role == "tool":
            step_limit = self.session.node(index).meta.get("step_limit")
            notice = step_limit if isinstance(step_limit, str) else ""
            block = MessageBlock("tool", "", calls=self.session.calls(index), notice=notice)
        else:
            block = MessageBlock(message.role, message.text, message.reasoning, status)
            block.versions = self.session.versions(index)
            block.attachments = self.attachment_view.row(message.attachments)
        if self._batch is not None:
            self._batch.append(block)
        elif block.calls is not None:
            self.transcript.add_tool_calls(block.calls, notice=block.notice)
        else:
            self.transcript.add_message(
                block.role,
                block.text,
                reasoning=block.reasoning,
                status=block.status,
                versions=block.versions,
                attachments=block.attachments,
            )

    def _show_cut_off(self) -> None:
        """A branch that ends in an answer cut off (or none) offers Retry, as a failure does."""
        if self.session.last_error:
            self.transcript.show_error(self.session.last_error)

    def _on_inspect_requested(self, index: int) -> None:
        """Inspect an answer of this window's turns; a saved one shows what the history kept."""
        starts = [start for start in self._inspected if start <= index]
        start = max(starts, default=-1)
        ids = self.session.ids
        if start >= 0 and start < len(ids) and ids[start] == self._inspected[start]:
            self.inspect_requested.emit(index)
            return
        if 0 <= index < len(ids):
            self._show_saved_details(self.session.node(index))

    def _show_saved_details(self, node: Node) -> None:
        """What the history kept of an answer from an earlier session (no wire record)."""
        from PySide6.QtWidgets import QMessageBox

        from desktop_chat.session.saved_turn import details_text

        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("Saved answer"),
            details_text(node.meta, node.state),
            QMessageBox.StandardButton.Close,
            self.transcript,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setAccessibleName(_("Saved answer details"))
        self.details_box = box
        box.open()  # not exec(): a nested event loop would stall the asyncio tasks

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
            saved = event
            try:
                saved = self._render(event)
            except Exception as exc:  # drawing must never end the stream
                log.exception("rendering the answer failed; the stream continues")
                self._render_failed(exc)
            saving = self.session.saving  # after _render: a tool step may have begun a new one
            if saving is not None:
                saving.on_event(saved)
                if self._continued is not None and isinstance(event, AttemptStarted):
                    self._save_partial()  # a retried attempt emptied the saved answer
        if self._tool_turn is not None:
            try:
                self._tool_turn.flush()
            except Exception as exc:
                log.exception("drawing the tool calls failed; the turn continues")
                self._render_failed(exc)

    def _render(self, event: StreamEvent) -> StreamEvent:
        """Draw `event`; return it as the history keeps it (a continuation: joined at the seam)."""
        if self._tool_turn is not None:
            self._tool_turn.see(event)
        if isinstance(event, TextDelta):
            if self._retry_text:
                self._clear_countdown()
            if self._continued is not None:
                event = TextDelta(self._continued.feed(event.text))
            self.transcript.append_text(event.text)
        elif isinstance(event, ReasoningDelta):
            self.transcript.append_reasoning(event.text)
        elif isinstance(event, RetryScheduled):
            self._start_countdown(event)
        elif isinstance(event, AttemptStarted) and event.attempt > 1:
            self.transcript.reset_stream()
            if self._continued is not None:
                self._continued.restart()
                self._show_partial()
            self._countdown.stop()
            cause = self._retry_cause or _("retrying")
            self._retry_text = _("{cause} — attempt {attempt} of {attempts}…").format(
                cause=cause, attempt=event.attempt, attempts=event.max_attempts
            )
            self.transcript.set_notice(self._retry_text)
            self.status.announce(self._retry_text)
        return event

    def _on_turn_finished(self, turn: AssistantTurn) -> None:
        status = ""
        if turn.stop_reason in _CUT_OFF:
            status = _(
                "Cut off at the max tokens limit: Continue it, or raise Max tokens for longer "
                "answers"
            )
        step_limit = self._tool_turn is not None and bool(self._tool_turn.step_limit)
        self._end_live(turn, lambda: self.transcript.finish(status), "finished")
        self.status.turn_ended(N_("Stopped at the step limit") if step_limit else N_("Done"), turn)
        self.turn_ended.emit("finished")

    def _on_turn_stopped(self, turn: AssistantTurn) -> None:
        self._end_live(turn, lambda: self.transcript.finish("stopped"), "stopped")
        self.status.turn_ended(N_("Stopped"), turn)
        self.turn_ended.emit("stopped")

    def _on_turn_failed(self, error: ChatError, partial: AssistantTurn) -> None:
        if self._explain is not None:
            error = self._explain(error)
        self._fail(str(error), partial, error)
        self.status.turn_ended(N_("Failed"), partial)
        self.turn_ended.emit("failed")

    def _fail(self, message: str, partial: AssistantTurn, error: ChatError | None = None) -> None:
        self.session.last_error = message
        if error is None:
            error = ChatError(message)
        self._end_live(partial, lambda: self.transcript.show_error(message), "failed", error)

    def _end_live(
        self,
        turn: AssistantTurn,
        draw: Callable[[], None],
        outcome: str,
        error: ChatError | None = None,
    ) -> None:
        self._clear_countdown()
        continued, self._continued = self._continued, None
        if continued is not None:
            tail, turn = continued.end(turn)
            self.transcript.append_text(tail)
        message = turn.to_message()
        tool_turn, self._tool_turn = self._tool_turn, None
        if tool_turn is not None:
            try:
                message = tool_turn.end(outcome, turn)
            except Exception as exc:
                log.exception("closing the tool calls failed")
                self._render_failed(exc)
        stopped = "Stopped by you" if outcome == "stopped" else ""
        cost = None if self._price is None else self._price.cost(turn)
        self.session.end_answer(message, turn, error, stopped=stopped, cost=cost)
        self.composer.set_streaming(False)
        try:
            draw()
            if tool_turn is None and can_continue(message, outcome, turn.stop_reason):
                self.transcript.offer_continue()
        except Exception as exc:
            log.exception("drawing the end of the answer failed")
            self._render_failed(exc)

    def _continue_from(self, partial: Message, protocol: str) -> ContinuedAnswer:
        """Stream on from `partial`: it is shown and saved first, the rest joins it at the seam."""
        self._continued = ContinuedAnswer(partial, protocol)
        self._show_partial()
        self._save_partial()
        return self._continued

    def _save_partial(self) -> None:
        """The saved answer starts with the partial one, so a kill mid-continuation keeps it."""
        saving, continued = self.session.saving, self._continued
        if saving is not None and continued is not None:
            if continued.partial.reasoning:
                saving.on_event(ReasoningDelta(continued.partial.reasoning))
            saving.on_event(TextDelta(continued.partial.text))

    def _show_partial(self) -> None:
        """Show the answer being continued as it was, before the rest streams in."""
        assert self._continued is not None
        self.transcript.append_reasoning(self._continued.partial.reasoning)
        self.transcript.append_text(self._continued.partial.text)

    def _render_failed(self, exc: Exception) -> None:
        if not self._render_error_shown:
            self._render_error_shown = True
            self.render_failed.emit(
                _(
                    "Part of the answer could not be displayed ({error}). "
                    "The answer is still received in full."
                ).format(error=f"{type(exc).__name__}: {exc}")
            )

    # --- retry countdown ------------------------------------------------------------------------

    def _start_countdown(self, event: RetryScheduled) -> None:
        self._retry_deadline = time.monotonic() + event.delay
        self._retry_cause = _(event.cause.cause_label)
        template = (
            _(
                "{cause} — retrying in {seconds} s, attempt {attempt} of {attempts} "
                "(the partial answer will be replaced)"
            )
            if event.partial_text
            else _("{cause} — retrying in {seconds} s, attempt {attempt} of {attempts}")
        )
        self._retry_values = {
            "cause": self._retry_cause,
            "attempt": event.attempt + 1,
            "attempts": event.max_attempts,
        }
        self._retry_template = template
        self._countdown.start()
        self._tick_countdown()
        # Once, when the wait begins: a reader speaking every second would drown the rest.
        self.status.announce(self._retry_text)

    def _tick_countdown(self) -> None:
        seconds = max(0, math.ceil(self._retry_deadline - time.monotonic()))
        self._retry_text = self._retry_template.format(seconds=seconds, **self._retry_values)
        self.transcript.set_notice(self._retry_text)
        self.status.set_state(N_("Retrying in {seconds} s…"), seconds=seconds)
        if seconds <= 0:
            self._countdown.stop()

    def _clear_countdown(self) -> None:
        self._countdown.stop()
        if self._retry_text:
            self._retry_text = ""
            self.transcript.set_notice("")
