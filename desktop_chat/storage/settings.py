"""Declare the user's settings: endpoints, network and ui options, tools, prompt presets.

Each network/ui option is declared once, as a dataclass field with its type, default and a
description in the field metadata; :data:`OPTIONS` is derived from those declarations and drives
validation on load, ``config set`` and ``config show``.

Invariants:

- No API key is ever part of the settings. Keys live in the OS keyring; header names, header
  values and URL parts that would carry a secret are refused (`validation`).
- Endpoint names are unique, compared case-insensitively (they name keyring entries); names
  are looked up through an index, never by scanning the endpoints.
- Prompt presets (``Preset``) are unique by name, compared case-insensitively, like endpoints.

``PRESETS`` are the providers `endpoint add --preset` knows; ``Preset`` is the user's own saved
system prompt with its model and options (``ask --preset``, the window's system-prompt menu).

The file that holds them, its format and its migrations are `settings_file`'s.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import NoneType, UnionType
from typing import Literal

from desktop_chat.storage.origin import origin_of
from desktop_chat.storage.price import ModelPrice
from desktop_chat.storage.tool_settings import ToolSettings
from desktop_chat.storage.validation import (
    LimitField,
    Protocol,
    ReasoningEffort,
    SettingsError,
    check_base_url,
    check_header,
    check_key_origin,
    check_limit_field,
    check_name,
    check_protocol,
    check_proxy_url,
    check_reasoning_effort,
    check_thinking_budget,
)

ProxyMode = Literal["system", "none", "custom"]
Theme = Literal["system", "light", "dark", "high-contrast"]
Language = Literal["system", "en", "zh_CN"]

# Providers that speak one of our protocols: (protocol, base URL), each URL as the provider's
# own documentation gives it. Their quirks are the core's to know by host, so that an endpoint
# typed by hand gets them too: Chat Completions sends `max_tokens` everywhere but OpenAI's own
# hosts (openai_chat.limit_field), and no `stream_options` where a host refuses it (Mistral,
# Zhipu GLM; openai_chat.usage_option). Regions are separate presets: keys do not cross them.
PRESETS: dict[str, tuple[Protocol, str]] = {
    "OpenAI": ("openai", "https://api.openai.com/v1"),
    # The Responses API on the same host (platform.openai.com/docs/api-reference/responses).
    "OpenAI Responses": ("openai-responses", "https://api.openai.com/v1"),
    "Anthropic": ("anthropic", "https://api.anthropic.com"),
    # ai.google.dev/gemini-api/docs/openai: the OpenAI-compatible endpoint.
    "Google Gemini": ("openai", "https://generativelanguage.googleapis.com/v1beta/openai"),
    # docs.mistral.ai/api: POST https://api.mistral.ai/v1/chat/completions.
    "Mistral": ("openai", "https://api.mistral.ai/v1"),
    # console.groq.com/docs/openai
    "Groq": ("openai", "https://api.groq.com/openai/v1"),
    # docs.x.ai/api/integrations: "baseURL: https://api.x.ai/v1".
    "xAI": ("openai", "https://api.x.ai/v1"),
    # api-docs.deepseek.com: https://api.deepseek.com (also served under /v1).
    "DeepSeek": ("openai", "https://api.deepseek.com"),
    # platform.moonshot.cn (China) and platform.kimi.ai/docs/api/quickstart (global).
    "Moonshot Kimi": ("openai", "https://api.moonshot.cn/v1"),
    "Moonshot Kimi global": ("openai", "https://api.moonshot.ai/v1"),
    # help.aliyun.com/zh/dashscope/developer-reference/compatibility-of-openai-with-dashscope;
    # the international region is dashscope-intl (Alibaba Cloud Model Studio).
    "Qwen DashScope": ("openai", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
    "Qwen DashScope international": (
        "openai",
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    ),
    # open.bigmodel.cn/dev/api (China); docs.z.ai, the same API on the international platform.
    "Zhipu GLM": ("openai", "https://open.bigmodel.cn/api/paas/v4"),
    "Z.ai GLM": ("openai", "https://api.z.ai/api/paas/v4"),
    # docs.siliconflow.cn/docs/userguide/quickstart (China); docs.siliconflow.com (global).
    "SiliconFlow": ("openai", "https://api.siliconflow.cn/v1"),
    "SiliconFlow global": ("openai", "https://api.siliconflow.com/v1"),
    "OpenRouter": ("openai", "https://openrouter.ai/api/v1"),
    "Ollama": ("openai", "http://localhost:11434/v1"),
    "LM Studio": ("openai", "http://localhost:1234/v1"),
}


def _meta(description: str, **limits: object) -> dict[str, object]:
    return {"description": description, **limits}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API endpoint; its key lives in the keyring under the endpoint's name.

    ``key_origin`` is the origin (``scheme://host[:port]``) the stored key may be sent to; empty
    means the base URL's. When the base URL moves to another origin it keeps the old one, so the
    key is not sent to the new host until the user confirms (see ``endpoint_key``).

    ``reasoning_effort`` (OpenAI-style protocols) and ``thinking_budget`` (Anthropic) are the
    endpoint's defaults, which a conversation may override; ``prompt_caching`` (Anthropic)
    marks the prompt cacheable; ``prices`` maps model ids to what the user pays for them.
    """

    name: str
    protocol: Protocol
    base_url: str
    default_model: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)
    output_limit_field: LimitField = "auto"  # Chat Completions only
    key_origin: str = ""
    reasoning_effort: ReasoningEffort = ""
    thinking_budget: int = 0
    prompt_caching: bool = False
    prices: dict[str, ModelPrice] = field(default_factory=dict)

    @property
    def key_moved(self) -> bool:
        """True when the base URL is no longer on the origin the key was stored for."""
        return origin_of(self.base_url) != self.key_origin

    def __post_init__(self) -> None:
        # Normalise, then refuse anything that could smuggle a secret into the settings file.
        object.__setattr__(self, "name", check_name(self.name))
        check_protocol(self.protocol)
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
        if not isinstance(self.default_model, str):
            raise SettingsError("the default model must be text")
        object.__setattr__(self, "default_model", self.default_model.strip())
        if not isinstance(self.extra_headers, Mapping):
            raise SettingsError("extra headers must map header names to values")
        headers = dict(check_header(k, v) for k, v in self.extra_headers.items())
        object.__setattr__(self, "extra_headers", headers)
        check_limit_field(self.output_limit_field)
        object.__setattr__(self, "key_origin", check_key_origin(self.key_origin, self.base_url))
        check_reasoning_effort(self.reasoning_effort)
        check_thinking_budget(self.thinking_budget)
        if not isinstance(self.prompt_caching, bool):
            raise SettingsError("prompt caching must be true or false")
        if not all(isinstance(p, ModelPrice) for p in self.prices.values()):
            raise SettingsError("prices must map model ids to prices")
        object.__setattr__(self, "prices", {str(k).strip(): v for k, v in self.prices.items()})


