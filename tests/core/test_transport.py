"""The engine's HTTP client follows the network settings: proxy mode and URL, TLS, CA bundle."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ConfigurationError, ConnectionFailedError
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig, proxy_url, tls_verification
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port here
REQUEST = ChatRequest("m", Conversation("", [Message("user", text="hi")]))


async def answer(server: ScriptedServer, config: TransportConfig) -> str:
    engine = Engine(config, RetryPolicy(max_retries=0))
    try:
        turn = await engine.run(EndpointConfig("openai", server.url + "/v1"), REQUEST)
    finally:
        await engine.aclose()
    return turn.text


async def test_a_custom_proxy_is_used(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["direct"])))
    with pytest.raises(ConnectionFailedError):
        await answer(sse_server, TransportConfig(proxy_mode="custom", proxy_url=CLOSED))
    assert sse_server.requests == []  # it never went around the proxy
    assert await answer(sse_server, TransportConfig(proxy_mode="none")) == "direct"


async def test_the_system_proxy_honours_no_proxy(
    sse_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream([word])) for word in ("none", "bypassed")))
    monkeypatch.setenv("HTTP_PROXY", CLOSED)
    monkeypatch.setenv("NO_PROXY", "")
    with pytest.raises(ConnectionFailedError):
        await answer(sse_server, TransportConfig(proxy_mode="system"))
    assert await answer(sse_server, TransportConfig(proxy_mode="none")) == "none"
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert await answer(sse_server, TransportConfig(proxy_mode="system")) == "bypassed"


def test_the_proxy_and_tls_choices_are_said_plainly(tmp_path: Path) -> None:
    assert proxy_url(TransportConfig(proxy_mode="system", proxy_url=CLOSED)) is None
    assert proxy_url(TransportConfig(proxy_mode="custom", proxy_url=CLOSED)) == CLOSED
    with pytest.raises(ConfigurationError, match="no proxy URL is set"):
        proxy_url(TransportConfig(proxy_mode="custom"))
    assert tls_verification(TransportConfig(verify_tls=False)) is False
    assert isinstance(tls_verification(TransportConfig()), ssl.SSLContext)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="cannot be used"):
        tls_verification(TransportConfig(ca_bundle=str(bundle)))


def test_tls_contexts_are_shared_until_the_ca_file_changes(tmp_path: Path) -> None:
    assert tls_verification(TransportConfig()) is tls_verification(TransportConfig(read_timeout=1))
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    config = TransportConfig(ca_bundle=str(bundle))
    with pytest.raises(ConfigurationError, match="cannot be used"):
        tls_verification(config)
    with pytest.raises(ConfigurationError, match="cannot be used"):  # a failure is not kept
        tls_verification(config)
    cas = Path(certifi.where()).read_bytes()  # a real CA list, as a bundle a user might give
    bundle.write_bytes(cas)
    first = tls_verification(config)
    assert isinstance(first, ssl.SSLContext)
    assert tls_verification(config) is first
    bundle.write_bytes(cas + b"\n")  # edited: read again
    assert tls_verification(config) is not first
