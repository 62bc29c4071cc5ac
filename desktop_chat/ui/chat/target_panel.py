"""The target popover: which endpoint a turn goes to, and which of its models.

Opened from the top bar's one compact picker ("Endpoint · model"). The model box is editable:
typing filters the endpoint's list (any part of an id matches) and any other id may be typed, as
endpoints accept models their list does not name. Refresh fetches the list again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
)

from desktop_chat.i18n import _
from desktop_chat.ui.chat.popover import Popover, form_label
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating


class TargetPanel(Retranslating, Popover):
    """The endpoint and model boxes and the refresh button, under the picker button."""

    def __init__(self, anchor: QAbstractButton) -> None:
        super().__init__(anchor)
        self.setObjectName("targetPanel")
        self.endpoint_combo = QComboBox(self)
        self.endpoint_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.first_focus = self.endpoint_combo

        self.model_combo = QComboBox(self)
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.setMinimumContentsLength(24)
        self.model_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        completer = self.model_combo.completer()
        assert completer is not None  # an editable combo box has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.refresh_button = QToolButton(self)
        self.refresh_button.setIcon(icon("refresh-cw"))
        self.refresh_button.setAutoRaise(True)

        model_row = QHBoxLayout()
        model_row.setContentsMargins(0, 0, 0, 0)
        model_row.setSpacing(4)
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.refresh_button)
        form = QFormLayout(self)
        form.setContentsMargins(12, 12, 12, 12)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        self.endpoint_label = form_label(self, self.endpoint_combo)
        self.model_label = form_label(self, self.model_combo)
        form.addRow(self.endpoint_label, self.endpoint_combo)
        form.addRow(self.model_label, model_row)
        self._fetching = False
        self._retranslate()

    def set_busy_fetching(self, busy: bool) -> None:
        """Show that a model list is being fetched."""
        self._fetching = busy
        self.refresh_button.setEnabled(not busy)
        self._retranslate()

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Endpoint and model"))
        self.endpoint_label.setText(_("&Endpoint"))
        self.model_label.setText(_("M&odel"))
        self.endpoint_combo.setAccessibleName(_("Endpoint"))
        self.endpoint_combo.setToolTip(_("Where requests go (configure endpoints in Settings)"))
        self.model_combo.setAccessibleName(_("Model"))
        self.model_combo.setToolTip(
            _("Model to use; type to filter the list, or any model id the endpoint accepts")
        )
        line_edit = self.model_combo.lineEdit()
        if line_edit is not None:
            line_edit.setAccessibleName(_("Model"))
            line_edit.setPlaceholderText(_("model id"))
        self.refresh_button.setAccessibleName(_("Refresh model list"))
        self.refresh_button.setToolTip(
            _("Fetching the model list…")
            if self._fetching
            else _("Fetch the endpoint's model list again")
        )
