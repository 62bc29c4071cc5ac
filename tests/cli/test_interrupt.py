"""Ctrl-C is never lost or shown as a traceback, wherever in the start-up it lands."""

from __future__ import annotations

import signal
import types

from desktop_chat.__main__ import _caused_by_interrupt, _redeliver_interrupt


def test_a_ctrl_c_wrapped_on_its_way_up_is_still_an_interrupt() -> None:
    wrapped = RuntimeError("Error calling __set_name__")
    wrapped.__cause__ = KeyboardInterrupt()
    assert _caused_by_interrupt(wrapped)
    assert not _caused_by_interrupt(RuntimeError("a real failure"))


def test_a_ctrl_c_that_landed_where_it_could_not_raise_is_delivered_again() -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: received.append(number))
    try:
        unraisable = types.SimpleNamespace(exc_type=KeyboardInterrupt)
        _redeliver_interrupt(unraisable)  # type: ignore[arg-type]
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == [signal.SIGINT]
