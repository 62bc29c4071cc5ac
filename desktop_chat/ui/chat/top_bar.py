"""The bar above the conversation: one picker for endpoint and model, one for the parameters.

The bar only holds choices and says when they change; the window decides what they mean (which
key to read, when to fetch a model list). The picker button reads "Endpoint · model" and opens
the target popover (target_panel.py); the sliders button opens the parameters popover
(parameters.py): system prompt, presets, temperature, max tokens, reasoning. Those belong to the
conversation on screen: a new chat keeps them, as most people reuse their set-up. Reasoning left
at "endpoint" uses the endpoint's own default (Settings). Choosing a preset fills in its prompt
and the options it sets, and its model as if the user had picked it.

The offline demo is always listed, last, so anyone can try the app without a key. Buttons the
window adds (Tools, Inspector) and Settings fold into an overflow menu when the bar is too narrow
for them, so the window fits half a laptop screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from desktop_chat.i18n import N_, _
from desktop_chat.storage.settings import Preset
from desktop_chat.ui.chat.parameters import (
    DEFAULT_MAX_TOKENS,
    EFFORTS,
    ENDPOINT_BUDGET,
    NO_TEMPERATURE,
    ParametersPanel,
)
from desktop_chat.ui.chat.target_panel import TargetPanel
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating

__all__ = ["DEFAULT_MAX_TOKENS", "DEMO_LABEL", "EFFORTS", "TopBar", "TurnOptions"]

DEMO_LABEL = N_("Offline demo")
PICKER_TEXT_WIDTH = 260  # the picker's label is elided beyond this, so the bar stays compact
SPACING = 4


class TurnOptions(NamedTuple):
    """What a turn is sent with; None for reasoning leaves it to the endpoint's default."""

    system: str
    temperature: float | None
    max_tokens: int
    reasoning_effort: str | None = None
    thinking_budget: int | None = None


def _icon_button(parent: QWidget, name: str) -> QToolButton:
    button = QToolButton(parent)
    button.setIcon(icon(name))
    button.setIconSize(QSize(16, 16))
    button.setAutoRaise(True)
    return button


