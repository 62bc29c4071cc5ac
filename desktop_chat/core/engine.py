"""One turn: request -> stream -> decode -> parse -> retry, as typed events; cancel-safe.

Cancelling the task that runs a turn closes its connection at once: every await here sits inside
`client.stream(...)`, whose exit closes the response.

What a server decides is bounded: redirects are followed only within the endpoint's origin
(307/308 keep the method and body; 301/302/303 only for a GET), at most MAX_REDIRECTS hops, so
a key never reaches another host; bodies are inflated a piece at a time (`body`); a line, an
event (`sse`), an error body and a model list have limits; and a stream that carries no answer
content for `idle_timeout` seconds (keep-alives, pings, a trickle of bytes) ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing, asynccontextmanager
from typing import NoReturn
from urllib.parse import urlsplit

import httpx

from desktop_chat.core.accumulator import Accumulator
from desktop_chat.core.attachment import name_refused_attachments
from desktop_chat.core.body import ACCEPT_ENCODING, body_chunks, read_body
from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.core.errors import (
    REDACTED,
    ChatError,
    ConfigurationError,
    ConnectionFailedError,
    MalformedStreamError,
    RedirectError,
    ResponseTooLargeError,
    StreamCutError,
    TimeoutError_,
    error_for_status,
)
from desktop_chat.core.events import (
    AttemptStarted,
    RequestSent,
    ResponseStarted,
    RetryScheduled,
    StreamEvent,
    TextDelta,
    WireEvent,
)
from desktop_chat.core.providers import provider_for
from desktop_chat.core.providers.base import (
    ChatRequest,
    EndpointConfig,
    HTTPRequest,
    Provider,
    provider_message,
)
from desktop_chat.core.redirect import MAX_REDIRECTS, redirect_target
from desktop_chat.core.retry import RetryPolicy, retry_after_seconds, wait_refusal
from desktop_chat.core.sse import SSEDecoder
from desktop_chat.core.transport import TransportConfig, make_client
from desktop_chat.i18n import _

__all__ = ["ChatRequest", "EndpointConfig", "Engine"]

log = logging.getLogger(__name__)

MAX_ERROR_BODY = 64 * 1024  # enough for any provider's error; the rest is not read
MAX_MODEL_LIST = 16 * 1024 * 1024  # OpenRouter's list of hundreds of models is about 1 MiB
# Reads already buffered by the socket come back without suspending, so a fast stream would run
# `run`'s loop for tens of milliseconds at a time; give the event loop a turn this often.
YIELD_EVERY_S = 0.008


class Engine:
    """Streams turns through one pooled HTTP client; build a new one when the settings change."""

    def __init__(
        self,
        transport: TransportConfig | None = None,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], object] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.transport = transport or TransportConfig()
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng
        self._client = make_client(self.transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def stream(
        self, endpoint: EndpointConfig, request: ChatRequest, *, trace: bool = False
    ) -> AsyncGenerator[StreamEvent, None]:
        """Yield the turn's events; raise ChatError when no attempt is left. Use with aclosing."""
        async with aclosing(self.batches(endpoint, request, trace=trace)) as batches:
            async for batch in batches:
                for event in batch:
                    yield event

    async def run(
        self,
        endpoint: EndpointConfig,
        request: ChatRequest,
        on_event: Callable[[StreamEvent], object] | None = None,
        *,
        trace: bool = False,
    ) -> AssistantTurn:
        """Stream a whole turn, calling `on_event` per event, within the total timeout.

        On failure the ChatError raised carries `partial`: what the last attempt streamed.
        """
        accumulator = Accumulator()
        feed = accumulator.feed
        clock = time.monotonic
        try:
            async with asyncio.timeout(self.transport.total_timeout):
                async with aclosing(self.batches(endpoint, request, trace=trace)) as batches:
                    turn_given = clock()
                    async for batch in batches:
                        for event in batch:
                            feed(event)
                            if on_event is not None:
                                on_event(event)
                        if clock() - turn_given > YIELD_EVERY_S:
                            await asyncio.sleep(0)
                            turn_given = clock()
        except TimeoutError:
            error: ChatError = TimeoutError_(
                _("The answer took longer than the total timeout of {seconds} s").format(
                    seconds=f"{self.transport.total_timeout:g}"
                ),
                retryable=False,
            )
            error.partial = accumulator.turn
            raise error from None
        except ChatError as error:
            error.partial = accumulator.turn
            raise
        return accumulator.turn

    async def batches(
        self, endpoint: EndpointConfig, request: ChatRequest, *, trace: bool = False
    ) -> AsyncGenerator[list[StreamEvent], None]:
        """Yield the events of each network read as one list: the fast path for consumers.

        With `trace`, the wire is shown too: RequestSent, ResponseStarted and a WireEvent before
        the parsed events of each SSE event (for the inspector; off, it costs nothing).
        """
        provider = provider_for(endpoint.protocol)
        if request.image_fitter is not None and any(
            a.kind == "image" for m in request.conversation.messages for a in m.attachments
        ):
            # Downscaling a large photo takes up to a second: not on the event loop's thread,
            # which is the window's.
            http = await asyncio.to_thread(provider.chat_request, endpoint, request)
        else:
            http = provider.chat_request(endpoint, request)
        policy = self.policy
        attempt = 1
        while True:
            yield [AttemptStarted(attempt, policy.max_attempts)]
            streamed_text = False
            try:
                reads = self._attempt(provider, http, attempt, trace, endpoint.api_key)
                async with aclosing(reads):
                    async for batch in reads:
                        if not streamed_text:
                            streamed_text = any(type(event) is TextDelta for event in batch)
                        yield batch
                return
            except ChatError as error:
                error.redact(endpoint.api_key)
                name_refused_attachments(error, request.conversation)
                if not policy.should_retry(error, attempt):
                    error.advice = error.advice or wait_refusal(policy, error, attempt)
                    raise
                failure = error
            delay = policy.delay(attempt, failure, self._rng)
            log.warning(
                "attempt %d of %d failed (%s); retrying in %.2f s",
                attempt,
                policy.max_attempts,
                failure,
                delay,
            )
            yield [RetryScheduled(attempt, policy.max_attempts, failure, delay, streamed_text)]
            await self._sleep(delay)  # type: ignore[misc]
            attempt += 1

    async def _attempt(
        self, provider: Provider, http: HTTPRequest, attempt: int, trace: bool, key: str | None
    ) -> AsyncGenerator[list[StreamEvent], None]:
        """One HTTP attempt; with `trace`, the wire too, `key` redacted wherever it shows."""
        log.info("%s %s (attempt %d)", http.method, http.url, attempt)
        body = json.dumps(http.json, ensure_ascii=False).encode() if http.json is not None else b""
        headers = {**http.headers, "Content-Type": "application/json"} if body else http.headers
        wire = _Wire(attempt, key) if trace else None
        if wire is not None:
            wire.sent(http.method, http.url, headers, body)
            yield wire.take()
        started_at = time.monotonic()
        if wire is not None:
            wire.started_at = started_at
        started = False
        try:
            async with self._open(http, headers, body, key, wire) as (response, refused):
                started = True
                if wire is not None:
                    yield wire.take()
                if refused is not None:
                    raise refused
                if response.status_code >= 400:
                    await _raise_for_status(response)
                content_type = response.headers.get("content-type", "")
                if "json" in content_type:  # a server that ignored "stream": true, or an error
                    raise MalformedStreamError(
                        _("The server answered with JSON instead of an event stream"),
                        provider_message=provider_message(
                            await read_body(response, MAX_ERROR_BODY)
                        ),
                    )
                decoder = SSEDecoder()
                feed = decoder.feed
                parser = provider.parser()
                parse = parser.parse
                clock = time.monotonic
                idle = self.transport.idle_timeout
                content_at = clock()
                out: list[StreamEvent] = []
                wired = 0  # how many of `out` are WireEvents, which are not answer content
                async with aclosing(body_chunks(response)) as chunks:
                    async for chunk in chunks:
                        for sse in feed(chunk):
                            if trace:
                                data = sse.data
                                if key and key in data:
                                    data = data.replace(key, REDACTED)
                                out.append(WireEvent(sse.event, data, sse.id, clock() - started_at))
                                wired += 1
                            parse(sse, out)
                        if len(out) > wired:
                            content_at = clock()
                        elif clock() - content_at > idle:
                            raise _idle_error(idle)
                        if out:
                            yield out
                            if parser.error is not None:
                                raise parser.error
                            out = []
                            wired = 0
                        if decoder.error is not None:
                            raise ResponseTooLargeError(
                                _("The answer was stopped: {reason}").format(reason=decoder.error)
                            )
                        if parser.done:
                            return
                if not parser.complete:
                    raise StreamCutError(_("The stream ended before the answer was complete"))
        except httpx.HTTPError as exc:
            if wire is not None and wire.events:  # a redirect hop that failed: show the hop
                yield wire.take()
            _raise_transport_error(exc, http.url, started)

    @asynccontextmanager
    async def _open(
        self,
        http: HTTPRequest,
        headers: dict[str, str],
        body: bytes,
        key: str | None,
        wire: _Wire | None,
    ) -> AsyncGenerator[tuple[httpx.Response, RedirectError | None], None]:
        """The response to `http`, following the redirects `redirect_target` allows.

        A redirect that is not followed comes with the error to raise about it. With `wire`
        (a trace), each response's start and each redirected request is recorded.
        """
        url = http.url
        sent = {"Accept-Encoding": ACCEPT_ENCODING, **headers}
        for hop in range(MAX_REDIRECTS + 1):
            async with self._client.stream(
                http.method, url, headers=sent, content=body or None
            ) as response:
                if wire is not None:
                    wire.answered(response)
                target = redirect_target(response, http.method, hop < MAX_REDIRECTS, key)
                if not isinstance(target, str):
                    yield response, target
                    return
            log.info("%s %s (redirected, HTTP %d)", http.method, target, response.status_code)
            url = target
            if wire is not None:
                wire.sent(http.method, url, headers, body)

    async def list_models(self, endpoint: EndpointConfig) -> list[str]:
        """The model ids the endpoint offers, sorted."""
        http = provider_for(endpoint.protocol).models_request(endpoint)
        try:
            try:
                opened = self._open(http, http.headers, b"", endpoint.api_key, None)
                async with opened as (reply, refused):
                    if refused is not None:
                        raise refused
                    if reply.status_code >= 400:
                        await _raise_for_status(reply)
                    content = await read_body(reply, MAX_MODEL_LIST + 1)
            except httpx.HTTPError as exc:
                _raise_transport_error(exc, http.url, started=False)
            if len(content) > MAX_MODEL_LIST:
                raise ResponseTooLargeError(
                    _("The endpoint's model list is larger than {size} MiB").format(
                        size=MAX_MODEL_LIST // 1024**2
                    )
                )
            try:
                entries = json.loads(content)["data"]
                return sorted(str(entry["id"]) for entry in entries)
            except (ValueError, KeyError, TypeError) as exc:
                raise MalformedStreamError(
                    _("The endpoint's model list is not in the expected form")
                ) from exc
        except ChatError as error:
            error.redact(endpoint.api_key)
            raise


