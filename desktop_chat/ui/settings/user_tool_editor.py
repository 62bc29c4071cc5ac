"""Edit one user-defined tool: its name, a description for the model, and a JSON Schema.

When the model calls such a tool, the user types the result. The schema is checked on every
edit: a JSON syntax error is shown with its line and column (and that line is marked), a schema
the providers would refuse is shown with `check_schema`'s message, and OK stays disabled until
everything is valid. Names follow the provider rule and the CLI's (`desktop-chat tool add`).
jsonschema is imported by the first check, not when the Settings dialog opens.
"""

from __future__ import annotations

import json

from PySide6.QtGui import QColor, QFontDatabase, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import _
from desktop_chat.storage.tool_settings import UserTool
from desktop_chat.storage.validation import SettingsError
from desktop_chat.tools.schema import ToolSchemaError, check_schema, check_tool_name
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label

TEMPLATE = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "What to look up"},
        "limit": {"type": "integer", "minimum": 1, "description": "At most this many answers"},
    },
    "required": ["query"],
}


def parse_schema(text: str) -> dict[str, object]:
    """Read and check a parameters schema; raise ToolSchemaError with a message for a person.

    A syntax error names its line and column (``ToolSchemaError.args[1:]`` holds them).
    """
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolSchemaError(
            _("JSON syntax error at line {line}, column {column}: {problem}").format(
                line=exc.lineno, column=exc.colno, problem=exc.msg
            ),
            exc.lineno,
            exc.colno,
        ) from None
    return dict(check_schema(schema))


def builtin_names() -> set[str]:
    from desktop_chat.tools.builtin import builtin_entries

    return {entry.name.casefold() for entry in builtin_entries()}


class UserToolEditor(Retranslating, QDialog):
    """A dialog editing one tool; after OK, `result_tool` holds the valid `UserTool`."""

    def __init__(
        self, tool: UserTool | None, taken: set[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._editing = tool is not None
        self.setModal(True)
        self.resize(600, 560)
        self.result_tool: UserTool | None = None
        self._taken = taken
        self._builtins = builtin_names()

        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_label = QLabel(self)
        self.name_label.setBuddy(self.name_edit)
        form.addRow(self.name_label, self.name_edit)
        self.description_edit = QPlainTextEdit(self)
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setMaximumHeight(70)
        self.description_label = QLabel(self)
        self.description_label.setBuddy(self.description_edit)
        form.addRow(self.description_label, self.description_edit)
        self.schema_edit = QPlainTextEdit(self)
        self.schema_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.schema_edit.setTabChangesFocus(True)
        self.schema_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.schema_label = QLabel(self)
        self.schema_label.setBuddy(self.schema_edit)
        form.addRow(self.schema_label, self.schema_edit)
        self.problem = message_label(self, "")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.name_edit.setText(tool.name if tool else "")
        self.description_edit.setPlainText(tool.description if tool else "")
        schema = tool.parameters if tool else TEMPLATE
        self.schema_edit.setPlainText(json.dumps(schema, indent=2, ensure_ascii=False))
        for signal in (
            self.name_edit.textChanged,
            self.description_edit.textChanged,
            self.schema_edit.textChanged,
        ):
            signal.connect(self._validate)
        self._retranslate()

    def _retranslate(self) -> None:
        self.setWindowTitle(_("Edit tool") if self._editing else _("Add tool"))
        self.setAccessibleName(self.windowTitle())
        self.name_label.setText(_("&Name"))
        self.name_edit.setAccessibleName(_("Tool name"))
        self.name_edit.setPlaceholderText(_("e.g. lookup_order (letters, digits, _ or -)"))
        self.description_label.setText(_("&Description"))
        self.description_edit.setAccessibleName(_("Tool description"))
        self.description_edit.setPlaceholderText(_("What the tool does and when to use it"))
        self.schema_label.setText(_("&Parameters\n(JSON Schema)"))
        self.schema_edit.setAccessibleName(_("Parameters JSON Schema"))
        self.problem.setAccessibleName(_("Tool problem"))
        self._validate()

    def tool(self) -> UserTool:
        """Build the tool shown; raise SettingsError or ToolSchemaError naming the problem."""
        name = self.name_edit.text().strip()
        check_tool_name(name)
        if name.casefold() in self._builtins:
            raise ToolSchemaError(
                _("{name} is the name of a built-in tool; choose another").format(name=repr(name))
            )
        if name.casefold() in self._taken:
            raise ToolSchemaError(
                _("a tool named {name} exists; choose another name").format(name=repr(name))
            )
        schema = parse_schema(self.schema_edit.toPlainText())
        return UserTool(name, self.description_edit.toPlainText().strip(), schema)

    def _validate(self) -> None:
        self._mark_line(None)
        try:
            self.tool()
        except (SettingsError, ToolSchemaError) as exc:
            self.problem.setText(f"✗ {exc.args[0]}")
            self.ok_button.setEnabled(False)
            if len(exc.args) == 3:
                self._mark_line(exc.args[1])
        else:
            self.problem.clear()
            self.ok_button.setEnabled(True)

    def _mark_line(self, line: int | None) -> None:
        """Tint the line a JSON syntax error points at (none: clear the mark)."""
        if line is None:
            self.schema_edit.setExtraSelections([])
            return
        block = self.schema_edit.document().findBlockByLineNumber(line - 1)
        tint = QTextCharFormat()
        tint.setBackground(QColor(255, 80, 80, 60))
        tint.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection = QTextEdit.ExtraSelection()
        selection.format = tint
        selection.cursor = QTextCursor(block)
        self.schema_edit.setExtraSelections([selection])

    def _accept(self) -> None:
        try:
            self.result_tool = self.tool()
        except (SettingsError, ToolSchemaError) as exc:
            self.problem.setText(f"✗ {exc.args[0]}")
            return
        self.accept()
