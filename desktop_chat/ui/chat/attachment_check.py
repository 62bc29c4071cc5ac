"""Check a message's attachments before it is sent, and fit each image once, ahead of time.

The core builds each request's parts from the ORIGINAL attachments (core/attachment.py): an
image over the protocol's limits is downscaled by the request's ImageFitter every time the
request is built, and an earlier message's images go again with every later turn. Decoding and
re-encoding a 12-megapixel photo took 0.35-0.5 s here, on the window's thread while a request is
built. So the window's fitter keeps the copies it made (the newest CACHE_BYTES), keyed by the
image's content and the limits, and `prepare` makes them on a worker thread as soon as an image
is attached (QImage needs no GUI thread): by the time the message is sent, its images are
fitted, and the check before sending and every later turn reuse the copies. A `fit` asked while
the worker is on that image waits for it rather than fitting twice.

The check runs what the request build will run (`outgoing`) for the message about to be sent,
so whatever the core would refuse (a PDF too large for the protocol, an image that cannot be
read or made small enough) is said in the composer before anything is sent, and the message
stays there to be changed.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

from desktop_chat.core.attachment import ImageFitter, ImageLimits, fit_image, outgoing
from desktop_chat.core.conversation import Attachment, Message
from desktop_chat.core.errors import AttachmentError

log = logging.getLogger(__name__)

CACHE_BYTES = 64 * 1024 * 1024  # of fitted copies kept; each is at most a protocol's image limit
_Key = tuple[str, str, ImageLimits]


class CachingFitter:
    """An ImageFitter that remembers the copies `inner` made, the newest CACHE_BYTES of them,
    and can make them ahead of time on a worker thread (`prepare`)."""

    def __init__(self, inner: ImageFitter, max_bytes: int = CACHE_BYTES) -> None:
        self._inner = inner
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._kept: OrderedDict[_Key, Attachment] = OrderedDict()
        self._pending: dict[_Key, Future[Attachment]] = {}
        self._bytes = 0
        self._worker: ThreadPoolExecutor | None = None
        self.fitted = 0  # how many times `inner` was asked (for tests and figures)

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        key = (image.sha256, image.name, limits)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
            pending = self._pending.get(key)
        if pending is not None and not pending.cancelled():
            return pending.result()  # the worker is on it; its AttachmentError comes here too
        return self._fit(key, image, limits)

    def prepare(self, image: Attachment, limits: ImageLimits) -> None:
        """Fit `image` to `limits` on the worker, if it needs it and is not fitted yet."""
        key = (image.sha256, image.name, limits)
        with self._lock:
            if key in self._kept or key in self._pending:
                return
            if self._worker is None:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="image-fitter")
            future = self._worker.submit(self._prepared, key, image, limits)
            self._pending[key] = future

    def close(self) -> None:
        """Stop the worker: what it has not started is dropped, what it does is finished."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=False, cancel_futures=True)

    def _prepared(self, key: _Key, image: Attachment, limits: ImageLimits) -> Attachment:
        try:
            # fit_image asks `self` only when the image is over the limits
            return fit_image(image, limits, _Direct(self, key))
        except AttachmentError as exc:
            log.info("an attached image cannot be fitted ahead: %s", exc)  # said when sent
            raise
        finally:
            with self._lock:
                self._pending.pop(key, None)

    def _fit(self, key: _Key, image: Attachment, limits: ImageLimits) -> Attachment:
        fitted = self._inner.fit(image, limits)
        with self._lock:
            self.fitted += 1
            if key not in self._kept:
                self._kept[key] = fitted
                self._bytes += fitted.size
            while self._bytes > self._max_bytes and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= dropped.size
        return fitted


class _Direct:
    """The worker's way into the cache: fit now, never wait on its own pending entry."""

    def __init__(self, owner: CachingFitter, key: _Key) -> None:
        self._owner = owner
        self._key = key

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        return self._owner._fit(self._key, image, limits)


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
