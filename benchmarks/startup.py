"""Cold start to a shown window: Desktop Chat against a bare PySide6 window, on a private Xvfb.

Two figures, each the median of --rounds runs (the commands alternate, so all see the same load):

- *shown*: spawn until X11 reports the "Desktop Chat" window viewable (polled with xwininfo, so
  at most one poll late). The app shows its frame before it loads the chat's widgets, the event
  loop and the network stack.
- *painted*: spawn until the window's widgets, the sidebar's first page among them, have been
  painted (the moment the app turns to reopening the latest conversation), reported by the app
  process itself.
- *ready*: spawn until the window holds all its widgets with the composer focused and the latest
  conversation reopened (the moment the app would start its background work), reported the same
  way.

With --history, the app also starts on a profile holding the generated history of 10,000
conversations and 1,000,000 messages (benchmarks/history_profile.py): *painted* then includes
the sidebar's first page, and *ready* reopening the latest conversation too.

Issue target: shown at most 1.5x the bare window. Bytecode is compiled first: a user's Python
caches it after the first start (and the installers ship it), while this machine sets
PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile the package again.

    .venv/bin/python benchmarks/startup.py [--rounds 7] [--history]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "packaging" / "linux"))
from measure_startup import start_xvfb, stop, time_to_window

ROOT = Path(__file__).resolve().parent.parent

BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("Desktop Chat")
window.resize(1100, 780)
window.show()
app.exec()
"""

# `desktop-chat` as `python -m desktop_chat` runs it, reporting the wall-clock time at which the
# window is assembled and about to start its background work, then leaving at once.
UNTIL_READY = """
import os, sys, time
import desktop_chat.ui.main_window as main_window
from desktop_chat.__main__ import run

reopen = main_window.MainWindow._reopen_latest

def painted(window):
    print("painted", time.time(), flush=True)
    reopen(window)

def ready(window):
    print("ready", time.time(), flush=True)
    os._exit(0)

main_window.MainWindow._reopen_latest = painted
main_window.MainWindow.start = ready
sys.exit(run(sys.argv[1:]))
"""


def time_to_ready(display: str, profile_dir: str | None = None) -> dict[str, float]:
    """Return the seconds from spawn until the app reports each moment (painted, ready)."""
    with tempfile.TemporaryDirectory(prefix="dc-ready-") as empty:
        profile = profile_dir or empty
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        started = time.time()
        result = subprocess.run(
            [sys.executable, "-c", UNTIL_READY, "--profile-dir", profile],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        moments = (line.split() for line in result.stdout.splitlines())
        return {words[0]: float(words[1]) - started for words in moments if len(words) == 2}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--history", action="store_true", help="also start on a 10,000-conversation history"
    )
    args = parser.parse_args(argv)
    compileall.compile_dir(ROOT / "desktop_chat", quiet=1)
    with (
        tempfile.TemporaryDirectory(prefix="dc-start-") as empty,
        tempfile.TemporaryDirectory(prefix="dc-history-") as full,
    ):
        commands = {
            "bare PySide6 window": [sys.executable, "-c", BARE_WINDOW],
            "desktop-chat (python -m)": [
                sys.executable,
                "-m",
                "desktop_chat",
                "--profile-dir",
                empty,
            ],
        }
        profiles = {"desktop-chat (python -m)": empty}
        if args.history:
            sys.path.insert(0, str(ROOT))
            from benchmarks.history_profile import cached

            shutil.copy(cached(10_000, 1_000_000).path, Path(full) / "history.sqlite3")
            name = "desktop-chat, 10,000 conversations"
            commands[name] = [sys.executable, "-m", "desktop_chat", "--profile-dir", full]
            profiles[name] = full
        rows = measure(commands, profiles, args.rounds)
    bare = rows[0][1]
    print(f"| start-up (median of {args.rounds}) | s | x bare window shown |")
    print("|---|--:|--:|")
    for name, median in rows:
        print(f"| {name} | {median:.3f} | {median / bare:.2f} |")
    return 0


def measure(
    commands: dict[str, list[str]], profiles: dict[str, str], rounds: int
) -> list[tuple[str, float]]:
    """The median seconds to *shown* of each command and to *ready* of each app profile."""
    xvfb, display = start_xvfb()
    shown: dict[str, list[float]] = {name: [] for name in commands}
    moments: dict[tuple[str, str], list[float]] = {
        (name, moment): [] for moment in ("painted", "ready") for name in profiles
    }
    try:
        for _ in range(rounds):
            for name, command in commands.items():
                shown[name].append(time_to_window(command, display))
            for name, profile in profiles.items():
                for moment, seconds in time_to_ready(display, profile).items():
                    moments[name, moment].append(seconds)
    finally:
        stop(xvfb)
    rows = [(f"{name}: shown", statistics.median(values)) for name, values in shown.items()]
    rows += [
        (f"{name}: {moment}", statistics.median(values))
        for (name, moment), values in moments.items()
        if values
    ]
    return rows


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
