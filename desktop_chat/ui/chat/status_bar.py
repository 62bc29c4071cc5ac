"""The status bar: where requests go, and how the last answer went (speed, usage, attempts).

Figures come from the turn's own events: time to first token counts from Send to the first text
or reasoning of the attempt that answered; tokens per second use the provider's output count when
it reports one and the number of streamed pieces (marked "≈") until then.

Usage shows the prompt tokens with the part read from the prompt cache, and, when the user
entered a price for the model (Settings), what the answer cost. The conversation's totals (all
its answers since the last new chat) follow; a tool turn counts its final request alone.

The state word is kept as its English message id and translated when shown, so it follows a
language change like every figure here (all drawn again on `QEvent.LanguageChange`). Errors shown
here and retry waits are also announced to screen readers (accessibility.announce).

A narrow window elides the figures and a passing message rather than cutting them, so the bar
never holds the window wide; each keeps its whole text as its tooltip.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QStatusBar, QStyle, QStyleOption, QWidget

from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    RetryScheduled,
    StreamEvent,
    TextDelta,
    Usage,
)
from desktop_chat.i18n import N_, _, ngettext
from desktop_chat.storage.price import ModelPrice
from desktop_chat.tools.events import StepStarted
from desktop_chat.ui.accessibility import announce
from desktop_chat.ui.chat.elided_label import ElidedLabel
from desktop_chat.ui.language import Retranslating

DEMO = N_("Offline demo")


class StatusBar(Retranslating, QStatusBar):
    """Show endpoint/model, state, time to first token, tokens/s, usage and attempts."""

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.setSizeGripEnabled(False)
        # Endpoint and model names can be long: elided rather than widening the window, the
        # start of the endpoint and the end of the model kept.
        self.target_label = self._label(Qt.TextElideMode.ElideMiddle)
        self.target_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state_label = self._label()
        self.ttft_label = self._label()
        self.speed_label = self._label()
        self.usage_label = self._label()
        self.attempts_label = self._label()
        self.total_label = self._label()
        self._target = ("", "")
        self._state: tuple[str, dict[str, object]] = ("", {})
        self.addWidget(self.target_label, 1)
        self._figures = (
            self.state_label,
            self.ttft_label,
            self.speed_label,
            self.usage_label,
            self.attempts_label,
            self.total_label,
        )
        for label in self._figures:
            self.addPermanentWidget(label)
        self._price: ModelPrice | None = None
        # A passing message is drawn elided (paintEvent); the tooltip has it whole.
        self.messageChanged.connect(self.setToolTip)
        self.conversation_cleared()
        self._reset()
        self.set_state(N_("Ready"))
        self._retranslate()

    def _label(self, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> ElidedLabel:
        # A narrow window elides each figure rather than cutting it (or being held wide by it).
        label = ElidedLabel(self, "", mode=mode)
        label.setContentsMargins(6, 0, 6, 0)
        return label

    def shown_message(self) -> str:
        """The passing message as drawn now: whole, or elided to the room left of the figures."""
        room = self._message_room().width()
        return self.fontMetrics().elidedText(
            self.currentMessage(), Qt.TextElideMode.ElideRight, room
        )

    def _message_room(self) -> QRect:
        """Where QStatusBar draws a passing message: up to the first figure (QStatusBarPrivate)."""
        left, right = 6, self.width() - 12
        first = next((label for label in self._figures if label.isVisible()), None)
        if first is not None and self.isRightToLeft():
            left = max(left, first.geometry().right() + 3)
        elif first is not None:
            right = min(right, first.x() - 2)
        return QRect(left, 0, right - left, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        message = self.currentMessage()
        shown = self.shown_message()
        if shown == message:
            super().paintEvent(event)
            return
        # QStatusBar cuts a message that does not fit mid-letter; draw it as it would, elided.
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        for label in self._figures:
            if label.isVisible():
                option.rect = label.geometry().adjusted(-2, -1, 2, 1)
                self.style().drawPrimitive(
                    QStyle.PrimitiveElement.PE_FrameStatusBarItem, option, painter, label
                )
        painter.setPen(self.palette().windowText().color())
        flags = Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            self._message_room(), int(flags.value) | Qt.TextFlag.TextSingleLine.value, shown
        )

    def _retranslate(self) -> None:
        for label, name in (
            (self.target_label, _("Endpoint and model")),
            (self.state_label, _("Answer state")),
            (self.ttft_label, _("Time to first token")),
            (self.speed_label, _("Tokens per second")),
            (self.usage_label, _("Token usage")),
            (self.attempts_label, _("Attempts")),
            (self.total_label, _("Conversation usage")),
        ):
            label.setAccessibleName(name)
        self.set_target(*self._target)
        self.set_state(self._state[0], **self._state[1])
        self._show_figures()
        self._show_totals()

    def _reset(self) -> None:
        self._started = 0.0
        self._first_token: float | None = None
        self._last_token = 0.0
        self._pieces = 0
        self._input: int | None = None
        self._output: int | None = None
        self._cached: int | None = None
        self._cost: float | None = None
        self._attempt = 0
        self._max_attempts = 0

    # --- what the window tells us ---------------------------------------------------------------

    def set_target(self, endpoint: str, model: str) -> None:
        """Show where the next request goes; endpoint "" is the offline demo."""
        self._target = (endpoint, model)
        shown = endpoint or _(DEMO)
        text = _("{endpoint} · {model}").format(endpoint=shown, model=model or _("no model chosen"))
        self.target_label.setText(text)

    def set_state(self, state: str, **values: object) -> None:
        """Show a short state: Ready, Waiting…, Streaming…, Stopped, Failed.

        `state` is the English message id (marked with N_ where it is written), translated
        here with its `values` filled in, so the state follows a language change.
        """
        self._state = (state, values)
        shown = _(state) if state else ""  # _("") would be the catalogue's header
        self.state_label.setText(shown.format(**values) if values else shown)

    def show_error(self, text: str, timeout: int = 8000) -> None:
        """Show a passing error message and announce it to screen readers at once."""
        self.showMessage(text, timeout)
        announce(self, text, urgent=True)

    def announce(self, text: str) -> None:
        """Tell screen readers `text` (a retry's wait) without showing anything new."""
        announce(self, text)

    def set_price(self, price: ModelPrice | None) -> None:
        """The price of the model the next answers come from (None: no cost shown)."""
        self._price = price

    def conversation_cleared(self) -> None:
        """A new conversation: its totals start from nothing, the last answer's figures go."""
        self.clear_figures()
        self._totals = [0, 0, 0]  # input, cached input, output
        self._total_cost: float | None = None
        self._show_totals()

    def turn_started(self) -> None:
        """Start timing a new turn and clear the figures of the last one."""
        self.clear_figures()
        self._started = self._clock()
        self.set_state(N_("Waiting…"))

    def clear_figures(self) -> None:
        """Forget the last turn's figures and any passing message (a new chat)."""
        self._reset()
        for label in (self.ttft_label, self.speed_label, self.usage_label, self.attempts_label):
            label.setText("")
        self.clearMessage()

    def record(self, events: list[StreamEvent]) -> None:
        """Update the live figures from a batch of the turn's events."""
        now = self._clock()
        for event in events:
            if isinstance(event, TextDelta | ReasoningDelta):
                if self._first_token is None:
                    self._first_token = now
                    self.set_state(N_("Streaming…"))
                self._pieces += 1
                self._last_token = now
            elif isinstance(event, Usage):
                self._input = event.input_tokens if event.input_tokens is not None else self._input
                if event.output_tokens is not None:
                    self._output = event.output_tokens
                if event.cached_input_tokens is not None:
                    self._cached = event.cached_input_tokens
            elif isinstance(event, AttemptStarted):
                # A new attempt voids what the failed one streamed: count afresh.
                self._attempt, self._max_attempts = event.attempt, event.max_attempts
                self._first_token, self._pieces, self._output = None, 0, None
                if event.attempt > 1:
                    self.set_state(N_("Waiting…"))
            elif isinstance(event, RetryScheduled):
                self.set_state(N_("Retrying…"))
            elif isinstance(event, StepStarted) and event.step > 1:
                # A tool turn's next request: time its first token from now, not from Send.
                self._started, self._first_token, self._pieces = now, None, 0
        self._show_figures()

    def turn_ended(self, state: str, turn: AssistantTurn | None = None) -> None:
        """Show the final figures; `turn` carries the provider's own token counts."""
        if turn is not None:
            self._input = turn.input_tokens if turn.input_tokens is not None else self._input
            self._output = turn.output_tokens if turn.output_tokens is not None else self._output
            self._attempt = max(self._attempt, turn.attempts)
            if turn.cached_input_tokens is not None:
                self._cached = turn.cached_input_tokens
            self._count(turn)
        self.set_state(state)
        self._show_figures()

    # --- figures --------------------------------------------------------------------------------

    def _count(self, turn: AssistantTurn) -> None:
        """Add the answer to the conversation's totals, and price it when the price is known."""
        self._totals[0] += turn.input_tokens or 0
        self._totals[1] += turn.cached_input_tokens or 0
        self._totals[2] += turn.output_tokens or 0
        self._cost = None if self._price is None else self._price.cost(turn)
        if self._cost is not None:
            self._total_cost = (self._total_cost or 0.0) + self._cost
        self._show_totals()

    def _show_totals(self) -> None:
        shown_in, cached, shown_out = self._totals
        if not (shown_in or cached or shown_out or self._total_cost is not None):
            self.total_label.setText("")
            return
        text = _("conversation: {usage}").format(
            usage=_usage(f"{shown_in:,}", cached, f"{shown_out:,}", self._total_cost)
        )
        self.total_label.setText(text)

    def _show_figures(self) -> None:
        if self._first_token is not None:
            seconds = f"{self._first_token - self._started:.2f}"
            self.ttft_label.setText(_("first token {seconds} s").format(seconds=seconds))
        self.speed_label.setText(self._speed_text())
        if self._input is not None or self._output is not None:
            shown_in = "–" if self._input is None else f"{self._input:,}"
            shown_out = "–" if self._output is None else f"{self._output:,}"
            self.usage_label.setText(_usage(shown_in, self._cached, shown_out, self._cost))
        if self._attempt > 1:
            self.attempts_label.setText(
                _("attempt {attempt} of {attempts}").format(
                    attempt=self._attempt, attempts=self._max_attempts
                )
            )
        elif self._attempt == 1:
            self.attempts_label.setText(ngettext("{n} attempt", "{n} attempts", 1).format(n=1))

    def _speed_text(self) -> str:
        if self._first_token is None:
            return ""
        span = self._last_token - self._first_token
        if span < 0.05:  # too short to say anything honest about speed
            return ""
        if self._output is not None:
            return f"{self._output / span:.1f} tok/s"
        # Streamed pieces approximate tokens, so say so.
        return f"≈{self._pieces / span:.1f} tok/s"


def _usage(shown_in: str, cached: int | None, shown_out: str, cost: float | None) -> str:
    """Tokens in (and read from the cache), out, and the cost when a price is known."""
    text = (
        _("in {input} (cached {cached}) · out {output}").format(
            input=shown_in, cached=f"{cached:,}", output=shown_out
        )
        if cached
        else _("in {input} · out {output}").format(input=shown_in, output=shown_out)
    )
    if cost is not None:
        text = _("{usage} · cost {cost}").format(usage=text, cost=_money(cost))
    return text


def _money(amount: float) -> str:
    """A cost with the digits that matter: small answers cost fractions of a cent."""
    return f"{amount:.4f}" if amount < 1 else f"{amount:,.2f}"
