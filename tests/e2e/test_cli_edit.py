"""Change one thing and keep the rest: `endpoint rename|show`, `mcp edit`, `tool edit`, with the
real Secret Service."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from desktop_chat import paths
from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, KeyStore, mcp_header_entry
from tests.support.cli import cli, run_cli
from tests.support.keyring_session import RealKeyring


def settings_doc() -> dict[str, object]:
    profile = paths.profile_dir()
    assert profile is not None
    return json.loads((profile / "settings.json").read_text())  # type: ignore[no-any-return]


def allow(*keys: str) -> None:
    profile = paths.profile_dir()
    assert profile is not None
    doc = settings_doc()
    doc["tools"]["always_allow"] += list(keys)  # type: ignore[index]
    (profile / "settings.json").write_text(json.dumps(doc))


def test_rename_moves_the_key_and_keeps_the_endpoint_in_use(real_keyring: RealKeyring) -> None:
    env = real_keyring.env()
    key = f"sk-e2e-{uuid.uuid4().hex}"
    cli("endpoint", "add", "Old", "--preset", "OpenAI", "--model", "gpt-4o", env=env)
    cli("endpoint", "add", "Other", "--preset", "Ollama", env=env)
    cli("endpoint", "set-key", "Old", stdin=key, env=env)
    cli("endpoint", "use", "Old", "--model", "gpt-4o-mini", env=env)

    out = cli("endpoint", "rename", "Old", "New", env=env)

    assert "Renamed endpoint 'Old' to 'New'" in out
    listed = json.loads(cli("endpoint", "list", "--json", env=env))
    assert [ep["name"] for ep in listed["endpoints"]] == ["New", "Other"]
    assert listed["active_endpoint"] == "New"
    assert listed["active_model"] == "gpt-4o-mini"
    assert listed["endpoints"][0]["has_key"] is True
    store = KeyStore(real_keyring.backend)
    assert store.get("Old") is None
    # The key moved within this profile's scope: a new endpoint under the old name has none.
    cli("endpoint", "add", "Old", "--preset", "OpenAI", env=env)
    again = json.loads(cli("endpoint", "list", "--json", env=env))["endpoints"]
    assert {ep["name"]: ep["has_key"] for ep in again} == {
        "New": True,
        "Other": False,
        "Old": False,
    }

    taken = run_cli("endpoint", "rename", "New", "other", env=env)
    assert taken.returncode == 2
    assert "already an endpoint named 'Other'" in taken.stderr
    missing = run_cli("endpoint", "rename", "Nope", "X", env=env)
    assert missing.returncode == 2
    case = cli("endpoint", "rename", "New", "NEW", env=env)
    assert "to 'NEW'" in case
    assert json.loads(cli("endpoint", "show", "NEW", "--json", env=env))["has_key"] is True


def test_show_prints_one_endpoint_as_list_does() -> None:
    cli("endpoint", "add", "A", "--preset", "Anthropic", "--header", "X-Team:blue")
    cli("endpoint", "add", "B", "--preset", "Ollama", "--model", "llama3")

    shown = json.loads(cli("endpoint", "show", "b", "--json"))

    listed = json.loads(cli("endpoint", "list", "--json"))["endpoints"]
    assert shown == listed[1]
    text = cli("endpoint", "show", "A")
    assert "https://api.anthropic.com" in text
    assert "X-Team: blue" in text
    missing = run_cli("endpoint", "show", "C")
    assert missing.returncode == 2
    assert "no endpoint named 'C'" in missing.stderr


def test_mcp_edit_keeps_secret_headers_and_always_allow(real_keyring: RealKeyring) -> None:
    env = real_keyring.env()
    secret = f"Bearer {uuid.uuid4().hex}"
    cli("mcp", "add", "search", "--url", "http://127.0.0.1:9/mcp", "--header", "X-Org:me",
        "--keyring-header", "Authorization", env=env)  # fmt: skip
    cli("mcp", "set-header", "search", "Authorization", stdin=secret, env=env)
    cli("mcp", "add", "clock", "--command", "mcp-server-time", "--arg=--local-timezone=UTC",
        "--env", "TZ=UTC", env=env)  # fmt: skip
    allow("mcp:search:find", "mcp:clock:get_current_time")

    cli("mcp", "edit", "search", "--url", "http://127.0.0.1:10/mcp", "--remove-header", "X-Org",
        env=env)  # fmt: skip
    cli("mcp", "edit", "clock", "--arg=--local-timezone=Europe/Paris", "--env", "LANG",
        "--remove-env", "TZ", env=env)  # fmt: skip

    servers = {
        s["name"]: s for s in json.loads(cli("mcp", "list", "--json", env=env))["mcp_servers"]
    }
    assert servers["search"]["url"] == "http://127.0.0.1:10/mcp"
    assert servers["search"]["headers"] == {}
    assert servers["search"]["keyring_headers"] == ["Authorization"]
    assert servers["clock"]["args"] == ["--local-timezone=Europe/Paris"]
    assert servers["clock"]["env"] == {}
    assert servers["clock"]["pass_env"] == ["LANG"]
    assert settings_doc()["tools"]["always_allow"] == [  # type: ignore[index]
        "mcp:search:find",
        "mcp:clock:get_current_time",
    ]
    nothing = run_cli("mcp", "edit", "clock", env=env)
    assert nothing.returncode == 2
    assert "nothing to change" in nothing.stderr
    wrong = run_cli("mcp", "edit", "clock", "--header", "X-A:b", env=env)
    assert wrong.returncode == 2


def test_mcp_edit_keeps_the_header_value_in_the_keyring(real_keyring: RealKeyring) -> None:
    env = real_keyring.env()
    secret = f"Bearer {uuid.uuid4().hex}"
    cli("mcp", "add", "search", "--url", "http://127.0.0.1:9/mcp", "--keyring-header",
        "Authorization", env=env)  # fmt: skip
    cli("mcp", "set-header", "search", "Authorization", stdin=secret, env=env)
    cli("mcp", "edit", "search", "--url", "http://127.0.0.1:10/mcp", env=env)
    profile = paths.profile_dir()
    assert profile is not None
    scope = (profile / "keyring-id").read_text().strip()
    stored = real_keyring.backend.get_password(
        f"{MCP_HEADER_SERVICE}/{scope}", mcp_header_entry("search", "Authorization")
    )
    assert stored == secret


def test_tool_edit_keeps_always_allow(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"q": {"type": "string"}}}))
    cli("tool", "add", "lookup", "--description", "Look a word up", "--schema", str(schema))
    allow("user:lookup")
    wider = tmp_path / "wider.json"
    wider.write_text(json.dumps({"type": "object", "properties": {"q": {}, "n": {}}}))

    cli("tool", "edit", "lookup", "--description", "Look words up")
    cli("tool", "edit", "lookup", "--schema", str(wider))

    listed = json.loads(cli("tool", "list", "--json"))
    assert listed["user_tools"] == [
        {"name": "lookup", "description": "Look words up",
         "parameters": {"type": "object", "properties": {"q": {}, "n": {}}}}
    ]  # fmt: skip
    assert listed["always_allow"] == ["user:lookup"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "array"}')
    refused = run_cli("tool", "edit", "lookup", "--schema", str(bad))
    assert refused.returncode == 2
    assert run_cli("tool", "edit", "nope", "--description", "x").returncode == 2
