"""Incremental parser for text/event-stream (WHATWG HTML, "Parsing an event stream").

Bytes in, events out; no I/O. Lines end at CR, LF or CRLF, even when the CR and the LF arrive in
different chunks; a UTF-8 sequence or a line split across chunks is held until complete; a leading
BOM is dropped; invalid UTF-8 decodes to U+FFFD as the standard requires.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: str = "message"
    data: str = ""
    id: str = ""  # the last event ID buffer at dispatch time, as the standard defines it
    retry: int | None = None  # the last reconnection time the stream asked for, in ms


class SSEDecoder:
    """Turn arbitrary byte chunks into events; holds at most one partial line."""

    __slots__ = ("_buffer", "_data", "_event", "_first_line", "_last_id", "_pending_cr", "_retry")

    def __init__(self) -> None:
        self._buffer = b""
        self._pending_cr = (
            False  # the last chunk ended in CR: a LF opening the next one is its pair
        )
        self._first_line = True
        self._data: list[str] = []
        self._event = ""
        self._last_id = ""
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if self._pending_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._pending_cr = False
        if b"\r" in chunk:
            self._pending_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            self._buffer += chunk
            return []
        complete = self._buffer + chunk[:end]
        self._buffer = chunk[end + 1 :]
        # "\n" never occurs inside a UTF-8 sequence, so complete lines decode on their own.
        text = complete.decode("utf-8", "replace")
        if self._first_line:
            self._first_line = False
            if text.startswith("\ufeff"):
                text = text[1:]
        events: list[SSEEvent] = []
        for line in text.split("\n"):
            self._process(line, events)
        return events

    def close(self) -> list[SSEEvent]:
        """End of stream: the standard discards an event that was not ended by a blank line."""
        self._buffer = b""
        self._data.clear()
        self._event = ""
        return []

    def _process(self, line: str, events: list[SSEEvent]) -> None:
        if not line:
            if self._data:
                events.append(
                    SSEEvent(
                        self._event or "message", "\n".join(self._data), self._last_id, self._retry
                    )
                )
                self._data = []
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
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
