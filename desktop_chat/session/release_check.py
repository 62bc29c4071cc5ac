"""Ask the release feed whether a newer Desktop Chat exists; never download or install anything.

The check is opt-in (``ui.check_for_updates`` for the window, ``desktop-chat update-check`` by
hand) and sends one GET and nothing else: no cookies, no identifiers, no key, a User-Agent of
``desktop-chat/VERSION`` and httpx's own Accept, Accept-Encoding and Connection headers. It goes
through the same client as every request (`core.transport.make_client`: the proxy and TLS
settings, redirects not followed) with a short timeout.

Which feed: a release build carries it, stamped by packaging (``desktop_chat/release_feed.txt``,
written from the release workflow's ``RELEASE_FEED_URL``: GitHub's ``releases/latest`` of the
repository that built it). ``DESKTOP_CHAT_RELEASE_FEED`` overrides it. A source install has no
feed and says so rather than guess one.

Errors::

    ReleaseCheckError          the check could not tell
    ├── FeedUnknown            this build knows no feed, or the override is not an http(s) URL
    └── FeedFailed             no answer, an HTTP error, or an answer that is not a release

Versions compare by :func:`version_key`, a small PEP 440 ordering of what releases use (dotted
numbers, aN/bN/rcN pre-releases, .postN, .devN, a leading ``v``); the ``packaging`` library is
not a runtime dependency of the app.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

import desktop_chat
from desktop_chat.core.transport import TransportConfig, make_client
from desktop_chat.i18n import _
from desktop_chat.storage.settings import Network

FEED_ENV = "DESKTOP_CHAT_RELEASE_FEED"
#: Written into release builds by packaging/app_info.py; absent from a source tree.
STAMP = Path(__file__).resolve().parent.parent / "release_feed.txt"
TIMEOUT = 10.0  # seconds for the whole check: it is never worth a longer wait
MAX_ANSWER = 1_000_000  # bytes; GitHub's answer for a release is a few kilobytes

_VERSION = re.compile(
    r"v?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|alpha|b|beta|c|rc|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:[-_.]?(?:post|rev|r)[-_.]?(?P<post>\d*))?"
    r"(?:[-_.]?dev[-_.]?(?P<dev>\d*))?",
    re.IGNORECASE,
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


class ReleaseCheckError(Exception):
    """The check could not tell whether a newer release exists."""


class FeedUnknown(ReleaseCheckError):
    """Raised when no feed is known, or the one named is not an http(s) URL."""


class FeedFailed(ReleaseCheckError):
    """Raised when the feed cannot be reached or its answer is not a release."""


@dataclass(frozen=True, slots=True)
class ReleaseCheck:
    """What the feed said: the newest release, and whether it is newer than this one."""

    current: str
    latest: str
    page: str  # the release's web page, for a person to read; nothing is downloaded
    newer: bool
    feed: str


def version_key(text: str) -> tuple[object, ...]:
    """Return a sort key ordering versions as PEP 440 does; raise ValueError for anything else.

    1.0.dev1 < 1.0a1 < 1.0b2 < 1.0rc1 < 1.0 == 1.0.0 < 1.0.post1 < 1.1
    """
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a version: {text!r}")
    release = [int(part) for part in match["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    post = match["post"]
    dev = match["dev"]
    if match["pre"]:
        pre: tuple[int, ...] = (0, _PRE_RANK[match["pre"].lower()], int(match["pre_n"] or 0))
    elif dev is not None and post is None:
        pre = (-1,)  # 1.0.dev1 comes before 1.0a1
    else:
        pre = (1,)  # a final release comes after its pre-releases
    post_key = (-1,) if post is None else (int(post or 0),)
    dev_key = (1,) if dev is None else (0, int(dev or 0))
    return (tuple(release), pre, post_key, dev_key)


def release_feed(environ: Mapping[str, str] | None = None, stamp: Path = STAMP) -> str:
    """Return the feed URL to ask: the override, else the build's stamp; raise FeedUnknown."""
    env = os.environ if environ is None else environ
    url = env.get(FEED_ENV, "").strip()
    origin = FEED_ENV
    if not url:
        try:
            url = stamp.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            url = ""
        except OSError as exc:
            raise FeedUnknown(
                _("the release feed {path} cannot be read: {reason}").format(path=stamp, reason=exc)
            ) from exc
        origin = str(stamp)
    if not url:
        raise FeedUnknown(
            _(
                "this build knows no release feed (a source install or a build without one); "
                "set {variable} to a releases/latest URL to check anyway"
            ).format(variable=FEED_ENV)
        )
    if not _is_http_url(url):
        raise FeedUnknown(
            _("the release feed in {origin} is not an http(s) URL: {url!r}").format(
                origin=origin, url=url
            )
        )
    return url


