"""The HTTP client every request goes through: timeouts always set, proxy and TLS from settings."""

from __future__ import annotations

import functools
import os
import ssl
from dataclasses import dataclass

import httpx

from desktop_chat.core.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class TransportConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # the longest silence allowed between two bytes of a response
    total_timeout: float | None = None  # the longest a whole turn may take, retries included
    idle_timeout: float = 300.0  # the longest a stream may go on with no answer content in it
    proxy_mode: str = "system"  # "system" (environment, NO_PROXY honoured) | "none" | "custom"
    proxy_url: str = ""
    verify_tls: bool = True
    ca_bundle: str = ""  # a PEM file trusted in addition to the system's store


def tls_verification(config: TransportConfig) -> ssl.SSLContext | bool:
    """What a client's `verify=` gets: False, or a context trusting the system and the CA file.

    Contexts are shared between clients: building one reads every system CA (~20 ms), which
    would otherwise hold up the first answer after each settings change. A CA file is read
    again when it changes.
    """
    if not config.verify_tls:
        return False
    stamp = None
    if config.ca_bundle:
        try:
            stat = os.stat(config.ca_bundle)
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            pass  # the context below names the problem
    return _context(config.ca_bundle, stamp)


@functools.lru_cache(maxsize=8)
def _context(ca_bundle: str, _stamp: tuple[int, int] | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"The CA bundle {ca_bundle!r} cannot be used: {exc}") from exc
    return context


def proxy_url(config: TransportConfig) -> str | None:
    """The proxy a client is given (None: the environment's, or none, by `proxy_mode`)."""
    if config.proxy_mode != "custom":
        return None
    if not config.proxy_url:
        raise ConfigurationError("A custom proxy is selected but no proxy URL is set")
    return config.proxy_url


def make_client(config: TransportConfig) -> httpx.AsyncClient:
    """Build the client for `config`; raises ConfigurationError for an unusable proxy or CA file."""
    timeout = httpx.Timeout(
        connect=config.connect_timeout,
        read=config.read_timeout,
        write=config.read_timeout,
        pool=config.connect_timeout,
    )
    try:
        return httpx.AsyncClient(
            timeout=timeout,
            proxy=proxy_url(config),
            trust_env=config.proxy_mode == "system",
            verify=tls_verification(config),
            follow_redirects=False,
        )
    except ValueError as exc:  # httpx rejects a malformed proxy URL here
        raise ConfigurationError(f"The proxy URL {config.proxy_url!r} is not valid: {exc}") from exc
