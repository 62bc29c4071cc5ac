"""Turn saved settings into engine objects, and test an endpoint the way a turn would use it.

Qt-free, so the window, the settings dialog and their tests share one mapping from `Network` and
`Endpoint` to the engine's `TransportConfig`, `RetryPolicy` and `EndpointConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, Engine
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


def verdict_for(error: ChatError, step: str) -> str:
    """Explain a failure by its cause, with what to check next; `step` names what failed."""
    if isinstance(error, AuthenticationError):
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
    return f"✗ {step} failed — {advice}.\n{error}"


async def probe(
    network: Network, endpoint: Endpoint, key: str | None, model: str = ""
) -> ProbeResult:
    """List the models, then stream a one-token answer; stop at the first failure.

    Retries are off so the verdict comes at once and names the real cause.
    """
    try:
        engine = make_engine(network, max_retries=0)
    except ChatError as error:
        return ProbeResult(False, verdict_for(error, "Preparing the connection"))
    config = endpoint_config(endpoint, key)
    models: tuple[str, ...] = ()
    listing_note = ""
    try:
        try:
            models = tuple(await engine.list_models(config))
        except (NotFoundError, MalformedStreamError, BadRequestError) as error:
            # Many compatible servers stream fine but offer no model list.
            listing_note = f"(no model list: {error.message})"
        except ChatError as error:
            return ProbeResult(False, verdict_for(error, "Listing the models"))
        chosen = model or endpoint.default_model or (models[0] if models else "")
        if not chosen:
            return ProbeResult(
                False, f"? Connected, but no model to test with {listing_note}: set a default model"
            )
        request = ChatRequest(chosen, Conversation(messages=[Message("user", "Hi")]), max_tokens=1)
        try:
            await engine.run(config, request)
        except ChatError as error:
            return ProbeResult(False, verdict_for(error, f"Streaming from {chosen!r}"), models)
    finally:
        await engine.aclose()
    listed = f"{len(models)} models listed" if models else listing_note or "no models listed"
    return ProbeResult(True, f"✓ Connection works: {listed}; {chosen!r} answered.", models)