@dataclass(frozen=True, slots=True)
class Preset:
    """A saved system prompt with the model and options to use it with; unset ones are left be.

    Empty ``model`` and None ``temperature`` / ``max_tokens`` leave the conversation's own
    choice (the endpoint's default model, the provider's temperature) as it is.
    """

    name: str
    system: str
    model: str = ""
    temperature: float | None = None
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise SettingsError("a preset needs a name")
        name = self.name.strip()
        if len(name) > 64 or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise SettingsError(f"preset name {name[:64]!r} is too long or has control characters")
        object.__setattr__(self, "name", name)
        if not isinstance(self.system, str):
            raise SettingsError(f"preset {name!r}: the system prompt must be text")
        if not isinstance(self.model, str):
            raise SettingsError(f"preset {name!r}: the model must be text")
        object.__setattr__(self, "model", self.model.strip())
        temperature = self.temperature
        if temperature is not None and (
            isinstance(temperature, bool)
            or not isinstance(temperature, int | float)
            or not 0 <= temperature <= 2
        ):
            raise SettingsError(f"preset {name!r}: the temperature must be between 0 and 2")
        if temperature is not None:
            object.__setattr__(self, "temperature", float(temperature))
        tokens = self.max_tokens
        if tokens is not None and (
            isinstance(tokens, bool) or not isinstance(tokens, int) or not 1 <= tokens <= 10**7
        ):
            raise SettingsError(f"preset {name!r}: max_tokens must be a whole number from 1")


