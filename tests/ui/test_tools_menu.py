"""The Tools button and menu in the real window: what is listed, offered, and reset."""

from __future__ import annotations

import dataclasses
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool
from desktop_chat.ui.language import apply_language
from desktop_chat.ui.tools.session import DEFAULT_ENABLED
from tests.support.gui import POPUP_ON_OFFSCREEN
from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.window import keyed, local, outcomes, send, wait_outcome

LOOKUP = UserTool("lookup", "Look a word up", {"type": "object", "properties": {}})
CLOCK = McpServer("clock", command=sys.executable, args=("-m", "mcp_server_time"))


def window_with_tools(open_window, sse_server):
    settings = local(sse_server)
    tools = ToolSettings(user_tools=(LOOKUP,), mcp_servers=(CLOCK,))
    return open_window(dataclasses.replace(settings, tools=tools), keyed())


def test_the_menu_lists_every_tool_and_server(qtbot, open_window, sse_server):
    window = window_with_tools(open_window, sse_server)
    menu = window.tools.menu
    assert menu.text() == "Tools (0)"
    assert menu.accessibleName() == "Tools: 0 enabled"
    assert menu.parent() is window.top_bar
    menu.rebuild()
    checkable = [a for a in menu.choices.actions() if a.isCheckable()]
    assert [a.data() for a in checkable] == [
        "builtin:current_time",
        "builtin:calculator",
        "builtin:read_text_file",
        "user:lookup",
        "mcp:clock",
    ]
    assert not any(a.isChecked() for a in checkable)
    sections = [a.text() for a in menu.choices.actions() if a.isSeparator() and a.text()]
    assert sections == ["Built-in", "Your tools (you type the result)", "MCP servers"]
    assert menu.action_for("mcp:clock").toolTip().startswith("Started when a message needs it")


def test_toggling_updates_the_count_and_the_request(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["plain"])), Reply(chunks=openai_stream(["ok"])))
    window = window_with_tools(open_window, sse_server)
    seen = outcomes(window)
    send(qtbot, window, "no tools yet")
    wait_outcome(qtbot, seen, window=window)
    assert "tools" not in sse_server.requests[0].json()
    menu = window.tools.menu
    menu.rebuild()
    menu.action_for("builtin:calculator").trigger()
    menu.rebuild()
    menu.action_for("user:lookup").trigger()
    assert menu.text() == "Tools (2)"
    send(qtbot, window, "with tools")
    wait_outcome(qtbot, seen, 2, window=window)
    offered = [t["function"]["name"] for t in sse_server.requests[1].json()["tools"]]
    assert offered == ["calculator", "lookup"]


@POPUP_ON_OFFSCREEN
def test_the_menu_opens_without_blocking_and_from_the_keyboard(qtbot, open_window, sse_server):
    window = window_with_tools(open_window, sse_server)
    menu = window.tools.menu
    menu.setFocus()
    qtbot.keyClick(menu, Qt.Key.Key_Space)
    qtbot.waitUntil(menu.choices.isVisible)
    assert isinstance(menu.choices, QMenu)
    menu.choices.close()


def test_new_chat_resets_the_tools(qtbot, open_window, sse_server):
    window = window_with_tools(open_window, sse_server)
    window.tools.session.set_enabled("builtin:calculator", True)
    window.tools.session.allow_file(__file__)
    assert window.tools.menu.text() == "Tools (1)"
    window.actions_by_name["New chat"].trigger()
    assert window.tools.session.enabled == set(DEFAULT_ENABLED)
    assert window.tools.session.allowed_files == []
    assert window.tools.menu.text() == "Tools (0)"


def test_turn_all_off(qtbot, open_window, sse_server):
    window = window_with_tools(open_window, sse_server)
    for key in ("builtin:calculator", "mcp:clock"):
        window.tools.session.set_enabled(key, True)
    window.tools.menu.rebuild()
    off = next(a for a in window.tools.menu.choices.actions() if a.text() == "Turn all off")
    off.trigger()
    assert window.tools.menu.text() == "Tools (0)"


def test_the_menu_follows_the_language(qtbot, open_window, sse_server):
    window = window_with_tools(open_window, sse_server)
    menu = window.tools.menu
    try:
        apply_language("zh_CN")
        qtbot.waitUntil(lambda: menu.text() == "工具（0）", timeout=2000)
        assert menu.accessibleName() == "工具：已启用 0 个"
        menu.rebuild()
        sections = [a.text() for a in menu.choices.actions() if a.isSeparator() and a.text()]
        assert sections == ["内置", "你的工具（由你输入结果）", "MCP 服务器"]
        texts = [a.text() for a in menu.choices.actions() if a.isCheckable()]
        assert texts[:2] == ["当前日期和时间 (current_time)", "计算器 (calculator)"]
        assert menu.action_for("user:lookup").toolTip() == "Look a word up"  # the user's words
    finally:
        apply_language("en")
    qtbot.waitUntil(lambda: menu.text() == "Tools (0)", timeout=2000)
