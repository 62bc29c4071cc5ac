"""`desktop-chat endpoint ...` and `config ...` as a user runs them, with a real keyring."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import keyring.core
import pytest
from keyring.backends import fail

from desktop_chat import cli, paths
from desktop_chat.cli import endpoints
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import load_settings, save_settings
from tests.support.keyring_session import RealKeyring

Run = Callable[..., tuple[int, str, str]]
FAIL_BACKEND = "keyring.backends.fail.Keyring"


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process, the way a user does."""
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env if env is not None else dict(os.environ),
        check=False,
    )


def files_containing(root: Path, needle: str) -> list[Path]:
    data = needle.encode()
    return [p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """No keyring at all, in this process and in children."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL_BACKEND)
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the CLI in this process (fast); returns (exit status, stdout, stderr)."""

    def call(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return call


# --- the key: stdin in, keyring only, never printed, never in a file ------------------------------


def test_set_key_goes_to_the_real_keyring_and_nowhere_else(real_keyring: RealKeyring) -> None:
    env = real_keyring.env()
    name = unique("Work")
    key = f"sk-e2e-{uuid.uuid4().hex}"
    profile = paths.profile_dir()
    assert profile is not None
    outputs: list[str] = []
    try:
        steps = [
            (["endpoint", "add", name, "--preset", "OpenAI", "--header", "X-Team:blue"], ""),
            (["endpoint", "set-key", name], key + "\n"),
            (["endpoint", "list"], ""),
            (["endpoint", "list", "--json"], ""),
            (["config", "show", "--json"], ""),
        ]
        results = [run_cli(*args, stdin=stdin, env=env) for args, stdin in steps]
        for result in results:
            assert result.returncode == 0, result.stderr
            outputs += [result.stdout, result.stderr]
        assert results[1].stdout.strip() == f"Saved the key for {name!r} in the Secret Service."
        listed = json.loads(results[3].stdout)
        assert listed["endpoints"][0]["has_key"] is True
        assert KeyStore(real_keyring.backend).get(name) == key
        assert (profile / "settings.json").is_file()
        assert files_containing(profile, key) == []
        assert not [text for text in outputs if key in text]
        assert not [text for text in outputs if key[7:] in text]  # not even part of it

        removed = run_cli("endpoint", "remove", name, env=env)
        assert removed.returncode == 0, removed.stderr
        assert "and its key from the Secret Service" in removed.stdout
        assert KeyStore(real_keyring.backend).get(name) is None
    finally:
        KeyStore(real_keyring.backend).delete(name)


@pytest.mark.parametrize(
    ("backend", "why"),
    [(FAIL_BACKEND, "no system keyring"), ("keyring.backends.null.Keyring", "switched off")],
    ids=["fail", "null"],
)
def test_set_key_without_a_usable_keyring_stores_nothing(backend: str, why: str) -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": backend}
    key = f"sk-e2e-{uuid.uuid4().hex}"
    assert run_cli("endpoint", "add", "A", "--preset", "Anthropic", env=env).returncode == 0
    result = run_cli("endpoint", "set-key", "A", stdin=key, env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert why in result.stderr
    assert "No key was stored anywhere" in result.stderr
    assert result.stderr.count("\n") == 1
    assert key not in result.stderr
    profile = paths.profile_dir()
    assert profile is not None
    assert files_containing(profile, key) == []


def test_a_key_on_the_command_line_is_refused_without_echo(run: Run, no_keyring: None) -> None:
    run("endpoint", "add", "A", "--preset", "OpenAI")
    code, out, err = run("endpoint", "set-key", "A", "sk-typed-on-the-command-line")
    assert code == 2
    assert "stdin" in err
    assert "sk-typed" not in out + err


@pytest.mark.parametrize(
    ("stdin", "why"),
    [("", "no key"), ("  \n", "no key"), ("sk-a sk-b", "spaces"), ("sk-a\nsk-b\n", "line breaks")],
)
def test_set_key_checks_what_it_reads(run: Run, no_keyring: None, stdin: str, why: str) -> None:
    run("endpoint", "add", "A", "--preset", "OpenAI")
    code, _, err = run("endpoint", "set-key", "A", stdin=stdin)
    assert code == 2
    assert why in err


def test_set_key_for_an_unknown_endpoint_is_a_usage_error(run: Run) -> None:
    code, _, err = run("endpoint", "set-key", "Nope", stdin="sk-x")
    assert code == 2
    assert err == "desktop-chat: no endpoint named 'Nope' (endpoints: none yet)\n"


def test_keys_are_found_by_any_spelling_of_the_name(
    run: Run, use_real_keyring: RealKeyring
) -> None:
    name = unique("Mixed")
    try:
        assert run("endpoint", "add", name, "--preset", "Ollama")[0] == 0
        assert run("endpoint", "set-key", name.upper(), stdin="sk-abc")[0] == 0
        assert KeyStore().get(name) == "sk-abc"  # stored under the canonical name
        code, out, _ = run("endpoint", "delete-key", name.lower())
        assert (code, out) == (0, f"Deleted the key for {name!r} from the Secret Service.\n")
        code, out, _ = run("endpoint", "delete-key", name)
        assert (code, out) == (0, f"There was no key for {name!r} in the Secret Service.\n")
    finally:
        KeyStore().delete(name)


def test_remove_without_a_keyring_still_removes_and_warns(run: Run, no_keyring: None) -> None:
    run("endpoint", "add", "A", "--preset", "OpenAI")
    code, out, err = run("endpoint", "remove", "A")
    assert code == 0
    assert out == "Removed endpoint 'A'.\n"
    assert err.startswith("warning: ")
    assert "remove it from the keyring yourself" in err
    assert load_settings().settings.endpoints == ()


# --- endpoints ------------------------------------------------------------------------------------


def test_list_json_is_the_documented_shape(run: Run, use_real_keyring: RealKeyring) -> None:
    a, b = unique("A"), unique("B")
    run("endpoint", "add", a, "--preset", "DeepSeek", "--model", "deepseek-chat")
    run("endpoint", "add", b, "--protocol", "anthropic", "--base-url", "http://127.0.0.1:9/x/")
    run("endpoint", "use", b, "--model", "claude-z")
    code, out, err = run("endpoint", "list", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "active_endpoint": b,
        "active_model": "claude-z",
        "endpoints": [
            {
                "name": a,
                "protocol": "openai",
                "base_url": "https://api.deepseek.com",
                "default_model": "deepseek-chat",
                "extra_headers": {},
                "active": False,
                "has_key": False,
                "output_limit_field": "auto",
                "key_origin": "https://api.deepseek.com",
            },
            {
                "name": b,
                "protocol": "anthropic",
                "base_url": "http://127.0.0.1:9/x",
                "default_model": "",
                "extra_headers": {},
                "active": True,
                "has_key": False,
                "output_limit_field": "auto",
                "key_origin": "http://127.0.0.1:9",
            },
        ],
    }


def test_list_without_a_keyring_says_it_cannot_tell(run: Run, no_keyring: None) -> None:
    run("endpoint", "add", "A", "--preset", "OpenAI")
    run("endpoint", "add", "B", "--preset", "Ollama")
    code, out, err = run("endpoint", "list", "--json")
    assert code == 0
    assert [e["has_key"] for e in json.loads(out)["endpoints"]] == [None, None]
    assert err.count("warning: cannot tell which endpoints have keys") == 1
    code, out, _ = run("endpoint", "list")
    assert out.splitlines() == [
        "* A  openai     https://api.openai.com/v1  model: -  key: ?",
        "  B  openai     http://localhost:11434/v1  model: -  key: ?",
    ]


def test_list_with_no_endpoints_says_how_to_add_one(run: Run, no_keyring: None) -> None:
    code, out, _ = run("endpoint", "list")
    assert code == 0
    assert "endpoint add" in out


def test_first_endpoint_becomes_active_and_use_switches(run: Run) -> None:
    code, out, _ = run("endpoint", "add", "A", "--preset", "lm studio", "--model", "qwen")
    assert code == 0
    assert "now active" in out
    code, out, _ = run("endpoint", "add", "B", "--preset", "OpenRouter")
    assert "now active" not in out
    assert run("endpoint", "use", "A", "--model", "llama")[0] == 0
    assert run("endpoint", "use", "a")[0] == 0  # same endpoint: the chosen model stays
    s = load_settings().settings
    assert (s.active_endpoint, s.active_model) == ("A", "llama")
    code, out, _ = run("endpoint", "use", "B")  # another endpoint: back to its default
    assert out == "Active endpoint: 'B', model: the server's default.\n"
    s = load_settings().settings
    assert (s.active_endpoint, s.active_model) == ("B", None)


def test_edit_changes_only_what_is_given(run: Run) -> None:
    run("endpoint", "add", "A", "--preset", "OpenAI", "--header", "X-One:1", "--header", "X-Two: 2")
    assert run("endpoint", "edit", "A", "--model", "gpt-x", "--remove-header", "x-one")[0] == 0
    ep = load_settings().settings.endpoint("A")
    assert ep == Endpoint("A", "openai", "https://api.openai.com/v1", "gpt-x", {"X-Two": "2"})
    assert run("endpoint", "edit", "A", "--preset", "Anthropic", "--clear-headers")[0] == 0
    ep = load_settings().settings.endpoint("A")
    assert ep == Endpoint("A", "anthropic", "https://api.anthropic.com", "gpt-x", {})
    code, _, err = run("endpoint", "edit", "A", "--model", "gpt-x")
    assert (code, err) == (
        2,
        "desktop-chat: nothing to change; give at least one option that differs\n",
    )


def test_output_limit_field_is_set_kept_and_changed(run: Run) -> None:
    add = ("endpoint", "add", "A", "--preset", "Ollama", "--output-limit-field", "max_tokens")
    assert run(*add)[0] == 0
    assert load_settings().settings.endpoint("A").output_limit_field == "max_tokens"  # type: ignore[union-attr]
    assert run("endpoint", "edit", "A", "--model", "llama")[0] == 0  # not given: kept
    assert load_settings().settings.endpoint("A").output_limit_field == "max_tokens"  # type: ignore[union-attr]
    edit = ("endpoint", "edit", "A", "--output-limit-field", "max_completion_tokens")
    assert run(*edit) == (0, "Updated endpoint 'A' (openai, http://localhost:11434/v1).\n", "")
    saved = load_settings().settings.endpoint("A")
    assert saved is not None
    assert saved.output_limit_field == "max_completion_tokens"
    assert run(*edit)[0] == 2  # nothing to change


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["endpoint", "add", "A"], "--protocol and --base-url"),
        (["endpoint", "add", "A", "--preset", "Nope"], "unknown preset"),
        (["endpoint", "add", "A", "--protocol", "openai", "--base-url", "ftp://x"], "http"),
        (["endpoint", "add", "A", "--preset", "OpenAI", "--header", "NoColon"], "NAME:VALUE"),
        (["endpoint", "add", "Dup", "--preset", "OpenAI"], "exists"),
        (["endpoint", "edit", "Ghost", "--model", "m"], "no endpoint named 'Ghost'"),
        (["endpoint", "use", "Ghost"], "no endpoint named 'Ghost'"),
        (["endpoint", "remove", "Ghost"], "no endpoint named 'Ghost'"),
        (["config", "set", "network.max_retries", "lots"], "an integer"),
        (["config", "set", "colour", "red"], "unknown setting"),
    ],
)
def test_usage_and_validation_errors_exit_2_with_one_line(
    run: Run, argv: list[str], why: str
) -> None:
    save_settings(Settings((Endpoint("Dup", "openai", "http://d"),)))
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith("desktop-chat: ")
    assert err.count("\n") == 1
    assert why in err


