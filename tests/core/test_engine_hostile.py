"""The engine against redirects and hostile servers: every answer ends, bounded, with a message."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from desktop_chat.core.engine import EndpointConfig, Engine
from desktop_chat.core.errors import (
    ChatError,
    MalformedStreamError,
    RateLimitError,
    RedirectError,
    ResponseTooLargeError,
    TimeoutError_,
)
from desktop_chat.core.events import (
    RequestSent,
    ResponseStarted,
    StreamEvent,
    TextDelta,
    WireEvent,
)
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.sse import MAX_EVENT_DATA, MAX_LINE
from desktop_chat.core.transport import TransportConfig
from tests.support.engine import REQUEST, Sleeps
from tests.support.sse_server import Reply, ScriptedServer, gzipped, redirect
from tests.support.streams import anthropic_stream, openai_stream, sse

KEY = "sk-hostile-0123456789abcdef"
MIB = 1024 * 1024


def make_engine(sleeps: Sleeps | None = None, **transport: float) -> Engine:
    return Engine(
        TransportConfig(connect_timeout=2.0, read_timeout=5.0, **transport),  # type: ignore[arg-type]
        RetryPolicy(max_retries=2, base_delay=0.5, max_delay=4.0),
        sleep=sleeps or Sleeps(),
        rng=lambda: 0.5,
    )


def openai(server: ScriptedServer, key: str | None = KEY) -> EndpointConfig:
    return EndpointConfig("openai", server.url + "/v1", key)


def anthropic(server: ScriptedServer) -> EndpointConfig:
    return EndpointConfig("anthropic", server.url, KEY)


async def run(
    engine: Engine, endpoint: EndpointConfig, *, trace: bool = False
) -> tuple[str, list[StreamEvent]]:
    events: list[StreamEvent] = []
    try:
        turn = await engine.run(endpoint, REQUEST, events.append, trace=trace)
    finally:
        await engine.aclose()
    return turn.text, events


async def failure(
    engine: Engine, endpoint: EndpointConfig, *, trace: bool = False
) -> tuple[ChatError, list[StreamEvent]]:
    events: list[StreamEvent] = []
    try:
        with pytest.raises(ChatError) as caught:
            await engine.run(endpoint, REQUEST, events.append, trace=trace)
    finally:
        await engine.aclose()
    return caught.value, events


@pytest.fixture
def other_server() -> Iterator[ScriptedServer]:
    """A second origin: the same host on another port."""
    with ScriptedServer() as server:
        yield server


# --- redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [307, 308])
async def test_a_same_origin_307_or_308_is_followed_with_method_body_and_key(
    sse_server: ScriptedServer, status: int
) -> None:
    sse_server.script(
        redirect("/v2/chat/completions", status), Reply(chunks=openai_stream(["moved"]))
    )
    text, _ = await run(make_engine(), openai(sse_server))
    assert text == "moved"
    first, second = sse_server.requests
    assert (second.method, second.path) == ("POST", "/v2/chat/completions")
    assert second.body == first.body
    assert second.headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("endpoint", [openai, anthropic], ids=["openai", "anthropic"])
async def test_a_redirect_to_another_origin_is_reported_and_the_key_stays(
    sse_server: ScriptedServer, other_server: ScriptedServer, endpoint: object
) -> None:
    target = other_server.url + "/v1/chat/completions"
    sse_server.script(redirect(target), Reply(chunks=openai_stream(["never"])))
    error, _ = await failure(make_engine(), endpoint(sse_server))  # type: ignore[operator]
    assert isinstance(error, RedirectError)
    assert f"The server redirected to {target} (HTTP 307)" in str(error)
    assert "another origin" in str(error)
    assert not error.retryable
    assert len(sse_server.requests) == 1
    assert other_server.requests == []


@pytest.mark.parametrize("status", [301, 302, 303])
async def test_a_post_is_not_followed_through_301_302_303(
    sse_server: ScriptedServer, status: int
) -> None:
    sse_server.script(redirect("/v2/chat/completions", status))
    error, _ = await failure(make_engine(), openai(sse_server))
    location = sse_server.url + "/v2/chat/completions"
    assert str(error).startswith(f"The server redirected to {location} (HTTP {status})")
    assert len(sse_server.requests) == 1


async def test_a_redirect_loop_ends_after_a_few_hops(sse_server: ScriptedServer) -> None:
    sse_server.route("POST", "/v1/chat/completions", redirect("/v1/chat/completions"))
    error, _ = await failure(make_engine(), openai(sse_server))
    assert isinstance(error, RedirectError)
    assert "too many redirects" in str(error)
    assert len(sse_server.requests) == 6  # the request and five hops, no retry


async def test_a_redirect_without_location_is_reported(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(status=307))
    error, _ = await failure(make_engine(), openai(sse_server))
    assert isinstance(error, RedirectError)
    assert "without saying where (HTTP 307)" in str(error)


async def test_a_followed_redirect_shows_on_the_wire(sse_server: ScriptedServer) -> None:
    sse_server.script(redirect("/v2/chat/completions"), Reply(chunks=openai_stream(["x"])))
    _, events = await run(make_engine(), openai(sse_server), trace=True)
    wire = [e for e in events if isinstance(e, RequestSent | ResponseStarted)]
    assert [type(e).__name__ for e in wire] == [
        "RequestSent",
        "ResponseStarted",
        "RequestSent",
        "ResponseStarted",
    ]
    assert wire[1].status == 307  # type: ignore[union-attr]
    assert wire[2].url == sse_server.url + "/v2/chat/completions"  # type: ignore[union-attr]
    assert dict(wire[2].headers)["Authorization"] == "[redacted]"  # type: ignore[union-attr]


async def test_the_model_list_follows_a_same_origin_redirect(sse_server: ScriptedServer) -> None:
    sse_server.route("GET", "/v1/models", redirect("/v2/models", 301))
    sse_server.route("GET", "/v2/models", Reply(body=b'{"data":[{"id":"b"},{"id":"a"}]}'))
    engine = make_engine()
    try:
        assert await engine.list_models(openai(sse_server)) == ["a", "b"]
    finally:
        await engine.aclose()
    assert sse_server.requests[1].headers["authorization"] == f"Bearer {KEY}"


async def test_the_model_list_reports_a_redirect_to_another_origin(
    sse_server: ScriptedServer, other_server: ScriptedServer
) -> None:
    sse_server.route("GET", "/v1/models", redirect(other_server.url + "/v1/models", 302))
    engine = make_engine()
    try:
        with pytest.raises(RedirectError, match=r"redirected to .* \(HTTP 302\)"):
            await engine.list_models(anthropic(sse_server))
    finally:
        await engine.aclose()
    assert other_server.requests == []


# --- sizes ----------------------------------------------------------------------------------------


async def test_an_endless_line_is_stopped_at_the_limit_and_the_partial_kept(
    sse_server: ScriptedServer,
) -> None:
    head = openai_stream(["kept "])[:2]
    line = [b"data: " + b"x" * (MIB - 6)] + [b"x" * MIB] * (MAX_LINE // MIB)
    sse_server.script(Reply(chunks=[*head, *line, b"\n\n"]))
    started = time.monotonic()
    error, _ = await failure(make_engine(), openai(sse_server))
    assert time.monotonic() - started < 10
    assert isinstance(error, ResponseTooLargeError)
    assert "one line of the event stream is longer than 16 MiB" in str(error)
    assert error.partial is not None
    assert error.partial.text == "kept "
    assert len(sse_server.requests) == 1  # not retried: the same server sends the same


async def test_one_event_with_too_much_data_is_stopped(sse_server: ScriptedServer) -> None:
    head = openai_stream(["kept "])[:2]
    lines = [b"data: " + b"y" * MIB + b"\n"] * (MAX_EVENT_DATA // MIB + 1)
    sse_server.script(Reply(chunks=[*head, *lines, b"\n"]))
    error, _ = await failure(make_engine(), openai(sse_server))
    assert isinstance(error, ResponseTooLargeError)
    assert "one event's data is larger than 16 MiB" in str(error)
    assert error.partial is not None
    assert error.partial.text == "kept "


async def _peak(coroutine: object) -> int:
    tracemalloc.start()
    try:
        await coroutine  # type: ignore[misc]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_a_gzip_bomb_in_the_stream_is_decoded_a_piece_at_a_time(
    sse_server: ScriptedServer,
) -> None:
    head = b"".join(openai_stream(["kept "])[:2])
    sse_server.script(gzipped([head, b"data: ", *[b"\0" * MIB] * 256]))
    errors: list[ChatError] = []

    async def ask() -> None:
        errors.append((await failure(make_engine(), openai(sse_server)))[0])

    peak = await _peak(ask())
    (error,) = errors
    assert isinstance(error, ResponseTooLargeError)
    assert error.partial is not None
    assert error.partial.text == "kept "
    assert peak < 40 * MIB  # a 256 MiB body; the line limit is 16 MiB


async def test_a_gzip_bomb_as_a_json_answer_is_read_only_in_part(
    sse_server: ScriptedServer,
) -> None:
    body = [b'{"error": {"message": "', *[b" " * MIB] * 256, b'"}}']
    sse_server.script(gzipped(body, "application/json"))
    errors: list[ChatError] = []

    async def ask() -> None:
        errors.append((await failure(make_engine(), openai(sse_server)))[0])

    peak = await _peak(ask())
    assert isinstance(errors[0], MalformedStreamError)
    assert "JSON instead of an event stream" in str(errors[0])
    assert peak < 8 * MIB


async def test_a_gzip_bomb_as_an_error_body_is_read_only_in_part(
    sse_server: ScriptedServer,
) -> None:
    bomb = gzipped([b"<html><title>busy</title>", *[b" " * MIB] * 256], "text/html")
    sse_server.script(Reply(status=400, headers=bomb.headers, body=bomb.body))
    errors: list[ChatError] = []

    async def ask() -> None:
        errors.append((await failure(make_engine(), openai(sse_server)))[0])

    peak = await _peak(ask())
    assert errors[0].status == 400
    assert peak < 8 * MIB


async def test_a_model_list_over_the_limit_is_refused(sse_server: ScriptedServer) -> None:
    entries = [b'{"id": "model-%08d"},' % i for i in range(1_000_000)]  # ~22 MB
    reply = gzipped([b'{"data": [', *entries, b'{"id": "last"}]}'], "application/json")
    sse_server.route("GET", "/v1/models", reply)
    engine = make_engine()
    try:
        with pytest.raises(ResponseTooLargeError, match="model list is larger than 16 MiB"):
            await engine.list_models(openai(sse_server))
    finally:
        await engine.aclose()


async def test_an_unknown_content_encoding_is_reported(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(headers={"Content-Encoding": "br"}, chunks=openai_stream(["x"])))
    error, _ = await failure(make_engine(), openai(sse_server))
    assert isinstance(error, MalformedStreamError)
    assert "content encoding 'br'" in str(error)


async def test_a_gzip_stream_still_decodes(sse_server: ScriptedServer) -> None:
    sse_server.script(gzipped(openai_stream(["zipped ", "answer"])))
    text, _ = await run(make_engine(), openai(sse_server))
    assert text == "zipped answer"
    assert sse_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


# --- idle: a turn with no content ends ------------------------------------------------------------


async def test_keep_alives_alone_end_the_turn_after_the_idle_limit(
    sse_server: ScriptedServer,
) -> None:
    head = openai_stream(["kept "])[:2]
    sse_server.script(Reply(chunks=[*head, *[b": keep-alive\n\n"] * 200], delay=0.02))
    started = time.monotonic()
    error, _ = await failure(make_engine(idle_timeout=0.5), openai(sse_server))
    assert time.monotonic() - started < 3
    assert isinstance(error, TimeoutError_)
    assert "No answer content for 0.5 s (the server sent only keep-alives)" in str(error)
    assert "network.idle_timeout" in str(error)
    assert error.partial is not None
    assert error.partial.text == "kept "
    assert len(sse_server.requests) == 1


async def test_a_slowloris_trickling_bytes_ends_too(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[b"data: ", *[b"z"] * 200], delay=0.02))
    error, _ = await failure(make_engine(idle_timeout=0.5), openai(sse_server))
    assert isinstance(error, TimeoutError_)
    assert "No answer content for 0.5 s" in str(error)


async def test_pings_seen_on_the_wire_are_not_content(sse_server: ScriptedServer) -> None:
    ping = sse(json.dumps({"type": "ping"}), event="ping")
    sse_server.script(Reply(chunks=[*anthropic_stream(["a"])[:3], *[ping] * 200], delay=0.02))
    error, events = await failure(make_engine(idle_timeout=0.5), anthropic(sse_server), trace=True)
    assert isinstance(error, TimeoutError_)
    assert sum(isinstance(e, WireEvent) and e.event == "ping" for e in events) > 5


async def test_content_keeps_a_slow_answer_alive(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["a", "b", "c", "d", "e"]), delay=0.2))
    text, _ = await run(make_engine(idle_timeout=0.5), openai(sse_server))
    assert text == "abcde"


def test_the_idle_limit_defaults_to_minutes() -> None:
    assert TransportConfig().idle_timeout == 300.0


# --- a key echoed back ----------------------------------------------------------------------------


async def test_a_key_echoed_in_a_non_json_data_line_is_redacted(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[sse(f"invalid key {KEY}")]))
    error, events = await failure(make_engine(), openai(sse_server), trace=True)
    assert isinstance(error, MalformedStreamError)
    assert "invalid key [redacted]" in str(error)
    assert KEY not in str(error)
    assert KEY not in repr(error.args)
    assert KEY not in repr(events)


async def test_a_key_echoed_in_a_response_header_is_redacted(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(headers={"X-Echo": f"got {KEY}"}, chunks=openai_stream(["ok"])))
    _, events = await run(make_engine(), openai(sse_server), trace=True)
    (started,) = [e for e in events if isinstance(e, ResponseStarted)]
    assert dict(started.headers)["x-echo"] == "got [redacted]"
    assert KEY not in repr(events)


async def test_a_key_in_a_redirect_location_is_redacted(
    sse_server: ScriptedServer, other_server: ScriptedServer
) -> None:
    sse_server.script(redirect(f"{other_server.url}/v1?key={KEY}"))
    error, _ = await failure(make_engine(), openai(sse_server))
    assert "?key=[redacted]" in str(error)
    assert KEY not in str(error)


# --- Retry-After ----------------------------------------------------------------------------------


async def test_a_retry_after_longer_than_the_client_waits_says_so(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(
        Reply(status=429, headers={"Retry-After": "300"}, body=b'{"error":{"message":"slow"}}')
    )
    sleeps = Sleeps()
    error, _ = await failure(make_engine(sleeps), openai(sse_server))
    assert isinstance(error, RateLimitError)
    assert str(error).endswith("the server asked to wait 5 min; not retrying")
    assert sleeps.delays == []
    assert len(sse_server.requests) == 1


# --- the wire of a keyless endpoint ---------------------------------------------------------------


async def test_a_keyless_endpoint_is_traced_like_a_keyed_one(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["local"])))
    text, events = await run(make_engine(), openai(sse_server, key=None), trace=True)
    assert text == "local"
    kinds = {type(e) for e in events}
    assert {RequestSent, ResponseStarted, WireEvent, TextDelta} <= kinds
