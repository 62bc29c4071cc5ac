"""Fixtures for GUI tests: a qasync loop per test that runs inside pytest-qt's QApplication.

Pattern (see ENV-NOTES "pytest-qt with qasync"): the loop is created `already_running=True`, tasks
are scheduled with `loop.create_task` and awaited with `qtbot.waitUntil(task.done)`. Teardown never
calls `loop.stop()`: that calls `app.exit()`, after which every later Qt wait returns at once.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import TypeVar

import pytest
import qasync  # pytest-qt has loaded PySide6 already, so qasync binds to it
import shiboken6
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat import i18n
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_file import save_settings
from desktop_chat.ui.app import asyncgen_hooks
from desktop_chat.ui.language import apply_language
from desktop_chat.ui.main_window import MainWindow, open_main_window
from tests.support.window import WindowFactory

TEARDOWN_SECONDS = 5.0
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _nothing_left_behind(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level widget or a running timer alive after its teardown.

    Set up before every other fixture of the test, so this runs after all their teardowns and
    after pytest-qt has closed the widgets given to qtbot. What is closed and deleted (deleteLater
    included) is gone; a window that is merely hidden, or kept by a reference, is a leak: its
    timers and signal connections go on running into the next test.
    """
    widgets_before = set(QApplication.topLevelWidgets())
    timers_before = set(_running_timers())
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    widgets = [w for w in QApplication.topLevelWidgets() if w not in widgets_before]
    timers = [t for t in _running_timers() if t not in timers_before]
    assert not widgets, f"top-level widgets left alive: {[_describe(w) for w in widgets]}"
    assert not timers, f"timers left running: {[_describe(t.parent()) for t in timers]}"


@pytest.fixture(autouse=True)
def _mouse_parked(qapp: QApplication) -> None:
    """Start every test with the mouse pointer off every window.

    A test that moves the pointer (qtbot.mouseMove) leaves it where it was; the next test's window
    then shows with a widget under it, and Qt hovers that widget without a window ever seeing the
    mouse enter, so no later move takes the hover away. Parked before any window is made, nothing
    starts hovered.
    """
    QCursor.setPos(-10_000, -10_000)


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """Put the app back in English after a test that switched it: a language left behind would
    greet the next test's window in it."""
    yield
    if i18n.current_language() != i18n.SOURCE_LANGUAGE:
        apply_language("en")


def _running_timers() -> list[QTimer]:
    return [
        o
        for o in gc.get_objects()
        if isinstance(o, QTimer) and shiboken6.isValid(o) and o.isActive()
    ]


def _describe(widget: QWidget | object) -> str:
    name = type(widget).__name__
    title = widget.windowTitle() if isinstance(widget, QWidget) else ""
    return f"{name} {title!r}" if title else name


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """Yield a qasync loop driven by the test's Qt waits; cancel what is left afterwards."""
    event_loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(event_loop)
    try:
        with asyncgen_hooks(event_loop):
            yield event_loop
            _drain(qapp, event_loop)
    finally:
        # Mark the loop stopped without app.exit(), then release it.
        event_loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
        qapp.aboutToQuit.disconnect(event_loop._after_run_forever)
        asyncio.events._set_running_loop(None)
        event_loop.close()
        asyncio.set_event_loop(None)
        _release_qt_parts(event_loop)


def _release_qt_parts(event_loop: asyncio.AbstractEventLoop) -> None:
    """Delete the loop's QObjects here, in the GUI thread, with their timers killed.

    Left to the garbage collector, they may be freed from whichever thread happens to run it
    (an HTTP server or executor thread); Qt then cannot unregister their timers, and a later
    timer event lands on freed memory.
    """
    timer = event_loop._timer  # type: ignore[attr-defined]
    for timer_id in list(timer._SimpleTimer__callbacks):
        timer.killTimer(timer_id)
    shiboken6.delete(timer)
    shiboken6.delete(event_loop._QEventLoop__call_soon_signaller)  # type: ignore[attr-defined]
    gc.collect()


def _drain(app: QApplication, event_loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the loop's pending tasks and let them unwind, within TEARDOWN_SECONDS."""
    pending = [task for task in asyncio.all_tasks(event_loop) if not task.done()]
    for task in pending:
        task.cancel()
    deadline = time.monotonic() + TEARDOWN_SECONDS
    while any(not task.done() for task in pending) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    stuck = [task for task in pending if not task.done()]
    assert not stuck, f"tasks still running after teardown: {stuck}"
    for task in pending:
        if not task.cancelled():
            task.exception()  # mark retrieved: the owning test already saw or ignored it
    app.processEvents()


@pytest.fixture
def run_async(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> Callable[..., object]:
    """Return `run(coro, timeout=10.0)`: run `coro` on the qasync loop and return its result."""

    def run(coro: Coroutine[object, object, T], timeout: float = 10.0) -> T:
        task = loop.create_task(coro)
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()

    return run


@pytest.fixture
def open_window(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, run_async: Callable[..., object]
) -> Iterator[WindowFactory]:
    """Open the real main window on the settings given (saved to the test's profile first)."""
    windows: list[MainWindow] = []

    def make(settings: Settings | None = None, keystore: KeyStore | None = None) -> MainWindow:
        if settings is not None:
            save_settings(settings)
        window = run_async(open_main_window(keystore=keystore or KeyStore(session_only=True)))
        windows.append(window)
        return window

    yield make
    for window in windows:  # not qtbot.addWidget: it deletes widgets before fixtures end
        window.close()
        run_async(window.aclose())
        window.deleteLater()
