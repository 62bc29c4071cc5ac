"""Stream from the offline demo endpoint as an OpenAI client would, at full speed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from desktop_chat.demo_server import DEMO_MODEL, TPS_ENVIRONMENT, DemoServer, tool_arguments

TIMEOUT = httpx.Timeout(10.0)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "current_time",
            "description": "Return the time in a time zone.",
            "parameters": {
                "type": "object",
                "properties": {"timezone": {"type": "string"}, "format": {"type": "string"}},
                "required": ["timezone"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "calculate",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string"}},
                "required": ["expression"],
            },
        },
    },
]


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoServer]:
    monkeypatch.delenv(TPS_ENVIRONMENT, raising=False)
    with DemoServer(tokens_per_second=0) as server:
        yield server


@pytest.fixture
def client(demo: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo.base_url, timeout=TIMEOUT) as http:
        yield http


def chat(client: httpx.Client, **request: object) -> list[dict[str, Any]]:
    """POST a streaming request; check the SSE framing and return the decoded chunks."""
    body = {"model": DEMO_MODEL, "stream": True, **request}
    with client.stream("POST", "/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        lines = list(response.iter_lines())
    events = [line for line in lines if line]
    assert all(line.startswith("data: ") for line in events)
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    return chunks


def joined(chunks: list[dict[str, Any]], field: str) -> str:
    return "".join(
        choice["delta"].get(field) or "" for chunk in chunks for choice in chunk["choices"]
    )


def finish_reasons(chunks: list[dict[str, Any]]) -> list[str]:
    return [
        choice["finish_reason"]
        for chunk in chunks
        for choice in chunk["choices"]
        if choice["finish_reason"] is not None
    ]


def test_markdown_answer_streams_piece_by_piece(client: httpx.Client) -> None:
    chunks = chat(client, messages=[{"role": "user", "content": "How do I *sort* a list?"}])
    reasoning, text = joined(chunks, "reasoning_content"), joined(chunks, "content")
    assert reasoning.startswith("Thinking about “How do I *sort* a list?”")
    assert text.startswith("## ")
    assert "How do I \\*sort\\* a list?" in text
    assert "\n- " in text
    assert "```python\n" in text
    assert "| --- | --- |" in text
    assert "你好，世界" in text
    content_chunks = [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
    assert len(content_chunks) > 50
    assert all(len(c["choices"][0]["delta"]["content"]) <= 12 for c in content_chunks)
    assert finish_reasons(chunks) == ["stop"]
    assert all(c["model"] == DEMO_MODEL for c in chunks)
    assert all("usage" not in c for c in chunks)


def test_reasoning_comes_before_the_answer(client: httpx.Client) -> None:
    chunks = chat(client, messages=[{"role": "user", "content": "hi"}])
    kinds = [next(iter(c["choices"][0]["delta"]), "finish") for c in chunks[1:]]
    last_reasoning = max(i for i, kind in enumerate(kinds) if kind == "reasoning_content")
    first_content = kinds.index("content")
    assert last_reasoning < first_content
    assert kinds[-1] == "finish"


def test_echo_is_one_line_truncated_and_takes_content_parts(client: httpx.Client) -> None:
    long_question = "word " * 60
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "first\n\nline"}]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": long_question}]},
    ]
    text = joined(chat(client, messages=messages), "content")
    assert "You wrote: “word word" in text
    assert "…”" in text
    assert long_question.strip() not in text
    text = joined(chat(client, messages=messages[:2]), "content")
    assert "You wrote: “first line”" in text


def test_usage_chunk_when_asked(client: httpx.Client) -> None:
    chunks = chat(
        client,
        model="my-model",
        messages=[{"role": "user", "content": "hi"}],
        stream_options={"include_usage": True},
    )
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == []
    usage = usage_chunk["usage"]
    assert usage["prompt_tokens"] > 0
    assert usage["completion_tokens"] == len(chunks) - 3
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert {c["model"] for c in chunks} == {"my-model"}


def tool_fragments(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        fragment
        for chunk in chunks
        for choice in chunk["choices"]
        for fragment in choice["delta"].get("tool_calls", [])
    ]


def test_offered_tools_get_called(client: httpx.Client) -> None:
    chunks = chat(client, messages=[{"role": "user", "content": "What time is it?"}], tools=TOOLS)
    fragments = tool_fragments(chunks)
    first, rest = fragments[0], fragments[1:]
    assert first["index"] == 0
    assert first["type"] == "function"
    assert first["id"].startswith("call_")
    assert first["function"] == {"name": "current_time", "arguments": ""}
    assert len(rest) >= 3
    assert all(set(f) == {"index", "function"} for f in rest)
    arguments = "".join(f["function"]["arguments"] for f in rest)
    assert json.loads(arguments) == {"timezone": "UTC"}
    assert finish_reasons(chunks) == ["tool_calls"]
    assert joined(chunks, "content") == ""
    assert "current_time" in joined(chunks, "reasoning_content")


def test_tool_choice_picks_the_named_tool_or_none(client: httpx.Client) -> None:
    messages = [{"role": "user", "content": "2+2?"}]
    choice = {"type": "function", "function": {"name": "calculate"}}
    chunks = chat(client, messages=messages, tools=TOOLS, tool_choice=choice)
    fragments = tool_fragments(chunks)
    assert fragments[0]["function"]["name"] == "calculate"
    assert json.loads("".join(f["function"]["arguments"] for f in fragments)) == {
        "expression": "2+2"
    }
    chunks = chat(client, messages=messages, tools=TOOLS, tool_choice="none")
    assert tool_fragments(chunks) == []
    assert finish_reasons(chunks) == ["stop"]


def test_tool_result_is_quoted(client: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "What time is it?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "current_time", "arguments": '{"timezone":"UTC"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "12:34 UTC\nMonday"},
    ]
    chunks = chat(client, messages=messages, tools=TOOLS)
    text = joined(chunks, "content")
    assert "`current_time`" in text
    assert "> 12:34 UTC\n> Monday" in text
    assert tool_fragments(chunks) == []
    assert finish_reasons(chunks) == ["stop"]


def test_models_list(client: httpx.Client) -> None:
    response = client.get("/models")
    assert response.status_code == 200
    assert response.json()["object"] == "list"
    (model,) = response.json()["data"]
    assert model["id"] == DEMO_MODEL
    assert model["object"] == "model"
    assert model["owned_by"] == "desktop-chat"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/nope"), ("POST", "/v1/completions"), ("GET", "/")]
)
def test_unknown_paths_get_openai_style_404(demo: DemoServer, method: str, path: str) -> None:
    origin = demo.base_url.removesuffix("/v1")
    response = httpx.request(method, origin + path, json={}, timeout=TIMEOUT)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert path in error["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": DEMO_MODEL, "messages": [{"role": "user", "content": "hi"}]}, "stream"),
        ({"model": DEMO_MODEL, "stream": True}, "messages"),
        ([1, 2], "messages"),
    ],
)
def test_bad_requests_get_openai_style_400(client: httpx.Client, body: object, param: str) -> None:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert error["message"]


def test_invalid_json_gets_400(client: httpx.Client) -> None:
    response = client.post("/chat/completions", content=b"{not json")
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]["message"]


def connection_threads(server: DemoServer) -> list[threading.Thread]:
    port = server.base_url.removesuffix("/v1").rsplit(":", 1)[1]
    return [t for t in threading.enumerate() if t.name == f"http-{port}-conn"]


def test_pace_is_applied_and_a_hang_up_ends_the_stream(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(TPS_ENVIRONMENT, raising=False)
    body = {"stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with (
        DemoServer(tokens_per_second=50) as server,
        httpx.Client(base_url=server.base_url, timeout=TIMEOUT) as http,
    ):
        events: list[str] = []
        started = time.monotonic()
        with http.stream("POST", "/chat/completions", json=body) as response:
            for line in response.iter_lines():
                events.extend([line] if line else [])
                if len(events) == 11:
                    break
        # The role chunk, then ten pieces 20 ms apart.
        assert time.monotonic() - started >= 0.18
        assert len(events) == 11
        deadline = time.monotonic() + 3.0
        while connection_threads(server) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert connection_threads(server) == []
        assert http.get("/models").status_code == 200
    assert capfd.readouterr().err == ""


def test_stop_ends_a_slow_stream_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TPS_ENVIRONMENT, raising=False)
    server = DemoServer(tokens_per_second=2)
    url = server.start() + "/chat/completions"
    outcome: list[object] = []
    first_line = threading.Event()

    def consume() -> None:
        body = {"stream": True, "messages": [{"role": "user", "content": "hi"}]}
        try:
            with httpx.stream("POST", url, json=body, timeout=TIMEOUT) as response:
                for _ in response.iter_lines():
                    first_line.set()
            outcome.append("finished")
        except httpx.HTTPError as error:
            outcome.append(error)

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    assert first_line.wait(5.0)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0
    reader.join(5.0)
    assert isinstance(outcome[0], httpx.RemoteProtocolError)
    server.stop()  # A second stop is harmless.
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url


def test_environment_overrides_the_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TPS_ENVIRONMENT, "0")
    with DemoServer(tokens_per_second=1) as server:
        assert server.start() == server.base_url  # Starting twice keeps the same server.
        started = time.monotonic()
        with httpx.Client(base_url=server.base_url, timeout=TIMEOUT) as http:
            chunks = chat(http, messages=[{"role": "user", "content": "hi"}])
        # At one piece a second this reply would take minutes.
        assert len(chunks) > 100
        assert time.monotonic() - started < 5.0
    monkeypatch.setenv(TPS_ENVIRONMENT, "fast")
    assert DemoServer(tokens_per_second=7).tokens_per_second == 7
    monkeypatch.setenv(TPS_ENVIRONMENT, "250")
    assert DemoServer(tokens_per_second=7).tokens_per_second == 250


def test_tool_arguments_follow_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "tz": {"type": "string"},
            "unit": {"type": "string", "enum": ["kelvin", "celsius"]},
            "days": {"type": "integer", "minimum": 3},
            "ratio": {"type": "number"},
            "exact": {"type": ["boolean", "null"]},
            "cities": {"type": "array", "items": {"type": "string"}},
            "limit": {"type": "integer", "default": 10},
            "where": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            },
            "optional": {"type": "string"},
        },
        "required": ["tz", "unit", "days", "ratio", "exact", "cities", "limit", "where"],
    }
    assert tool_arguments(schema) == {
        "tz": "UTC",
        "unit": "kelvin",
        "days": 3,
        "ratio": 2.5,
        "exact": True,
        "cities": ["Paris"],
        "limit": 10,
        "where": {"name": "example"},
    }
    assert tool_arguments({"type": "object", "properties": {"a": {}}}) == {}
    assert tool_arguments(None) == {}


def test_attachments_are_acknowledged(client: httpx.Client) -> None:
    import base64

    from tests.support.images import PDF_ONE_PAGE, JPEG_37x21, WEBP_LOSSY_37x21, gif_header, png

    def image(data: bytes, media_type: str) -> dict[str, object]:
        url = f"data:{media_type};base64,{base64.b64encode(data).decode()}"
        return {"type": "image_url", "image_url": {"url": url}}

    pdf = base64.b64encode(PDF_ONE_PAGE).decode()
    content = [
        image(png(640, 480), "image/png"),
        image(JPEG_37x21, "image/jpeg"),
        image(WEBP_LOSSY_37x21, "image/webp"),
        image(gif_header(3, 2), "image/gif"),
        image(b"not an image", "image/png"),
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {
            "type": "file",
            "file": {"filename": "paper.pdf", "file_data": f"data:application/pdf;base64,{pdf}"},
        },
        {"type": "text", "text": "notes.md:\n````\n# Notes\n```\ncode\n```\n````\n\nSum it up"},
    ]
    text = joined(chat(client, messages=[{"role": "user", "content": content}]), "content")
    assert "You wrote: “Sum it up”." in text
    assert "You attached:\n\n- an image: PNG, 640 × 480 pixels (" in text
    assert "- an image: JPEG, 37 × 21 pixels (653 bytes)" in text
    assert "- an image: WEBP, 37 × 21 pixels" in text
    assert "- an image: GIF, 3 × 2 pixels" in text
    assert "- an image the demo cannot read (image/png, 12 bytes)" in text
    assert "- an image given by address, which the offline demo cannot fetch" in text
    assert f"- a PDF: paper.pdf, 1 page, {len(PDF_ONE_PAGE)} bytes" in text
    assert "- a text file: notes.md, 4 lines\n\nThings to try" in text


def test_a_message_without_attachments_has_no_list(client: httpx.Client) -> None:
    text = joined(chat(client, messages=[{"role": "user", "content": "hi"}]), "content")
    assert "You attached" not in text
