"""Compare how fast the frozen app and `python -m desktop_chat` start, on a private Xvfb display.

Two figures per command, each the median of ``--rounds`` runs (the two commands alternate so that
both see the same machine load):

- *window*: from spawning the process until X11 reports the "Desktop Chat" window viewable
  (polled with ``xwininfo``, so the figure is at most one poll interval late);
- *self-test*: the wall time of ``--self-test`` offscreen (start, stream one demo answer, exit).

Exit status 1 when the frozen app is clearly slower (median more than ``--tolerance`` times the
source's plus 0.1 s: the machine is shared and a single run varies by ~20 %), else 0.

    python packaging/linux/measure_startup.py --frozen /opt/desktop-chat/desktop-chat
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TITLE = "Desktop Chat"
POLL = 0.02
WINDOW_TIMEOUT = 20.0
SELF_TEST_TIMEOUT = 60.0


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display number; return the process and its DISPLAY.

    ``-noreset``: by default an X server resets whenever its last client disconnects, and refuses
    connections while it does; between two polls nobody is connected, so about one connection in
    thirty failed here and the app aborted with "could not connect to display".
    """
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [
            *("Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24"),
            *("-nolisten", "tcp", "-noreset"),
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    deadline = time.monotonic() + 10
    number = b""
    with os.fdopen(read_fd, "rb") as pipe:
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            chunk = pipe.read(1)
            if not chunk:
                break
            number += chunk
    if not number.strip():
        xvfb.kill()
        raise SystemExit("measure_startup: Xvfb did not start")
    return xvfb, f":{number.decode().strip()}"


def window_viewable(display: str) -> bool:
    """Tell whether a top-level window titled like the app is mapped and viewable."""
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout
    ids = [line.split()[0] for line in tree.splitlines() if f'"{TITLE}' in line]
    for window in ids:
        info = subprocess.run(
            ["xwininfo", "-id", window],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
        if "IsViewable" in info:
            return True
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process this script started: SIGTERM, then SIGKILL after 5 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def time_to_window(command: list[str], display: str) -> float:
    """Return the seconds from spawn until the app's window is viewable on ``display``."""
    with (
        tempfile.TemporaryDirectory(prefix="dc-start-") as profile,
        tempfile.TemporaryFile() as stderr,
    ):
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        started = time.monotonic()
        process = subprocess.Popen(
            [*command, "--profile-dir", profile],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            while time.monotonic() - started < WINDOW_TIMEOUT:
                if window_viewable(display):
                    return time.monotonic() - started
                if process.poll() is not None:
                    stderr.seek(0)
                    said = stderr.read().decode(errors="replace")[-2000:]
                    raise SystemExit(
                        f"measure_startup: {command[0]} exited with {process.returncode}:\n{said}"
                    )
                time.sleep(POLL)
            raise SystemExit(f"measure_startup: no window from {command[0]} in {WINDOW_TIMEOUT} s")
        finally:
            stop(process)


def time_self_test(command: list[str]) -> float:
    """Return the wall time of a successful offscreen ``--self-test``."""
    with tempfile.TemporaryDirectory(prefix="dc-selftest-") as profile:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        started = time.monotonic()
        result = subprocess.run(
            [*command, "--self-test", "--profile-dir", profile],
            env=env,
            capture_output=True,
            text=True,
            timeout=SELF_TEST_TIMEOUT,
        )
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            raise SystemExit(f"measure_startup: self-test of {command[0]} failed: {result.stderr}")
        return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frozen", required=True, help="the frozen desktop-chat binary")
    parser.add_argument("--python", default=sys.executable, help="Python with desktop_chat")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tolerance", type=float, default=1.25)
    args = parser.parse_args(argv)
    commands = {"frozen": [args.frozen], "source": [args.python, "-m", "desktop_chat"]}
    window: dict[str, list[float]] = {name: [] for name in commands}
    self_test: dict[str, list[float]] = {name: [] for name in commands}
    xvfb, display = start_xvfb()
    try:
        for _ in range(args.rounds):
            for name, command in commands.items():
                window[name].append(time_to_window(command, display))
                self_test[name].append(time_self_test(command))
    finally:
        stop(xvfb)
    slower = False
    for label, samples in (("window shown", window), ("--self-test", self_test)):
        frozen, source = statistics.median(samples["frozen"]), statistics.median(samples["source"])
        sys.stdout.write(
            f"start-up {label:13}: frozen {frozen:.2f} s, python -m desktop_chat {source:.2f} s "
            f"(median of {args.rounds})\n"
        )
        slower |= frozen > source * args.tolerance + 0.1
    if slower:
        sys.stdout.write("start-up: the frozen app is slower than the source app\n")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
