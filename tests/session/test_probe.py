"""Test connection (the probe): one token asked for, the first text ends it, bounded in time.

Against the scripted SSE server streaming a long, slow answer, as a server that ignores the token
limit would.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from desktop_chat.session.probe import probe
from desktop_chat.storage.settings import Endpoint, Network
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

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
