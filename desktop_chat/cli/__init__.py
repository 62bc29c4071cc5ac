"""The command line: the window by default, `ask` to stream headless, settings commands offline.

Every failure ends in one human line on stderr and a non-zero exit, never a traceback; Ctrl-C
(130) and a reader that goes away (141) end quietly (see `desktop_chat.__main__`).
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

import desktop_chat
from desktop_chat.logs import setup_logging

if TYPE_CHECKING:
    from desktop_chat.core.attachment import ImageFitter

EPILOG = """\
examples:
  desktop-chat ask "What is SSE?"              the demo answers until an endpoint is saved
  echo "hi" | desktop-chat ask                 the prompt from stdin
  cat notes.md | desktop-chat ask "summarize"  stdin, a blank line, then the instruction
  desktop-chat endpoint add work --preset OpenAI --model gpt-4o-mini
  desktop-chat endpoint set-key work           the key is read from stdin, into the keyring
  desktop-chat models --endpoint work
  desktop-chat doctor --online                 what is set up, and each endpoint tested
  desktop-chat COMMAND --help                  each command's options

environment:
  DESKTOP_CHAT_API_KEY   the key to send, instead of the saved endpoint's (ask, models, doctor)
  DESKTOP_CHAT_HOME      keep settings, history and logs in this folder (as --profile-dir)
  HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY   used while network.proxy_mode is system

exit status:
  0    done
  1    the command could not do what was asked (a failed turn or test, no keyring)
  2    the command line or the settings need fixing (usage, an unreadable settings
       file, a name that is not saved, a key held back for another address)
  130  interrupted (Ctrl-C)
  141  stdout's reader went away (| head)
"""

CLI_LOG = "cli.log"  # in the profile's log folder (see `desktop-chat doctor`)

SUBCOMMANDS = (
    "ask", "models", "preset", "endpoint", "config", "mcp", "tool", "history", "doctor",
    "update-check", "completion",
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    from desktop_chat.cli import (
        ask,
        completion,
        config,
        doctor,
        endpoints,
        history,
        mcp,
        models,
        presets,
        tools,
        update_check,
    )

    parser = argparse.ArgumentParser(
        prog="desktop-chat",
        description="A desktop client for LLM APIs. With no command, opens the window.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"desktop-chat {desktop_chat.__version__}"
    )
    parser.add_argument(
        "--profile-dir", metavar="DIR", help="keep settings, history and logs in DIR (portable)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        help=f"log each HTTP attempt and retry to stderr and to the log file ({CLI_LOG})",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask.add_parser(sub)
    models.add_parser(sub)
    presets.add_parsers(sub)
    endpoints.add_parsers(sub)
    config.add_parsers(sub)
    mcp.add_parsers(sub)
    tools.add_parsers(sub)
    history.add_parsers(sub)
    doctor.add_parser(sub)
    update_check.add_parser(sub)
    completion.add_parser(sub, parser)
    _profile_dir_after_commands(parser)
    return parser


def _profile_dir_after_commands(parser: argparse.ArgumentParser) -> None:
    """Accept --profile-dir after any command too (`desktop-chat ask --profile-dir X ...`).

    Added to every command's parser once they all exist, so that commands added later take it
    too; SUPPRESS keeps a value given before the command when none is given after it.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command.add_argument(
                    "--profile-dir", metavar="DIR", default=argparse.SUPPRESS,
                    help="keep settings, history and logs in DIR (portable)",
                )  # fmt: skip
                _profile_dir_after_commands(command)


def _setup_logging(*, verbose: bool) -> None:
    """Notices a person needs are printed by the commands; the log is for --verbose.

    Verbose runs are logged to the profile's log file too (its own file: the window rotates
    its log, and two processes rotating one file would lose lines).
    """
    if not verbose:
        setup_logging(level=logging.CRITICAL + 1)
        return
    from desktop_chat import paths

    try:
        setup_logging(level=logging.INFO, log_file=paths.log_dir() / CLI_LOG)
    except OSError as exc:  # a read-only profile must not stop the command
        setup_logging(level=logging.INFO)
        logging.getLogger(__name__).warning("cannot write the log file: %s", exc)


def command_of(argv: list[str]) -> str | None:
    """The first word that is not an option or the value of --profile-dir."""
    words = iter(argv)
    for word in words:
        if word == "--profile-dir":
            next(words, None)
        elif word in ("-h", "--help", "--version") or not word.startswith("-"):
            return word
    return None


def main(argv: list[str], *, image_fitter: ImageFitter | None = None) -> int:
    """Run the command in `argv`; with none, print the help (exit 2).

    Opening the window when no command is given is `desktop_chat.__main__`'s choice, above both
    faces: the command line never imports the window. `image_fitter` downscales attached
    images (`ask --attach`); `__main__` hands in Qt's, which only `ui` may import.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.image_fitter = image_fitter
    if args.profile_dir:
        from desktop_chat.paths import set_profile_dir

        set_profile_dir(args.profile_dir)
    _setup_logging(verbose=args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # Ctrl-C and a closed stdout propagate to `desktop_chat.__main__`, which ends them quietly.
    return int(args.func(args))
