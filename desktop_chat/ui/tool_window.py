"""Fit the tools into the main window: the approval panel, the Tools button, their wiring.

Kept out of main_window.py so the window only calls `install_tools` and `aclose`: the panel goes
right above the composer, the button into the top bar before Settings; "Always allow" is saved
through the window's own settings path, and a failing MCP server becomes a warning banner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QBoxLayout, QWidget

from desktop_chat.ui.tool_approval import ApprovalPanel
from desktop_chat.ui.tool_session import ToolSession
from desktop_chat.ui.tools_menu import ToolsMenu

if TYPE_CHECKING:
    from desktop_chat.ui.main_window import MainWindow


class WindowTools:
    """The window's tool parts; `aclose()` stops the MCP servers they started."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.panel = ApprovalPanel(window)
        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(layout.indexOf(window.composer), self.panel, 0)
        self.session = ToolSession(
            lambda: window.settings, self.panel, window, keystore=window.keystore
        )
        self.menu = ToolsMenu(self.session, window.top_bar)
        window.top_bar.add_before_settings(self.menu)
        QWidget.setTabOrder(window.top_bar.max_tokens, self.menu)
        QWidget.setTabOrder(self.menu, window.top_bar.settings_button)
        window.chat.set_tools(self.session)
        self.session.always_allowed.connect(self._save_always_allow)
        self.session.server_failed.connect(self._on_server_failed)
        self.session.server_started.connect(
            lambda name, _count: window.banners.dismiss(f"mcp:{name}")
        )
        self.session.server_warned.connect(
            lambda name, text: window.banners.show_notice(f"mcp:{name}", f"{text}.", warning=True)
        )

    def _save_always_allow(self, key: str) -> None:
        window = self.window
        tools = window.settings.tools
        if key not in tools.always_allow:
            window.update_settings(window.settings.with_tools(tools.with_always_allow(key)))

    def _on_server_failed(self, name: str, error: str) -> None:
        self.window.banners.show_notice(
            f"mcp:{name}", f"{error}. The conversation goes on without its tools.", warning=True
        )

    async def aclose(self) -> None:
        await self.session.aclose()


def install_tools(window: MainWindow) -> WindowTools:
    """Add the tools menu and the approval panel to an assembled window."""
    return WindowTools(window)
