"""HTTPS trusts the operating system's CA store, wherever OpenSSL was built to look.

Each check runs the app in a mount namespace as a Fedora, Arch or openSUSE machine looks to it:
`/usr/lib/ssl` (where a Debian-built OpenSSL looks) is empty, and the system bundle
`/etc/ssl/certs/ca-certificates.crt` holds a throw-away CA that signed a server on 127.0.0.1.
The variables this machine sets and users' machines do not (SSL_CERT_FILE, SSL_CERT_DIR, ...) are
unset, so nothing points OpenSSL at the bundle but the app itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mcp_http import http_mcp_server
from tests.support.tls import https_demo, make_certificates

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="a mount namespace needs root (CI runs as root)",
)

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
# $1: the bundle to show at the system path; the rest: the command.
HIDE = (
    'mount -t tmpfs none /usr/lib/ssl && mount --bind "$1" '
    + SYSTEM_BUNDLE
    + ' && shift && exec "$@"'
)
PROBE = """
import asyncio, sys
from desktop_chat.storage.settings import Endpoint, Network
from desktop_chat.session.probe import probe

endpoint = Endpoint("tls", "openai", sys.argv[1], default_model="demo-model")
result = asyncio.run(probe(Network(max_retries=0), endpoint, None))
print(result.verdict)
sys.exit(0 if result.ok else 1)
"""


@pytest.fixture
def tls_dir(tmp_path: Path) -> Path:
    return tmp_path / "tls"


@pytest.fixture
def base_url(tls_dir: Path) -> Iterator[str]:
    with https_demo(tls_dir) as url:
        yield url


def hidden(
    tls_dir: Path, *command: str, bundle: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `command` where the system bundle is `bundle` (default: only the throw-away CA)."""
    env = {k: v for k, v in os.environ.items() if k not in CA_VARIABLES}
    shown = bundle or tls_dir / "ca.pem"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", HIDE, "sh", str(shown), *command],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip


def app(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", "desktop_chat", *args)


def test_ask_streams_from_a_server_signed_by_a_system_ca(tls_dir: Path, base_url: str) -> None:
    args = app("ask", "--protocol", "openai", "--base-url", base_url, "--model", "demo-model")
    result = hidden(tls_dir, *args, "--max-retries", "0", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    # The same server with the distribution's own bundle: not trusted, so the above was no luck.
    refused = hidden(tls_dir, *args, "--max-retries", "0", "hello", bundle=Path(SYSTEM_BUNDLE))
    assert refused.returncode == 1
    assert "TLS certificate of 127.0.0.1" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_test_connection_lists_models_and_streams(tls_dir: Path, base_url: str) -> None:
    result = hidden(tls_dir, sys.executable, "-c", PROBE, base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ Connection works: 1 models listed" in result.stdout


def test_an_https_mcp_server_lists_its_tools(tls_dir: Path) -> None:
    make_certificates(tls_dir)
    with http_mcp_server(tls_dir=tls_dir) as url:
        add = app("mcp", "add", "secure", "--url", url, "--header", "X-Team:blue")
        assert subprocess.run(add, capture_output=True, timeout=30, check=False).returncode == 0
        result = hidden(tls_dir, *app("mcp", "tools", "secure"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("shout")
