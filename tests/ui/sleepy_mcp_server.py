"""An MCP server on stdio whose `nap` tool sleeps, for tests of concurrent and cancelled calls.

Run: ``python -m tests.ui.sleepy_mcp_server``.
"""

from __future__ import annotations

import time

import anyio
from mcp.server import MCPServer

server = MCPServer("sleepy")


@server.tool()
async def nap(seconds: float) -> str:
    """Sleep `seconds`, then say when the nap began and ended (wall-clock seconds)."""
    began = time.time()
    await anyio.sleep(seconds)
    return f"napped from {began:.3f} to {time.time():.3f}"


if __name__ == "__main__":
    server.run("stdio")
