"""A small MCP server over streamable HTTP on 127.0.0.1, for tests; prints its port, then serves.

Requests without the header ``X-Team: blue`` are refused with 403, so tests see headers arrive.
With ``MCP_TEST_TOKEN`` set in its environment, requests must also carry
``Authorization: Bearer <that token>`` or get 401. With ``MCP_TEST_TLS_DIR`` (holding
``server.pem`` and ``key.pem``, see tests/support/tls.py) it serves HTTPS.
Run: ``python -m tests.tools.http_mcp_server``.
"""

from __future__ import annotations

import os
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
        if scope["type"] == "http":
            headers = Request(scope).headers
            token = os.environ.get("MCP_TEST_TOKEN")
            response: Response | None = None
            if headers.get("x-team") != "blue":
                response = PlainTextResponse("missing X-Team", status_code=403)
            elif token and headers.get("authorization") != f"Bearer {token}":
                response = PlainTextResponse("wrong or missing token", status_code=401)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # before the port is told: a client connecting at once waits in the backlog
    print(sock.getsockname()[1], flush=True)
    app = RequireTeam(server.streamable_http_app())
    tls = os.environ.get("MCP_TEST_TLS_DIR")
    certificate = (
        {"ssl_certfile": f"{tls}/server.pem", "ssl_keyfile": f"{tls}/key.pem"} if tls else {}
    )
    config = uvicorn.Config(app, log_level="warning", lifespan="on", **certificate)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
