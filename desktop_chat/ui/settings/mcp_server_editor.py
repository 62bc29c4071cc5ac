"""Edit one MCP server of the Tools page: a stdio command or a streamable HTTP URL, and a Test.

The form only ever yields a valid `McpServer`: the dataclass's own checks judge it, so this
editor, `desktop-chat mcp add` and the settings file refuse the same things in the same words.
Test (see `mcp_server_test`) runs in a task and never blocks the dialog.

An HTTP server's secret headers are named here and their values typed, never shown; the settings
keep the names, and `header_values()` hands the typed values to the Tools page, which keeps them
until Settings are applied and only then writes them to the keyring.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import N_, _
from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, KeyStoreError, mcp_header_entry
from desktop_chat.storage.settings import Network
from desktop_chat.storage.tool_settings import McpServer, check_tool_name
from desktop_chat.storage.validation import SettingsError
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label
from desktop_chat.ui.settings.mcp_form_text import (
    in_form_words,
    parse_env,
    parse_headers,
    secret_plain_header,
    split_args,
    take_header,
)
from desktop_chat.ui.settings.mcp_header_secrets import KnownValues
from desktop_chat.ui.settings.mcp_server_test import ServerTest
from desktop_chat.ui.settings.secret_header_rows import SecretHeaderRows

if TYPE_CHECKING:
    from desktop_chat.storage.secrets import KeyStore

Spawn = Callable[[Coroutine[object, object, None]], "asyncio.Task[None]"]

TRANSPORTS = (("stdio", N_("Run a command (stdio)")), ("http", N_("Streamable HTTP (URL)")))


class McpServerEditor(Retranslating, QDialog):
    """A dialog editing one server; after OK, `result_server` holds the valid `McpServer`."""

    def __init__(
        self,
        server: McpServer | None,
        taken: set[str],
        spawn: Spawn,
        parent: QWidget | None = None,
        *,
        connect_timeout: float = 30.0,
        network: Callable[[], Network] | None = None,
        keystore: KeyStore | None = None,
        known: KnownValues | None = None,
    ) -> None:
        super().__init__(parent)
        self._keystore = keystore  # where stored values of secret headers are looked up
        self.known = known or KnownValues()
        self._editing = server is not None
        self.setModal(True)
        self.resize(700, 560)
        self.result_server: McpServer | None = None
        self._taken = taken
        self._plain_secret: str | None = None  # a plain header refused as a secret
        self._build()
        # After the form's fields, so that Tab reaches Test after them.
        self.tester = ServerTest(self, spawn, lambda: (self.server(), self.header_values()),
                                 connect_timeout=connect_timeout, network=network,
                                 keystore=keystore, known=self.known)  # fmt: skip
        self._lay_out()
        if server is not None:
            self._fill(server)
            if keystore is not None and self.known.source and self.known.stored:
                self._check = spawn(self._check_stored())
        self._transport_changed()
        self.finished.connect(lambda _result: self.tester.stop())
        self._retranslate()

    def _retranslate(self) -> None:
        self.setWindowTitle(_("Edit MCP server") if self._editing else _("Add MCP server"))
        self.setAccessibleName(self.windowTitle())
        for control, label, name, placeholder in (
            (self.name_edit, _("&Name"), _("Server name"),
             _("e.g. time (letters, digits, _ or -)")),
            (self.transport_combo, _("T&ransport"), _("Transport"), ""),
            (self.command_edit, _("&Command"), _("Command"),
             _("program to run, e.g. uvx or python")),
            (self.args_edit, _("&Arguments"), _("Arguments"),
             _("e.g. -m mcp_server_time (quoted like a shell line)")),
            (self.env_edit, _("&Environment"), _("Environment"), _("NAME=value, one per line")),
            (self.pass_env_edit, _("&Pass from environment"), _("Pass from environment"),
             _("names, e.g. GITHUB_TOKEN HOME")),
            (self.cwd_edit, _("&Working directory"), _("Working directory"),
             _("the app's current directory")),
            (self.url_edit, _("&URL"), _("URL"), "http://127.0.0.1:8000/mcp"),
            (self.headers_edit, _("&Headers"), _("Headers"),
             _("Name: value, one per line (secret ones go below)")),
            (self.secret_rows, _("&Secret headers"), _("Secret headers"), ""),
        ):  # fmt: skip
            self._labels[control].setText(label)
            control.setAccessibleName(name)
            if isinstance(control, QLineEdit | QPlainTextEdit) and placeholder:
                control.setPlaceholderText(placeholder)
        for index, (_value, text) in enumerate(TRANSPORTS):
            self.transport_combo.setItemText(index, _(text))
        self.pass_env_edit.setToolTip(
            _(
                "Variables handed on from Desktop Chat's own environment when the server "
                "starts; their values (secrets included) never enter the settings file"
            )
        )
        self.browse_button.setText(_("Browse…"))
        self.browse_button.setAccessibleName(_("Choose working directory"))
        self.problem.setAccessibleName(_("Server problem"))
        self.move_button.setText(_("&Move to secret headers"))
        self.move_button.setAccessibleName(_("Move to secret headers"))
        self.move_button.setToolTip(_("Keep this header's value in the system keyring instead"))
        self.tester.retranslate()
        self.secret_rows.retranslate()
        self._validate()

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.form = QFormLayout()
        self._labels: dict[QWidget, QLabel] = {}  # control -> its label, to retranslate
        self.name_edit = self._line()
        self.transport_combo = QComboBox(self)
        for value, _label in TRANSPORTS:
            self.transport_combo.addItem("", value)
        self.transport_combo.currentIndexChanged.connect(self._transport_changed)
        self._row(self.transport_combo)
        self.command_edit = self._line()
        self.args_edit = self._line()
        self.env_edit = self._text()
        self.pass_env_edit = self._line()
        self.cwd_edit = QLineEdit(self)
        self.cwd_edit.textChanged.connect(self._validate)
        self.browse_button = QPushButton(self)
        self.browse_button.clicked.connect(self._browse_cwd)
        cwd_row = QHBoxLayout()
        cwd_row.addWidget(self.cwd_edit, 1)
        cwd_row.addWidget(self.browse_button)
        self._cwd_row = self.form.rowCount()
        self._row(self.cwd_edit, cwd_row)
        self.url_edit = self._line()
        self.headers_edit = self._text()
        self.secret_rows = SecretHeaderRows(self)
        self.secret_rows.tab_after = self.headers_edit
        self.secret_rows.changed.connect(self._validate)
        self._row(self.secret_rows)

        self.problem = message_label(self, "")
        self.move_button = QPushButton(self)
        self.move_button.clicked.connect(self._move_to_secret)
        self.move_button.hide()
        self._file_dialog: QFileDialog | None = None

    def _lay_out(self) -> None:
        self.test_button = self.tester.button
        self.test_status = self.tester.status
        self.tools_view = self.tester.tools_view
        self.stderr_view = self.tester.stderr_view
        problem_row = QHBoxLayout()
        problem_row.addWidget(self.problem, 1)
        problem_row.addWidget(self.move_button)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_status, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(problem_row)
        layout.addLayout(test_row)
        layout.addWidget(self.tools_view, 1)
        layout.addWidget(self.tester.stderr_label)
        layout.addWidget(self.stderr_view, 1)
        layout.addStretch()
        layout.addWidget(self.buttons)

    def _row(self, control: QWidget, row: QHBoxLayout | None = None) -> None:
        label = QLabel(self)
        label.setBuddy(control)
        self._labels[control] = label
        self.form.addRow(label, row if row is not None else control)

    def _line(self) -> QLineEdit:
        edit = QLineEdit(self)
        edit.textChanged.connect(self._validate)
        self._row(edit)
        return edit

    def _text(self) -> QPlainTextEdit:
        edit = QPlainTextEdit(self)
        edit.setTabChangesFocus(True)
        # A fixed height keeps the form compact: an expanding editor would spread its rows.
        edit.setFixedHeight(64)
        edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        edit.textChanged.connect(self._validate)
        self._row(edit)
        return edit

    def _fill(self, server: McpServer) -> None:
        self.name_edit.setText(server.name)
        self.transport_combo.setCurrentIndex(self.transport_combo.findData(server.transport))
        self.command_edit.setText(server.command)
        self.args_edit.setText(shlex.join(server.args))
        self.env_edit.setPlainText("".join(f"{k}={v}\n" for k, v in server.env.items()))
        self.pass_env_edit.setText(" ".join(server.pass_env))
        self.cwd_edit.setText(server.cwd)
        self.url_edit.setText(server.url)
        self.headers_edit.setPlainText("".join(f"{k}: {v}\n" for k, v in server.headers.items()))
        self.secret_rows.show_server(server.keyring_headers, self.known)

    # --- the value ------------------------------------------------------------------------------

    def is_http(self) -> bool:
        return bool(self.transport_combo.currentData() == "http")

    def server(self) -> McpServer:
        """Build the server shown; raise SettingsError naming the first problem."""
        name = check_tool_name(self.name_edit.text().strip(), "MCP server")
        if name.casefold() in self._taken:
            raise SettingsError(
                _("an MCP server named {name} exists; choose another name").format(name=repr(name))
            )
        if self.is_http():
            if not self.url_edit.text().strip():
                raise SettingsError(
                    _("enter the URL of the server, e.g. {example}").format(
                        example="http://127.0.0.1:8000/mcp"
                    )
                )
            headers = parse_headers(self.headers_edit.toPlainText())
            secret = self.secret_rows.names()
            url = self.url_edit.text().strip()
            try:
                return McpServer(name, url=url, headers=headers, keyring_headers=secret)
            except SettingsError as exc:
                raise in_form_words(exc) from None
        command = self.command_edit.text().strip()
        if not command:
            raise SettingsError(_("enter the command that starts the server"))
        args = split_args(self.args_edit.text())
        env = parse_env(self.env_edit.toPlainText())
        passed = tuple(re.split(r"[\s,]+", self.pass_env_edit.text().strip()))
        try:
            return McpServer(name, command, args, env, tuple(p for p in passed if p),
                             self.cwd_edit.text().strip())  # fmt: skip
        except SettingsError as exc:  # the CLI's hint, in the words of this form
            raise in_form_words(exc) from None

    def header_values(self) -> dict[str, str]:
        """The secret header values typed now (header -> value); empty fields are left out."""
        return self.secret_rows.values() if self.is_http() else {}

    def _validate(self) -> None:
        try:
            self.server()
        except SettingsError as exc:
            self.problem.setText(f"✗ {exc}")
            self.ok_button.setEnabled(False)
            self._plain_secret = secret_plain_header(exc)
        else:
            self.problem.clear()
            self.ok_button.setEnabled(True)
            self._plain_secret = None
        self.move_button.setVisible(self._plain_secret is not None)

    def _move_to_secret(self) -> None:
        """Take the refused plain header out of the Headers text into a secret header row."""
        name = self._plain_secret
        if name is None:
            return
        rest, value = take_header(self.headers_edit.toPlainText(), name)
        same = [r for r in self.secret_rows.rows if r.texts()[0].casefold() == name.casefold()]
        row = same[0] if same else self.secret_rows.add_row(name)
        row.value_edit.setText(value)
        self.headers_edit.setPlainText(rest)
        row.value_edit.setFocus()

    def _transport_changed(self) -> None:
        http = self.is_http()
        for widget in (self.command_edit, self.args_edit, self.env_edit, self.pass_env_edit):
            self.form.setRowVisible(widget, not http)
        self.form.setRowVisible(self._cwd_row, not http)
        self.form.setRowVisible(self.url_edit, http)
        self.form.setRowVisible(self.headers_edit, http)
        self.form.setRowVisible(self.secret_rows, http)
        self._validate()

    def _accept(self) -> None:
        try:
            self.result_server = self.server()
        except SettingsError as exc:
            self.problem.setText(f"✗ {exc}")
            return
        self.accept()

    def _browse_cwd(self) -> None:
        # open() + a signal: a nested exec() would freeze every asyncio task.
        title = _("Choose the server's working directory")
        dialog = QFileDialog(self, title, self.cwd_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.cwd_edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        self._file_dialog = dialog
        dialog.open()

    # --- Test ---------------------------------------------------------------------------------

    @property
    def summary(self) -> str:
        """One line about the last successful test, for the page's list."""
        return self.tester.summary

    def testing(self) -> bool:
        return self.tester.running()

    def stop_test(self) -> None:
        self.tester.stop()

    async def _check_stored(self) -> None:
        """Find stored secret headers whose value is missing from the keyring, and say so."""
        known, store = self.known, self._keystore
        if store is None or known.source is None:
            return
        missing: set[str] = set()
        for key in sorted(known.stored - known.pending.keys()):
            entry = mcp_header_entry(known.source, key)
            try:
                if not await store.aget(entry, service=MCP_HEADER_SERVICE):
                    missing.add(key)
            except KeyStoreError:
                return  # locked or unreachable: Test says so in its own words
        if shiboken6.isValid(self):
            self.secret_rows.mark_missing(missing)
