"""The window's opt-in check for a newer release, against a feed on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop_chat.storage.settings import Settings, Ui
from desktop_chat.ui import release_notice
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.window import WindowFactory

PAGE = "https://github.com/example/desktop-chat/releases/tag/v99.0.0"
OPTED_IN = Settings(ui=Ui(check_for_updates=True))


class Browser(QObject):
    """Receives what the window opens with QDesktopServices (Qt's own URL handler hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser() -> Iterator[Browser]:
    handler = Browser()
    QDesktopServices.setUrlHandler("https", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("https")


@pytest.fixture
def feed(sse_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> ScriptedServer:
    monkeypatch.setenv("DESKTOP_CHAT_RELEASE_FEED", f"{sse_server.url}/latest")
    monkeypatch.setattr(release_notice, "START_DELAY", 0.0)
    return sse_server


def release(tag: str) -> Reply:
    return Reply(body=json.dumps({"tag_name": tag, "html_url": PAGE}).encode())


def test_a_newer_release_shows_a_banner_that_opens_its_page(
    qtbot: QtBot, open_window: WindowFactory, feed: ScriptedServer, browser: Browser
) -> None:
    feed.script(release("v99.0.0"))
    window = open_window(OPTED_IN)
    qtbot.waitUntil(lambda: window.banners.banner("release") is not None, timeout=10_000)
    banner = window.banners.banner("release")
    assert banner is not None
    assert banner.label.text().startswith("Desktop Chat 99.0.0 is available")
    assert banner.action_button is not None
    qtbot.mouseClick(banner.action_button, Qt.MouseButton.LeftButton)
    assert browser.opened == [PAGE]
    qtbot.mouseClick(banner.close_button, Qt.MouseButton.LeftButton)
    assert window.banners.banner("release") is None
    assert len(feed.requests) == 1


def test_up_to_date_shows_nothing(
    qtbot: QtBot, open_window: WindowFactory, feed: ScriptedServer
) -> None:
    feed.script(release("v0.0.1"))
    window = open_window(OPTED_IN)
    qtbot.waitUntil(lambda: len(feed.requests) == 1, timeout=10_000)
    qtbot.wait(300)
    assert window.banners.banner("release") is None


def test_off_means_no_request(
    qtbot: QtBot, open_window: WindowFactory, feed: ScriptedServer
) -> None:
    feed.script(release("v99.0.0"))
    window = open_window(Settings())
    assert not window.settings.ui.check_for_updates  # the default
    qtbot.wait(1500)
    assert feed.requests == []
    assert window.banners.banner("release") is None


def test_a_build_without_a_feed_says_so(
    qtbot: QtBot, open_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release_notice, "START_DELAY", 0.0)
    window = open_window(OPTED_IN)
    qtbot.waitUntil(lambda: window.banners.banner("release") is not None, timeout=10_000)
    banner = window.banners.banner("release")
    assert banner is not None
    assert "this build knows no release feed" in banner.label.text()
