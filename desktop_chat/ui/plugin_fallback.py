"""Name a Qt plugin the process has next to one it lacks, before Qt starts and reads the names.

Qt takes its platform and input method from the environment when the application object is
made, and a name it has no plugin for leaves the user with no window or with Latin letters
only:

- ``QT_QPA_PLATFORM=wayland`` (set by many Sway and Hyprland setups) aborts Qt when the
  Wayland plugin is missing, as it is in the frozen app (packaging/README.md): xcb is added as
  the platform Qt tries next (XWayland).
- ``QT_IM_MODULE=fcitx``, as Fcitx 5 sets it, names a plugin built against one Qt release
  that neither PySide6's wheel nor the frozen app carries, so Qt falls back to compose. Fcitx 5
  also speaks the IBus protocol, so ibus (in both) is added as the next choice, in
  ``QT_IM_MODULES`` (Qt >= 6.7 reads that list first). Qt's IBus plugin, though, disables
  itself unless ``ibus-daemon`` is on PATH, which a desktop with Fcitx 5 alone lacks;
  ``IBUS_USE_PORTAL=1`` makes it skip that test and talk to org.freedesktop.portal.IBus,
  which Fcitx 5's IBus front end serves as ibus-daemon would.

A name whose plugin is there is left alone, and so are a user's own ``QT_IM_MODULES`` and
``IBUS_USE_PORTAL``. Qt-free (the standard library alone) because the frozen app's runtime
hook runs it before any of the app's code; the window's start (ui/app.py) runs it again for
the source install, which has no hook, and there it finds nothing left to do in the frozen app.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import MutableMapping
from pathlib import Path


def with_fallback(requested: str | None, available: set[str], fallback: str) -> str | None:
    """Return a ``;``-separated Qt plugin list that ends in ``fallback`` when none is present.

    ``requested`` is the user's QT_QPA_PLATFORM (or input method); entries may carry options
    after a colon (``wayland:no-decorations``). None or "" means Qt's own choice: left alone.
    """
    if not requested:
        return requested
    if any(name in available for name in _names(requested)):
        return requested
    return f"{requested};{fallback}"


def needs_ibus_portal(methods: str | None, ibus_daemon: str | None) -> bool:
    """Tell whether Qt's IBus plugin must use the IBus portal to reach an input method.

    ``methods`` is the input-method list Qt will read (QT_IM_MODULES, else QT_IM_MODULE);
    ``ibus_daemon`` is where ``ibus-daemon`` was found on PATH, or None. Qt's plugin counts
    itself valid only when that program exists (QIBusPlatformInputContextPrivate), unless
    IBUS_USE_PORTAL is set: then it asks org.freedesktop.portal.IBus, served by ibus's own
    portal and by Fcitx 5's IBus front end alike. Without either service it fails as before.
    """
    return "ibus" in _names(methods or "") and ibus_daemon is None


def plugin_keys(folder: Path) -> set[str]:
    """Name the Qt plugins in one plugin folder by Qt's keys for them ("xcb", "ibus", ...)."""
    try:
        files = os.listdir(folder)
    except OSError:
        return set()
    keys = set()
    for name in files:
        stem = name.removeprefix("lib").split(".", 1)[0]
        keys.add(stem.removesuffix("platforminputcontextplugin").removeprefix("q"))
    return keys


def fall_back_to_present_plugins(
    plugins: Path, environ: MutableMapping[str, str] = os.environ
) -> None:
    """Add the fallbacks above to `environ` for Qt whose plugin folder is `plugins`."""
    platform = with_fallback(
        environ.get("QT_QPA_PLATFORM"), plugin_keys(plugins / "platforms"), "xcb"
    )
    if platform:
        environ["QT_QPA_PLATFORM"] = platform
    if "QT_IM_MODULES" not in environ:
        method = environ.get("QT_IM_MODULE")
        methods = with_fallback(method, plugin_keys(plugins / "platforminputcontexts"), "ibus")
        if methods and methods != method:
            environ["QT_IM_MODULES"] = methods
    chosen = environ.get("QT_IM_MODULES") or environ.get("QT_IM_MODULE")
    ibus_daemon = shutil.which("ibus-daemon", path=environ.get("PATH", os.defpath))
    if "IBUS_USE_PORTAL" not in environ and needs_ibus_portal(chosen, ibus_daemon):
        environ["IBUS_USE_PORTAL"] = "1"


def _names(plugins: str) -> list[str]:
    return [entry.split(":", 1)[0].strip() for entry in plugins.split(";")]
