"""A small MCP server over streamable HTTP on 127.0.0.1, for tests; prints its port, then serves.

Requests without the header ``X-Team: blue`` are refused with 403, so tests see headers arrive.
Run: ``python -m tests.tools.http_mcp_server``.
"""

from __future__ import annotations

import socket
import sys

import uvicorn
from mcp.server import MCPServer
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

server = MCPServer("echo-http")


@server.tool()
def shout(text: str) -> str:
    """Return the text in capitals."""
    return text.upper()


class RequireTeam:
    """Refuse requests without the expected header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and Request(scope).headers.get("x-team") != "blue":
            response: Response = PlainTextResponse("missing X-Team", status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    app = RequireTeam(server.streamable_http_app())
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
