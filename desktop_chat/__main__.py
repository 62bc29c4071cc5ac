"""`python -m desktop_chat` and the `desktop-chat` command.

Ctrl-C and a reader that goes away (`desktop-chat ask ... | head`) end the process with a short
line or none, never a traceback, at any moment: even while the modules are still loading, which
is why nothing of the app is imported before `main` runs.

After Ctrl-C, once the command has cleaned up, the process ends by SIGINT itself, as an
interrupted program should (a shell reports status 130 and stops a loop or script that ran it);
CPython does the same for a Ctrl-C nobody caught. Where there is no SIGINT to die of (Windows)
the status is 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_chat.core.attachment import ImageLimits
    from desktop_chat.core.conversation import Attachment

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a process ended by Ctrl-C
BROKEN_PIPE = 141  # 128 + SIGPIPE, as for a C program whose reader went away


def main() -> None:
    sys.unraisablehook = _redeliver_interrupt
    try:
        code = run(sys.argv[1:])
    except KeyboardInterrupt:
        code = interrupted()
    except BrokenPipeError:
        code = reader_gone()
    except Exception as exc:
        if not _caused_by_interrupt(exc):
            raise
        code = interrupted()  # Ctrl-C wrapped by Python (in __set_name__, say) on the way up
    if code == INTERRUPTED:
        _end_by_sigint()
    sys.exit(code)


def run(argv: list[str]) -> int:
    """Open the window when `argv` names no command, else run the command line's command."""
    from desktop_chat.cli import command_of, main

    if command_of(argv) is None:
        from desktop_chat.ui.app import run_gui  # Qt is paid for only when the window opens

        return run_gui(argv)
    return main(argv, image_fitter=QtImageFitter())


class QtImageFitter:
    """The window's image fitter for the command line, Qt loaded on its first image.

    `ask --attach` downscales with the same Qt image code as the window (QImage needs no
    QApplication), but most commands and most images never need it, and importing QtGui costs
    a tenth of a second. Where Qt cannot load (a server without its libraries), an image that
    needs downscaling is refused by name rather than sent too large.
    """

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        from desktop_chat.core.errors import AttachmentError

        try:
            from desktop_chat.ui.image_fitter import QImageFitter
        except ImportError as exc:
            raise AttachmentError(
                f"{image.name} is larger than the provider takes, and Qt's image code, which "
                f"makes images smaller, cannot be loaded here ({exc})"
            ) from None
        return QImageFitter().fit(image, limits)


def interrupted() -> int:
    """Say that the command was interrupted; return the exit status for it.

    What is torn down after a Ctrl-C may be half-built: an event loop interrupted while it was
    being made, a coroutine that never started. Their finalizers' complaints ("Exception ignored
    in ...", "coroutine ... was never awaited") mean nothing to the person who pressed Ctrl-C.
    """
    sys.unraisablehook = _ignore
    warnings.simplefilter("ignore", RuntimeWarning)
    try:
        sys.stderr.write("desktop-chat: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is gone as well: the status alone tells
    return INTERRUPTED


def _caused_by_interrupt(exc: BaseException) -> bool:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _ignore(_: object) -> None:
    pass


_report_unraisable = sys.unraisablehook


def _redeliver_interrupt(unraisable: sys.UnraisableHookArgs) -> None:
    """A Ctrl-C that lands in a callback which cannot raise (an import lock's weakref callback,
    a finalizer) would be printed as "Exception ignored" and then lost: deliver it again, so it
    is raised where the code can act on it."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
        return
    _report_unraisable(unraisable)


def _end_by_sigint() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    if os.name == "posix":
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)


def reader_gone() -> int:
    """Stop writing to a stdout whose reader has gone; return the exit status for it.

    What is still buffered would fail again when Python flushes stdout on exit and print
    "Exception ignored ... BrokenPipeError": point stdout at the null device instead.
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass  # no real stdout to redirect
    return BROKEN_PIPE


if __name__ == "__main__":
    main()
