"""The terminal face stays English under any locale: its words are for scripts and bug reports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def ask_closed_port(port: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", "ask", "--protocol", "openai",
         "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m", "--max-retries", "0",
         "hi"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )  # fmt: skip


def test_ask_under_a_chinese_locale_prints_the_same_english_error() -> None:
    with socket.socket() as unused:  # bound, never listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        plain = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
        english = ask_closed_port(port, {**plain, "LANG": "C.UTF-8"})
        chinese = ask_closed_port(
            port, {**plain, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN", "LC_ALL": "zh_CN.UTF-8"}
        )
    assert english.returncode == chinese.returncode == 1
    assert english.stderr.startswith(f"desktop-chat: Could not connect to 127.0.0.1:{port}: ")
    assert chinese.stderr == english.stderr
    assert chinese.stdout == english.stdout == ""
