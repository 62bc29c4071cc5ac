"""The HTTP client every request goes through: timeouts always set, proxy and TLS from settings.

Certificates are verified against the operating system's trust store, plus the CA file the
user names: on macOS and Windows by the platform's own verifier (`truststore`), elsewhere by
OpenSSL with the distribution's CA file. `ssl.create_default_context()` alone would trust only
where the running OpenSSL was built to look, which a frozen app carries from its build machine:
on Linux that is `/usr/lib/ssl`, absent on Fedora, Arch and openSUSE, and python.org's macOS
build has no CAs at all.

Loopback hosts never go through a proxy (as browsers do): the demo endpoint, Ollama and LM
Studio live there, and a proxy elsewhere cannot reach them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import ssl
import sys
from dataclasses import dataclass

import httpx

from desktop_chat.core.errors import ConfigurationError
from desktop_chat.i18n import _

#: Reached directly whatever the proxy setting: the names that always mean this machine.
LOOPBACK_HOSTS = ("localhost", "*.localhost", "127.0.0.1", "[::1]")
#: Where distributions keep their CA bundle, first match wins (truststore's list, from
#: certifi-system-store): Alpine, Arch, Fedora 34-43, RHEL 9-10, BSD; Fedora 44+, RHEL 11+;
#: older Fedora, RHEL and CentOS; Debian and Ubuntu; SUSE.
SYSTEM_CA_FILES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
_HASHED_CERT_NAME = re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")


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
    again when it changes. Raises ConfigurationError when the CA file cannot be used.
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
    context = _system_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except FileNotFoundError as exc:
            raise ConfigurationError(
                _("The CA bundle {path!r} does not exist").format(path=ca_bundle)
            ) from exc
        except ssl.SSLError as exc:  # OpenSSL found no certificate, or a broken one
            raise ConfigurationError(
                _("The CA bundle {path!r} holds no usable PEM certificates ({reason})").format(
                    path=ca_bundle, reason=exc.reason
                )
            ) from exc
        except OSError as exc:
            raise ConfigurationError(
                _("The CA bundle {path!r} cannot be read: {reason}").format(
                    path=ca_bundle, reason=exc.strerror or exc
                )
            ) from exc
    return context


def _system_context() -> ssl.SSLContext:
    """A context trusting the operating system's store."""
    if sys.platform == "darwin" or sys.platform == "win32":
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # What truststore does here, but once: it loads the CA file into OpenSSL at every handshake,
    # ~25 ms on the event loop for each new connection.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    defaults = ssl.get_default_verify_paths()  # None where OpenSSL's own places do not exist
    if defaults.cafile or (defaults.capath and _holds_hashed_certificates(defaults.capath)):
        context.set_default_verify_paths()
        return context
    cafile = next((path for path in SYSTEM_CA_FILES if os.path.isfile(path)), None)
    if cafile is not None:
        context.load_verify_locations(cafile=cafile)
    return context


def _holds_hashed_certificates(capath: str) -> bool:
    try:
        return any(_HASHED_CERT_NAME.match(name) for name in os.listdir(capath))
    except OSError:
        return False


def check_ca_bundle(path: str) -> None:
    """Raise ConfigurationError unless `path` is a file of certificates a context can load."""
    if not os.path.isfile(path):  # OpenSSL would read a directory as an empty file
        if os.path.exists(path):
            raise ConfigurationError(_("The CA bundle {path!r} is not a file").format(path=path))
        raise ConfigurationError(_("The CA bundle {path!r} does not exist").format(path=path))
    tls_verification(TransportConfig(ca_bundle=path))


def proxy_url(config: TransportConfig) -> str | None:
    """The proxy a client is given (None: the environment's, or none, by `proxy_mode`)."""
    if config.proxy_mode != "custom":
        return None
    if not config.proxy_url:
        raise ConfigurationError(_("A custom proxy is selected but no proxy URL is set"))
    return config.proxy_url


def direct_routes() -> dict[str, None]:
    """A client's `mounts=` that send loopback hosts past any proxy, environment or custom."""
    return {f"all://{host}": None for host in LOOPBACK_HOSTS}


class _HttpsRefused(httpx.AsyncBaseTransport):
    """Carry plain HTTP; fail each HTTPS request with why its CA file cannot be used.

    A bad CA file concerns only the endpoints that verify certificates: the demo and other
    plain-HTTP endpoints keep working, and each HTTPS one says what to fix.
    """

    def __init__(self, error: ConfigurationError, plain: httpx.AsyncBaseTransport) -> None:
        self._error = error
        self._plain = plain

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            raise ConfigurationError(self._error.message)
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()


def make_client(config: TransportConfig) -> httpx.AsyncClient:
    """Build the client for `config`; raises ConfigurationError for an unusable proxy."""
    timeout = httpx.Timeout(
        connect=config.connect_timeout,
        read=config.read_timeout,
        write=config.read_timeout,
        pool=config.connect_timeout,
    )
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {**direct_routes()}
    transport = None
    try:
        verify = tls_verification(config)
    except ConfigurationError as error:
        # The system store still verifies an HTTPS proxy; every HTTPS request, proxied or
        # direct, goes to the refusing transport (the scheme route outranks the proxy's "all").
        verify = tls_verification(dataclasses.replace(config, ca_bundle=""))
        transport = _HttpsRefused(error, httpx.AsyncHTTPTransport(verify=verify))
        mounts["https://"] = transport
    try:
        return httpx.AsyncClient(
            timeout=timeout,
            proxy=proxy_url(config),
            trust_env=config.proxy_mode == "system",
            verify=verify,
            transport=transport,
            mounts=mounts,
            follow_redirects=False,
        )
    except ValueError as exc:  # httpx rejects a malformed proxy URL here
        raise ConfigurationError(
            _("The proxy URL {url!r} is not valid: {reason}").format(
                url=config.proxy_url, reason=exc
            )
        ) from exc
