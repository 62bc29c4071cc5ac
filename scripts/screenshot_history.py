"""Render the window with its sidebar searching a Chinese word, for the README.

Usage: .venv/bin/python scripts/screenshot_history.py [--out docs/images/history-search.png]
(offscreen; a CJK font such as fonts-wqy-microhei must be installed, or the text shows as boxes)

A profile with a few Chinese and English conversations is made in a temporary directory through
the real store; the real window opens on it (the offline demo as its endpoint) at 1366x768.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncio

import qasync
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from desktop_chat import paths
from desktop_chat.core.conversation import Message
from desktop_chat.storage.history import ConversationInfo, HistoryStore, StoredMessage

ROOT = Path(__file__).resolve().parent.parent
QUERY = "天气"
DAY = 86_400.0
CONVERSATIONS = (  # (days ago, question, answer)
    (0.0, "明天北京的天气怎么样？",
     "明天北京晴转多云，气温 -3 到 6 度，北风二级。天气干燥，记得多喝水。"),
    (0.1, "Write a haiku about autumn rain",
     "Cold rain on the eaves —\nthe kettle hums, a page turns,\nthe lamp stays lit late."),
    (1.0, "用 Python 读取天气 API 的 JSON",
     "可以用 `httpx.get(url).json()` 读取，然后取出 `temperature` 字段。"),
    (3.0, "How do I pin a conversation?",
     "Right-click it in the sidebar and choose Pin, or press the menu key."),
    (5.0, "周末去杭州旅游，天气会好吗？", "周末杭州多云，偶有小雨，天气凉爽，适合去西湖边散步。"),
    (12.0, "Explain SQLite WAL mode briefly",
     "Writers append to a write-ahead log; readers keep reading the database."),
    (40.0, "帮我翻译：今天天气很好", "The weather is lovely today."),
    (70.0, "Summarise the meeting notes",
     "Three decisions: ship Friday, freeze the schema, review the sidebar."),
)  # fmt: skip


def fill(store: HistoryStore) -> None:
    """Add the conversations as they were on their day (an import keeps the times given)."""
    now = time.time()
    # Oldest first, as they were written: search lists hits in the order they were stored.
    for number, (days_ago, question, answer) in reversed(list(enumerate(CONVERSATIONS))):
        stamp = now - days_ago * DAY
        cid, q, a = f"{number:032x}", f"q{number:031x}", f"a{number:031x}"
        messages = [
            StoredMessage(q, cid, None, Message("user", text=question), "complete", stamp, stamp),
            StoredMessage(a, cid, q, Message("assistant", text=answer), "complete", stamp, stamp),
        ]
        info = ConversationInfo(cid, question, False, False, "", stamp, stamp, a, 2)
        store.insert_conversation(info, messages)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "history-search.png")
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    # Off every window: a pointer where a button is first shown would leave it drawn hovered.
    QCursor.setPos(-10_000, -10_000)
    app.setQuitOnLastWindowClosed(False)  # the loop ends with shoot(), not with the window
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="dc-shot-") as directory:
        os.environ["DESKTOP_CHAT_HOME"] = directory
        store = HistoryStore.open(paths.history_path())
        try:
            fill(store)
        finally:
            store.close()
        return loop.run_until_complete(shoot(args.out))


async def shoot(out: Path) -> int:
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.ui.main_window import open_main_window

    window = await open_main_window(keystore=KeyStore(session_only=True))
    sidebar = window.sidebar
    assert sidebar is not None
    window.resize(1366, 768)
    await asyncio.sleep(0.3)
    sidebar.focus_search()
    sidebar.search_field.insert(QUERY)  # as an input method commits it
    await asyncio.sleep(0.6)  # past the search's debounce
    found = sidebar.results_model.rowCount()
    if found == 0:
        raise SystemExit(f"screenshot: no result for {QUERY!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        raise SystemExit(f"screenshot: cannot write {out}")
    sys.stdout.write(f"{out} ({found} results for {QUERY})\n")
    window.close()
    await window.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
