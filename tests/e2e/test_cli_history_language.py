"""`history show --markdown` stays English under a Chinese locale: the terminal never sets one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop_chat.core.conversation import Message
from desktop_chat.storage.history import HistoryStore


def show(conversation_id: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    plain = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", "history", "show", conversation_id,
         "--markdown", "--details"],
        capture_output=True, text=True, timeout=60, env={**plain, **env}, check=False,
    )  # fmt: skip


def test_markdown_in_the_terminal_is_english_under_a_chinese_locale() -> None:
    store = HistoryStore.open(Path(os.environ["DESKTOP_CHAT_HOME"]) / "history.sqlite3")
    try:
        cid = store.create_conversation("Be brief.")
        q = store.add_message(cid, None, Message("user", text="你好"))
        store.add_message(cid, q, Message("assistant", text="old"))
        store.add_message(cid, q, Message("assistant", text="new"), meta={"model": "m"})
    finally:
        store.close()
    english = show(cid, {"LANG": "C.UTF-8"})
    chinese = show(cid, {"LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN", "LC_ALL": "zh_CN.UTF-8"})
    assert english.returncode == chinese.returncode == 0, english.stderr + chinese.stderr
    assert chinese.stdout == english.stdout
    assert "**System:** Be brief." in english.stdout
    assert "## Assistant (m) — version 2 of 2" in english.stdout
