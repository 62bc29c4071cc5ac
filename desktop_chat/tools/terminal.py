"""Approve tool calls, and type user-defined tools' results, on a terminal (stdin and stderr).

Lines are read in a daemon thread per prompt, not in asyncio's default executor: an
interrupted prompt must not keep the process waiting for Enter on its way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import TextIO

from desktop_chat.tools.events import AlwaysAllow, Decision, Deny, Edit, PendingCall, Run
from desktop_chat.tools.schema import describe_problems

MAX_TRIES = 3
_CHOICES: dict[str, Decision] = {
    "r": Run(),
    "run": Run(),
    "y": Run(),
    "yes": Run(),
    "d": Deny(),
    "deny": Deny(),
    "n": Deny(),
    "no": Deny(),
    "a": AlwaysAllow(),
    "always": AlwaysAllow(),
}


def one_line(text: str, limit: int = 200) -> str:
    """`text` on one line, whitespace runs collapsed, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe_call(pending: PendingCall) -> str:
    """One line: the tool, where it comes from, its arguments and what is wrong with them."""
    tool = pending.tool
    origin = f" [{tool.origin}]" if tool is not None else " [not offered]"
    shown = pending.call.arguments
    if pending.arguments is not None:
        shown = json.dumps(pending.arguments, ensure_ascii=False)
    text = f"{pending.call.name}({one_line(shown, 400)}){origin}"
    if pending.parse_error:
        text += f" — {pending.parse_error}"
    elif pending.schema_errors:
        text += f" — {describe_problems(pending.schema_errors)}"
    return text


class TerminalApprover:
    """Ask on `err`, read answers from `inp`; end of input denies."""

    def __init__(self, inp: TextIO, err: TextIO) -> None:
        self._in = inp
        self._err = err
        self._lock = asyncio.Lock()  # concurrent calls take turns at the one terminal

    async def approve(self, pending: PendingCall) -> Decision:
        """Ask run / deny / always / edit for one call."""
        async with self._lock:
            self._say(f"tool call: {describe_call(pending)}")
            for _ in range(MAX_TRIES):
                line = await self._ask("Run it? [r]un, [d]eny, [a]lways allow, [e]dit: ")
                if line is None:
                    return Deny("no answer came on stdin")
                word = line.strip().lower()
                if word in ("e", "edit"):
                    arguments = await self._ask("New arguments (a JSON object on one line): ")
                    if arguments is None:
                        return Deny("no answer came on stdin")
                    return Edit(arguments.strip())
                if word in _CHOICES:
                    return _CHOICES[word]
                self._say("Please answer r, d, a or e.")
            return Deny("no valid answer was given")

    async def answer(self, pending: PendingCall) -> str | None:
        """Let the user type the result of a user-defined tool; None at end of input."""
        async with self._lock:
            line = await self._ask(f"Result of {pending.call.name} (one line): ")
            return None if line is None else line.rstrip("\r\n")

    def _say(self, text: str) -> None:
        self._err.write(text + "\n")
        self._err.flush()

    async def _ask(self, prompt: str) -> str | None:
        self._err.write(prompt)
        self._err.flush()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()

        def read() -> None:
            try:
                line = self._in.readline()
            except (OSError, ValueError):
                line = ""
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                loop.call_soon_threadsafe(_settle, future, line)

        threading.Thread(target=read, name="tool-prompt", daemon=True).start()
        line = await future
        return line if line else None  # "" is end of input; an empty answer is "\n"


def _settle(future: asyncio.Future[str], line: str) -> None:
    if not future.done():
        future.set_result(line)
