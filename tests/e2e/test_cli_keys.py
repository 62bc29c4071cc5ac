"""Keys belong to one profile and one endpoint: subprocesses against a real Secret Service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, SERVICE, mcp_header_entry
from tests.support.keyring_session import RealKeyring
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

KEY = "sk-profile-a-0123456789abcdef"


def run_in(
    profile: Path | None, env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run the command in a child process, in `profile` (None: the normal profile)."""
    env = dict(env)
    env.pop("DESKTOP_CHAT_HOME", None)
    where = [] if profile is None else ["--profile-dir", str(profile)]
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", *where, *args],
        input=stdin, capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def name(real_keyring: RealKeyring) -> Iterator[str]:
    """An endpoint (and MCP server) name; every entry it could have is removed afterwards."""
    value = f"x{uuid.uuid4().hex[:8]}"
    yield value
    backend = real_keyring.backend
    for base, user in ((SERVICE, value), (MCP_HEADER_SERVICE, mcp_header_entry(value, "X-Token"))):
        for scope in _scopes(base):
            if backend.get_password(scope, user) is not None:
                backend.delete_password(scope, user)


def _scopes(base: str) -> list[str]:
    return [base, f"{base}/default", *(f"{base}/{i}" for i in _ids)]


_ids: list[str] = []  # the profile ids the tests created, for clean-up


def _id_of(profile: Path) -> str:
    found = (profile / "keyring-id").read_text().strip()
    _ids.append(found)
    return found


