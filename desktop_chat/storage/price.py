"""Prices the user enters per endpoint and model, and what an answer cost at those prices.

No price table ships with the app: prices change, and a stale one would mislead. A price is
per million tokens, in whatever currency the user thinks in (the figure has no unit). Input
tokens count the whole prompt (see `core.events.Usage`); those read from the prompt cache are
charged at the cached price (the input price when none is given), the rest at the input price,
writes to Anthropic's cache included (Anthropic charges them more: the figure is then low).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.storage.validation import SettingsError

MAX_PRICE = 1_000_000.0  # per million tokens; anything above is a typing slip


def check_price(value: object, what: str) -> float:
    """Return a valid price per million tokens, or raise SettingsError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"the {what} price must be a number, not {value!r}")
    if not (math.isfinite(value) and 0 <= value <= MAX_PRICE):
        raise SettingsError(f"the {what} price must be between 0 and {MAX_PRICE:,.0f}")
    return float(value)


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """Prices per million tokens: input, output, and cached input (None: the input price)."""

    input: float
    output: float
    cached_input: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "input", check_price(self.input, "input"))
        object.__setattr__(self, "output", check_price(self.output, "output"))
        if self.cached_input is not None:
            object.__setattr__(self, "cached_input", check_price(self.cached_input, "cached input"))

    def cost(self, turn: AssistantTurn) -> float | None:
        """What `turn` cost, or None when its token counts are not known."""
        if turn.input_tokens is None or turn.output_tokens is None:
            return None
        cached = min(turn.cached_input_tokens or 0, turn.input_tokens)
        cached_price = self.input if self.cached_input is None else self.cached_input
        spent = (
            (turn.input_tokens - cached) * self.input
            + cached * cached_price
            + turn.output_tokens * self.output
        )
        return spent / 1_000_000

    def text(self) -> str:
        """The price as the forms show it: "input/output" or "input/output/cached"."""
        parts = [self.input, self.output] + (
            [] if self.cached_input is None else [self.cached_input]
        )
        return "/".join(f"{part:g}" for part in parts)


def parse_price(text: str) -> ModelPrice:
    """Read "input/output" or "input/output/cached" (per million tokens)."""
    parts = [part.strip() for part in text.strip().split("/")]
    if len(parts) not in (2, 3):
        raise SettingsError(
            f"a price looks like input/output or input/output/cached (per million tokens), "
            f"not {text.strip()!r}"
        )
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise SettingsError(f"prices must be numbers, not {text.strip()!r}") from None
    return ModelPrice(*numbers)


def parse_prices(text: str) -> dict[str, ModelPrice]:
    """Read one "model = input/output[/cached]" a line; blank lines are skipped."""
    prices: dict[str, ModelPrice] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        model, sep, price = line.partition("=")
        if not sep or not model.strip():
            raise SettingsError(f"price line {number}: write model = input/output[/cached]")
        try:
            prices[model.strip()] = parse_price(price)
        except SettingsError as exc:
            raise SettingsError(f"price line {number}: {exc}") from None
    return prices


def prices_text(prices: dict[str, ModelPrice]) -> str:
    return "\n".join(f"{model} = {price.text()}" for model, price in prices.items())
