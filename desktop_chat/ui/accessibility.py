"""Give the parts Qt builds inside composite controls the accessible name of their control."""

from __future__ import annotations

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