class TopBar(Retranslating, QWidget):
    """Pick where to send and how; emit the user's changes (not programmatic ones)."""

    endpoint_chosen = Signal(str)  # endpoint name; "" is the offline demo
    model_chosen = Signal(str)
    refresh_models_requested = Signal()
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False

        self.picker_button = QToolButton(self)
        self.picker_button.setIcon(icon("bot"))
        self.picker_button.setIconSize(QSize(16, 16))
        self.picker_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.picker_button.setAutoRaise(True)
        self.target_panel = TargetPanel(self.picker_button)
        self.picker_button.clicked.connect(self.target_panel.toggle)
        self.endpoint_combo = self.target_panel.endpoint_combo
        self.model_combo = self.target_panel.model_combo
        self.refresh_button = self.target_panel.refresh_button
        self.endpoint_combo.activated.connect(self._on_endpoint_activated)
        self.model_combo.activated.connect(self._on_model_activated)
        line_edit = self.model_combo.lineEdit()
        assert line_edit is not None  # the combo box is editable
        line_edit.editingFinished.connect(self._on_model_typed)
        self.refresh_button.clicked.connect(self.refresh_models_requested)

        self.params_button = _icon_button(self, "sliders-horizontal")
        self.params_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.parameters = ParametersPanel(self.params_button)
        self.params_button.clicked.connect(self.parameters.toggle)
        self.system_edit = self.parameters.system_edit
        self.preset_menu = self.parameters.preset_menu
        self.temperature = self.parameters.temperature
        self.max_tokens = self.parameters.max_tokens
        self.effort_combo = self.parameters.effort_combo
        self.thinking_budget = self.parameters.thinking_budget
        self.system_edit.textChanged.connect(self._update_params_button)
        self.set_presets(())

        self.settings_button = _icon_button(self, "settings")
        self.settings_button.clicked.connect(self.settings_requested)
        self.overflow_button = _icon_button(self, "ellipsis")
        self.overflow_menu = QMenu(self.overflow_button)
        self.overflow_button.clicked.connect(self._open_overflow)
        self.overflow_button.hide()
        # Left to right, as shown; they fold away from the right when the bar narrows.
        self._foldable: list[QWidget] = [self.settings_button]

        row = self._row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(SPACING)
        row.addWidget(self.picker_button)
        row.addWidget(self.params_button)
        row.addStretch(1)
        row.addWidget(self.settings_button)
        row.addWidget(self.overflow_button)
        QWidget.setTabOrder(self.picker_button, self.params_button)
        QWidget.setTabOrder(self.params_button, self.settings_button)
        self._endpoint_text = ""
        self._retranslate()

    def add_before_settings(self, button: QWidget) -> None:
        """Place a button of the window's (Tools, Inspector) before Settings, in tab order too."""
        index = self._row.indexOf(self.settings_button)
        item = self._row.itemAt(index - 1)
        before = item.widget() if item is not None else None
        self._row.insertWidget(index, button)
        QWidget.setTabOrder(before or self.params_button, button)
        QWidget.setTabOrder(button, self.settings_button)
        self._foldable.insert(len(self._foldable) - 1, button)
        self._fold()

    def show_reasoning_for(self, protocol: str) -> None:
        """Offer the reasoning control `protocol` takes: thinking (Anthropic) or effort."""
        self.parameters.show_reasoning_for(protocol)

    # --- endpoints and models -------------------------------------------------------------------

    def set_endpoints(self, names: list[str], current: str) -> None:
        """List `names` and the demo (last), and select `current` ("": the demo) quietly."""
        self._quiet = True
        try:
            self.endpoint_combo.clear()
            for name in names:
                self.endpoint_combo.addItem(name, name)
            self.endpoint_combo.addItem(_(DEMO_LABEL), "")
            index = self.endpoint_combo.findData(current)
            self.endpoint_combo.setCurrentIndex(max(index, 0))
        finally:
            self._quiet = False
        self._update_picker()

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
        self._update_picker()

    def current_model(self) -> str:
        return self.model_combo.currentText().strip()

    def set_busy_fetching(self, busy: bool) -> None:
        """Show that a model list is being fetched."""
        self.target_panel.set_busy_fetching(busy)

    # --- per-conversation options ---------------------------------------------------------------

    def system_prompt(self) -> str:
        return self.system_edit.toPlainText().strip()

    def set_system_prompt(self, text: str) -> None:
        self.system_edit.setPlainText(text)

    def set_presets(self, presets: Sequence[Preset]) -> None:
        """Offer `presets` in the presets menu (a hint to add some when there are none)."""
        self._presets = tuple(presets)
        self.preset_menu.clear()
        for preset in presets:
            action = self.preset_menu.addAction(preset.name)
            action.setToolTip(preset.system)
            action.triggered.connect(lambda _checked=False, p=preset: self.apply_preset(p))
        if not presets:
            hint = self.preset_menu.addAction(_("No presets: desktop-chat preset add NAME"))
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
            self._update_picker()
            self.model_chosen.emit(preset.model)

    def temperature_value(self) -> float | None:
        """Return the temperature, or None to leave it to the provider."""
        value = self.temperature.value()
        return None if value <= NO_TEMPERATURE + 1e-9 else round(value, 2)

    def set_temperature(self, value: float | None) -> None:
        self.temperature.setValue(NO_TEMPERATURE if value is None else value)

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
        return None if value == ENDPOINT_BUDGET else value

    def set_thinking_budget(self, budget: int | None) -> None:
        self.thinking_budget.setValue(ENDPOINT_BUDGET if budget is None else budget)

    def turn_options(self) -> TurnOptions:
        """What a turn is sent with: system prompt, temperature, max tokens and reasoning."""
        return TurnOptions(
            self.system_prompt(),
            self.temperature_value(),
            self.max_tokens_value(),
            self.reasoning_effort(),
            self.thinking_budget_value(),
        )

    # --- fitting the width ----------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        """What the bar needs with every foldable button in the overflow menu."""
        margins = self._row.contentsMargins()
        width = margins.left() + margins.right() + 2 * SPACING
        for widget in (self.picker_button, self.params_button, self.overflow_button):
            width += widget.sizeHint().width()
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fold()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fold()

    def folded(self) -> list[QWidget]:
        """The buttons now in the overflow menu, left to right."""
        return [w for w in self._foldable if w.property("folded")]

    def _fold(self) -> None:
        """Show as many foldable buttons as fit; the rest go into the overflow menu."""
        margins = self._row.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        room -= self.picker_button.sizeHint().width() + self.params_button.sizeHint().width()
        room -= SPACING
        keep = self._foldable
        widths = [w.sizeHint().width() + SPACING for w in keep]
        overflow = self.overflow_button.sizeHint().width() + SPACING
        shown = len(keep)
        if sum(widths) > room:
            shown = 0
            while shown < len(keep) and sum(widths[: shown + 1]) + overflow <= room:
                shown += 1
        for position, widget in enumerate(keep):
            fold = position >= shown
            widget.setProperty("folded", fold)
            if not fold and widget.isHidden():
                # Shown where it is, at (0, 0) until the layout places it, a new button would
                # take the hover of a pointer there and keep it until the pointer moves.
                widget.move(self.width(), 0)
            widget.setVisible(not fold)
        self.overflow_button.setVisible(shown < len(keep))

    def _open_overflow(self) -> None:
        """List the folded buttons as menu entries that do what the buttons do."""
        menu = self.overflow_menu
        menu.clear()
        for widget in self.folded():
            if not isinstance(widget, QToolButton):
                continue
            choices = getattr(widget, "choices", None)
            if isinstance(choices, QMenu):  # a button that opens a menu of its own: a submenu
                menu.addMenu(choices).setText(widget.text() or widget.accessibleName())
            elif widget.defaultAction() is not None:
                menu.addAction(widget.defaultAction())
            else:
                action = menu.addAction(widget.icon(), widget.accessibleName())
                action.triggered.connect(widget.click)
        # popup(), not exec(): a nested event loop would stall the asyncio tasks.
        menu.popup(self.overflow_button.mapToGlobal(QPoint(0, self.overflow_button.height())))

    # --- language -------------------------------------------------------------------------------

    def _retranslate(self) -> None:
        demo = self.endpoint_combo.findData("")
        if demo >= 0:
            self.endpoint_combo.setItemText(demo, _(DEMO_LABEL))
        self.picker_button.setAccessibleName(_("Endpoint and model"))
        self.params_button.setAccessibleName(_("Parameters"))
        self.params_button.setToolTip(
            _("System prompt, presets, temperature, max tokens and reasoning")
        )
        self.settings_button.setAccessibleName(_("Open settings"))
        self.settings_button.setToolTip(_("Endpoints, keys, network and appearance (Ctrl+,)"))
        self.overflow_button.setAccessibleName(_("More"))
        self.overflow_button.setToolTip(_("What does not fit in the bar"))
        self.set_presets(getattr(self, "_presets", ()))
        self._update_picker()
        self._update_params_button()

    def _update_picker(self) -> None:
        endpoint = self.endpoint_combo.currentText() or _(DEMO_LABEL)
        model = self.current_model() or _("no model chosen")
        text = _("{endpoint} · {model}").format(endpoint=endpoint, model=model)
        metrics = self.picker_button.fontMetrics()
        self.picker_button.setText(
            metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, PICKER_TEXT_WIDTH)
        )
        self.picker_button.setAccessibleDescription(text)
        self.picker_button.setToolTip(
            _("Where requests go: {target}. Click to choose the endpoint and model.").format(
                target=text
            )
        )

    def _update_params_button(self) -> None:
        # A set prompt stays noticeable while the panel is shut.
        has_prompt = bool(self.system_prompt())
        self.params_button.setText("•" if has_prompt else "")
        self.params_button.setAccessibleDescription(
            _("A system prompt is set") if has_prompt else ""
        )

    # --- slots ----------------------------------------------------------------------------------

    def _on_endpoint_activated(self, _index: int) -> None:
        self._update_picker()
        if not self._quiet:
            self.endpoint_chosen.emit(self.current_endpoint())

    def _on_model_activated(self, _index: int) -> None:
        self._update_picker()
        if not self._quiet:
            self.model_chosen.emit(self.current_model())

    def _on_model_typed(self) -> None:
        self._update_picker()
        if not self._quiet and self.current_model():
            self.model_chosen.emit(self.current_model())
