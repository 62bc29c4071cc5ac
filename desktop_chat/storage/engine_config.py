"""From saved settings to the engine's configuration: the one mapping every face uses."""

from __future__ import annotations

from desktop_chat.core.engine import EndpointConfig
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.storage.settings import Endpoint, Network


def transport_config(network: Network) -> TransportConfig:
    return TransportConfig(
        connect_timeout=network.connect_timeout,
        read_timeout=network.read_timeout,
        total_timeout=network.total_timeout,
        idle_timeout=network.idle_timeout,
        proxy_mode=network.proxy_mode,
        proxy_url=network.proxy_url,
        verify_tls=network.verify_tls,
        ca_bundle=network.ca_bundle,
    )


def retry_policy(network: Network) -> RetryPolicy:
    return RetryPolicy(
        max_retries=network.max_retries,
        base_delay=network.backoff_base,
        max_delay=max(network.backoff_max, network.backoff_base),
    )


def endpoint_config(endpoint: Endpoint, key: str | None) -> EndpointConfig:
    return EndpointConfig(
        endpoint.protocol,
        endpoint.base_url,
        key,
        dict(endpoint.extra_headers),
        endpoint.output_limit_field,
        reasoning_effort=endpoint.reasoning_effort,
        thinking_budget=endpoint.thinking_budget,
        prompt_caching=endpoint.prompt_caching,
    )
