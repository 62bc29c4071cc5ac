"""One error type ends every command: its message on stderr, its exit status."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from desktop_chat.cli import ask
from desktop_chat.cli.error import CliError, guarded
from desktop_chat.storage.validation import SettingsError


def test_guarded_ends_with_the_errors_line_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(_args: argparse.Namespace) -> int:
        raise CliError("nothing to change", 2)

    def fail(_args: argparse.Namespace) -> int:
        raise SettingsError("the base URL is empty")

    assert guarded(refuse)(argparse.Namespace()) == 2
    assert guarded(fail)(argparse.Namespace()) == 2
    assert capsys.readouterr().err == (
        "desktop-chat: nothing to change\ndesktop-chat: the base URL is empty\n"
    )


def test_ask_refuses_with_the_same_error_type(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="cannot read the tools file") as caught:
        ask._read_tools(str(tmp_path / "missing.json"))
    assert caught.value.code == 2
