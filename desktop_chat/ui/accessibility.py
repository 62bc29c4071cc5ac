"""Give the parts Qt builds inside composite controls the accessible name of their control, and
tell screen readers what happened without moving the focus (`announce`)."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QToolButton, QWidget


def name_inner_editors(root: QWidget) -> None:
    """Name the line edit inside every spin box and editable combo box under `root`.

    Screen readers land on that inner editor when the control gets focus; without a name it is
    announced as an anonymous "edit".
    """
    for control in root.findChildren(QAbstractSpinBox) + root.findChildren(QComboBox):
        editor = control.findChild(QLineEdit)
        if editor is not None and not editor.accessibleName():
            editor.setAccessibleName(control.accessibleName())
    # A line edit's clear button (setClearButtonEnabled) is a nameless tool button of its own.
    for line_edit in root.findChildren(QLineEdit):
        for button in line_edit.findChildren(QToolButton):
            if not button.accessibleName():
                button.setAccessibleName(f"Clear {line_edit.accessibleName()}".strip())


def announce(widget: QWidget, text: str, *, urgent: bool = False) -> None:
    """Announce `text` on behalf of `widget`; `urgent` interrupts what the reader is saying.

    Qt hands a `QAccessibleAnnouncementEvent` to the platform's bridge (AT-SPI, UIA,
    NSAccessibility), which speaks it; sending costs nothing when no reader listens. The text is
    also left as the widget's accessible description, for a reader that does not speak
    announcements (and for a test, through the widget's accessibility interface).
    """
    widget.setAccessibleDescription(text)
    if not text or not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    if urgent:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    QAccessible.updateAccessibility(event)
