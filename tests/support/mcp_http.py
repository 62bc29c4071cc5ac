"""Run tests/tools/http_mcp_server.py as a subprocess on 127.0.0.1 for the length of a test.

It wants ``X-Team: blue`` on every request and, when started with a token, also
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def http_mcp_server(token: str | None = None, tls_dir: Path | None = None) -> Iterator[str]:
    """Yield the server's MCP URL; stop the server afterwards.

    With `tls_dir` (certificates from tests/support/tls.py) it serves HTTPS.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("MCP_TEST_TOKEN", "MCP_TEST_TLS_DIR")}
    if token is not None:
        env["MCP_TEST_TOKEN"] = token
    if tls_dir is not None:
        env["MCP_TEST_TLS_DIR"] = str(tls_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.tools.http_mcp_server"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"the MCP test server did not start: {port!r}"
        yield f"{'https' if tls_dir else 'http'}://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
