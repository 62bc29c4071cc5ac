"""The message composer: a multi-line editor with Send and Stop, and the files attached to it.

Enter sends and Shift+Enter breaks the line; with `send_with_ctrl_enter` Enter breaks the line and
Ctrl+Enter sends. While an answer streams, Send turns into Stop (Esc does the same from anywhere in
the window, see MainWindow). Editing an earlier message shows a bar above the editor saying so.

Files are attached by pasting (an image, or files copied in a file manager), by dropping them on
the composer, or with the paperclip button (ATTACH_SHORTCUT from anywhere in the window), which
opens a file picker. They show as chips above the editor (attachment_chip.py) and go with the
next message; what cannot be attached is said in a line under the chips, naming the file, and
the rest is kept. The window reads `attachments()` when it takes the message (`mark_sent`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAction,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.conversation import Attachment
from desktop_chat.i18n import _
from desktop_chat.ui.chat.attachment_chip import AttachmentChip, AttachmentTray
from desktop_chat.ui.chat.attachment_intake import Intake, from_mime, from_paths, is_attachment
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
MIN_LINES = 3
MAX_LINES = 12
ATTACH_SHORTCUT = "Ctrl+Shift+A"  # free in the window, and in Qt's own text editing keys
_PICKER_FILTER = "*.png *.jpg *.jpeg *.gif *.webp *.pdf *.txt *.md *.csv *.json *.py"


class ComposerEdit(QPlainTextEdit):
    """Plain-text editor that turns the send chord into `send_pressed` instead of a new line.

    Pasted or dropped files and images are handed on as `attach_requested` instead of being
    inserted (QPlainTextEdit pastes and drops through the same two methods).
    """

    send_pressed = Signal()
    attach_requested = Signal(QMimeData)

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

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return is_attachment(source) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if is_attachment(source):
            self.attach_requested.emit(source)
        else:
            super().insertFromMimeData(source)

    def _is_send_chord(self, modifiers: Qt.KeyboardModifier) -> bool:
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if self.ctrl_enter_sends:
            return ctrl and not shift
        return not ctrl and not shift


class Composer(Retranslating, QWidget):
    """Multi-line input with Send/Stop and attachments; emits what the user asked for, never
    sends by itself."""

    send_requested = Signal(str)
    stop_requested = Signal()
    edit_cancelled = Signal()
    attachments_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._streaming = False
        self.picker: QFileDialog | None = None

        self.edit_bar = QWidget(self)
        self.edit_label = QLabel(self.edit_bar)
        self.edit_cancel = QPushButton(self.edit_bar)
        self.edit_cancel.clicked.connect(self.cancel_edit)
        bar = QHBoxLayout(self.edit_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.edit_label, 1)
        bar.addWidget(self.edit_cancel)
        self.edit_bar.hide()

        self.tray = AttachmentTray(self)
        self.tray.changed.connect(self._on_attachments_changed)
        self.tray.removed.connect(lambda _attachment: self.show_problem(""))  # it may be about it
        self.problem = message_label(self, "")
        self.problem.setObjectName("attachmentProblem")
        self.problem.setStyleSheet(
            "QLabel#attachmentProblem { background: palette(alternate-base);"
            " border: 1px solid palette(mid); border-radius: 4px; padding: 4px 8px; }"
        )
        self.problem.hide()

        self.editor = ComposerEdit(self)
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.editor.send_pressed.connect(self.submit)
        self.editor.attach_requested.connect(self.attach_mime)
        self.editor.textChanged.connect(self._update_buttons)
        self.editor.textChanged.connect(self._fit_height)

        self.attach_button = QToolButton(self)
        self.attach_button.setAutoRaise(True)
        self.attach_button.setIcon(icon("paperclip"))
        self.attach_button.setIconSize(QSize(16, 16))
        self.attach_button.clicked.connect(self.open_picker)
        self.attach_action = QAction(self)
        self.attach_action.setShortcut(QKeySequence(ATTACH_SHORTCUT))
        self.attach_action.triggered.connect(self.open_picker)
        self.addAction(self.attach_action)  # a window shortcut: it works from anywhere in it

        self.send_button = QPushButton(self)
        self.send_button.setDefault(False)
        self.send_button.clicked.connect(self.submit)
        self.stop_button = QPushButton(self)
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        for button in (self.send_button, self.stop_button):
            button.setMinimumWidth(80)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignBottom)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 8)
        column.addWidget(self.edit_bar)
        column.addWidget(self.tray)
        column.addWidget(self.problem)
        column.addLayout(row)
        self.setFocusProxy(self.editor)
        self.setAcceptDrops(True)  # on the chips and buttons too, not only the editor
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.set_ctrl_enter_sends(False)
        self._retranslate()
        self._update_buttons()
        self._fit_height()

    # --- state the window sets ------------------------------------------------------------------

    def set_ctrl_enter_sends(self, enabled: bool) -> None:
        """Choose Ctrl+Enter (True) or Enter (False) as the send chord."""
        self.editor.ctrl_enter_sends = enabled
        self._retranslate_chord()

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

    def begin_edit(self, text: str, label: str, attachments: Iterable[Attachment] = ()) -> None:
        """Put `text` and its `attachments` in the composer; sending replaces an earlier message."""
        self.edit_label.setText(label)
        self.edit_bar.show()
        self.set_text(text)
        self._clear_attachments()
        for attachment in attachments:
            self.tray.add(attachment)
        self.editor.setFocus()

    def cancel_edit(self) -> None:
        """Leave edit mode and clear the editor and the attachments the edit brought."""
        if self.editing:
            self.edit_bar.hide()
            self.editor.clear()
            self._clear_attachments()
            self.edit_cancelled.emit()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        cursor = self.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.editor.setTextCursor(cursor)

    # --- attachments ----------------------------------------------------------------------------

    def attachments(self) -> tuple[Attachment, ...]:
        """The files attached to the next message, in the order given."""
        return self.tray.attachments()

    def chips(self) -> list[AttachmentChip]:
        return self.tray.chips()

    def attach_mime(self, mime: QMimeData) -> None:
        """Attach the files or the image in pasted or dropped `mime`."""
        self._take(from_mime(mime, (a.name for a in self.attachments())))

    def attach_files(self, paths: Iterable[str | Path]) -> None:
        """Attach files from disk (the picker's choice)."""
        self._take(from_paths(Path(p) for p in paths))

    def show_problem(self, text: str) -> None:
        """Say under the chips why something cannot be attached or sent ("" hides it)."""
        self.problem.setText(text)
        self.problem.setAccessibleName(_("Attachment problem"))
        self.problem.setVisible(bool(text))
        if text and QAccessible.isActive():  # said at once, as a banner or an error box is
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self.problem, text))

    def open_picker(self) -> None:
        """Open the file picker (not modal: a nested event loop would stall the answer)."""
        if self.picker is not None:
            self.picker.raise_()
            return
        picker = QFileDialog(self, _("Attach files"))
        picker.setFileMode(QFileDialog.FileMode.ExistingFiles)
        picker.setNameFilters(
            [
                _("Images, PDFs and text ({patterns})").format(patterns=_PICKER_FILTER),
                _("All files (*)"),
            ]
        )
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.filesSelected.connect(self.attach_files)
        picker.finished.connect(self._on_picker_closed)
        self.picker = picker
        picker.open()

    def _on_picker_closed(self) -> None:
        self.picker = None
        self.editor.setFocus()

    def _take(self, intake: Intake) -> None:
        problems = list(intake.problems)
        have = {a.sha256 for a in self.attachments()}
        for attachment in intake.attachments:
            if attachment.sha256 in have:
                problems.append(_("{name} is attached already.").format(name=attachment.name))
                continue
            have.add(attachment.sha256)
            self.tray.add(attachment)
        self.show_problem("\n".join(problems))

    def _clear_attachments(self) -> None:
        self.tray.clear()
        self.show_problem("")

    def _on_attachments_changed(self) -> None:
        self._chain_focus()
        self._update_buttons()
        self.attachments_changed.emit()

    def _chain_focus(self) -> None:
        """Tab goes editor → paperclip → each chip → Send."""
        chain = [self.attach_button, *self.tray.chips(), self.send_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- drops on the composer outside the editor -----------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if is_attachment(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if is_attachment(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if is_attachment(mime):
            event.acceptProposedAction()
            self.attach_mime(mime)

    # --- actions --------------------------------------------------------------------------------

    def submit(self) -> None:
        """Emit `send_requested` with the text, unless there is nothing to send or an answer is
        streaming.

        The text and the attachments stay until the window accepts them (`mark_sent`), so a
        refused send loses nothing.
        """
        text = self.text()
        if self._streaming or not (text.strip() or self.attachments()):
            return
        self.send_requested.emit(text)

    def mark_sent(self) -> None:
        """Clear the editor and the attachments and leave edit mode: the window took them."""
        self.editor.clear()
        self._clear_attachments()
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
        ready = bool(self.text().strip() or self.attachments())
        self.send_button.setEnabled(not self._streaming and ready)
        self.stop_button.setEnabled(self._streaming)

    # --- language -------------------------------------------------------------------------------

    def _retranslate(self) -> None:
        self.edit_cancel.setText(_("Cancel edit"))
        self.edit_cancel.setAccessibleName(_("Cancel editing"))
        self.editor.setAccessibleName(_("Message"))
        self.editor.setAccessibleDescription(_("Type a message to send to the model"))
        self.send_button.setText(_("Send"))
        self.send_button.setAccessibleName(_("Send message"))
        self.stop_button.setText(_("Stop"))
        self.stop_button.setAccessibleName(_("Stop generating"))
        self.stop_button.setToolTip(_("Stop the answer (Esc); what arrived is kept"))
        self.attach_button.setAccessibleName(_("Attach files"))
        self.attach_button.setToolTip(
            _("Attach images, PDFs or text files ({keys}); paste or drop them here too").format(
                keys=ATTACH_SHORTCUT
            )
        )
        self.attach_action.setText(_("Attach files"))
        if self.problem.isVisible():
            self.problem.setAccessibleName(_("Attachment problem"))
        self._retranslate_chord()

    def _retranslate_chord(self) -> None:
        if self.editor.ctrl_enter_sends:
            self.editor.setPlaceholderText(_("Message — Ctrl+Enter sends, Enter adds a line"))
            self.send_button.setToolTip(_("Send (Ctrl+Enter)"))
        else:
            self.editor.setPlaceholderText(_("Message — Enter sends, Shift+Enter adds a line"))
            self.send_button.setToolTip(_("Send (Enter)"))