@dataclass(frozen=True, slots=True)
class Network:
    """How requests are sent: retries, timeouts, proxy and TLS."""

    max_retries: int = field(
        default=3, metadata=_meta("Retries after a failed request before giving up", lo=0, hi=20)
    )
    backoff_base: float = field(
        default=0.5, metadata=_meta("First retry delay in seconds; doubles each retry", lo=0, hi=60)
    )
    backoff_max: float = field(
        default=8.0, metadata=_meta("Longest delay between two retries, in seconds", lo=0, hi=600)
    )
    connect_timeout: float = field(
        default=10.0, metadata=_meta("Seconds to wait for a connection", lo=0.1, hi=600)
    )
    read_timeout: float = field(
        default=60.0,
        metadata=_meta("Seconds to wait for the next part of a reply", lo=0.1, hi=3600),
    )
    total_timeout: float | None = field(
        default=None,
        metadata=_meta("Limit in seconds for one whole reply; none = no limit", lo=1, hi=86400),
    )
    idle_timeout: float = field(
        default=300.0,
        metadata=_meta(
            "Seconds a reply may go on with no answer content (keep-alives only)", lo=1, hi=86400
        ),
    )
    proxy_mode: ProxyMode = field(
        default="system",
        metadata=_meta("system (from the environment), none, or custom (proxy_url)"),
    )
    proxy_url: str = field(
        default="",
        metadata=_meta("Proxy for proxy_mode custom, e.g. http://host:3128", check=check_proxy_url),
    )
    verify_tls: bool = field(default=True, metadata=_meta("Check the server's TLS certificate"))
    ca_bundle: str = field(
        default="", metadata=_meta("PEM file of extra CA certificates; empty = system store")
    )


@dataclass(frozen=True, slots=True)
class Ui:
    """How the window looks and behaves."""

    theme: Theme = field(
        default="system",
        metadata=_meta("Colour theme: system, light, dark or high-contrast"),
    )
    language: Language = field(
        default="system",
        metadata=_meta("Language of the window: system (follow the system locale), en or zh_CN"),
    )
    send_with_ctrl_enter: bool = field(
        default=False, metadata=_meta("Send with Ctrl+Enter; Enter then inserts a new line")
    )
    check_for_updates: bool = field(
        default=False,
        metadata=_meta("Ask the release feed for a newer version once after start (one GET)"),
    )
    text_zoom: int = field(
        default=100,
        metadata=_meta(
            "Size of the conversation's text, in percent (Ctrl+= / Ctrl+- / Ctrl+0)", lo=50, hi=300
        ),
    )


_BOOL_WORDS = {"true": True, "yes": True, "on": True, "1": True}
_BOOL_WORDS |= {"false": False, "no": False, "off": False, "0": False}


