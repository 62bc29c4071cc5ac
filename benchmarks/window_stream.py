"""Stream a long answer at full speed through the whole window: history off and on, inspector
closed and open.

Usage: .venv/bin/python benchmarks/window_stream.py [--tokens N] [--rounds N]
(QT_QPA_PLATFORM defaults to offscreen here.)

History "on" is the window as it is: the answer's search entry is written about a second after
its end (`HistoryStore.catch_up`), not in the turn that ends it; "catch-up ms" is what that later
write costs, timed alone after the heartbeat stops. "at end" writes the entry as the answer ends,
as the window did before, side by side. "end write ms" is what `HistoryStore.finish` took on the
window's thread at the answer's end (the median over the rounds): it is less at the mercy of
other work on the machine than the gaps are.

The real MainWindow talks to a scripted SSE server on 127.0.0.1 that sends --tokens pieces
without pausing: HTTP, the traced engine, the bridge, the transcript, the inspector's record and
the history (the profile's SQLite file, written as the answer streams), as a user runs them, at
a pace no model reaches. "History off" is the window as it runs when the history file is refused.
A 4 ms heartbeat timer records how long the event loop was blocked (gaps between ticks:
p50/p99/max, pooled over --rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_chat import paths
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import save_settings
from desktop_chat.ui.app import asyncgen_hooks
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

DEADLINE_S = 120.0


HISTORY = ("off", "at end", "on")


Run = tuple[float, list[float], float, float]


async def one_run(server: ScriptedServer, tokens: int, dock_open: bool, history: str) -> Run:
    """Return the seconds one streamed answer took, the event loop's gaps (s) meanwhile, the
    seconds its search entry took to catch up afterwards (0 if written at its end), and the
    seconds of the write at its end."""
    from desktop_chat.session.saved_turn import SavedTurn
    from desktop_chat.storage.history import HistoryStore
    from desktop_chat.ui.main_window import open_main_window

    finish = HistoryStore.finish
    writes: list[float] = []

    def timed_finish(store: HistoryStore, *args: Any, **kwargs: Any) -> None:
        began = time.perf_counter()
        finish(store, *args, **kwargs)
        writes.append(time.perf_counter() - began)

    pieces = ["\n\n" if i % 40 == 39 else f"word{i} " for i in range(tokens)]
    server.script(Reply(chunks=openai_stream(pieces)))
    window = await open_main_window(keystore=KeyStore(session_only=True))
    try:
        window.chat.new_chat()  # not the conversation it reopened: each run starts one
        store = window.chat.session.store
        if history == "off":
            window.chat.session.store = None  # as when the history file is refused
        later = SavedTurn._later
        if history == "at end":
            SavedTurn._later = lambda self: False  # type: ignore[method-assign]
        if dock_open:
            window.inspector.open_dock()
        await asyncio.sleep(1.0)  # start-up work done, as before a person's first message
        gaps: list[float] = []
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

        heartbeat = QTimer()
        heartbeat.setInterval(4)
        heartbeat.timeout.connect(tick)
        heartbeat.start()
        started = time.perf_counter()
        HistoryStore.finish = timed_finish  # type: ignore[method-assign]
        try:
            outcome = await asyncio.wait_for(window.send_and_wait("go"), DEADLINE_S)
            await window.wait_rendered(DEADLINE_S)
        finally:
            SavedTurn._later = later  # type: ignore[method-assign]
            HistoryStore.finish = finish  # type: ignore[method-assign]
        elapsed = time.perf_counter() - started
        heartbeat.stop()
        if outcome != "finished":
            raise SystemExit(f"window_stream: the answer {outcome}")
        caught = time.perf_counter()
        if store is not None and history == "on":
            store.catch_up()
        return elapsed, gaps, time.perf_counter() - caught, sum(writes)
    finally:
        window.close()
        await window.aclose()
        window.deleteLater()


async def measure(tokens: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="dc-bench-") as profile, ScriptedServer() as server:
        paths.set_profile_dir(profile)
        endpoint = Endpoint("Local", "openai", server.url + "/v1", "m")
        save_settings(Settings((endpoint,), "Local", models_cache={"Local": ("m",)}))
        cases = [(history, dock) for dock in (False, True) for history in HISTORY]
        results: dict[tuple[str, bool], list[Run]] = {c: [] for c in cases}
        for _ in range(rounds):
            for history, dock_open in cases:
                results[history, dock_open].append(
                    await one_run(server, tokens, dock_open, history)
                )
        await asyncio.sleep(0.5)  # let closed connections finish closing while the loop runs
        size = (Path(profile) / "history.sqlite3").stat().st_size
    print(f"{tokens:,} tokens at full speed; {rounds} rounds, gaps pooled over the rounds")
    print(
        "| history | inspector | answer s (median) | gap p50 ms | gap p99 ms | gap max ms"
        " | end write ms | catch-up ms |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    for (history, dock_open), runs in results.items():
        gaps = sorted(gap * 1000 for run in runs for gap in run[1])
        seconds = statistics.median(run[0] for run in runs)
        caught = statistics.median(run[2] * 1000 for run in runs)
        wrote = statistics.median(run[3] * 1000 for run in runs)
        p50, p99 = gaps[len(gaps) // 2], gaps[int(len(gaps) * 0.99)]
        label = f"{history} | " + ("open" if dock_open else "closed")
        print(
            f"| {label} | {seconds:.2f} | {p50:.1f} | {p99:.1f} | {gaps[-1]:.1f}"
            f" | {wrote:.1f} | {caught:.1f} |"
        )
    print(f"history file after {rounds * 4} saved answers: {size / 1024:.0f} KiB")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with asyncgen_hooks(loop):
            loop.run_until_complete(measure(args.tokens, args.rounds))
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
