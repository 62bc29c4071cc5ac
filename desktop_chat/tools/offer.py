"""Decide which tools a request offers: built-ins, the user's declared tools, MCP servers' tools.

Shared by the two faces: `ask --run-tools` offers everything configured, the window offers
what the conversation's tools menu enables. A declared tool whose schema is unusable is left
out with a notice rather than failing the request; a server that fails to start is a notice too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from desktop_chat.core.conversation import JSONValue, Tool
from desktop_chat.i18n import _
from desktop_chat.storage.tool_settings import UserTool
from desktop_chat.tools.builtin import builtin_entries, read_text_file
from desktop_chat.tools.mcp_client import McpHub
from desktop_chat.tools.registry import ToolEntry, ToolFailure, ToolOutput, user_tool_entry
from desktop_chat.tools.schema import ToolSchemaError, check_schema

BUILTIN_NAMES = ("current_time", "calculator", "read_text_file")


def declared_entries(tools: Iterable[UserTool | Tool], notices: list[str]) -> list[ToolEntry]:
    """Entries for tools whose result a person types; each unusable one adds a notice."""
    entries: list[ToolEntry] = []
    for tool in tools:
        try:
            check_schema(tool.parameters)
        except ToolSchemaError as exc:
            notices.append(_("tool {name!r} left out: {reason}").format(name=tool.name, reason=exc))
            continue
        entries.append(user_tool_entry(tool))
    return entries


async def server_entries(hub: McpHub, notices: list[str]) -> list[ToolEntry]:
    """Start the hub's servers; the tools of those that started, a notice for each failure
    and for each server that printed on stdout besides the protocol."""
    for failure in await hub.start():
        notices.append(_("{failure}; its tools are left out").format(failure=failure))
    notices += [c.warning for c in hub.connections if c.warning]
    return hub.entries()


def picked_file_builtins(allowed: Callable[[], Sequence[Path]]) -> list[ToolEntry]:
    """The built-in tools, with read_text_file reading only what `allowed()` lists right now.

    The window lets the user pick files while a conversation runs, so the allowed paths are
    looked up at each call rather than fixed when the tools are offered. A path may name a
    single file: only that file may then be read.
    """

    async def run_read(arguments: dict[str, JSONValue]) -> ToolOutput:
        path = arguments.get("path")
        if not isinstance(path, str):
            raise ToolFailure(_("the argument {name!r} must be a string").format(name="path"))
        return ToolOutput(await asyncio.to_thread(read_text_file, path, tuple(allowed())))

    entries = builtin_entries(())
    return [
        ToolEntry(e.tool, e.source, e.original_name, run_read) if e.name == "read_text_file" else e
        for e in entries
    ]
