"""Attachments on their way out: what each protocol takes, and images made to fit it.

The history and the transcript keep an attachment's original bytes (`Attachment.data`). A
provider sends a copy made for its protocol, per request, and never kept:

- Images are checked against the protocol's `ImageLimits` (pixel size read from the header by
  `desktop_chat.image_header`, no decoding). One over the recommended long side or the byte
  limit is downscaled by the request's `ImageFitter` (`ChatRequest.image_fitter`). Decoding
  and scaling pixels is Qt's image code, and only `ui` may import Qt: the fitter is
  `desktop_chat.ui.image_fitter.QImageFitter`, which needs no QApplication; the window puts one
  in its requests, `desktop-chat ask` gets one from `desktop_chat.__main__` when an image is
  attached. Without a fitter an image within the hard limits goes as it is, and one beyond them
  is an `AttachmentError`. The fitted copy exists only inside the request body.
- PDFs go whole, as a document (Anthropic) or file part (OpenAI), up to `PDF_MAX_BYTES`.
- Text files go as a fenced block in the message's text, cut at `TEXT_MAX_CHARS` with a line
  that says what was cut.

Every refusal is an `AttachmentError` raised while the request is built, before anything is
sent, with a message that names the file.

Where the limits come from (checked 2026-12):
- Anthropic, "Vision" guide: an image over 8000 px on a side is refused (2000 px when a request
  holds more than 20 images); one over 1568 px on its long side is scaled down by the server
  first, which only adds upload and latency, so we send 1568 px. The API refuses an image whose
  base64 text is over 5 MB (5 MiB counted: "image exceeds 5 MB maximum: N bytes > 5242880
  bytes"), so the raw limit is three quarters of that. "PDF support": a request is at most 32 MB.
- OpenAI, "Images and vision" guide: up to 20 MB per image; at high detail the image is scaled
  to fit 2048 x 2048, then its short side to 768 px. We send the 2048 px fit and leave the second
  step to the server, which picks it by the detail level. "File inputs": PDFs up to 32 MB of
  content per request.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from desktop_chat.core.conversation import (
    IMAGE_TYPES,
    PDF_TYPE,
    Attachment,
    AttachmentKind,
    Conversation,
    Message,
)
from desktop_chat.core.errors import AttachmentError, BadRequestError, ChatError
from desktop_chat.i18n import _, ngettext
from desktop_chat.image_header import image_size, image_type

MAX_FILE_BYTES = 64 * 1024 * 1024  # the largest file read as an attachment
TEXT_MAX_CHARS = 100_000  # of one text file sent, about 25,000 tokens


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What one protocol takes of an image, and the size we fit images to for it."""

    fit_long_side: int  # px: a fitter downscales to this (the provider's recommended size)
    max_long_side: int | None  # px: the provider refuses more (None: it scales anything)
    max_bytes: int  # of the raw image, before base64
    source: str  # where the figures are documented


@dataclass(frozen=True, slots=True)
class ProtocolLimits:
    image: ImageLimits
    pdf_max_bytes: int  # of the raw PDF, before base64


