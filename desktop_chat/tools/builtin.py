"""The built-in tools: current_time, calculator and read_text_file.

They run in-process and never reach the network. read_text_file only reads below directories
the user allowed; with none allowed it refuses, and it says so in words the model can relay.

Their work runs in a worker thread, so the event loop keeps turning (the window repaints, Stop
and the tool timeout act at once) while a file is read or an expression computed. A thread is
enough because the work is also bounded: a thread cannot be killed, and one long C call holds
the GIL and stalls the loop whatever thread makes it, so the calculator refuses or clamps every
operation that could take long (see calculator.py) and a call abandoned by a timeout or Stop
ends within milliseconds. A process per call would survive unbounded work, but costs a start
per call and a second entry point in the frozen app, for work that is already bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop_chat.core.conversation import JSONValue, Tool
from desktop_chat.i18n import _
from desktop_chat.tools.calculator import CalculatorError, evaluate, format_number
from desktop_chat.tools.registry import ToolEntry, ToolFailure, ToolOutput

MAX_FILE_BYTES = 256 * 1024
_BINARY_PROBE = 8192

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def current_time(zone: str = "UTC", now: Clock = _utc_now) -> str:
    """The date and time in IANA time zone `zone`, e.g. ``2024-05-06T09:08:09+02:00 ...``."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolFailure(
            _("unknown time zone {zone!r}; use an IANA name such as Europe/Paris or UTC").format(
                zone=zone
            )
        ) from None
    local = now().astimezone(tz)
    return f"{local.isoformat(timespec='seconds')} ({local:%A}, {zone}, {local.tzname()})"


def read_text_file(path: str, allowed: Sequence[Path], limit: int = MAX_FILE_BYTES) -> str:
    """The text of `path` if it lies below an allowed directory; refuse anything else."""
    if not allowed:
        raise ToolFailure(
            _("reading files is not allowed: the user has not allowed any directory for this tool")
        )
    roots = [root.resolve() for root in allowed]
    given = Path(path).expanduser()
    target = given if given.is_absolute() else roots[0] / given
    try:
        resolved = target.resolve(strict=True)  # symlinks out of an allowed directory stay out
    except (OSError, RuntimeError):
        raise ToolFailure(_("no such file: {path}").format(path=path)) from None
    if not any(resolved.is_relative_to(root) for root in roots):
        shown = ", ".join(str(root) for root in roots)
        raise ToolFailure(
            _("reading {path} is not allowed: only files under {allowed} may be read").format(
                path=path, allowed=shown
            )
        )
    if not resolved.is_file():
        raise ToolFailure(_("{path} is not a regular file").format(path=path))
    try:
        with resolved.open("rb") as file:
            data = file.read(limit + 1)
            size = resolved.stat().st_size
    except OSError as exc:
        raise ToolFailure(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    if b"\x00" in data[:_BINARY_PROBE]:
        raise ToolFailure(_("{path} is not a text file").format(path=path))
    text = data[:limit].decode("utf-8", errors="replace")
    if len(data) > limit:
        text += f"\n[… cut: the file has {size} bytes; the first {limit} are shown]"
    return text


def calculate(expression: str) -> str:
    """The calculator's result as the model reads it; a refusal is a ToolFailure."""
    try:
        return format_number(evaluate(expression))
    except CalculatorError as exc:
        raise ToolFailure(str(exc)) from None


def _string(arguments: dict[str, JSONValue], name: str, default: str | None = None) -> str:
    value = arguments.get(name, default)
    if not isinstance(value, str):
        raise ToolFailure(_("the argument {name!r} must be a string").format(name=name))
    return value


def builtin_entries(allowed_dirs: Sequence[Path] = (), *, now: Clock = _utc_now) -> list[ToolEntry]:
    """The built-in tools; `allowed_dirs` are the directories read_text_file may read."""
    allowed = tuple(allowed_dirs)

    async def run_time(arguments: dict[str, JSONValue]) -> ToolOutput:
        zone = _string(arguments, "timezone", "UTC")
        return ToolOutput(await asyncio.to_thread(current_time, zone, now))  # reads tzdata

    async def run_calculator(arguments: dict[str, JSONValue]) -> ToolOutput:
        return ToolOutput(await asyncio.to_thread(calculate, _string(arguments, "expression")))

    async def run_read(arguments: dict[str, JSONValue]) -> ToolOutput:
        path = _string(arguments, "path")
        return ToolOutput(await asyncio.to_thread(read_text_file, path, allowed))

    def string_param(description: str) -> dict[str, JSONValue]:
        return {"type": "string", "description": description}

    def schema(name: str, description: str, required: bool) -> dict[str, JSONValue]:
        return {
            "type": "object",
            "properties": {name: string_param(description)},
            "required": [name] if required else [],
            "additionalProperties": False,
        }

    tools = [
        (
            Tool(
                "current_time",
                "Get the current date and time in a time zone.",
                schema("timezone", "IANA time zone such as Europe/Paris; default UTC", False),
            ),
            run_time,
        ),
        (
            Tool(
                "calculator",
                "Evaluate an arithmetic expression: numbers, + - * / // % **, parentheses, "
                "functions such as sqrt, log, sin, and the constants pi and e.",
                schema("expression", "for example (2 + 3) * sqrt(16)", True),
            ),
            run_calculator,
        ),
        (
            Tool(
                "read_text_file",
                "Read a UTF-8 text file the user has allowed (at most 256 KiB are returned).",
                schema("path", "absolute, or relative to the first allowed directory", True),
            ),
            run_read,
        ),
    ]
    return [ToolEntry(tool, "builtin", tool.name, runner) for tool, runner in tools]