def _is_http_url(url: str) -> bool:
    if not re.fullmatch(r"https?://[^\s/?#]+(/\S*)?", url):
        return False
    try:
        parts = urlsplit(url)
        _port = parts.port  # raises ValueError when out of range
    except ValueError:
        return False
    return bool(parts.hostname)


async def check_release(
    network: Network,
    *,
    feed: str | None = None,
    current: str = desktop_chat.__version__,
    within: float = TIMEOUT,
) -> ReleaseCheck:
    """Ask `feed` (default: `release_feed()`) for the latest release; compare it with `current`.

    Gives up after `within` seconds. Raises FeedUnknown when no feed is known,
    core.errors.ConfigurationError when the network settings cannot make a request (a bad proxy
    URL or CA file), FeedFailed for anything the feed gets wrong.
    """
    url = release_feed() if feed is None else feed
    config = TransportConfig(
        connect_timeout=min(network.connect_timeout, within),
        read_timeout=min(network.read_timeout, within),
        proxy_mode=network.proxy_mode,
        proxy_url=network.proxy_url,
        verify_tls=network.verify_tls,
        ca_bundle=network.ca_bundle,
    )
    try:
        async with make_client(config) as client:
            body = await asyncio.wait_for(_get(client, url), within)
    except TimeoutError:
        raise FeedFailed(f"the release feed did not answer within {within:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        raise FeedFailed(f"the release feed could not be reached: {_describe(exc)}") from exc
    latest, page = _parse(body)
    try:
        newer = version_key(latest) > version_key(current)
    except ValueError as exc:
        raise FeedFailed(f"the release feed names no version this app can compare: {exc}") from exc
    return ReleaseCheck(current, latest.removeprefix("v"), page, newer, url)


async def _get(client: httpx.AsyncClient, url: str) -> bytes:
    headers = {"User-Agent": f"desktop-chat/{desktop_chat.__version__}"}
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            where = response.headers.get("location")
            moved = f" (moved to {where})" if where and response.is_redirect else ""
            raise FeedFailed(f"the release feed answered HTTP {response.status_code}{moved}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER:
                raise FeedFailed(f"the release feed's answer is larger than {MAX_ANSWER} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _parse(body: bytes) -> tuple[str, str]:
    """Return (version, page URL) from a GitHub release object."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FeedFailed("the release feed's answer is not JSON") from None
    if not isinstance(data, dict):
        raise FeedFailed("the release feed's answer is not a release")
    tag, page = data.get("tag_name"), data.get("html_url")
    if not isinstance(tag, str) or not tag.strip():
        raise FeedFailed("the release feed's answer names no version (tag_name)")
    if not isinstance(page, str) or not re.fullmatch(r"https?://\S+", page):
        raise FeedFailed("the release feed's answer has no http(s) release page (html_url)")
    return tag.strip(), page


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]


def as_json(result: ReleaseCheck) -> dict[str, object]:
    """Return the check's result as `update-check --json` prints it."""
    return {"status": "newer" if result.newer else "up-to-date", **dataclasses.asdict(result)}
