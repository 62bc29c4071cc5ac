"""Read the text fields of the MCP server editor; say the settings layer's refusals in its words.

`McpServer` judges every server, so the editor, `desktop-chat mcp add` and the settings file
refuse the same things in the same words; only the hints that name CLI options are rewritten
here to name the form's own controls.
"""

from __future__ import annotations

import shlex

from desktop_chat.i18n import N_, _
from desktop_chat.storage.validation import SecretValueError, SettingsError

MOVE_HINT = N_("press “Move to secret headers”")


def split_args(text: str) -> tuple[str, ...]:
    """Split an argument line the way a POSIX shell would (quotes and backslashes)."""
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        problem = _("the arguments cannot be split like a shell line: {problem}")
        raise SettingsError(problem.format(problem=exc)) from None


def parse_env(text: str) -> dict[str, str]:
    """Read ``NAME=value`` lines; blank lines are skipped."""
    env: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise SettingsError(
                _(
                    "environment line {number} ({line}) wants NAME=value; list variables to "
                    "hand on from the app's environment under “Pass from environment”"
                ).format(number=number, line=repr(line.strip()))
            )
        env[name.strip()] = value
    return env


def parse_headers(text: str) -> dict[str, str]:
    """Read ``Name: value`` lines, as `desktop-chat mcp add --header` does; blanks are skipped."""
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise SettingsError(
                _("header line {number} ({line}) wants Name: value").format(
                    number=number, line=repr(line.strip())
                )
            )
        headers[name.strip()] = value.strip()
    return headers


def take_header(text: str, name: str) -> tuple[str, str]:
    """Remove every ``name:`` line from header text; return the rest and the last value."""
    kept: list[str] = []
    value = ""
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        if sep and key.strip().casefold() == name.casefold():
            value = rest.strip()
        else:
            kept.append(line)
    return "".join(f"{line}\n" for line in kept), value


def in_form_words(exc: SettingsError) -> SettingsError:
    """Return the refusal with its CLI remedy replaced by the form's control that fixes it."""
    if not isinstance(exc, SecretValueError):
        return exc
    if exc.kind == "env":
        return exc.with_remedy(_("add {name} to “Pass from environment”").format(name=exc.name))
    return exc.with_remedy(_(MOVE_HINT))


def secret_plain_header(exc: SettingsError) -> str | None:
    """The plain header that a refusal says holds a secret, if it says so."""
    return exc.name if isinstance(exc, SecretValueError) and exc.kind == "header" else None
