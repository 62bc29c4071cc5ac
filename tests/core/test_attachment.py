"""Attachments on their way out: kinds, reading files, and images fitted to a protocol."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from desktop_chat import i18n
from desktop_chat.core.attachment import (
    LIMITS,
    MAX_FILE_BYTES,
    ImageLimits,
    attachment_from_bytes,
    attachment_from_file,
    fit_image,
    human_size,
    limits_for,
)
from desktop_chat.core.conversation import Attachment, Message
from desktop_chat.core.errors import AttachmentError, ChatError
from tests.support.images import PDF_ONE_PAGE, JPEG_37x21, WEBP_LOSSY_37x21, png

LIMITS_FOR_TEST = ImageLimits(100, 400, 50_000, "test")


class ShrinkingFitter:
    """Stands in for the window's Qt fitter: answers with a PNG of the fitted size."""

    def __init__(self, answer: Attachment | None = None) -> None:
        self.calls: list[tuple[Attachment, ImageLimits]] = []
        self.answer = answer

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        self.calls.append((image, limits))
        return self.answer or Attachment(image.name, "image/png", png(limits.fit_long_side, 10))


def test_an_attachment_knows_its_kind_and_hash() -> None:
    image = Attachment("a.png", "image/png", b"x")
    assert image.kind == "image"
    assert Attachment("a.pdf", "application/pdf", b"x").kind == "pdf"
    assert Attachment("a.py", "text/x-python", b"x").kind == "text"
    assert image.sha256 == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert image.size == 1
    assert "data" not in repr(image)  # a log line never carries the bytes
    with pytest.raises(dataclasses.FrozenInstanceError):
        image.name = "b.png"  # type: ignore[misc]


def test_a_message_carries_attachments_and_none_by_default() -> None:
    image = Attachment("a.png", "image/png", png(2, 2))
    assert Message("user", "hi").attachments == ()
    assert Message("user", "hi", attachments=(image,)).attachments == (image,)


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("photo", png(3, 3), "image/png"),
        ("x.jpg", JPEG_37x21, "image/jpeg"),
        ("x.bin", WEBP_LOSSY_37x21, "image/webp"),
        ("paper.pdf", PDF_ONE_PAGE, "application/pdf"),
        ("notes.md", b"# Title\n", "text/markdown"),
        ("main.py", b"print('hi')\n", "text/x-python"),
        ("data.json", b"{}", "application/json"),
        ("Makefile", "all:\n\techo ü\n".encode(), "text/plain"),
    ],
)
def test_the_type_comes_from_the_content(name: str, data: bytes, media_type: str) -> None:
    assert attachment_from_bytes(name, data) == Attachment(name, media_type, data)


@pytest.mark.parametrize("data", [b"\x00\x01\x02", b"\xff\xfe\xfd latin-1 \xe9"])
def test_a_binary_file_of_another_kind_is_refused_by_name(data: bytes) -> None:
    with pytest.raises(AttachmentError, match=r"^archive\.zip cannot be attached: only images"):
        attachment_from_bytes("archive.zip", data)


def test_a_file_is_read_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    path.write_bytes(png(5, 4))
    assert attachment_from_file(path) == Attachment("shot.png", "image/png", png(5, 4))


def test_a_missing_or_huge_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match=r"^gone\.png cannot be read: No such file"):
        attachment_from_file(tmp_path / "gone.png")
    with pytest.raises(AttachmentError, match=r"cannot be read: Is a directory"):
        attachment_from_file(tmp_path)
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(AttachmentError, match=r"^huge\.txt is too large to attach \(over 64\.0 MB"):
        attachment_from_file(huge)


def test_an_image_that_fits_goes_as_it_is_without_the_fitter() -> None:
    image = Attachment("a.png", "image/png", png(100, 40))
    fitter = ShrinkingFitter()
    assert fit_image(image, LIMITS_FOR_TEST, fitter) is image
    assert fitter.calls == []


@pytest.mark.parametrize("size", [(101, 10), (10, 101)])
def test_an_image_over_the_long_side_is_fitted(size: tuple[int, int]) -> None:
    image = Attachment("a.png", "image/png", png(*size))
    fitter = ShrinkingFitter()
    fitted = fit_image(image, LIMITS_FOR_TEST, fitter)
    assert fitted.data == png(100, 10)
    assert fitter.calls == [(image, LIMITS_FOR_TEST)]


def test_an_image_over_the_byte_limit_is_fitted() -> None:
    noisy = Attachment("a.png", "image/png", png(50, 50) + b"\x00" * 50_001)  # trailing bytes
    fitter = ShrinkingFitter()
    fit_image(noisy, LIMITS_FOR_TEST, fitter)
    assert len(fitter.calls) == 1


def test_without_a_fitter_an_image_within_the_hard_limit_goes_as_it_is() -> None:
    image = Attachment("a.png", "image/png", png(400, 10))
    assert fit_image(image, LIMITS_FOR_TEST, None) is image


def test_without_a_fitter_an_image_over_the_hard_limit_is_refused_by_name() -> None:
    image = Attachment("big.png", "image/png", png(401, 10))
    with pytest.raises(AttachmentError, match=r"^big\.png \(401×10 px, .*\) is larger than"):
        fit_image(image, LIMITS_FOR_TEST, None)


def test_a_fitter_that_answers_too_large_is_refused() -> None:
    image = Attachment("a.png", "image/png", png(500, 10))
    fitter = ShrinkingFitter(Attachment("a.png", "image/png", png(200, 10)))
    with pytest.raises(AttachmentError, match=r"^a\.png could not be made small enough"):
        fit_image(image, LIMITS_FOR_TEST, fitter)


def test_an_image_whose_bytes_are_not_its_type_is_refused() -> None:
    lying = Attachment("a.png", "image/png", JPEG_37x21)
    with pytest.raises(AttachmentError, match=r"^a\.png cannot be sent: it is not a readable PNG"):
        fit_image(lying, LIMITS_FOR_TEST, ShrinkingFitter())


def test_the_limits_per_protocol() -> None:
    anthropic = LIMITS["anthropic"].image
    assert (anthropic.fit_long_side, anthropic.max_long_side) == (1568, 8000)
    assert anthropic.max_bytes * 4 // 3 == 5 * 1024 * 1024  # base64 of it: Anthropic's 5 MB
    openai = LIMITS["openai"].image
    assert (openai.fit_long_side, openai.max_long_side, openai.max_bytes) == (2048, None, 20 << 20)
    assert limits_for("openai-responses") == LIMITS["openai"]
    assert limits_for("something-compatible") == LIMITS["openai"]


def test_an_attachment_error_is_a_chat_error_not_worth_retrying() -> None:
    error = AttachmentError("x.png cannot be sent")
    assert isinstance(error, ChatError)
    assert not error.retryable
    assert error.cause_label == "attachment"


@pytest.mark.parametrize(
    ("size", "text"),
    [(512, "512 bytes"), (1536, "1.5 KB"), (48 * 1024, "48 KB"), (5 << 20, "5.0 MB")],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def test_human_size_counts_bytes_in_the_readers_language() -> None:
    assert human_size(1) == "1 byte"
    i18n.set_language("zh_CN")
    try:
        # Inside a translated message ("... is too large to attach (over {limit})") too.
        assert human_size(512) == "512 字节"
        assert human_size(1536) == "1.5 KB"
    finally:
        i18n.set_language("en")