class _Wire:
    """The requests and response starts of one traced attempt, redirects included."""

    __slots__ = ("attempt", "events", "key", "started_at")

    def __init__(self, attempt: int, key: str | None) -> None:
        self.attempt = attempt
        self.started_at = time.monotonic()  # reset when the request goes out
        self.key = key
        self.events: list[StreamEvent] = []

    def take(self) -> list[StreamEvent]:
        """The events recorded since the last take."""
        events, self.events = self.events, []
        return events

    def sent(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        key = self.key
        shown_url = url.replace(key, REDACTED) if key else url
        text = body.decode()
        if key and key in text:
            text = text.replace(key, REDACTED)
        shown = _redacted(headers, key)
        self.events.append(RequestSent(self.attempt, method, shown_url, shown, text))

    def answered(self, response: httpx.Response) -> None:
        elapsed = time.monotonic() - self.started_at
        headers = _redacted(response.headers, self.key)
        self.events.append(ResponseStarted(response.status_code, headers, elapsed))


_SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "proxy-authorization", "cookie"}


def _redacted(headers: Mapping[str, str], key: str | None) -> tuple[tuple[str, str], ...]:
    """Headers to show: secret ones hidden by name, and `key` wherever a server echoed it."""
    shown = []
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS:
            value = REDACTED
        elif key and key in value:
            value = value.replace(key, REDACTED)
        shown.append((name, value))
    return tuple(shown)


