"""Where a turn goes: settings plus the key store turned into a `Target`, for the window and `ask`.

One mapping for both faces, so the demo, a saved endpoint and a command line's flags all become the
same `EndpointConfig`, and a refusal of a turn that sent no key is explained the same way. The
window reads the key inside the turn's task (`key_source`); `ask` reads it before it starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# The network stack loads with the first turn, not with the window (start-up time).
if TYPE_CHECKING:
    from desktop_chat.core.engine import EndpointConfig
    from desktop_chat.core.errors import ChatError
    from desktop_chat.storage.endpoint_key import Remedy
    from desktop_chat.storage.price import ModelPrice
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.storage.settings import Endpoint

# Reads the key to send in the turn's own task (None: send none).
KeySource = Callable[[], Awaitable[str | None]]


class TargetError(Exception):
    """No turn can start (no model chosen, unusable network settings); the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """Everything a turn needs besides the conversation and the engine."""

    endpoint: EndpointConfig
    model: str
    key: KeySource | None = None  # when set, read in the turn; it replaces endpoint.api_key
    # Why no key is sent, once known (a key source fills it as it reads), to explain a refusal.
    missing_key: list[str] = field(default_factory=list)
    price: ModelPrice | None = None  # what the user pays for the model, when they said

    def explain(self, error: ChatError) -> ChatError:
        """Reword a refusal (401/403) in the light of the key that was not sent."""
        from desktop_chat.storage.endpoint_key import explain_refusal

        return explain_refusal(error, self.missing_key[0] if self.missing_key else None)

    async def config(self) -> EndpointConfig:
        """The endpoint with the key read (raises what the key source raises)."""
        if self.key is None:
            return self.endpoint
        return dataclasses.replace(self.endpoint, api_key=await self.key())


def demo_target(base_url: str, model: str) -> Target:
    """The built-in offline demo server at `base_url`."""
    from desktop_chat.core.engine import EndpointConfig

    return Target(EndpointConfig("openai", base_url), model)


def address_target(
    protocol: str, base_url: str, model: str, key: str | None, output_limit_field: str = "auto"
) -> Target:
    """An endpoint given by its address alone (no saved settings, no key store)."""
    from desktop_chat.core.engine import EndpointConfig

    return Target(EndpointConfig(protocol, base_url, key, {}, output_limit_field), model)


def saved_target(
    endpoint: Endpoint,
    model: str,
    *,
    key: str | KeySource | None = None,
    missing_key: list[str] | None = None,
    protocol: str | None = None,
    output_limit_field: str | None = None,
) -> Target:
    """A saved endpoint, with the key read already (a string) or read in the turn (a source).

    `missing_key` holds why no key is sent: the source's list, or what the caller found.
    """
    from desktop_chat.storage.engine_config import endpoint_config

    config = endpoint_config(endpoint, key if isinstance(key, str) else None)
    config = dataclasses.replace(
        config,
        protocol=protocol or config.protocol,
        output_limit_field=output_limit_field or config.output_limit_field,
    )
    source = None if key is None or isinstance(key, str) else key
    missing = [] if missing_key is None else missing_key
    return Target(config, model, source, missing, endpoint.prices.get(model))


def key_source(
    store: KeyStore,
    endpoint: Endpoint,
    remedy: Remedy,
    missing: list[str],
    on_keyring_problem: Callable[[str], None] | None = None,
    on_key: Callable[[str], None] | None = None,
) -> KeySource:
    """Read the endpoint's key when the turn runs; why none is sent is appended to `missing`.

    Raises KeyMovedError for a key stored for another origin, KeyStoreError for a locked keyring.
    """

    async def key() -> str | None:
        from desktop_chat.storage.endpoint_key import endpoint_key

        found = await endpoint_key(store, endpoint, remedy)
        if found.missing is not None:
            missing.append(found.missing[0].upper() + found.missing[1:])
        if found.keyring_problem is not None and on_keyring_problem is not None:
            on_keyring_problem(found.keyring_problem)
        if found.value and on_key is not None:
            on_key(found.value)
        return found.value

    return key
