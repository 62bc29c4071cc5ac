"""`desktop-chat --self-test`: open the real window, stream one demo answer, check it rendered.

Installers run it as their smoke test, usually without a display (offscreen Qt). It exercises what
a first start does: the window, the offline demo endpoint, the engine, the bridge and the
transcript, and it reads but never writes the profile's settings. Exit 0 when all is well, else 1
with the reason on stderr.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

log = logging.getLogger(__name__)

QUESTION = "Self-test: please answer."
EXPECTED = "Hello from the demo model"


class SelfTestFailure(Exception):
    """The self-test found a problem; the message says which."""


async def run_self_test(limit: float = 60.0) -> int:
    """Run the check; return the exit code and report on stdout/stderr."""
    started = time.monotonic()
    try:
        detail = await asyncio.wait_for(_check(), limit)
    except TimeoutError:
        return _fail(f"no complete answer within {limit:g} s")
    except SelfTestFailure as exc:
        return _fail(str(exc))
    except Exception as exc:  # anything else is a failure to report, not a traceback to dump
        log.exception("self-test crashed")
        return _fail(f"{type(exc).__name__}: {exc}")
    elapsed = time.monotonic() - started
    sys.stdout.write(f"desktop-chat self-test passed in {elapsed:.1f} s: {detail}\n")
    sys.stdout.flush()
    return 0


def _fail(reason: str) -> int:
    sys.stderr.write(f"desktop-chat self-test FAILED: {reason}\n")
    sys.stderr.flush()
    return 1


async def _check() -> str:
    from desktop_chat.ui.main_window import open_main_window
    from desktop_chat.ui.self_test_text import check_text

    window = await open_main_window(self_test=True)
    try:
        if not window.isVisible():
            raise SelfTestFailure("the main window did not open")
        outcome = await window.send_and_wait(QUESTION)
        if outcome != "finished":
            raise SelfTestFailure(f"the demo answer did not finish: {window.last_error_text()}")
        if not await window.wait_rendered():
            raise SelfTestFailure("the transcript never finished drawing the answer")
        shown = window.transcript_text()
        if EXPECTED not in shown:
            raise SelfTestFailure(
                f"the answer was streamed but not rendered (expected {EXPECTED!r} in the view)"
            )
        if QUESTION not in shown:
            raise SelfTestFailure("the question is missing from the conversation view")
        image = window.grab()
        if image.isNull() or image.width() < 100 or image.height() < 100:
            raise SelfTestFailure("the window could not be drawn")
        problems, text_note = check_text()
        if problems:
            raise SelfTestFailure("; ".join(problems))
        return f"{len(window.last_answer_text())} characters streamed and rendered; {text_note}"
    finally:
        await window.aclose()
        window.deleteLater()
