"""A sent image, larger: a simple dialog over the window, closed with Esc.

It shows the ORIGINAL the user attached (not the copy fitted for the provider), scaled down to
fit most of the screen and never up. Opened with `open()`, never `exec()`: a nested event loop
would stall an answer streaming meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from desktop_chat.core.conversation import Attachment
from desktop_chat.i18n import _
from desktop_chat.image_header import image_size
from desktop_chat.ui.chat.thumbnail import decoded
from desktop_chat.ui.language import Retranslating

SCREEN_SHARE = 0.85  # of the screen's free area the image may take


class ImageViewer(Retranslating, QDialog):
    """The attachment's image, as large as fits; Esc (or closing) puts it away."""

    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.image)
        scale = self.devicePixelRatioF()
        screen = QGuiApplication.primaryScreen()
        area = screen.availableSize() if screen is not None else QSize(1280, 800)
        box = QSize(int(area.width() * SCREEN_SHARE), int(area.height() * SCREEN_SHARE))
        picture = decoded(attachment.data, box * scale)
        if picture is None:
            self.image.setText(_("This image cannot be shown."))
        else:
            picture.setDevicePixelRatio(scale)
            self.image.setPixmap(QPixmap.fromImage(picture))
            self.image.setMinimumSize(picture.deviceIndependentSize().toSize())
        self._retranslate()

    def _retranslate(self) -> None:
        size = image_size(self.attachment.data)
        name = self.attachment.name
        if size is None:
            self.setWindowTitle(name)
        else:
            self.setWindowTitle(
                _("{name} — {width} × {height} px").format(name=name, width=size[0], height=size[1])
            )
        self.setAccessibleName(_("Image {name}").format(name=name))
        self.image.setAccessibleName(name)
        self.image.setAccessibleDescription(_("Press Esc to close"))
