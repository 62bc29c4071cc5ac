"""One turn: request -> stream -> decode -> parse -> retry, as typed events; cancel-safe.

Cancelling the task that runs a turn closes its connection at once: every await here sits inside
`client.stream(...)`, whose exit closes the response.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from typing import NoReturn
from urllib.parse import urlsplit

import httpx

from desktop_chat.core.accumulator import Accumulator, AssistantTurn
from desktop_chat.core.errors import (
    ChatError,
    ConfigurationError,
    ConnectionFailedError,
    MalformedStreamError,
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
from desktop_chat.core.retry import RetryPolicy, retry_after_seconds
from desktop_chat.core.sse import SSEDecoder
from desktop_chat.core.transport import TransportConfig, make_client

__all__ = ["ChatRequest", "EndpointConfig", "Engine"]

log = logging.getLogger(__name__)

MAX_ERROR_BODY = 64 * 1024
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
                f"The answer took longer than the total timeout of "
                f"{self.transport.total_timeout:g} s",
                retryable=False,
            )
            error.partial = accumulator.turn  # type: ignore[attr-defined]
            raise error from None
        except ChatError as error:
            error.partial = accumulator.turn  # type: ignore[attr-defined]
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
        http = provider.chat_request(endpoint, request)
        policy = self.policy
        attempt = 1
        while True:
            yield [AttemptStarted(attempt, policy.max_attempts)]
            streamed_text = False
            try:
                reads = self._attempt(provider, http, attempt, endpoint.api_key if trace else None)
                async with aclosing(reads):
                    async for batch in reads:
                        if not streamed_text:
                            streamed_text = any(type(event) is TextDelta for event in batch)
                        yield batch
                return
            except ChatError as error:
                _redact(error, endpoint.api_key)
                if not policy.should_retry(error, attempt):
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
        self, provider: Provider, http: HTTPRequest, attempt: int, trace_key: str | None
    ) -> AsyncGenerator[list[StreamEvent], None]:
        """One HTTP attempt; `trace_key` (the key to redact, "" for none) turns tracing on."""
        log.info("%s %s (attempt %d)", http.method, http.url, attempt)
        trace = trace_key is not None
        body = json.dumps(http.json, ensure_ascii=False).encode() if http.json is not None else b""
        headers = {**http.headers, "Content-Type": "application/json"} if body else http.headers
        if trace:
            yield [RequestSent(attempt, http.method, http.url, _redacted(headers), body.decode())]
        started_at = time.monotonic()
        started = False
        try:
            async with self._client.stream(
                http.method, http.url, headers=headers, content=body or None
            ) as response:
                started = True
                if trace:
                    elapsed = time.monotonic() - started_at
                    yield [
                        ResponseStarted(response.status_code, _redacted(response.headers), elapsed)
                    ]
                if response.status_code >= 400:
                    await _raise_for_status(response)
                content_type = response.headers.get("content-type", "")
                if "json" in content_type:  # a server that ignored "stream": true, or an error
                    body = await response.aread()
                    raise MalformedStreamError(
                        "The server answered with JSON instead of an event stream",
                        provider_message=provider_message(body),
                    )
                decoder = SSEDecoder()
                parser = provider.parser()
                out: list[StreamEvent] = []
                async with aclosing(response.aiter_bytes()) as chunks:  # type: ignore[type-var]
                    async for chunk in chunks:
                        for sse in decoder.feed(chunk):
                            if trace:
                                elapsed = time.monotonic() - started_at
                                out.append(WireEvent(sse.event, sse.data, sse.id, elapsed))
                            parser.parse(sse, out)
                        if out:
                            yield out
                            if parser.error is not None:
                                raise parser.error
                            out = []
                        if parser.done:
                            return
                if not parser.complete:
                    raise StreamCutError("The stream ended before the answer was complete")
        except httpx.HTTPError as exc:
            _raise_transport_error(exc, http.url, started)

    async def list_models(self, endpoint: EndpointConfig) -> list[str]:
        """The model ids the endpoint offers, sorted."""
        http = provider_for(endpoint.protocol).models_request(endpoint)
        try:
            response = await self._client.request(http.method, http.url, headers=http.headers)
        except httpx.HTTPError as exc:
            _raise_transport_error(exc, http.url, started=False)
        if response.status_code >= 400:
            raise error_for_status(
                response.status_code,
                provider_message(response.content[:MAX_ERROR_BODY]),
                retry_after_seconds(response.headers),
            )
        try:
            entries = response.json()["data"]
            return sorted(str(entry["id"]) for entry in entries)
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedStreamError(
                "The endpoint's model list is not in the expected form"
            ) from exc


_SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "proxy-authorization", "cookie"}


def _redacted(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, "[redacted]" if name.lower() in _SECRET_HEADERS else value)
        for name, value in headers.items()
    )


def _redact(error: ChatError, key: str | None) -> None:
    """Some providers echo the key they rejected: never let it reach a screen or a log."""
    if key and error.provider_message and key in error.provider_message:
        error.provider_message = error.provider_message.replace(key, "[redacted]")


async def _raise_for_status(response: httpx.Response) -> NoReturn:
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= MAX_ERROR_BODY:
            break
    raise error_for_status(
        response.status_code, provider_message(body), retry_after_seconds(response.headers)
    )


def _raise_transport_error(exc: httpx.HTTPError, url: str, started: bool) -> NoReturn:
    host = urlsplit(url).netloc or url
    detail = str(exc) or type(exc).__name__
    error: ChatError
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        error = TimeoutError_(f"Could not connect to {host} in time")
    elif isinstance(exc, httpx.TimeoutException):
        error = TimeoutError_(f"{host} stopped sending data (read timeout)")
    elif isinstance(exc, httpx.ProxyError):
        error = ConnectionFailedError(f"The proxy refused the connection to {host}: {detail}")
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        error = ConfigurationError(f"The base URL is not valid ({detail})")
    elif isinstance(exc, httpx.ConnectError):
        if "CERTIFICATE_VERIFY_FAILED" in detail:
            error = ConfigurationError(f"The TLS certificate of {host} was not accepted: {detail}")
        else:
            error = ConnectionFailedError(f"Could not connect to {host}: {detail}")
    elif isinstance(exc, httpx.DecodingError):
        error = MalformedStreamError(f"The response from {host} could not be decoded: {detail}")
    elif started:
        error = StreamCutError(f"The connection to {host} was lost mid-answer")
    else:
        error = ConnectionFailedError(f"The connection to {host} failed: {detail}")
    raise error from exc