def test_a_profile_never_sees_or_deletes_another_profiles_key(
    real_keyring: RealKeyring, tmp_path: Path, name: str
) -> None:
    env = real_keyring.env()
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_in(a, env, "endpoint", "add", name, "--protocol", "openai",
                  "--base-url", "https://api.example.com/v1").returncode == 0  # fmt: skip
    saved = run_in(a, env, "endpoint", "set-key", name, stdin=KEY + "\n")
    assert saved.returncode == 0, saved.stderr
    added = run_in(b, env, "endpoint", "add", name, "--protocol", "openai",
                   "--base-url", "http://127.0.0.1:9/v1")  # fmt: skip
    assert added.returncode == 0, added.stderr

    listed = run_in(b, env, "endpoint", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["endpoints"][0]["has_key"] is False
    removed = run_in(b, env, "endpoint", "remove", name)
    assert removed.returncode == 0, removed.stderr
    assert "(it had no stored key)" in removed.stdout

    listed = run_in(a, env, "endpoint", "list", "--json")
    assert json.loads(listed.stdout)["endpoints"][0]["has_key"] is True
    backend = real_keyring.backend
    assert backend.get_password(f"{SERVICE}/{_id_of(a)}", name) == KEY
    assert backend.get_password(SERVICE, name) is None  # nothing shared under the bare name


def test_a_profile_never_sees_or_deletes_another_profiles_header_value(
    real_keyring: RealKeyring, tmp_path: Path, name: str
) -> None:
    env = real_keyring.env()
    a, b = tmp_path / "a", tmp_path / "b"
    for profile in (a, b):
        added = run_in(profile, env, "mcp", "add", name, "--url", "http://127.0.0.1:9/mcp",
                       "--keyring-header", "X-Token")  # fmt: skip
        assert added.returncode == 0, added.stderr
    saved = run_in(a, env, "mcp", "set-header", name, "X-Token", stdin="tok-a\n")
    assert saved.returncode == 0, saved.stderr
    removed = run_in(b, env, "mcp", "remove", name)
    assert removed.returncode == 0, removed.stderr
    assert "and its header values" not in removed.stdout  # B had none to delete
    entry = mcp_header_entry(name, "X-Token")
    assert real_keyring.backend.get_password(f"{MCP_HEADER_SERVICE}/{_id_of(a)}", entry) == "tok-a"


def test_the_normal_profile_keeps_keys_an_earlier_version_stored(
    real_keyring: RealKeyring, tmp_path: Path, name: str
) -> None:
    env = real_keyring.env()
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp_path / var.lower())
    backend = real_keyring.backend
    backend.set_password(SERVICE, name, KEY)  # as every earlier version stored keys
    portable = tmp_path / "portable"
    for profile in (None, portable):
        added = run_in(profile, env, "endpoint", "add", name, "--preset", "OpenAI")
        assert added.returncode == 0, added.stderr

    listed = run_in(portable, env, "endpoint", "list", "--json")
    assert json.loads(listed.stdout)["endpoints"][0]["has_key"] is False
    listed = run_in(None, env, "endpoint", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["endpoints"][0]["has_key"] is True
    assert backend.get_password(f"{SERVICE}/default", name) == KEY
    assert backend.get_password(SERVICE, name) is None  # moved, losing nothing
    assert not (tmp_path / "xdg_config_home" / "desktop-chat" / "keyring-id").exists()


# --- no key stored, no keyring: a keyless server still answers; a refusal says why ---------------

FAIL_BACKEND = "keyring.backends.fail.Keyring"
REFUSED = b'{"error":{"message":"Missing bearer token"}}'


def test_a_keyless_server_answers_on_a_machine_without_a_keyring(
    sse_server: ScriptedServer, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": FAIL_BACKEND}
    profile = tmp_path / "p"
    assert run_in(profile, env, "endpoint", "add", "local", "--protocol", "openai",
                  "--base-url", sse_server.url + "/v1", "--model", "m").returncode == 0  # fmt: skip
    sse_server.script(Reply(chunks=openai_stream(["local ", "answer"])))
    asked = run_in(profile, env, "ask", "hi")
    assert (asked.returncode, asked.stdout, asked.stderr) == (0, "local answer\n", "")
    assert "authorization" not in sse_server.requests[0].headers

    sse_server.script(Reply(status=401, body=REFUSED))
    refused = run_in(profile, env, "ask", "--json", "hi")
    assert refused.returncode == 1
    message = (
        "no key was sent, since the keyring could not be read: Could not read the key for "
        "'local': no system keyring was found"
    )
    assert refused.stderr.startswith(f"desktop-chat: {message}")
    assert refused.stderr.endswith("(HTTP 401): Missing bearer token\n")
    error = json.loads(refused.stdout)["error"]
    assert (error["status"], error["message"].startswith(message)) == (401, True)


def test_a_refusal_with_no_key_stored_says_to_store_one(
    real_keyring: RealKeyring, sse_server: ScriptedServer, tmp_path: Path
) -> None:
    env = real_keyring.env()
    profile = tmp_path / "p"
    assert run_in(profile, env, "endpoint", "add", "local", "--protocol", "openai",
                  "--base-url", sse_server.url + "/v1", "--model", "m").returncode == 0  # fmt: skip
    sse_server.script(Reply(status=401, body=REFUSED), Reply(status=403, body=b"forbidden"))
    refused = run_in(profile, env, "ask", "hi")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (
        "desktop-chat: no key stored for 'local': run `desktop-chat endpoint set-key local` "
        "(HTTP 401): Missing bearer token\n"
    )
    forbidden = run_in(profile, env, "ask", "--run-tools", "--approve", "none", "hi")
    assert forbidden.returncode == 1
    assert forbidden.stderr.endswith(
        "desktop-chat: no key stored for 'local': run `desktop-chat endpoint set-key local` "
        "(HTTP 403): forbidden\n"
    )


# --- a key goes only to the origin it was stored for --------------------------------------------


def test_a_key_is_not_sent_to_a_new_origin_until_the_move_is_confirmed(
    real_keyring: RealKeyring, sse_server: ScriptedServer, tmp_path: Path, name: str
) -> None:
    env, profile = real_keyring.env(), tmp_path / "p"
    new_origin = sse_server.url.rstrip("/")

    def listed() -> dict[str, object]:
        result = run_in(profile, env, "endpoint", "list", "--json")
        assert result.returncode == 0, result.stderr
        row: dict[str, object] = json.loads(result.stdout)["endpoints"][0]
        return row

    assert run_in(profile, env, "endpoint", "add", name, "--protocol", "openai", "--base-url",
                  "https://API.example.com:443/v1", "--model", "m").returncode == 0  # fmt: skip
    assert listed()["key_origin"] == "https://api.example.com"
    assert run_in(profile, env, "endpoint", "set-key", name, stdin=KEY).returncode == 0

    moved = run_in(profile, env, "endpoint", "edit", name, "--base-url", new_origin + "/v1")
    assert moved.returncode == 0, moved.stderr
    assert moved.stderr == (
        f"warning: the key for {name!r} stays bound to https://api.example.com and is not sent "
        f"to {new_origin}; to send it there run `desktop-chat endpoint edit {name} --move-key`, "
        f"or store a key for it with `desktop-chat endpoint set-key {name}`\n"
    )
    assert (listed()["key_origin"], listed()["has_key"]) == ("https://api.example.com", True)
    held = run_in(profile, env, "endpoint", "list")
    assert "key: yes (held back: stored for https://api.example.com)" in held.stdout

    refused = run_in(profile, env, "ask", "hi")
    assert refused.returncode == 2
    assert refused.stderr == (
        f"desktop-chat: The key for {name!r} was stored for https://api.example.com, but the "
        f"endpoint now points at {new_origin}; the key was not sent. To use it: run "
        f"`desktop-chat endpoint edit {name} --move-key` to send it there, or store a key for the "
        f"new address with `desktop-chat endpoint set-key {name}`.\n"
    )
    assert sse_server.requests == []  # refused before any request

    confirmed = run_in(profile, env, "endpoint", "edit", name, "--move-key")
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"Its key will be sent to {new_origin} from now on." in confirmed.stdout
    assert listed()["key_origin"] == new_origin
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    asked = run_in(profile, env, "ask", "hi")
    assert (asked.returncode, asked.stdout) == (0, "ok\n"), asked.stderr
    assert sse_server.requests[0].headers["authorization"] == f"Bearer {KEY}"

    # Same origin, other path: nothing to confirm. Another origin, then a new key: bound there.
    same = run_in(profile, env, "endpoint", "edit", name, "--base-url", new_origin + "/v2")
    assert (same.returncode, same.stderr) == (0, "")
    away = run_in(profile, env, "endpoint", "edit", name, "--base-url", "https://other.example")
    assert "stays bound to" in away.stderr
    assert run_in(profile, env, "endpoint", "set-key", name, stdin=KEY + "2").returncode == 0
    assert listed()["key_origin"] == "https://other.example"
    _id_of(profile)  # for the clean-up


def test_an_endpoint_without_a_key_follows_its_url(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": FAIL_BACKEND}
    profile = tmp_path / "p"
    assert run_in(profile, env, "endpoint", "add", "local", "--preset", "Ollama").returncode == 0
    moved = run_in(profile, env, "endpoint", "edit", "local", "--base-url", "http://127.0.0.1:9/v1")
    assert (moved.returncode, moved.stderr) == (0, "")
    listed = json.loads(run_in(profile, env, "endpoint", "list", "--json").stdout)
    assert listed["endpoints"][0]["key_origin"] == "http://127.0.0.1:9"