_ANTHROPIC = ProtocolLimits(
    ImageLimits(1568, 8000, 5 * 1024 * 1024 * 3 // 4, "Anthropic docs, Vision"),
    32_000_000 * 3 // 4,
)
_OPENAI = ProtocolLimits(
    ImageLimits(2048, None, 20 * 1024 * 1024, "OpenAI docs, Images and vision"),
    32_000_000 * 3 // 4,
)
LIMITS: dict[str, ProtocolLimits] = {
    "anthropic": _ANTHROPIC,
    "openai": _OPENAI,
    "openai-responses": _OPENAI,
}


class ImageFitter(Protocol):
    """Downscale an image to fit limits; the window's Qt code implements it.

    `fit` returns a new Attachment (same name; PNG, JPEG, GIF or WebP, maybe another type than
    the original's, e.g. a large photo re-encoded as JPEG) whose long side is at most
    `limits.fit_long_side` and whose size at most `limits.max_bytes`. It keeps the aspect ratio
    and never enlarges. It raises AttachmentError naming the file when the image cannot be
    decoded or not be made that small. It is called only for an image that needs it, while the
    request is built, on the thread that builds it. Every turn resends the conversation's
    images: wrap a fitter in `RememberingFitter` (one per conversation or window) so each is
    fitted once.
    """

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment: ...


class RememberingFitter:
    """An `ImageFitter` that fits each image once: every turn sends the conversation's images
    again, and decoding and scaling a large photo takes a tenth of a second or more.

    Keeps the last `capacity` results (each within the protocol's byte limit), by content and
    limits.
    """

    def __init__(self, fitter: ImageFitter, capacity: int = 32) -> None:
        self._fitter = fitter
        self._capacity = capacity
        self._done: dict[tuple[str, ImageLimits], Attachment] = {}

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        key = (image.sha256, limits)
        fitted = self._done.pop(key, None)
        if fitted is None:
            fitted = self._fitter.fit(image, limits)
        self._done[key] = fitted  # newest last
        while len(self._done) > self._capacity:
            del self._done[next(iter(self._done))]
        return fitted


def limits_for(protocol: str) -> ProtocolLimits:
    return LIMITS.get(protocol, _OPENAI)  # an OpenAI-compatible server: OpenAI's limits


def fit_image(image: Attachment, limits: ImageLimits, fitter: ImageFitter | None) -> Attachment:
    """`image` itself when it fits `limits`, else the fitter's smaller copy (checked to fit)."""
    size = image_size(image.data)
    if size is None or image_type(image.data) != image.media_type:
        raise AttachmentError(
            _("{name} cannot be sent: it is not a readable {type} image").format(
                name=image.name, type=_type_name(image)
            )
        )
    long_side = max(size)
    within_hard = long_side <= (limits.max_long_side or long_side) and (
        image.size <= limits.max_bytes
    )
    if long_side <= limits.fit_long_side and image.size <= limits.max_bytes:
        return image
    if fitter is None:
        if within_hard:
            return image
        raise AttachmentError(
            _(
                "{name} ({width}×{height} px, {size}) is larger than the provider takes, "
                "and it cannot be made smaller here"
            ).format(name=image.name, width=size[0], height=size[1], size=human_size(image.size))
        )
    fitted = fitter.fit(image, limits)
    fitted_size = image_size(fitted.data)
    if (
        fitted_size is None
        or max(fitted_size) > limits.fit_long_side
        or fitted.size > limits.max_bytes
        or fitted.media_type not in IMAGE_TYPES
    ):
        raise AttachmentError(
            _("{name} could not be made small enough to send").format(name=image.name)
        )
    return fitted


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A user message as a protocol sends it: its text with the text files in it, and parts."""

    text: str
    images: tuple[Attachment, ...] = ()  # fitted to the protocol
    pdfs: tuple[Attachment, ...] = ()

    @property
    def has_parts(self) -> bool:
        return bool(self.images or self.pdfs)


def outgoing(message: Message, protocol: str, fitter: ImageFitter | None) -> Outgoing:
    """What of `message` goes to `protocol`: images fitted, PDFs checked, text files inlined.

    Text files come first, each a fenced block under its name, then the message's own text, so
    the question follows the material it is about. Raises AttachmentError before anything is
    sent when an attachment cannot go.
    """
    if not message.attachments:
        return Outgoing(message.text)
    limits = limits_for(protocol)
    images: list[Attachment] = []
    pdfs: list[Attachment] = []
    blocks: list[str] = []
    for attachment in message.attachments:
        if attachment.kind == "image":
            images.append(fit_image(attachment, limits.image, fitter))
        elif attachment.kind == "pdf":
            if attachment.size > limits.pdf_max_bytes:
                raise AttachmentError(
                    _(
                        "{name} ({size}) is larger than this provider takes in one request "
                        "({limit} of PDF)"
                    ).format(
                        name=attachment.name,
                        size=human_size(attachment.size),
                        limit=human_size(limits.pdf_max_bytes),
                    )
                )
            pdfs.append(attachment)
        else:
            blocks.append(text_block(attachment))
    text = "\n\n".join([*blocks, message.text] if message.text else blocks)
    return Outgoing(text, tuple(images), tuple(pdfs))


_BACKTICKS = re.compile(r"`{3,}")


def text_block(attachment: Attachment, limit: int = TEXT_MAX_CHARS) -> str:
    """A text file as its name and a fenced block; over `limit` characters, cut and said so.

    The fence is longer than any run of backticks in the file, so a Markdown file with code
    blocks of its own stays one block.
    """
    text = attachment.data.decode("utf-8", "replace").removeprefix("\ufeff")
    total = len(text)
    if total > limit:
        text = text[:limit]
    fence = "`" * max([3, *(len(run) + 1 for run in _BACKTICKS.findall(text))])
    block = f"{attachment.name}:\n{fence}\n{text.rstrip(chr(10))}\n{fence}"
    if total > limit:
        block += (
            f"\n[{attachment.name} was cut: the first {limit:,} of its {total:,} characters "
            f"are above]"
        )
    return block


def data_url(attachment: Attachment) -> str:
    """`data:image/png;base64,...`: how OpenAI's APIs take inline images and files."""
    return f"data:{attachment.media_type};base64,{base64_text(attachment)}"


def base64_text(attachment: Attachment) -> str:
    return base64.b64encode(attachment.data).decode("ascii")


_REFUSED = {
    "image": re.compile(r"image|vision|multi-?modal", re.IGNORECASE),
    "pdf": re.compile(r"pdf|document|file", re.IGNORECASE),
}
_REFUSAL: dict[AttachmentKind, Callable[[int], str]] = {
    "image": lambda n: ngettext(
        "The model refused the image {names}: it may not take images. Choose a model that "
        "does, or send the message without the image",
        "The model refused the images {names}: it may not take images. Choose a model that "
        "does, or send the message without the images",
        n,
    ),
    "pdf": lambda n: ngettext(
        "The model refused the PDF {names}: it may not take PDFs. Choose a model that does, "
        "or send the message without the PDF",
        "The model refused the PDFs {names}: it may not take PDFs. Choose a model that does, "
        "or send the message without the PDFs",
        n,
    ),
}


def name_refused_attachments(error: ChatError, conversation: Conversation) -> None:
    """Say which attachments a provider's 400 is about, when it is about images or PDFs.

    A model without vision answers "image input is not supported" or the like, naming no file;
    the person needs to know which of theirs it was and what to do. Changes `error` in place
    (its message); the provider's own words stay in `provider_message`.
    """
    if not isinstance(error, BadRequestError) or not error.provider_message:
        return
    for kind in ("image", "pdf"):
        if not _REFUSED[kind].search(error.provider_message):
            continue
        names = _names_of(conversation, kind)
        if not names:
            continue
        shown = ", ".join(names[:3])
        if len(names) > 3:
            shown = _("{names} and {count} more").format(names=shown, count=len(names) - 3)
        error.message = _REFUSAL[kind](len(names)).format(names=shown)
        error.args = (error.message,)
        return


def _names_of(conversation: Conversation, kind: AttachmentKind) -> list[str]:
    """The names of the attachments of `kind` sent, the newest message's first, each once."""
    names: list[str] = []
    for message in reversed(conversation.messages):
        for attachment in message.attachments:
            if attachment.kind == kind and attachment.name not in names:
                names.append(attachment.name)
    return names


def attachment_from_file(path: Path, name: str | None = None) -> Attachment:
    """Read `path` as an attachment: an image or a PDF by its signature, else UTF-8 text.

    Raises AttachmentError naming the file when it cannot be read, is too large, or is neither
    (a binary file of another kind).
    """
    shown = name or path.name
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise AttachmentError(
            _("{name} cannot be read: {reason}").format(name=shown, reason=exc.strerror or exc)
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentError(
            _("{name} is too large to attach (over {limit})").format(
                name=shown, limit=human_size(MAX_FILE_BYTES)
            )
        )
    return attachment_from_bytes(shown, data)


def attachment_from_bytes(name: str, data: bytes) -> Attachment:
    """Give `data` its media type by content: image, PDF, or text; else AttachmentError."""
    kind = image_type(data)
    if kind is not None:
        return Attachment(name, kind, data)
    if data.startswith(b"%PDF-"):
        return Attachment(name, PDF_TYPE, data)
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return Attachment(name, _text_type(name), data)
    raise AttachmentError(
        _(
            "{name} cannot be attached: only images (PNG, JPEG, GIF, WebP), PDFs and UTF-8 "
            "text files can be sent"
        ).format(name=name)
    )


def _text_type(name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    if guessed and (guessed.startswith("text/") or guessed.endswith(("json", "xml", "yaml"))):
        return guessed
    return "text/plain"


def _type_name(image: Attachment) -> str:
    return image.media_type.removeprefix("image/").upper()


def human_size(size: int) -> str:
    """1234 -> "1.2 KB", as the messages, the window and the inspector write sizes.

    1 KB = 1024 bytes. KB and MB read the same in every language we ship, bytes do not: they
    are counted in the current language, like the messages the size is put into.
    """
    if size < 1024:
        return ngettext("{n} byte", "{n} bytes", size).format(n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB" if size >= 10 * 1024 else f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
