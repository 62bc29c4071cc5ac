"""Build an engine from saved settings, and test an endpoint the way a turn would use it.

Qt-free, so the window, the settings dialog and their tests share one mapping from `Network` and
`Endpoint` to the engine's `TransportConfig`, `RetryPolicy` and `EndpointConfig`.
"""

from __future__ import annotations

import asyncio
import time
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
    StreamCutError,
    TimeoutError_,
)
from desktop_chat.core.events import ReasoningDelta, TextDelta
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.i18n import N_, _
from desktop_chat.session.reach import LAYERS, Check, not_reached, reach, summary
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
    """What "Test connection" found: a verdict for a person, the models listed (if any), and a
    check per layer (DNS, TCP, TLS, HTTP, auth, stream; empty when the settings were unusable).
    """

    ok: bool
    verdict: str
    models: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()


def verdict_for(error: ChatError, step: str, *, key_sent: bool = True) -> str:
    """Explain a failure by its cause, with what to check next; `step` names what failed."""
    if isinstance(error, AuthenticationError) and not key_sent:
        advice = _("the endpoint wants an API key and none is stored: type it above")
    elif isinstance(error, AuthenticationError):
        advice = _("the API key was refused: check the key and that it may use this endpoint")
    elif isinstance(error, NotFoundError):
        advice = _("nothing there: check the base URL (and the model name)")
    elif isinstance(error, RateLimitError):
        advice = _("the key works but the endpoint is rate limiting it: try again later")
    elif isinstance(error, ServerError):
        advice = _("the endpoint's server failed: the settings may be right, try again later")
    elif isinstance(error, BadRequestError):
        advice = _("the endpoint refused the request: check the model name and the protocol")
    elif isinstance(error, TimeoutError_):
        advice = _("no answer in time: check the address, the network and the timeouts")
    elif isinstance(error, ConnectionFailedError):
        advice = _("could not connect: check the base URL, the network and the proxy setting")
    elif isinstance(error, MalformedStreamError):
        advice = _("the answer is not in the expected form: check the protocol and the base URL")
    elif isinstance(error, ConfigurationError):
        advice = _("the settings cannot be used as they are")
    else:
        advice = _("unexpected failure")
    detail = str(error)
    if isinstance(error, AuthenticationError) and not key_sent:
        # The error's own text blames a key; none was sent, so show only what the server said.
        detail = f"HTTP {error.status}" + (
            f": {error.provider_message}" if error.provider_message else ""
        )
    return _("✗ {step} failed — {advice}.\n{detail}").format(
        step=step, advice=advice, detail=detail
    )


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
    """Check the layers below HTTP, list the models, then ask for a one-token answer.

    Retries are off so the verdict comes at once and names the real cause. The answer is closed
    as soon as text arrives, so a server that ignores the token limit is not read to its end,
    and the whole test ends within `time_limit` seconds. Cancelling the task ends it at once and
    closes its connection.
    """
    try:
        engine = make_engine(network, max_retries=0)
    except ChatError as error:
        return ProbeResult(False, verdict_for(error, _("Preparing the connection")))
    test = _Test(engine, endpoint_config(endpoint, key), endpoint)
    try:
        async with asyncio.timeout(time_limit):
            return await test.run(network, model)
    except TimeoutError:
        late = TimeoutError_(
            _("The test gave up after {seconds} s").format(seconds=f"{time_limit:g}")
        )
        test.failed(test.layer, _("no answer in time"))
        return test.result(verdict_for(late, test.step, key_sent=test.key_sent))
    finally:
        await engine.aclose()


