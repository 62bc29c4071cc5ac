"""Where a turn goes: one mapping from settings and the key store, for the window and `ask`.

Turns stream from the scripted SSE server; keys come from an in-memory key store.
"""

from __future__ import annotations

import asyncio

import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import AuthenticationError
from desktop_chat.session.target import (
    address_target,
    demo_target,
    key_source,
    saved_target,
)
from desktop_chat.storage.endpoint_key import WINDOW_REMEDY
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Endpoint
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

REQUEST = ChatRequest("m", Conversation(messages=[Message("user", "Hi")]), max_tokens=8)
REFUSED = Reply(401, body=b'{"error": {"message": "bad key"}}')


def local(server: ScriptedServer) -> Endpoint:
    return Endpoint("Local", "openai", server.url + "/v1", "m", {"X-Team": "blue"})


async def run(config: EndpointConfig) -> None:
    engine = Engine()
    try:
        await asyncio.wait_for(engine.run(config, REQUEST, lambda _e: None), 10)
    finally:
        await engine.aclose()


async def test_a_key_read_in_the_turn_is_sent_and_reported(sse_server: ScriptedServer) -> None:
    store = KeyStore(session_only=True)
    await store.aset("Local", "sk-read-late")
    read: list[str] = []
    missing: list[str] = []
    source = key_source(store, local(sse_server), WINDOW_REMEDY, missing, on_key=read.append)
    target = saved_target(local(sse_server), "m", key=source, missing_key=missing)
    assert target.endpoint.api_key is None  # not read until the turn runs
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    await run(await target.config())
    sent = sse_server.requests[-1].headers
    assert sent.get("authorization") == "Bearer sk-read-late"
    assert sent.get("x-team") == "blue"
    assert read == ["sk-read-late"]
    assert missing == []


async def test_a_refusal_of_a_turn_sent_without_a_key_says_none_is_stored(
    sse_server: ScriptedServer,
) -> None:
    missing: list[str] = []
    store = KeyStore(session_only=True)
    source = key_source(store, local(sse_server), WINDOW_REMEDY, missing)
    target = saved_target(local(sse_server), "m", key=source, missing_key=missing)
    sse_server.script(REFUSED)
    with pytest.raises(AuthenticationError) as refused:
        await run(await target.config())
    explained = target.explain(refused.value)
    assert "authorization" not in sse_server.requests[-1].headers
    assert str(explained).startswith(
        "No key stored for 'Local': type it in Settings → Endpoints (HTTP 401)"
    )


async def test_the_command_line_overrides_a_saved_endpoint(sse_server: ScriptedServer) -> None:
    target = saved_target(
        local(sse_server),
        "m",
        key="sk-env",
        protocol="anthropic",
        output_limit_field="max_tokens",
    )
    assert target.endpoint.protocol == "anthropic"
    assert target.endpoint.output_limit_field == "max_tokens"
    assert target.endpoint.api_key == "sk-env"
    assert await target.config() is target.endpoint
    refused = AuthenticationError("The API key was rejected", status=401)
    assert target.explain(refused) is refused  # a key was sent: nothing to explain


def test_the_demo_and_a_bare_address_need_no_settings() -> None:
    demo = demo_target("http://127.0.0.1:9/v1", "demo-model")
    assert (demo.endpoint.protocol, demo.endpoint.api_key, demo.model) == (
        "openai",
        None,
        "demo-model",
    )
    bare = address_target("anthropic", "http://127.0.0.1:9", "m", "sk-1")
    assert (bare.endpoint.protocol, bare.endpoint.api_key, bare.endpoint.output_limit_field) == (
        "anthropic",
        "sk-1",
        "auto",
    )
