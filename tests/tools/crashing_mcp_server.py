"""An MCP server on stdio whose `crash` tool kills the process, for tests of a dying server.

Run: ``python -m tests.tools.crashing_mcp_server``.
"""

from __future__ import annotations

import os
import sys

from mcp.server import MCPServer

server = MCPServer("crashing")


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
def crash() -> str:
    """Write a last word to stderr and exit at once."""
    sys.stderr.write("fatal: the disk is on fire\n")
    sys.stderr.flush()
    os._exit(3)


if __name__ == "__main__":
    print("crashing server ready", file=sys.stderr, flush=True)
    server.run("stdio")
