"""`desktop-chat doctor`, `endpoint test` and `models` as a user runs them, with a real keyring."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_chat import paths
from tests.support.keyring_session import RealKeyring
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream
from tests.support.tls import https_demo

KEY = "sk-doctor-0123456789abcdef"
Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(real_keyring: RealKeyring) -> Iterator[Cli]:
    """Run `desktop-chat` in a child process on the real keyring; forget the keys it stored."""
    names: list[str] = []

    def run(
        *args: str, stdin: str = "", extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = real_keyring.env()  # this process's environment as it is now
        if args[:2] == ("endpoint", "add"):
            names.append(args[2])
        result = subprocess.run(
            [sys.executable, "-m", "desktop_chat", *args],
            input=stdin, capture_output=True, text=True, timeout=60,
            env={**env, **(extra or {})}, check=False,
        )  # fmt: skip
        assert "Traceback" not in result.stdout + result.stderr
        assert KEY not in result.stdout + result.stderr
        return result

    yield run
    for name in names:
        run("endpoint", "delete-key", name)


def add(cli: Cli, name: str, base_url: str, *, key: str | None = None) -> None:
    added = cli("endpoint", "add", name, "--protocol", "openai", "--base-url", base_url,
                "--model", "m")  # fmt: skip
    assert added.returncode == 0, added.stderr
    if key is not None:
        assert cli("endpoint", "set-key", name, stdin=key).returncode == 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def layers(row: dict[str, object]) -> dict[str, str]:
    online = row["online"]
    assert isinstance(online, dict)
    return {check["layer"]: check["outcome"] for check in online["checks"]}


def test_the_doctor_reports_the_set_up_offline(cli: Cli) -> None:
    add(cli, "with-key", "http://127.0.0.1:1/v1", key=KEY)
    add(cli, "without", "http://127.0.0.1:2/v1")
    result = cli("doctor", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    profile = paths.profile_dir()
    assert report["ok"] is True
    assert report["profile"] == {"portable": True, "dir": str(profile)}
    assert report["paths"]["settings"] == str(profile / "settings.json")
    assert report["paths"]["history"] == str(profile / "history.sqlite3")
    assert report["paths"]["logs"] == str(profile / "logs")
    assert report["keyring"] == {"backend": "Secret Service", "works": True, "problem": None}
    assert report["network"]["proxy_mode"] == "system"
    assert report["network"]["verify_tls"] is True
    keys = {row["name"]: row["key"] for row in report["endpoints"]}
    assert keys == {"with-key": "stored", "without": "none"}
    assert all(row["online"] is None for row in report["endpoints"])

    text = cli("doctor")
    assert text.returncode == 0
    assert "Keyring    ✓ Secret Service" in text.stdout
    assert "with-key  openai  http://127.0.0.1:1/v1  key: stored" in text.stdout


def test_the_doctor_names_proxies_without_their_password(cli: Cli) -> None:
    proxy = {"HTTPS_PROXY": "http://alice:hunter2@proxy.invalid:3128", "NO_PROXY": "example.org"}
    result = cli("doctor", "--json", extra=proxy)
    network = json.loads(result.stdout)["network"]
    assert network["proxy"] == "https: http://proxy.invalid:3128"
    assert network["no_proxy"] == "example.org"
    assert "hunter2" not in result.stdout


def test_doctor_online_tests_every_endpoint_layer_by_layer(
    cli: Cli, sse_server: ScriptedServer
) -> None:
    add(cli, "good", sse_server.url + "/v1", key=KEY)
    add(cli, "closed", f"http://127.0.0.1:{closed_port()}/v1")
    add(cli, "nowhere", "http://nonexistent.invalid/v1")
    sse_server.route("GET", "/v1/models", Reply(body=b'{"data": [{"id": "m"}]}'))
    sse_server.script(Reply(chunks=openai_stream(["hi"])))
    result = cli("doctor", "--online", "--json")
    assert result.returncode == 1  # two of the three fail
    rows = {row["name"]: row for row in json.loads(result.stdout)["endpoints"]}
    assert layers(rows["good"]) == {
        "DNS": "ok", "TCP": "ok", "TLS": "skipped", "HTTP": "ok", "auth": "ok", "stream": "ok"
    }  # fmt: skip
    assert layers(rows["closed"])["TCP"] == "failed"
    assert layers(rows["nowhere"])["DNS"] == "failed"
    sent = [r for r in sse_server.requests if r.method == "POST"]
    assert [r.headers["authorization"] for r in sent] == [f"Bearer {KEY}"]

    sse_server.script(Reply(chunks=openai_stream(["hi"])))
    one = cli("doctor", "--online", "good")
    assert one.returncode == 0, one.stdout
    assert "✓ Connection works: 1 models listed; 'm' answered." in one.stdout
    assert "closed" not in one.stdout


def test_endpoint_test_names_the_failing_layer(cli: Cli, sse_server: ScriptedServer) -> None:
    add(cli, "refused", sse_server.url + "/v1", key=KEY)
    sse_server.route("GET", "/v1/models", Reply(401, body=b'{"error": {"message": "bad key"}}'))
    result = cli("endpoint", "test", "refused")
    assert result.returncode == 1
    assert "✗ auth: the key was refused (HTTP 401): bad key" in result.stdout
    assert "– stream: not reached" in result.stdout

    as_json = json.loads(cli("endpoint", "test", "refused", "--json").stdout)
    assert as_json["ok"] is False
    assert layers(as_json)["auth"] == "failed"

    missing = cli("endpoint", "test", "no-such")
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == "desktop-chat: no saved endpoint named 'no-such'\n"


def test_endpoint_test_fails_at_tls_for_an_untrusted_certificate(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a user's machine: this one points OpenSSL at its CA file through the environment.
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    with https_demo(tmp_path / "ca") as base_url:
        add(cli, "secure", base_url)
        result = cli("endpoint", "test", "secure", "--json")
    assert result.returncode == 1
    checks = layers(json.loads(result.stdout))
    assert (checks["TCP"], checks["TLS"], checks["HTTP"]) == ("ok", "failed", "skipped")


def test_a_broken_stream_fails_at_stream(cli: Cli, sse_server: ScriptedServer) -> None:
    add(cli, "cut", sse_server.url + "/v1")
    sse_server.route("GET", "/v1/models", Reply(404, body=b"{}"))
    sse_server.script(Reply(chunks=openai_stream(["x"])[:1], drop_after=1))
    result = cli("endpoint", "test", "cut", "--json")
    assert result.returncode == 1
    assert layers(json.loads(result.stdout))["stream"] == "failed"


def test_the_doctor_still_reports_with_a_broken_settings_file(cli: Cli) -> None:
    profile = paths.profile_dir()
    assert profile is not None
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "settings.json").write_text('{"version": 1,,}')
    result = cli("doctor")
    assert result.returncode == 2
    assert "Settings   " in result.stdout
    assert "line 1 column 15" in result.stdout
    assert "Keyring    ✓ Secret Service" in result.stdout


def test_models_lists_the_active_endpoints_models_with_its_stored_key(
    cli: Cli, sse_server: ScriptedServer
) -> None:
    name = f"models-{uuid.uuid4().hex[:6]}"
    add(cli, name, sse_server.url + "/v1", key=KEY)
    listing = Reply(body=b'{"data": [{"id": "m-b"}, {"id": "m-a"}]}')
    sse_server.route("GET", "/v1/models", listing)
    result = cli("models")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "m-a\nm-b\n"
    assert sse_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    as_json = cli("models", "--endpoint", name, "--json")
    assert json.loads(as_json.stdout) == {"endpoint": name, "models": ["m-a", "m-b"]}


def test_models_exit_codes(cli: Cli, sse_server: ScriptedServer) -> None:
    none_active = cli("models")
    assert none_active.returncode == 2
    assert "no endpoint is active" in none_active.stderr
    unknown = cli("models", "--endpoint", "nope")
    assert unknown.returncode == 2
    add(cli, "down", sse_server.url + "/v1")
    sse_server.route("GET", "/v1/models", Reply(503, body=b'{"error": {"message": "down"}}'))
    failed = cli("models", "--endpoint", "down")
    assert failed.returncode == 1
    assert failed.stderr.startswith("desktop-chat: 'down' could not list its models:")
    assert failed.stderr.count("\n") == 1
