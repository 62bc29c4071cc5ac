"""`ask` with reasoning controls, cached token counts and a cost, as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from desktop_chat.storage.price import ModelPrice
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import save_settings
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream

KEY = "sk-e2e-secret-0123456789"
ENV = {"DESKTOP_CHAT_API_KEY": KEY, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        capture_output=True, text=True, timeout=30, env={**os.environ, **ENV}, check=False,
    )  # fmt: skip


def ask(*args: str, history: bool = False) -> subprocess.CompletedProcess[str]:
    return run("ask", *([] if history else ["--no-history"]), *args)


def test_reasoning_effort_goes_on_the_wire_and_cached_tokens_come_back(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"], usage=(2000, 7), cached_tokens=1024)))
    base = ["--protocol", "openai", "--base-url", sse_server.url + "/v1", "--model", "o4"]
    result = ask(*base, "--reasoning-effort", "high", "--json", "hi")
    assert result.returncode == 0, result.stderr
    assert json.loads(sse_server.requests[0].body)["reasoning_effort"] == "high"
    out = json.loads(result.stdout)
    assert out["usage"] == {
        "input_tokens": 2000, "output_tokens": 7,
        "cached_input_tokens": 1024, "cache_write_tokens": None,
    }  # fmt: skip
    assert "cost" not in out  # no price known for an address given on the command line


def test_a_saved_endpoints_thinking_caching_and_price(sse_server: ScriptedServer) -> None:
    saved = Endpoint(
        "Claude", "anthropic", sse_server.url, "claude-x", thinking_budget=1024,
        prompt_caching=True, prices={"claude-x": ModelPrice(3, 15, 0.3)},
    )  # fmt: skip
    save_settings(Settings((saved,)).with_active("Claude"))
    stream = anthropic_stream(["ok"], usage=(100, 1000), cache=(900_000, 0))
    sse_server.script(Reply(chunks=stream), Reply(chunks=stream))
    result = ask("--system", "Be brief.", "--max-tokens", "4000", "--json", "hi")
    assert result.returncode == 0, result.stderr
    body = json.loads(sse_server.requests[0].body)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    out = json.loads(result.stdout)
    assert out["usage"]["input_tokens"] == 900_100
    assert out["usage"]["cached_input_tokens"] == 900_000
    assert out["cost"] == pytest.approx((100 * 3 + 900_000 * 0.3 + 1000 * 15) / 1e6)
    # The conversation's choice wins over the endpoint's: no thinking this time. Saved, the
    # answer keeps its usage and cost in the history.
    assert ask("--thinking-budget", "0", "--max-tokens", "4000", "hi", history=True).returncode == 0
    assert "thinking" not in json.loads(sse_server.requests[1].body)
    listed = run("history", "list", "--json")
    conversation_id = json.loads(listed.stdout)["conversations"][0]["id"]
    shown = json.loads(run("history", "show", conversation_id, "--json").stdout)
    meta = shown["conversations"][0]["messages"][-1]["meta"]
    assert meta["usage"]["cached_input_tokens"] == 900_000
    assert meta["cost"] == pytest.approx(out["cost"])
    assert meta["options"]["thinking_budget"] == 0


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--thinking-budget", "512"], "at least 1,024 tokens"),
        (["--thinking-budget", "4096", "--max-tokens", "4096"], "below the maximum tokens"),
        (["--thinking-budget", "2048", "--temperature", "0.3"], "no temperature but 1"),
        (["--thinking-budget", "-1"], "--thinking-budget must be between 0 and"),
    ],
)
def test_thinking_rules_are_usage_errors_and_nothing_is_sent(
    sse_server: ScriptedServer, flags: list[str], words: str
) -> None:
    base = ["--protocol", "anthropic", "--base-url", sse_server.url, "--model", "claude"]
    for tools in ([], ["--run-tools", "--approve", "none"]):
        result = ask(*base, "--max-tokens", "8000", *tools, *flags, "hi")
        assert result.returncode == 2, result.stderr
        assert words in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert sse_server.requests == []
