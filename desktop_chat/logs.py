"""Logging set-up shared by the faces, with a filter that keeps secrets out of every record."""

from __future__ import annotations

import logging
import re
from pathlib import Path

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


def setup_logging(*, level: int = logging.WARNING, log_file: Path | None = None) -> None:
    root = logging.getLogger("desktop_chat")
    root.setLevel(logging.DEBUG if log_file else level)
    root.propagate = False
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handlers: list[logging.Handler] = []
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setLevel(logging.INFO)
        handlers.append(file_handler)
    console = logging.StreamHandler()
    console.setLevel(level)
    handlers.append(console)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
