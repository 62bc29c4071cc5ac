"""An attachment's size as the window writes it: "23 bytes", "1.2 KB", "3.4 MB", translated.

The core's `human_size` writes the same figures for messages and logs in English; KB and MB
read the same in every language we ship, bytes do not.
"""

from __future__ import annotations

from desktop_chat.core.attachment import human_size
from desktop_chat.i18n import ngettext


def size_text(size: int) -> str:
    if size < 1024:
        return ngettext("{n} byte", "{n} bytes", size).format(n=size)
    return human_size(size)
