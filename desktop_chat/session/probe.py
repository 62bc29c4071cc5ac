"""Build an engine from saved settings, and test an endpoint the way a turn would use it.

Qt-free, so the window, the settings dialog and their tests share one mapping from `Network` and
`Endpoint` to the engine's `TransportConfig`, `RetryPolicy` and `EndpointConfig`.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from dataclasses import dataclass

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ChatError,
    ConfigurationError,
    ConnectionFailedError,
    MalformedStreamError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TimeoutError_,
)
from desktop_chat.core.events import ReasoningDelta, TextDelta
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.storage.engine_config import endpoint_config, retry_policy, transport_config
from desktop_chat.storage.settings import Endpoint, Network


def make_engine(network: Network, *, max_retries: int | None = None) -> Engine:
    """Build an engine for `network`; raises ConfigurationError for an unusable proxy or CA."""
    policy = retry_policy(network)
    if max_retries is not None:
        policy = RetryPolicy(max_retries, policy.base_delay, policy.max_delay, policy.jitter)
    return Engine(transport_config(network), policy)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What "Test connection" found: a verdict for a person, and the models listed (if any)."""

    ok: bool
    verdict: str
    models: tuple[str, ...] = ()


def verdict_for(error: ChatError, step: str, *, key_sent: bool = True) -> str:
    """Explain a failure by its cause, with what to check next; `step` names what failed."""
    if isinstance(error, AuthenticationError) and not key_sent:
        advice = "the endpoint wants an API key and none is stored: type it above"
    elif isinstance(error, AuthenticationError):
        advice = "the API key was refused: check the key and that it may use this endpoint"
    elif isinstance(error, NotFoundError):
        advice = "nothing there: check the base URL (and the model name)"
    elif isinstance(error, RateLimitError):
        advice = "the key works but the endpoint is rate limiting it: try again later"
    elif isinstance(error, ServerError):
        advice = "the endpoint's server failed: the settings may be right, try again later"
    elif isinstance(error, BadRequestError):
        advice = "the endpoint refused the request: check the model name and the protocol"
    elif isinstance(error, TimeoutError_):
        advice = "no answer in time: check the address, the network and the timeouts"
    elif isinstance(error, ConnectionFailedError):
        advice = "could not connect: check the base URL, the network and the proxy setting"
    elif isinstance(error, MalformedStreamError):
        advice = "the answer is not in the expected form: check the protocol and the base URL"
    elif isinstance(error, ConfigurationError):
        advice = "the settings cannot be used as they are"
    else:
        advice = "unexpected failure"
    detail = str(error)
    if isinstance(error, AuthenticationError) and not key_sent:
        # The error's own text blames a key; none was sent, so show only what the server said.
        detail = f"HTTP {error.status}" + (
            f": {error.provider_message}" if error.provider_message else ""
        )
    return f"✗ {step} failed — {advice}.\n{detail}"


# The whole test (model list and first token) ends within this, whatever the timeouts say: a
# person is waiting for the verdict.
PROBE_TIME_LIMIT = 30.0


async def probe(
    network: Network,
    endpoint: Endpoint,
    key: str | None,
    model: str = "",
    *,
    time_limit: float = PROBE_TIME_LIMIT,
) -> ProbeResult:
    """List the models, then ask for a one-token answer and stop at its first text.

    Retries are off so the verdict comes at once and names the real cause. The answer is closed
    as soon as text arrives, so a server that ignores the token limit is not read to its end,
    and the whole test ends within `time_limit` seconds. Cancelling the task ends it at once and
    closes its connection.
    """
    try:
        engine = make_engine(network, max_retries=0)
    except ChatError as error:
        return ProbeResult(False, verdict_for(error, "Preparing the connection"))
    try:
        return await _probe(engine, endpoint_config(endpoint, key), endpoint, model, time_limit)
    finally:
        await engine.aclose()


async def _probe(
    engine: Engine, config: EndpointConfig, endpoint: Endpoint, model: str, time_limit: float
) -> ProbeResult:
    """The test itself; `step` names what was running when it failed or ran out of time."""
    models: tuple[str, ...] = ()
    listing_note = ""
    step = "Listing the models"
    try:
        async with asyncio.timeout(time_limit):
            try:
                models = tuple(await engine.list_models(config))
            except (NotFoundError, MalformedStreamError, BadRequestError) as error:
                # Many compatible servers stream fine but offer no model list.
                listing_note = f"(no model list: {error.message})"
            chosen = model or endpoint.default_model or (models[0] if models else "")
            if not chosen:
                return ProbeResult(
                    False,
                    f"? Connected, but no model to test with {listing_note}: set a default model",
                )
            step = f"Streaming from {chosen!r}"
            await _first_text(engine, config, chosen)
    except TimeoutError:
        late = TimeoutError_(f"The test gave up after {time_limit:g} s")
        return ProbeResult(False, verdict_for(late, step, key_sent=bool(config.api_key)), models)
    except ChatError as error:
        return ProbeResult(False, verdict_for(error, step, key_sent=bool(config.api_key)), models)
    listed = f"{len(models)} models listed" if models else listing_note or "no models listed"
    return ProbeResult(True, f"✓ Connection works: {listed}; {chosen!r} answered.", models)


async def _first_text(engine: Engine, config: EndpointConfig, model: str) -> None:
    """Ask for one token; return at the first text or reasoning (closing the stream), or at its end.

    Reasoning counts: a reasoning model thinks before it writes, and either proves it answers.
    """
    request = ChatRequest(model, Conversation(messages=[Message("user", "Hi")]), max_tokens=1)
    async with aclosing(engine.stream(config, request)) as events:
        async for event in events:
            if isinstance(event, TextDelta | ReasoningDelta):
                return
