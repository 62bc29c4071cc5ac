"""PyInstaller runtime hook: fix up the process before Desktop Chat's own code runs.

- Linux: give child processes the environment the user started the app with. The bootloader
  puts the bundle's library folder first on LD_LIBRARY_PATH (keeping the user's value in
  LD_LIBRARY_PATH_ORIG). This process has already used it, but programs it starts would inherit
  it: a link opened through xdg-open, or an MCP server, would start with our libssl and
  libpython ahead of the system's. The dynamic loader reads the variable once, at process
  start, so undoing it here changes nothing for the app itself.
- Linux: a platform or input method the bundle has no plugin for must not leave the user with
  no window or no CJK input. ``QT_QPA_PLATFORM=wayland`` (set by many Sway and Hyprland
  setups) aborts Qt when the Wayland plugin is missing, and the bundle ships only xcb (see
  packaging/README.md), so xcb is added as the fallback Qt tries next (XWayland). Likewise
  ``QT_IM_MODULE=fcitx`` names a plugin built against one Qt release that no wheel carries;
  Fcitx 5 also speaks the IBus protocol, so ibus (bundled) is added as the next choice.
  Qt's IBus plugin, though, disables itself unless ``ibus-daemon`` is on PATH, which a
  desktop with Fcitx 5 alone lacks; ``IBUS_USE_PORTAL=1`` makes it skip that test and talk to
  org.freedesktop.portal.IBus, which Fcitx 5's IBus front end serves as ibus-daemon would.
- Windows, windowed .exe: there is no console, so sys.stdout and sys.stderr are None and the
  first print (a command's output, a self-test report) would raise. Send them to the null
  device instead; the console twin desktop-chat-cli.exe (installed also as desktop-chat.com,
  which a terminal's `desktop-chat` finds first) is the one to use for commands.
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


def with_fallback(requested: str | None, available: set[str], fallback: str) -> str | None:
    """Return a ``;``-separated Qt plugin list that ends in ``fallback`` when none is bundled.

    ``requested`` is the user's QT_QPA_PLATFORM (or input method); entries may carry options
    after a colon (``wayland:no-decorations``). None or "" means Qt's own choice: left alone.
    """
    if not requested:
        return requested
    names = [entry.split(":", 1)[0].strip() for entry in requested.split(";")]
    if any(name in available for name in names):
        return requested
    return f"{requested};{fallback}"


def _plugins(kind: str) -> set[str]:
    """Name the bundled Qt plugins of one kind, as Qt's keys for them ("xcb", "ibus", ...)."""
    folder = os.path.join(getattr(sys, "_MEIPASS", ""), "PySide6", "Qt", "plugins", kind)
    try:
        files = os.listdir(folder)
    except OSError:
        return set()
    keys = set()
    for name in files:
        stem = name.removeprefix("lib").split(".", 1)[0]
        keys.add(stem.removesuffix("platforminputcontextplugin").removeprefix("q"))
    return keys


def needs_ibus_portal(methods: str | None, ibus_daemon: str | None) -> bool:
    """Tell whether Qt's IBus plugin must use the IBus portal to reach an input method.

    ``methods`` is the input-method list Qt will read (QT_IM_MODULES, else QT_IM_MODULE);
    ``ibus_daemon`` is where ``ibus-daemon`` was found on PATH, or None. Qt's plugin counts
    itself valid only when that program exists (QIBusPlatformInputContextPrivate), unless
    IBUS_USE_PORTAL is set: then it asks org.freedesktop.portal.IBus, served by ibus's own
    portal and by Fcitx 5's IBus front end alike. Without either service it fails as before.
    """
    names = [entry.split(":", 1)[0].strip() for entry in (methods or "").split(";")]
    return "ibus" in names and ibus_daemon is None


def _fall_back_to_bundled_plugins() -> None:
    import shutil

    platform = with_fallback(os.environ.get("QT_QPA_PLATFORM"), _plugins("platforms"), "xcb")
    if platform:
        os.environ["QT_QPA_PLATFORM"] = platform
    if "QT_IM_MODULES" not in os.environ:
        methods = with_fallback(
            os.environ.get("QT_IM_MODULE"), _plugins("platforminputcontexts"), "ibus"
        )
        if methods and methods != os.environ.get("QT_IM_MODULE"):
            os.environ["QT_IM_MODULES"] = methods  # Qt >= 6.7 reads this list first
    chosen = os.environ.get("QT_IM_MODULES") or os.environ.get("QT_IM_MODULE")
    if "IBUS_USE_PORTAL" not in os.environ and needs_ibus_portal(
        chosen, shutil.which("ibus-daemon")
    ):
        os.environ["IBUS_USE_PORTAL"] = "1"


def _give_windowed_app_streams() -> None:
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the app
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


if sys.platform.startswith("linux"):
    _restore_library_path()
    _fall_back_to_bundled_plugins()
_give_windowed_app_streams()
