"""Check a message's attachments before it is sent, and fit each image once, not every turn.

The core builds each request's parts from the ORIGINAL attachments (core/attachment.py): an
image over the protocol's limits is downscaled by the request's ImageFitter every time the
request is built, and an earlier message's images go again with every later turn. Decoding and
re-encoding a photo takes a noticeable fraction of a second on the window's thread, so the
window's fitter keeps the copies it made (a few, bounded in bytes), keyed by the image's content
and the limits: the check before sending and every later turn reuse them.

The check runs what the request build will run (`outgoing`) for the message about to be sent,
so whatever the core would refuse (a PDF too large for the protocol, an image that cannot be
read or made small enough) is said in the composer before anything is sent, and the message
stays there to be changed.
"""

from __future__ import annotations

from collections import OrderedDict

from desktop_chat.core.attachment import ImageFitter, ImageLimits, outgoing
from desktop_chat.core.conversation import Attachment, Message
from desktop_chat.core.errors import AttachmentError

CACHE_BYTES = 64 * 1024 * 1024  # of fitted copies kept; each is at most a protocol's image limit


class CachingFitter:
    """An ImageFitter that remembers the copies `inner` made, the newest CACHE_BYTES of them."""

    def __init__(self, inner: ImageFitter, max_bytes: int = CACHE_BYTES) -> None:
        self._inner = inner
        self._max_bytes = max_bytes
        self._kept: OrderedDict[tuple[str, str, ImageLimits], Attachment] = OrderedDict()
        self._bytes = 0
        self.fitted = 0  # how many times `inner` was asked (for tests and figures)

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        key = (image.sha256, image.name, limits)
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            return kept
        self.fitted += 1
        fitted = self._inner.fit(image, limits)
        self._kept[key] = fitted
        self._bytes += fitted.size
        while self._bytes > self._max_bytes and len(self._kept) > 1:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= dropped.size
        return fitted


def problem_before_sending(
    text: str, attachments: tuple[Attachment, ...], protocol: str, fitter: ImageFitter
) -> str | None:
    """Why this message's attachments cannot go to `protocol` (the core's words), or None."""
    if not attachments:
        return None
    try:
        outgoing(Message("user", text, attachments=attachments), protocol, fitter)
    except AttachmentError as exc:
        return str(exc)
    return None
