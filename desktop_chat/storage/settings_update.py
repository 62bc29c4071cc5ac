"""Write the settings file without losing what another process wrote since it was read.

The window and `desktop-chat` commands share one file. Each keeps the settings it last read (its
*base*); saving takes an exclusive lock, reads the file again and, if someone else changed it
meanwhile, merges three ways: what this writer changed since its base is applied onto what is on
disk now. Endpoints, tools and MCP servers are matched by name, "always allow" keys as a set;
where both sides changed the same value, this writer's wins.

A file that cannot be read is never saved over (load_settings raises). A file with entries that
cannot be used is copied aside (``settings.json.kept-STAMP``) before the first save that would
leave them out, and the writer is told where.

The lock is a separate file (``settings.json.lock``): the settings file itself is replaced
atomically on every save, so a lock on it would guard a file that no longer exists.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

from desktop_chat import paths
from desktop_chat.i18n import _
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_document import JsonObject, decode, encode
from desktop_chat.storage.settings_file import keep_copy, load_settings, save_settings
from desktop_chat.storage.validation import SettingsError

LOCK_WAIT_S = 10.0
_MISSING = object()
_NAMED_LISTS = {("endpoints",), ("tools", "user_tools"), ("tools", "mcp_servers"), ("presets",)}
_SET_LISTS = {("tools", "always_allow")}


def save_merged(
    base: Settings,
    ours: Settings,
    path: Path | None = None,
    *,
    kept: Callable[[Path], object] | None = None,
) -> Settings:
    """Save `ours`, keeping changes made to the file since `base` was read; return what was saved.

    When the file on disk has entries that cannot be used, it is first copied aside and `kept`
    is called with the copy's path (for the person to be told). Raises SettingsError (an
    unusable file or a newer version's is left alone) and OSError.
    """
    path = path or paths.settings_path()
    with locked(path):
        on_disk = load_settings(path)
        theirs = on_disk.settings
        merged = ours if theirs == base else merge(base, ours, theirs)
        if on_disk.notice is not None:  # the save would drop what could not be read: keep it
            copy = keep_copy(path)
            if kept is not None:
                kept(copy)
        save_settings(merged, path)
    return merged


def kept_notice(copy: Path) -> str:
    """What to tell a person whose save left out entries that could not be used."""
    return _(
        "The settings that could not be used were left out of the saved file; the file as it "
        "was is kept as {path}"
    ).format(path=copy)


def merge(base: Settings, ours: Settings, theirs: Settings) -> Settings:
    """Apply what changed from `base` to `ours` onto `theirs`."""
    data = _merge((), encode(base), encode(ours), encode(theirs))
    merged, _problems = decode(cast(JsonObject, data))  # e.g. an active endpoint gone: none
    return merged


def _merge(where: tuple[str, ...], base: object, ours: object, theirs: object) -> object:
    if ours == base:
        return theirs
    if theirs in (base, ours):
        return ours
    if isinstance(ours, dict) and isinstance(theirs, dict):
        old = base if isinstance(base, dict) else {}
        keys = [*theirs, *(k for k in ours if k not in theirs)]
        items = {k: _merge((*where, k), old.get(k, _MISSING), ours.get(k, _MISSING),
                           theirs.get(k, _MISSING)) for k in keys}  # fmt: skip
        return {k: v for k, v in items.items() if v is not _MISSING}
    if isinstance(ours, list) and isinstance(theirs, list):
        old_list = base if isinstance(base, list) else []
        if where in _SET_LISTS:
            dropped = [x for x in old_list if x not in ours]
            return [*(x for x in theirs if x not in dropped), *(x for x in ours if x not in theirs)]
        if where in _NAMED_LISTS:
            return _merge_named(where, old_list, ours, theirs)
    return ours  # both changed it: this writer's value wins


def _merge_named(where: tuple[str, ...], base: list[object], ours: list[object],
                 theirs: list[object]) -> list[object]:  # fmt: skip
    """Merge lists of objects with a "name", matched without case, in the order on disk."""

    def by_name(items: list[object]) -> dict[str, object]:
        return {str(i.get("name", "")).casefold(): i for i in items if isinstance(i, dict)}

    old, mine, disk = by_name(base), by_name(ours), by_name(theirs)
    names = [*disk, *(n for n in mine if n not in disk)]
    merged = (_merge(where, old.get(n, _MISSING), mine.get(n, _MISSING), disk.get(n, _MISSING))
              for n in names)  # fmt: skip
    return [item for item in merged if item is not _MISSING]


@contextlib.contextmanager
def locked(path: Path, wait: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file, waiting at most `wait` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise SettingsError(
                    _(
                        "the settings are being saved by another desktop-chat process and it did "
                        "not finish within {seconds} s (lock file {lock}); try again"
                    ).format(seconds=f"{wait:g}", lock=lock)
                )
            time.sleep(0.01)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
