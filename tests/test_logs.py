"""Log files: private to their owner, rotated, and never holding a key."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from desktop_chat.logs import LOG_BACKUPS, setup_logging


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_log_file_and_its_folder_are_the_owners_alone(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "app.log"
    setup_logging(log_file=log_file)
    logging.getLogger("desktop_chat.test").info("hello")
    assert "hello" in log_file.read_text(encoding="utf-8")
    assert mode(log_file) == 0o600
    assert mode(log_file.parent) == 0o700


def test_a_log_file_left_wider_open_is_made_private(tmp_path: Path) -> None:
    log_file = tmp_path / "app.log"
    log_file.write_text("from an earlier version\n", encoding="utf-8")
    log_file.chmod(0o644)
    setup_logging(log_file=log_file)
    assert mode(log_file) == 0o600


def test_the_log_is_rotated_and_every_file_stays_private(tmp_path: Path) -> None:
    log_file = tmp_path / "app.log"
    setup_logging(log_file=log_file, max_bytes=1000)
    log = logging.getLogger("desktop_chat.test")
    for i in range(200):  # ~15 KB: many rotations
        log.info("line %03d with a key sk-abcdefghijklmnop0123 in it", i)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["app.log", *(f"app.log.{n}" for n in range(1, 4))]
    assert len(files) == 1 + LOG_BACKUPS
    for path in files:
        assert mode(path) == 0o600
        assert path.stat().st_size <= 1000
        assert "sk-abcdefghijklmnop0123" not in path.read_text(encoding="utf-8")
    assert "line 199" in log_file.read_text(encoding="utf-8")
