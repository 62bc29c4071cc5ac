"""Which redirects a request follows: within its endpoint's origin, keeping its method and body.

A chat API that answers 3xx has usually moved, or sits behind a gateway that sends a login page.
Following such an answer blindly would send the key to whatever host the Location names (httpx
drops `Authorization` on a cross-origin hop, but not `x-api-key` or a custom header) and would
turn a POST into a GET on 301/302/303. So:

- 307 and 308 within the same origin (scheme, host and port) are followed with the same method,
  body and headers, at most MAX_REDIRECTS hops;
- 301, 302 and 303 within the origin are followed only for a GET (the model list);
- anything else is reported, never followed: "The server redirected to LOCATION (HTTP 307)", with
  why and what to change. It is not retried: the same request gets the same answer.
"""

from __future__ import annotations

import httpx

from desktop_chat.core.errors import REDACTED, RedirectError
from desktop_chat.i18n import _

MAX_REDIRECTS = 5


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port, the port filled in when it is the scheme's default."""
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def redirect_target(
    response: httpx.Response, method: str, may_follow: bool, key: str | None
) -> str | RedirectError | None:
    """Where to go next: None for an answer that is not a redirect, a URL for one to follow,
    or the error naming where an unfollowed one pointed and why (`key` redacted from it)."""
    status = response.status_code
    if not 300 <= status < 400:
        return None
    location = response.headers.get("location")
    if not location:
        return RedirectError(
            _("The server answered with a redirect without saying where"), status=status
        )
    try:
        target = response.url.join(location)
    except httpx.InvalidURL:
        shown = location.replace(key, REDACTED) if key else location
        return RedirectError(
            _("The server redirected to an invalid address {url!r}").format(url=shown),
            status=status,
        )
    same_origin = origin(target) == origin(response.url)
    keeps_method = status in (307, 308) or (method == "GET" and status in (301, 302, 303))
    if same_origin and keeps_method and may_follow:
        return str(target)
    if not same_origin:
        advice = _(
            "redirects to another origin are not followed, so the key stays with its "
            "endpoint: if the service moved, change the endpoint's base URL"
        )
    elif not keeps_method:
        advice = _(
            "a {method} is not followed through HTTP {status}, which would turn it into a GET: "
            "change the endpoint's base URL to the new address"
        ).format(method=method, status=status)
    else:
        advice = _("too many redirects (more than {limit})").format(limit=MAX_REDIRECTS)
    shown = str(target).replace(key, REDACTED) if key else str(target)
    return RedirectError(
        _("The server redirected to {url}").format(url=shown), status=status, advice=advice
    )
