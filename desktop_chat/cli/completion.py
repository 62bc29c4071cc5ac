"""`desktop-chat completion bash|zsh|fish`: print a shell completion script.

The scripts are generated from the command line's own parser by `shtab`, so they list exactly
the commands and options this version has; nothing is written by hand, nothing runs Python at
completion time.
"""

from __future__ import annotations

import argparse
import sys

SHELLS = ("bash", "zsh", "fish")

EXAMPLES = """\
install (or let the .deb do it):
  desktop-chat completion bash > ~/.local/share/bash-completion/completions/desktop-chat
  desktop-chat completion zsh > ~/.zfunc/_desktop-chat     (with fpath+=~/.zfunc before compinit)
  desktop-chat completion fish > ~/.config/fish/completions/desktop-chat.fish
"""


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], root: argparse.ArgumentParser
) -> None:
    """Add `completion`; `root` is the whole command line, whose script it prints."""
    parser = sub.add_parser(
        "completion",
        help="print a completion script for bash, zsh or fish",
        description="Print a shell completion script for desktop-chat on stdout.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(func=lambda args: _print(root, args.shell))


def _print(root: argparse.ArgumentParser, shell: str) -> int:
    import shtab

    sys.stdout.write(shtab.complete(root, shell=shell))
    return 0
