"""Start the window: QApplication, the qasync event loop, and an orderly, async shut-down.

`run_gui(argv)` is what `desktop-chat` with no command runs. The app does not quit when its last
window closes (`setQuitOnLastWindowClosed(False)`): any `await` after `aboutToQuit` fails, so the
window's own `closed` signal ends the main coroutine, which then cancels streams, closes the
engine and stops the demo server while the loop still runs.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_chat import i18n, paths
from desktop_chat.i18n import _

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtGui import QIcon

    from desktop_chat.ui.main_window import MainWindow

log = logging.getLogger(__name__)

APP_NAME = "Desktop Chat"
ORG_DOMAIN = "desktop-chat.local"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the GUI's options; unknown words are an error, as the CLI would report them."""
    # The help speaks the terminal's language; the window then follows its own setting.
    i18n.set_language(i18n.match_language(i18n.environment_preferences()))
    parser = argparse.ArgumentParser(prog="desktop-chat", description=_("Open the chat window."))
    parser.add_argument(
        "--profile-dir",
        metavar="DIR",
        help=_("keep settings, history and logs in DIR (portable)"),
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_(
            "open the window, stream one answer from the offline demo, check it, exit 0 if good"
        ),
    )
    parser.add_argument(
        "--self-test-timeout", type=float, default=60.0, metavar="SECONDS", help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def asyncgen_hooks(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Let `loop` finalise abandoned async generators, as asyncio's own run_forever does.

    qasync 0.28 installs no async-generator hooks, so a generator dropped half-way (httpx nests
    several) is closed by the garbage collector outside any loop: "no running event loop", and
    its pooled connection is never released. The base loop's hooks schedule `aclose()` as a task.
    """
    firstiter = getattr(loop, "_asyncgen_firstiter_hook", None)
    finalizer = getattr(loop, "_asyncgen_finalizer_hook", None)
    if firstiter is None or finalizer is None:
        yield
        return
    previous = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
    try:
        yield
    finally:
        sys.set_asyncgen_hooks(*previous)


# Qt messages that say nothing useful to a user: the offscreen platform cannot resize windows.
_QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def _route_qt_messages() -> None:
    """Send Qt's own messages through logging (and so into the log file), known noise muted."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("desktop_chat.qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        level = logging.DEBUG if message in _QT_NOISE else levels.get(kind, logging.WARNING)
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


def _setup_logging() -> None:
    from desktop_chat.logs import setup_logging

    try:
        setup_logging(log_file=paths.log_dir() / "desktop-chat.log")
    except OSError as exc:  # a read-only profile must not stop the window from opening
        setup_logging()
        log.warning("cannot write the log file: %s", exc)


def prepare_qt_environment() -> None:
    """Set what Qt and qasync read from the environment; call before QApplication is made.

    On Linux a platform or input method the installed Qt has no plugin for gets a fallback
    (ui/plugin_fallback.py): PySide6's wheel has no Fcitx plugin, so without it Fcitx 5 users
    of the source install would type Latin letters only. The frozen app's runtime hook has
    done the same already, before any of the app's code ran.
    """
    os.environ.setdefault("QT_API", "pyside6")  # qasync binds to the Qt named here
    if sys.platform.startswith("linux") and not getattr(sys, "frozen", False):
        from PySide6.QtCore import QLibraryInfo

        from desktop_chat.ui.plugin_fallback import fall_back_to_present_plugins

        plugins = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
        fall_back_to_present_plugins(Path(plugins))


def run_gui(argv: list[str]) -> int:
    """Open the main window and run until it closes; return the process exit code."""
    args = parse_args(argv)
    if args.profile_dir:
        paths.set_profile_dir(args.profile_dir)
    if args.self_test and not os.environ.get("QT_QPA_PLATFORM"):
        # Installers run the smoke test on machines without a display.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _setup_logging()

    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication

    _route_qt_messages()
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "desktop-chat"])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationDomain(ORG_DOMAIN)
    app.setDesktopFileName("desktop-chat")
    app.setWindowIcon(_app_icon())
    app.setQuitOnLastWindowClosed(False)

    window: MainWindow | None = None
    if not args.self_test:
        # The window needs no event loop to appear: show it first, so a person sees it while
        # the loop, the network stack and the Markdown renderer load.
        from desktop_chat.ui.main_window import show_main_window

        window = show_main_window(paint_first=True)
        app.processEvents()

    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with asyncgen_hooks(loop):
            if args.self_test:
                from desktop_chat.ui.self_test import run_self_test

                return int(loop.run_until_complete(run_self_test(args.self_test_timeout)))
            return int(loop.run_until_complete(main_window_session(window)))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


async def main_window_session(window: MainWindow | None = None) -> int:
    """Run the (shown) main window until the user closes it, then clean up while the loop runs."""
    if window is None:
        from desktop_chat.ui.main_window import show_main_window

        window = show_main_window()
    window.start()
    try:
        await window.wait_closed()
    finally:
        await window.aclose()
        window.deleteLater()
    return 0


def _app_icon() -> QIcon:
    """The installed theme icon, else the one in a source checkout."""
    from PySide6.QtGui import QIcon

    icon = QIcon.fromTheme("desktop-chat")
    if icon.isNull():
        source = Path(__file__).resolve().parents[2] / "resources" / "icons" / "desktop-chat.svg"
        if source.is_file():
            icon = QIcon(str(source))
    return icon
