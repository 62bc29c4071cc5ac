"""Export a recorded request: as a cURL command to re-run it, or as JSON Lines of its events.

The key never leaves: in a cURL command the key header refers to an environment variable
(`"Authorization: Bearer ${OPENAI_API_KEY}"`, `"x-api-key: ${ANTHROPIC_API_KEY}"`), which the
shell expands when the command runs; every other secret-looking header stays redacted.

The body is always whole, attachments included, so the command repeats the request. A long
body (an image, a PDF) goes on the command's standard input as a quoted here-document: a single
argument is limited to 128 KiB on Linux (MAX_ARG_STRLEN), which `--data-raw` would exceed. The
here-document ends the body with a newline, which JSON ignores.
"""

from __future__ import annotations

import json
import re
import shlex

from desktop_chat.inspector.inspection import Inspection
from desktop_chat.inspector.trace import REDACTED, RequestTrace, is_secret_header

_BEARER_HEADERS = {"authorization"}
_KEY_HEADERS = {"x-api-key", "api-key", "x-goog-api-key"}
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#%&'*+.^_`|~-]+$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_ARGUMENT = 100_000  # characters of body passed as an argument; more goes on stdin
_END = "DESKTOP_CHAT_BODY"


def key_variable(request: RequestTrace) -> str:
    """The conventional environment variable for the request's key: by the header it uses."""
    names = {name.lower() for name, _ in request.headers}
    if "x-api-key" in names or "anthropic-version" in names:
        return "ANTHROPIC_API_KEY"
    return "OPENAI_API_KEY"


def curl_command(request: RequestTrace, *, variable: str | None = None) -> str:
    """A POSIX-shell cURL command that repeats `request` and streams its answer (`-N`).

    The key header reads the key from `$variable` (by default the protocol's usual one).
    """
    variable = variable or key_variable(request)
    if not _VARIABLE.match(variable):
        raise ValueError(f"not a shell variable name: {variable!r}")
    first = "curl -N"
    if request.method and (request.method != "POST" or not request.body):
        first += f" -X {shlex.quote(request.method)}"
    parts = [first, shlex.quote(request.url)]
    for name, value in request.headers:
        lower = name.lower()
        if lower in _BEARER_HEADERS:
            parts.append(f"-H {_with_variable(name, 'Bearer ', variable)}")
        elif lower in _KEY_HEADERS:
            parts.append(f"-H {_with_variable(name, '', variable)}")
        else:
            shown = REDACTED if is_secret_header(name) else value
            parts.append(f"-H {shlex.quote(f'{name}: {shown}')}")
    if not request.body:
        return " \\\n  ".join(parts)
    if len(request.body) <= MAX_ARGUMENT or "\n" in request.body:
        parts.append(f"--data-raw {shlex.quote(request.body)}")
        return " \\\n  ".join(parts)
    # The engine sends JSON on one line, so no line of it can end the here-document early.
    parts.append("--data-binary @-")
    return " \\\n  ".join(parts) + f" <<'{_END}'\n{request.body}\n{_END}"


def _with_variable(name: str, prefix: str, variable: str) -> str:
    """`"Name: prefix${VARIABLE}"`: double quotes so the shell expands the variable only."""
    if _HEADER_NAME.match(name) and "'" not in name and "`" not in name:
        return f'"{name}: {prefix}${{{variable}}}"'
    return shlex.quote(f"{name}: {prefix}") + f'"${{{variable}}}"'


def jsonl_lines(source: RequestTrace | Inspection) -> str:
    """One JSON object per line for each event of a request (or of a whole answer).

    Each line holds `t` (seconds since its request started), `since_start`, `kind`, `type`,
    `step`, `attempt`, `summary`, `raw` (as on the wire) and `parsed` (its JSON).
    """
    lines = [json.dumps(entry.record(), ensure_ascii=False) for entry in source.entries]
    return "".join(line + "\n" for line in lines)
