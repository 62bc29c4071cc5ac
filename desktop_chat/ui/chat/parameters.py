"""The parameters popover: system prompt, presets, temperature, max tokens and reasoning.

These belong to the conversation on screen and are changed far less often than they are read,
so they live behind one button of the top bar instead of a row of spin boxes. A set system prompt
stays noticeable on that button (a dot, and its accessible description) while the panel is shut.
Reasoning shows one control at a time, the one the endpoint's protocol takes: a thinking budget
(Anthropic) or an effort (OpenAI-style); "endpoint" leaves it to the endpoint's default.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
)

from desktop_chat.i18n import N_, _
from desktop_chat.ui.chat.popover import Popover, form_label
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating

DEFAULT_MAX_TOKENS = 4096
NO_TEMPERATURE = -0.1  # the spin box minimum, shown as "default": let the provider choose
ENDPOINT_BUDGET = -1  # the thinking spin box minimum, shown as "endpoint": its default
EFFORTS = ("none", "minimal", "low", "medium", "high")  # the values sent (reasoning_effort)
EFFORT_NAMES = (N_("none"), N_("minimal"), N_("low"), N_("medium"), N_("high"))


class ParametersPanel(Retranslating, Popover):
    """The per-conversation options, anchored under the top bar's parameters button."""

    def __init__(self, anchor: QAbstractButton) -> None:
        super().__init__(anchor)
        self.setObjectName("parametersPanel")
        self.system_edit = QPlainTextEdit(self)
        self.system_edit.setTabChangesFocus(True)
        self.system_edit.setMinimumWidth(320)
        self.system_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.first_focus = self.system_edit

        # A push button with a chevron, as the form's other fields have edges: a flat tool button
        # read as a line of text, not as something that opens a list.
        self.preset_button = QPushButton(icon("chevron-down"), "", self)
        self.preset_button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)  # chevron at the end
        self.preset_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.preset_menu = QMenu(self.preset_button)
        # popup(), not setMenu(): the button would run the menu in a nested event loop.
        self.preset_button.clicked.connect(
            lambda: self.preset_menu.popup(
                self.preset_button.mapToGlobal(QPoint(0, self.preset_button.height()))
            )
        )

        self.temperature = QDoubleSpinBox(self)
        self.temperature.setRange(NO_TEMPERATURE, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(NO_TEMPERATURE)

        self.max_tokens = QSpinBox(self)
        self.max_tokens.setRange(1, 1_000_000)
        self.max_tokens.setValue(DEFAULT_MAX_TOKENS)
        self.max_tokens.setGroupSeparatorShown(True)

        self.effort_combo = QComboBox(self)
        self.effort_combo.addItem("", None)
        for effort in EFFORTS:
            self.effort_combo.addItem(effort, effort)

        self.thinking_budget = QSpinBox(self)
        self.thinking_budget.setRange(ENDPOINT_BUDGET, 1_000_000)
        self.thinking_budget.setSingleStep(1024)
        self.thinking_budget.setValue(ENDPOINT_BUDGET)
        self.thinking_budget.setGroupSeparatorShown(True)

        # A form lays each label out at its full width: none is clipped, in either language.
        self.form = form = QFormLayout(self)
        form.setContentsMargins(12, 12, 12, 12)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        self.labels: dict[str, QLabel] = {}
        for key, widget in (
            ("system", self.system_edit),
            ("presets", self.preset_button),
            ("temperature", self.temperature),
            ("max_tokens", self.max_tokens),
            ("effort", self.effort_combo),
            ("thinking", self.thinking_budget),
        ):
            label = form_label(self, widget)
            self.labels[key] = label
            form.addRow(label, widget)
        self.show_reasoning_for("openai")
        self._retranslate()

    def show_reasoning_for(self, protocol: str) -> None:
        """Offer the reasoning control `protocol` takes: thinking (Anthropic) or effort."""
        thinking = protocol == "anthropic"
        self.form.setRowVisible(self.thinking_budget, thinking)
        self.form.setRowVisible(self.effort_combo, not thinking)

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Parameters"))
        texts = {
            "system": _("S&ystem prompt"),
            "presets": _("&Presets"),
            "temperature": _("&Temperature"),
            "max_tokens": _("Max to&kens"),
            "effort": _("Reaso&ning"),
            "thinking": _("Thinkin&g"),
        }
        for key, text in texts.items():
            self.labels[key].setText(text)
        self.system_edit.setAccessibleName(_("System prompt"))
        self.system_edit.setPlaceholderText(_("System prompt for this conversation (optional)"))
        self.preset_button.setText(_("Choose a preset"))
        self.preset_button.setAccessibleName(_("Presets"))
        self.preset_button.setToolTip(_("Fill in a saved preset's prompt and options"))
        self.preset_menu.setTitle(_("Presets"))
        self.temperature.setSpecialValueText(_("default"))
        self.temperature.setAccessibleName(_("Temperature"))
        self.temperature.setToolTip(_("Sampling temperature; “default” leaves it to the provider"))
        self.max_tokens.setAccessibleName(_("Maximum tokens"))
        self.max_tokens.setToolTip(_("The longest answer, in tokens"))
        self.effort_combo.setItemText(0, _("endpoint"))
        for index, name in enumerate(EFFORT_NAMES, start=1):
            self.effort_combo.setItemText(index, _(name))
        self.effort_combo.setAccessibleName(_("Reasoning effort"))
        self.effort_combo.setToolTip(
            _(
                "OpenAI-style endpoints: how hard a reasoning model thinks (reasoning_effort);\n"
                "“endpoint” uses the endpoint's default from Settings"
            )
        )
        self.thinking_budget.setSpecialValueText(_("endpoint"))
        self.thinking_budget.setAccessibleName(_("Thinking budget"))
        self.thinking_budget.setToolTip(
            _(
                "Anthropic: extended thinking, in tokens (at least 1,024, below Max tokens, "
                "with the temperature at default); 0 turns it off, “endpoint” uses the "
                "endpoint's default from Settings"
            )
        )
        # The editors inside the spin boxes are what a screen reader lands on.
        for control in (self.temperature, self.max_tokens, self.thinking_budget):
            editor = control.findChild(QLineEdit)
            if editor is not None:
                editor.setAccessibleName(control.accessibleName())
