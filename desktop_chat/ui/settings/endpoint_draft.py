"""An endpoint as the Settings dialog edits it, key changes included, before it is validated."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_chat.storage.origin import origin_of
from desktop_chat.storage.price import parse_prices, prices_text
from desktop_chat.storage.settings import Endpoint
from desktop_chat.storage.validation import SettingsError


@dataclass(slots=True)
class EndpointDraft:
    """An endpoint as edited; `original` is its saved name (None for a new one)."""

    original: str | None
    name: str
    protocol: str = "openai"
    base_url: str = ""
    default_model: str = ""
    headers_text: str = ""
    key_text: str = ""  # typed, not yet stored
    clear_key: bool = False
    copy_key_from: str | None = None  # a duplicate takes the stored key of this saved endpoint
    output_limit_field: str = "auto"
    key_origin: str = ""  # where the stored key may go (see Endpoint.key_origin)
    move_key: bool = False  # the user confirmed sending the stored key to the new origin
    reasoning_effort: str = ""
    thinking_budget: int = 0
    prompt_caching: bool = False
    prices_text: str = ""  # "model = input/output[/cached]" lines

    def origin_moved(self) -> bool:
        """True when the base URL is valid and on another origin than the stored key's."""
        try:
            return bool(self.key_origin) and origin_of(self.base_url) != self.key_origin
        except ValueError:
            return False

    @classmethod
    def from_endpoint(cls, endpoint: Endpoint) -> EndpointDraft:
        headers = "\n".join(f"{k}: {v}" for k, v in endpoint.extra_headers.items())
        return cls(
            endpoint.name,
            endpoint.name,
            endpoint.protocol,
            endpoint.base_url,
            endpoint.default_model,
            headers,
            output_limit_field=endpoint.output_limit_field,
            key_origin=endpoint.key_origin,
            reasoning_effort=endpoint.reasoning_effort,
            thinking_budget=endpoint.thinking_budget,
            prompt_caching=endpoint.prompt_caching,
            prices_text=prices_text(endpoint.prices),
        )

    def headers(self) -> dict[str, str]:
        """Parse "Name: value" lines; raise SettingsError naming the bad line."""
        found: dict[str, str] = {}
        for number, line in enumerate(self.headers_text.splitlines(), 1):
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise SettingsError(f"extra header line {number} needs the form “Name: value”")
            found[name.strip()] = value.strip()
        return found

    def to_endpoint(self) -> Endpoint:
        """Validate and build the endpoint; raises SettingsError with a message for a person."""
        return Endpoint(
            self.name,
            self.protocol,  # type: ignore[arg-type]
            self.base_url,
            self.default_model,
            self.headers(),
            self.output_limit_field,  # type: ignore[arg-type]
            self.key_origin,
            reasoning_effort=self.reasoning_effort,  # type: ignore[arg-type]
            thinking_budget=self.thinking_budget,
            prompt_caching=self.prompt_caching,
            prices=parse_prices(self.prices_text),
        )
