"""Test connection (the probe): one token asked for, the first text ends it, bounded in time;
a verdict per layer, each layer's failure produced for real on 127.0.0.1.

Against the scripted SSE server streaming a long, slow answer, as a server that ignores the token
limit would.
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest

from desktop_chat.demo_server import DEMO_MODEL
from desktop_chat.session.probe import ProbeResult, probe
from desktop_chat.storage.settings import Endpoint, Network
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream
from tests.support.tls import https_demo

TIMEOUT = 10.0
NETWORK = Network(connect_timeout=2, read_timeout=60)
SLOW_ANSWER = openai_stream(["word "] * 200)  # 200 pieces, 50 ms apart: 10 s to read whole


def local(server: ScriptedServer) -> Endpoint:
    return Endpoint("Local", "openai", server.url + "/v1", "m")


def no_model_list(server: ScriptedServer) -> None:
    server.route("GET", "/v1/models", Reply(404, body=b'{"error": {"message": "none"}}'))


async def test_the_probe_asks_for_one_token_and_stops_at_the_first_text(
    sse_server: ScriptedServer,
) -> None:
    no_model_list(sse_server)
    sse_server.script(Reply(chunks=SLOW_ANSWER, delay=0.05))
    started = time.monotonic()
    result = await asyncio.wait_for(probe(NETWORK, local(sse_server), None), TIMEOUT)
    elapsed = time.monotonic() - started
    assert result.ok, result.verdict
    assert "'m' answered" in result.verdict
    assert elapsed < 1.0  # the first text came after ~50 ms; the whole answer takes 10 s
    body = sse_server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["max_tokens"] == 1


async def test_the_probe_gives_up_at_its_time_limit(sse_server: ScriptedServer) -> None:
    no_model_list(sse_server)
    sse_server.script(Reply(chunks=SLOW_ANSWER, stall=30))  # headers, then nothing
    started = time.monotonic()
    result = await asyncio.wait_for(
        probe(NETWORK, local(sse_server), None, time_limit=0.3), TIMEOUT
    )
    elapsed = time.monotonic() - started
    assert not result.ok
    assert result.verdict.startswith("✗ Streaming from 'm' failed — no answer in time")
    assert "gave up after 0.3 s" in result.verdict
    assert 0.3 <= elapsed < 1.0


async def test_a_slow_model_list_counts_against_the_limit_too(sse_server: ScriptedServer) -> None:
    sse_server.route("GET", "/v1/models", Reply(chunks=[b'{"data": []}'], stall=30))
    result = await asyncio.wait_for(
        probe(NETWORK, local(sse_server), None, time_limit=0.3), TIMEOUT
    )
    assert result.verdict.startswith("✗ Listing the models failed — no answer in time")


@pytest.mark.parametrize("stall_after", [None, 1], ids=["before-any-text", "mid-answer"])
async def test_cancelling_the_probe_ends_it_at_once(
    sse_server: ScriptedServer, stall_after: int | None
) -> None:
    no_model_list(sse_server)
    chunks = SLOW_ANSWER[:1] if stall_after else SLOW_ANSWER  # the role-only piece has no text
    sse_server.script(Reply(chunks=chunks, stall=30, stall_after=stall_after))
    task = asyncio.create_task(probe(NETWORK, local(sse_server), None))
    await asyncio.to_thread(sse_server.wait_for_requests, 2)
    await asyncio.sleep(0.1)  # the response has begun
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, TIMEOUT)
    assert time.monotonic() - cancelled_at < 0.1


@pytest.mark.parametrize(
    ("key", "advice"),
    [(None, "none is stored"), ("sk-test", "the API key was refused")],
)
async def test_a_refusal_says_whether_a_key_was_sent(
    sse_server: ScriptedServer, key: str | None, advice: str
) -> None:
    refusal = Reply(401, body=b'{"error": {"message": "no auth"}}')
    sse_server.route("GET", "/v1/models", refusal)
    result = await asyncio.wait_for(probe(NETWORK, local(sse_server), key), TIMEOUT)
    assert not result.ok
    assert advice in result.verdict
    assert ("rejected" in result.verdict) == (key is not None)


# --- a verdict per layer: DNS, TCP, TLS, HTTP, auth, stream -------------------------------------


def outcomes(result: ProbeResult) -> dict[str, str]:
    return {check.layer: check.outcome for check in result.checks}


async def test_a_working_endpoint_passes_every_layer(sse_server: ScriptedServer) -> None:
    sse_server.route("GET", "/v1/models", Reply(body=b'{"data": [{"id": "m"}]}'))
    sse_server.script(Reply(chunks=openai_stream(["hi"])))
    result = await asyncio.wait_for(probe(NETWORK, local(sse_server), "sk-test"), TIMEOUT)
    assert result.ok, result.verdict
    assert outcomes(result) == {
        "DNS": "ok", "TCP": "ok", "TLS": "skipped", "HTTP": "ok", "auth": "ok", "stream": "ok"
    }  # fmt: skip
    assert "DNS ✓  TCP ✓  TLS –  HTTP ✓  auth ✓  stream ✓" in result.verdict


async def test_a_name_that_does_not_resolve_fails_at_dns() -> None:
    endpoint = Endpoint("Nowhere", "openai", "http://nonexistent.invalid/v1", "m")
    result = await asyncio.wait_for(probe(NETWORK, endpoint, None), TIMEOUT)
    assert outcomes(result) == {
        "DNS": "failed", "TCP": "skipped", "TLS": "skipped",
        "HTTP": "skipped", "auth": "skipped", "stream": "skipped",
    }  # fmt: skip
    assert result.verdict.startswith("✗ DNS failed — the host name does not resolve")
    assert "'nonexistent.invalid' cannot be resolved" in result.verdict


async def test_a_refused_port_fails_at_tcp() -> None:
    with socket.socket() as unused:  # a port nothing listens on: bound, never listening
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        endpoint = Endpoint("Closed", "openai", f"http://127.0.0.1:{port}/v1", "m")
        result = await asyncio.wait_for(probe(NETWORK, endpoint, None), TIMEOUT)
    assert outcomes(result)["DNS"] == "ok"
    assert outcomes(result)["TCP"] == "failed"
    assert outcomes(result)["HTTP"] == "skipped"
    assert result.verdict.startswith("✗ TCP failed — nothing accepts connections there")
    assert "refused" in result.verdict.lower()


@pytest.fixture
def no_ca_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a user's machine: this one points OpenSSL at its CA file through the environment."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_ca_variables")
async def test_an_untrusted_certificate_fails_at_tls(tmp_path: Path) -> None:
    with https_demo(tmp_path / "ca") as base_url:
        endpoint = Endpoint("Secure", "openai", base_url, DEMO_MODEL)
        result = await asyncio.wait_for(probe(NETWORK, endpoint, None), TIMEOUT)
        trusted = Network(connect_timeout=2, ca_bundle=str(tmp_path / "ca" / "ca.pem"))
        trusting = await asyncio.wait_for(probe(trusted, endpoint, None), TIMEOUT)
    assert outcomes(result)["TCP"] == "ok"
    assert outcomes(result)["TLS"] == "failed"
    assert outcomes(result)["HTTP"] == "skipped"
    assert "is not trusted" in result.verdict
    assert trusting.ok, trusting.verdict
    assert outcomes(trusting)["TLS"] == "ok"


async def test_a_refused_key_fails_at_auth(sse_server: ScriptedServer) -> None:
    refusal = Reply(401, body=b'{"error": {"message": "bad key"}}')
    sse_server.route("GET", "/v1/models", refusal)
    result = await asyncio.wait_for(probe(NETWORK, local(sse_server), "sk-wrong"), TIMEOUT)
    assert outcomes(result) == {
        "DNS": "ok", "TCP": "ok", "TLS": "skipped",
        "HTTP": "ok", "auth": "failed", "stream": "skipped",
    }  # fmt: skip
    auth = next(check for check in result.checks if check.layer == "auth")
    assert auth.detail == "the key was refused (HTTP 401): bad key"
    assert "sk-wrong" not in result.verdict


async def test_a_server_error_fails_at_http(sse_server: ScriptedServer) -> None:
    sse_server.route("GET", "/v1/models", Reply(503, body=b'{"error": {"message": "down"}}'))
    result = await asyncio.wait_for(probe(NETWORK, local(sse_server), None), TIMEOUT)
    assert outcomes(result)["HTTP"] == "failed"
    assert outcomes(result)["auth"] == "skipped"
    assert "HTTP 503" in result.verdict


async def test_a_broken_stream_fails_at_stream(sse_server: ScriptedServer) -> None:
    no_model_list(sse_server)
    sse_server.script(Reply(chunks=SLOW_ANSWER[:1], drop_after=1))  # the role, then the socket shut
    result = await asyncio.wait_for(probe(NETWORK, local(sse_server), None), TIMEOUT)
    assert outcomes(result) == {
        "DNS": "ok", "TCP": "ok", "TLS": "skipped",
        "HTTP": "ok", "auth": "ok", "stream": "failed",
    }  # fmt: skip
    assert result.verdict.startswith("✗ Streaming from 'm' failed")
