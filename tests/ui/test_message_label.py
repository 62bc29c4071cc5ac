"""Text from outside (server output, provider errors, model values) is shown as written."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_chat.ui.banner import BannerArea
from desktop_chat.ui.chat.status_bar import StatusBar
from desktop_chat.ui.message_label import message_label
from desktop_chat.ui.theme import LIGHT_COLORS

MARKUP = "<img src='file:///etc/hosts'> <b>not bold</b>"


def test_a_message_label_never_renders_markup(qtbot) -> None:
    label = message_label(None, "Problem", MARKUP)
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == MARKUP
    assert label.accessibleName() == "Problem"
    assert label.wordWrap()


def test_banners_and_the_status_bar_show_outside_text_as_text(qtbot) -> None:
    banners = BannerArea(LIGHT_COLORS)
    qtbot.addWidget(banners)
    banners.show_notice(
        "mcp:evil", f"MCP server 'evil' could not start — its last output: {MARKUP}"
    )
    banner = banners.banner("mcp:evil")
    assert banner is not None
    assert banner.label.textFormat() == Qt.TextFormat.PlainText
    status = StatusBar()
    qtbot.addWidget(status)
    status.set_target("Local", MARKUP)  # model ids come from the endpoint's model list
    assert status.target_label.textFormat() == Qt.TextFormat.PlainText
    assert MARKUP in status.target_label.text()
