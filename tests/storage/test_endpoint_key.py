"""A key bound to its endpoint's origin, and the words for a turn sent without one."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from keyring.backends import fail

from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.core.errors import AuthenticationError, ServerError
from desktop_chat.storage.endpoint_key import (
    WINDOW_REMEDY,
    EndpointKey,
    KeyMovedError,
    cli_remedy,
    endpoint_key,
    explain_refusal,
)
from desktop_chat.storage.origin import origin_of
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_document import decode, encode
from desktop_chat.storage.validation import SettingsError


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://API.Example.com/v1", "https://api.example.com"),
        ("https://api.example.com:443/v1", "https://api.example.com"),
        ("http://api.example.com:80", "http://api.example.com"),
        ("http://api.example.com:443", "http://api.example.com:443"),
        ("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434"),
        ("http://[::1]:8080/v1", "http://[::1]:8080"),
    ],
)
def test_origin_is_scheme_host_and_port(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize("url", ["api.example.com", "https://", "http://h:99999"])
def test_origin_of_a_non_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  # the message varies with the cause
        origin_of(url)


def test_an_endpoint_is_bound_to_its_url_unless_told_otherwise() -> None:
    ep = Endpoint("x", "openai", "https://api.example.com/v1")
    assert (ep.key_origin, ep.key_moved) == ("https://api.example.com", False)
    moved = dataclasses.replace(ep, base_url="http://127.0.0.1:9/v1")
    assert (moved.key_origin, moved.key_moved) == ("https://api.example.com", True)
    with pytest.raises(SettingsError, match="is not an origin"):
        Endpoint("x", "openai", "https://a.example", key_origin="https://a.example/path")


def test_the_binding_is_a_compatible_field_of_the_file() -> None:
    old = {
        "version": 1,
        "endpoints": [{"name": "x", "protocol": "openai", "base_url": "https://a.example/v1"}],
    }
    settings, problems = decode(old)
    assert problems == []
    assert settings.endpoints[0].key_origin == "https://a.example"  # existing setups keep working

    moved = Endpoint("x", "openai", "http://127.0.0.1:9/v1", key_origin="https://a.example")
    doc = encode(Settings((moved,)))
    assert doc["endpoints"][0]["key_origin"] == "https://a.example"  # type: ignore[index]
    assert decode(doc)[0].endpoints == (moved,)

    damaged = {**old, "endpoints": [{**old["endpoints"][0], "key_origin": 5}]}  # type: ignore[dict-item]
    settings, problems = decode(damaged)
    assert settings.endpoints[0].key_origin == "https://a.example"
    assert problems == ["endpoint 'x': key_origin 5 is not an origin such as "
                        "https://api.example.com; bound to the base URL's origin"]  # fmt: skip


def test_a_moved_key_is_held_back_and_a_missing_one_explained() -> None:
    store = KeyStore(session_only=True)
    ep = Endpoint("my ep", "openai", "https://a.example/v1")
    moved = dataclasses.replace(ep, base_url="http://b.example:8080/v1")

    async def lookups() -> list[object]:
        found: list[object] = [await endpoint_key(store, ep, cli_remedy(ep))]
        await store.aset("my ep", "sk-1")
        found.append(await endpoint_key(store, ep, WINDOW_REMEDY))
        try:
            await endpoint_key(store, moved, cli_remedy(moved))
        except KeyMovedError as exc:
            found.append(str(exc))
        found.append(await endpoint_key(KeyStore(fail.Keyring()), ep, WINDOW_REMEDY))
        return found

    missing, kept, held, no_keyring = asyncio.run(lookups())
    assert missing == EndpointKey(
        None, "no key stored for 'my ep': run `desktop-chat endpoint set-key 'my ep'`"
    )
    assert kept == EndpointKey("sk-1")
    assert held == (
        "The key for 'my ep' was stored for https://a.example, but the endpoint now points at "
        "http://b.example:8080; the key was not sent. To use it: run `desktop-chat endpoint edit "
        "'my ep' --move-key` to send it there, or store a key for the new address with "
        "`desktop-chat endpoint set-key 'my ep'`."
    )
    assert isinstance(no_keyring, EndpointKey)
    assert no_keyring.value is None
    assert no_keyring.keyring_problem is not None
    assert "no system keyring" in no_keyring.keyring_problem


def test_only_a_refusal_is_explained() -> None:
    refused = AuthenticationError("The API key was rejected", status=401, provider_message="bad")
    refused.partial = AssistantTurn("partial")
    explained = explain_refusal(refused, "no key stored for 'x': run it")
    assert str(explained) == "no key stored for 'x': run it (HTTP 401): bad"
    assert isinstance(explained, AuthenticationError)
    assert explained.partial == AssistantTurn("partial")
    assert explain_refusal(refused, None) is refused
    failed = ServerError("The provider's server failed", status=500)
    assert explain_refusal(failed, "no key stored") is failed