def _idle_error(idle: float) -> TimeoutError_:
    return TimeoutError_(
        _("No answer content for {seconds} s (the server sent only keep-alives)").format(
            seconds=f"{idle:g}"
        ),
        retryable=False,
        advice=_("raise network.idle_timeout (or --idle-timeout) to wait longer"),
    )


async def _raise_for_status(response: httpx.Response) -> NoReturn:
    body = await read_body(response, MAX_ERROR_BODY)
    raise error_for_status(
        response.status_code, provider_message(body), retry_after_seconds(response.headers)
    )


def _raise_transport_error(exc: httpx.HTTPError, url: str, started: bool) -> NoReturn:
    host = urlsplit(url).netloc or url
    detail = str(exc) or type(exc).__name__
    error: ChatError
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        error = TimeoutError_(_("Could not connect to {host} in time").format(host=host))
    elif isinstance(exc, httpx.TimeoutException):
        error = TimeoutError_(_("{host} stopped sending data (read timeout)").format(host=host))
    elif isinstance(exc, httpx.ProxyError):
        error = ConnectionFailedError(
            _("The proxy refused the connection to {host}: {detail}").format(
                host=host, detail=detail
            )
        )
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        error = ConfigurationError(_("The base URL is not valid ({detail})").format(detail=detail))
    elif isinstance(exc, httpx.ConnectError):
        if "CERTIFICATE_VERIFY_FAILED" in detail:
            error = ConfigurationError(
                _("The TLS certificate of {host} was not accepted: {detail}").format(
                    host=host, detail=detail
                )
            )
        else:
            error = ConnectionFailedError(
                _("Could not connect to {host}: {detail}").format(host=host, detail=detail)
            )
    elif isinstance(exc, httpx.DecodingError):
        error = MalformedStreamError(
            _("The response from {host} could not be decoded: {detail}").format(
                host=host, detail=detail
            )
        )
    elif started:
        error = StreamCutError(_("The connection to {host} was lost mid-answer").format(host=host))
    else:
        error = ConnectionFailedError(
            _("The connection to {host} failed: {detail}").format(host=host, detail=detail)
        )
    raise error from exc
