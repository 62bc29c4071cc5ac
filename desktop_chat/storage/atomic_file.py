"""Write a file whole or not at all: the settings, exports, the window's layout.

A temporary file beside the target is written, flushed to disk and renamed over it, so a reader
never sees half a file and a crash or full disk mid-write leaves the old one as it was (and no
temporary file behind). On POSIX the folder is synced as well where it allows it, so the rename
itself outlives a power cut; Windows cannot open a folder to sync it, and some network shares and
FUSE folders refuse (EINVAL): the file is whole and in place by then, so that is no failure.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step; raises OSError."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if os.name == "posix":
        try:
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError:  # a share or FUSE folder may refuse it; the file is written and renamed
            pass
