"""Stream a long answer at full speed through the whole window: history off and on, inspector
closed and open.

Usage: .venv/bin/python benchmarks/window_stream.py [--tokens N] [--rounds N] [--cases C,...]
       [--profile MS]
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

On a machine shared with other work the wall-clock gaps also hold the time the window's thread
waited for a core, so the script also reports CPU time: what the window's thread used between the
same ticks ("CPU p99 ms") and in the whole answer ("CPU ms"). The scripted server runs in a thread
of its own and is not counted. Compare code by CPU time, back to back; wall clock only when quiet.
"full GCs" counts Python's full (generation 2) collections while the answers streamed, with the
longest: each walks every object the process holds, and one costs 40-150 ms here.

--cases picks the cases ("off", "at end", "on", each closed, or with "+dock": open).
--profile MS runs cProfile over the event loop and prints where the turns that took over MS ms
of CPU time spent it, per case; the profiler itself slows every call down.

--batches N measures the history's writes alone at a model's pace instead, where this full-speed
stream (a handful of 150 ms batches per answer) cannot show them: one answer written in N batches
of 300 characters (N=700: a 205 KB answer, about 105 s of a fast model), as `SavedTurn.flush`
writes each (`indexed` + `HistoryStore.append`), timed on this thread, wall clock and CPU, with
the bytes each batch wrote to the file and its journal.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
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


Case = tuple[str, bool]  # history, inspector dock open


@dataclass
class Run:
    """One streamed answer: seconds, the event loop's gaps (s) meanwhile, the seconds its search
    entry took to catch up afterwards (0 if written at its end), the seconds of the write at its
    end, and the CPU seconds of the window's thread in each gap and in the whole answer."""

    seconds: float
    gaps: list[float]
    caught: float
    wrote: float
    cpu_gaps: list[float]
    cpu: float
    full_gc: list[float]  # seconds of each full (generation 2) collection while it streamed


class SlowTurns:
    """Profile the event loop between heartbeat ticks; keep the turns that took over `ms` ms of
    the thread's CPU time (wall-clock gaps on a loaded machine also hold waits for a core)."""

    def __init__(self, ms: float) -> None:
        self.limit = ms / 1000
        self.stats: pstats.Stats | None = None
        self.turns = 0
        self._profile = cProfile.Profile()

    def start(self) -> None:
        self._profile = cProfile.Profile()
        self._profile.enable()

    def tick(self, gap: float) -> None:
        self._profile.disable()
        if gap > self.limit:
            self.turns += 1
            if self.stats is None:
                self.stats = pstats.Stats(self._profile)
            else:
                self.stats.add(self._profile)
        self.start()

    def stop(self) -> None:
        self._profile.disable()


async def one_run(
    server: ScriptedServer, tokens: int, case: Case, slow: SlowTurns | None = None
) -> Run:
    """Stream one answer through a new window and measure it."""
    history, dock_open = case
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
        await asyncio.sleep(0.5)  # start-up work done, as before a person's first message
        # The windows of earlier rounds are cyclic garbage now: collect it here, or the first
        # full collection of this round's answer pays for it (a person's window is not rebuilt
        # for each answer). Full collections while the answer streams are still counted.
        gc.collect()
        await asyncio.sleep(0.5)
        gaps: list[float] = []
        cpu_gaps: list[float] = []
        last = time.perf_counter()
        last_cpu = cpu_started = time.thread_time()

        def tick() -> None:
            nonlocal last, last_cpu
            now, cpu = time.perf_counter(), time.thread_time()
            gaps.append(now - last)
            cpu_gaps.append(cpu - last_cpu)
            last, last_cpu = now, cpu
            if slow is not None:
                slow.tick(cpu_gaps[-1])

        full_gc: list[float] = []
        collecting = 0.0

        def on_gc(phase: str, info: dict[str, int]) -> None:
            nonlocal collecting
            if info["generation"] == 2 and phase == "start":
                collecting = time.thread_time()
            elif info["generation"] == 2:
                full_gc.append(time.thread_time() - collecting)

        heartbeat = QTimer()
        heartbeat.setInterval(4)
        heartbeat.timeout.connect(tick)
        heartbeat.start()
        gc.callbacks.append(on_gc)
        started = time.perf_counter()
        HistoryStore.finish = timed_finish  # type: ignore[method-assign,assignment]
        if slow is not None:
            slow.start()
        try:
            outcome = await asyncio.wait_for(window.send_and_wait("go"), DEADLINE_S)
            await window.wait_rendered(DEADLINE_S)
        finally:
            gc.callbacks.remove(on_gc)
            if slow is not None:
                slow.stop()
            SavedTurn._later = later  # type: ignore[method-assign]
            HistoryStore.finish = finish  # type: ignore[method-assign]
        elapsed = time.perf_counter() - started
        cpu = time.thread_time() - cpu_started
        heartbeat.stop()
        if outcome != "finished":
            raise SystemExit(f"window_stream: the answer {outcome}")
        caught = time.perf_counter()
        if store is not None and history == "on":
            store.catch_up()
        caught = time.perf_counter() - caught
        return Run(elapsed, gaps, caught, sum(writes), cpu_gaps, cpu, full_gc)
    finally:
        window.close()
        await window.aclose()
        window.deleteLater()


def parse_cases(text: str) -> list[Case]:
    """Read --cases: "off,on+dock" -> [("off", False), ("on", True)]."""
    cases = []
    for name in text.split(","):
        history, _, dock = name.strip().partition("+")
        if history not in HISTORY or dock not in ("", "dock"):
            raise argparse.ArgumentTypeError(f"unknown case {name!r}")
        cases.append((history, dock == "dock"))
    return cases


