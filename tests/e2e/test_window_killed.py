"""The window killed mid-answer (SIGKILL), then started again: the answer is there, cut off.

The real app runs in a subprocess on a profile whose endpoint is the scripted SSE server,
streaming slowly; nothing is mocked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop_chat import paths
from desktop_chat.storage.history import HistoryStore
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import save_settings
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

ROOT = Path(__file__).resolve().parents[2]

# Sends one message once the window has started, and says when the answer is streaming.
SEND = """
import sys
from PySide6.QtCore import QTimer
import desktop_chat.ui.main_window as mw
from desktop_chat.ui.app import run_gui

started = mw.MainWindow.start

def start_and_send(window):
    started(window)
    window.chat.send("count slowly")
    checks = []

    def check():
        checks.append(1)
        if "word010" in window.transcript_text():
            print("streaming", flush=True)
        elif len(checks) < 2000:
            QTimer.singleShot(10, check)

    QTimer.singleShot(10, check)

mw.MainWindow.start = start_and_send
sys.exit(run_gui(["--profile-dir", sys.argv[1]]))
"""

# Starts the window again and prints what it shows, then closes it.
SHOW = """
import sys
from PySide6.QtCore import QTimer
import desktop_chat.ui.main_window as mw
from desktop_chat.ui.app import run_gui

started = mw.MainWindow.start

def start_and_show(window):
    started(window)

    def show():
        print("SHOWN", window.transcript_text().replace("\\n", " "), flush=True)
        print("ERROR", window.chat.last_error, flush=True)
        window.close()

    QTimer.singleShot(50, show)

mw.MainWindow.start = start_and_show
sys.exit(run_gui(["--profile-dir", sys.argv[1]]))
"""


def app(script: str, profile: Path, tmp_path: Path) -> subprocess.Popen[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    environment.pop("DESKTOP_CHAT_HOME", None)  # the script names the profile
    return subprocess.Popen(
        [sys.executable, "-c", script, str(profile)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=environment,
    )  # fmt: skip


def test_a_window_killed_mid_answer_shows_it_interrupted_with_retry_after_a_restart(
    sse_server: ScriptedServer, tmp_path: Path
) -> None:
    profile = paths.profile_dir()
    endpoint = Endpoint("Local", "openai", sse_server.url + "/v1", "m")
    save_settings(Settings((endpoint,), "Local", models_cache={"Local": ("m",)}))
    pieces = [f"word{i:03d} " for i in range(400)]
    sse_server.script(Reply(chunks=openai_stream(pieces), delay=0.02))

    process = app(SEND, profile, tmp_path)
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    line = ""
    while "streaming" not in line and time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()
    assert "streaming" in line, process.stderr.read() if process.stderr else ""
    time.sleep(0.5)  # a few more batches arrive and are saved
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    process.stderr.close()  # type: ignore[union-attr]

    store = HistoryStore.open(paths.history_path())  # another process: the writer is gone
    (info,) = store.conversations()
    question, answer = store.path(str(info.leaf_id))
    assert question.message.text == "count slowly"
    assert answer.state == "interrupted"
    saved = answer.message.text
    assert saved.startswith("word000 word001 ")
    assert answer.meta["model"] == "m"
    store.close()

    shown = subprocess.run(
        [sys.executable, "-c", SHOW, str(profile)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "Traceback" not in shown.stderr
    text = next(line for line in shown.stdout.splitlines() if line.startswith("SHOWN"))
    assert saved.strip().split()[-1] in text  # all that was saved is shown
    assert "Interrupted" in text
    assert "Retry" in text
    assert "ERROR The answer was cut off" in shown.stdout
