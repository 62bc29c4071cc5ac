"""Check the layers below HTTP one by one: name lookup, TCP connection, TLS handshake.

An HTTP client folds these into one "could not connect"; a person fixing a setting needs to
know which of them failed (a typo in the host, a firewall, a proxy's own certificate). Each is
tried as the request would be: to the proxy when one is in force (the TLS to the endpoint then
travels inside the proxy's tunnel and is left to the HTTP check), with the settings' trust
store and timeouts.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import urllib.request
from dataclasses import dataclass
from typing import Literal

import httpx

from desktop_chat.core.errors import ConfigurationError
from desktop_chat.core.transport import tls_verification
from desktop_chat.i18n import _
from desktop_chat.storage.engine_config import transport_config
from desktop_chat.storage.settings import Network

Outcome = Literal["ok", "failed", "skipped"]
LAYERS = ("DNS", "TCP", "TLS", "HTTP", "auth", "stream")
_MARKS = {"ok": "✓", "failed": "✗", "skipped": "–"}
_MAX_ADDRESSES = 4  # tried in turn for TCP, as a client falls back from one address to the next


@dataclass(frozen=True, slots=True)
class Check:
    """One layer's verdict: `detail` says what was found, for a person."""

    layer: str
    outcome: Outcome
    detail: str

    @property
    def mark(self) -> str:
        return _MARKS[self.outcome]

    def line(self) -> str:
        return f"{self.mark} {self.layer}: {self.detail}"


def summary(checks: tuple[Check, ...]) -> str:
    """The layers on one line, e.g. ``DNS ✓  TCP ✗  TLS –  HTTP –  auth –  stream –``."""
    return "  ".join(f"{check.layer} {check.mark}" for check in checks)


def not_reached(after: tuple[Check, ...], why: str | None = None) -> tuple[Check, ...]:
    """The layers above those in `after`, each skipped for `why` (default: not reached)."""
    why = _("not reached") if why is None else why
    done = {check.layer for check in after}
    return tuple(Check(layer, "skipped", why) for layer in LAYERS if layer not in done)


def proxy_for(network: Network, url: httpx.URL) -> str | None:
    """The proxy a request to `url` goes through, or None when it goes direct."""
    host = url.host
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost"):
        return None  # the transport sends loopback past any proxy
    if network.proxy_mode == "custom":
        return network.proxy_url or None
    if network.proxy_mode == "none":
        return None
    found = urllib.request.getproxies()
    if urllib.request.proxy_bypass(host):  # NO_PROXY
        return None
    return found.get(url.scheme) or found.get("all") or None


async def reach(network: Network, base_url: str) -> tuple[Check, ...]:
    """Check DNS, TCP and TLS towards `base_url`; stop at the first that fails.

    Returns the checks made (the last one failed when the tuple is shorter than three).
    Every step is bounded by the connect timeout.
    """
    url = httpx.URL(base_url)
    proxy = proxy_for(network, url)
    target = httpx.URL(proxy) if proxy else url
    host = target.host
    port = target.port or (443 if target.scheme == "https" else 80)
    # The host as the checks name it: a proxy is said to be one.
    quoted, plain = repr(host), host
    if proxy:
        quoted = _("{host!r} (the proxy {host}:{port})").format(host=host, port=port)
        plain = _("{host} (the proxy {host}:{port})").format(host=host, port=port)
    limit = network.connect_timeout
    try:
        async with asyncio.timeout(limit):
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
    except socket.gaierror as exc:
        why = _("{host} cannot be resolved: {reason}").format(host=quoted, reason=exc.strerror)
        return (Check("DNS", "failed", why),)
    except TimeoutError:
        why = _("no answer for {host} within {seconds} s").format(host=quoted, seconds=f"{limit:g}")
        return (Check("DNS", "failed", why),)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))[:_MAX_ADDRESSES]
    dns = Check(
        "DNS", "ok", _("{host} is {addresses}").format(host=plain, addresses=", ".join(addresses))
    )
    tcp = await _connect(addresses, port, limit)
    if tcp.outcome == "failed":
        return dns, tcp
    if url.scheme != "https":
        return dns, tcp, Check("TLS", "skipped", _("plain HTTP, no TLS"))
    if proxy:
        return dns, tcp, Check("TLS", "skipped", _("inside the proxy's tunnel: see HTTP"))
    return dns, tcp, await _handshake(network, url.host, port, limit)


async def _connect(addresses: list[str], port: int, limit: float) -> Check:
    failures = []
    for address in addresses:
        try:
            async with asyncio.timeout(limit):
                _reader, writer = await asyncio.open_connection(address, port)
        except TimeoutError:
            failures.append(
                _("{address} port {port}: no answer within {seconds} s").format(
                    address=address, port=port, seconds=f"{limit:g}"
                )
            )
            continue
        except OSError as exc:  # asyncio's own wording hides the cause: name it by its errno
            why = os.strerror(exc.errno) if exc.errno else str(exc)
            failures.append(
                _("{address} port {port}: {reason}").format(address=address, port=port, reason=why)
            )
            continue
        writer.transport.abort()  # nothing to say: the connection itself was the test
        connected = _("connected to {address} port {port}").format(address=address, port=port)
        return Check("TCP", "ok", connected)
    return Check("TCP", "failed", "; ".join(failures))


async def _handshake(network: Network, host: str, port: int, limit: float) -> Check:
    try:
        verify = tls_verification(transport_config(network))
    except ConfigurationError as exc:
        return Check("TLS", "failed", exc.message)
    context = verify if isinstance(verify, ssl.SSLContext) else _unverified()
    try:
        async with asyncio.timeout(limit):
            _reader, writer = await asyncio.open_connection(
                host, port, ssl=context, server_hostname=host
            )
    except ssl.SSLCertVerificationError as exc:
        why = exc.verify_message or exc.reason or str(exc)
        why = _("the certificate of {host} is not trusted: {reason}").format(host=host, reason=why)
        return Check("TLS", "failed", why)
    except ssl.SSLError as exc:
        why = _("the handshake with {host} failed: {reason}").format(
            host=host, reason=exc.reason or exc
        )
        return Check("TLS", "failed", why)
    except TimeoutError:
        why = _("no handshake with {host} within {seconds} s").format(
            host=host, seconds=f"{limit:g}"
        )
        return Check("TLS", "failed", why)
    except OSError as exc:
        why = _("the connection to {host} broke: {reason}").format(
            host=host, reason=exc.strerror or exc
        )
        return Check("TLS", "failed", why)
    tls = writer.get_extra_info("ssl_object")
    version = (tls.version() if isinstance(tls, ssl.SSLObject) else None) or "TLS"
    writer.transport.abort()
    if not isinstance(verify, ssl.SSLContext):
        unchecked = _("{version}; the certificate is not checked (verify_tls off)")
        return Check("TLS", "ok", unchecked.format(version=version))
    trusted = _("{version}; the certificate of {host} is trusted")
    return Check("TLS", "ok", trusted.format(version=version, host=host))


def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
