"""The transcript speaks Chinese: role marks, icon names, menus, the welcome and the find bar."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.find_bar import FindBar
from desktop_chat.ui.chat.transcript import Transcript
from desktop_chat.ui.language import apply_language
from tests.support.transcript import action_line, anchors, text
from tests.support.visible_text import untranslated


def test_drawn_messages_change_language_with_the_window(qtbot: QtBot) -> None:
    view = Transcript(frame_ms=1)
    qtbot.addWidget(view)
    bar = FindBar(view)
    view.resize(800, 500)
    view.show()
    apply_language("zh_CN")
    qtbot.waitUntil(lambda: view.welcome.title.text() == "开始对话", timeout=3000)
    bar.open()
    assert untranslated(view) == []
    bar.close_bar()
    view.add_message("user", "问题")
    view.add_message("assistant", "```python\nx = 1\n```", versions=(2, 2))
    assert action_line(view) == "‹ 2/2 › · ‹ · 复制 · 重新生成 · 检查"
    assert "复制代码" in text(view)
    assert text(view).startswith("你\n")
    assert "助手" in text(view)
    assert untranslated(view) == []
    apply_language("en")
    qtbot.waitUntil(
        lambda: action_line(view) == "‹ 2/2 › · ‹ · Copy · Regenerate · Inspect", timeout=3000
    )
    assert [t for t, _, _ in anchors(view)][:2] == ["Copy", "Edit"]
    assert text(view).startswith("You\n")
    assert view.accessibleName() == "Conversation transcript"
