"""Keep the last part of a child process's stderr, so its failure can be shown in words.

A real pipe is needed: the child writes to a file descriptor, not to a Python object. A thread
drains it into a buffer of at most `limit` bytes, so a chatty server costs bounded memory and
never blocks on a full pipe. The thread owns the read end and closes it at end of file.
"""

from __future__ import annotations

import os
import threading
from typing import TextIO

DEFAULT_LIMIT = 8192


class StderrTail:
    """A pipe whose write end goes to a child as stderr; `text()` returns its last lines."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        read_fd, write_fd = os.pipe()
        self._writer: TextIO | None = os.fdopen(write_fd, "w", encoding="utf-8")
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._drain, args=(read_fd,), name="mcp-stderr", daemon=True
        )
        self._thread.start()

    @property
    def writer(self) -> TextIO:
        """The file to hand to the child as its stderr."""
        if self._writer is None:
            raise ValueError("the stderr pipe is closed")
        return self._writer

    def _drain(self, read_fd: int) -> None:
        try:
            while chunk := os.read(read_fd, 4096):
                with self._lock:
                    self._buffer += chunk
                    del self._buffer[: -self.limit]
        except OSError:
            pass  # the pipe broke: what was read so far is all there is
        finally:
            os.close(read_fd)

    def close_writer(self) -> None:
        """Close our copy of the write end (the child keeps its own until it exits)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def join(self, wait: float = 1.0) -> bool:
        """Wait up to `wait` s for end of file (every write end closed); True if it came."""
        # A grandchild that keeps the pipe open only leaves the daemon thread waiting.
        self._thread.join(wait)
        return not self._thread.is_alive()

    def close(self, wait: float = 1.0) -> None:
        """Close our write end; wait up to `wait` s for the child's last words to arrive."""
        self.close_writer()
        self.join(wait)

    def text(self, max_lines: int = 20) -> str:
        """The last `max_lines` non-empty lines received so far, decoded leniently."""
        with self._lock:
            data = bytes(self._buffer)
        lines = [line for line in data.decode("utf-8", errors="replace").splitlines() if line]
        if len(data) >= self.limit and lines:
            lines = lines[1:]  # the first line is probably cut
        return "\n".join(lines[-max_lines:])
