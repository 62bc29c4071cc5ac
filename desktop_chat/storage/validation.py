"""Check the values a person gives for settings, and refuse any that would hold a secret.

The checks are shared by the settings model, the file's decoder, the command line and the
window's forms, so every face refuses the same things in the same words.

Errors::

    SettingsError (ValueError)   a value or a file the user has to fix; the message is for a person
    ├── SecretValueError         a value would put a secret in the file (.kind, .name)
    ├── SettingsFileError        the file cannot be read as settings at all; it is left as it is
    └── SettingsVersionError     the file was written by a newer version; it is left as it is
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from desktop_chat.i18n import N_, _
from desktop_chat.storage.origin import origin_of

# The wire protocol an endpoint speaks: Chat Completions, the Responses API, or Anthropic
# Messages (one adapter each in desktop_chat.core.providers).
Protocol = Literal["openai", "openai-responses", "anthropic"]
PROTOCOLS: tuple[Protocol, ...] = typing.get_args(Protocol)
# The request field that carries the answer's length limit (OpenAI protocol only); "auto" lets
# the core choose by host (desktop_chat.core.providers.openai_chat.limit_field).
LimitField = Literal["auto", "max_tokens", "max_completion_tokens"]
LIMIT_FIELDS: tuple[LimitField, ...] = typing.get_args(LimitField)
# A reasoning effort for OpenAI-style protocols; "" sends none (the model's own default).
ReasoningEffort = Literal["", "none", "minimal", "low", "medium", "high"]
REASONING_EFFORTS: tuple[ReasoningEffort, ...] = typing.get_args(ReasoningEffort)
MAX_THINKING_BUDGET = 1_000_000
# The parts of the settings, as a form shows them.
Section = Literal["endpoints", "network", "ui", "tools"]


class SettingsError(ValueError):
    """Raised for a setting or settings file the user has to fix; the message is for a person.

    ``section`` names the part of the settings that failed when the raiser knows it, so that a
    form can show that part without reading the message.
    """

    def __init__(self, message: str, *, section: Section | None = None) -> None:
        super().__init__(message)
        self.section = section


class SecretValueError(SettingsError):
    """Raised when a value would store a secret in the settings file.

    ``kind`` ("env" or "header") and ``name`` say which value it is, so that a form can offer
    to keep it elsewhere; ``remedy`` says how in the words of the command line, and a form puts
    its own in its place (:meth:`with_remedy`).
    """

    def __init__(
        self, refusal: str, remedy: str, *, kind: Literal["env", "header"], name: str
    ) -> None:
        super().__init__(_("{refusal} ({remedy})").format(refusal=refusal, remedy=remedy))
        self.refusal = refusal
        self.remedy = remedy
        self.kind = kind
        self.name = name

    def with_remedy(self, remedy: str) -> SecretValueError:
        """Return the same refusal with another remedy."""
        return SecretValueError(self.refusal, remedy, kind=self.kind, name=self.name)


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
            _("{summary} (fix {path}, or move it away to start with default settings)").format(
                summary=self.summary, path=path
            )
        )


_SECRET_WORDS = ("apikey", "secret", "password", "passwd", "token", "authorization", "cookie")
SECRET_VALUE = re.compile(r"^\s*(bearer\s+\S|basic\s+\S|sk-[\w-]{8,})", re.IGNORECASE)
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Marked only: `_(KEY_HINT)` where it is shown, so it follows the language.
KEY_HINT = N_("API keys are kept in the system keyring (`desktop-chat endpoint set-key NAME`)")


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
        raise SettingsError(_("an endpoint needs a name"))
    name = name.strip()
    if len(name) > 64 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise SettingsError(
            _("endpoint name {name!r} is too long or has control characters").format(name=name[:64])
        )
    return name


def check_base_url(url: object) -> str:
    """Return a valid http(s) base URL without a trailing slash, or raise SettingsError."""
    if not isinstance(url, str) or not url.strip():
        raise SettingsError(_("the base URL is empty"))
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            _("base URL {url!r} must start with http:// or https:// and name a host").format(
                url=url
            )
        )
    if parts.username is not None or parts.password is not None:
        raise SettingsError(
            _("the base URL must not contain a user name or password; {hint}").format(
                hint=_(KEY_HINT)
            )
        )
    if any(looks_secret(k) for k, _value in parse_qsl(parts.query, keep_blank_values=True)):
        raise SettingsError(
            _("the base URL must not carry a key in its query; {hint}").format(hint=_(KEY_HINT))
        )
    if parts.fragment:
        raise SettingsError(_("base URL {url!r} must not have a #fragment").format(url=url))
    return url


def check_header_name(name: object) -> str:
    """Return ``name`` (trimmed) if it is a valid HTTP header name, or raise SettingsError."""
    if not isinstance(name, str) or not _HEADER_NAME.match(name.strip()):
        raise SettingsError(_("{name!r} is not a valid HTTP header name").format(name=name))
    return name.strip()


def check_header(name: object, value: object) -> tuple[str, str]:
    """Return a valid extra header as ``(name, value)``; refuse headers that would hold a key."""
    if not isinstance(name, str) or not _HEADER_NAME.match(name):
        raise SettingsError(_("{name!r} is not a valid HTTP header name").format(name=name))
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        raise SettingsError(_("header {name!r} needs a one-line text value").format(name=name))
    if looks_secret(name) or SECRET_VALUE.match(value):
        raise SettingsError(
            _("header {name!r} would store a secret in settings; {hint}").format(
                name=name, hint=_(KEY_HINT)
            )
        )
    return name, value.strip()


def check_proxy_url(url: str) -> str:
    """Return a valid proxy URL (or empty), refusing embedded passwords."""
    url = url.strip()
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise SettingsError(
            _("proxy URL {url!r} must look like http://host:port or socks5://host:port").format(
                url=url
            )
        )
    if parts.password is not None:
        raise SettingsError(_("the proxy URL must not contain a password"))
    return url


def check_protocol(value: object) -> Protocol:
    """Return ``value`` if it names a protocol, else raise SettingsError."""
    if value not in PROTOCOLS:
        names = ", ".join(repr(p) for p in PROTOCOLS)
        raise SettingsError(
            _("protocol must be one of {names}, not {value!r}").format(names=names, value=value)
        )
    return value


def check_limit_field(value: object) -> LimitField:
    """Return ``value`` if it names an output limit field (or "auto"), else raise SettingsError."""
    if value not in LIMIT_FIELDS:
        raise SettingsError(
            _(
                "the output limit field must be auto, max_tokens or max_completion_tokens, "
                "not {value!r}"
            ).format(value=value)
        )
    return value


def check_reasoning_effort(value: object) -> ReasoningEffort:
    """Return ``value`` if it is a reasoning effort ("" for none), else raise SettingsError."""
    if value not in REASONING_EFFORTS:
        raise SettingsError(
            _(
                "the reasoning effort must be one of {efforts} (or empty for none), not {value!r}"
            ).format(efforts=", ".join(e for e in REASONING_EFFORTS if e), value=value)
        )
    return value


def check_thinking_budget(value: object) -> int:
    """Return a thinking budget in tokens (0: no extended thinking), or raise SettingsError.

    Anthropic's own minimum (1,024) is checked where the request is made, against the turn's
    max tokens, so that the message can name both numbers.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(
            _("the thinking budget must be a whole number of tokens, not {value!r}").format(
                value=value
            )
        )
    if not 0 <= value <= MAX_THINKING_BUDGET:
        raise SettingsError(
            _("the thinking budget must be between 0 and {limit}").format(
                limit=f"{MAX_THINKING_BUDGET:,}"
            )
        )
    return value


def check_key_origin(value: object, base_url: str) -> str:
    """Return the origin a key is bound to (``base_url``'s when empty), or raise SettingsError."""
    if value in ("", None):
        return origin_of(base_url)
    try:
        if isinstance(value, str) and origin_of(value) == value:
            return value
    except ValueError:
        pass
    raise SettingsError(
        _("key_origin {value!r} is not an origin such as https://api.example.com").format(
            value=value
        )
    )
