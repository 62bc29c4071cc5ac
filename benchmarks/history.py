"""Measure the history at scale: the sidebar, search, opening a long conversation, bytes on disk.

Usage: .venv/bin/python benchmarks/history.py [--quick] [--repeat N] [--cache DIR]
(QT_QPA_PLATFORM defaults to offscreen here.)

A profile of 10,000 conversations and 1,000,000 messages (--quick: 100 and 10,000) is generated
once through the real schema and cached (benchmarks/history_profile.py). Each row times what
the app does beside a naive way of doing the same, median of --repeat runs (warm: the file is in
the OS cache after the first run):

- the sidebar's first page: `HistorySidebar(store)` shown until its list has painted, against a
  QListWidget filled with every conversation;
- search, newest 50 hits: FTS5 (`store.search`) against `LIKE '%q%'` over the messages, for an
  English word, a two-character Chinese query and a word no message holds;
- opening the 1,000-message conversation as the window does (`ChatController.open_conversation`
  on the real store, until painted: every message loaded, the last SHOWN_KEEP drawn, the rest
  folded), against feeding the transcript message by message with `Transcript.add_message`;
- opening it at a search hit near its start (message HIT_AT): only what is there is drawn, the
  later messages folded below, against drawing every message from the hit down (as the
  transcript did before);
- scrolling the sidebar to its end: the time of each `fetchMore` page, with the view's layout;
- bytes on disk per message, and how they split between tables and indexes.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QModelIndex,
    QObject,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QListWidget, QWidget

from benchmarks.history_profile import CHINESE_QUERY, ENGLISH_QUERY, Profile, cached
from desktop_chat.storage.history import HistoryStore
from desktop_chat.ui.chat.folding import SHOWN_KEEP
from desktop_chat.ui.chat.transcript import Transcript
from desktop_chat.ui.history.sidebar import HistorySidebar

DEADLINE_S = 60.0  # no single wait for a paint may take longer
TARGET_MS = 200.0
HIT_AT = 10  # the message a search hit opens the long conversation at, far up
ABSENT = "zebra"  # in no message: LIKE reads them all, as for a rare word or a typo


class PaintWatch(QObject):
    """Tell when a widget has painted (its Paint event has been handled)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def until_painted(app: QApplication, watch: PaintWatch) -> None:
    deadline = time.perf_counter() + DEADLINE_S
    while not watch.painted:
        if time.perf_counter() > deadline:
            raise SystemExit("history benchmark: nothing was painted")
        app.processEvents()
    app.processEvents()  # the paint itself has run once its event was seen


def quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Keep the offscreen platform's notes about window hints out of the table."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """The milliseconds of `repeat` runs of `run`, after one run to warm up."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def sidebar_first_page(app: QApplication, store: HistoryStore) -> None:
    sidebar = HistorySidebar(store)
    sidebar.resize(240, 760)
    watch = PaintWatch(sidebar.list.viewport())
    sidebar.show()
    until_painted(app, watch)
    sidebar.close()
    sidebar.deleteLater()


def every_conversation(app: QApplication, store: HistoryStore) -> None:
    view = QListWidget()
    view.resize(240, 760)
    for info in store.conversations(limit=10**9):
        view.addItem(info.title)
    watch = PaintWatch(view.viewport())
    view.show()
    until_painted(app, watch)
    view.close()
    view.deleteLater()


def like_search(db: sqlite3.Connection, text: str) -> list[tuple[object, ...]]:
    return db.execute(
        "SELECT m.conversation_id, m.id, c.title, m.text FROM messages m"
        " JOIN conversations c ON c.id = m.conversation_id"
        " WHERE m.text LIKE ? ORDER BY m.n DESC LIMIT 50",
        (f"%{text}%",),
    ).fetchall()


