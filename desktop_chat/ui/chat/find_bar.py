"""Find text in the open conversation: a bar over the transcript's top right corner.

Ctrl+F (the window's action) opens it; Enter or F3 goes to the next match, Shift+Enter or
Shift+F3 to the previous one, Esc closes it. Every match is highlighted (extra selections on
the transcript's view) and the current one is selected and scrolled to.

The transcript draws only its last messages (folding.py). Searching first checks the folded
ones' text, and draws them again from the oldest that holds the query, so a match is never
hidden away; the view stays where it was until the user steps to a match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QTextEdit, QToolButton

from desktop_chat.i18n import _
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating

if TYPE_CHECKING:
    from desktop_chat.ui.chat.transcript import Transcript

MAX_MATCHES = 2000  # highlighted and counted; past that the count says "2000+"
DEBOUNCE_MS = 150
WIDTH = 380


class FindBar(Retranslating, QFrame):
    """The find bar of one transcript; hidden until `open()`."""

    def __init__(self, transcript: Transcript) -> None:
        super().__init__(transcript)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._transcript = transcript
        self._matches: list[QTextCursor] = []
        self._current = -1
        self._stale = True  # the document changed since the matches were found

        self.field = QLineEdit(self)
        self.count = QLabel(self)
        self.count.setMinimumWidth(64)
        self.previous_button = self._button("chevron-up")
        self.next_button = self._button("chevron-down")
        self.close_button = self._button("x")
        self._retranslate()
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(self.field, 1)
        row.addWidget(self.count)
        for button in (self.previous_button, self.next_button, self.close_button):
            row.addWidget(button)
        self.previous_button.clicked.connect(lambda: self.step(backward=True))
        self.next_button.clicked.connect(lambda: self.step())
        self.close_button.clicked.connect(self.close_bar)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search)
        self.field.textChanged.connect(lambda _text: self._debounce.start())
        self.field.installEventFilter(self)
        transcript.installEventFilter(self)
        transcript.view.document().contentsChanged.connect(self._on_document_changed)
        # F3 works from the transcript and from the bar (a child of the transcript).
        for keys, backward in (("F3", False), ("Shift+F3", True)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, back=backward: self._f3(back))
            transcript.addAction(action)
        self.hide()

    def _button(self, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(icon(name))
        button.setIconSize(QSize(16, 16))
        button.setAutoRaise(True)
        return button

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Find in conversation"))
        self.field.setPlaceholderText(_("Find in conversation"))
        self.field.setAccessibleName(_("Find in conversation"))
        for button, name, keys in (
            (self.previous_button, _("Previous match"), "Shift+Enter, Shift+F3"),
            (self.next_button, _("Next match"), "Enter, F3"),
            (self.close_button, _("Close"), "Esc"),
        ):
            button.setAccessibleName(name)
            button.setToolTip(_("{action} ({keys})").format(action=name, keys=keys))
        if self._stale is False:
            self._show_count()

    # -- opening and closing ------------------------------------------------------------------

    def open(self) -> None:
        """Show the bar with the query selected, so typing replaces it."""
        self._place()
        self.show()
        self.raise_()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()
        if self.field.text():
            self._search()

    def close_bar(self) -> None:
        self._debounce.stop()
        self.hide()
        self._matches, self._current = [], -1
        self._transcript.view.setExtraSelections([])
        self._transcript.view.setFocus()

    def _place(self) -> None:
        width = min(WIDTH, max(160, self._transcript.width() - 24))
        self.resize(width, self.sizeHint().height())
        self.move(QPoint(self._transcript.width() - width - 20, 8))

    # -- finding ------------------------------------------------------------------------------

    @property
    def matches(self) -> int:
        return len(self._matches)

    @property
    def current(self) -> int:
        """The index of the current match, -1 when there is none."""
        return self._current

    def step(self, *, backward: bool = False) -> None:
        """Go to the next (or previous) match, round the end."""
        if self._debounce.isActive():  # a new query: its first match below the view's top
            self._search()
            return
        if self._stale:  # the conversation changed: find again, from the match the user is on
            on_one = self._current >= 0
            self._search(keep=on_one)
            if not on_one or not self._matches:
                self._show_current()
                return
        if not self._matches:
            return
        self._current = (self._current + (-1 if backward else 1)) % len(self._matches)
        self._show_current()

    def _f3(self, backward: bool) -> None:
        if self.isHidden():
            self.open()
            return
        self.step(backward=backward)

    def _search(self, *, keep: bool = False) -> None:
        """Find every match of the query; the current one is the first below the view's top."""
        self._debounce.stop()
        needle = self.field.text()
        view = self._transcript.view
        previous = self._matches[self._current].selectionStart() if self._current >= 0 else -1
        self._matches = []
        if needle:
            self._unfold_to(needle)
            document = view.document()
            cursor = QTextCursor(document)
            while len(self._matches) < MAX_MATCHES:
                cursor = document.find(needle, cursor)
                if cursor.isNull():
                    break
                self._matches.append(cursor)
        self._stale = False
        starts = [match.selectionStart() for match in self._matches]
        if not starts:
            self._current = -1
        elif keep and previous >= 0:  # stay on the match the user was on
            self._current = min(range(len(starts)), key=lambda i: abs(starts[i] - previous))
        else:
            top = view.cursorForPosition(QPoint(0, 0)).position()
            self._current = next((i for i, s in enumerate(starts) if s >= top), 0)
        if keep:
            return
        self._show_current()

    def _unfold_to(self, needle: str) -> None:
        """Draw folded messages again from the oldest one whose text holds `needle`."""
        transcript = self._transcript
        wanted = needle.casefold()
        below = range(transcript.count() - transcript.folded_below, transcript.count())
        if any(wanted in transcript.message_markdown(index).casefold() for index in below):
            transcript.show_later(len(below))  # after a jump up (to a search hit)
        for index in range(transcript.first_shown):
            if wanted in transcript.message_markdown(index).casefold():
                transcript.show_earlier(transcript.first_shown - index)
                return

    def _show_current(self) -> None:
        view = self._transcript.view
        palette = view.palette()
        everyone = QColor(palette.highlight().color())
        everyone.setAlpha(70)
        others, current = QTextCharFormat(), QTextCharFormat()
        others.setBackground(everyone)
        current.setBackground(palette.highlight())
        current.setForeground(palette.highlightedText())
        selections = []
        for number, match in enumerate(self._matches):
            selection = QTextEdit.ExtraSelection()
            selection.cursor = match
            selection.format = current if number == self._current else others
            selections.append(selection)
        view.setExtraSelections(selections)
        if 0 <= self._current < len(self._matches):
            view.setTextCursor(self._matches[self._current])
            view.ensureCursorVisible()
        self._show_count()

    def _show_count(self) -> None:
        if 0 <= self._current < len(self._matches):
            more = "+" if len(self._matches) == MAX_MATCHES else ""
            self.count.setText(
                _("{n} of {count}").format(n=self._current + 1, count=len(self._matches)) + more
            )
        else:
            self.count.setText(_("No matches") if self.field.text() else "")
        self.setAccessibleDescription(self.count.text())

    def _on_document_changed(self) -> None:
        self._stale = True

    # -- keys and placement -------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._transcript and event.type() == QEvent.Type.Resize:
            if self.isVisible():
                self._place()
            return False
        if watched is not self.field or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        ours = key in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if event.type() == QEvent.Type.ShortcutOverride and ours:
            event.accept()  # Esc closes the bar, not the window's Esc action (stop, cancel)
            return False
        if event.type() != QEvent.Type.KeyPress or not ours:
            return super().eventFilter(watched, event)
        if key == Qt.Key.Key_Escape:
            self.close_bar()
        else:
            self.step(backward=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        return True
