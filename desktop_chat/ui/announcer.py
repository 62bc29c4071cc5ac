"""Tell screen readers what happened without moving the focus: an answer ended, a retry waits.

Qt sends a `QAccessibleAnnouncementEvent` to the platform's accessibility bridge (AT-SPI, UIA,
NSAccessibility), which speaks it. The text is also left as the widget's accessible description,
so a reader that does not speak announcements finds it there, and a test can read it back
through the widget's accessibility interface. Sending costs nothing when no reader is listening.
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget


def announce(widget: QWidget, text: str, *, urgent: bool = False) -> None:
    """Announce `text` on behalf of `widget`; `urgent` interrupts what the reader is saying."""
    widget.setAccessibleDescription(text)
    if not text or not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    if urgent:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    QAccessible.updateAccessibility(event)
