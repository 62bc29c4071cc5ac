"""The Tools page of Settings: MCP servers, user-defined tools, and the tools always allowed.

The page holds validated `McpServer` and `UserTool` values (their editors never yield anything
else) and the "always allow" keys; `tool_settings()` hands them to the dialog's `collect()`, so
OK/Apply save them with the rest. Removing or renaming a server or tool carries its "always
allow" keys along, as `desktop-chat mcp remove` / `tool remove` do. Editors open with `open()`:
a nested `exec()` would freeze every asyncio task, a running Test included.

Values typed for servers' secret headers wait in `secrets` (a `HeaderSecrets`) until the dialog
applies, when `write_secrets()` stores them next to the endpoint keys; removing, renaming or
duplicating a server carries its stored values along then too. Cancel writes nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import _
from desktop_chat.storage.settings import Network
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool
from desktop_chat.ui.language import is_language_change
from desktop_chat.ui.settings.mcp_header_secrets import HeaderSecrets
from desktop_chat.ui.settings.mcp_server_editor import McpServerEditor
from desktop_chat.ui.settings.user_tool_editor import UserToolEditor

if TYPE_CHECKING:
    from desktop_chat.storage.secrets import KeyStore

Spawn = Callable[[Coroutine[object, object, None]], "asyncio.Task[None]"]
CLOSE_SECONDS = 15.0  # a cancelled Test stops its server within the SDK's own bound (~6 s)


def _where(server: McpServer) -> str:
    return server.url if server.url else " ".join([server.command, *server.args])


class ToolsPage(QWidget):
    """Edit the tool settings; `tool_settings()` returns what the page shows."""

    def __init__(
        self,
        tools: ToolSettings,
        spawn: Spawn,
        parent: QWidget | None = None,
        *,
        network: Callable[[], Network] | None = None,
        keystore: KeyStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._network = network  # the dialog's network settings, which Test connects with
        self._keystore = keystore  # where Test finds stored secret header values
        self.servers = list(tools.mcp_servers)
        self.secrets = HeaderSecrets(self.servers)  # follows `servers` row by row
        self.user_tools = list(tools.user_tools)
        self.always_allow = list(tools.always_allow)
        self.server_editor: McpServerEditor | None = None
        self.tool_editor: UserToolEditor | None = None
        self.connect_timeout = 30.0
        self._spawn_on_dialog = spawn
        self._tasks: set[asyncio.Task[None]] = set()
        self._tested: dict[str, str] = {}  # server name -> summary of its last successful test

        self.server_list, self.server_box, buttons = self._group(4)
        self.add_server_button, self.edit_server_button = buttons[:2]
        self.duplicate_server_button, self.remove_server_button = buttons[2:]
        self.add_server_button.clicked.connect(lambda: self.open_server_editor(None))
        self.edit_server_button.clicked.connect(self.edit_server)
        self.duplicate_server_button.clicked.connect(self.duplicate_server)
        self.remove_server_button.clicked.connect(self.remove_server)
        self.server_list.itemActivated.connect(lambda _item: self.edit_server())

        self.tool_list, self.tool_box, buttons = self._group(3)
        self.add_tool_button, self.edit_tool_button, self.remove_tool_button = buttons
        self.add_tool_button.clicked.connect(lambda: self.open_tool_editor(None))
        self.edit_tool_button.clicked.connect(self.edit_tool)
        self.remove_tool_button.clicked.connect(self.remove_tool)
        self.tool_list.itemActivated.connect(lambda _item: self.edit_tool())

        self.allow_list, self.allow_box, buttons = self._group(1)
        (self.ask_again_button,) = buttons
        self.ask_again_button.clicked.connect(self.ask_again)
        self.allow_hint = QLabel(self.allow_box)
        self.allow_hint.setWordWrap(True)
        column = self.allow_box.layout()
        assert isinstance(column, QVBoxLayout)
        column.insertWidget(0, self.allow_hint)
        self.allow_list.setMaximumHeight(90)

        top = QHBoxLayout()
        top.addWidget(self.server_box, 3)
        top.addWidget(self.tool_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.allow_box)
        self._retranslate()
        self._reload()

    def _group(self, count: int) -> tuple[QListWidget, QGroupBox, list[QPushButton]]:
        box = QGroupBox(self)
        listing = QListWidget(box)
        listing.currentRowChanged.connect(self._update_buttons)
        buttons: list[QPushButton] = []
        row = QHBoxLayout()
        for _n in range(count):
            button = QPushButton(box)
            row.addWidget(button)
            buttons.append(button)
        row.addStretch()
        column = QVBoxLayout(box)
        column.addWidget(listing, 1)
        column.addLayout(row)
        return listing, box, buttons

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self._retranslate()
            self._reload()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.server_box.setTitle(_("MCP servers"))
        self.server_list.setAccessibleName(_("MCP servers"))
        self.tool_box.setTitle(_("Your tools (you type the result)"))
        self.tool_list.setAccessibleName(_("User-defined tools"))
        self.allow_box.setTitle(_("Always allowed (run without asking)"))
        self.allow_list.setAccessibleName(_("Always allowed tools"))
        self.allow_hint.setText(
            _("Tools you allow with “Always allow this tool” in the chat appear here.")
        )
        for button, text, name in (
            (self.add_server_button, _("Add"), _("Add server")),
            (self.edit_server_button, _("Edit"), _("Edit server")),
            (self.duplicate_server_button, _("Duplicate"), _("Duplicate server")),
            (self.remove_server_button, _("Remove"), _("Remove server")),
            (self.add_tool_button, _("Add"), _("Add tool")),
            (self.edit_tool_button, _("Edit"), _("Edit tool")),
            (self.remove_tool_button, _("Remove"), _("Remove tool")),
            (self.ask_again_button, _("Ask again"), _("Ask again for the selected tool")),
        ):
            button.setText(text)
            button.setAccessibleName(name)
        self.edit_server_button.setToolTip(_("Edit the server; its Test button lists its tools"))
        self.ask_again_button.setToolTip(_("Ask before each call of this tool again"))

    def tool_settings(self) -> ToolSettings:
        """The tool settings shown (may raise SettingsError, e.g. for a duplicate name)."""
        return ToolSettings(tuple(self.user_tools), tuple(self.servers), tuple(self.always_allow))

    def has_secret_work(self) -> bool:
        """Tell whether applying would write to, or delete from, the keyring."""
        return self.secrets.has_work(self.servers)

    async def write_secrets(self, store: KeyStore) -> None:
        """Store the secret header changes (the dialog applies); raise KeyStoreError."""
        await self.secrets.write(store, self.servers)

    # --- lists ----------------------------------------------------------------------------------

    def _reload(self, server_row: int = -1, tool_row: int = -1) -> None:
        for listing, items, row in (
            (self.server_list, [self._server_text(s) for s in self.servers], server_row),
            (self.tool_list, [t.name for t in self.user_tools], tool_row),
            (self.allow_list, self.always_allow, -1),
        ):
            keep = listing.currentRow() if row < 0 else row
            listing.clear()
            listing.addItems(items)
            listing.setCurrentRow(min(max(keep, 0), len(items) - 1))
        for row, tool in enumerate(self.user_tools):
            self.tool_list.item(row).setToolTip(tool.description or _("(no description)"))
        self._update_buttons()

    def _server_text(self, server: McpServer) -> str:
        text = f"{server.name}  —  {server.transport}: {_where(server)}"
        if server.keyring_headers:
            headers = ", ".join(server.keyring_headers)
            text += "  " + _("(secret headers: {headers})").format(headers=headers)
        tested = self._tested.get(server.name)
        return f"{text}\n    {tested}" if tested else text

    def _update_buttons(self, *_args: object) -> None:
        has_server = 0 <= self.server_list.currentRow() < len(self.servers)
        for button in (
            self.edit_server_button,
            self.duplicate_server_button,
            self.remove_server_button,
        ):
            button.setEnabled(has_server)
        has_tool = 0 <= self.tool_list.currentRow() < len(self.user_tools)
        self.edit_tool_button.setEnabled(has_tool)
        self.remove_tool_button.setEnabled(has_tool)
        self.ask_again_button.setEnabled(self.allow_list.currentRow() >= 0)

    def _rekey(self, old: str, new: str | None, *, prefix: bool) -> None:
        """Rename (or, with `new` None, drop) the "always allow" keys of a server or tool."""
        kept: list[str] = []
        for key in self.always_allow:
            if key == old or (prefix and key.startswith(old)):
                if new is not None:
                    kept.append(new + key[len(old) :])
            else:
                kept.append(key)
        self.always_allow = list(dict.fromkeys(kept))

    # --- MCP servers ----------------------------------------------------------------------------

    def open_server_editor(self, row: int | None) -> McpServerEditor:
        """Open the editor for server `row` (None: a new server); OK updates the list."""
        server = None if row is None else self.servers[row]
        taken = {s.name.casefold() for i, s in enumerate(self.servers) if i != row}
        editor = McpServerEditor(
            server,
            taken,
            self._spawn,
            self,
            connect_timeout=self.connect_timeout,
            network=self._network,
            keystore=self._keystore,
            known=self.secrets.known(row),
        )
        editor.accepted.connect(lambda: self._server_edited(editor, row))
        editor.finished.connect(lambda _result: self._editor_closed(editor))
        self.server_editor = editor
        editor.open()
        return editor

    def edit_server(self) -> None:
        if 0 <= self.server_list.currentRow() < len(self.servers):
            self.open_server_editor(self.server_list.currentRow())

    def _server_edited(self, editor: McpServerEditor, row: int | None) -> None:
        server = editor.result_server
        if server is None:
            return
        self.secrets.edited(row, server, editor.header_values())
        if row is None:
            self.servers.append(server)
            row = len(self.servers) - 1
        else:
            old = self.servers[row].name
            self.servers[row] = server
            self._tested.pop(old, None)
            if old != server.name:
                self._rekey(f"mcp:{old}:", f"mcp:{server.name}:", prefix=True)
        if editor.summary:
            self._tested[server.name] = editor.summary
        self._reload(server_row=row)

    def duplicate_server(self) -> None:
        row = self.server_list.currentRow()
        if not 0 <= row < len(self.servers):
            return
        source = self.servers[row]
        taken = {s.name.casefold() for s in self.servers}
        base = f"{source.name[:59]}-copy"
        name, n = base, 2
        while name.casefold() in taken:
            name, n = f"{base}-{n}", n + 1
        self.servers.insert(row + 1, dataclasses.replace(source, name=name))
        self.secrets.duplicated(row)
        self._reload(server_row=row + 1)

    def remove_server(self) -> None:
        row = self.server_list.currentRow()
        if 0 <= row < len(self.servers):
            server = self.servers.pop(row)
            self.secrets.removed(row)
            self._tested.pop(server.name, None)
            self._rekey(f"mcp:{server.name}:", None, prefix=True)
            self._reload(server_row=min(row, len(self.servers) - 1))

    # --- user-defined tools ---------------------------------------------------------------------

    def open_tool_editor(self, row: int | None) -> UserToolEditor:
        """Open the editor for tool `row` (None: a new tool); OK updates the list."""
        tool = None if row is None else self.user_tools[row]
        taken = {t.name.casefold() for i, t in enumerate(self.user_tools) if i != row}
        editor = UserToolEditor(tool, taken, self)
        editor.accepted.connect(lambda: self._tool_edited(editor, row))
        editor.finished.connect(lambda _result: self._editor_closed(editor))
        self.tool_editor = editor
        editor.open()
        return editor

    def edit_tool(self) -> None:
        if 0 <= self.tool_list.currentRow() < len(self.user_tools):
            self.open_tool_editor(self.tool_list.currentRow())

    def _tool_edited(self, editor: UserToolEditor, row: int | None) -> None:
        tool: UserTool | None = editor.result_tool
        if tool is None:
            return
        if row is None:
            self.user_tools.append(tool)
            row = len(self.user_tools) - 1
        else:
            old = self.user_tools[row].name
            self.user_tools[row] = tool
            if old != tool.name:
                self._rekey(f"user:{old}", f"user:{tool.name}", prefix=False)
        self._reload(tool_row=row)

    def remove_tool(self) -> None:
        row = self.tool_list.currentRow()
        if 0 <= row < len(self.user_tools):
            tool = self.user_tools.pop(row)
            self._rekey(f"user:{tool.name}", None, prefix=False)
            self._reload(tool_row=min(row, len(self.user_tools) - 1))

    # --- always allowed -------------------------------------------------------------------------

    def ask_again(self) -> None:
        row = self.allow_list.currentRow()
        if 0 <= row < len(self.always_allow):
            del self.always_allow[row]
            self._reload()

    # --- editors and their tasks ----------------------------------------------------------------

    def _editor_closed(self, editor: McpServerEditor | UserToolEditor) -> None:
        if self.server_editor is editor:
            self.server_editor = None
        if self.tool_editor is editor:
            self.tool_editor = None
        editor.deleteLater()

    def _spawn(self, coro: Coroutine[object, object, None]) -> asyncio.Task[None]:
        task = self._spawn_on_dialog(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        """Close any open editor and stop running Tests (the dialog is closing)."""
        for editor in (self.server_editor, self.tool_editor):
            if editor is not None:
                editor.reject()
        for task in list(self._tasks):
            if not task.cancelling():  # a Stop already cancelled it: let it stop the server
                task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=CLOSE_SECONDS)
