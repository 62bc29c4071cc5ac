"""The bar above the conversation: endpoint and model pickers, system prompt and sampling.

The bar only holds choices and says when they change; the window decides what they mean (which
key to read, when to fetch a model list). The system prompt, temperature, max tokens and
reasoning belong to the conversation on screen: a new chat keeps them, as most people reuse
their set-up. Reasoning left at "endpoint" uses the endpoint's own default (Settings). The system
prompt's menu offers the saved presets (`desktop-chat preset add`): choosing one fills in its
prompt and the options it sets, and its model as if the user had picked it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.storage.settings import Preset

DEMO_LABEL = "Offline demo"
DEFAULT_MAX_TOKENS = 4096
_NO_TEMPERATURE = -0.1  # the spin box minimum, shown as "default": let the provider choose
_ENDPOINT_BUDGET = -1  # the thinking spin box minimum, shown as "endpoint": its default
EFFORTS = ("none", "minimal", "low", "medium", "high")


class TurnOptions(NamedTuple):
    """What a turn is sent with; None for reasoning leaves it to the endpoint's default."""

    system: str
    temperature: float | None
    max_tokens: int
    reasoning_effort: str | None = None
    thinking_budget: int | None = None


class TopBar(QWidget):
    """Pick where to send and how; emit the user's changes (not programmatic ones)."""

    endpoint_chosen = Signal(str)  # endpoint name; "" is the offline demo
    model_chosen = Signal(str)
    refresh_models_requested = Signal()
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False

        self.endpoint_combo = QComboBox(self)
        self.endpoint_combo.setAccessibleName("Endpoint")
        self.endpoint_combo.setToolTip("Where requests go (configure endpoints in Settings)")
        self.endpoint_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.endpoint_combo.activated.connect(self._on_endpoint_activated)

        self.model_combo = QComboBox(self)
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.setAccessibleName("Model")
        self.model_combo.setToolTip("Model to use; type any model id the endpoint accepts")
        self.model_combo.setMinimumContentsLength(18)
        self.model_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.model_combo.activated.connect(self._on_model_activated)
        line_edit = self.model_combo.lineEdit()
        assert line_edit is not None  # the combo box is editable
        line_edit.setAccessibleName("Model")
        line_edit.setPlaceholderText("model id")
        line_edit.editingFinished.connect(self._on_model_typed)

        self.refresh_button = QToolButton(self)
        self.refresh_button.setText("⟳")
        self.refresh_button.setAccessibleName("Refresh model list")
        self.refresh_button.setToolTip("Fetch the endpoint's model list again")
        self.refresh_button.clicked.connect(self.refresh_models_requested)

        self.system_button = QToolButton(self)
        self.system_button.setText("System prompt")
        self.system_button.setCheckable(True)
        self.system_button.setAccessibleName("Show system prompt")
        self.system_button.setToolTip("Instructions sent before the conversation")
        self.system_button.toggled.connect(self._on_system_toggled)
        self.preset_menu = QMenu("Presets", self.system_button)
        self.system_button.setMenu(self.preset_menu)
        self.system_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.set_presets(())

        self.temperature = QDoubleSpinBox(self)
        self.temperature.setRange(_NO_TEMPERATURE, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setSpecialValueText("default")
        self.temperature.setValue(_NO_TEMPERATURE)
        self.temperature.setAccessibleName("Temperature")
        self.temperature.setToolTip("Sampling temperature; “default” leaves it to the provider")

        self.max_tokens = QSpinBox(self)
        self.max_tokens.setRange(1, 1_000_000)
        self.max_tokens.setValue(DEFAULT_MAX_TOKENS)
        self.max_tokens.setGroupSeparatorShown(True)
        self.max_tokens.setAccessibleName("Maximum tokens")
        self.max_tokens.setToolTip("The longest answer, in tokens")

        self.effort_combo = QComboBox(self)
        self.effort_combo.addItem("endpoint", None)
        for effort in EFFORTS:
            self.effort_combo.addItem(effort, effort)
        self.effort_combo.setAccessibleName("Reasoning effort")
        self.effort_combo.setToolTip(
            "OpenAI-style endpoints: how hard a reasoning model thinks (reasoning_effort);\n"
            "“endpoint” uses the endpoint's default from Settings"
        )

        self.thinking_budget = QSpinBox(self)
        self.thinking_budget.setRange(_ENDPOINT_BUDGET, 1_000_000)
        self.thinking_budget.setSingleStep(1024)
        self.thinking_budget.setSpecialValueText("endpoint")
        self.thinking_budget.setValue(_ENDPOINT_BUDGET)
        self.thinking_budget.setGroupSeparatorShown(True)
        self.thinking_budget.setAccessibleName("Thinking budget")
        self.thinking_budget.setToolTip(
            "Anthropic: extended thinking, in tokens (at least 1,024, below Max tokens, "
            "with the temperature at default); 0 turns it off, “endpoint” uses the "
            "endpoint's default from Settings"
        )

        self.settings_button = QToolButton(self)
        self.settings_button.setText("Settings")
        self.settings_button.setAccessibleName("Open settings")
        self.settings_button.setToolTip("Endpoints, keys, network and appearance (Ctrl+,)")
        self.settings_button.clicked.connect(self.settings_requested)

        self.system_edit = QPlainTextEdit(self)
        self.system_edit.setAccessibleName("System prompt")
        self.system_edit.setPlaceholderText("System prompt for this conversation (optional)")
        self.system_edit.setTabChangesFocus(True)
        self.system_edit.setMaximumHeight(110)
        self.system_edit.textChanged.connect(self._update_system_button)
        self.system_edit.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        labelled: tuple[tuple[str, QWidget], ...] = (
            ("&Endpoint", self.endpoint_combo),
            ("M&odel", self.model_combo),
        )
        for text, widget in labelled:
            self._add_labelled(row, text, widget)
        row.addWidget(self.refresh_button)
        row.addSpacing(8)
        row.addWidget(self.system_button)
        self._add_labelled(row, "&Temperature", self.temperature)
        self._add_labelled(row, "Max to&kens", self.max_tokens)
        # One of the two at a time, the one the endpoint's protocol takes: the bar stays narrow.
        self._effort_label = self._add_labelled(row, "Reaso&ning", self.effort_combo)
        self._thinking_label = self._add_labelled(row, "Thinkin&g", self.thinking_budget)
        self.show_reasoning_for("openai")
        row.addStretch(0)
        row.addWidget(self.settings_button)
        self._row = row
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 8, 2)
        column.addLayout(row)
        column.addWidget(self.system_edit)

    def add_before_settings(self, button: QWidget) -> None:
        """Place a button of the window's (Tools, Inspector) before Settings."""
        self._row.insertWidget(self._row.indexOf(self.settings_button), button)

    def _add_labelled(self, row: QHBoxLayout, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(widget)  # Alt+letter moves to the control
        row.addWidget(label)
        row.addWidget(widget)
        return label

    def show_reasoning_for(self, protocol: str) -> None:
        """Offer the reasoning control `protocol` takes: thinking (Anthropic) or effort."""
        thinking = protocol == "anthropic"
        self._thinking_label.setVisible(thinking)
        self.thinking_budget.setVisible(thinking)
        self._effort_label.setVisible(not thinking)
        self.effort_combo.setVisible(not thinking)

    # --- endpoints and models -------------------------------------------------------------------

    def set_endpoints(self, names: list[str], current: str) -> None:
        """List `names` (the demo alone when empty) and select `current` without emitting."""
        self._quiet = True
        try:
            self.endpoint_combo.clear()
            for name in names:
                self.endpoint_combo.addItem(name, name)
            if not names:
                self.endpoint_combo.addItem(DEMO_LABEL, "")
            index = self.endpoint_combo.findData(current)
            self.endpoint_combo.setCurrentIndex(max(index, 0))
        finally:
            self._quiet = False

    def current_endpoint(self) -> str:
        """Return the chosen endpoint's name, "" for the demo."""
        data = self.endpoint_combo.currentData()
        return data if isinstance(data, str) else ""

    def set_models(self, models: list[str], current: str) -> None:
        """Offer `models` and show `current` (which may be a typed id not in the list)."""
        self._quiet = True
        try:
            self.model_combo.clear()
            self.model_combo.addItems(models)
            index = self.model_combo.findText(current, Qt.MatchFlag.MatchExactly)
            if index >= 0:
                self.model_combo.setCurrentIndex(index)
            else:
                self.model_combo.setEditText(current)
        finally:
            self._quiet = False

    def current_model(self) -> str:
        return self.model_combo.currentText().strip()

    def set_busy_fetching(self, busy: bool) -> None:
        """Show that a model list is being fetched."""
        self.refresh_button.setEnabled(not busy)
        self.refresh_button.setToolTip(
            "Fetching the model list…" if busy else "Fetch the endpoint's model list again"
        )

    # --- per-conversation options ---------------------------------------------------------------

    def system_prompt(self) -> str:
        return self.system_edit.toPlainText().strip()

    def set_system_prompt(self, text: str) -> None:
        self.system_edit.setPlainText(text)

    def set_presets(self, presets: Sequence[Preset]) -> None:
        """Offer `presets` in the system prompt's menu (a hint to add some when there are none)."""
        self.preset_menu.clear()
        for preset in presets:
            action = self.preset_menu.addAction(preset.name)
            action.setToolTip(preset.system)
            action.triggered.connect(lambda _checked=False, p=preset: self.apply_preset(p))
        if not presets:
            hint = self.preset_menu.addAction("No presets: desktop-chat preset add NAME")
            hint.setEnabled(False)

    def apply_preset(self, preset: Preset) -> None:
        """Use the preset's prompt and the options it sets; its model as a choice of the user's."""
        self.set_system_prompt(preset.system)
        if preset.temperature is not None:
            self.set_temperature(preset.temperature)
        if preset.max_tokens is not None:
            self.max_tokens.setValue(preset.max_tokens)
        if preset.model and preset.model != self.current_model():
            self.model_combo.setEditText(preset.model)
            self.model_chosen.emit(preset.model)

    def temperature_value(self) -> float | None:
        """Return the temperature, or None to leave it to the provider."""
        value = self.temperature.value()
        return None if value <= _NO_TEMPERATURE + 1e-9 else round(value, 2)

    def set_temperature(self, value: float | None) -> None:
        self.temperature.setValue(_NO_TEMPERATURE if value is None else value)

    def max_tokens_value(self) -> int:
        return self.max_tokens.value()

    def reasoning_effort(self) -> str | None:
        """The effort chosen for this conversation; None: the endpoint's default."""
        data = self.effort_combo.currentData()
        return data if isinstance(data, str) else None

    def set_reasoning_effort(self, effort: str | None) -> None:
        self.effort_combo.setCurrentIndex(max(0, self.effort_combo.findData(effort)))

    def thinking_budget_value(self) -> int | None:
        """The thinking budget chosen for this conversation (0: none); None: the endpoint's."""
        value = self.thinking_budget.value()
        return None if value == _ENDPOINT_BUDGET else value

    def set_thinking_budget(self, budget: int | None) -> None:
        self.thinking_budget.setValue(_ENDPOINT_BUDGET if budget is None else budget)

    def turn_options(self) -> TurnOptions:
        """What a turn is sent with: system prompt, temperature, max tokens and reasoning."""
        return TurnOptions(
            self.system_prompt(),
            self.temperature_value(),
            self.max_tokens_value(),
            self.reasoning_effort(),
            self.thinking_budget_value(),
        )

    # --- slots ----------------------------------------------------------------------------------

    def _on_endpoint_activated(self, _index: int) -> None:
        if not self._quiet:
            self.endpoint_chosen.emit(self.current_endpoint())

    def _on_model_activated(self, _index: int) -> None:
        if not self._quiet:
            self.model_chosen.emit(self.current_model())

    def _on_model_typed(self) -> None:
        if not self._quiet and self.current_model():
            self.model_chosen.emit(self.current_model())

    def _on_system_toggled(self, shown: bool) -> None:
        self.system_edit.setVisible(shown)
        self.system_button.setAccessibleName(
            "Hide system prompt" if shown else "Show system prompt"
        )
        if shown:
            self.system_edit.setFocus()

    def _update_system_button(self) -> None:
        # A set prompt stays noticeable while the editor is folded away.
        has_prompt = bool(self.system_prompt())
        self.system_button.setText("System prompt •" if has_prompt else "System prompt")
