"""The window's fitter: each image fitted once, ahead of time on a worker, errors kept for the
send; and the check before sending in the core's words."""

from __future__ import annotations

import threading

import pytest

from desktop_chat.core.attachment import ImageLimits, limits_for
from desktop_chat.core.conversation import Attachment
from desktop_chat.core.errors import AttachmentError
from desktop_chat.image_header import image_size
from desktop_chat.ui.chat.attachment_check import CachingFitter, problem_before_sending
from desktop_chat.ui.image_fitter import QImageFitter
from tests.support.images import PDF_ONE_PAGE, png

LIMITS = ImageLimits(100, None, 1_000_000, "test")


class Recording:
    """QImageFitter, noting the thread of each call and able to hold it until released."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.go = threading.Event()
        self.go.set()

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        self.threads.append(threading.current_thread().name)
        assert self.go.wait(5)
        return QImageFitter().fit(image, limits)


def test_an_image_is_fitted_once_on_the_worker_and_a_send_waits_for_it() -> None:
    inner = Recording()
    fitter = CachingFitter(inner)
    big = Attachment("big.png", "image/png", png(800, 400))
    inner.go.clear()
    try:
        fitter.prepare(big, LIMITS)
        fitter.prepare(big, LIMITS)  # already on it
        inner.go.set()
        fitted = fitter.fit(big, LIMITS)  # waits for the worker rather than fitting again
        assert image_size(fitted.data) == (100, 50)
        assert fitter.fit(big, LIMITS) is fitted
        assert fitter.fitted == 1
        assert len(inner.threads) == 1
        assert inner.threads[0].startswith("image-fitter")
    finally:
        inner.go.set()
        fitter.close()


def test_a_small_image_is_not_fitted_and_old_copies_give_way() -> None:
    fitter = CachingFitter(QImageFitter(), max_bytes=1)
    try:
        small = Attachment("small.png", "image/png", png(50, 20))
        fitter.prepare(small, LIMITS)
        first = fitter.fit(Attachment("a.png", "image/png", png(300, 300, 1)), LIMITS)
        fitter.fit(Attachment("b.png", "image/png", png(300, 300, 2)), LIMITS)
        assert fitter.fit(Attachment("a.png", "image/png", png(300, 300, 1)), LIMITS) == first
        assert fitter.fitted == 3  # a.png was dropped to stay within max_bytes, so fitted again
    finally:
        fitter.close()


def test_an_image_that_cannot_be_fitted_is_said_when_sent() -> None:
    fitter = CachingFitter(QImageFitter())
    broken = Attachment("broken.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    try:
        fitter.prepare(broken, LIMITS)
        problem = problem_before_sending("look", (broken,), "anthropic", fitter)
        assert problem is not None
        assert problem.startswith("broken.png cannot be sent")
    finally:
        fitter.close()


def test_the_check_says_what_the_core_would_refuse() -> None:
    fitter = CachingFitter(QImageFitter())
    pdf = Attachment("paper.pdf", "application/pdf", PDF_ONE_PAGE)
    assert problem_before_sending("", (pdf,), "anthropic", fitter) is None
    huge = Attachment(
        "scan.pdf", "application/pdf", b"%PDF-" + b"0" * limits_for("openai").pdf_max_bytes
    )
    problem = problem_before_sending("", (huge,), "openai", fitter)
    assert problem is not None
    assert problem.startswith("scan.pdf (22.9 MB) is larger than this provider takes")
    with pytest.raises(AttachmentError):
        fitter.fit(Attachment("x.png", "image/png", b"not an image"), LIMITS)
