"""Drive the real main window as a user does: settings for the scripted server, keys, sending,
and waiting for a turn or a tool card. The `open_window` fixture is in tests/ui/conftest.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt

from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Endpoint, Network, Settings, ToolSettings
from desktop_chat.ui.main_window import MainWindow
from desktop_chat.ui.tools.card import ToolCard
from tests.support.sse_server import ScriptedServer
from tests.support.wire import Wire

KEY = "sk-test-window-0123456789"
FAST = Network(
    max_retries=3, backoff_base=0.01, backoff_max=0.02, connect_timeout=2, read_timeout=5
)
WindowFactory = Callable[..., MainWindow]


def local(server: ScriptedServer, protocol: str = "openai") -> Settings:
    if protocol in ("openai", "openai-responses"):
        endpoint = Endpoint("Local", protocol, server.url + "/v1", "m")
    else:
        endpoint = Endpoint("Local", "anthropic", server.url, "claude-test")
    return Settings((endpoint,), "Local", network=FAST, models_cache={"Local": ("m",)})


def keyed() -> KeyStore:
    store = KeyStore(session_only=True)
    store.set("Local", KEY)
    return store


def outcomes(window: MainWindow) -> list[str]:
    seen: list[str] = []
    window.chat.turn_ended.connect(seen.append)
    return seen


def send(qtbot, window: MainWindow, text: str) -> None:
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.editor, Qt.Key_Return)


def wait_outcome(
    qtbot, seen: list[str], count: int = 1, timeout: int = 10_000, window: MainWindow | None = None
) -> str:
    """Wait for the count-th turn to end, and for the transcript to finish drawing it."""
    qtbot.waitUntil(lambda: len(seen) >= count, timeout=timeout)
    if window is not None:
        qtbot.waitUntil(lambda: not window.transcript.busy, timeout=timeout)
    return seen[count - 1]


def settings_for(wire: Wire, server: ScriptedServer, **tools: object) -> Settings:
    settings = local(server, wire.protocol)
    return dataclasses.replace(settings, tools=ToolSettings(**tools))  # type: ignore[arg-type]


def opened(open_window, settings: Settings, *enabled: str) -> MainWindow:
    window = open_window(settings, keyed())
    for key in enabled:
        window.tools.session.set_enabled(key, True)
    return window


def wait_card(qtbot, window: MainWindow, count: int = 1, timeout: int = 10_000) -> ToolCard:
    qtbot.waitUntil(lambda: len(window.tools.panel.cards()) >= count, timeout=timeout)
    return window.tools.panel.cards()[count - 1]
