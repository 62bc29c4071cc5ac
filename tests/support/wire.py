"""One protocol's tool-call shapes on the wire, for tests of the tool loop in each face."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from desktop_chat.core.engine import EndpointConfig
from tests.support.sse_server import RecordedRequest, Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream, responses_stream

Call = tuple[str, str, Sequence[str]]  # id, name, argument pieces as streamed


@dataclass(frozen=True)
class Wire:
    """One protocol's stream shapes, and how its requests carry tool calls and results."""

    protocol: str

    def base_url(self, server: ScriptedServer) -> str:
        return server.url if self.protocol == "anthropic" else server.url + "/v1"

    def endpoint(self, server: ScriptedServer) -> EndpointConfig:
        return EndpointConfig(self.protocol, self.base_url(server), "test-key")

    def calls(self, *calls: Call, text: Sequence[str] = ()) -> Reply:
        if self.protocol == "openai-responses":
            specs = [{"id": i, "name": n, "argument_pieces": list(p)} for i, n, p in calls]
            return Reply(chunks=responses_stream(list(text), tool_calls=specs))
        if self.protocol == "openai":
            specs = [{"id": i, "name": n, "argument_pieces": list(p)} for i, n, p in calls]
            chunks = openai_stream(
                list(text), tool_calls=specs, interleave_tool_calls=True, finish_reason="tool_calls"
            )
        else:
            uses = [{"id": i, "name": n, "json_pieces": list(p)} for i, n, p in calls]
            chunks = anthropic_stream(list(text), tool_uses=uses, stop_reason="tool_use")
        return Reply(chunks=chunks)

    def text(self, text: str) -> Reply:
        if self.protocol == "openai-responses":
            return Reply(chunks=responses_stream([text[:3], text[3:]]))
        if self.protocol == "openai":
            return Reply(chunks=openai_stream([text[:3], text[3:]]))
        return Reply(chunks=anthropic_stream([text[:3], text[3:]]))

    def results(self, request: RecordedRequest) -> list[tuple[str, str, bool]]:
        """(call id, content, is_error) of the tool results, in the protocol's own form.

        The Responses API has no error flag: its results are never marked as errors.
        """
        if self.protocol == "openai-responses":
            items = request.json()["input"]  # type: ignore[index]
            return [
                (i["call_id"], i["output"], False)
                for i in items
                if i.get("type") == "function_call_output"
            ]
        messages = request.json()["messages"]  # type: ignore[index]
        if self.protocol == "openai":
            return [
                (m["tool_call_id"], m["content"], False) for m in messages if m["role"] == "tool"
            ]
        return [
            (b["tool_use_id"], b["content"], b.get("is_error", False))
            for m in messages
            if m["role"] == "user" and isinstance(m["content"], list)
            for b in m["content"]
            if b["type"] == "tool_result"
        ]

    def sent_calls(self, request: RecordedRequest) -> list[tuple[str, str, object]]:
        """(id, name, arguments) of the assistant's calls as sent back."""
        if self.protocol == "openai-responses":
            items = request.json()["input"]  # type: ignore[index]
            return [
                (i["call_id"], i["name"], json.loads(i["arguments"]))
                for i in items
                if i.get("type") == "function_call"
            ]
        messages = request.json()["messages"]  # type: ignore[index]
        if self.protocol == "openai":
            return [
                (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
                for m in messages
                if m["role"] == "assistant"
                for c in m.get("tool_calls", [])
            ]
        return [
            (b["id"], b["name"], b["input"])
            for m in messages
            if m["role"] == "assistant"
            for b in m["content"]
            if b["type"] == "tool_use"
        ]


OPENAI, RESPONSES, ANTHROPIC = Wire("openai"), Wire("openai-responses"), Wire("anthropic")
BOTH = pytest.mark.parametrize("wire", [OPENAI, ANTHROPIC], ids=["openai", "anthropic"])
ALL = pytest.mark.parametrize(
    "wire", [OPENAI, RESPONSES, ANTHROPIC], ids=["openai", "openai-responses", "anthropic"]
)
