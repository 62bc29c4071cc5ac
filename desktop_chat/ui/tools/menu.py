"""The "Tools (n)" button of the top bar: which tools this conversation offers the model.

A checkable menu lists the built-in tools, the user-defined tools and the MCP servers from the
settings, rebuilt each time it opens so it follows Settings changes. A server's line says
whether it is connected (and how many tools it offers) or why it failed. The menu is shown with
`popup()`, never `exec()`: a nested event loop would stall the asyncio tasks.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from desktop_chat.i18n import _, ngettext
from desktop_chat.ui.language import is_language_change
from desktop_chat.ui.tools.session import BUILTINS, ToolSession


class ToolsMenu(QToolButton):
    """Show how many tools are on; clicking opens the menu that turns them on and off."""

    def __init__(self, session: ToolSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.choices = QMenu(self)
        self.choices.setToolTipsVisible(True)
        self.choices.aboutToShow.connect(self.rebuild)
        self.clicked.connect(self.open_menu)
        session.enabled_changed.connect(self.update_label)
        session.server_failed.connect(lambda _name, _error: self.update_label())
        session.server_started.connect(lambda _name, _count: self.update_label())
        self.update_label()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.update_label()
        super().changeEvent(event)

    def update_label(self) -> None:
        count = len(self.session.active())
        self.choices.setAccessibleName(_("Tools offered to the model"))
        self.setText(_("Tools ({count})").format(count=count))
        self.setAccessibleName(_("Tools: {count} enabled").format(count=count))
        errors = self.session.server_errors
        failed = [k for k in self.session.active() if k.startswith("mcp:") and k[4:] in errors]
        tip = _("Choose the tools the model may call in this conversation")
        if failed:
            tip = ngettext(
                "Choose the tools the model may call in this conversation — {n} server failed "
                "to start",
                "Choose the tools the model may call in this conversation — {n} servers failed "
                "to start",
                len(failed),
            ).format(n=len(failed))
        self.setToolTip(tip)

    def open_menu(self) -> None:
        self.rebuild()
        self.choices.popup(self.mapToGlobal(QPoint(0, self.height())))

    def rebuild(self) -> None:
        """List every tool and server from the current settings, checked when enabled."""
        menu, session = self.choices, self.session
        menu.clear()
        tools = session.tool_settings()
        menu.addSection(_("Built-in"))
        for name, label in BUILTINS:
            self._add(f"builtin:{name}", f"{_(label)} ({name})", _("Runs inside the app"))
        menu.addSection(_("Your tools (you type the result)"))
        if not tools.user_tools:
            self._empty(_("None defined — add them in Settings"))
        for tool in tools.user_tools:
            self._add(f"user:{tool.name}", tool.name, tool.description or _("No description"))
        menu.addSection(_("MCP servers"))
        if not tools.mcp_servers:
            self._empty(_("None configured — add them in Settings"))
        for server in tools.mcp_servers:
            key = f"mcp:{server.name}"
            error = session.server_errors.get(server.name)
            connection = session.connected(server.name)
            what = server.url or " ".join((server.command, *server.args))
            if error:
                label, tip = _("{name} — failed to start").format(name=server.name), error
            elif connection is not None:
                count = len(connection.tools)
                label = ngettext("{name} — {n} tool", "{name} — {n} tools", count)
                label, tip = label.format(name=server.name, n=count), what
            else:
                tip = _("Started when a message needs it: {what}").format(what=what)
                label = server.name
            self._add(key, label, tip)
        menu.addSeparator()
        none = menu.addAction(_("Turn all off"))
        none.setEnabled(bool(session.active()))
        none.triggered.connect(self._all_off)

    def _add(self, key: str, label: str, tip: str) -> None:
        action = self.choices.addAction(label)
        action.setCheckable(True)
        action.setChecked(key in self.session.enabled)
        action.setToolTip(tip)
        action.setData(key)
        action.toggled.connect(lambda on: self.session.set_enabled(key, on))

    def _empty(self, text: str) -> None:
        self.choices.addAction(text).setEnabled(False)

    def _all_off(self) -> None:
        for key in list(self.session.enabled):
            self.session.set_enabled(key, False)

    def action_for(self, key: str) -> object:
        """The menu's action for `key` (after `rebuild`), for tests and accessibility tools."""
        return next((a for a in self.choices.actions() if a.data() == key), None)
