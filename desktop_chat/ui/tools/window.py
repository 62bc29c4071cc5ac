"""Fit the tools into the main window: the approval panel, the Tools button, their wiring.

Kept out of main_window.py so the window only makes `WindowTools`, hands the session to the
chat, and calls `aclose`: the panel goes right above the composer, the button into the top bar
before Settings; "Always allow" is saved through the window's own settings path, and a failing
MCP server becomes a warning banner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QBoxLayout, QWidget

from desktop_chat.i18n import _
from desktop_chat.ui.tools.approval import ApprovalPanel
from desktop_chat.ui.tools.menu import ToolsMenu
from desktop_chat.ui.tools.session import ToolSession

if TYPE_CHECKING:
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.storage.settings import Settings
    from desktop_chat.ui.banner import BannerArea
    from desktop_chat.ui.chat.top_bar import TopBar


class WindowTools:
    """The window's tool parts; `aclose()` stops the MCP servers they started.

    The approval panel goes right above `above` (the composer), the Tools menu into `top_bar`;
    "Always allow" is saved through `update_settings`, and a failing MCP server becomes a warning
    in `banners`. The caller hands `session` to whatever runs turns.
    """

    def __init__(
        self,
        window: QWidget,
        above: QWidget,
        top_bar: TopBar,
        banners: BannerArea,
        settings: Callable[[], Settings],
        update_settings: Callable[[Settings], None],
        keystore: KeyStore,
    ) -> None:
        self._settings = settings
        self._update_settings = update_settings
        self._banners = banners
        self.panel = ApprovalPanel(window)
        parent = above.parentWidget()
        layout = parent.layout() if parent is not None else None
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(layout.indexOf(above), self.panel, 0)
        self.session = ToolSession(settings, self.panel, window, keystore=keystore)
        self.menu = ToolsMenu(self.session, top_bar)
        top_bar.add_before_settings(self.menu)  # in the tab order there too
        self.session.always_allowed.connect(self._save_always_allow)
        self.session.server_failed.connect(self._on_server_failed)
        self.session.server_started.connect(lambda name, _count: banners.dismiss(f"mcp:{name}"))
        self.session.server_warned.connect(
            lambda name, text: banners.show_notice(f"mcp:{name}", f"{text}.", warning=True)
        )

    def _save_always_allow(self, key: str) -> None:
        settings = self._settings()
        tools = settings.tools
        if key not in tools.always_allow:
            self._update_settings(settings.with_tools(tools.with_always_allow(key)))

    def _on_server_failed(self, name: str, error: str) -> None:
        self._banners.show_notice(
            f"mcp:{name}",
            _("{error}. The conversation goes on without its tools.").format(error=error),
            warning=True,
        )

    async def aclose(self) -> None:
        await self.session.aclose()
