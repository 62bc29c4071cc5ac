"""`desktop-chat completion bash|zsh|fish`: the scripts, run in the real shells."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

APT_PACKAGES = "zsh fish"  # bash is always there; scripts/test.sh installs these


def script(shell: str, directory: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "completion", shell],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    path = directory / f"desktop-chat.{shell}"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: apt-get install {APT_PACKAGES}")
    return found


def bash_complete(path: Path, *words: str) -> list[str]:
    """What bash offers for the last of `words`, as pressing Tab there would."""
    line = " ".join(words)
    code = (
        f'source "{path}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; '
        f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; _shtab_desktop_chat; '
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(
        [shell("bash"), "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_bash_completes_commands_subcommands_and_options(tmp_path: Path) -> None:
    path = script("bash", tmp_path)
    assert bash_complete(path, "desktop-chat", "do") == ["doctor"]
    assert bash_complete(path, "desktop-chat", "preset", "") == ["add", "list", "remove"]
    assert "test" in bash_complete(path, "desktop-chat", "endpoint", "")
    assert bash_complete(path, "desktop-chat", "ask", "--sys") == ["--system", "--system-file"]
    assert bash_complete(path, "desktop-chat", "completion", "") == ["bash", "zsh", "fish"]


def test_fish_completes_commands_and_options(tmp_path: Path) -> None:
    path = script("fish", tmp_path)

    def complete(line: str) -> list[str]:
        result = subprocess.run(
            [shell("fish"), "--no-config", "-c", f'source "{path}"; complete -C "{line}"'],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return [row.split("\t")[0] for row in result.stdout.splitlines()]

    assert complete("desktop-chat do") == ["doctor"]
    assert complete("desktop-chat preset ") == ["add", "list", "remove"]
    assert "--online" in complete("desktop-chat doctor --")


def test_zsh_reads_the_script(tmp_path: Path) -> None:
    path = script("zsh", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#compdef desktop-chat")
    for command in ("ask", "models", "preset", "doctor", "completion"):
        assert command in text
    checked = subprocess.run(
        [shell("zsh"), "-n", str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "completion", "tcsh"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "invalid choice: 'tcsh'" in result.stderr
