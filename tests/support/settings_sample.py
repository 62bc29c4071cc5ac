"""Settings with something on every page, and the words of theirs a translation keeps.

For the tests that walk the Settings dialog page by page, in English and in Chinese.
"""

from __future__ import annotations

from desktop_chat.storage.settings import PRESETS, Endpoint, Settings
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool

SETTINGS = Settings(
    (
        Endpoint("Work", "openai", "https://api.openai.com/v1", "gpt-4o-mini"),
        Endpoint("Claude", "anthropic", "https://api.anthropic.com", "claude-sonnet-4-5"),
    ),
    "Work",
    tools=ToolSettings(
        (UserTool("lookup", "glossary", {"type": "object", "properties": {}}),),
        (
            McpServer("time", "uvx", ("mcp-server-time",)),
            McpServer("remote", url="http://127.0.0.1:9/mcp", keyring_headers=("Authorization",)),
        ),
        ("builtin:calculator",),
    ),
)
# What stays as it is in Chinese: the user's own names, values and model ids.
KEPT = (
    "Work", "Claude", "gpt-4o-mini", "claude-sonnet-4-5", "openai", "anthropic", "lookup",
    "glossary", "time", "remote", "uvx", "mcp-server-time", "builtin", "calculator",
    "Authorization", "http", "https", "api", "openai", "com", "anthropic", "mcp",
    "mcp_server_time", "GITHUB_TOKEN", "HOME", "uvx", "python", "host", "socks", "gpt",
    "claude", "sonnet", "mini", "low", "medium", "high", "minimal", "reasoning_effort",
    "series", "cache_control", "ask", "json", "lookup_order", "Header-Name", "value",
    "NAME", "Name", "NO_PROXY", "streamable", "properties", "object", "type",
    # names of products and of their APIs
    *" ".join(PRESETS).split(), "global", "international", "Chat", "Completions", "Messages",
    "English", "Azure", "gpt-", "claude-sonnet-", "o-mini", "com", "Schema", "reasoning_effort",
)  # fmt: skip