class _Test:
    """One run of the test: what it has found so far, layer by layer."""

    def __init__(self, engine: Engine, config: EndpointConfig, endpoint: Endpoint) -> None:
        self.engine = engine
        self.config = config
        self.endpoint = endpoint
        self.key_sent = bool(config.api_key)
        self.checks: list[Check] = []
        self.models: tuple[str, ...] = ()
        self.step = _("Connecting")  # what is running, for the verdict when it fails
        self.layer = "DNS"  # the layer being tested, for the check when time runs out

    def failed(self, layer: str, detail: str) -> None:
        self.checks.append(Check(layer, "failed", detail))

    def result(self, verdict: str, *, ok: bool = False) -> ProbeResult:
        checks = tuple(self.checks)
        checks = tuple(sorted(checks + not_reached(checks), key=lambda c: LAYERS.index(c.layer)))
        return ProbeResult(ok, f"{verdict}\n{summary(checks)}", self.models, checks)

    async def run(self, network: Network, model: str) -> ProbeResult:
        self.checks.extend(await reach(network, self.endpoint.base_url))
        if self.checks[-1].outcome == "failed":
            last = self.checks[-1]
            return self.result(
                _("✗ {step} failed — {advice}.\n{detail}").format(
                    step=last.layer, advice=_(_ADVICE[last.layer]), detail=last.detail
                )
            )
        self.layer, self.step = "HTTP", _("Listing the models")
        listing_note = ""
        try:
            self.models = tuple(await self.engine.list_models(self.config))
            count = len(self.models)
            listed = _("the model list answered: {count} models").format(count=count)
        except (NotFoundError, MalformedStreamError, BadRequestError) as error:
            # Many compatible servers stream fine but offer no model list.
            listing_note = _("(no model list: {reason})").format(reason=error.message)
            listed = _("no model list ({cause})").format(cause=error.cause_label)
        except ChatError as error:
            return self._refused(error)
        chosen = model or self.endpoint.default_model or (self.models[0] if self.models else "")
        if not chosen:
            self.checks.append(Check("HTTP", "ok", listed))
            return self.result(
                _("? Connected, but no model to test with {note}: set a default model").format(
                    note=listing_note
                )
            )
        self.layer, self.step = "stream", _("Streaming from {model!r}").format(model=chosen)
        try:
            waited = await _first_text(self.engine, self.config, chosen)
        except (StreamCutError, MalformedStreamError, TimeoutError_) as error:
            self.checks += [Check("HTTP", "ok", listed), _auth_ok(self.key_sent)]
            self.failed("stream", str(error))
            return self.result(verdict_for(error, self.step, key_sent=self.key_sent))
        except ChatError as error:
            return self._refused(error)
        self.checks += [Check("HTTP", "ok", listed), _auth_ok(self.key_sent)]
        answered = _("{model!r} answered in {seconds} s").format(
            model=chosen, seconds=f"{waited:.2f}"
        )
        self.checks.append(Check("stream", "ok", answered))
        count = len(self.models)
        summary_text = (
            _("{count} models listed").format(count=count)
            if self.models
            else listing_note or _("no models listed")
        )
        works = _("✓ Connection works: {summary}; {model!r} answered.")
        return self.result(works.format(summary=summary_text, model=chosen), ok=True)

    def _refused(self, error: ChatError) -> ProbeResult:
        """A request failed before its answer began: at HTTP, or by the key it carried."""
        if isinstance(error, AuthenticationError):
            answered = _("answered HTTP {status}").format(status=error.status)
            self.checks.append(Check("HTTP", "ok", answered))
            self.failed("auth", _auth_refusal(error, self.key_sent))
        else:
            self.failed("HTTP", str(error))
        return self.result(verdict_for(error, self.step, key_sent=self.key_sent))


_ADVICE = {
    "DNS": N_("the host name does not resolve: check the base URL (and the proxy)"),
    "TCP": N_("nothing accepts connections there: check the port, the firewall and the proxy"),
    "TLS": N_(
        "the secure connection was refused: check the certificate, the CA file and the clock"
    ),
}


def _auth_ok(key_sent: bool) -> Check:
    return Check(
        "auth", "ok", _("the key was accepted") if key_sent else _("no key sent, none asked")
    )


def _auth_refusal(error: ChatError, key_sent: bool) -> str:
    said = f": {error.provider_message}" if error.provider_message else ""
    if key_sent:
        return _("the key was refused (HTTP {status}){said}").format(status=error.status, said=said)
    return _("the endpoint wants a key and none is stored (HTTP {status}){said}").format(
        status=error.status, said=said
    )


async def _first_text(engine: Engine, config: EndpointConfig, model: str) -> float:
    """Ask for one token; return at the first text or reasoning (closing the stream), or at its end.

    Reasoning counts: a reasoning model thinks before it writes, and either proves it answers.
    Returns the seconds waited.
    """
    started = time.monotonic()
    request = ChatRequest(model, Conversation(messages=[Message("user", "Hi")]), max_tokens=1)
    async with aclosing(engine.stream(config, request)) as events:
        async for event in events:
            if isinstance(event, TextDelta | ReasoningDelta):
                break
    return time.monotonic() - started