def open_one_by_one(app: QApplication, store: HistoryStore, profile: Profile) -> None:
    info = store.conversation(profile.long_id)
    assert info is not None
    assert info.leaf_id is not None
    view = Transcript()
    view.resize(900, 700)
    watch = PaintWatch(view.view.viewport())
    view.show()
    for stored in store.path(info.leaf_id):
        view.add_message(stored.message.role, stored.message.text)
    until_painted(app, watch)
    view.close()
    view.deleteLater()


def open_at_once(app: QApplication, store: HistoryStore, profile: Profile) -> None:
    """What the window does: ChatController.open_conversation on the real store, until painted
    (the session loads every message; the transcript draws the last ones, folds the rest)."""
    from desktop_chat.ui.chat.composer import Composer
    from desktop_chat.ui.chat.status_bar import StatusBar
    from desktop_chat.ui.chat_controller import ChatController

    view = Transcript()
    view.resize(900, 700)
    watch = PaintWatch(view.view.viewport())
    view.show()
    controller = ChatController(
        view, Composer(), StatusBar(), _no_target, lambda: ("", None, 1024), history=store
    )
    controller.open_conversation(profile.long_id)
    until_painted(app, watch)
    assert view.first_shown == view.count() - SHOWN_KEEP  # the rest folded
    view.close()
    view.deleteLater()


def open_at_hit(app: QApplication, store: HistoryStore, profile: Profile, naive: bool) -> None:
    """Open the long conversation at message HIT_AT, as the sidebar's search does, until
    painted; `naive` unfolds every message from there to the end instead."""
    from desktop_chat.ui.chat.composer import Composer
    from desktop_chat.ui.chat.status_bar import StatusBar
    from desktop_chat.ui.chat_controller import ChatController

    info = store.conversation(profile.long_id)
    assert info is not None
    assert info.leaf_id is not None
    hit = store.path(info.leaf_id)[HIT_AT].id
    view = Transcript()
    view.resize(900, 700)
    watch = PaintWatch(view.view.viewport())
    view.show()
    controller = ChatController(
        view, Composer(), StatusBar(), _no_target, lambda: ("", None, 1024), history=store
    )
    if naive:
        controller.open_conversation(profile.long_id)
        with view._edit():
            view._regions.unfold(view.first_shown - HIT_AT)
        view.scroll_to(HIT_AT)
    else:
        controller.open_conversation(profile.long_id, hit)
        assert view.folded_below > 0  # the later ones folded below the hit
    until_painted(app, watch)
    assert view.first_shown == HIT_AT
    view.close()
    view.deleteLater()


def _no_target() -> NoReturn:
    raise AssertionError("opening a conversation sends nothing")


def scroll_pages(app: QApplication, store: HistoryStore) -> list[float]:
    """Scroll the sidebar to its end; the milliseconds of each page fetched on the way."""
    sidebar = HistorySidebar(store)
    sidebar.resize(240, 760)
    sidebar.show()
    app.processEvents()
    model, view = sidebar.model, sidebar.list
    pages = []
    for _ in range(100_000):
        if not model.canFetchMore(QModelIndex()):
            break
        rows = model.rowCount()
        started = time.perf_counter()
        view.scrollToBottom()  # at the end the view asks for the next page itself
        app.processEvents()  # and lays out and paints the new rows
        if model.rowCount() == rows:
            model.fetchMore(QModelIndex())
            app.processEvents()
        pages.append((time.perf_counter() - started) * 1000)
    sidebar.close()
    sidebar.deleteLater()
    return pages


