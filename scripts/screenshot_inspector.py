"""Render the README's inspector pictures: tool calls awaiting approval, then the answer streaming.

Usage: .venv/bin/python scripts/screenshot_inspector.py [--out docs/images]
(offscreen)

A fresh profile in a temporary directory points the real window (light theme, English, 1366x768)
at a small OpenAI-compatible model served on 127.0.0.1, with the built-in calculator and
current_time tools on and approval required. The model answers the question with a call to each
tool; once both ran it streams an answer made from their results and holds the stream part-way,
so the second picture catches it streaming. Writes inspector-approval.png and inspector-stream.png.

The model is served here rather than by the test suite's scripted server, which loads pytest,
and it reads the tool results from the request so the answer quotes the time the tool gave.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QTableView, QWidget

from desktop_chat.httpserver import MAX_PAUSE, LoopbackHTTPServer, QuietHandler
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import save_settings
from desktop_chat.ui.app import asyncgen_hooks
from tests.support.streams import openai_stream

if TYPE_CHECKING:
    from desktop_chat.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1366, 768)
MODEL = "gpt-4o-mini"
QUESTION = "What is (2 + 3) * sqrt(16), and what time is it in Paris?"
PREFACE = "I'll work out the expression and look up the time in Paris."
CALLS = (  # id, tool, its arguments in the pieces a model streams them in
    ("call_1", "calculator", ('{"expr', 'ession": "', "(2 + 3)", " * sqrt(16)", '"}')),
    ("call_2", "current_time", ('{"time', 'zone": "', "Europe/", 'Paris"}')),
)
ANSWER = """**(2 + 3) × √16 = {number}**: 2 + 3 is 5, √16 is 4, and 5 × 4 is 20.

In Paris it is **{clock}** on {day} ({zone}).

| Step | Value |
|---|---|
| 2 + 3 | 5 |
| √16 | 4 |
| 5 × 4 | {number} |

