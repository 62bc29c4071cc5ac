"""The endpoint form's reasoning, caching and price rows: defaults a conversation may override.

Rows for one protocol only are hidden for the other: a reasoning effort is what OpenAI-style
endpoints take, extended thinking and prompt caching are Anthropic's. Prices are for every
endpoint, one model a line, per million tokens, as the user pays them; none ship with the app.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from desktop_chat.i18n import N_, _
from desktop_chat.storage.validation import MAX_THINKING_BUDGET, REASONING_EFFORTS
from desktop_chat.ui.settings.endpoint_draft import EndpointDraft

# The API's values, in words a person reads; the value sent stays the API's.
EFFORTS = {
    "": N_("not sent"),
    "none": N_("none"),
    "minimal": N_("minimal"),
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
}
PRICES_TIP = N_(
    "What you pay per million tokens, one model a line: model = input/output or "
    "model = input/output/cached input.\nThe status bar and `ask --json` then show what each "
    "answer cost. No prices ship with the app: they change."
)


class EndpointOptions:
    """Add the rows to `form`; `edited` is called on every user change."""

    def __init__(self, parent: QWidget, form: QFormLayout, edited: Callable[[], None]) -> None:
        self._form = form
        self._labels: list[QLabel] = []
        self.effort_combo = QComboBox(parent)
        for effort in REASONING_EFFORTS:
            self.effort_combo.addItem("", effort)
        self.effort_combo.activated.connect(edited)
        self._row(parent, self.effort_combo)
        self.thinking_spin = QSpinBox(parent)
        self.thinking_spin.setRange(0, MAX_THINKING_BUDGET)
        self.thinking_spin.setSingleStep(1024)
        self.thinking_spin.setGroupSeparatorShown(True)
        self.thinking_spin.valueChanged.connect(edited)
        self._row(parent, self.thinking_spin)
        self.caching_check = QCheckBox(parent)
        self.caching_check.toggled.connect(edited)
        self._row(parent, self.caching_check)
        self.prices_edit = QPlainTextEdit(parent)
        self.prices_edit.setTabChangesFocus(True)
        self.prices_edit.setMaximumHeight(60)
        self.prices_edit.textChanged.connect(edited)
        self._row(parent, self.prices_edit)
        self.retranslate()

    def _row(self, parent: QWidget, control: QWidget) -> None:
        label = QLabel(parent)
        label.setBuddy(control)
        self._labels.append(label)
        self._form.addRow(label, control)

    def retranslate(self) -> None:
        """Set the rows' words in the current language (the page calls it on a change)."""
        for label, text in zip(
            self._labels,
            (_("Reasoning e&ffort"), _("&Thinking budget"), _("Prompt ca&ching"), _("Pr&ices")),
            strict=True,
        ):
            label.setText(text)
        self.effort_combo.setAccessibleName(_("Default reasoning effort"))
        for index, effort in enumerate(REASONING_EFFORTS):
            self.effort_combo.setItemText(index, _(EFFORTS.get(effort, effort)))
        self.effort_combo.setToolTip(
            _(
                "reasoning_effort for reasoning models (o-series, gpt-5, ...); a conversation "
                "may choose another in the top bar"
            )
        )
        self.thinking_spin.setAccessibleName(_("Default thinking budget"))
        self.thinking_spin.setSpecialValueText(_("off"))
        self.thinking_spin.setToolTip(
            _(
                "Extended thinking, in tokens (at least 1,024 and below a turn's max tokens; the "
                "temperature must stay at default); a conversation may choose another in the "
                "top bar"
            )
        )
        self.caching_check.setText(_("Cache the system prompt and earlier turns"))
        self.caching_check.setAccessibleName(_("Prompt caching"))
        self.caching_check.setToolTip(
            _(
                "Marks them with cache_control: later turns read them from the cache, at a "
                "lower price (the first turn writes the cache, at a higher one)"
            )
        )
        self.prices_edit.setAccessibleName(_("Prices per million tokens"))
        self.prices_edit.setPlaceholderText(_("gpt-4.1 = 2/8/0.5 (input/output/cached, optional)"))
        self.prices_edit.setToolTip(_(PRICES_TIP))

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
