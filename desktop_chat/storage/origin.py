"""The origin of a URL (scheme, host and port): the unit a key is bound to."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of ``url``, lower-cased, the default port left out.

    Two URLs share an origin exactly when their results are equal: ``https://API.example.com/v1``
    and ``https://api.example.com:443/other`` do, ``http://...`` and ``https://...`` do not.
    Raises ValueError for a URL without a scheme or host, or with a bad port.
    """
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), parts.hostname
    if not scheme or not host:
        raise ValueError(f"{url!r} has no scheme or host")
    port = parts.port  # ValueError for a port out of range or not a number
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"