The calculator evaluated the expression without running any code: it walks the parsed \
expression and allows only arithmetic and a few functions such as `sqrt`.
"""
PIECE_SECONDS = 0.04  # the pace of the stream, about what a fast hosted model sends
HOLD_AT = 0.75  # the answer's share streamed before it is held for the second picture
STEP_SECONDS = 0.05
STEPS = 200  # bound of every wait: 10 s


class Model(LoopbackHTTPServer):
    """Call both tools for a question; answer from the tool results, held part-way."""

    def __init__(self) -> None:
        super().__init__(_ModelHandler)
        self.holding = threading.Event()


class _ModelHandler(QuietHandler):
    server: Model

    def do_GET(self) -> None:
        models = {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0}]}
        self.send_json(200, models)

    def do_POST(self) -> None:
        messages = json.loads(self.read_body())["messages"]
        results = {m["tool_call_id"]: m["content"] for m in messages if m["role"] == "tool"}
        if not results:
            calls = [{"id": i, "name": n, "argument_pieces": list(p)} for i, n, p in CALLS]
            pieces = [PREFACE[i : i + 12] for i in range(0, len(PREFACE), 12)]
            chunks = openai_stream(
                pieces,
                tool_calls=calls,
                interleave_tool_calls=True,
                finish_reason="tool_calls",
                usage=(96, 58),
                model=MODEL,
            )
            self._stream(chunks, hold_after=None)
            return
        answer = _answer(results.get("call_1", "?"), results.get("call_2", ""))
        words = answer.split(" ")
        pieces = [word + " " for word in words[:-1]] + words[-1:]
        chunks = openai_stream(pieces, usage=(184, 112), model=MODEL)
        self._stream(chunks, hold_after=1 + int(len(pieces) * HOLD_AT))

    def _stream(self, chunks: list[bytes], hold_after: int | None) -> None:
        self.begin_chunked()
        for number, chunk in enumerate(chunks):
            if number == hold_after:
                self.server.holding.set()
                self.server.pause(MAX_PAUSE)  # until the pictures are taken and it closes
            if self.server.closing.is_set() or not self.server.pause(PIECE_SECONDS):
                self.drop_connection()
                return
            self.write_chunk(chunk)
        self.end_chunked()


def _answer(number: str, time_result: str) -> str:
    """Quote the tool results as a model would: '2026-12-05T05:12:40+01:00 (Saturday, ...)'."""
    stamp, _, rest = time_result.partition(" ")
    try:
        local = datetime.fromisoformat(stamp)
    except ValueError:
        return ANSWER.format(number=number, clock="?", day="?", zone="?")
    zone = rest.strip("()").split(", ")[-1] or "local time"
    return ANSWER.format(number=number, clock=f"{local:%H:%M}", day=f"{local:%A}", zone=zone)


async def wait_for(what: str, ready: Callable[[], bool]) -> None:
    for _step in range(STEPS):
        if ready():
            return
        await asyncio.sleep(STEP_SECONDS)
    raise SystemExit(f"screenshot: {what} did not happen within {STEPS * STEP_SECONDS:.0f} s")


def save(widget: QWidget, path: Path) -> None:
    if not widget.grab().save(str(path)):
        raise SystemExit(f"screenshot: cannot write {path}")
    sys.stdout.write(f"{path}\n")


async def shoot(out: Path, model: Model) -> int:
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.ui.main_window import open_main_window

    keystore = KeyStore(session_only=True)
    keystore.set("Local", "sk-local-screenshot")  # a stand-in: the local model takes any key
    window = await open_main_window(keystore=keystore)
    try:
        await _take(window, out, model)
    finally:
        window.chat.stop()
        window.close()
        await window.aclose()
    return 0


async def _take(window: MainWindow, out: Path, model: Model) -> None:
    window.resize(*SIZE)
    for key in ("builtin:calculator", "builtin:current_time"):
        window.tools.session.set_enabled(key, True)
    # Laid out at its size first, as a window is by the time a person opens the inspector:
    # opened before that, the dock takes all the width the chat does not need at its narrowest.
    await asyncio.sleep(0.3)
    dock = window.inspector.open_dock()
    await asyncio.sleep(0.3)
    window.composer.set_text(QUESTION)
    window.composer.submit()
    panel = window.tools.panel
    await wait_for("two approval cards", lambda: len(panel.cards()) == len(CALLS))
    await wait_for("the cards shown", lambda: all(c.isVisible() for c in panel.cards()))
    dock.tabs.setCurrentWidget(dock.tool_view)
    await window.wait_rendered(within=5.0)
    await asyncio.sleep(0.5)  # the dock polls every 100 ms; the panel settles its height
    save(window, out / "inspector-approval.png")

    for card in panel.cards():
        card.run_button.click()
    await wait_for("the answer streaming", model.holding.is_set)
    # The transcript is busy while the answer streams, so wait for the text it has so far.
    await wait_for("the answer drawn", lambda: "In Paris it is" in window.transcript_text())
    await asyncio.sleep(0.5)
    dock.tabs.setCurrentWidget(dock.details)
    _select_last(dock.view, "sse")  # the chunk as it came, parsed: its text is in the delta
    dock.details.parsed.expand_path("choices", "[0]", "delta")
    await asyncio.sleep(0.3)
    save(window, out / "inspector-stream.png")


def _select_last(view: QTableView, kind: str) -> None:
    """Select the timeline's last row of `kind`, so the Event tab shows it."""
    table = view.model()
    rows = [r for r in range(table.rowCount()) if table.index(r, 2).data() == kind]
    if not rows:
        raise SystemExit(f"screenshot: no {kind} event in the timeline")
    view.selectRow(rows[-1])
    view.scrollToBottom()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    # Off every window: a pointer where a button is first shown would leave it drawn hovered.
    QCursor.setPos(-10_000, -10_000)
    app.setQuitOnLastWindowClosed(False)  # the loop ends with shoot(), not with the window
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    model = Model()
    with tempfile.TemporaryDirectory(prefix="dc-shot-") as directory:
        os.environ["DESKTOP_CHAT_HOME"] = directory
        endpoint = Endpoint("Local", "openai", model.start() + "/v1", MODEL)
        settings = Settings((endpoint,), "Local", models_cache={"Local": (MODEL,)})
        settings = settings.with_option("ui.theme", "light").with_option("ui.language", "en")
        save_settings(settings)
        try:
            with asyncgen_hooks(loop):
                return int(loop.run_until_complete(shoot(args.out, model)))
        finally:
            model.close()
            loop.close()
            asyncio.set_event_loop(None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
