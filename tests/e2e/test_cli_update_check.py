"""`desktop-chat update-check` as a user runs it, against a release feed on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import desktop_chat
from tests.support.sse_server import Reply, ScriptedServer

PAGE = "https://github.com/example/desktop-chat/releases/tag/v99.0.0"


def run(*args: str, feed: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DESKTOP_CHAT_RELEASE_FEED"}
    if feed is not None:
        env["DESKTOP_CHAT_RELEASE_FEED"] = feed
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", "update-check", *args],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip


def release(tag: str) -> Reply:
    return Reply(body=json.dumps({"tag_name": tag, "html_url": PAGE}).encode())


def test_a_newer_release_is_named_with_its_page(sse_server: ScriptedServer) -> None:
    sse_server.script(release("v99.0.0"))
    result = run(feed=f"{sse_server.url}/latest")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Desktop Chat 99.0.0 is available (this is {desktop_chat.__version__}): {PAGE}\n"
    )
    assert len(sse_server.requests) == 1


def test_json_says_up_to_date(sse_server: ScriptedServer) -> None:
    sse_server.script(release(f"v{desktop_chat.__version__}"))
    feed = f"{sse_server.url}/latest"
    result = run("--json", feed=feed)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "status": "up-to-date",
        "current": desktop_chat.__version__,
        "latest": desktop_chat.__version__,
        "page": PAGE,
        "newer": False,
        "feed": feed,
    }


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (Reply(status=404, body=b'{"message": "Not Found"}'), "the release feed answered HTTP 404"),
        (Reply(body=b"{oops"), "the release feed's answer is not JSON"),
    ],
)
def test_a_failed_check_exits_1_with_one_line(
    sse_server: ScriptedServer, reply: Reply, why: str
) -> None:
    sse_server.script(reply)
    result = run(feed=f"{sse_server.url}/latest")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"desktop-chat: update check failed: {why}\n"


def test_a_source_install_says_it_knows_no_feed() -> None:
    result = run()
    assert result.returncode == 2
    assert result.stderr.startswith("desktop-chat: this build knows no release feed")
    assert "Traceback" not in result.stderr


def test_a_feed_that_is_not_http_exits_2() -> None:
    result = run(feed="file:///etc/passwd")
    assert result.returncode == 2
    assert "not an http(s) URL" in result.stderr


def test_wrong_network_settings_exit_2() -> None:
    proxy = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "config", "set", "network.proxy_mode", "custom"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proxy.returncode == 0, proxy.stderr
    result = run(feed="https://api.github.invalid/latest")
    assert result.returncode == 2
    assert "no proxy URL is set" in result.stderr
