"""The tools offered in a conversation: where each comes from, how it runs, what the model sees.

A ToolEntry pairs the `Tool` sent to the model with its source (built-in, user-defined or an
MCP server) and a runner. Names must be unique per request and match what every provider accepts
(``^[a-zA-Z0-9_-]{1,64}$``); a later entry whose name is taken or not acceptable is renamed
(``SERVER__tool``) and keeps its original name for the call itself.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from desktop_chat.core.conversation import JSONValue, Tool
from desktop_chat.storage.tool_settings import TOOL_NAME, UserTool

MAX_RESULT_CHARS = 100_000  # what a single tool result may add to the conversation


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """What a tool returned: text for the model, and whether it is an error."""

    content: str
    is_error: bool = False


class ToolFailure(Exception):
    """Raised by a runner for a failure the model and the user should read as the result."""


Runner = Callable[[dict[str, JSONValue]], Awaitable[ToolOutput]]


@dataclass(frozen=True, slots=True)
class ToolEntry:
    """One offered tool; `run` is None when a person types the result (user-defined tools)."""

    tool: Tool
    source: str  # "builtin", "user" or "mcp:SERVER"
    original_name: str
    run: Runner | None = None

    @property
    def name(self) -> str:
        """The name the model calls it by."""
        return self.tool.name

    @property
    def key(self) -> str:
        """Stable identity for "always allow": ``builtin:calculator``, ``mcp:time:get_time``."""
        return f"{self.source}:{self.original_name}"

    @property
    def needs_person(self) -> bool:
        return self.run is None

    @property
    def origin(self) -> str:
        """Where the tool comes from, for a person: shown next to every call."""
        if self.source.startswith("mcp:"):
            return f"MCP server {self.source.removeprefix('mcp:')!r}"
        return {"builtin": "built-in", "user": "user-defined"}.get(self.source, self.source)


def user_tool_entry(tool: UserTool | Tool) -> ToolEntry:
    """A tool whose result the user types when the model calls it."""
    offered = Tool(tool.name, tool.description, dict(tool.parameters))
    return ToolEntry(offered, "user", tool.name)


def clip(text: str, limit: int = MAX_RESULT_CHARS) -> str:
    """Keep a result within `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit} more characters were cut]"


class ToolRegistry:
    """Entries by the name the model sees, in the order they were added."""

    def __init__(self, entries: Iterable[ToolEntry] = ()) -> None:
        self._entries: dict[str, ToolEntry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: ToolEntry) -> ToolEntry:
        """Add `entry`, renamed if its name is taken or unusable; return what was stored."""
        name = self._free_name(entry)
        if name != entry.name:
            tool = Tool(name, entry.tool.description, entry.tool.parameters)
            entry = ToolEntry(tool, entry.source, entry.original_name, entry.run)
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> ToolEntry | None:
        return self._entries.get(name)

    def entries(self) -> tuple[ToolEntry, ...]:
        return tuple(self._entries.values())

    def tools(self) -> tuple[Tool, ...]:
        """What goes into the request's `tools`."""
        return tuple(entry.tool for entry in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def _free_name(self, entry: ToolEntry) -> str:
        if TOOL_NAME.match(entry.name) and entry.name not in self._entries:
            return entry.name
        prefix = entry.source.split(":")[-1]
        base = _sanitize(f"{prefix}__{entry.original_name}")
        name, n = base, 1
        while name in self._entries:
            n += 1
            suffix = f"_{n}"
            name = base[: 64 - len(suffix)] + suffix
        return name


def _sanitize(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64] or "tool"
