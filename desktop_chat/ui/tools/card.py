"""One pending tool call in the approval panel: what the model asks, and the user's answer.

A card shows the tool's name and origin, its arguments and what is wrong with them, and offers
Run, Edit arguments (a JSON editor checked against the tool's schema before it can run), Deny
and Always allow. For a user-defined tool it holds a field for the result the user types; for
read_text_file a file picker. Once approved it shows the elapsed time and a Cancel button.
The card only emits what the user chose; the panel turns that into the loop's decision.

While the arguments are edited the card's other decisions are disabled: Run would run the
arguments the model sent, not those on screen. The edit ends with its own two buttons, right
under an editor that grows with its text up to EDITOR_LINES and then scrolls.

Mnemonics: several cards can be shown at once, and a letter may be taken once per window, so
only the card the panel calls `keyed` (the one with the focus, else the first) carries them.
Their letters avoid the window's own (Endpoint, Model, Temperature, max toKens, reasoNing,
thinkinG): Alt+E used to reach the Endpoint box instead of Edit arguments.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from html import escape
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
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

from desktop_chat.i18n import N_, _
from desktop_chat.ui.chat.tool_call_html import pretty_arguments
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label

if TYPE_CHECKING:
    from desktop_chat.tools.events import PendingCall
    from desktop_chat.tools.registry import ToolEntry

READ_FILE = "read_text_file"
EDITOR_LINES = (3, 10)  # the argument editor's height, in lines: at least, at most
_MNEMONIC = re.compile(r"\(&[^)]\)|&(?=[^&])")  # "(&R)" of a Chinese label, or "&" before a letter


def plain(text: str) -> str:
    """`text` without its mnemonic, in either convention ("&Run", "运行(&R)")."""
    return _MNEMONIC.sub("", text)


class ToolCard(Retranslating, QFrame):
    """A call waiting for the user: approve, edit, deny, answer, or cancel once running."""

    decided = Signal(str, str)  # "run" | "edit" | "deny" | "always", edited arguments
    answered = Signal(object)  # str, or None when the user declines to answer
    cancel_clicked = Signal(str)  # call id
    file_chosen = Signal(str)  # a path the user picked for read_text_file
    editing_changed = Signal(bool)  # the argument editor opened or closed

    def __init__(self, pending: PendingCall, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pending = pending
        self.call_id = pending.call.id
        self.started: float | None = None
        self._had_focus = False
        self.typed_answer: str | None = None
        self.keyed = True  # carries the mnemonics (see the module docstring)
        tool = pending.tool
        self.name = pending.call.name
        self.needs_person = tool is not None and tool.needs_person
        self.setObjectName("toolCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # What the state line says, kept untranslated so it follows a language change.
        self._state = N_("The model wants to run this tool.")
        self._primary = N_("&Send result") if self.needs_person else N_("&Run")
        if not pending.valid and tool is not None:
            self._primary = N_("&Report the problem")  # the loop sends the problem as the result

        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.state_label = message_label(self, "")
        self.arguments = QPlainTextEdit(pretty_arguments(pending.call.arguments), self)
        self.arguments.setReadOnly(True)
        self.arguments.setTabChangesFocus(True)
        self._fit(self.arguments, 6)
        self.problem = message_label(self, "")
        self.problem.setObjectName("toolProblem")

        self.editor = QPlainTextEdit(self)
        self.editor.setTabChangesFocus(True)
        self.editor.textChanged.connect(self._check_edit)
        self.edit_status = message_label(self, "")
        self.run_edited = self._button(self._on_run_edited, "play")
        self.cancel_edit = self._button(lambda: self._show_editor(False))
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
        self.result_edit.setTabChangesFocus(True)
        self.result_edit.setFixedHeight(4 * self.result_edit.fontMetrics().lineSpacing() + 12)
        self.result_edit.setVisible(self.needs_person)

        self.run_button = self._button(self._on_run, "play")
        self.edit_button = self._button(lambda: self._show_editor(True), "pencil")
        self.deny_button = self._button(lambda: self.decided.emit("deny", ""), "ban")
        self.always_button = self._button(lambda: self.decided.emit("always", ""))
        self.always_button.setEnabled(pending.valid)
        self.file_button = self._button(self.choose_file, "file")
        self.file_button.setVisible(self.name == READ_FILE and tool is not None)
        self.skip_button = self._button(lambda: self.answered.emit(None))
        self.skip_button.hide()
        self.cancel_button = self._button(lambda: self.cancel_clicked.emit(self.call_id), "x")
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
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(4)
        column.addWidget(self.title)
        column.addWidget(self.state_label)
        column.addWidget(self.arguments)
        column.addWidget(self.problem)
        column.addWidget(self.edit_box)
        column.addWidget(self.result_edit)
        column.addLayout(buttons)
        # Tab reads the card as it is laid out: top to bottom, left to right.
        order = (self.arguments, self.editor, self.cancel_edit, self.run_edited, self.result_edit,
                 self.file_button, self.run_button, self.edit_button, self.deny_button,
                 self.always_button, self.skip_button, self.cancel_button)  # fmt: skip
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        self._decision_buttons = (
            self.run_button,
            self.edit_button,
            self.deny_button,
            self.always_button,
            self.file_button,
        )
        self._retranslate()

    def _button(self, clicked: Callable[[], object], icon_name: str = "") -> QPushButton:
        button = QPushButton(self)
        button.setAutoDefault(False)
        if icon_name:
            button.setIcon(icon(icon_name))
            button.setIconSize(QSize(16, 16))
        button.clicked.connect(clicked)
        return button

    def _fit(self, editor: QPlainTextEdit, lines: int, least: int = 2) -> None:
        """Show up to `lines` lines (as many as the text has, at least `least`), then scroll."""
        shown = min(max(editor.toPlainText().count("\n") + 1, least), lines)
        frame = 2 * (editor.frameWidth() + int(editor.document().documentMargin()))
        editor.setFixedHeight(int((shown + 0.6) * editor.fontMetrics().lineSpacing()) + frame)

    # --- words ----------------------------------------------------------------------------------

    def set_keyed(self, keyed: bool) -> None:
        """Carry the mnemonics (this card has the focus, or is first) or give them up."""
        if keyed != self.keyed:
            self.keyed = keyed
            self._retranslate()

    def _retranslate(self) -> None:
        name = self.name
        tool = self.pending.tool
        origin = _origin(tool)
        self.setAccessibleName(_("Tool call {name}").format(name=name))
        self.setAccessibleDescription(
            _("{name} from {origin} with arguments {arguments}").format(
                name=name, origin=origin, arguments=self.pending.call.arguments or "{}"
            )
        )
        self.title.setText(f"<b>{_escape(name)}</b> · {_escape(origin)}")
        self.title.setAccessibleName(_("Tool and origin"))
        self.state_label.setAccessibleName(_("Call state"))
        self._show_state()
        self.arguments.setAccessibleName(_("Arguments of {name}").format(name=name))
        self.problem.setAccessibleName(_("Problem with the arguments"))
        self.problem.setText(_problem_text(self.pending))
        self.problem.setVisible(bool(self.problem.text()))
        self.editor.setAccessibleName(_("Edited arguments of {name} (JSON)").format(name=name))
        self.edit_status.setAccessibleName(_("Edited arguments check"))
        if self.edit_box.isVisibleTo(self):
            self.edited_arguments()
        self.result_edit.setAccessibleName(_("Result of {name}").format(name=name))
        self.result_edit.setPlaceholderText(_("Type the result the model should receive"))
        for button, text, tip in (
            (self.run_edited, _("R&un with these arguments"), _("Run with the edited arguments")),
            (self.cancel_edit, _("Cance&l edit"), _("Leave the arguments as the model sent them")),
            (self.run_button, _(self._primary), _("Run {name}")),
            (self.edit_button, _("Ed&it arguments"), _("Edit the arguments of {name}")),
            (self.deny_button, _("&Deny"), _("Deny {name}")),
            (self.always_button, _("&Always allow this tool"),
             _("Always allow {name} without asking")),
            (self.file_button, _("Choose &file…"), _("Choose the file the tool may read")),
            (self.skip_button, _("Don't ans&wer"), _("Send no result for {name}")),
            (self.cancel_button, _("&Cancel"), _("Cancel the running call of {name}")),
        ):  # fmt: skip
            button.setText(text if self.keyed else plain(text))
            button.setAccessibleName(tip.format(name=name))
            button.setToolTip(tip.format(name=name))

    def _show_state(self) -> None:
        if self.started is not None:
            self.tick(time.monotonic())
        else:
            self.state_label.setText(_(self._state))

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
        self._primary = N_("&Send result")
        self.run_button.show()
        self.skip_button.show()
        self._state = N_("Type the result the model should receive.")
        self._retranslate()

    def set_waiting(self, text: str) -> None:
        """Approved: no more decisions, just wait for the call to start.

        `text` is a message marked with N_(), translated here and again on a language change.
        """
        focused = QApplication.focusWidget()
        self._had_focus = focused is not None and self.isAncestorOf(focused)
        for button in (*self._decision_buttons, self.skip_button):
            button.hide()
        self.edit_box.hide()
        self.result_edit.setReadOnly(True)
        self._state = text
        self._show_state()

    def set_running(self, now: float | None = None) -> None:
        had_focus = self._had_focus
        self.set_waiting(N_("Running…"))
        self.started = time.monotonic() if now is None else now
        self.cancel_button.setVisible(not self.needs_person)
        if self.cancel_button.isVisible() and (had_focus or self._had_focus):
            self.cancel_button.setFocus()

    def tick(self, now: float) -> None:
        if self.started is not None:
            seconds = f"{now - self.started:.1f}"
            self.state_label.setText(_("Running… {seconds} s").format(seconds=seconds))

    # --- user actions ---------------------------------------------------------------------------

    def _on_run(self) -> None:
        if self.needs_person and self.result_edit.isVisible():
            self.typed_answer = self.result_edit.toPlainText()
            if self.skip_button.isVisible():  # answering an approved call
                self.answered.emit(self.typed_answer)
                return
        self.decided.emit("run", "")

    def editing(self) -> bool:
        return self.edit_box.isVisibleTo(self)

    def _show_editor(self, shown: bool) -> None:
        if shown and not self.editor.toPlainText():
            self.editor.setPlainText(pretty_arguments(self.pending.call.arguments))
        self.edit_box.setVisible(shown)
        self.arguments.setVisible(not shown)
        # Run would run what the model sent, not what is on screen: decide after the edit.
        for button in (self.run_button, self.edit_button, self.deny_button, self.file_button):
            button.setEnabled(not shown)
        self.always_button.setEnabled(not shown and self.pending.valid)
        if shown:
            self._check_edit()
            self.editor.setFocus()
        else:
            self.edit_button.setFocus()
        self.editing_changed.emit(shown)

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
        self.edit_status.setText(_("✓ valid arguments"))
        return json.dumps(parsed.value, ensure_ascii=False)

    def _check_edit(self) -> None:
        self._fit(self.editor, EDITOR_LINES[1], EDITOR_LINES[0])
        if self.edit_box.isVisibleTo(self):
            self.run_edited.setEnabled(self.edited_arguments() is not None)

    def _on_run_edited(self) -> None:
        arguments = self.edited_arguments()
        if arguments is not None:
            if self.needs_person:
                self.typed_answer = self.result_edit.toPlainText()
            self.decided.emit("edit", arguments)

    def choose_file(self) -> None:
        """Open a file dialog (open(), never exec(): the event loop must keep running)."""
        dialog = QFileDialog(self, _("Choose the file {name} may read").format(name=self.name))
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


def _origin(tool: ToolEntry | None) -> str:
    """Where the tool comes from, in the reader's language (`ToolEntry.origin` in English)."""
    if tool is None:
        return _("not offered")
    if tool.source.startswith("mcp:"):
        return _("MCP server {name}").format(name=repr(tool.source.removeprefix("mcp:")))
    if tool.source == "builtin":
        return _("built-in")
    return _("user-defined") if tool.source == "user" else tool.source


def _problem_text(pending: PendingCall) -> str:
    if pending.tool is None:
        return _("⚠ The model asked for a tool that is not offered.")
    if pending.parse_error:
        return f"⚠ {pending.parse_error}"
    if pending.schema_errors:
        from desktop_chat.tools.schema import describe_problems

        return f"⚠ {describe_problems(pending.schema_errors)}"
    return ""


def _escape(value: str) -> str:
    return escape(value, quote=False)
