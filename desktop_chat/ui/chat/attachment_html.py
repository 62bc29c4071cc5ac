"""A sent message's attachments in the transcript: thumbnails, a chip per file, a click opens.

Drawn above the user's text: the images as thumbnails, then one line of chips (an icon, the
name, the size) for every attachment, so the names can be read, found with Find and reached
with the keyboard. A click on a thumbnail or on an image's name opens the original larger
(image_viewer.py).

The pictures are QTextDocument resources named under a private scheme with a random part per
view, like the transcript's own action links, so no model output can name them; SafeBrowser
loads nothing, and a document looks in its own resources before it asks the view. Clearing a
document drops its resources (a conversation opened, the theme changed), so `AttachmentRow.html`
registers its pictures every time it is drawn; each thumbnail is decoded once and kept (the
newest THUMBNAILS_KEPT). The transcript ignores links of schemes it does not know; this object
listens to the same view for its own.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, QUrl
from PySide6.QtGui import QImage, QPalette, QTextDocument
from PySide6.QtWidgets import QTextBrowser

from desktop_chat.core.attachment import human_size
from desktop_chat.core.conversation import Attachment, Message
from desktop_chat.i18n import _
from desktop_chat.ui.chat.image_viewer import ImageViewer
from desktop_chat.ui.chat.markdown import Theme, attr
from desktop_chat.ui.chat.message_html import text
from desktop_chat.ui.chat.thumbnail import thumbnail
from desktop_chat.ui.icons import icon

THUMB = 160  # px, the longer side of an image in the transcript
THUMBNAILS_KEPT = 256
ICON = 14  # px, a chip's icon
_KIND_ICONS = {"pdf": "file", "text": "file-text", "image": "image"}
_IMAGE = QTextDocument.ResourceType.ImageResource.value


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    """A user message's attachments as the transcript draws them (MessageBlock.attachments)."""

    attachments: tuple[Attachment, ...]
    owner: TranscriptAttachments

    def html(self, theme: Theme) -> str:
        return self.owner.html(self.attachments, theme)


class TranscriptAttachments(QObject):
    """The pictures of the attachments in one transcript view, and their clicks.

    `messages()` returns the conversation shown; a click looks the attachment up there.
    """

    def __init__(
        self,
        view: QTextBrowser,
        messages: Callable[[], Sequence[Message]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._messages = messages
        self.scheme = f"dcfile-{secrets.token_hex(8)}"
        self._thumbs: OrderedDict[str, QImage | None] = OrderedDict()
        self.viewer: ImageViewer | None = None
        view.anchorClicked.connect(self._on_anchor_clicked)

    def row(self, attachments: tuple[Attachment, ...]) -> AttachmentRow | None:
        """What a message block holds to draw `attachments` (None when there are none)."""
        return AttachmentRow(attachments, self) if attachments else None

    def html(self, attachments: tuple[Attachment, ...], theme: Theme) -> str:
        """The thumbnails and the line of chips; registers the pictures they name."""
        pictures = []
        for attachment in attachments:
            image = self._thumbnail(attachment) if attachment.kind == "image" else None
            if image is None:
                continue
            name = self._register(f"thumb/{attachment.sha256}", image)
            size = image.deviceIndependentSize().toSize()
            title = _("Open {name}").format(name=attachment.name)
            pictures.append(
                f'<a href="{attr(self.href(attachment))}" title="{attr(title)}">'
                f'<img src="{attr(name)}" width="{size.width()}" height="{size.height()}"'
                f' alt="{attr(attachment.name)}" /></a>'
            )
        parts = []
        if pictures:
            parts.append(
                '<p style="margin-top:4px; margin-bottom:2px;">'
                + "&nbsp;&nbsp;".join(pictures)
                + "</p>"
            )
        chips = [self._chip(attachment, theme) for attachment in attachments]
        parts.append(
            f'<p style="margin-top:2px; margin-bottom:4px; color:{theme.muted};"><small>'
            + "&nbsp;&nbsp;&nbsp;".join(chips)
            + "</small></p>"
        )
        return "".join(parts)

    def href(self, attachment: Attachment) -> str:
        return f"{self.scheme}:open/{attachment.sha256}"

    def open(self, attachment: Attachment) -> ImageViewer:
        """Show `attachment` larger over the window (one viewer at a time)."""
        if self.viewer is not None:
            self.viewer.close()
        viewer = ImageViewer(attachment, self._view.window())
        viewer.destroyed.connect(lambda: self._forget(viewer))
        self.viewer = viewer
        viewer.open()
        return viewer

    def _forget(self, viewer: ImageViewer) -> None:
        if self.viewer is viewer:
            self.viewer = None

    def _chip(self, attachment: Attachment, theme: Theme) -> str:
        kind_icon = _KIND_ICONS[attachment.kind]
        picture = self._register(f"icon/{kind_icon}", self._icon(kind_icon))
        name = text(attachment.name)
        if attachment.kind == "image":
            title = _("Open {name}").format(name=attachment.name)
            name = (
                f'<a href="{attr(self.href(attachment))}" style="color:{theme.link};"'
                f' title="{attr(title)}">{name}</a>'
            )
        return (
            f'<img src="{attr(picture)}" width="{ICON}" height="{ICON}"'
            ' style="vertical-align: middle;" />'
            f"&nbsp;{name} · {text(human_size(attachment.size))}"
        )

    def _icon(self, name: str) -> QImage:
        scale = self._view.devicePixelRatioF()
        pixmap = icon(name, QPalette.ColorRole.PlaceholderText).pixmap(QSize(ICON, ICON), scale)
        return pixmap.toImage()

    def _thumbnail(self, attachment: Attachment) -> QImage | None:
        key = attachment.sha256
        if key in self._thumbs:
            self._thumbs.move_to_end(key)
            return self._thumbs[key]
        image = thumbnail(attachment.data, THUMB, self._view.devicePixelRatioF())
        self._thumbs[key] = image
        while len(self._thumbs) > THUMBNAILS_KEPT:
            self._thumbs.popitem(last=False)
        return image

    def _register(self, path: str, image: QImage) -> str:
        name = f"{self.scheme}:{path}"
        self._view.document().addResource(_IMAGE, QUrl(name), image)
        return name

    def _find(self, sha256: str) -> Attachment | None:
        for message in reversed(self._messages()):
            for attachment in message.attachments:
                if attachment.sha256 == sha256:
                    return attachment
        return None

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme().lower() != self.scheme:
            return
        path = url.path()
        if path.startswith("open/"):
            attachment = self._find(path.removeprefix("open/"))
            if attachment is not None:
                self.open(attachment)
