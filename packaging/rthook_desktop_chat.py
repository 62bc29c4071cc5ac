"""PyInstaller runtime hook: fix up the process before Desktop Chat starts.

- Linux: give child processes the environment the user started the app with. The bootloader
  puts the bundle's library folder first on LD_LIBRARY_PATH (keeping the user's value in
  LD_LIBRARY_PATH_ORIG). This process has already used it, but programs it starts would inherit
  it: a link opened through xdg-open, or an MCP server, would start with our libssl and
  libpython ahead of the system's. The dynamic loader reads the variable once, at process
  start, so undoing it here changes nothing for the app itself.
- Linux: a platform or input method the bundle has no plugin for must not leave the user with
  no window or no CJK input (``QT_QPA_PLATFORM=wayland``, ``QT_IM_MODULE=fcitx``): Qt is told
  of a bundled plugin to try next. desktop_chat.ui.plugin_fallback says how; the window's
  start runs the same function for the source install. It runs here too, before any of the
  app's code, so that every start of the bundled Qt (the packaging checks' probe included)
  gets the same environment. The bundle's modules are importable by now: the bootloader
  installs its importer before it runs runtime hooks.
- Windows, windowed .exe: there is no console, so sys.stdout and sys.stderr are None and the
  first print (a command's output, a self-test report) would raise. Send them to the null
  device instead; the console twin desktop-chat-cli.exe (installed also as desktop-chat.com,
  which a terminal's `desktop-chat` finds first) is the one to use for commands.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _restore_library_path() -> None:
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)


def _fall_back_to_bundled_plugins() -> None:
    from desktop_chat.ui.plugin_fallback import fall_back_to_present_plugins

    fall_back_to_present_plugins(Path(getattr(sys, "_MEIPASS", ""), "PySide6", "Qt", "plugins"))


def _give_windowed_app_streams() -> None:
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the app
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


if sys.platform.startswith("linux"):
    _restore_library_path()
    _fall_back_to_bundled_plugins()
_give_windowed_app_streams()
