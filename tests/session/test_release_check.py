"""The release check against a feed on 127.0.0.1: what it concludes, and all it sends."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest

import desktop_chat
from desktop_chat.core.errors import ConfigurationError
from desktop_chat.session.release_check import (
    FEED_ENV,
    FeedFailed,
    FeedUnknown,
    as_json,
    check_release,
    release_feed,
    version_key,
)
from desktop_chat.storage.settings import Network
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.tls import make_certificates

PAGE = "https://github.com/example/desktop-chat/releases/tag/v2.0.0"


def release(tag: str, page: str = PAGE) -> Reply:
    return Reply(body=json.dumps({"tag_name": tag, "html_url": page, "draft": False}).encode())


def feed_of(server: ScriptedServer) -> str:
    return f"{server.url}/repos/example/desktop-chat/releases/latest"


# -- versions -------------------------------------------------------------------------------------


ORDERED = [
    "0.9",
    "1.0.dev1",
    "1.0a1",
    "1.0a2.dev1",
    "1.0a2",
    "1.0b1",
    "1.0rc1",
    "1.0",
    "1.0.post1",
    "1.0.1",
    "1.2",
    "1.10",
    "2.0.0rc2",
    "v2.0.0",
]


def test_versions_order_as_pep_440_says() -> None:
    keys = [version_key(v) for v in ORDERED]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(("a", "b"), [("1.0", "1.0.0"), ("v1.2", "1.2"), ("1.0-rc1", "1.0rc1")])
def test_spellings_of_one_version_are_equal(a: str, b: str) -> None:
    assert version_key(a) == version_key(b)


@pytest.mark.parametrize("text", ["", "latest", "1.0-foo", "1..2", "nightly-2026"])
def test_what_is_not_a_version_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a version"):
        version_key(text)


# -- which feed -----------------------------------------------------------------------------------


def test_a_source_install_knows_no_feed(tmp_path: Path) -> None:
    with pytest.raises(FeedUnknown, match="this build knows no release feed"):
        release_feed({}, stamp=tmp_path / "release_feed.txt")


def test_the_stamp_names_the_feed_and_the_environment_overrides_it(tmp_path: Path) -> None:
    stamp = tmp_path / "release_feed.txt"
    stamp.write_text("https://api.github.com/repos/o/r/releases/latest\n", encoding="utf-8")
    assert release_feed({}, stamp=stamp) == "https://api.github.com/repos/o/r/releases/latest"
    override = {FEED_ENV: "http://127.0.0.1:8/latest"}
    assert release_feed(override, stamp=stamp) == "http://127.0.0.1:8/latest"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "not a url",
        "http://127.0.0.1:99999/latest",
        "https://[::1/latest",
        "https:///latest",
    ],
)
def test_a_feed_that_is_not_http_is_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(FeedUnknown, match="not an http"):
        release_feed({FEED_ENV: url}, stamp=tmp_path / "none")


def test_a_source_tree_carries_no_stamp() -> None:
    from desktop_chat.session import release_check

    assert not release_check.STAMP.exists()


# -- the request ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "newer"), [("v99.0.0", True), (f"v{desktop_chat.__version__}", False), ("0.0.1", False)]
)
async def test_newer_same_and_older(sse_server: ScriptedServer, tag: str, newer: bool) -> None:
    sse_server.script(release(tag))
    result = await check_release(Network(), feed=feed_of(sse_server))
    assert result.newer is newer
    assert result.latest == tag.removeprefix("v")
    assert result.current == desktop_chat.__version__
    assert result.page == PAGE
    assert as_json(result)["status"] == ("newer" if newer else "up-to-date")


async def test_a_pre_release_is_older_than_its_release(sse_server: ScriptedServer) -> None:
    sse_server.script(release("v2.0.0rc1"))
    result = await check_release(Network(), feed=feed_of(sse_server), current="2.0.0")
    assert not result.newer


async def test_it_sends_one_get_and_nothing_else(sse_server: ScriptedServer) -> None:
    sse_server.script(release("v99.0.0"))
    await check_release(Network(), feed=feed_of(sse_server))
    (request,) = sse_server.requests
    assert request.method == "GET"
    assert request.path == "/repos/example/desktop-chat/releases/latest"
    assert request.body == b""
    assert request.headers["user-agent"] == f"desktop-chat/{desktop_chat.__version__}"
    # httpx's own transport headers; no cookie, no authorization, no identifier of any kind
    assert set(request.headers) == {"host", "accept", "accept-encoding", "connection", "user-agent"}


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(body=b"{not json"), "not JSON"),
        (Reply(body=b"[1, 2]"), "not a release"),
        (Reply(body=b'{"html_url": "https://x.example/r"}'), "names no version"),
        (Reply(body=b'{"tag_name": "v9", "html_url": "javascript:alert(1)"}'), "release page"),
        (Reply(body=b'{"tag_name": "nightly", "html_url": "https://x.example/r"}'), "compare"),
        (Reply(status=404, body=b'{"message": "Not Found"}'), "HTTP 404"),
        (Reply(status=301, headers={"Location": "https://elsewhere.example/"}), "moved to"),
    ],
)
async def test_an_answer_that_is_not_a_release_fails_plainly(
    sse_server: ScriptedServer, reply: Reply, message: str
) -> None:
    sse_server.script(reply)
    with pytest.raises(FeedFailed, match=message):
        await check_release(Network(), feed=feed_of(sse_server))
    assert len(sse_server.requests) == 1  # no retry, no redirect followed


async def test_a_slow_feed_is_given_up_on(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[b'{"tag_name": "v9"}'], stall=10))
    with pytest.raises(FeedFailed, match=r"did not answer within 0\.5 s"):
        await check_release(Network(), feed=feed_of(sse_server), within=0.5)


async def test_a_closed_port_fails_plainly() -> None:
    with pytest.raises(FeedFailed, match="could not be reached"):
        await check_release(Network(), feed="http://127.0.0.1:9/latest")


async def test_an_unknown_feed_sends_nothing(tmp_path: Path) -> None:
    with pytest.raises(FeedUnknown):
        await check_release(Network())


async def test_a_bad_proxy_setting_is_a_configuration_error() -> None:
    network = Network(proxy_mode="custom", proxy_url="")
    with pytest.raises(ConfigurationError, match="no proxy URL"):
        await check_release(network, feed="https://api.github.invalid/latest")


async def test_the_check_trusts_what_requests_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    ca, cert, key = make_certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with ScriptedServer() as server:
        httpd = server._httpd  # the scripted server over TLS: the handshake runs in accept()
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        server.script(release("v99.0.0"))
        feed = feed_of(server).replace("http://", "https://")
        with pytest.raises(FeedFailed, match="CERTIFICATE_VERIFY_FAILED"):
            await check_release(Network(), feed=feed)
        result = await check_release(Network(ca_bundle=str(ca)), feed=feed)
        assert result.newer
