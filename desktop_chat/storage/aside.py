"""Name the copy of a file that is kept aside, never deleted: `NAME.KIND-YYYYmmdd-HHMMSS`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def aside_name(path: Path, kind: str, now: datetime | None = None) -> Path:
    """A free name beside `path` for its `kind` copy ("broken", "kept", "damaged")."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{kind}-{stamp}")
    for n in range(1, 1000):  # never clobber an earlier copy made in the same second
        if not aside.exists():
            break
        aside = path.with_name(f"{path.name}.{kind}-{stamp}-{n}")
    return aside