def test_a_secret_header_is_refused_without_echoing_it(run: Run) -> None:
    code, _, err = run(
        "endpoint", "add", "A", "--preset", "OpenAI", "--header", "x-api-key:sk-LEAK"
    )
    assert code == 2
    assert "keyring" in err
    assert "sk-LEAK" not in err
    assert not paths.settings_path().exists()


def test_argparse_errors_exit_2(run: Run) -> None:
    with pytest.raises(SystemExit) as info:
        run("endpoint", "add", "A", "--protocol", "gemini")
    assert info.value.code == 2


def test_a_bad_output_limit_field_names_the_choices() -> None:
    result = run_cli("endpoint", "add", "A", "--preset", "OpenAI", "--output-limit-field", "max")
    assert result.returncode == 2
    assert "'max_tokens', 'max_completion_tokens'" in result.stderr
    assert not paths.settings_path().exists()


# --- config ---------------------------------------------------------------------------------------


def test_config_set_then_show(run: Run) -> None:
    assert run("config", "set", "network.max_retries", "5") == (0, "network.max_retries = 5\n", "")
    assert run("config", "set", "total_timeout", "none")[1] == "network.total_timeout = null\n"
    code, _, err = run("config", "set", "network.proxy_mode", "custom")
    assert code == 0
    assert "proxy_url is empty" in err
    code, out, _ = run("config", "show", "--json")
    doc = json.loads(out)
    assert doc["settings_path"] == str(paths.settings_path())
    assert doc["settings"]["network.max_retries"] == 5
    assert doc["settings"]["network.proxy_mode"] == "custom"
    assert doc["settings"]["ui.theme"] == "system"
    code, out, _ = run("config", "show")
    assert "network.max_retries     = 5" in out
    assert "# Retries after a failed request" in out


