"""Logging set-up shared by the faces, with a filter that keeps secrets out of every record.

Log files are the owner's alone (0600, in a 0700 folder: they name hosts and models) and
rotated: at `LOG_MAX_BYTES` the file moves to `.1` (and so on, `LOG_BACKUPS` kept), so a long
life of the app never fills the disk.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
from pathlib import Path

LOG_MAX_BYTES = 1024 * 1024
LOG_BACKUPS = 3

# Bearer tokens, x-api-key values and the common provider key shapes.
_SECRET = re.compile(
    r"(?i)(bearer\s+|x-api-key['\"]?\s*[:=]\s*['\"]?|api[_-]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
    r"|\b(sk|pk|rk)-[A-Za-z0-9_\-]{8,}"
)


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


class RedactingFilter(logging.Filter):
    """Render each record once, redacted, so no formatter can reintroduce a key."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file, the first and each after a rotation, is created 0600."""

    def _open(self) -> io.TextIOWrapper:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.baseFilename, flags, 0o600)
        os.chmod(self.baseFilename, 0o600)  # a file from an earlier version may be wider open
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(
    *,
    level: int = logging.WARNING,
    log_file: Path | None = None,
    max_bytes: int = LOG_MAX_BYTES,
) -> None:
    """Log at `level` to stderr and, with `log_file`, at INFO to that rotated private file."""
    root = logging.getLogger("desktop_chat")
    root.setLevel(logging.DEBUG if log_file else level)
    root.propagate = False
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handlers: list[logging.Handler] = []
    if log_file is not None:
        log_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        file_handler = _PrivateRotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        file_handler.setLevel(logging.INFO)
        handlers.append(file_handler)
    console = logging.StreamHandler()
    console.setLevel(level)
    handlers.append(console)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
