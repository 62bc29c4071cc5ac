"""The “Secret headers” of an HTTP MCP server: rows of a header name and a hidden value.

The settings file keeps only the names (``McpServer.keyring_headers``); the values go to the
OS keyring when Settings are applied. A value field never shows its text (password echo, which
also refuses copying it out). For a header whose value is stored the field starts empty: left
empty it keeps that value, typed into it replaces it. Any other header needs a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop_chat.i18n import N_, _
from desktop_chat.storage.validation import SettingsError, check_header_name
from desktop_chat.ui.settings.mcp_header_secrets import KnownValues

NAME_WIDTH = 160
STORED = N_("stored in the keyring — leave empty to keep")
PENDING = N_("saved to the keyring on OK — leave empty to keep")
MISSING = N_("nothing in the keyring yet — enter the value")
NEW = N_("value (kept in the keyring)")
TIPS = {  # the placeholder, as a sentence
    STORED: N_("Stored in the keyring — leave empty to keep"),
    PENDING: N_("Saved to the keyring on OK — leave empty to keep"),
    MISSING: N_("Nothing in the keyring yet — enter the value"),
    NEW: N_("Value (kept in the keyring)"),
}


@dataclass(slots=True)
class _Row:
    name_edit: QLineEdit
    value_edit: QLineEdit
    remove_button: QPushButton

    def texts(self) -> tuple[str, str]:
        return self.name_edit.text().strip(), self.value_edit.text().strip()

    def widgets(self) -> tuple[QLineEdit, QLineEdit, QPushButton]:
        return self.name_edit, self.value_edit, self.remove_button


class SecretHeaderRows(QWidget):
    """Edit the secret headers of one server; `changed` follows every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.known = KnownValues()
        self.missing: set[str] = set()  # casefolded stored headers found empty in the keyring
        self.rows: list[_Row] = []
        self.tab_after: QWidget | None = None  # the control that comes before the rows
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(self)
        self.add_button.clicked.connect(lambda: self.add_row().name_edit.setFocus())
        button_row = QHBoxLayout()
        button_row.addWidget(self.add_button)
        button_row.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._rows_layout)
        layout.addLayout(button_row)
        self.setFocusProxy(self.add_button)
        self.retranslate()

    def retranslate(self) -> None:
        """Set the words in the current language (the editor calls it on a change)."""
        self.setAccessibleName(_("Secret headers"))
        self.add_button.setText(_("Add secret header"))
        self.add_button.setAccessibleName(_("Add secret header"))
        self.add_button.setToolTip(
            _(
                "A header whose value is a secret, such as Authorization: the settings file "
                "keeps its name, the system keyring its value"
            )
        )
        for number, row in enumerate(self.rows, 1):
            self._name(row, number)
            self._placeholder(row)

    def show_server(self, headers: tuple[str, ...], known: KnownValues) -> None:
        """Show a row per header of a saved server, values left empty."""
        self.known = known
        for row in list(self.rows):
            self._drop(row)
        for header in headers:
            self.add_row(header)

    def add_row(self, name: str = "", value: str = "") -> _Row:
        number = len(self.rows) + 1
        name_edit = QLineEdit(name, self)
        name_edit.setFixedWidth(NAME_WIDTH)
        value_edit = QLineEdit(value, self)
        value_edit.setEchoMode(QLineEdit.EchoMode.Password)
        remove_button = QPushButton(self)
        row = _Row(name_edit, value_edit, remove_button)
        name_edit.textChanged.connect(lambda _text: self._edited(row))
        value_edit.textChanged.connect(lambda _text: self.changed.emit())
        remove_button.clicked.connect(lambda: self.remove_row(row))
        line = QHBoxLayout()
        line.addWidget(name_edit)
        line.addWidget(value_edit, 1)
        line.addWidget(remove_button)
        self._rows_layout.addLayout(line)
        for widget in row.widgets():
            widget.show()  # now, not when the layout gets to it: Add gives the name focus
        self.rows.append(row)
        self._name(row, number)
        self._placeholder(row)
        self._reorder()
        self.changed.emit()
        return row

    def remove_row(self, row: _Row) -> None:
        index = self.rows.index(row)
        had_focus = any(w.hasFocus() for w in row.widgets())
        self._drop(row)
        for number, other in enumerate(self.rows, 1):
            self._name(other, number)
        self._reorder()
        if had_focus:  # a keyboard user stays in the section
            after = self.rows[index].name_edit if index < len(self.rows) else self.add_button
            after.setFocus()
        self.changed.emit()

    def mark_missing(self, headers: set[str]) -> None:
        """Say that these stored headers (casefolded) have no value in the keyring."""
        self.missing = headers
        for row in self.rows:
            self._placeholder(row)

    # --- the value ------------------------------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        """The header names shown; raise SettingsError naming the first problem.

        A row with neither name nor value is ignored, so an added row does not nag at once.
        """
        names: list[str] = []
        for number, row in enumerate(self.rows, 1):
            name, value = row.texts()
            if not name and not value:
                continue
            if not name:
                raise SettingsError(
                    _("secret header {number} has a value but no name").format(number=number)
                )
            name = check_header_name(name)
            if not value.isprintable():  # the value itself is never part of a message
                raise SettingsError(
                    _("the value of secret header {name} has control characters").format(
                        name=repr(name)
                    )
                )
            if not value and not self.known.has_value(name):
                raise SettingsError(
                    _(
                        "enter the value of secret header {name}; it is kept in the system "
                        "keyring, never in the settings file"
                    ).format(name=repr(name))
                )
            names.append(name)
        return tuple(names)

    def values(self) -> dict[str, str]:
        """The values typed now, by header name; empty fields are left out."""
        return {name: value for name, value in (row.texts() for row in self.rows) if value}

    # --- helpers --------------------------------------------------------------------------------

    def _edited(self, row: _Row) -> None:
        self._placeholder(row)
        self.changed.emit()

    def _placeholder(self, row: _Row) -> None:
        key = row.name_edit.text().strip().casefold()
        if key in self.known.pending:
            text = PENDING
        elif key in self.known.stored:
            text = MISSING if key in self.missing else STORED
        else:
            text = NEW
        row.value_edit.setPlaceholderText(_(text))
        row.value_edit.setToolTip(_(TIPS[text]))

    def _name(self, row: _Row, number: int) -> None:
        row.name_edit.setPlaceholderText(_("header, e.g. Authorization"))
        row.remove_button.setText(_("Remove"))
        row.name_edit.setAccessibleName(_("Name of secret header {number}").format(number=number))
        row.value_edit.setAccessibleName(_("Value of secret header {number}").format(number=number))
        row.remove_button.setAccessibleName(
            _("Remove secret header {number}").format(number=number)
        )

    def _drop(self, row: _Row) -> None:
        self.rows.remove(row)
        for widget in row.widgets():
            widget.hide()
            widget.deleteLater()
        for index in range(self._rows_layout.count()):
            item = self._rows_layout.itemAt(index)
            line = item.layout() if item is not None else None
            if line is not None and line.indexOf(row.name_edit) >= 0:
                self._rows_layout.takeAt(index)
                line.deleteLater()
                break

    def _reorder(self) -> None:
        """Tab through each row (name, value, Remove), then Add, right after `tab_after`."""
        chain: list[QWidget] = [w for row in self.rows for w in row.widgets()]
        chain.append(self.add_button)
        if self.tab_after is not None:
            chain.insert(0, self.tab_after)
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.setFocusProxy(self.rows[0].name_edit if self.rows else self.add_button)
