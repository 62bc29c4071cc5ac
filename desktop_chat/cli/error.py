"""End a command with one human line on stderr and an exit status, never a traceback.

Every command raises `CliError` for what it refuses or cannot do; `guarded` also turns the
storage errors a handler meets into that line. Exit statuses: 2 when the command line or the
settings need fixing, 1 when the command could not do what was asked (130 and 141 are
`desktop_chat.__main__`'s).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

from desktop_chat.storage.secrets import KeyStoreError
from desktop_chat.storage.validation import SettingsError

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """Raised to end a command with this message on stderr and exit status `code` (2 or 1)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def guarded(handler: Handler) -> Handler:
    """Turn the errors a handler can meet into one stderr line and an exit status."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except CliError as exc:
            _err(f"desktop-chat: {exc}")
            return exc.code
        except SettingsError as exc:
            _err(f"desktop-chat: {exc}")
            return 2
        except KeyStoreError as exc:
            _err(f"desktop-chat: {exc}")
            return 1
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _err(f"desktop-chat: {where}{exc.strerror or exc}")
            return 1

    return run


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
