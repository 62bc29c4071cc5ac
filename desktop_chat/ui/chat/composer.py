"""The message composer: a multi-line editor with Send and Stop.

Enter sends and Shift+Enter breaks the line; with `send_with_ctrl_enter` Enter breaks the line and
Ctrl+Enter sends. While an answer streams, Send turns into Stop (Esc does the same from anywhere in
the window, see MainWindow). Editing an earlier message shows a bar above the editor saying so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
MIN_LINES = 3
MAX_LINES = 12


class ComposerEdit(QPlainTextEdit):
    """Plain-text editor that turns the send chord into `send_pressed` instead of a new line."""

    send_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctrl_enter_sends = False
        self.setTabChangesFocus(True)  # Tab moves on to Send; a chat message rarely needs tabs

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _ENTER_KEYS and self._is_send_chord(event.modifiers()):
            event.accept()
            self.send_pressed.emit()
            return
        if event.key() in _ENTER_KEYS and event.modifiers() & (
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
        ):
            # Shift+Enter (or Ctrl+Enter when it does not send) is a plain line break.
            self.insertPlainText("\n")
            event.accept()
            return
        super().keyPressEvent(event)

    def _is_send_chord(self, modifiers: Qt.KeyboardModifier) -> bool:
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if self.ctrl_enter_sends:
            return ctrl and not shift
        return not ctrl and not shift


class Composer(QWidget):
    """Multi-line input with Send/Stop; emits what the user asked for, never sends by itself."""

    send_requested = Signal(str)
    stop_requested = Signal()
    edit_cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._streaming = False

        self.edit_bar = QWidget(self)
        self.edit_label = QLabel(self.edit_bar)
        self.edit_cancel = QPushButton("Cancel edit", self.edit_bar)
        self.edit_cancel.setAccessibleName("Cancel editing")
        self.edit_cancel.clicked.connect(self.cancel_edit)
        bar = QHBoxLayout(self.edit_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.edit_label, 1)
        bar.addWidget(self.edit_cancel)
        self.edit_bar.hide()

        self.editor = ComposerEdit(self)
        self.editor.setAccessibleName("Message")
        self.editor.setAccessibleDescription("Type a message to send to the model")
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.editor.send_pressed.connect(self.submit)
        self.editor.textChanged.connect(self._update_buttons)
        self.editor.textChanged.connect(self._fit_height)

        self.send_button = QPushButton("Send", self)
        self.send_button.setAccessibleName("Send message")
        self.send_button.setDefault(False)
        self.send_button.clicked.connect(self.submit)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setAccessibleName("Stop generating")
        self.stop_button.setToolTip("Stop the answer (Esc); what arrived is kept")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        for button in (self.send_button, self.stop_button):
            button.setMinimumWidth(80)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignBottom)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 8)
        column.addWidget(self.edit_bar)
        column.addLayout(row)
        self.setFocusProxy(self.editor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.set_ctrl_enter_sends(False)
        self._update_buttons()
        self._fit_height()

    # --- state the window sets ------------------------------------------------------------------

    def set_ctrl_enter_sends(self, enabled: bool) -> None:
        """Choose Ctrl+Enter (True) or Enter (False) as the send chord."""
        self.editor.ctrl_enter_sends = enabled
        chord = "Ctrl+Enter" if enabled else "Enter"
        other = "Enter" if enabled else "Shift+Enter"
        self.editor.setPlaceholderText(f"Message — {chord} sends, {other} adds a line")
        self.send_button.setToolTip(f"Send ({chord})")

    def set_streaming(self, streaming: bool) -> None:
        """Swap Send for Stop while an answer streams; the editor stays usable for the next one."""
        self._streaming = streaming
        had_focus = self.stop_button.hasFocus() or self.send_button.hasFocus()
        self.send_button.setVisible(not streaming)
        self.stop_button.setVisible(streaming)
        if had_focus:
            self.editor.setFocus()
        self._update_buttons()

    @property
    def streaming(self) -> bool:
        return self._streaming

    @property
    def editing(self) -> bool:
        return not self.edit_bar.isHidden()

    def begin_edit(self, text: str, label: str) -> None:
        """Put `text` in the editor and show that sending replaces an earlier message."""
        self.edit_label.setText(label)
        self.edit_bar.show()
        self.set_text(text)
        self.editor.setFocus()

    def cancel_edit(self) -> None:
        """Leave edit mode and clear the editor."""
        if self.editing:
            self.edit_bar.hide()
            self.editor.clear()
            self.edit_cancelled.emit()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        cursor = self.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.editor.setTextCursor(cursor)

    # --- actions --------------------------------------------------------------------------------

    def submit(self) -> None:
        """Emit `send_requested` with the text, unless it is blank or an answer is streaming.

        The text stays until the window accepts it (`mark_sent`), so a refused send loses nothing.
        """
        text = self.text()
        if self._streaming or not text.strip():
            return
        self.send_requested.emit(text)

    def mark_sent(self) -> None:
        """Clear the editor and leave edit mode: the window took the message."""
        self.editor.clear()
        self.edit_bar.hide()

    def _fit_height(self) -> None:
        """Grow with the text from three lines up to twelve, then scroll."""
        line = self.editor.fontMetrics().lineSpacing()
        document = self.editor.document()
        lines = document.size().height()  # in lines: QPlainTextEdit's layout counts lines
        shown = min(max(int(lines), MIN_LINES), MAX_LINES)
        margins = self.editor.contentsMargins()
        frame = 2 * (self.editor.frameWidth() + int(document.documentMargin()))
        self.editor.setFixedHeight(shown * line + frame + margins.top() + margins.bottom())

    def _update_buttons(self) -> None:
        self.send_button.setEnabled(not self._streaming and bool(self.text().strip()))
        self.stop_button.setEnabled(self._streaming)
