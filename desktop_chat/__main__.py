"""`python -m desktop_chat` and the `desktop-chat` command."""

from __future__ import annotations

import sys

from desktop_chat.cli import main as _main


def main() -> None:
    sys.exit(_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
