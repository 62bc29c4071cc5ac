"""Tool calls as the tool loop prepares them, for the approval panel's and cards' tests."""

from __future__ import annotations

from desktop_chat.core.conversation import ToolCall
from desktop_chat.storage.tool_settings import UserTool
from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.events import PendingCall
from desktop_chat.tools.loop import ToolLoop
from desktop_chat.tools.registry import ToolRegistry, user_tool_entry

ENTRIES = {entry.name: entry for entry in builtin_entries(())}
LOOKUP = user_tool_entry(UserTool("lookup", "glossary", {"type": "object", "properties": {}}))


def pending(name: str, arguments: str, call_id: str = "c1") -> PendingCall:
    registry = ToolRegistry([*ENTRIES.values(), LOOKUP])
    loop = ToolLoop(None, None, registry)  # type: ignore[arg-type]  # prepare() needs neither
    return loop.prepare(1, ToolCall(call_id, name, arguments))
