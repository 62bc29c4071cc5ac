"""The approval panel above the composer: one card per tool call that waits for the user.

The tool loop awaits `approve(pending)` and `answer(pending)`; each returns a future that a
button click resolves, so nothing blocks the event loop (no dialog `exec()`). A card stays
after approval to show the running call with its elapsed time and a Cancel button, and goes
once the loop reports the call finished. Stopping the turn cancels the awaits, which removes
their cards. Focus moves to the first card when cards appear.

One card at a time carries the mnemonics (the one holding the focus, else the first), so that
Alt+R runs the call the user is looking at and no letter is taken twice in the window.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop_chat.i18n import _
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.tools.card import ToolCard

if TYPE_CHECKING:
    from desktop_chat.tools.events import Decision, PendingCall

TICK_MS = 200
MAX_HEIGHT = 380


class ApprovalPanel(Retranslating, QScrollArea):
    """Cards for the calls waiting for the user, and the running ones; hidden when empty."""

    cancel_requested = Signal(str)  # call id of a running call to stop
    file_picked = Signal(str)  # a file the user allowed read_text_file to read
    cards_changed = Signal(int)  # how many cards are shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMaximumHeight(MAX_HEIGHT)
        inner = QWidget(self)
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(8, 4, 8, 0)
        self._column.setSpacing(6)
        self.heading = QLabel(inner)
        self._column.addWidget(self.heading)
        self.setWidget(inner)
        self._cards: dict[str, ToolCard] = {}
        self._typed: dict[str, str] = {}  # results typed on approval cards, by call id
        # Cards awaiting a decision, by call id: the tool's key and the decision to come.
        self._asking: dict[str, tuple[str | None, asyncio.Future[tuple[str, str]]]] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self._retranslate()
        self.hide()

    def sizeHint(self) -> QSize:
        """As tall as the cards (a card growing for an edit included), at most MAX_HEIGHT."""
        hint = super().sizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        wanted = inner.sizeHint().height() + 2 * self.frameWidth()
        return QSize(hint.width(), min(wanted, MAX_HEIGHT))

    def minimumSizeHint(self) -> QSize:
        """As wide as the cards' buttons need: there is no sideways scrolling to reach them, so
        the window's middle stops narrowing there (a scroll area alone asks for almost none)."""
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        edges = 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()
        return QSize(max(hint.width(), inner.minimumSizeHint().width() + edges), hint.height())

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Tool calls waiting for you"))
        self.heading.setText("<b>{}</b>".format(_("The model wants to use tools")))
        self.heading.setAccessibleName(_("Tool calls heading"))

    # --- what the tool loop awaits --------------------------------------------------------------

    async def approve(self, pending: PendingCall) -> Decision:
        """Show a card for `pending` and wait for Run, Edit, Deny or Always allow."""
        from desktop_chat.tools.events import AlwaysAllow, Deny, Edit, Run

        future: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()
        card = self._add(pending)
        key = pending.tool.key if pending.tool is not None else None
        self._asking[card.call_id] = (key, future)

        def on_decided(kind: str, arguments: str) -> None:
            if not future.done():
                future.set_result((kind, arguments))
            if kind == "always":  # the step's other calls of this tool need no click either
                for other, waiting in list(self._asking.values()):
                    if other == key and not waiting.done():
                        waiting.set_result(("always", ""))

        card.decided.connect(on_decided)  # gone with the card; on_decided ignores late clicks
        try:
            kind, arguments = await future
        except BaseException:
            self._remove(card.call_id)
            raise
        finally:
            self._asking.pop(card.call_id, None)
        if card.typed_answer is not None:
            self._typed[card.call_id] = card.typed_answer
        # The call runs once every call of the step is decided; a card comes back for it if
        # it is still running by then (call_started), so decided cards do not pile up.
        self._remove(card.call_id)
        if kind == "deny":
            return Deny()
        if kind == "edit":
            return Edit(arguments)
        return AlwaysAllow() if kind == "always" else Run()

    async def answer(self, pending: PendingCall) -> str | None:
        """The result the user types for a user-defined tool (None: they declined)."""
        typed = self._typed.pop(pending.call.id, None)
        if typed is not None:
            return typed  # typed on the approval card already
        card = self._cards.get(pending.call.id) or self._add(pending)
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        def on_answered(text: object) -> None:
            if not future.done():
                future.set_result(text if isinstance(text, str) else None)

        card.ask_for_answer()
        card.answered.connect(on_answered)
        card.focus_primary()
        try:
            return await future
        finally:
            self._remove(card.call_id)

    # --- what the chat controller reports -------------------------------------------------------

    def call_started(self, pending: PendingCall) -> None:
        """Show the call running, with Cancel (a call that needed no approval gets a card)."""
        card = self._cards.get(pending.call.id) or self._add(pending, focus=False)
        card.set_running()
        self._timer.start()

    def call_finished(self, call_id: str) -> None:
        self._remove(call_id)

    def clear(self) -> None:
        """Remove every card (the turn ended; its awaits are cancelled with it)."""
        self._typed.clear()
        for call_id in list(self._cards):
            self._remove(call_id)

    def cards(self) -> list[ToolCard]:
        return list(self._cards.values())

    def card(self, call_id: str) -> ToolCard | None:
        return self._cards.get(call_id)

    # --- cards ----------------------------------------------------------------------------------

    def _add(self, pending: PendingCall, *, focus: bool = True) -> ToolCard:
        self._remove(pending.call.id)
        card = ToolCard(pending, self.widget())
        card.cancel_clicked.connect(self.cancel_requested)
        card.file_chosen.connect(self.file_picked)
        card.editing_changed.connect(lambda _shown: self._keep_in_view(card))
        first = not self._cards
        self._cards[card.call_id] = card
        self._column.addWidget(card)
        self.show()
        if focus and (first or not self._has_focus()):
            card.focus_primary()
            self.ensureWidgetVisible(card)
        self._share_mnemonics()
        self.updateGeometry()
        self.cards_changed.emit(len(self._cards))
        return card

    def _remove(self, call_id: str) -> None:
        card = self._cards.pop(call_id, None)
        if card is None or not shiboken6.isValid(card) or not shiboken6.isValid(self):
            return  # the window is being torn down: Qt deletes the cards itself
        focused = QApplication.focusWidget()
        had_focus = focused is not None and card.isAncestorOf(focused)
        card.hide()
        card.deleteLater()
        if not self._cards:
            self._timer.stop()
            self.hide()
        elif had_focus:
            next(iter(self._cards.values())).focus_primary()
        self._share_mnemonics()
        self.updateGeometry()
        self.cards_changed.emit(len(self._cards))

    def _share_mnemonics(self) -> None:
        """Give the mnemonics to the card holding the focus, else to the first card."""
        focused = QApplication.focusWidget()
        cards = list(self._cards.values())
        holder = next((c for c in cards if focused is not None and c.isAncestorOf(focused)), None)
        for card in cards:
            card.set_keyed(card is (holder or cards[0]))

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if shiboken6.isValid(self) and new is not None and self.isAncestorOf(new):
            self._share_mnemonics()

    def _keep_in_view(self, card: ToolCard) -> None:
        """Scroll so the edit, with its own buttons, shows whole (once the card is laid out)."""

        self.updateGeometry()

        def scroll() -> None:
            if shiboken6.isValid(card) and card.editing():
                self.ensureWidgetVisible(card.edit_box, 0, 8)
            elif shiboken6.isValid(card):
                self.ensureWidgetVisible(card.edit_button, 0, 8)

        QTimer.singleShot(0, self, scroll)

    def _has_focus(self) -> bool:
        focused = QApplication.focusWidget()
        return focused is not None and self.isAncestorOf(focused)

    def _tick(self) -> None:
        now = time.monotonic()
        running = [card for card in self._cards.values() if card.started is not None]
        for card in running:
            card.tick(now)
        if not running:
            self._timer.stop()
