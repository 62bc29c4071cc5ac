"""The engine's HTTP client follows the network settings: proxy mode and URL, TLS, CA bundle.

Loopback hosts bypass every proxy; certificates are checked against the system's store plus the
CA file; a CA file that cannot be used stops only the requests that need it (HTTPS).
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ConfigurationError, ConnectionFailedError
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import (
    TransportConfig,
    check_ca_bundle,
    proxy_url,
    tls_verification,
)
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream
from tests.support.tls import https_demo

CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port here
REQUEST = ChatRequest("m", Conversation("", [Message("user", text="hi")]))
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def _users_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine points OpenSSL at its bundle; users' machines do not."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def https_url(tmp_path: Path) -> Iterator[str]:
    with https_demo(tmp_path / "tls") as url:
        yield url


async def answer(base_url: str, config: TransportConfig) -> str:
    engine = Engine(config, RetryPolicy(max_retries=0))
    try:
        turn = await engine.run(EndpointConfig("openai", base_url), REQUEST)
    finally:
        await engine.aclose()
    return turn.text


async def test_a_custom_proxy_carries_other_hosts(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["proxied"])))
    config = TransportConfig(proxy_mode="custom", proxy_url=sse_server.url)  # it plays the proxy
    assert await answer("http://api.example.invalid/v1", config) == "proxied"
    (request,) = sse_server.requests
    assert request.headers["host"] == "api.example.invalid"


async def test_the_system_proxy_honours_no_proxy(
    sse_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["proxied"])))
    elsewhere = "http://127.0.0.2:9/v1"  # nothing listens there: only the proxy can answer
    monkeypatch.setenv("HTTP_PROXY", sse_server.url)
    monkeypatch.setenv("NO_PROXY", "")
    assert await answer(elsewhere, TransportConfig(proxy_mode="system")) == "proxied"
    with pytest.raises(ConnectionFailedError):
        await answer(elsewhere, TransportConfig(proxy_mode="none"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.2")
    with pytest.raises(ConnectionFailedError):
        await answer(elsewhere, TransportConfig(proxy_mode="system"))
    assert len(sse_server.requests) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_loopback_never_goes_through_a_proxy(
    sse_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream(["direct"])) for _ in range(2)))
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, CLOSED)
    base_url = sse_server.url.replace("127.0.0.1", host) + "/v1"
    assert await answer(base_url, TransportConfig(proxy_mode="system")) == "direct"
    custom = TransportConfig(proxy_mode="custom", proxy_url=CLOSED)
    assert await answer(base_url, custom) == "direct"


async def test_https_on_loopback_never_goes_through_a_proxy(
    https_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, CLOSED)
    ca = str(tmp_path / "tls" / "ca.pem")
    assert await answer(https_url, TransportConfig(ca_bundle=ca))
    assert await answer(
        https_url, TransportConfig(proxy_mode="custom", proxy_url=CLOSED, ca_bundle=ca)
    )


async def test_the_ca_file_is_trusted_besides_the_system_store(
    https_url: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match=r"TLS certificate of 127\.0\.0\.1"):
        await answer(https_url, TransportConfig())
    assert await answer(https_url, TransportConfig(ca_bundle=str(tmp_path / "tls" / "ca.pem")))
    context = tls_verification(TransportConfig(ca_bundle=str(tmp_path / "tls" / "ca.pem")))
    assert isinstance(context, ssl.SSLContext)
    assert await answer(https_url, TransportConfig(verify_tls=False))


async def test_a_bad_ca_file_stops_only_https(
    sse_server: ScriptedServer, https_url: str, tmp_path: Path
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["plain"])))
    missing = TransportConfig(ca_bundle=str(tmp_path / "gone.pem"))
    assert await answer(sse_server.url + "/v1", missing) == "plain"
    with pytest.raises(ConfigurationError, match=r"gone.pem' does not exist"):
        await answer(https_url, missing)
    proxied = TransportConfig(proxy_mode="custom", proxy_url=CLOSED, ca_bundle=missing.ca_bundle)
    with pytest.raises(ConfigurationError, match=r"gone.pem' does not exist"):
        await answer("https://api.example.invalid/v1", proxied)


@pytest.mark.skipif(
    sys.platform == "darwin" or sys.platform == "win32", reason="the platform's own verifier"
)
def test_the_system_cas_are_read_once_not_at_each_connection(tmp_path: Path) -> None:
    with https_demo(tmp_path / "tls"):  # only for its CA file: a context not cached yet
        context = tls_verification(TransportConfig(ca_bundle=str(tmp_path / "tls" / "ca.pem")))
    assert isinstance(context, ssl.SSLContext)
    assert context.cert_store_stats()["x509_ca"] > 1  # the system's CAs besides the file's one


def test_a_ca_file_is_checked_before_it_is_saved(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        check_ca_bundle(str(tmp_path / "gone.pem"))
    with pytest.raises(ConfigurationError, match="is not a file"):
        check_ca_bundle(str(tmp_path))
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    with pytest.raises(ConfigurationError, match="holds no usable PEM certificates"):
        check_ca_bundle(str(empty))
    check_ca_bundle(certifi.where())


def test_the_proxy_and_tls_choices_are_said_plainly(tmp_path: Path) -> None:
    assert proxy_url(TransportConfig(proxy_mode="system", proxy_url=CLOSED)) is None
    assert proxy_url(TransportConfig(proxy_mode="custom", proxy_url=CLOSED)) == CLOSED
    with pytest.raises(ConfigurationError, match="no proxy URL is set"):
        proxy_url(TransportConfig(proxy_mode="custom"))
    assert tls_verification(TransportConfig(verify_tls=False)) is False
    assert isinstance(tls_verification(TransportConfig()), ssl.SSLContext)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="holds no usable PEM certificates"):
        tls_verification(TransportConfig(ca_bundle=str(bundle)))


def test_tls_contexts_are_shared_until_the_ca_file_changes(tmp_path: Path) -> None:
    assert tls_verification(TransportConfig()) is tls_verification(TransportConfig(read_timeout=1))
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    config = TransportConfig(ca_bundle=str(bundle))
    with pytest.raises(ConfigurationError, match="holds no usable PEM certificates"):
        tls_verification(config)
    with pytest.raises(
        ConfigurationError, match="holds no usable PEM certificates"
    ):  # a failure is not kept
        tls_verification(config)
    cas = Path(certifi.where()).read_bytes()  # a real CA list, as a bundle a user might give
    bundle.write_bytes(cas)
    first = tls_verification(config)
    assert isinstance(first, ssl.SSLContext)
    assert tls_verification(config) is first
    bundle.write_bytes(cas + b"\n")  # edited: read again
    assert tls_verification(config) is not first
