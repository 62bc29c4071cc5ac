"""A file is replaced whole or not at all, and a folder that refuses a sync is no failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from desktop_chat.storage import atomic_file
from desktop_chat.storage.atomic_file import replace_file


def test_the_file_is_replaced_whole_and_nothing_is_left_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text("old")
    replace_file(path, "新的 text\n".encode())
    assert path.read_bytes() == "新的 text\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.json"
    path.write_text("old")

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_file.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        replace_file(path, b"new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_a_folder_that_refuses_to_be_synced_is_no_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some network shares and FUSE folders answer a folder's fsync with EINVAL."""
    path = tmp_path / "history.md"
    real_fsync = os.fsync

    def refuse_folders(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr(atomic_file.os, "fsync", refuse_folders)
    replace_file(path, b"# Title\n")
    assert path.read_bytes() == b"# Title\n"
