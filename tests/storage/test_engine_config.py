"""From saved settings to the engine's configuration."""

from __future__ import annotations

from desktop_chat.core.engine import EndpointConfig
from desktop_chat.storage.engine_config import endpoint_config
from desktop_chat.storage.settings import Endpoint


def test_endpoint_config_carries_every_endpoint_field() -> None:
    saved = Endpoint(
        "Work", "openai", "https://llm.example/v1", "m", {"X-Team": "blue"},
        output_limit_field="max_completion_tokens",
    )  # fmt: skip
    config = endpoint_config(saved, "sk-test-0123456789")
    assert config == EndpointConfig(
        "openai", "https://llm.example/v1", "sk-test-0123456789", {"X-Team": "blue"},
        "max_completion_tokens",
    )  # fmt: skip


def test_auto_is_passed_on_for_the_provider_to_resolve() -> None:
    config = endpoint_config(Endpoint("Local", "openai", "http://localhost:11434/v1"), None)
    assert config.output_limit_field == "auto"
