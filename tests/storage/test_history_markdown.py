"""A conversation's Markdown speaks the current language: the window's; English in the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop_chat.core.conversation import Attachment, Message, ToolCall, ToolResult
from desktop_chat.i18n import set_language
from desktop_chat.storage.history import HistoryStore
from desktop_chat.storage.history_export import markdown


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    set_language("en")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "history.sqlite3")
    yield opened
    opened.close()


def every_label(store: HistoryStore) -> str:
    """A conversation that needs every word the Markdown has; its id."""
    cid = store.create_conversation("Be brief.")
    note = Attachment("note.txt", "text/plain", b"hello")
    q = store.add_message(cid, None, Message("user", text="Add them.", attachments=(note,)))
    store.add_message(cid, q, Message("assistant", text="An older answer."))
    call = ToolCall("c1", "calculator", '{"expression": "1+1"}')
    answer = Message("assistant", text="Let me add.", reasoning="adding", tool_calls=[call])
    a = store.add_message(cid, q, answer, meta={"model": "m"})
    results = [ToolResult("c1", "2", False), ToolResult("c2", "no such tool", True)]
    t = store.add_message(cid, a, Message("tool", tool_results=results))
    cut = store.start_answer(cid, t, {"model": "m"})
    store.append(cut, "It is")
    error = {"error": {"type": "network", "message": "connection lost"}}
    store.finish(cut, Message("assistant", text="It is"), "interrupted", error)
    return cid


def test_markdown_in_english_is_what_the_terminal_always_printed(store: HistoryStore) -> None:
    cid = every_label(store)
    info = store.conversation(cid)
    assert info is not None
    when = datetime.fromtimestamp(info.created).strftime("%Y-%m-%d %H:%M")
    assert markdown(store, cid, details=True) == (
        f"# Add them.\n\n_{when}_\n\n**System:** Be brief.\n\n"
        "## User\n\nAdd them.\n\n- Attached: note.txt (text/plain, 5 bytes)\n\n"
        "## Assistant (m) — version 2 of 2\n\n> adding\n\nLet me add.\n\n"
        'Tool call `calculator`:\n```json\n{"expression": "1+1"}\n```\n\n'
        "## Tool\n\n\nTool result:\n```\n2\n```\n\nTool error:\n```\nno such tool\n```\n\n"
        "## Assistant (m) — interrupted\n\nIt is\n\n_Error: connection lost_\n"
    )


def test_markdown_made_in_chinese_reads_in_chinese(store: HistoryStore) -> None:
    cid = every_label(store)
    set_language("zh_CN")
    text = markdown(store, cid, details=True)
    for chinese in (
        "**系统提示：** Be brief.",
        "## 用户",
        "- 附件：note.txt（text/plain，5 字节）",
        "## 助手（m） — 第 2 个版本，共 2 个",
        "工具调用 `calculator`：",
        "## 工具",
        "工具结果：",
        "工具错误：",
        "## 助手（m） — 已中断",
        "_错误：connection lost_",
    ):
        assert chinese in text
    for english in ("System", "User", "Attached", "Assistant", "version", "Tool", "Error"):
        assert english not in text
    untitled = store.create_conversation()
    store.add_message(untitled, None, Message("user", text="x"))
    store.rename(untitled, "")
    assert markdown(store, untitled).startswith("# 无标题\n")
