"""The composer's attachments: one chip per file above the editor, each removable.

A chip shows a thumbnail (an image) or an icon (a PDF or text file), the name and the size.
It takes keyboard focus, so Delete or Backspace removes it as the ✕ does with the mouse; the
✕ itself stays out of the Tab chain (one stop per attachment) but has a name for screen
readers. Colours come from the palette (`palette(...)` in the style sheet follows a theme
change).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop_chat.core.attachment import human_size
from desktop_chat.core.conversation import Attachment
from desktop_chat.i18n import _
from desktop_chat.ui.chat.thumbnail import thumbnail
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating

THUMB = 32  # px, the preview in a chip
NAME_WIDTH = 160  # px, a longer name is elided in the middle (the tooltip has it whole)
_REMOVE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
_KIND_ICONS = {"pdf": "file", "text": "file-text", "image": "image"}

_STYLE = """
QFrame#attachmentChip { background: palette(alternate-base); border: 1px solid palette(mid);
  border-radius: 6px; }
QFrame#attachmentChip:focus { border: 2px solid palette(highlight); }
QLabel#attachmentSize { color: palette(placeholder-text); }
"""


class AttachmentChip(Retranslating, QFrame):
    """One attachment: preview, name, size and ✕; Delete or Backspace removes it too."""

    remove_requested = Signal(object)  # this chip

    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.setObjectName("attachmentChip")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(_STYLE)
        self.preview = QLabel(self)
        self.preview.setFixedSize(THUMB, THUMB)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.has_thumbnail = self._set_preview()
        self.name_label = QLabel(self)
        metrics = self.name_label.fontMetrics()
        self.name_label.setText(
            metrics.elidedText(attachment.name, Qt.TextElideMode.ElideMiddle, NAME_WIDTH)
        )
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.size_label = QLabel(self)
        self.size_label.setObjectName("attachmentSize")
        self.remove_button = QToolButton(self)
        self.remove_button.setAutoRaise(True)
        self.remove_button.setIcon(icon("x"))
        self.remove_button.setIconSize(QSize(12, 12))
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the chip itself takes Delete
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.setSpacing(8)
        row.addWidget(self.preview)
        row.addWidget(self.name_label)
        row.addWidget(self.size_label)
        row.addWidget(self.remove_button)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._retranslate()

    def _set_preview(self) -> bool:
        """A thumbnail for an image that decodes; else the icon of its kind. True: a thumbnail."""
        attachment = self.attachment
        if attachment.kind == "image":
            image = thumbnail(attachment.data, THUMB, self.devicePixelRatioF())
            if image is not None:
                self.preview.setPixmap(QPixmap.fromImage(image))
                return True
        self.preview.setPixmap(icon(_KIND_ICONS[attachment.kind]).pixmap(QSize(20, 20)))
        return False

    def _retranslate(self) -> None:
        name, size = self.attachment.name, human_size(self.attachment.size)
        self.size_label.setText(size)
        self.setAccessibleName(_("Attachment {name}, {size}").format(name=name, size=size))
        self.setAccessibleDescription(_("Press Delete to remove it"))
        self.setToolTip(name)
        self.remove_button.setAccessibleName(_("Remove {name}").format(name=name))
        self.remove_button.setToolTip(_("Remove (Delete)"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _REMOVE_KEYS and not event.modifiers():
            event.accept()
            self.remove_requested.emit(self)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.ensureWidgetVisible(self)


class AttachmentTray(Retranslating, QScrollArea):
    """The row of chips above the editor; hidden while there is none, scrolls when many."""

    removed = Signal(object)  # the Attachment taken away
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._chips: list[AttachmentChip] = []
        inner = self._inner = QWidget(self)
        self._row = QHBoxLayout(inner)
        self._row.setContentsMargins(0, 0, 0, 4)
        self._row.setSpacing(8)
        self._row.addStretch(1)
        self.setWidget(inner)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._retranslate()
        self.hide()

    def chips(self) -> list[AttachmentChip]:
        return list(self._chips)

    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(chip.attachment for chip in self.chips())

    def add(self, attachment: Attachment) -> AttachmentChip:
        chip = AttachmentChip(attachment, self._inner)
        chip.remove_requested.connect(self.remove)
        self._row.insertWidget(self._row.count() - 1, chip)
        self._chips.append(chip)
        chip.show()  # now, not when the layout gets to it: Tab and tests reach it at once
        self._fit()
        self.changed.emit()
        return chip

    def remove(self, chip: AttachmentChip) -> None:
        """Take `chip` away; focus moves to the next chip, else the previous, else it is left."""
        chips = self.chips()
        if chip not in chips:
            return
        index = chips.index(chip)
        had_focus = chip.hasFocus()
        self._row.removeWidget(chip)
        self._chips.remove(chip)
        chip.hide()
        chip.deleteLater()
        rest = chips[:index] + chips[index + 1 :]
        if had_focus and rest:
            rest[min(index, len(rest) - 1)].setFocus(Qt.FocusReason.OtherFocusReason)
        self._fit()
        self.removed.emit(chip.attachment)
        self.changed.emit()

    def clear(self) -> None:
        for chip in self._chips:
            self._row.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self._chips.clear()
        self._fit()
        self.changed.emit()

    def _fit(self) -> None:
        chips = self.chips()
        self.setVisible(bool(chips))
        if chips:
            height = max(chip.sizeHint().height() for chip in chips) + 4
            if self._inner.sizeHint().width() > self.width():  # the scroll bar shows: room for it
                height += self.horizontalScrollBar().sizeHint().height()
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Attachments"))
