"""`desktop-chat update-check [--json]`: ask the release feed once whether a newer version exists.

Running the command is the consent: it checks whatever ``ui.check_for_updates`` says (that
setting governs only the window's check after start). It sends one GET to the build's feed (see
:mod:`desktop_chat.session.release_check`), through the network settings' proxy and TLS, and
never downloads or installs anything.

Exit status: 0 when the check worked (up to date or a newer version found; the output says
which), 1 when it failed (no answer, an HTTP error, an answer that is not a release), 2 when
this build knows no feed or a setting is wrong.

``--json`` (stable: fields may be added, never renamed or removed)::

    {"status": "newer" | "up-to-date", "current": str, "latest": str, "page": str,
     "newer": bool, "feed": str}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from desktop_chat import paths
from desktop_chat.cli.error import CliError, guarded
from desktop_chat.core.errors import ConfigurationError
from desktop_chat.session.release_check import (
    FeedFailed,
    FeedUnknown,
    as_json,
    check_release,
)
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.storage.validation import SettingsError, SettingsFileError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "update-check",
        help="ask the release feed whether a newer version exists (nothing is installed)",
        description="Send one GET to this build's release feed and say whether a newer "
        "version exists. Nothing is downloaded or installed.",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=guarded(_run))


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(paths.settings_path()).settings
    except SettingsFileError as exc:
        raise CliError(str(exc), 2) from exc
    except SettingsError as exc:  # a newer version's file: a settings problem too
        raise CliError(str(exc), 2) from exc
    try:
        result = asyncio.run(check_release(settings.network))
    except FeedUnknown as exc:
        raise CliError(str(exc), 2) from exc
    except ConfigurationError as exc:
        raise CliError(f"{exc} (network settings; see `desktop-chat config show`)", 2) from exc
    except FeedFailed as exc:
        raise CliError(f"update check failed: {exc}", 1) from exc
    if args.json:
        sys.stdout.write(json.dumps(as_json(result)) + "\n")
    elif result.newer:
        sys.stdout.write(
            f"Desktop Chat {result.latest} is available (this is {result.current}): {result.page}\n"
        )
    else:
        sys.stdout.write(
            f"Desktop Chat {result.current} is up to date (the latest release is "
            f"{result.latest}).\n"
        )
    return 0
