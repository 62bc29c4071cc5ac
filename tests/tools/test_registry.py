"""The registry: unique, provider-safe names; sources kept for calls and "always allow"."""

from __future__ import annotations

from desktop_chat.core.conversation import JSONValue, Tool
from desktop_chat.storage.tool_settings import UserTool
from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.registry import ToolEntry, ToolOutput, ToolRegistry, clip, user_tool_entry


async def echo(arguments: dict[str, JSONValue]) -> ToolOutput:
    return ToolOutput(str(arguments))


def mcp_entry(server: str, name: str) -> ToolEntry:
    return ToolEntry(Tool(name, f"{name} from {server}"), f"mcp:{server}", name, echo)


def test_colliding_names_are_namespaced_by_their_source() -> None:
    registry = ToolRegistry(builtin_entries())
    first = registry.add(mcp_entry("clock", "current_time"))
    second = registry.add(mcp_entry("other", "current_time"))
    third = registry.add(mcp_entry("clock", "current_time"))
    assert [first.name, second.name, third.name] == [
        "clock__current_time",
        "other__current_time",
        "clock__current_time_2",
    ]
    assert first.original_name == "current_time"
    assert first.key == "mcp:clock:current_time"
    assert first.origin == "MCP server 'clock'"
    assert registry.get("current_time") is not None
    assert registry.get("current_time").source == "builtin"  # type: ignore[union-attr]
    assert [t.name for t in registry.tools()][:3] == [
        "current_time",
        "calculator",
        "read_text_file",
    ]
    assert len(registry) == 6


def test_names_providers_refuse_are_made_safe() -> None:
    registry = ToolRegistry()
    dotted = registry.add(mcp_entry("files", "fs.read file"))
    long = registry.add(mcp_entry("s", "x" * 80))
    assert dotted.name == "files__fs_read_file"
    assert dotted.original_name == "fs.read file"
    assert len(long.name) == 64
    assert registry.get("files__fs_read_file") is dotted


def test_user_tools_need_a_person() -> None:
    entry = user_tool_entry(UserTool("lookup", "Look it up", {"type": "object"}))
    assert entry.needs_person
    assert (entry.key, entry.origin) == ("user:lookup", "user-defined")
    assert entry.tool == Tool("lookup", "Look it up", {"type": "object"})
    assert not builtin_entries()[0].needs_person
    assert builtin_entries()[0].origin == "built-in"


def test_clip_says_how_much_was_cut() -> None:
    assert clip("short", 10) == "short"
    assert clip("a" * 15, 10) == "a" * 10 + "\n[… 5 more characters were cut]"
