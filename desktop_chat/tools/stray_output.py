"""Notice what an MCP server prints on stdout that is not the protocol, and say it in one line.

Over stdio, a server's stdout carries only JSON-RPC messages; a server that prints a banner or
a usage text there breaks that rule. The SDK skips such a line but logs it with a full
traceback of its JSON parser, which names neither the server nor the line in words. A filter
on the SDK's logger drops that record and hands the line to the connection whose transport read
it (found through a context variable: the SDK's reader task runs in a copy of the context of
the connection's own task). The connection then says it once, in words, with the line
shortened (and any key in it redacted): as a warning when the server still started, inside the
error when it did not.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from desktop_chat.i18n import ngettext
from desktop_chat.logs import redact

SDK_LOGGER = "mcp.client.stdio"
MAX_SHOWN = 80  # characters of the first stray line shown to a person
MAX_KEPT = 3  # lines kept; the rest are only counted
MAX_LINE = 4096  # characters kept of each: a server may print one endless line


class StrayOutput:
    """The lines one server printed on stdout that were not protocol messages."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.lines) < MAX_KEPT:
            self.lines.append(line[:MAX_LINE])

    def describe(self) -> str:
        """``'Starting server v1.2…'`` (and how many lines more), or "" when there were none."""
        if not self.count:
            return ""
        text = repr(shorten(redact(self.lines[0])))  # redacted whole, so no key is cut short
        more = self.count - 1
        if more:
            text = ngettext(
                "{line} (and {count} more line)", "{line} (and {count} more lines)", more
            ).format(line=text, count=more)
        return text


def shorten(line: str, limit: int = MAX_SHOWN) -> str:
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


current: ContextVar[StrayOutput | None] = ContextVar("mcp_stray_output", default=None)


class _SdkParseFilter(logging.Filter):
    """Turn the SDK's "Failed to parse JSONRPC message" record into a stray line of its server."""

    def filter(self, record: logging.LogRecord) -> bool:
        stray = current.get()
        error = record.exc_info[1] if record.exc_info else None
        if stray is None or not isinstance(error, ValueError):
            return True
        stray.add(_offending_line(error))
        return False


def _offending_line(error: ValueError) -> str:
    """The line the parser rejected: pydantic keeps it whole in the error's input."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        try:
            found = errors()
        except Exception:  # noqa: BLE001  # only a better text is at stake
            found = []
        if found and isinstance(found[0].get("input"), str):
            return str(found[0]["input"])
    return str(error)


_FILTER = _SdkParseFilter()


def watch_sdk_log() -> None:
    """Install the filter on the SDK's stdio logger (once; safe to call again)."""
    logger = logging.getLogger(SDK_LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