def test_a_corrupt_settings_file_is_reported_and_left_as_it_is(run: Run) -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("{ broken", encoding="utf-8")
    code, _, err = run("config", "set", "ui.theme", "dark")
    assert code == 2
    assert err.startswith("desktop-chat: settings.json line 1 column 3: Expecting property name")
    assert path.read_text(encoding="utf-8") == "{ broken"
    assert not list(path.parent.glob("settings.json.*-*"))


def test_a_settings_file_from_a_newer_version_is_left_alone() -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 7}', encoding="utf-8")
    result = run_cli("config", "set", "ui.theme", "dark")
    assert result.returncode == 2
    assert result.stderr.startswith("desktop-chat: the settings file has format version 7")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert path.read_text(encoding="utf-8") == '{"version": 7}'


def test_the_module_runs_alone_with_a_profile_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "portable"
    assert endpoints.main(["--profile-dir", str(profile), "config", "set", "theme", "light"]) == 0
    assert capsys.readouterr().out == 'ui.theme = "light"\n'
    assert json.loads((profile / "settings.json").read_text())["ui"]["theme"] == "light"
    assert endpoints.main(["endpoint"]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_profile_dir_option_reaches_the_files(tmp_path: Path) -> None:
    profile = tmp_path / "elsewhere"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": FAIL_BACKEND}
    result = run_cli(
        "--profile-dir", str(profile), "endpoint", "add", "P", "--preset", "Ollama", env=env
    )
    assert result.returncode == 0, result.stderr
    assert (profile / "settings.json").is_file()
    home = paths.profile_dir()
    assert home is not None
    assert not (home / "settings.json").exists()
