"""Chat Completions servers that differ from OpenAI in what they accept and where usage goes."""

from __future__ import annotations

import json

import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.events import Stop, StreamEvent, TextDelta, Usage
from desktop_chat.core.providers.base import ChatRequest, EndpointConfig
from desktop_chat.core.providers.openai_chat import OpenAIChat, usage_option
from desktop_chat.core.sse import SSEDecoder
from tests.support.streams import sse

REQUEST = ChatRequest("m", Conversation(messages=[Message("user", "hi")]))


@pytest.mark.parametrize(
    "base",
    [
        "https://api.mistral.ai/v1",
        "https://open.bigmodel.cn/api/paas/v4",
        "https://API.Z.AI/api/paas/v4/",
    ],
)
def test_hosts_that_refuse_stream_options_are_not_sent_it(base: str) -> None:
    http = OpenAIChat().chat_request(EndpointConfig("openai", base), REQUEST)
    assert http.json is not None
    assert "stream_options" not in http.json
    assert usage_option(base) == {}


@pytest.mark.parametrize(
    "base",
    ["https://api.openai.com/v1", "https://api.deepseek.com", "http://127.0.0.1:8000/v1",
     "https://mistral.example/v1"],
)  # fmt: skip
def test_everyone_else_is_asked_for_usage_in_the_stream(base: str) -> None:
    http = OpenAIChat().chat_request(EndpointConfig("openai", base), REQUEST)
    assert http.json is not None
    assert http.json["stream_options"] == {"include_usage": True}


def test_usage_inside_the_last_choice_is_read() -> None:
    """Moonshot (Kimi) sends usage in the finishing choice, not beside the choices."""
    last = {
        "choices": [
            {
                "index": 0,
                "delta": {},
                "finish_reason": "stop",
                "usage": {"prompt_tokens": 19, "completion_tokens": 13, "total_tokens": 32},
            }
        ]
    }
    first = {"choices": [{"index": 0, "delta": {"content": "你好"}, "finish_reason": None}]}
    decoder, parser, out = SSEDecoder(), OpenAIChat().parser(), list[StreamEvent]()
    for payload in (first, last):
        for event in decoder.feed(sse(json.dumps(payload, ensure_ascii=False))):
            parser.parse(event, out)
    assert out == [TextDelta("你好"), Stop("stop"), Usage(19, 13)]
