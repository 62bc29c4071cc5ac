"""Endpoint reasoning defaults, prompt caching and prices: in the file, checked, and costed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.storage import settings_document
from desktop_chat.storage.engine_config import endpoint_config
from desktop_chat.storage.price import ModelPrice, parse_prices, prices_text
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.storage.validation import SettingsError

CLAUDE = Endpoint(
    "Claude", "anthropic", "https://api.anthropic.com", thinking_budget=4096,
    prompt_caching=True, prices={"claude-x": ModelPrice(3, 15, 0.3)},
)  # fmt: skip
GPT = Endpoint("GPT", "openai", "https://api.openai.com/v1", reasoning_effort="medium")


def test_the_fields_round_trip_and_reach_the_engine(tmp_path: Path) -> None:
    path = save_settings(Settings((CLAUDE, GPT)), tmp_path / "settings.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["endpoints"][0]["prices"] == {
        "claude-x": {"input": 3.0, "output": 15.0, "cached_input": 0.3}
    }
    loaded = load_settings(path)
    assert loaded.notice is None
    assert loaded.settings.endpoints == (CLAUDE, GPT)
    config = endpoint_config(CLAUDE, None)
    assert (config.thinking_budget, config.prompt_caching) == (4096, True)
    assert endpoint_config(GPT, None).reasoning_effort == "medium"


def test_an_endpoint_from_before_loads_with_no_reasoning_caching_or_prices(tmp_path: Path) -> None:
    doc = {"version": 1, "endpoints": [{"name": "Old", "protocol": "anthropic",
                                        "base_url": "https://api.anthropic.com"}]}  # fmt: skip
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.notice is None
    (old,) = loaded.settings.endpoints
    assert (old.reasoning_effort, old.thinking_budget, old.prompt_caching, old.prices) == (
        "", 0, False, {}
    )  # fmt: skip


def test_bad_values_in_the_file_are_reported_and_the_endpoint_kept(tmp_path: Path) -> None:
    doc = settings_document.encode(Settings((CLAUDE, GPT)))
    endpoints = doc["endpoints"]
    assert isinstance(endpoints, list)
    endpoints[0] |= {"thinking_budget": -5, "prompt_caching": "yes",
                     "prices": {"claude-x": {"input": "cheap", "output": 1}, "ok": {"input": 1,
                                "output": 2}}}  # fmt: skip
    endpoints[1]["reasoning_effort"] = "extreme"
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_settings(path)
    claude, gpt = loaded.settings.endpoints
    assert (claude.thinking_budget, claude.prompt_caching) == (0, False)
    assert claude.prices == {"ok": ModelPrice(1, 2)}
    assert gpt.reasoning_effort == ""
    notice = loaded.notice or ""
    assert "the thinking budget must be between 0 and 1,000,000; no thinking" in notice
    assert "prompt_caching must be true or false; off" in notice
    assert "dropped the price of 'claude-x': the input price must be a number" in notice
    assert "the reasoning effort must be one of none, minimal, low, medium, high" in notice


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"reasoning_effort": "max"}, "reasoning effort"),
        ({"thinking_budget": 1.5}, "whole number"),
        ({"prices": {"m": (1, 2)}}, "prices must map"),
    ],
)
def test_the_endpoint_refuses_bad_values(fields: dict[str, object], why: str) -> None:
    with pytest.raises(SettingsError, match=why):
        Endpoint("E", "openai", "https://x.example", **fields)  # type: ignore[arg-type]


def test_prices_are_read_one_model_a_line() -> None:
    text = "gpt-x = 1.25/10/0.125\n\n  small = 0.1 / 0.4 \n"
    prices = parse_prices(text)
    assert prices == {"gpt-x": ModelPrice(1.25, 10, 0.125), "small": ModelPrice(0.1, 0.4)}
    assert parse_prices(prices_text(prices)) == prices
    with pytest.raises(SettingsError, match="price line 1: a price looks like"):
        parse_prices("gpt-x = 1")
    with pytest.raises(SettingsError, match="price line 2: write model = "):
        parse_prices("a = 1/2\njust text")
    with pytest.raises(SettingsError, match="between 0 and"):
        parse_prices("a = -1/2")


def test_the_cost_charges_cached_input_at_its_own_price() -> None:
    price = ModelPrice(3, 15, 0.3)
    turn = AssistantTurn(input_tokens=1_000_000, output_tokens=100_000, cached_input_tokens=800_000)
    assert price.cost(turn) == pytest.approx(0.2 * 3 + 0.8 * 0.3 + 0.1 * 15)
    assert ModelPrice(3, 15).cost(turn) == pytest.approx(3 + 1.5)  # no cached price: input's
    assert price.cost(AssistantTurn(output_tokens=5)) is None