async def measure(tokens: int, rounds: int, cases: list[Case], profile_ms: float | None) -> None:
    slow = {case: SlowTurns(profile_ms) for case in cases} if profile_ms is not None else {}
    with tempfile.TemporaryDirectory(prefix="dc-bench-") as profile, ScriptedServer() as server:
        paths.set_profile_dir(profile)
        endpoint = Endpoint("Local", "openai", server.url + "/v1", "m")
        save_settings(Settings((endpoint,), "Local", models_cache={"Local": ("m",)}))
        results: dict[Case, list[Run]] = {c: [] for c in cases}
        for _ in range(rounds):
            for case in cases:
                results[case].append(await one_run(server, tokens, case, slow.get(case)))
        await asyncio.sleep(0.5)  # let closed connections finish closing while the loop runs
        size = (Path(profile) / "history.sqlite3").stat().st_size
    print(f"{tokens:,} tokens at full speed; {rounds} rounds, gaps pooled over the rounds")
    print(
        "| history | inspector | answer s (median) | gap p50 ms | gap p99 ms | gap max ms"
        " | CPU p99 ms | CPU max ms | CPU ms (median) | full GCs (max ms) | end write ms"
        " | catch-up ms |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for (history, dock_open), runs in results.items():
        gaps = sorted(gap * 1000 for run in runs for gap in run.gaps)
        cpu_gaps = sorted(gap * 1000 for run in runs for gap in run.cpu_gaps)
        seconds = statistics.median(run.seconds for run in runs)
        cpu = statistics.median(run.cpu * 1000 for run in runs)
        caught = statistics.median(run.caught * 1000 for run in runs)
        wrote = statistics.median(run.wrote * 1000 for run in runs)
        label = f"{history} | " + ("open" if dock_open else "closed")
        full_gc = [pause * 1000 for run in runs for pause in run.full_gc]
        print(
            f"| {label} | {seconds:.2f} | {quantile(gaps, 0.5):.1f} | {quantile(gaps, 0.99):.1f}"
            f" | {gaps[-1]:.1f} | {quantile(cpu_gaps, 0.99):.1f} | {cpu_gaps[-1]:.1f}"
            f" | {cpu:.0f} | {len(full_gc)} ({max(full_gc, default=0):.0f})"
            f" | {wrote:.1f} | {caught:.1f} |"
        )
    print(f"history file after {rounds * len(cases)} saved answers: {size / 1024:.0f} KiB")
    for (history, dock_open), turns in slow.items():
        print(
            f"\n## {history}, inspector {'open' if dock_open else 'closed'}: {turns.turns}"
            f" turns over {turns.limit * 1000:.0f} ms, profiled"
        )
        if turns.stats is not None:
            turns.stats.sort_stats("tottime").print_stats(25)
            turns.stats.sort_stats("cumulative").print_stats(40)


def quantile(ordered: list[float], q: float) -> float:
    """The value at quantile `q` of a sorted list (as the p50 and p99 above were always taken)."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def written() -> int:
    """Bytes this process handed to write() so far (Linux; 0 where /proc does not tell)."""
    try:
        io = Path("/proc/self/io").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in io.splitlines() if line.startswith("wchar")), 0)


def batches(count: int) -> None:
    """Write one answer in `count` batches as the window does, and time each write."""
    from desktop_chat.core.conversation import Message
    from desktop_chat.storage.history import HistoryStore
    from desktop_chat.storage.history_search import indexed

    batch = "word " * 60  # 300 characters: ~75 tokens, 150 ms of a fast model
    with tempfile.TemporaryDirectory(prefix="dc-bench-") as profile:
        store = HistoryStore.open(Path(profile) / "history.sqlite3")
        cid = store.create_conversation()
        answer = store.start_answer(cid, store.add_message(cid, None, Message("user", "go")))
        walls, cpus, sizes = [], [], []
        for _ in range(count):
            before = written()
            began, cpu = time.perf_counter(), time.thread_time()
            indexed(batch)
            store.append(answer, batch)
            walls.append((time.perf_counter() - began) * 1000)
            cpus.append((time.thread_time() - cpu) * 1000)
            sizes.append((written() - before) / 1024)
        store.close()
    tenth = max(1, count // 10)
    print(f"one answer of {len(batch) * count / 1024:.0f} KiB in {count} batches")
    print("| batches | wall ms (median) | CPU ms (median) | KiB written (median) |")
    print("|---|--:|--:|--:|")
    for label, part in (("first tenth", slice(0, tenth)), ("last tenth", slice(-tenth, None))):
        wall, cpu = statistics.median(walls[part]), statistics.median(cpus[part])
        print(f"| {label} | {wall:.3f} | {cpu:.3f} | {statistics.median(sizes[part]):.0f} |")
    print(
        f"all {count}: wall max {max(walls):.1f} ms, {sum(w > 5 for w in walls)} over 5 ms;"
        f" CPU max {max(cpus):.1f} ms; {sum(sizes) / 1024:.1f} MiB written"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--cases",
        type=parse_cases,
        default=[(history, dock) for dock in (False, True) for history in HISTORY],
    )
    parser.add_argument("--profile", type=float, default=None, metavar="MS")
    parser.add_argument("--batches", type=int, default=None, metavar="N")
    args = parser.parse_args(argv)
    if args.batches is not None:
        batches(args.batches)
        return 0
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with asyncgen_hooks(loop):
            loop.run_until_complete(measure(args.tokens, args.rounds, args.cases, args.profile))
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
