"""An MCP server on stdio that prints on stdout before speaking the protocol, as some do.

Run: ``python -m tests.tools.noisy_mcp_server`` (a banner, then the protocol) or with
``--usage`` (a usage text on stdout, then exit 2, as a server started with a wrong argument).
"""

from __future__ import annotations

import sys

from mcp.server import MCPServer

server = MCPServer("noisy")


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    if "--usage" in sys.argv:
        print("usage: noisy-server [--port PORT] --config FILE")
        print("error: the following arguments are required: --config")
        sys.exit(2)
    print("Noisy MCP server 1.2 starting on stdio; reading the config from /etc/noisy/server.yaml")
    sys.stdout.flush()
    server.run("stdio")
