"""The status bar: where requests go, and how the last answer went (speed, usage, attempts).

Figures come from the turn's own events: time to first token counts from Send to the first text
or reasoning of the attempt that answered; tokens per second use the provider's output count when
it reports one and the number of streamed pieces (marked "≈") until then.

Usage shows the prompt tokens with the part read from the prompt cache, and, when the user
entered a price for the model (Settings), what the answer cost. The conversation's totals (all
its answers since the last new chat) follow; a tool turn counts its final request alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    RetryScheduled,
    StreamEvent,
    TextDelta,
    Usage,
)
from desktop_chat.storage.price import ModelPrice
from desktop_chat.tools.events import StepStarted
from desktop_chat.ui.message_label import message_label


class StatusBar(QStatusBar):
    """Show endpoint/model, state, time to first token, tokens/s, usage and attempts."""

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.setSizeGripEnabled(False)
        self.target_label = self._label("Endpoint and model")
        self.state_label = self._label("Answer state")
        self.ttft_label = self._label("Time to first token")
        self.speed_label = self._label("Tokens per second")
        self.usage_label = self._label("Token usage")
        self.attempts_label = self._label("Attempts")
        self.total_label = self._label("Conversation usage")
        self.addWidget(self.target_label, 1)
        for label in (
            self.state_label,
            self.ttft_label,
            self.speed_label,
            self.usage_label,
            self.attempts_label,
            self.total_label,
        ):
            self.addPermanentWidget(label)
        self._price: ModelPrice | None = None
        self.conversation_cleared()
        self._reset()
        self.set_state("Ready")

    def _label(self, name: str) -> QLabel:
        label = message_label(self, name, wrap=False)  # model and endpoint names come from outside
        label.setContentsMargins(6, 0, 6, 0)
        return label

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
        """Show where the next request goes."""
        text = f"{endpoint} · {model}" if model else f"{endpoint} · no model chosen"
        self.target_label.setText(text)
        self.target_label.setToolTip(text)

    def set_state(self, state: str) -> None:
        """Show a short state word: Ready, Waiting…, Streaming…, Stopped, Failed."""
        self.state_label.setText(state)

    def set_price(self, price: ModelPrice | None) -> None:
        """The price of the model the next answers come from (None: no cost shown)."""
        self._price = price

    def conversation_cleared(self) -> None:
        """A new conversation: its totals start from nothing, the last answer's figures go."""
        self.clear_figures()
        self._totals = [0, 0, 0]  # input, cached input, output
        self._total_cost: float | None = None
        self.total_label.setText("")

    def turn_started(self) -> None:
        """Start timing a new turn and clear the figures of the last one."""
        self.clear_figures()
        self._started = self._clock()
        self.set_state("Waiting…")

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
                    self.set_state("Streaming…")
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
                    self.set_state("Waiting…")
            elif isinstance(event, RetryScheduled):
                self.set_state("Retrying…")
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
        shown_in, cached, shown_out = self._totals
        text = f"conversation: in {shown_in:,}"
        text += f" (cached {cached:,})" if cached else ""
        text += f" · out {shown_out:,}"
        if self._total_cost is not None:
            text += f" · cost {_money(self._total_cost)}"
        self.total_label.setText(text)

    def _show_figures(self) -> None:
        if self._first_token is not None:
            self.ttft_label.setText(f"first token {self._first_token - self._started:.2f} s")
        self.speed_label.setText(self._speed_text())
        if self._input is not None or self._output is not None:
            shown_in = "–" if self._input is None else f"{self._input:,}"
            shown_out = "–" if self._output is None else f"{self._output:,}"
            cached = f" (cached {self._cached:,})" if self._cached else ""
            cost = "" if self._cost is None else f" · cost {_money(self._cost)}"
            self.usage_label.setText(f"in {shown_in}{cached} · out {shown_out}{cost}")
        if self._attempt > 1:
            self.attempts_label.setText(f"attempt {self._attempt} of {self._max_attempts}")
        elif self._attempt == 1:
            self.attempts_label.setText("1 attempt")

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


def _money(amount: float) -> str:
    """A cost with the digits that matter: small answers cost fractions of a cent."""
    return f"{amount:.4f}" if amount < 1 else f"{amount:,.2f}"
