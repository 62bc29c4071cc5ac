"""Start-up and shut-down of the real app in a subprocess, plus the loop helpers in process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat.storage.history import HistoryStore
from desktop_chat.ui.app import asyncgen_hooks, parse_args

ROOT = Path(__file__).resolve().parents[2]

# Opens the real window on a profile, sends a message to the demo endpoint, and closes the window
# as soon as the answer is streaming: the quit path a user takes mid-answer.
QUIT_MID_STREAM = """
import sys
from PySide6.QtCore import QTimer
import desktop_chat.ui.main_window as mw
from desktop_chat.ui.app import run_gui

started = mw.MainWindow.start

def start_and_quit(window):
    started(window)
    window.chat.send("hello")
    checks = []

    def check():
        checks.append(1)
        if "Hello" in window.transcript_text() and window.chat.streaming:
            print("closing while streaming", flush=True)
            window.close()
        elif len(checks) < 1000:
            QTimer.singleShot(10, check)
        else:
            print("never streamed", flush=True)
            window.close()

    QTimer.singleShot(10, check)

mw.MainWindow.start = start_and_quit
code = run_gui(["--profile-dir", sys.argv[1]])
print("exit code", code, flush=True)
sys.exit(code)
"""


def run_app(args: list[str], tmp_path: Path, *, timeout: float = 60.0, **env: str):
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    environment.pop("DESKTOP_CHAT_HOME", None)  # the test names the profile
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-X", "dev", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,
        env=environment,
        check=False,
    )


def assert_clean(stderr: str) -> None:
    for sign in (
        "Traceback",
        "Task was destroyed",
        "Exception ignored",
        "ResourceWarning",
        "no running event loop",
        "was never awaited",
    ):
        assert sign not in stderr, stderr


def test_self_test_passes_in_a_subprocess(tmp_path):
    profile = tmp_path / "profile"
    result = run_app(["-m", "desktop_chat", "--self-test", "--profile-dir", str(profile)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "self-test passed" in result.stdout
    assert_clean(result.stderr)
    assert not (profile / "settings.json").exists()  # the self-test never writes settings
    assert (profile / "logs" / "desktop-chat.log").is_file()


def test_self_test_failure_exits_non_zero_with_the_reason(tmp_path):
    result = run_app(
        [
            "-m",
            "desktop_chat",
            "--self-test",
            "--self-test-timeout=0.001",
            "--profile-dir",
            str(tmp_path / "p"),
        ],
        tmp_path,
    )
    assert result.returncode == 1
    assert "self-test FAILED: no complete answer within 0.001 s" in result.stderr


def test_quitting_mid_stream_ends_cleanly(tmp_path):
    profile = tmp_path / "profile"
    result = run_app(["-c", QUIT_MID_STREAM, str(profile)], tmp_path, DESKTOP_CHAT_DEMO_TPS="30")
    assert result.returncode == 0, result.stderr
    assert "closing while streaming" in result.stdout
    assert "exit code 0" in result.stdout
    assert_clean(result.stderr)
    # The profile directory holds the app's files: logs now, settings once changed.
    assert (profile / "logs" / "desktop-chat.log").is_file()
    # Quitting loses nothing: what had arrived is saved, marked interrupted.
    store = HistoryStore.open(profile / "history.sqlite3")
    (info,) = store.conversations()
    question, answer = store.path(str(info.leaf_id))
    assert question.message.text == "hello"
    assert answer.state == "interrupted"
    assert "Hello" in answer.message.text
    store.close()


def test_profile_dir_from_the_environment(tmp_path):
    profile = tmp_path / "from-env"
    script = "import sys, desktop_chat.ui.app as a; sys.exit(a.run_gui(['--self-test']))"
    result = run_app(
        ["-c", script],
        tmp_path,
        DESKTOP_CHAT_HOME=str(profile),
    )
    assert result.returncode == 0, result.stderr
    assert (profile / "logs" / "desktop-chat.log").is_file()


def test_parse_args():
    args = parse_args(["--profile-dir", "/tmp/x", "--self-test"])
    assert args.profile_dir == "/tmp/x"
    assert args.self_test is True
    assert parse_args([]).self_test is False
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--no-such-option"])
    assert exit_info.value.code == 2


def test_abandoned_async_generators_are_closed_on_the_loop(qtbot, loop):
    """Without the hooks, qasync leaves a half-read generator to be closed outside any loop."""
    closed_in_loop: list[bool] = []

    async def numbers():
        try:
            for n in range(10):
                yield n
                await asyncio.sleep(0)
        finally:
            try:
                asyncio.get_running_loop()
                closed_in_loop.append(True)
            except RuntimeError:
                closed_in_loop.append(False)

    async def take_one() -> int:
        async for n in numbers():
            return n  # abandons the generator half-way
        return -1

    task = loop.create_task(take_one())  # the loop fixture installed the hooks
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == 0
    qtbot.waitUntil(lambda: bool(closed_in_loop), timeout=2000)
    assert closed_in_loop == [True]


def test_asyncgen_hooks_are_installed_and_restored(loop):
    outer = sys.get_asyncgen_hooks()

    def sentinel(agen: object) -> None:
        del agen

    sys.set_asyncgen_hooks(firstiter=sentinel, finalizer=sentinel)
    try:
        with asyncgen_hooks(loop):
            assert sys.get_asyncgen_hooks().finalizer == loop._asyncgen_finalizer_hook
        assert sys.get_asyncgen_hooks().finalizer is sentinel
    finally:
        sys.set_asyncgen_hooks(*outer)
