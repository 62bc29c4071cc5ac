"""Settings that move between machines: `config export|import|validate|get|unset`, as a user runs
them, with the real Secret Service and scratch profiles."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from desktop_chat import paths
from tests.support.cli import cli, run_cli
from tests.support.keyring_session import RealKeyring


def profile() -> Path:
    found = paths.profile_dir()
    assert found is not None
    return found


def a_tool_schema(tmp_path: Path) -> Path:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"q": {"type": "string"}}}))
    return schema


def allow(settings_file: Path, *keys: str) -> None:
    """Tick "always allow" for `keys`, as the window does, by writing the settings file."""
    doc = json.loads(settings_file.read_text())
    doc["tools"]["always_allow"] += list(keys)
    settings_file.write_text(json.dumps(doc))


def fill_profile(env: dict[str, str], tmp_path: Path, key: str, header: str) -> None:
    """A profile as a user leaves it: endpoints, a key, an MCP server with a secret header."""
    cli("endpoint", "add", "Work", "--preset", "OpenAI", "--model", "gpt-4o", "--header",
        "X-Team:blue", env=env)  # fmt: skip
    cli("endpoint", "add", "Local", "--preset", "Ollama", env=env)
    cli("endpoint", "set-key", "Work", stdin=key, env=env)
    cli("endpoint", "use", "Work", "--model", "gpt-4o-mini", env=env)
    cli("mcp", "add", "search", "--url", "http://127.0.0.1:9/mcp", "--header", "X-Org:me",
        "--keyring-header", "Authorization", env=env)  # fmt: skip
    cli("mcp", "set-header", "search", "Authorization", stdin=header, env=env)
    cli("mcp", "add", "clock", "--command", "mcp-server-time", "--arg=--local-timezone=UTC",
        env=env)  # fmt: skip
    cli("tool", "add", "lookup", "--description", "Look a word up", "--schema",
        str(a_tool_schema(tmp_path)), env=env)  # fmt: skip
    allow(profile() / "settings.json", "user:lookup", "mcp:clock:get_current_time")
    cli("config", "set", "ui.theme", "dark", env=env)
    cli("config", "set", "network.max_retries", "5", env=env)


def test_export_has_no_secret_and_no_per_user_state_and_names_the_keys_needed(
    real_keyring: RealKeyring, tmp_path: Path
) -> None:
    env = real_keyring.env()
    key, header = f"sk-e2e-{uuid.uuid4().hex}", f"Bearer {uuid.uuid4().hex}"
    fill_profile(env, tmp_path, key, header)
    out = tmp_path / "exported.json"

    result = run_cli("config", "export", str(out), env=env)

    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert key not in text
    assert header.split()[1] not in text
    doc = json.loads(text)
    assert set(doc) == {"version", "endpoints", "network", "ui", "tools", "presets"}
    assert [ep["name"] for ep in doc["endpoints"]] == ["Work", "Local"]
    assert all("key_origin" not in ep for ep in doc["endpoints"])
    assert doc["network"]["max_retries"] == 5
    assert doc["ui"]["theme"] == "dark"
    assert doc["tools"]["mcp_servers"][0]["keyring_headers"] == ["Authorization"]
    assert "desktop-chat endpoint set-key Work" in result.stdout
    assert "set-key Local" not in result.stdout  # no key is stored for it here
    assert "desktop-chat mcp set-header search Authorization" in result.stdout
    assert key not in result.stdout + result.stderr
    # Exported twice, with the active endpoint changed between: the same bytes.
    cli("endpoint", "use", "Local", env=env)
    again = tmp_path / "again.json"
    cli("config", "export", str(again), env=env)
    assert again.read_bytes() == out.read_bytes()


def test_exported_and_imported_into_a_fresh_profile_lists_the_same(
    real_keyring: RealKeyring, tmp_path: Path
) -> None:
    env = real_keyring.env()
    key, header = f"sk-e2e-{uuid.uuid4().hex}", f"Bearer {uuid.uuid4().hex}"
    fill_profile(env, tmp_path, key, header)
    # In use: the first endpoint, with its default model, as a fresh import leaves it.
    cli("endpoint", "use", "Local", env=env)
    cli("endpoint", "use", "Work", env=env)
    exported = tmp_path / "exported.json"
    cli("config", "export", str(exported), env=env)
    fresh = str(tmp_path / "fresh")

    imported = run_cli("config", "import", str(exported), "--merge", "--profile-dir", fresh,
                       env=env)  # fmt: skip

    assert imported.returncode == 0, imported.stderr
    assert "desktop-chat endpoint set-key Work" in imported.stdout
    assert "desktop-chat endpoint set-key Local" in imported.stdout
    assert "desktop-chat mcp set-header search Authorization" in imported.stdout
    cli("--profile-dir", fresh, "endpoint", "set-key", "Work", stdin=key, env=env)
    cli("--profile-dir", fresh, "mcp", "set-header", "search", "Authorization", stdin=header,
        env=env)  # fmt: skip
    for listing in (["endpoint", "list", "--json"], ["mcp", "list", "--json"],
                    ["tool", "list", "--json"]):  # fmt: skip
        here = json.loads(cli(*listing, env=env))
        there = json.loads(cli("--profile-dir", fresh, *listing, env=env))
        assert there == here, listing
    assert (
        json.loads(cli("--profile-dir", fresh, "config", "show", "--json", env=env))["settings"]
        == json.loads(cli("config", "show", "--json", env=env))["settings"]
    )


BAD_FILE = """{
  "version": 1,
  "endpoints": [
    {"name": "Good", "protocol": "openai", "base_url": "https://api.openai.com/v1"},
    {"name": "Odd", "protocol": "grpc", "base_url": "https://example.com"},
    {"name": "Leaky", "protocol": "openai", "base_url": "https://example.org",
     "extra_headers": {"Authorization": "Bearer sk-abcdefghijkl"}}
  ],
  "network": {"max_retries": 99},
  "colour": "blue"
}
"""


def test_import_reports_every_problem_with_its_place_and_changes_nothing(tmp_path: Path) -> None:
    cli("endpoint", "add", "Mine", "--preset", "Anthropic")
    settings_file = profile() / "settings.json"
    before = settings_file.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_FILE)

    for mode in ("--merge", "--replace"):
        result = run_cli("config", "import", str(bad), mode)

        assert result.returncode == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert any("line 5" in ln and "endpoints[1]" in ln and "grpc" in ln for ln in lines)
        assert any(
            "line 6" in ln and "endpoints[2]" in ln and "Authorization" in ln for ln in lines
        )
        assert any("line 9" in ln and "network.max_retries" in ln and "99" in ln for ln in lines)
        assert any("line 10" in ln and "colour" in ln for ln in lines)
        assert "nothing was changed" in result.stderr
        assert "sk-abcdefghijkl" not in result.stderr
        assert settings_file.read_bytes() == before


def test_import_of_a_file_that_is_not_json_says_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "version": 1,\n  "endpoints": [}\n')
    result = run_cli("config", "import", str(bad), "--merge")
    assert result.returncode == 2
    assert "bad.json line 3 column 17" in result.stderr
    assert not (profile() / "settings.json").exists()


def test_import_wants_merge_or_replace(tmp_path: Path) -> None:
    cli("endpoint", "add", "Mine", "--preset", "Anthropic")
    exported = tmp_path / "x.json"
    cli("config", "export", str(exported))
    result = run_cli("config", "import", str(exported))
    assert result.returncode == 2
    assert "--merge" in result.stderr
    assert "--replace" in result.stderr


def test_dry_run_says_what_would_change_and_changes_nothing(tmp_path: Path) -> None:
    source = str(tmp_path / "source")
    cli("--profile-dir", source, "endpoint", "add", "New", "--preset", "DeepSeek")
    cli("--profile-dir", source, "endpoint", "add", "Shared", "--preset", "OpenAI", "--model", "o3")
    exported = tmp_path / "x.json"
    cli("--profile-dir", source, "config", "export", str(exported))
    cli("endpoint", "add", "Shared", "--preset", "OpenAI")
    cli("endpoint", "add", "Only-here", "--preset", "Ollama")
    settings_file = profile() / "settings.json"
    before = settings_file.read_bytes()

    merge = cli("config", "import", str(exported), "--merge", "--dry-run")
    replace = cli("config", "import", str(exported), "--replace", "--dry-run")

    assert settings_file.read_bytes() == before
    assert "endpoint 'New': added" in merge
    assert "endpoint 'Shared': changed" in merge
    assert "Only-here" not in merge
    assert "endpoint 'Only-here': removed" in replace
    assert "nothing was changed (--dry-run)" in merge


def test_replace_removes_what_the_file_lacks_and_forgets_its_key(
    real_keyring: RealKeyring, tmp_path: Path
) -> None:
    env = real_keyring.env()
    source = str(tmp_path / "source")
    cli("--profile-dir", source, "endpoint", "add", "Kept", "--preset", "OpenAI", env=env)
    exported = tmp_path / "x.json"
    cli("--profile-dir", source, "config", "export", str(exported), env=env)
    cli("endpoint", "add", "Gone", "--preset", "Anthropic", env=env)
    cli("endpoint", "set-key", "Gone", stdin="sk-ant-gone-1234567890", env=env)
    cli("endpoint", "add", "Kept", "--preset", "OpenAI", "--model", "old", env=env)

    merged = run_cli("config", "import", str(exported), "--merge", env=env)
    assert merged.returncode == 0, merged.stderr
    listed = json.loads(cli("endpoint", "list", "--json", env=env))
    assert [ep["name"] for ep in listed["endpoints"]] == ["Gone", "Kept"]
    assert listed["endpoints"][1]["default_model"] == ""
    assert listed["active_endpoint"] == "Gone"  # what is in use here stays in use

    replaced = run_cli("config", "import", str(exported), "--replace", env=env)

    assert replaced.returncode == 0, replaced.stderr
    assert "endpoint 'Gone': removed" in replaced.stdout
    listed = json.loads(cli("endpoint", "list", "--json", env=env))
    assert [ep["name"] for ep in listed["endpoints"]] == ["Kept"]
    assert listed["active_endpoint"] == "Kept"
    # The name is free again, and no key waits under it for whatever takes it next.
    cli("endpoint", "add", "Gone", "--base-url", "https://elsewhere.example", "--protocol",
        "openai", env=env)  # fmt: skip
    listed = json.loads(cli("endpoint", "list", "--json", env=env))
    assert listed["endpoints"][1]["has_key"] is False


def test_import_over_an_endpoint_keeps_its_key_bound_to_where_it_was_stored(
    real_keyring: RealKeyring, tmp_path: Path
) -> None:
    env = real_keyring.env()
    source = str(tmp_path / "source")
    cli("--profile-dir", source, "endpoint", "add", "Work", "--base-url",
        "https://evil.example/v1", "--protocol", "openai", env=env)  # fmt: skip
    exported = tmp_path / "x.json"
    cli("--profile-dir", source, "config", "export", str(exported), env=env)
    cli("endpoint", "add", "Work", "--preset", "OpenAI", env=env)
    cli("endpoint", "set-key", "Work", stdin="sk-work-1234567890", env=env)

    cli("config", "import", str(exported), "--merge", env=env)

    row = json.loads(cli("endpoint", "list", "--json", env=env))["endpoints"][0]
    assert row["base_url"] == "https://evil.example/v1"
    assert row["key_origin"] == "https://api.openai.com"  # held back until --move-key


def test_validate_says_each_problem_with_its_line(tmp_path: Path) -> None:
    assert run_cli("config", "validate").returncode == 0  # no file yet: the defaults
    cli("endpoint", "add", "Mine", "--preset", "Anthropic")
    ok = run_cli("config", "validate")
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_FILE)

    result = run_cli("config", "validate", str(bad))

    assert result.returncode == 2
    problems = [ln for ln in result.stderr.splitlines() if "bad.json line" in ln]
    assert len(problems) == 4, result.stderr
    (profile() / "settings.json").write_text('{"version": 1,}')
    broken = run_cli("config", "validate")
    assert broken.returncode == 2
    assert "settings.json line 1 column 15" in broken.stderr


def test_validate_refuses_a_file_from_a_newer_version(tmp_path: Path) -> None:
    newer = tmp_path / "newer.json"
    newer.write_text('{"version": 99}')
    result = run_cli("config", "validate", str(newer))
    assert result.returncode == 2
    assert "format version 99" in result.stderr


def test_config_get_and_unset() -> None:
    cli("config", "set", "network.max_retries", "7")
    assert cli("config", "get", "network.max_retries") == "7\n"
    assert cli("config", "get", "theme") == '"system"\n'
    assert cli("config", "get", "network.total_timeout") == "null\n"

    out = cli("config", "unset", "network.max_retries")

    assert "network.max_retries = 3" in out
    assert cli("config", "get", "network.max_retries") == "3\n"
    unknown = run_cli("config", "get", "network.nope")
    assert unknown.returncode == 2
    assert "unknown setting 'network.nope'" in unknown.stderr


def test_profile_dir_is_accepted_after_the_command(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    cli("endpoint", "add", "There", "--preset", "OpenAI", "--profile-dir", str(elsewhere))
    listed = json.loads(cli("endpoint", "list", "--json", "--profile-dir", str(elsewhere)))
    assert [ep["name"] for ep in listed["endpoints"]] == ["There"]
    assert not (profile() / "settings.json").exists()
    (elsewhere / "settings.json").write_text("{")
    result = run_cli("ask", "--profile-dir", str(elsewhere), "hi")
    assert result.returncode == 2
    assert str(elsewhere / "settings.json") in result.stderr


def test_export_to_stdout_and_the_schema_for_editors() -> None:
    cli("endpoint", "add", "Mine", "--preset", "Anthropic")
    result = run_cli("config", "export", "-")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["endpoints"][0]["name"] == "Mine"
    assert "set-key" not in result.stdout  # what to set goes to stderr, beside the document
    schema = json.loads(cli("config", "schema"))
    assert schema["$defs"]["endpoint"]["required"] == ["name", "protocol", "base_url"]
