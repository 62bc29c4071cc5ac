"""A dismissable notice across the top of the window: settings trouble, first-run hints.

Banners are for what the user must not miss but need not answer at once (a dialog would block
the stream). Each has a stable `key`, so showing the same notice twice replaces it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import _
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label
from desktop_chat.ui.theme import Colors


class Banner(Retranslating, QFrame):
    """One notice: text, an optional action button, and a close button."""

    dismissed = Signal(str)

    def __init__(
        self,
        key: str,
        text: str,
        colors: Colors,
        *,
        warning: bool = False,
        action: tuple[str, Callable[[], None]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.warning = warning
        self.setObjectName("banner")
        self.label = message_label(self, _("Notice text"), text)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleDescription(text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        self.action_button: QPushButton | None = None
        if action is not None:
            label, callback = action
            self.action_button = QPushButton(label, self)
            self.action_button.setAccessibleName(label)
            self.action_button.clicked.connect(callback)
            layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignTop)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.clicked.connect(lambda: self.dismissed.emit(self.key))
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.apply_colors(colors)
        self._retranslate()

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Warning") if self.warning else _("Notice"))
        self.label.setAccessibleName(_("Notice text"))
        self.close_button.setAccessibleName(_("Dismiss notice"))
        self.close_button.setToolTip(_("Dismiss"))

    def apply_colors(self, colors: Colors) -> None:
        bg, fg = (
            (colors.warn_bg, colors.warn_fg) if self.warning else (colors.info_bg, colors.info_fg)
        )
        self.setStyleSheet(
            f"QFrame#banner {{ background: {bg}; border-radius: 4px; }}"
            f"QFrame#banner QLabel {{ color: {fg}; }}"
        )


class BannerArea(QWidget):
    """A column of banners; empty and zero-height when there is nothing to say."""

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 0)
        self._banners: dict[str, Banner] = {}
        self.setVisible(False)

    def show_notice(
        self,
        key: str,
        text: str,
        *,
        warning: bool = False,
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> Banner:
        """Show (or replace) the banner called `key`."""
        self.dismiss(key)
        banner = Banner(key, text, self._colors, warning=warning, action=action, parent=self)
        banner.dismissed.connect(self.dismiss)
        self._banners[key] = banner
        self._layout.addWidget(banner)
        self.setVisible(True)
        return banner

    def dismiss(self, key: str) -> None:
        banner = self._banners.pop(key, None)
        if banner is not None:
            banner.hide()
            banner.deleteLater()
        self.setVisible(bool(self._banners))

    def banner(self, key: str) -> Banner | None:
        return self._banners.get(key)

    def keys(self) -> list[str]:
        return list(self._banners)

    def set_colors(self, colors: Colors) -> None:
        self._colors = colors
        for banner in self._banners.values():
            banner.apply_colors(colors)
