"""PyInstaller runtime hook: fix up the process before Desktop Chat's own code runs.

- Linux: give child processes the environment the user started the app with. The bootloader
  puts the bundle's library folder first on LD_LIBRARY_PATH (keeping the user's value in
  LD_LIBRARY_PATH_ORIG). This process has already used it, but programs it starts would inherit
  it: a link opened through xdg-open, or an MCP server, would start with our libssl and
  libpython ahead of the system's. The dynamic loader reads the variable once, at process
  start, so undoing it here changes nothing for the app itself.
- Windows, windowed .exe: there is no console, so sys.stdout and sys.stderr are None and the
  first print (a command's output, a self-test report) would raise. Send them to the null
  device instead; the console twin desktop-chat-cli.exe is the one to use for commands.
"""

from __future__ import annotations

import os
import sys


def _restore_library_path() -> None:
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)


def _give_windowed_app_streams() -> None:
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the app
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


if sys.platform.startswith("linux"):
    _restore_library_path()
_give_windowed_app_streams()
