"""Edit one MCP server of the Tools page: a stdio command or a streamable HTTP URL, and a Test.

The form only ever yields a valid `McpServer`: the dataclass's own checks judge it, so this
editor, `desktop-chat mcp add` and the settings file refuse the same things in the same words.
Test connects with `McpConnection` in a task from the dialog's `spawn`, so every other task keeps
running; pressing Stop, or closing the editor, cancels it and stops the server. The MCP SDK is
imported when Test runs, never when the dialog opens.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Callable, Coroutine

import shiboken6
from PySide6.QtGui import QFontDatabase
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
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.storage.settings import McpServer, Network, SettingsError, check_tool_name
from desktop_chat.ui.message_label import message_label

Spawn = Callable[[Coroutine[object, object, None]], "asyncio.Task[None]"]

TRANSPORTS = (("stdio", "Run a command (stdio)"), ("http", "Streamable HTTP (URL)"))
_CLI_ENV_HINT = re.compile(r"\(--env (\w+) without a value\)")


def split_args(text: str) -> tuple[str, ...]:
    """Split an argument line the way a POSIX shell would (quotes and backslashes)."""
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise SettingsError(f"the arguments cannot be split like a shell line: {exc}") from None


def parse_env(text: str) -> dict[str, str]:
    """Read ``NAME=value`` lines; blank lines are skipped."""
    env: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise SettingsError(
                f"environment line {number} ({line.strip()!r}) wants NAME=value; list variables "
                "to hand on from the app's environment under “Pass from environment”"
            )
        env[name.strip()] = value
    return env


def parse_headers(text: str) -> dict[str, str]:
    """Read ``Name: value`` lines, as `desktop-chat mcp add --header` does; blanks are skipped."""
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise SettingsError(f"header line {number} ({line.strip()!r}) wants Name: value")
        headers[name.strip()] = value.strip()
    return headers


class McpServerEditor(QDialog):
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
    ) -> None:
        super().__init__(parent)
        self._network = network  # proxy and TLS settings for an HTTP server's Test
        self.setWindowTitle("Edit MCP server" if server else "Add MCP server")
        self.setAccessibleName(self.windowTitle())
        self.setModal(True)
        self.resize(620, 560)
        self.result_server: McpServer | None = None
        self.summary = ""  # one line about the last successful test, for the page's list
        self.connect_timeout = connect_timeout
        self._taken = taken
        self._spawn = spawn
        self._test: asyncio.Task[None] | None = None
        self._build()
        if server is not None:
            self._fill(server)
        self._transport_changed()
        self.finished.connect(lambda _result: self.stop_test())
        self._validate()

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.form = QFormLayout()
        self.name_edit = self._line("&Name", "Server name", "e.g. time (letters, digits, _ or -)")
        self.transport_combo = QComboBox(self)
        self.transport_combo.setAccessibleName("Transport")
        for value, label in TRANSPORTS:
            self.transport_combo.addItem(label, value)
        self.transport_combo.currentIndexChanged.connect(self._transport_changed)
        self.form.addRow("&Transport", self.transport_combo)
        self.command_edit = self._line("&Command", "Command", "program to run, e.g. uvx or python")
        self.args_edit = self._line(
            "&Arguments", "Arguments", "e.g. -m mcp_server_time (quoted like a shell line)"
        )
        self.env_edit = self._text("&Environment", "Environment", "NAME=value, one per line")
        self.pass_env_edit = self._line(
            "&Pass from environment", "Pass from environment", "names, e.g. GITHUB_TOKEN HOME"
        )
        self.pass_env_edit.setToolTip(
            "Variables handed on from Desktop Chat's own environment when the server starts; "
            "their values (secrets included) never enter the settings file"
        )
        self.cwd_edit = QLineEdit(self)
        self.cwd_edit.setAccessibleName("Working directory")
        self.cwd_edit.setPlaceholderText("the app's current directory")
        self.cwd_edit.textChanged.connect(self._validate)
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.setAccessibleName("Choose working directory")
        self.browse_button.clicked.connect(self._browse_cwd)
        cwd_row = QHBoxLayout()
        cwd_row.addWidget(self.cwd_edit, 1)
        cwd_row.addWidget(self.browse_button)
        cwd_label = QLabel("&Working directory", self)
        cwd_label.setBuddy(self.cwd_edit)
        self._cwd_row = self.form.rowCount()
        self.form.addRow(cwd_label, cwd_row)
        self.url_edit = self._line("&URL", "URL", "http://127.0.0.1:8000/mcp")
        self.headers_edit = self._text("&Headers", "Headers", "Name: value, one per line (no keys)")

        self.problem = message_label(self, "Server problem")
        self.test_button = QPushButton("&Test", self)
        self.test_button.setAccessibleName("Test server")
        self.test_button.setToolTip("Start or connect to the server and list its tools")
        self.test_button.clicked.connect(self._test_clicked)
        self.test_status = message_label(self, "Test result")
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_status, 1)
        self.tools_view = QTreeWidget(self)
        self.tools_view.setAccessibleName("Tools of the server")
        self.tools_view.setHeaderLabels(["Tool", "Description"])
        self.tools_view.setRootIsDecorated(False)
        self.tools_view.setColumnWidth(0, 170)
        self.tools_view.hide()
        self.stderr_label = QLabel("Last output of the server (stderr):", self)
        self.stderr_label.hide()
        self.stderr_view = QPlainTextEdit(self)
        self.stderr_view.setReadOnly(True)
        self.stderr_view.setAccessibleName("Last output of the server")
        self.stderr_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.stderr_view.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addLayout(test_row)
        layout.addWidget(self.tools_view, 1)
        layout.addWidget(self.stderr_label)
        layout.addWidget(self.stderr_view, 1)
        layout.addStretch()
        layout.addWidget(self.buttons)
        self._file_dialog: QFileDialog | None = None

    def _line(self, label: str, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self._validate)
        self.form.addRow(label, edit)
        return edit

    def _text(self, label: str, name: str, placeholder: str) -> QPlainTextEdit:
        edit = QPlainTextEdit(self)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.setTabChangesFocus(True)
        # A fixed height keeps the form compact: an expanding editor would spread its rows.
        edit.setFixedHeight(64)
        edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        edit.textChanged.connect(self._validate)
        self.form.addRow(label, edit)
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

    # --- the value ------------------------------------------------------------------------------

    def is_http(self) -> bool:
        return bool(self.transport_combo.currentData() == "http")

    def server(self) -> McpServer:
        """Build the server shown; raise SettingsError naming the first problem."""
        name = check_tool_name(self.name_edit.text().strip(), "MCP server")
        if name.casefold() in self._taken:
            raise SettingsError(f"an MCP server named {name!r} exists; choose another name")
        if self.is_http():
            if not self.url_edit.text().strip():
                raise SettingsError("enter the URL of the server, e.g. http://127.0.0.1:8000/mcp")
            headers = parse_headers(self.headers_edit.toPlainText())
            return McpServer(name, url=self.url_edit.text().strip(), headers=headers)
        command = self.command_edit.text().strip()
        if not command:
            raise SettingsError("enter the command that starts the server")
        args = split_args(self.args_edit.text())
        env = parse_env(self.env_edit.toPlainText())
        passed = tuple(re.split(r"[\s,]+", self.pass_env_edit.text().strip()))
        try:
            return McpServer(name, command, args, env, tuple(p for p in passed if p),
                             self.cwd_edit.text().strip())  # fmt: skip
        except SettingsError as exc:  # the CLI's hint, in the words of this form
            hint = _CLI_ENV_HINT.sub(r"(add \1 to “Pass from environment”)", str(exc))
            raise SettingsError(hint) from None

    def _validate(self) -> None:
        try:
            self.server()
        except SettingsError as exc:
            self.problem.setText(f"✗ {exc}")
            self.ok_button.setEnabled(False)
        else:
            self.problem.clear()
            self.ok_button.setEnabled(True)

    def _transport_changed(self) -> None:
        http = self.is_http()
        for widget in (self.command_edit, self.args_edit, self.env_edit, self.pass_env_edit):
            self.form.setRowVisible(widget, not http)
        self.form.setRowVisible(self._cwd_row, not http)
        self.form.setRowVisible(self.url_edit, http)
        self.form.setRowVisible(self.headers_edit, http)
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
        dialog = QFileDialog(self, "Choose the server's working directory", self.cwd_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.cwd_edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        self._file_dialog = dialog
        dialog.open()

    # --- Test -----------------------------------------------------------------------------------

    def testing(self) -> bool:
        return self._test is not None and not self._test.done()

    def _test_clicked(self) -> None:
        if self.testing():
            self.stop_test()
            return
        try:
            server = self.server()
        except SettingsError as exc:
            self.test_status.setText(f"✗ {exc}")
            return
        for widget in (self.tools_view, self.stderr_label, self.stderr_view):
            widget.hide()
        self.test_status.setText("Starting the server…" if not server.url else "Connecting…")
        self.test_button.setText("S&top")
        self.test_button.setAccessibleName("Stop test")
        self._test = self._spawn(self._run_test(server))

    def stop_test(self) -> None:
        """Cancel a running test; its task stops the server in the background."""
        if self.testing():
            assert self._test is not None
            self._test.cancel()
            self.test_status.setText("Test stopped.")

    async def _run_test(self, server: McpServer) -> None:
        from desktop_chat.storage.engine_config import transport_config
        from desktop_chat.tools.mcp_client import McpConnection, McpError

        network = transport_config(self._network()) if self._network is not None else None
        connection = McpConnection(server, connect_timeout=self.connect_timeout, network=network)
        try:
            try:
                await connection.start()
            except McpError as exc:
                if shiboken6.isValid(self):
                    self._show_failure(f"MCP server {exc.server!r} {exc.reason}", exc.stderr)
                return
            if shiboken6.isValid(self):
                self._show_tools([(tool.name, tool.description) for tool in connection.tools])
        finally:
            await connection.aclose()
            if shiboken6.isValid(self):
                self.test_button.setText("&Test")
                self.test_button.setAccessibleName("Test server")

    def _show_tools(self, tools: list[tuple[str, str]]) -> None:
        count = f"{len(tools)} tool{'s' if len(tools) != 1 else ''}"
        self.test_status.setText(f"✓ Connected; the server offers {count}." if tools else
                                 "✓ Connected, but the server offers no tools.")  # fmt: skip
        self.summary = f"✓ {count}" + (": " + ", ".join(n for n, _ in tools) if tools else "")
        self.tools_view.clear()
        for name, description in tools:
            item = QTreeWidgetItem([name, " ".join(description.split())])
            item.setToolTip(1, description)
            self.tools_view.addTopLevelItem(item)
        self.tools_view.setVisible(bool(tools))

    def _show_failure(self, message: str, stderr: str) -> None:
        self.test_status.setText(f"✗ {message}")
        self.summary = ""
        self.stderr_view.setPlainText(stderr)
        self.stderr_view.setPlaceholderText("The server wrote nothing to stderr.")
        self.stderr_label.show()
        self.stderr_view.show()
