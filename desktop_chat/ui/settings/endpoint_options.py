"""The endpoint form's reasoning, caching and price rows: defaults a conversation may override.

Rows for one protocol only are hidden for the other: a reasoning effort is what OpenAI-style
endpoints take, extended thinking and prompt caching are Anthropic's. Prices are for every
endpoint, one model a line, per million tokens, as the user pays them; none ship with the app.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QPlainTextEdit, QSpinBox, QWidget

from desktop_chat.storage.validation import MAX_THINKING_BUDGET, REASONING_EFFORTS
from desktop_chat.ui.settings.endpoint_draft import EndpointDraft

PRICES_TIP = (
    "What you pay per million tokens, one model a line: model = input/output or "
    "model = input/output/cached input.\nThe status bar and `ask --json` then show what each "
    "answer cost. No prices ship with the app: they change."
)


class EndpointOptions:
    """Add the rows to `form`; `edited` is called on every user change."""

    def __init__(self, parent: QWidget, form: QFormLayout, edited: Callable[[], None]) -> None:
        self._form = form
        self.effort_combo = QComboBox(parent)
        self.effort_combo.setAccessibleName("Default reasoning effort")
        for effort in REASONING_EFFORTS:
            self.effort_combo.addItem(effort or "not sent", effort)
        self.effort_combo.setToolTip(
            "reasoning_effort for reasoning models (o-series, gpt-5, ...); a conversation may "
            "choose another in the top bar"
        )
        self.effort_combo.activated.connect(edited)
        form.addRow("Reasoning e&ffort", self.effort_combo)
        self.thinking_spin = QSpinBox(parent)
        self.thinking_spin.setAccessibleName("Default thinking budget")
        self.thinking_spin.setRange(0, MAX_THINKING_BUDGET)
        self.thinking_spin.setSingleStep(1024)
        self.thinking_spin.setSpecialValueText("off")
        self.thinking_spin.setGroupSeparatorShown(True)
        self.thinking_spin.setToolTip(
            "Extended thinking, in tokens (at least 1,024 and below a turn's max tokens; the "
            "temperature must stay at default); a conversation may choose another in the top bar"
        )
        self.thinking_spin.valueChanged.connect(edited)
        form.addRow("&Thinking budget", self.thinking_spin)
        self.caching_check = QCheckBox("Cache the system prompt and earlier turns", parent)
        self.caching_check.setAccessibleName("Prompt caching")
        self.caching_check.setToolTip(
            "Marks them with cache_control: later turns read them from the cache, at a lower "
            "price (the first turn writes the cache, at a higher one)"
        )
        self.caching_check.toggled.connect(edited)
        form.addRow("Prompt ca&ching", self.caching_check)
        self.prices_edit = QPlainTextEdit(parent)
        self.prices_edit.setAccessibleName("Prices per million tokens")
        self.prices_edit.setPlaceholderText("gpt-4.1 = 2/8/0.5 (input/output/cached, optional)")
        self.prices_edit.setToolTip(PRICES_TIP)
        self.prices_edit.setTabChangesFocus(True)
        self.prices_edit.setMaximumHeight(60)
        self.prices_edit.textChanged.connect(edited)
        form.addRow("Pr&ices", self.prices_edit)

    def show(self, draft: EndpointDraft) -> None:
        self.effort_combo.setCurrentIndex(
            max(0, self.effort_combo.findData(draft.reasoning_effort))
        )
        self.thinking_spin.setValue(draft.thinking_budget)
        self.caching_check.setChecked(draft.prompt_caching)
        self.prices_edit.setPlainText(draft.prices_text)
        self.show_for(draft.protocol)

    def store(self, draft: EndpointDraft) -> None:
        draft.reasoning_effort = str(self.effort_combo.currentData())
        draft.thinking_budget = self.thinking_spin.value()
        draft.prompt_caching = self.caching_check.isChecked()
        draft.prices_text = self.prices_edit.toPlainText()
        self.show_for(draft.protocol)

    def show_for(self, protocol: str) -> None:
        anthropic = protocol == "anthropic"
        self._form.setRowVisible(self.effort_combo, not anthropic)
        self._form.setRowVisible(self.thinking_spin, anthropic)
        self._form.setRowVisible(self.caching_check, anthropic)
