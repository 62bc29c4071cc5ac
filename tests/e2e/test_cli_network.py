"""Network settings as a user meets them: proxies never stand before this machine, and a CA
file is checked before it is saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import certifi
import pytest

from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port here
PROXIES = dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"), CLOSED)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip


def saved_network() -> dict[str, object]:
    shown = json.loads(run("config", "show", "--json").stdout)["settings"]
    return {k: v for k, v in shown.items() if k.startswith("network.")}


@pytest.mark.parametrize("proxy", ["environment", "custom"])
def test_the_demo_answers_behind_a_proxy(proxy: str) -> None:
    env = PROXIES if proxy == "environment" else {}
    if proxy == "custom":
        assert run("config", "set", "network.proxy_mode", "custom").returncode == 0
        assert run("config", "set", "network.proxy_url", CLOSED).returncode == 0
    result = run("ask", "--demo", "--max-retries", "0", "hello", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_endpoint_is_reached_past_the_proxy(
    sse_server: ScriptedServer, host: str
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream(["local ", "answer"])) for _ in range(2)))
    base_url = sse_server.url.replace("127.0.0.1", host) + "/v1"
    args = ("ask", "--protocol", "openai", "--base-url", base_url, "--model", "m")
    result = run(*args, "--max-retries", "0", "hi", env=PROXIES)
    assert (result.returncode, result.stdout) == (0, "local answer\n"), result.stderr
    assert run("config", "set", "network.proxy_mode", "custom").returncode == 0
    assert run("config", "set", "network.proxy_url", CLOSED).returncode == 0
    result = run(*args, "--max-retries", "0", "hi")
    assert (result.returncode, result.stdout) == (0, "local answer\n"), result.stderr


def test_a_ca_file_without_certificates_is_not_saved(tmp_path: Path) -> None:
    before = saved_network()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a certificate")
    for path, problem in ((tmp_path / "gone.pem", "does not exist"), (notes, "no usable PEM")):
        result = run("config", "set", "network.ca_bundle", str(path))
        assert result.returncode == 2
        assert result.stdout == ""
        assert problem in result.stderr
        assert "nothing was saved" in result.stderr
        assert "Traceback" not in result.stderr
        assert saved_network() == before
    result = run("config", "set", "network.ca_bundle", certifi.where())
    assert (result.returncode, result.stderr) == (0, "")
    assert saved_network()["network.ca_bundle"] == certifi.where()


def test_a_relative_ca_file_is_saved_as_an_absolute_path(tmp_path: Path) -> None:
    (tmp_path / "corp.pem").write_bytes(Path(certifi.where()).read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "config", "set", "network.ca_bundle", "corp.pem"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert saved_network()["network.ca_bundle"] == str(tmp_path / "corp.pem")


def test_turning_off_certificate_checks_says_what_it_turns_off() -> None:
    result = run("config", "set", "network.verify_tls", "false")
    assert result.returncode == 0
    assert result.stdout == "network.verify_tls = false\n"
    assert result.stderr.startswith("warning: HTTPS certificates are no longer checked")
    assert "API keys" in result.stderr
    assert run("config", "set", "network.verify_tls", "true").stderr == ""


def test_a_ca_file_that_went_missing_stops_only_https(tmp_path: Path) -> None:
    corp = tmp_path / "corp.pem"
    corp.write_bytes(Path(certifi.where()).read_bytes())
    assert run("config", "set", "network.ca_bundle", str(corp)).returncode == 0
    corp.unlink()
    demo = run("ask", "--demo", "--max-retries", "0", "hello")
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip()
    # Port 9 of this machine: refused before any byte if the CA file were not the problem.
    args = ("--protocol", "openai", "--base-url", "https://127.0.0.1:9/v1", "--model", "m")
    secure = run("ask", *args, "--max-retries", "0", "hi")
    assert secure.returncode == 1  # the turn failed; nothing was retried
    assert f"The CA bundle {str(corp)!r} does not exist" in secure.stderr
    assert "Traceback" not in secure.stderr
