"""Incremental parser for text/event-stream (WHATWG HTML, "Parsing an event stream").

Bytes in, events out; no I/O. Lines end at CR, LF or CRLF, even when the CR and the LF arrive in
different chunks; a UTF-8 sequence or a line split across chunks is held until complete; a leading
BOM is dropped; invalid UTF-8 decodes to U+FFFD as the standard requires.

Sizes are bounded: a server decides how long a line or an event is, so a partial line is held
in pieces (joined once, when it ends: linear however it is split) up to `max_line` bytes, and
one event's data up to `max_data` characters. Past a limit the decoder stops: `error` names the
limit, and the events completed before it are still returned. The defaults are far above
anything a real provider sends in one event (a long tool call's arguments, an image as base64)
and far below what would strain the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_chat.i18n import _

MAX_LINE = 16 * 1024 * 1024  # bytes of one line
MAX_EVENT_DATA = 16 * 1024 * 1024  # characters of one event's data


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: str = "message"
    data: str = ""
    id: str = ""  # the last event ID buffer at dispatch time, as the standard defines it
    retry: int | None = None  # the last reconnection time the stream asked for, in ms


class _LimitExceeded(Exception):
    pass


class SSEDecoder:
    """Turn arbitrary byte chunks into events; holds at most one partial line."""

    __slots__ = (
        "_data",
        "_data_size",
        "_event",
        "_first_line",
        "_held",
        "_held_size",
        "_last_id",
        "_max_data",
        "_max_line",
        "_pending_cr",
        "_retry",
        "error",
    )

    def __init__(self, *, max_line: int = MAX_LINE, max_data: int = MAX_EVENT_DATA) -> None:
        self._held: list[bytes] = []  # the partial line, in the pieces it came in
        self._held_size = 0
        self._pending_cr = (
            False  # the last chunk ended in CR: a LF opening the next one is its pair
        )
        self._first_line = True
        self._data: list[str] = []
        self._data_size = 0
        self._event = ""
        self._last_id = ""
        self._retry: int | None = None
        self._max_line = max_line
        self._max_data = max_data
        self.error: str | None = None  # set when a limit stopped the decoder

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk or self.error is not None:
            return []
        if self._pending_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._pending_cr = False
        if b"\r" in chunk:
            self._pending_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            self._hold(chunk)
            return []
        if self._held:
            self._hold(chunk[:end])
            if self.error is not None:
                return []
            complete = b"".join(self._held)
            self._held = []
            self._held_size = 0
        else:
            complete = chunk[:end]
        if end + 1 < len(chunk):
            self._held.append(chunk[end + 1 :])
            self._held_size = len(chunk) - end - 1
        # "\n" never occurs inside a UTF-8 sequence, so complete lines decode on their own.
        text = complete.decode("utf-8", "replace")
        if self._first_line:
            self._first_line = False
            if text.startswith("\ufeff"):
                text = text[1:]
        events: list[SSEEvent] = []
        try:
            for line in text.split("\n"):
                self._process(line, events)
        except _LimitExceeded:
            self._stop(
                _("one event's data is larger than {size}").format(size=_size(self._max_data))
            )
            return events
        if self._held_size > self._max_line:
            self._stop(self._line_too_long())
        return events

    def close(self) -> list[SSEEvent]:
        """End of stream: the standard discards an event that was not ended by a blank line."""
        self._held = []
        self._held_size = 0
        self._data.clear()
        self._data_size = 0
        self._event = ""
        return []

    def _hold(self, piece: bytes) -> None:
        self._held.append(piece)
        self._held_size += len(piece)
        if self._held_size > self._max_line:
            self._stop(self._line_too_long())

    def _line_too_long(self) -> str:
        return _("one line of the event stream is longer than {size}").format(
            size=_size(self._max_line)
        )

    def _stop(self, error: str) -> None:
        self.error = error
        self.close()

    def _process(self, line: str, events: list[SSEEvent]) -> None:
        if not line:
            if self._data:
                events.append(
                    SSEEvent(
                        self._event or "message", "\n".join(self._data), self._last_id, self._retry
                    )
                )
                self._data = []
                self._data_size = 0
            self._event = ""
            return
        colon = line.find(":")
        if colon == 0:
            return  # a comment, e.g. ": keep-alive"
        if colon < 0:
            name, value = line, ""
        else:
            name = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == " " else line[colon + 1 :]
        if name == "data":
            self._data.append(value)
            self._data_size += len(value) + 1
            if self._data_size > self._max_data:
                raise _LimitExceeded
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)


def _size(limit: int) -> str:
    """A limit for a person: "16 MiB", "64 KiB", "100 bytes"."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return _("{count} bytes").format(count=f"{limit:,}")
