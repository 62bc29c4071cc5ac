"""Declare, validate, load and save the user's settings (a versioned JSON file).

File format, version 1 (``paths.settings_path()``)::

    {"version": 1,
     "endpoints": [{"name": "OpenAI", "protocol": "openai", "base_url": "https://api.openai.com/v1",
                    "default_model": "", "extra_headers": {}, "output_limit_field": "auto",
                    "key_origin": "https://api.openai.com"}],
     "active_endpoint": "OpenAI" | null, "active_model": "gpt-4o" | null,
     "network": {<Network fields>}, "ui": {<Ui fields>},
     "models_cache": {"OpenAI": ["gpt-4o", ...]},
     "tools": {"user_tools": [<UserTool>], "mcp_servers": [<McpServer>],
               "always_allow": ["builtin:calculator", "mcp:time:get_current_time"]}}

The "tools" section is optional: a file without it loads with no extra tools. An endpoint
without "output_limit_field" loads with "auto", one without "key_origin" (the origin its key is
bound to) with its base URL's origin; an MCP server without "keyring_headers" (the
names of headers whose values are in the keyring) loads with none.

Each network/ui option is declared once, as a dataclass field with its type, default and a
description in the field metadata; :data:`OPTIONS` is derived from those declarations and drives
validation on load, ``config set`` and ``config show``.

Invariants:

- No API key is ever part of this file. Keys live in the OS keyring; header names, header
  values and URL parts that would carry a secret are refused; key-like fields are dropped on load.
- Writes are atomic: a temp file in the same directory, fsync, ``os.replace``. The window and
  the commands save through ``settings_update.save_merged``, which keeps what another process
  wrote since they read the file.
- A file that cannot be used (unreadable, not a regular file, over :data:`MAX_FILE_BYTES`, not
  JSON, nested over :data:`MAX_DEPTH` levels) is refused with its position and left as it is:
  nothing reads it as empty and nothing saves over it until it is fixed, or until the person
  chooses to keep it aside (:func:`set_aside`) and start afresh. A file from a newer version
  is refused and left untouched too.
- An entry that cannot be used (an invalid endpoint, an unknown field) is left out of the
  settings and reported; the first save that would write the file without it first copies the
  file as it was (``settings.json.kept-YYYYmmdd-HHMMSS``), so nothing is silently lost.
- Loading is linear in the size of the file: names are looked up through an index, never by
  scanning the endpoints once per endpoint.
- Endpoint names are unique, compared case-insensitively (they name keyring entries).

Errors::

    SettingsError (ValueError)   a value or a file the user has to fix; the message is for a person
    ├── SettingsFileError        the file cannot be read as settings at all; it is left as it is
    └── SettingsVersionError     the file was written by a newer version; it is left as it is
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shutil
import stat
import tempfile
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import NoneType, UnionType
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from desktop_chat import paths
from desktop_chat.storage.origin import origin_of

Protocol = Literal["openai", "anthropic"]
ProxyMode = Literal["system", "none", "custom"]
Theme = Literal["system", "light", "dark"]
# The request field that carries the answer's length limit (OpenAI protocol only); "auto" lets
# the core choose by host (desktop_chat.core.providers.openai_chat.limit_field).
LimitField = Literal["auto", "max_tokens", "max_completion_tokens"]
LIMIT_FIELDS: tuple[LimitField, ...] = typing.get_args(LimitField)
JsonObject = dict[str, object]
Migration = Callable[[JsonObject], JsonObject]

CURRENT_VERSION = 1
# A real settings file is a few kilobytes; these bound what a damaged or hostile one can cost.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 100
# MIGRATIONS[n] turns a version-n document into a version-(n + 1) one; add an entry with each bump.
MIGRATIONS: dict[int, Migration] = {}

PRESETS: dict[str, tuple[Protocol, str]] = {
    "OpenAI": ("openai", "https://api.openai.com/v1"),
    "Anthropic": ("anthropic", "https://api.anthropic.com"),
    "DeepSeek": ("openai", "https://api.deepseek.com"),
    "OpenRouter": ("openai", "https://openrouter.ai/api/v1"),
    "Ollama": ("openai", "http://localhost:11434/v1"),
    "LM Studio": ("openai", "http://localhost:1234/v1"),
}


class SettingsError(ValueError):
    """Raised for a setting or settings file the user has to fix; the message is for a person."""


class SettingsVersionError(SettingsError):
    """Raised when the settings file comes from a newer version of the app."""


class SettingsFileError(SettingsError):
    """Raised when the settings file cannot be used at all; the file is left as it is.

    ``summary`` says what is wrong and where ("settings.json line 3 column 5: Expecting ','
    delimiter"); the message adds what a person can do about it on the command line.
    """

    def __init__(self, path: Path, where: str, reason: str) -> None:
        self.path = path
        self.summary = f"{path.name}{where}: {reason}"
        super().__init__(
            f"{self.summary} (fix {path}, or move it away to start with default settings)"
        )


# --- refusing secrets ---------------------------------------------------------------------------

_SECRET_WORDS = ("apikey", "secret", "password", "passwd", "token", "authorization", "cookie")
_SECRET_VALUE = re.compile(r"^\s*(bearer\s+\S|basic\s+\S|sk-[\w-]{8,})", re.IGNORECASE)
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_KEY_HINT = "API keys are kept in the system keyring (`desktop-chat endpoint set-key NAME`)"


def looks_secret(name: str) -> bool:
    """Tell whether a field, header or query parameter name suggests it holds a credential."""
    norm = re.sub(r"[^a-z0-9]", "", name.lower())
    return (
        norm in ("key", "auth", "credentials")
        or norm.endswith("key")
        or any(word in norm for word in _SECRET_WORDS)
    )


def check_name(name: object) -> str:
    """Return a valid endpoint name (trimmed) or raise SettingsError."""
    if not isinstance(name, str) or not name.strip():
        raise SettingsError("an endpoint needs a name")
    name = name.strip()
    if len(name) > 64 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise SettingsError(f"endpoint name {name[:64]!r} is too long or has control characters")
    return name


def check_base_url(url: object) -> str:
    """Return a valid http(s) base URL without a trailing slash, or raise SettingsError."""
    if not isinstance(url, str) or not url.strip():
        raise SettingsError("the base URL is empty")
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"base URL {url!r} must start with http:// or https:// and name a host")
    if parts.username is not None or parts.password is not None:
        raise SettingsError(f"the base URL must not contain a user name or password; {_KEY_HINT}")
    if any(looks_secret(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True)):
        raise SettingsError(f"the base URL must not carry a key in its query; {_KEY_HINT}")
    if parts.fragment:
        raise SettingsError(f"base URL {url!r} must not have a #fragment")
    return url


def check_header_name(name: object) -> str:
    """Return ``name`` (trimmed) if it is a valid HTTP header name, or raise SettingsError."""
    if not isinstance(name, str) or not _HEADER_NAME.match(name.strip()):
        raise SettingsError(f"{name!r} is not a valid HTTP header name")
    return name.strip()


def check_header(name: object, value: object) -> tuple[str, str]:
    """Return a valid extra header as ``(name, value)``; refuse headers that would hold a key."""
    if not isinstance(name, str) or not _HEADER_NAME.match(name):
        raise SettingsError(f"{name!r} is not a valid HTTP header name")
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        raise SettingsError(f"header {name!r} needs a one-line text value")
    if looks_secret(name) or _SECRET_VALUE.match(value):
        raise SettingsError(f"header {name!r} would store a secret in settings; {_KEY_HINT}")
    return name, value.strip()


def check_proxy_url(url: str) -> str:
    """Return a valid proxy URL (or empty), refusing embedded passwords."""
    url = url.strip()
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise SettingsError(
            f"proxy URL {url!r} must look like http://host:port or socks5://host:port"
        )
    if parts.password is not None:
        raise SettingsError("the proxy URL must not contain a password")
    return url


def check_limit_field(value: object) -> LimitField:
    """Return ``value`` if it names an output limit field (or "auto"), else raise SettingsError."""
    if value not in LIMIT_FIELDS:
        raise SettingsError(
            f"the output limit field must be auto, max_tokens or max_completion_tokens, "
            f"not {value!r}"
        )
    return value


# --- declarations -------------------------------------------------------------------------------


def check_key_origin(value: object, base_url: str) -> str:
    """Return the origin a key is bound to (``base_url``'s when empty), or raise SettingsError."""
    if value in ("", None):
        return origin_of(base_url)
    try:
        if isinstance(value, str) and origin_of(value) == value:
            return value
    except ValueError:
        pass
    raise SettingsError(f"key_origin {value!r} is not an origin such as https://api.example.com")


def _meta(description: str, **limits: object) -> dict[str, object]:
    return {"description": description, **limits}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API endpoint; its key lives in the keyring under the endpoint's name.

    ``key_origin`` is the origin (``scheme://host[:port]``) the stored key may be sent to; empty
    means the base URL's. When the base URL moves to another origin it keeps the old one, so the
    key is not sent to the new host until the user confirms (see ``endpoint_key``).
    """

    name: str
    protocol: Protocol
    base_url: str
    default_model: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)
    output_limit_field: LimitField = "auto"  # the OpenAI protocol only
    key_origin: str = ""

    @property
    def key_moved(self) -> bool:
        """True when the base URL is no longer on the origin the key was stored for."""
        return origin_of(self.base_url) != self.key_origin

    def __post_init__(self) -> None:
        # Normalise, then refuse anything that could smuggle a secret into the settings file.
        object.__setattr__(self, "name", check_name(self.name))
        if self.protocol not in ("openai", "anthropic"):
            raise SettingsError(f"protocol must be 'openai' or 'anthropic', not {self.protocol!r}")
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

    theme: Theme = field(default="system", metadata=_meta("Colour theme: system, light or dark"))
    send_with_ctrl_enter: bool = field(
        default=False, metadata=_meta("Send with Ctrl+Enter; Enter then inserts a new line")
    )


# --- tools --------------------------------------------------------------------------------------

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_tool_name(name: object, what: str = "tool") -> str:
    """Return ``name`` if it is a valid tool or MCP server name (what every provider accepts)."""
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        raise SettingsError(f"{what} name {name!r} must be 1-64 letters, digits, '_' or '-'")
    return name


@dataclass(frozen=True, slots=True)
class UserTool:
    """A tool the user declared; when the model calls it, the user types the result.

    Only the shape is checked here; ``desktop_chat.tools.schema`` checks the JSON Schema itself.
    """

    name: str
    description: str = ""
    parameters: dict[str, object] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )

    def __post_init__(self) -> None:
        check_tool_name(self.name)
        if not isinstance(self.description, str):
            raise SettingsError(f"tool {self.name!r}: the description must be text")
        if not isinstance(self.parameters, dict) or self.parameters.get("type") != "object":
            raise SettingsError(
                f'tool {self.name!r}: parameters must be a JSON Schema with "type": "object"'
            )


@dataclass(frozen=True, slots=True)
class McpServer:
    """An MCP server: a command run over stdio, or a streamable HTTP URL.

    Secrets never enter the file: ``pass_env`` names variables handed on from the app's own
    environment when the server starts, ``keyring_headers`` names headers (of an HTTP server)
    whose values are kept in the OS keyring, and env values or headers named like keys are
    refused.
    """

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    pass_env: tuple[str, ...] = ()
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    keyring_headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"MCP server {check_tool_name(self.name, 'MCP server')!r}"
        texts = (self.command, self.cwd, self.url, *self.args, *self.pass_env)
        if not all(isinstance(text, str) for text in texts):
            raise SettingsError(f"{where}: command, arguments, cwd and URL must be text")
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "pass_env", tuple(dict.fromkeys(self.pass_env)))
        if bool(self.command.strip()) == bool(self.url.strip()):
            raise SettingsError(f"{where} needs either a command or a URL, not both")
        if self.url:
            check_base_url(self.url)  # validation only: a trailing slash may matter to the server
            object.__setattr__(self, "url", self.url.strip())
        if not isinstance(self.env, Mapping) or not isinstance(self.headers, Mapping):
            raise SettingsError(f"{where}: env and headers must map names to values")
        for name in (*self.env, *self.pass_env):
            if not isinstance(name, str) or not _ENV_NAME.match(name):
                raise SettingsError(f"{where}: {name!r} is not a valid environment variable name")
        for name, value in self.env.items():
            if not isinstance(value, str):
                raise SettingsError(f"{where}: the value of {name} must be text")
            if looks_secret(name) or _SECRET_VALUE.match(value):
                raise SettingsError(
                    f"{where}: {name} would store a secret in settings; pass it from the "
                    f"environment instead (--env {name} without a value)"
                )
        object.__setattr__(self, "env", dict(self.env))
        for name, value in self.headers.items():
            check_header_name(name)
            if looks_secret(name) or _SECRET_VALUE.match(str(value)):
                raise SettingsError(
                    f"{where}: header {name!r} would store a secret in settings; keep its value "
                    f"in the keyring instead (--keyring-header {name}, or Settings → Tools)"
                )
        headers = dict(check_header(k, v) for k, v in self.headers.items())
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "keyring_headers", self._check_keyring_headers(where))

    def _check_keyring_headers(self, where: str) -> tuple[str, ...]:
        names = self.keyring_headers
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise SettingsError(f"{where}: keyring_headers must be a list of header names")
        if names and not self.url:
            raise SettingsError(f"{where}: only a server with a URL sends headers")
        seen = {name.casefold() for name in self.headers}
        kept: list[str] = []
        for name in map(check_header_name, names):
            if name.casefold() in seen:
                raise SettingsError(f"{where}: the header {name!r} is given twice")
            seen.add(name.casefold())
            kept.append(name)
        return tuple(kept)

    @property
    def transport(self) -> Literal["stdio", "http"]:
        return "http" if self.url else "stdio"


@dataclass(frozen=True, slots=True)
class ToolSettings:
    """Tools beyond the built-in ones, and the tools the user always allows without asking.

    ``always_allow`` holds tool keys such as ``builtin:calculator``, ``user:NAME`` or
    ``mcp:SERVER:TOOL``. Names are unique, compared case-insensitively.
    """

    user_tools: tuple[UserTool, ...] = ()
    mcp_servers: tuple[McpServer, ...] = ()
    always_allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for attr in ("user_tools", "mcp_servers"):
            items = tuple(getattr(self, attr))
            object.__setattr__(self, attr, items)
            names = [item.name.casefold() for item in items]
            if len(set(names)) != len(names):
                raise SettingsError(f"{attr}: two entries have the same name")
        object.__setattr__(self, "always_allow", tuple(dict.fromkeys(self.always_allow)))

    def user_tool(self, name: str) -> UserTool | None:
        return next((t for t in self.user_tools if t.name.casefold() == name.casefold()), None)

    def mcp_server(self, name: str) -> McpServer | None:
        return next((s for s in self.mcp_servers if s.name.casefold() == name.casefold()), None)

    def with_user_tool(self, tool: UserTool) -> ToolSettings:
        """Return these settings with ``tool`` added, or replacing its namesake."""
        kept = tuple(t for t in self.user_tools if t.name.casefold() != tool.name.casefold())
        return dataclasses.replace(self, user_tools=(*kept, tool))

    def without_user_tool(self, name: str) -> ToolSettings:
        kept = tuple(t for t in self.user_tools if t.name.casefold() != name.casefold())
        return dataclasses.replace(self, user_tools=kept)

    def with_mcp_server(self, server: McpServer) -> ToolSettings:
        """Return these settings with ``server`` added, or replacing its namesake in place."""
        if self.mcp_server(server.name) is None:
            return dataclasses.replace(self, mcp_servers=(*self.mcp_servers, server))
        name = server.name.casefold()
        servers = tuple(server if s.name.casefold() == name else s for s in self.mcp_servers)
        return dataclasses.replace(self, mcp_servers=servers)

    def without_mcp_server(self, name: str) -> ToolSettings:
        kept = tuple(s for s in self.mcp_servers if s.name.casefold() != name.casefold())
        return dataclasses.replace(self, mcp_servers=kept)

    def with_always_allow(self, key: str) -> ToolSettings:
        return dataclasses.replace(self, always_allow=(*self.always_allow, key))


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


# --- the file -----------------------------------------------------------------------------------


def migrate(
    data: JsonObject,
    *,
    migrations: Mapping[int, Migration] = MIGRATIONS,
    target: int = CURRENT_VERSION,
) -> JsonObject:
    """Bring a decoded settings document up to version ``target``, one step at a time."""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SettingsError("it has no valid 'version' field")
    if version > target:
        raise SettingsVersionError(
            f"the settings file has format version {version}, but this Desktop Chat reads up to "
            f"version {target}; the file was left untouched (update the app, or use --profile-dir "
            "for a separate profile)"
        )
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise SettingsError(f"format version {version} is not supported")
        data = step(dict(data))
        version += 1
        data["version"] = version
    return data


def encode(settings: Settings) -> JsonObject:
    """Return the JSON document for ``settings`` (the current format version)."""
    return {
        "version": CURRENT_VERSION,
        "endpoints": [dataclasses.asdict(ep) for ep in settings.endpoints],
        "active_endpoint": settings.active_endpoint,
        "active_model": settings.active_model,
        "network": dataclasses.asdict(settings.network),
        "ui": dataclasses.asdict(settings.ui),
        "models_cache": {k: list(v) for k, v in settings.models_cache.items()},
        "tools": {
            "user_tools": [dataclasses.asdict(t) for t in settings.tools.user_tools],
            "mcp_servers": [
                {
                    **dataclasses.asdict(m),
                    "args": list(m.args),
                    "pass_env": list(m.pass_env),
                    "keyring_headers": list(m.keyring_headers),
                }
                for m in settings.tools.mcp_servers
            ],
            "always_allow": list(settings.tools.always_allow),
        },
    }


def _unknown(where: str, key: str) -> str:
    if looks_secret(key):
        return f"{where}: removed the field {key!r}; {_KEY_HINT}"
    return f"{where}: ignored the unknown field {key!r}"


def _decode_endpoint(item: object, where: str, problems: list[str]) -> Endpoint | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: not an object; dropped")
        return None
    where = f"endpoint {item['name']!r}" if isinstance(item.get("name"), str) else where
    fields = {f.name for f in dataclasses.fields(Endpoint)}
    problems.extend(_unknown(where, k) for k in item if k not in fields)
    model = item.get("default_model", "")
    if not isinstance(model, str):
        problems.append(f"{where}: default_model must be text; cleared")
        model = ""
    raw_headers = item.get("extra_headers", {})
    headers: dict[str, str] = {}
    if not isinstance(raw_headers, dict):
        problems.append(f"{where}: extra_headers must be an object; cleared")
        raw_headers = {}
    for k, v in raw_headers.items():
        try:
            headers.update([check_header(k, v)])
        except SettingsError as exc:
            problems.append(f"{where}: dropped a header: {exc}")
    try:
        limit_field = check_limit_field(item.get("output_limit_field", "auto"))
    except SettingsError as exc:
        problems.append(f"{where}: {exc}; using auto")
        limit_field = "auto"
    key_origin = item.get("key_origin", "")
    try:
        check_key_origin(key_origin, "http://placeholder")
    except SettingsError as exc:
        problems.append(f"{where}: {exc}; bound to the base URL's origin")
        key_origin = ""
    try:
        name, protocol, url = item.get("name"), item.get("protocol"), item.get("base_url")
        return Endpoint(name, protocol, url, model, headers, limit_field, key_origin)  # type: ignore[arg-type]
    except SettingsError as exc:
        problems.append(f"{where}: dropped: {exc}")
        return None


def _decode_section(name: str, cls: type, raw: object, problems: list[str]) -> object:
    if not isinstance(raw, dict):
        problems.append(f"{name}: not an object; defaults used")
        return cls()
    values: dict[str, object] = {}
    for key, value in raw.items():
        option = OPTIONS.get(f"{name}.{key}")
        if option is None:
            problems.append(_unknown(name, key))
            continue
        try:
            values[key] = option.check(value)
        except SettingsError as exc:
            problems.append(f"{exc}; using the default {json.dumps(option.default)}")
    return cls(**values)


def _decode_tool_items(
    raw: object, cls: type[UserTool] | type[McpServer], what: str, problems: list[str]
) -> list[object]:
    if not isinstance(raw, list):
        problems.append(f"tools.{what}: not a list; none loaded")
        return []
    fields = {f.name for f in dataclasses.fields(cls)}
    items: list[object] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"tools.{what} #{i + 1}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object; dropped")
            continue
        problems.extend(_unknown(where, k) for k in item if k not in fields)
        values: dict[str, typing.Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in item.items() if k in fields
        }
        try:
            decoded = cls(**values)
        except (SettingsError, TypeError) as exc:
            problems.append(f"{where}: dropped: {exc}")
            continue
        name = decoded.name.casefold()
        if name in seen:
            problems.append(f"{where}: a second entry named {decoded.name!r} was dropped")
        else:
            seen.add(name)
            items.append(decoded)
    return items


def _decode_tools(raw: object, problems: list[str]) -> ToolSettings:
    if not isinstance(raw, dict):
        problems.append("tools: not an object; defaults used")
        return ToolSettings()
    known = {f.name for f in dataclasses.fields(ToolSettings)}
    problems.extend(_unknown("tools", k) for k in raw if k not in known)
    user_tools = _decode_tool_items(raw.get("user_tools", []), UserTool, "user_tools", problems)
    servers = _decode_tool_items(raw.get("mcp_servers", []), McpServer, "mcp_servers", problems)
    allow = raw.get("always_allow", [])
    if not isinstance(allow, list) or not all(isinstance(key, str) for key in allow):
        problems.append("tools.always_allow: not a list of tool names; cleared")
        allow = []
    return ToolSettings(tuple(user_tools), tuple(servers), tuple(allow))  # type: ignore[arg-type]


def decode(data: JsonObject) -> tuple[Settings, list[str]]:
    """Build settings from a current-version document, keeping every valid value.

    Returns the settings and the problems found, one line each, for the notice.
    """
    problems: list[str] = []
    known = {"version", *(f.name for f in dataclasses.fields(Settings) if f.init)}
    problems.extend(_unknown("settings", k) for k in data if k not in known)
    endpoints: list[Endpoint] = []
    raw_eps = data.get("endpoints", [])
    if not isinstance(raw_eps, list):
        problems.append("endpoints: not a list; none loaded")
        raw_eps = []
    seen: set[str] = set()
    for i, item in enumerate(raw_eps):
        ep = _decode_endpoint(item, f"endpoint #{i + 1}", problems)
        if ep is not None and ep.name.casefold() in seen:
            problems.append(f"endpoint {ep.name!r}: a second endpoint of that name was dropped")
        elif ep is not None:
            seen.add(ep.name.casefold())
            endpoints.append(ep)
    names = {ep.name for ep in endpoints}
    active, model = data.get("active_endpoint"), data.get("active_model")
    if active is not None and active not in names:
        problems.append(f"active_endpoint: no endpoint named {active!r}; none is active")
        active = None
    if active is None or not isinstance(model, str) or not model:
        model = None
    cache = data.get("models_cache", {})
    # The model cache is only a cache: anything odd in it is dropped without a notice.
    models = {
        k: tuple(v)
        for k, v in (cache.items() if isinstance(cache, dict) else ())
        if k in names and isinstance(v, list) and all(isinstance(m, str) for m in v)
    }
    network = _decode_section("network", Network, data.get("network", {}), problems)
    ui = _decode_section("ui", Ui, data.get("ui", {}), problems)
    tools = _decode_tools(data.get("tools", {}), problems)
    settings = Settings(tuple(endpoints), active, model, network, ui, models, tools)  # type: ignore[arg-type]
    return settings, problems


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Settings as loaded, and what the user should be told about the file (or None).

    A notice means some of the file was left out: the first save copies the file aside first
    (:func:`keep_copy`).
    """

    settings: Settings
    notice: str | None = None


def load_settings(
    path: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES, max_depth: int = MAX_DEPTH
) -> LoadResult:
    """Read the settings file; a missing file means the default settings.

    Raises SettingsFileError for a file that cannot be used and SettingsVersionError for one
    from a newer version; either way the file is left exactly as it is.
    """
    path = path or paths.settings_path()
    raw = _read_bounded(path, max_bytes)
    if raw is None:
        return LoadResult(Settings())
    data = _parse(path, raw, max_depth)
    settings, problems = decode(data)
    if not problems:
        return LoadResult(settings)
    lines = "\n".join(f"- {p}" for p in problems)
    return LoadResult(settings, f"Some settings in {path} were ignored or reset:\n{lines}")


def _read_bounded(path: Path, max_bytes: int) -> bytes | None:
    """Return the file's bytes (None if there is no file) without ever blocking on it.

    Non-blocking open and fstat first: a FIFO or a device in the file's place would otherwise
    hang or stream for ever.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SettingsFileError(path, "", f"cannot be read: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SettingsFileError(path, "", "is not a regular file")
        if info.st_size > max_bytes:
            raise SettingsFileError(path, "", _too_big(info.st_size, max_bytes))
        with os.fdopen(os.dup(fd), "rb") as file:
            raw = file.read(max_bytes + 1)
    except OSError as exc:
        raise SettingsFileError(path, "", f"cannot be read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(raw) > max_bytes:  # it grew after fstat
        raise SettingsFileError(path, "", _too_big(len(raw), max_bytes))
    return raw


def _too_big(size: int, max_bytes: int) -> str:
    mib = 1024 * 1024
    return (
        f"it is {size / mib:.1f} MiB, more than the {max_bytes / mib:g} MiB a settings file "
        "may hold"
    )


def _parse(path: Path, raw: bytes, max_depth: int) -> JsonObject:
    """Decode, check and migrate the document; raise SettingsFileError saying where it fails."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SettingsFileError(path, f" line {line}", "it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SettingsFileError(path, f" line {exc.lineno} column {exc.colno}", exc.msg) from None
    except RecursionError:  # the decoder's own depth limit, well above ours
        too_deep = True
    else:
        too_deep = _deeper_than(data, max_depth)
    if too_deep:
        raise SettingsFileError(path, "", f"it is nested more than {max_depth} levels deep")
    if not isinstance(data, dict):
        raise SettingsFileError(path, "", "it does not hold a JSON object")
    try:
        return migrate(data)
    except SettingsVersionError:
        raise
    except SettingsError as exc:
        raise SettingsFileError(path, "", str(exc)) from None
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a migration's surprise
        reason = f"it could not be upgraded: {type(exc).__name__}: {exc}"
        raise SettingsFileError(path, "", reason) from None


def _deeper_than(data: object, limit: int) -> bool:
    """Tell whether `data` nests more than `limit` containers deep (without recursion)."""
    level: list[object] = [data]
    for _ in range(limit + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _aside_name(path: Path, kind: str, now: datetime | None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{kind}-{stamp}")
    for n in range(1, 1000):  # never clobber an earlier copy made in the same second
        if not aside.exists():
            break
        aside = path.with_name(f"{path.name}.{kind}-{stamp}-{n}")
    return aside


def set_aside(path: Path | None = None, *, now: datetime | None = None) -> Path:
    """Rename an unusable settings file to ``settings.json.broken-STAMP``; return the new path.

    Only ever on a person's request: the next start then begins with default settings, and the
    broken file is still there to fix or to copy from. Raises OSError.
    """
    path = path or paths.settings_path()
    aside = _aside_name(path, "broken", now)
    os.replace(path, aside)
    return aside


def keep_copy(path: Path, *, now: datetime | None = None) -> Path:
    """Copy the settings file to ``settings.json.kept-STAMP`` before a save leaves parts out."""
    aside = _aside_name(path, "kept", now)
    shutil.copy2(path, aside)
    return aside


def save_settings(
    settings: Settings, path: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> Path:
    """Write ``settings`` atomically (temp file + fsync + replace) and return the path written.

    Raises SettingsError rather than write a file too big to be read back.
    """
    path = path or paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(encode(settings), indent=2, ensure_ascii=False) + "\n").encode()
    if len(data) > max_bytes:
        raise SettingsError(f"the settings were not saved: {_too_big(len(data), max_bytes)}")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if os.name == "posix":  # make the rename itself durable; Windows cannot open directories
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path
