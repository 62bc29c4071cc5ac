"""Cold start to a shown window: Desktop Chat against a bare PySide6 window, on a private Xvfb.

Spawn-to-viewable time of each (polled with xwininfo), alternating, median of --rounds runs.
Issue target: Desktop Chat at most 1.5x the bare window.

    .venv/bin/python benchmarks/startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "packaging" / "linux"))
from measure_startup import start_xvfb, stop, time_to_window

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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    commands = {
        "bare PySide6 window": [sys.executable, "-c", BARE_WINDOW],
        "desktop-chat (python -m)": [sys.executable, "-m", "desktop_chat"],
    }
    xvfb, display = start_xvfb()
    times: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(time_to_window(command, display))
    finally:
        stop(xvfb)
    bare = statistics.median(times["bare PySide6 window"])
    print("| start to shown window | median s | x bare window |")
    print("|---|--:|--:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.3f} | {median / bare:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