def on_disk(profile: Profile) -> tuple[float, list[tuple[str, float]]]:
    """Bytes per message in all, and per message for each table and index (largest first)."""
    size = sum(p.stat().st_size for p in (profile.path, Path(f"{profile.path}-wal")) if p.exists())
    db = sqlite3.connect(f"file:{profile.path}?mode=ro", uri=True)
    try:
        parts = db.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        parts = []
    finally:
        db.close()
    return size / profile.messages, [(str(n), b / profile.messages) for n, b in parts]


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def row(label: str, ours: list[float], naive: list[float] | None) -> str:
    mine = median(ours)
    met = "yes" if mine < TARGET_MS else "NO"
    if naive is None:
        return f"| {label} | {ms(mine)} | - | - | {met} |"
    other = median(naive)
    ratio = f"{other / mine:.1f}x" if mine else "-"
    return f"| {label} | {ms(mine)} | {ms(other)} | {ratio} | {met} |"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 conversations, 10,000 messages")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None, help="where the profile is kept")
    args = parser.parse_args(argv)
    conversations, messages = (100, 10_000) if args.quick else (10_000, 1_000_000)
    repeat = max(1, args.repeat)
    qInstallMessageHandler(quiet_offscreen)
    app = QApplication(sys.argv[:1])

    profile = cached(conversations, messages, args.cache)
    store = HistoryStore.open(profile.path)
    plain = sqlite3.connect(f"file:{profile.path}?mode=ro", uri=True)
    try:
        made = f"generated in {profile.seconds:.0f} s" if profile.seconds else "cached"
        print(f"Profile: {conversations:,} conversations, {messages:,} messages ({made})")
        print(f"Median of {repeat} runs, ms; target under {TARGET_MS:.0f} ms\n")
        print("| measurement | ours ms | naive ms | naive / ours | under target |")
        print("|---|--:|--:|--:|:-:|")
        print(row(
            "open the history file (HistoryStore.open, then close)",
            timed(lambda: HistoryStore.open(profile.path).close(), repeat),
            None,
        ))  # fmt: skip
        print(row(
            "sidebar first page painted (naive: every conversation in a QListWidget)",
            timed(lambda: sidebar_first_page(app, store), repeat),
            timed(lambda: every_conversation(app, store), repeat),
        ))  # fmt: skip
        searches = (("English", ENGLISH_QUERY), ("Chinese", CHINESE_QUERY), ("absent", ABSENT))
        for name, query in searches:
            hits = len(store.search(query))
            print(row(
                f"search {name} {query!r}, newest 50 ({hits} shown) (naive: LIKE scan)",
                timed(lambda q=query: store.search(q), repeat),  # type: ignore[misc]
                timed(lambda q=query: like_search(plain, q), repeat),  # type: ignore[misc]
            ))  # fmt: skip
        info = store.conversation(profile.long_id)
        assert info is not None
        assert info.leaf_id is not None
        leaf = info.leaf_id
        print(row(
            f"store.path of the {info.messages:,}-message conversation"
            " (naive: every message of it, store.messages)",
            timed(lambda: store.path(leaf), repeat),
            timed(lambda: store.messages(profile.long_id), repeat),
        ))  # fmt: skip
        print(row(
            f"open it in the window: open_conversation, the last {SHOWN_KEEP} drawn"
            " (naive: Transcript.add_message one by one)",
            timed(lambda: open_at_once(app, store, profile), repeat),
            timed(lambda: open_one_by_one(app, store, profile), repeat),
        ))  # fmt: skip
        print(row(
            f"open it at a search hit, message {HIT_AT}: what is there drawn, the rest folded"
            " (naive: every message from the hit down drawn)",
            timed(lambda: open_at_hit(app, store, profile, naive=False), repeat),
            timed(lambda: open_at_hit(app, store, profile, naive=True), repeat),
        ))  # fmt: skip
        pages = scroll_pages(app, store)
        print(row(
            f"sidebar scrolled to its end: per page of 100 ({len(pages)} pages, max"
            f" {ms(max(pages, default=0))} ms)",
            pages or [0.0],
            None,
        ))  # fmt: skip
        per_message, parts = on_disk(profile)
        print(f"\nBytes on disk per message: {per_message:,.0f}")
        for name, size in parts[:8]:
            print(f"- {name}: {size:,.0f}")
    finally:
        plain.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
