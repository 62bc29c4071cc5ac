"""Exit codes are the same across commands: 2 for every settings problem, as the README says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop_chat import paths

READS_SETTINGS = [
    ["ask", "--demo", "hi"],
    ["models"],
    ["preset", "list"],
    ["preset", "add", "p", "--system", "s"],
    ["endpoint", "list"],
    ["endpoint", "test", "x"],
    ["config", "show"],
    ["config", "set", "ui.theme", "dark"],
    ["mcp", "list"],
    ["tool", "list"],
    ["update-check"],
    ["doctor"],
]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"version": 7}', "the settings file has format version 7"),
        ("{ broken", "line 1 column 3"),
    ],
    ids=["newer-version", "not-json"],
)
def test_every_command_exits_2_for_a_settings_file_it_cannot_use(content: str, says: str) -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    for command in READS_SETTINGS:
        result = subprocess.run(
            [sys.executable, "-m", "desktop_chat", *command], stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60, check=False, env=dict(os.environ),
        )  # fmt: skip
        assert "Traceback" not in result.stderr
        assert result.returncode == 2, (command, result.stderr)
        assert says in result.stdout + result.stderr, command
    assert path.read_text(encoding="utf-8") == content  # left as it was


def test_the_help_names_the_environment_and_the_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0
    for needed in (
        "DESKTOP_CHAT_API_KEY", "DESKTOP_CHAT_HOME", "exit status:",
        "2    the command line or the settings need fixing", 'echo "hi" | desktop-chat ask',
    ):  # fmt: skip
        assert needed in result.stdout, needed
    ask_help = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "ask", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert 'cat notes.md | desktop-chat ask "summarize"' in ask_help.stdout
