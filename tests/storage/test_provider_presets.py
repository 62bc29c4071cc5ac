"""Every preset's endpoint makes the request its provider documents.

The scripted server stands in for each provider: the preset's base URL keeps its path and
loses its origin to 127.0.0.1. What the core decides by host (the output limit field, whether
to ask for usage in the stream) cannot survive that swap, so it is checked on the real URL,
where no request is sent.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, Engine
from desktop_chat.core.providers import provider_for
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.storage.engine_config import endpoint_config
from desktop_chat.storage.settings import PRESETS, Endpoint
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream, responses_stream

KEY = "sk-preset-0123456789"
REQUEST = ChatRequest("some-model", Conversation("sys", [Message("user", "hi")]), max_tokens=64)
PATHS = {
    "openai": "/chat/completions",
    "openai-responses": "/responses",
    "anthropic": "/v1/messages",
}
STREAMS = {
    "openai": openai_stream,
    "openai-responses": responses_stream,
    "anthropic": anthropic_stream,
}
# The providers that refuse `stream_options` (see openai_chat.usage_option).
NO_STREAM_OPTIONS = {"Mistral", "Zhipu GLM", "Z.ai GLM"}


@pytest.mark.parametrize("preset", list(PRESETS))
async def test_the_preset_request_has_the_providers_path_and_fields(
    preset: str, sse_server: ScriptedServer
) -> None:
    protocol, url = PRESETS[preset]
    local = sse_server.url + urlsplit(url).path
    config = endpoint_config(Endpoint(preset, protocol, local), KEY)
    sse_server.script(Reply(chunks=STREAMS[protocol](["Hel", "lo"])))
    engine = Engine(TransportConfig(connect_timeout=2, read_timeout=5), RetryPolicy(max_retries=0))
    try:
        turn = await engine.run(config, REQUEST)
    finally:
        await engine.aclose()
    assert turn.text == "Hello"
    (seen,) = sse_server.requests
    assert seen.path == urlsplit(url).path.rstrip("/") + PATHS[protocol]
    body = json.loads(seen.body)
    assert (body["model"], body["stream"]) == ("some-model", True)
    if protocol == "anthropic":
        assert seen.headers["x-api-key"] == KEY
        assert body["messages"] == [{"role": "user", "content": "hi"}]
    elif protocol == "openai-responses":
        assert seen.headers["authorization"] == f"Bearer {KEY}"
        assert (body["input"], body["store"], body["max_output_tokens"]) == (
            [{"role": "user", "content": "hi"}], False, 64,
        )  # fmt: skip
    else:
        assert seen.headers["authorization"] == f"Bearer {KEY}"
        assert body["messages"][-1] == {"role": "user", "content": "hi"}
        assert body["max_tokens"] == 64  # what 127.0.0.1 gets; the real host's is checked below


@pytest.mark.parametrize(
    "preset", [p for p, (protocol, _) in PRESETS.items() if protocol == "openai"]
)
def test_the_preset_hosts_get_their_quirks(preset: str) -> None:
    protocol, url = PRESETS[preset]
    http = provider_for(protocol).chat_request(
        endpoint_config(Endpoint(preset, protocol, url), KEY), REQUEST
    )
    assert http.url == url + "/chat/completions"
    assert http.json is not None
    limit = "max_completion_tokens" if preset == "OpenAI" else "max_tokens"
    assert http.json[limit] == 64
    if preset in NO_STREAM_OPTIONS:
        assert "stream_options" not in http.json
    else:
        assert http.json["stream_options"] == {"include_usage": True}


def test_the_presets_cover_the_providers_people_ask_for() -> None:
    wanted = {
        "OpenAI", "OpenAI Responses", "Anthropic", "Google Gemini", "Mistral", "Groq", "xAI",
        "DeepSeek", "Moonshot Kimi", "Qwen DashScope", "Zhipu GLM", "SiliconFlow",
    }  # fmt: skip
    assert wanted <= set(PRESETS)
    assert all(url.startswith("https://") for name, (_, url) in PRESETS.items() if name in wanted)
