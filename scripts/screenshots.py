"""Render the README's screenshots: light and dark, English and Chinese, at 1366×768 and 1920×1080.

Usage: .venv/bin/python scripts/screenshots.py [--out docs/images]
(offscreen; a CJK font such as fonts-wqy-microhei must be installed, or Chinese shows as boxes)

Each shot is a fresh profile in a temporary directory with a few conversations saved through the
real store, the last one open: a question, an answer with a heading, a list, code and a table. The
real window opens on it with the theme and the language set in its settings, as a user would.
Writes window-<theme>-<language>-<width>.png.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from desktop_chat import paths
from desktop_chat.core.conversation import Message
from desktop_chat.storage.history import ConversationInfo, HistoryStore, StoredMessage
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_file import save_settings

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1366, 768), (1920, 1080))
THEMES = ("light", "dark")
DAY = 86_400.0

ENGLISH = (
    ("Summarise the meeting notes", "Three decisions: ship Friday, freeze the schema."),
    ("Explain SQLite WAL mode briefly", "Writers append to a log; readers keep reading."),
    (
        "How should I read a large CSV in Python without running out of memory?",
        """## Read it in pieces

Stream the rows instead of loading the file whole:

- `csv.reader` over the open file reads one row at a time
- pandas takes `chunksize=` and hands you frames of that many rows

```python
import csv

with open("big.csv", newline="") as file:
    for row in csv.reader(file):
        handle(row)
```

| Approach | Memory | Speed |
|---|---|---|
| `csv.reader` | one row | good |
| pandas chunks | one chunk | fast |
""",
    ),
)
CHINESE = (
    ("总结一下会议纪要", "三项决定：周五发布，冻结数据库结构，评审侧边栏。"),
    ("简单解释 SQLite 的 WAL 模式", "写入追加到预写日志，读取不受影响。"),
    (
        "用 Python 读取很大的 CSV 文件时，怎样避免内存不足？",
        """## 分块读取

不要一次载入整个文件，而是逐行或分块处理：

- `csv.reader` 逐行读取打开的文件
- pandas 的 `chunksize=` 每次给出固定行数的数据块

```python
import csv

with open("big.csv", newline="") as file:
    for row in csv.reader(file):
        handle(row)
```

| 方法 | 内存 | 速度 |
|---|---|---|
| `csv.reader` | 一行 | 较快 |
| pandas 分块 | 一块 | 快 |
""",
    ),
)


def fill(store: HistoryStore, exchanges: tuple[tuple[str, str], ...]) -> None:
    now = time.time()
    for number, (question, answer) in enumerate(exchanges):
        stamp = now - (len(exchanges) - number) * DAY / 3
        cid, q, a = f"{number + 1:032x}", f"q{number:031x}", f"a{number:031x}"
        messages = [
            StoredMessage(q, cid, None, Message("user", text=question), "complete", stamp, stamp),
            StoredMessage(a, cid, q, Message("assistant", text=answer), "complete", stamp, stamp),
        ]
        info = ConversationInfo(cid, question, False, False, "", stamp, stamp, a, 2)
        store.insert_conversation(info, messages)


async def shoot(out: Path, theme: str, language: str, size: tuple[int, int]) -> Path:
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.ui.main_window import open_main_window

    window = await open_main_window(keystore=KeyStore(session_only=True))
    window.resize(*size)
    await asyncio.sleep(0.8)  # layout, the reopened conversation drawn, the model list
    path = out / f"window-{theme}-{language.replace('_', '-').lower()}-{size[0]}.png"
    if not window.grab().save(str(path)):
        raise SystemExit(f"screenshots: cannot write {path}")
    window.close()
    await window.aclose()
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    # Off every window: a pointer where a button is first shown would leave it drawn hovered.
    QCursor.setPos(-10_000, -10_000)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    for language, exchanges in (("en", ENGLISH), ("zh_CN", CHINESE)):
        for theme in THEMES:
            for size in SIZES:
                with tempfile.TemporaryDirectory(prefix="dc-shot-") as directory:
                    os.environ["DESKTOP_CHAT_HOME"] = directory
                    settings = Settings().with_option("ui.theme", theme)
                    save_settings(settings.with_option("ui.language", language))
                    store = HistoryStore.open(paths.history_path())
                    try:
                        fill(store, exchanges)
                    finally:
                        store.close()
                    path = loop.run_until_complete(shoot(args.out, theme, language, size))
                    sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
