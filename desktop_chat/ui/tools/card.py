"""One pending tool call in the approval panel: what the model asks, and the user's answer.

A card shows the tool's name and origin, its arguments and what is wrong with them, and offers
Run, Edit arguments (a JSON editor checked against the tool's schema before it can run), Deny
and Always allow. For a user-defined tool it holds a field for the result the user types; for
read_text_file a file picker. Once approved it shows the elapsed time and a Cancel button.
The card only emits what the user chose; the panel turns that into the loop's decision.
"""

from __future__ import annotations

import json
import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.ui.chat.tool_call_html import pretty_arguments
from desktop_chat.ui.message_label import message_label

if TYPE_CHECKING:
    from desktop_chat.tools.events import PendingCall

READ_FILE = "read_text_file"


class ToolCard(QFrame):
    """A call waiting for the user: approve, edit, deny, answer, or cancel once running."""

    decided = Signal(str, str)  # "run" | "edit" | "deny" | "always", edited arguments
    answered = Signal(object)  # str, or None when the user declines to answer
    cancel_clicked = Signal(str)  # call id
    file_chosen = Signal(str)  # a path the user picked for read_text_file

    def __init__(self, pending: PendingCall, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pending = pending
        self.call_id = pending.call.id
        self.started: float | None = None
        self._had_focus = False
        self.typed_answer: str | None = None
        tool = pending.tool
        self.name = pending.call.name
        self.needs_person = tool is not None and tool.needs_person
        self.setObjectName("toolCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Tool call {self.name}")
        origin = tool.origin if tool is not None else "not offered"

        self.title = QLabel(f"<b>{_escape(self.name)}</b> · {_escape(origin)}", self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setAccessibleName("Tool and origin")
        self.state_label = message_label(self, "Call state", "The model wants to run this tool.")
        self.arguments = QPlainTextEdit(pretty_arguments(pending.call.arguments), self)
        self.arguments.setReadOnly(True)
        self.arguments.setAccessibleName(f"Arguments of {self.name}")
        self.arguments.setTabChangesFocus(True)
        self._fit(self.arguments, 6)
        self.problem = message_label(self, "Problem with the arguments", _problem_text(pending))
        self.problem.setObjectName("toolProblem")
        self.problem.setVisible(bool(self.problem.text()))

        self.editor = QPlainTextEdit(self)
        self.editor.setAccessibleName(f"Edited arguments of {self.name} (JSON)")
        self.editor.setTabChangesFocus(True)
        self.editor.textChanged.connect(self._check_edit)
        self.editor.setFixedHeight(8 * self.editor.fontMetrics().lineSpacing() + 12)
        self.edit_status = message_label(self, "Edited arguments check")
        self.run_edited = self._button("Run &with these arguments", "Run with the edited arguments")
        self.run_edited.clicked.connect(self._on_run_edited)
        self.cancel_edit = self._button("Back", "Leave the arguments as the model sent them")
        self.cancel_edit.clicked.connect(lambda: self._show_editor(False))
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.edit_status, 1)
        edit_row.addWidget(self.cancel_edit)
        edit_row.addWidget(self.run_edited)
        self.edit_box = QWidget(self)
        edit_column = QVBoxLayout(self.edit_box)
        edit_column.setContentsMargins(0, 0, 0, 0)
        edit_column.addWidget(self.editor)
        edit_column.addLayout(edit_row)
        self.edit_box.hide()

        self.result_edit = QPlainTextEdit(self)
        self.result_edit.setAccessibleName(f"Result of {self.name}")
        self.result_edit.setPlaceholderText("Type the result the model should receive")
        self.result_edit.setTabChangesFocus(True)
        self.result_edit.setFixedHeight(4 * self.result_edit.fontMetrics().lineSpacing() + 12)
        self.result_edit.setVisible(self.needs_person)

        primary = "&Send result" if self.needs_person else "&Run"
        if not pending.valid and pending.tool is not None:
            primary = "&Report the problem"  # the loop sends the problem back as the result
        self.run_button = self._button(primary, f"Run {self.name}")
        self.run_button.clicked.connect(self._on_run)
        self.edit_button = self._button("&Edit arguments", f"Edit the arguments of {self.name}")
        self.edit_button.clicked.connect(lambda: self._show_editor(True))
        self.deny_button = self._button("&Deny", f"Deny {self.name}")
        self.deny_button.clicked.connect(lambda: self.decided.emit("deny", ""))
        self.always_button = self._button(
            "&Always allow this tool", f"Always allow {self.name} without asking"
        )
        self.always_button.setEnabled(pending.valid)
        self.always_button.clicked.connect(lambda: self.decided.emit("always", ""))
        self.file_button = self._button("Choose &file…", "Choose the file the tool may read")
        self.file_button.clicked.connect(self.choose_file)
        self.file_button.setVisible(self.name == READ_FILE and pending.tool is not None)
        self.skip_button = self._button("Do&n't answer", f"Send no result for {self.name}")
        self.skip_button.clicked.connect(lambda: self.answered.emit(None))
        self.skip_button.hide()
        self.cancel_button = self._button("&Cancel", f"Cancel the running call of {self.name}")
        self.cancel_button.clicked.connect(lambda: self.cancel_clicked.emit(self.call_id))
        self.cancel_button.hide()

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.file_button, self.run_button, self.edit_button, self.deny_button):
            buttons.addWidget(button)
        buttons.addWidget(self.always_button)
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 8, 6)
        column.setSpacing(4)
        column.addWidget(self.title)
        column.addWidget(self.state_label)
        column.addWidget(self.arguments)
        column.addWidget(self.problem)
        column.addWidget(self.edit_box)
        column.addWidget(self.result_edit)
        column.addLayout(buttons)
        self._decision_buttons = (
            self.run_button,
            self.edit_button,
            self.deny_button,
            self.always_button,
            self.file_button,
        )
        self.setAccessibleDescription(
            f"{self.name} from {origin} with arguments {pending.call.arguments or '{}'}"
        )

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setToolTip(name)
        button.setAutoDefault(False)
        return button

    def _fit(self, editor: QPlainTextEdit, lines: int) -> None:
        """Show up to `lines` lines (as many as the text has, at least two), then scroll."""
        shown = min(max(editor.toPlainText().count("\n") + 1, 2), lines)
        frame = 2 * (editor.frameWidth() + int(editor.document().documentMargin()))
        editor.setFixedHeight(int((shown + 0.6) * editor.fontMetrics().lineSpacing()) + frame)

    # --- what the panel asks of a card ----------------------------------------------------------

    def focus_primary(self) -> None:
        """Put the keyboard focus where the user answers first."""
        if self.needs_person and self.result_edit.isVisible():
            self.result_edit.setFocus()
        else:
            self.run_button.setFocus()

    def ask_for_answer(self) -> None:
        """Switch to typing the result only (the tool was already approved)."""
        for button in self._decision_buttons:
            button.hide()
        self.result_edit.show()
        self.run_button.setText("&Send result")
        self.run_button.show()
        self.skip_button.show()
        self.state_label.setText("Type the result the model should receive.")

    def set_waiting(self, text: str) -> None:
        """Approved: no more decisions, just wait for the call to start."""
        focused = QApplication.focusWidget()
        self._had_focus = focused is not None and self.isAncestorOf(focused)
        for button in (*self._decision_buttons, self.skip_button):
            button.hide()
        self.edit_box.hide()
        self.result_edit.setReadOnly(True)
        self.state_label.setText(text)

    def set_running(self, now: float | None = None) -> None:
        had_focus = self._had_focus
        self.set_waiting("Running…")
        self.started = time.monotonic() if now is None else now
        self.cancel_button.setVisible(not self.needs_person)
        if self.cancel_button.isVisible() and (had_focus or self._had_focus):
            self.cancel_button.setFocus()

    def tick(self, now: float) -> None:
        if self.started is not None:
            self.state_label.setText(f"Running… {now - self.started:.1f} s")

    # --- user actions ---------------------------------------------------------------------------

    def _on_run(self) -> None:
        if self.needs_person and self.result_edit.isVisible():
            self.typed_answer = self.result_edit.toPlainText()
            if self.skip_button.isVisible():  # answering an approved call
                self.answered.emit(self.typed_answer)
                return
        self.decided.emit("run", "")

    def _show_editor(self, shown: bool) -> None:
        if shown and not self.editor.toPlainText():
            self.editor.setPlainText(pretty_arguments(self.pending.call.arguments))
        self.edit_box.setVisible(shown)
        self.arguments.setVisible(not shown)
        if shown:
            self._check_edit()
            self.editor.setFocus()
        else:
            self.edit_button.setFocus()

    def edited_arguments(self) -> str | None:
        """The editor's arguments as compact JSON, or None (with the reason shown) if unusable."""
        from desktop_chat.tools.schema import describe_problems, parse_arguments, validate_arguments

        parsed = parse_arguments(self.editor.toPlainText())
        if parsed.value is None:
            self.edit_status.setText(f"⚠ {parsed.error}")
            return None
        tool = self.pending.tool
        problems = validate_arguments(tool.tool.parameters, parsed.value) if tool else ()
        if problems:
            self.edit_status.setText(f"⚠ {describe_problems(problems)}")
            return None
        self.edit_status.setText("✓ valid arguments")
        return json.dumps(parsed.value, ensure_ascii=False)

    def _check_edit(self) -> None:
        if self.edit_box.isVisible():
            self.run_edited.setEnabled(self.edited_arguments() is not None)

    def _on_run_edited(self) -> None:
        arguments = self.edited_arguments()
        if arguments is not None:
            if self.needs_person:
                self.typed_answer = self.result_edit.toPlainText()
            self.decided.emit("edit", arguments)

    def choose_file(self) -> None:
        """Open a file dialog (open(), never exec(): the event loop must keep running)."""
        dialog = QFileDialog(self, f"Choose the file {self.name} may read")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        asked = self.pending.arguments.get("path") if self.pending.arguments else None
        if isinstance(asked, str) and asked:
            where = Path(asked).expanduser()
            if where.parent.is_dir():
                dialog.setDirectory(str(where.parent))
                dialog.selectFile(where.name)
        dialog.fileSelected.connect(self.use_file)
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        self.file_dialog = dialog
        dialog.open()

    def use_file(self, path: str) -> None:
        """Allow `path` and run the call on it (edited when the model asked for another)."""
        if not path:
            return
        self.file_chosen.emit(path)
        asked = self.pending.arguments.get("path") if self.pending.arguments else None
        if asked == path:
            self.decided.emit("run", "")
        else:
            self.decided.emit("edit", json.dumps({"path": path}, ensure_ascii=False))


def _problem_text(pending: PendingCall) -> str:
    if pending.tool is None:
        return "⚠ The model asked for a tool that is not offered."
    if pending.parse_error:
        return f"⚠ {pending.parse_error}"
    if pending.schema_errors:
        from desktop_chat.tools.schema import describe_problems

        return f"⚠ {describe_problems(pending.schema_errors)}"
    return ""


def _escape(value: str) -> str:
    return escape(value, quote=False)
