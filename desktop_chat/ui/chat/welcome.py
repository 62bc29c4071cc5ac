"""What an empty conversation shows: a short welcome and a few example prompts to click.

A click puts the prompt into the composer rather than sending it: the user sees what would go,
can change it, and no request (nor its cost) is made on their behalf.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontInfo, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_chat.i18n import N_, _
from desktop_chat.ui.language import Retranslating

# (what the button says, the prompt it fills in); both translated where shown.
EXAMPLES = (
    (
        N_("Explain a concept in simple words"),
        N_("Explain how HTTPS keeps a connection private, in simple words."),
    ),
    (
        N_("Write a small program"),
        N_("Write a Python function that counts the words in a text file."),
    ),
    (N_("Summarise a text"), N_("Summarise the following text in three bullet points:\n\n")),
    (N_("Plan something"), N_("Plan a three-day trip to Hangzhou with a day-by-day list.")),
)


class Welcome(Retranslating, QWidget):
    """A title, one line of help, and one button per example prompt."""

    example_chosen = Signal(str)  # the prompt, in the current language

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setAutoFillBackground(True)  # it covers the empty page
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.title = QLabel(self)
        font = QFont(self.font())
        font.setPointSizeF(QFontInfo(font).pointSizeF() * 1.5)  # also when set in pixels
        font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(self)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.buttons: list[QPushButton] = []
        grid = QVBoxLayout()
        grid.setSpacing(8)
        for row_start in range(0, len(EXAMPLES), 2):
            row = QHBoxLayout()
            row.setSpacing(8)
            for n in range(row_start, min(row_start + 2, len(EXAMPLES))):
                button = QPushButton(self)
                button.setObjectName("example")
                button.setCursor(Qt.CursorShape.PointingHandCursor)
                button.setMinimumHeight(40)
                button.setMaximumWidth(320)
                button.clicked.connect(lambda _checked=False, n=n: self._choose(n))
                self.buttons.append(button)
                row.addWidget(button)
            grid.addLayout(row)
        self.setStyleSheet(
            "QPushButton#example { background-color: palette(alternate-base);"
            " border: 1px solid palette(mid); border-radius: 6px; padding: 8px 12px; }"
            " QPushButton#example:hover, QPushButton#example:focus {"
            " border-color: palette(highlight); }"
        )
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 24, 24, 24)
        column.setSpacing(12)
        column.addStretch(2)
        column.addWidget(self.title)
        column.addWidget(self.hint)
        column.addSpacing(12)
        column.addLayout(grid)
        column.addStretch(3)
        self._retranslate()

    def _choose(self, n: int) -> None:
        self.example_chosen.emit(_(EXAMPLES[n][1]))

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Welcome"))
        self.title.setText(_("Start a conversation"))
        self.hint.setText(_("Ask anything, or try one of these:"))
        for button, (label, prompt) in zip(self.buttons, EXAMPLES, strict=True):
            button.setText(_(label))
            button.setAccessibleName(_(label))
            button.setToolTip(_(prompt).strip())