@dataclass(frozen=True, slots=True)
class Option:
    """One network/ui setting as declared: key, type, default, limits and description."""

    key: str
    section: str
    name: str
    kind: type
    default: object
    description: str
    choices: tuple[str, ...] = ()
    nullable: bool = False
    lo: float | None = None
    hi: float | None = None
    extra_check: Callable[[str], str] | None = None

    @property
    def type_name(self) -> str:
        """Describe the accepted values for a person, e.g. ``integer 0..20``."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        base = {bool: "true or false", int: "an integer", float: "a number", str: "text"}[self.kind]
        if self.lo is not None:
            base += f" {self.lo:g}..{self.hi:g}"
        return base + (" or none" if self.nullable else "")

    def check(self, value: object) -> object:
        """Return ``value`` if it is valid for this option (ints widened for floats)."""
        if value is None and self.nullable:
            return None
        ok = {
            bool: isinstance(value, bool),
            int: isinstance(value, int) and not isinstance(value, bool),
            float: isinstance(value, int | float) and not isinstance(value, bool),
            str: isinstance(value, str),
        }[self.kind]
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise SettingsError(f"{self.key} must be {self.type_name}, not {value!r}")
        if self.kind is float:
            value = float(typing.cast(float, value))
        if self.choices and value not in self.choices:
            raise SettingsError(f"{self.key} must be {self.type_name}, not {value!r}")
        numeric = isinstance(value, int | float) and self.lo is not None and self.hi is not None
        if numeric and not self.lo <= value <= self.hi:  # type: ignore[operator]
            raise SettingsError(f"{self.key} must be {self.type_name}, not {value!r}")
        if self.extra_check is not None:
            value = self.extra_check(typing.cast(str, value))
        return value

    def parse(self, text: str) -> object:
        """Turn command-line text into a valid value for this option."""
        word = text.strip()
        if self.nullable and word.lower() in ("none", "null", ""):
            return None
        value: object = word
        try:
            if self.kind is bool:
                value = _BOOL_WORDS[word.lower()]
            elif self.kind is int:
                value = int(word)
            elif self.kind is float:
                value = float(word)
        except (KeyError, ValueError):
            raise SettingsError(f"{self.key} must be {self.type_name}, not {text!r}") from None
        return self.check(value)


def _options_of(section: str, cls: type) -> list[Option]:
    hints = typing.get_type_hints(cls)
    found = []
    for f in dataclasses.fields(cls):
        hint, nullable, choices = hints[f.name], False, ()
        if isinstance(hint, UnionType):
            args = [a for a in typing.get_args(hint) if a is not NoneType]
            hint, nullable = args[0], True
        if typing.get_origin(hint) is Literal:
            hint, choices = str, typing.get_args(hint)
        meta = f.metadata
        found.append(
            Option(f"{section}.{f.name}", section, f.name, hint, f.default, meta["description"],
                   choices, nullable, meta.get("lo"), meta.get("hi"), meta.get("check"))
        )  # fmt: skip
    return found


OPTIONS: dict[str, Option] = {
    o.key: o for o in (*_options_of("network", Network), *_options_of("ui", Ui))
}


def find_option(key: str) -> Option:
    """Return the option named ``key``; a bare name like ``theme`` works when it is unambiguous."""
    if key in OPTIONS:
        return OPTIONS[key]
    matches = [o for o in OPTIONS.values() if o.name == key]
    if len(matches) == 1:
        return matches[0]
    raise SettingsError(f"unknown setting {key!r}; known settings: {', '.join(OPTIONS)}")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the user configured; immutable, changed through the ``with_*`` helpers."""

    endpoints: tuple[Endpoint, ...] = ()
    active_endpoint: str | None = None
    active_model: str | None = None
    network: Network = field(default_factory=Network)
    ui: Ui = field(default_factory=Ui)
    models_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tools: ToolSettings = field(default_factory=ToolSettings)
    presets: tuple[Preset, ...] = ()
    # Endpoints by case-folded name, so that a lookup never scans them all.
    _by_name: dict[str, Endpoint] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoints", tuple(self.endpoints))
        by_name: dict[str, Endpoint] = {}
        for ep in self.endpoints:
            if by_name.setdefault(ep.name.casefold(), ep) is not ep:
                raise SettingsError(f"there is already an endpoint named {ep.name!r}")
        object.__setattr__(self, "_by_name", by_name)
        active = self.active_endpoint
        found = None if active is None else self.endpoint(active)
        if active is not None and (found is None or found.name != active):
            raise SettingsError(f"no endpoint named {active!r}")
        if active is None and self.active_model is not None:
            raise SettingsError("a model can only be chosen together with an endpoint")
        cache = {name: tuple(models) for name, models in self.models_cache.items()}
        object.__setattr__(self, "models_cache", cache)
        object.__setattr__(self, "presets", tuple(self.presets))
        preset_names = {p.name.casefold() for p in self.presets}
        if len(preset_names) != len(self.presets):
            raise SettingsError("two presets have the same name")

    def endpoint(self, name: str) -> Endpoint | None:
        """Return the endpoint called ``name`` (case-insensitively), or None."""
        return self._by_name.get(name.strip().casefold())

    def active(self) -> Endpoint | None:
        """Return the active endpoint, or None."""
        return None if self.active_endpoint is None else self.endpoint(self.active_endpoint)

    def with_endpoint(self, endpoint: Endpoint) -> Settings:
        """Return settings with ``endpoint`` added, or replacing its namesake in place."""
        old = self.endpoint(endpoint.name)
        if old is None:
            return dataclasses.replace(self, endpoints=(*self.endpoints, endpoint))
        eps = tuple(endpoint if ep is old else ep for ep in self.endpoints)
        active = endpoint.name if self.active_endpoint == old.name else self.active_endpoint
        cache = {endpoint.name if k == old.name else k: v for k, v in self.models_cache.items()}
        return dataclasses.replace(self, endpoints=eps, active_endpoint=active, models_cache=cache)

    def with_endpoint_renamed(self, name: str, new_name: str) -> Settings:
        """Return settings with endpoint ``name`` called ``new_name`` in place; what is in use
        and its model cache follow it. A change of case alone is a rename too."""
        old = self._require(name)
        taken = self.endpoint(new_name)
        if taken is not None and taken is not old:
            raise SettingsError(f"there is already an endpoint named {taken.name!r}")
        new = dataclasses.replace(old, name=new_name)
        eps = tuple(new if ep is old else ep for ep in self.endpoints)
        active = new.name if self.active_endpoint == old.name else self.active_endpoint
        cache = {new.name if k == old.name else k: v for k, v in self.models_cache.items()}
        return dataclasses.replace(self, endpoints=eps, active_endpoint=active, models_cache=cache)

    def without_endpoint(self, name: str) -> Settings:
        """Return settings without endpoint ``name``, its active state and its model cache."""
        old = self._require(name)
        is_active = self.active_endpoint == old.name
        return dataclasses.replace(
            self,
            endpoints=tuple(ep for ep in self.endpoints if ep is not old),
            active_endpoint=None if is_active else self.active_endpoint,
            active_model=None if is_active else self.active_model,
            models_cache={k: v for k, v in self.models_cache.items() if k != old.name},
        )

    def with_active(self, name: str | None, model: str | None = None) -> Settings:
        """Return settings with ``name`` active and ``model`` chosen (None: its default model)."""
        if name is None:
            return dataclasses.replace(self, active_endpoint=None, active_model=None)
        ep = self._require(name)
        return dataclasses.replace(self, active_endpoint=ep.name, active_model=model or None)

    def with_models(self, name: str, models: list[str] | tuple[str, ...]) -> Settings:
        """Return settings with the cached model list of endpoint ``name`` replaced."""
        ep = self._require(name)
        return dataclasses.replace(self, models_cache={**self.models_cache, ep.name: tuple(models)})

    def with_tools(self, tools: ToolSettings) -> Settings:
        """Return settings with the tool section replaced."""
        return dataclasses.replace(self, tools=tools)

    def preset(self, name: str) -> Preset | None:
        """Return the preset called ``name`` (case-insensitively), or None."""
        folded = name.strip().casefold()
        return next((p for p in self.presets if p.name.casefold() == folded), None)

    def with_preset(self, preset: Preset) -> Settings:
        """Return settings with ``preset`` added, or replacing its namesake in place."""
        old = self.preset(preset.name)
        if old is None:
            return dataclasses.replace(self, presets=(*self.presets, preset))
        return dataclasses.replace(
            self, presets=tuple(preset if p is old else p for p in self.presets)
        )

    def without_preset(self, name: str) -> Settings:
        """Return settings without the preset ``name``."""
        old = self.preset(name)
        if old is None:
            raise SettingsError(f"no preset named {name!r}")
        return dataclasses.replace(self, presets=tuple(p for p in self.presets if p is not old))

    def with_option(self, key: str, value: object) -> Settings:
        """Return settings with the option ``key`` (e.g. ``network.max_retries``) set, validated."""
        option = find_option(key)
        section = getattr(self, option.section)
        changed = dataclasses.replace(section, **{option.name: option.check(value)})
        return dataclasses.replace(self, **{option.section: changed})

    def option_values(self) -> dict[str, object]:
        """Return every network/ui option as ``{"network.max_retries": 3, ...}``."""
        return {key: getattr(getattr(self, o.section), o.name) for key, o in OPTIONS.items()}

    def _require(self, name: str) -> Endpoint:
        ep = self.endpoint(name)
        if ep is None:
            raise SettingsError(f"no endpoint named {name!r}")
        return ep
