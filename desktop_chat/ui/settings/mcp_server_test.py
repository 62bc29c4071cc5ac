"""The Test part of the MCP server editor: a button, a result line, then the tools or the stderr.

Test connects with `McpConnection` in a task from the dialog's `spawn`, so every other task keeps
running; pressing Stop, or closing the editor, cancels it and stops the server. The MCP SDK is
imported when Test runs, never when the dialog opens.

Secret headers are sent with the values typed in the form, then those typed earlier in this
Settings session (not stored yet), then the stored ones: the connection reads them from the
keyring itself when the server keeps the name it was saved with; for a renamed or duplicated
server they are read here under the saved name, since nothing is stored under the new one yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QTreeWidget, QTreeWidgetItem

from desktop_chat.i18n import N_, _, ngettext
from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, KeyStoreError, mcp_header_entry
from desktop_chat.storage.settings import Network
from desktop_chat.storage.tool_settings import McpServer
from desktop_chat.storage.validation import SettingsError
from desktop_chat.ui.message_label import message_label
from desktop_chat.ui.settings.mcp_header_secrets import KnownValues

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_chat.storage.secrets import KeyStore

Spawn = Callable[[Coroutine[object, object, None]], "asyncio.Task[None]"]
Form = Callable[[], tuple[McpServer, dict[str, str]]]  # the server shown, its typed values


class ServerTest(QObject):
    """Run Test for the form's server; `summary` describes the last successful one."""

    def __init__(
        self,
        parent: QWidget,
        spawn: Spawn,
        form: Form,
        *,
        connect_timeout: float,
        network: Callable[[], Network] | None,
        keystore: KeyStore | None,
        known: KnownValues,
    ) -> None:
        super().__init__(parent)
        self.connect_timeout = connect_timeout
        self.summary = ""
        self._parent = parent
        self._spawn = spawn
        self._form = form
        self._network = network  # proxy and TLS settings for an HTTP server
        self._keystore = keystore
        self._known = known
        self._task: asyncio.Task[None] | None = None
        self._said = ""  # the status shown, if one of ours (N_), to say again translated
        self.button = QPushButton(parent)
        self.button.clicked.connect(self._clicked)
        self.status = message_label(parent, "")
        self.tools_view = QTreeWidget(parent)
        self.tools_view.setRootIsDecorated(False)
        self.tools_view.setColumnWidth(0, 170)
        self.tools_view.hide()
        self.stderr_label = QLabel(parent)
        self.stderr_label.hide()
        self.stderr_view = QPlainTextEdit(parent)
        self.stderr_view.setReadOnly(True)
        self.stderr_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.stderr_view.hide()
        self.retranslate()

    def retranslate(self) -> None:
        """Set the words in the current language (the editor calls it on a change)."""
        self._show_running(self.running())
        self.button.setToolTip(_("Start or connect to the server and list its tools"))
        self.status.setAccessibleName(_("Test result"))
        if self._said:
            self.status.setText(_(self._said))
        self.tools_view.setAccessibleName(_("Tools of the server"))
        self.tools_view.setHeaderLabels([_("Tool"), _("Description")])
        self.stderr_label.setText(_("Last output of the server (stderr):"))
        self.stderr_view.setAccessibleName(_("Last output of the server"))
        self.stderr_view.setPlaceholderText(_("The server wrote nothing to stderr."))

    def _show_running(self, running: bool) -> None:
        self.button.setText(_("S&top") if running else _("&Test"))
        self.button.setAccessibleName(_("Stop test") if running else _("Test server"))

    def _say(self, message: str) -> None:
        self._said = message
        self.status.setText(_(message))

    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def stop(self) -> None:
        """Cancel a running test; its task stops the server in the background."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            self._say(N_("Test stopped."))

    def _clicked(self) -> None:
        if self.running():
            self.stop()
            return
        try:
            server, typed = self._form()
        except SettingsError as exc:
            self._said = ""
            self.status.setText(f"✗ {exc}")
            return
        for widget in (self.tools_view, self.stderr_label, self.stderr_view):
            widget.hide()
        self._say(N_("Starting the server…") if not server.url else N_("Connecting…"))
        self._show_running(True)
        self._task = self._spawn(self._run(server, typed))

    async def _run(self, server: McpServer, typed: dict[str, str]) -> None:
        try:
            await self._connect(server, typed)
        finally:
            if shiboken6.isValid(self.button):
                self._show_running(False)

    async def _connect(self, server: McpServer, typed: dict[str, str]) -> None:
        from desktop_chat.storage.engine_config import transport_config
        from desktop_chat.tools.mcp_client import McpConnection, McpError

        network = transport_config(self._network()) if self._network is not None else None
        try:
            values = await self._header_values(server, typed)
        except KeyStoreError as exc:
            failure = _("MCP server {name} could not start: {problem}")
            self._show_failure(failure.format(name=repr(server.name), problem=exc), "", server.url)
            return
        keystore = self._keystore if self._known.source == server.name else None
        connection = McpConnection(
            server,
            connect_timeout=self.connect_timeout,
            network=network,
            keystore=keystore,
            header_values=values,
        )
        try:
            await connection.start()
        except McpError as exc:
            # A URL server runs elsewhere: there is no output of it to show.
            self._show_failure(f"MCP server {exc.server!r} {exc.reason}", exc.stderr, server.url)
        else:
            self._show_tools([(tool.name, tool.description) for tool in connection.tools])
            if connection.warning and shiboken6.isValid(self.status):
                self.status.setText(f"{self.status.text()}\n⚠ {connection.warning}.")
        finally:
            await connection.aclose()

    async def _header_values(self, server: McpServer, typed: dict[str, str]) -> dict[str, str]:
        """Typed values, then those typed earlier, then (renamed server) the stored ones."""
        known, store = self._known, self._keystore
        moved_from = known.source if known.source != server.name else None
        values: dict[str, str] = {}
        for header in server.keyring_headers:
            key = header.casefold()
            value = typed.get(header) or known.pending.get(key)
            if not value and store is not None and moved_from and key in known.stored:
                entry = mcp_header_entry(moved_from, header)
                value = await store.aget(entry, service=MCP_HEADER_SERVICE)
            if value:
                values[header] = value
        return values

    def _show_tools(self, tools: list[tuple[str, str]]) -> None:
        if not shiboken6.isValid(self.status):
            return
        n = len(tools)
        self._said = ""
        self.status.setText(
            ngettext(
                "✓ Connected; the server offers {n} tool.",
                "✓ Connected; the server offers {n} tools.",
                n,
            ).format(n=n)
            if tools
            else _("✓ Connected, but the server offers no tools.")
        )
        count = ngettext("{n} tool", "{n} tools", n).format(n=n)
        self.summary = f"✓ {count}" + (
            ": " + ", ".join(name for name, _d in tools) if tools else ""
        )
        self.tools_view.clear()
        for name, description in tools:
            item = QTreeWidgetItem([name, " ".join(description.split())])
            item.setToolTip(1, description)
            self.tools_view.addTopLevelItem(item)
        self.tools_view.setVisible(bool(tools))

    def _show_failure(self, message: str, stderr: str = "", url: str = "") -> None:
        if not shiboken6.isValid(self.status):
            return
        self._said = ""
        self.status.setText(f"✗ {message}")
        self.summary = ""
        if stderr or not url:
            self.stderr_view.setPlainText(stderr)
            self.stderr_label.show()
            self.stderr_view.show()
