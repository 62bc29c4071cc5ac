"""Run `desktop-chat` as a user would: a subprocess of this Python, on this source tree."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, stdin: str = "", env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one command in a child process; return it finished, whatever its exit status."""
    environment = {**(os.environ if env is None else env), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def cli(*args: str, stdin: str = "", env: Mapping[str, str] | None = None) -> str:
    """Run one command, require it to succeed (its stderr is the failure message); return stdout."""
    result = run_cli(*args, stdin=stdin, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout
