"""The Endpoints page of Settings: add, edit, duplicate and remove endpoints; keys; a live test.

The page edits drafts, never the settings: the dialog turns drafts into `Endpoint`s (which
validate) and writes keys to the keyring when the user presses OK or Apply. A typed key lives only
in the password field and its draft until then; it is never written anywhere but the keyring.
Its words are set in `_retranslate`, again on each language change.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import N_, _
from desktop_chat.session.probe import probe
from desktop_chat.storage.origin import origin_of
from desktop_chat.storage.secrets import KeyStore, KeyStoreError
from desktop_chat.storage.settings import PRESETS, Network
from desktop_chat.storage.validation import SettingsError
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label
from desktop_chat.ui.settings.endpoint_draft import EndpointDraft
from desktop_chat.ui.settings.endpoint_options import EndpointOptions
from desktop_chat.ui.settings.key_status import KeyStatus

log = logging.getLogger(__name__)

PROTOCOLS = (
    ("openai", N_("OpenAI-compatible (Chat Completions)")),
    ("openai-responses", N_("OpenAI Responses API")),
    ("anthropic", N_("Anthropic Messages")),
)
LIMIT_FIELDS = (
    ("auto", N_("Automatic (by host)")),
    ("max_completion_tokens", "max_completion_tokens"),  # field names stay as they are
    ("max_tokens", "max_tokens"),
)
LIMIT_FIELD_TIP = N_(
    "The request field that limits the answer's length.\n"
    "Automatic: max_completion_tokens for api.openai.com and Azure OpenAI, max_tokens elsewhere.\n"
    "max_completion_tokens: OpenAI's current field; its reasoning models (o1, o3, gpt-5) "
    "refuse max_tokens.\n"
    "max_tokens: the older field, the only one many compatible servers know "
    "(vLLM, Ollama, LM Studio, DeepSeek)."
)


class EndpointEditor(Retranslating, QWidget):
    """Edit a list of endpoint drafts; `changed` fires on every user edit."""

    changed = Signal()
    session_memory_requested = Signal()

    def __init__(
        self,
        drafts: list[EndpointDraft],
        keystore: KeyStore,
        network: Callable[[], Network],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.drafts = drafts
        self.removed: list[str] = []  # saved names whose endpoint (and key) go away
        self.models_found: dict[str, tuple[str, ...]] = {}
        self._keystore = keystore
        self._network = network
        self._loading = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._status_task: asyncio.Task[None] | None = None
        self._test_task: asyncio.Task[None] | None = None
        self._key_status = KeyStatus(keystore)
        self._build()
        self._reload_list(0)

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.list = QListWidget(self)
        self.list.currentRowChanged.connect(self._show_row)
        self.add_button = QPushButton(self)
        self.add_button.clicked.connect(self.add_endpoint)
        self.duplicate_button = QPushButton(self)
        self.duplicate_button.clicked.connect(self.duplicate_endpoint)
        self.remove_button = QPushButton(self)
        self.remove_button.clicked.connect(self.remove_endpoint)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.duplicate_button, self.remove_button):
            buttons.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(buttons)

        self.form_widget = QWidget(self)
        form = QFormLayout(self.form_widget)
        self._form = form
        self._labels: dict[QWidget, QLabel] = {}  # control -> its label, to retranslate
        self.name_edit = self._line()
        self.preset_combo = QComboBox(self)
        self.preset_combo.addItem("", "")
        for preset in PRESETS:
            self.preset_combo.addItem(preset, preset)
        self.preset_combo.activated.connect(self._apply_preset)
        self._row(self.preset_combo)
        self.protocol_combo = QComboBox(self)
        for value, _label in PROTOCOLS:
            self.protocol_combo.addItem("", value)
        self.protocol_combo.activated.connect(self._form_edited)
        self._row(self.protocol_combo)
        self.url_edit = self._line()
        self.limit_combo = QComboBox(self)
        for value, label in LIMIT_FIELDS:
            self.limit_combo.addItem(label, value)
        self.limit_combo.activated.connect(self._form_edited)
        self._row(self.limit_combo)
        self.model_edit = self._line()
        self.headers_edit = QPlainTextEdit(self)
        self.headers_edit.setTabChangesFocus(True)
        self.headers_edit.setMaximumHeight(70)
        self.headers_edit.textChanged.connect(self._form_edited)
        self._row(self.headers_edit)
        self.options = EndpointOptions(self, form, self._form_edited)
        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.textEdited.connect(self._key_edited)
        self.clear_key_button = QPushButton(self)
        self.clear_key_button.clicked.connect(self._forget_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.clear_key_button)
        self._row(self.key_edit, key_row)
        self.key_status = message_label(self, "")
        form.addRow("", self.key_status)
        # Shown when the base URL moved to another origin: the stored key stays where it was
        # stored for until the user says otherwise.
        self.move_key_check = QCheckBox(self)
        self.move_key_check.toggled.connect(self._move_key_toggled)
        self.move_key_check.hide()
        form.addRow("", self.move_key_check)
        self.session_button = QPushButton(self)
        self.session_button.clicked.connect(self.session_memory_requested)
        self.session_button.hide()
        form.addRow("", self.session_button)
        self.test_button = QPushButton(self)
        self.test_button.clicked.connect(self.test_connection)
        self._testing = False
        form.addRow("", self.test_button)
        self.test_result = message_label(self, "")
        form.addRow("", self.test_result)
        self.error_label = message_label(self, "")
        self.error_label.setStyleSheet("color: palette(bright-text);")
        form.addRow("", self.error_label)

        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(self.empty_label)
        right.addWidget(self.form_widget, 1)
        layout.addLayout(right, 2)
        self._retranslate()

    def _line(self) -> QLineEdit:
        edit = QLineEdit(self)
        edit.textEdited.connect(self._form_edited)
        self._row(edit)
        return edit

    def _row(self, control: QWidget, row: QHBoxLayout | None = None) -> None:
        label = QLabel(self)
        label.setBuddy(control)
        self._labels[control] = label
        self._form.addRow(label, row if row is not None else control)

    def _retranslate(self) -> None:
        self.list.setAccessibleName(_("Endpoints"))
        for button, text, name in (
            (self.add_button, _("Add"), _("Add endpoint")),
            (self.duplicate_button, _("Duplicate"), _("Duplicate endpoint")),
            (self.remove_button, _("Remove"), _("Remove endpoint")),
            (self.clear_key_button, _("Forget stored key"), _("Forget stored API key")),
            (self.session_button, _("Keep keys for this session only"),
             _("Keep keys for this session only")),
        ):  # fmt: skip
            button.setText(text)
            button.setAccessibleName(name)
        self.session_button.setToolTip(
            _("Keys stay in memory until the app quits; nothing is saved")
        )
        self._show_test_running(self._testing)
        for control, label, name, placeholder in (
            (self.name_edit, _("Na&me"), _("Endpoint name"), _("e.g. OpenAI work")),
            (self.preset_combo, _("&Preset"), _("Preset"), ""),
            (self.protocol_combo, _("P&rotocol"), _("Protocol"), ""),
            (self.url_edit, _("&Base URL"), _("Base URL"), "https://api.openai.com/v1"),
            (self.limit_combo, _("Output &limit field"), _("Output limit field"), ""),
            (self.model_edit, _("&Default model"), _("Default model"),
             _("a model id, e.g. gpt-4o-mini or claude-sonnet-4-5")),
            (self.headers_edit, _("Extra &headers"), _("Extra headers"),
             _("One per line: Header-Name: value (no keys here)")),
            (self.key_edit, _("API &key"), _("API key"), ""),
        ):  # fmt: skip
            self._labels[control].setText(label)
            control.setAccessibleName(name)
            if isinstance(control, QLineEdit | QPlainTextEdit) and placeholder:
                control.setPlaceholderText(placeholder)
        self.preset_combo.setItemText(0, _("Choose a preset…"))
        for index, (_value, label) in enumerate(PROTOCOLS):
            self.protocol_combo.setItemText(index, _(label))
        self.limit_combo.setItemText(0, _(LIMIT_FIELDS[0][1]))
        self.limit_combo.setToolTip(_(LIMIT_FIELD_TIP))
        self.key_status.setAccessibleName(_("Key storage"))
        self.move_key_check.setAccessibleName(_("Send the stored key to the new address"))
        self.test_result.setAccessibleName(_("Connection test result"))
        self.error_label.setAccessibleName(_("Endpoint problem"))
        self.empty_label.setText(_("No endpoints yet. Press Add, then choose a preset."))
        self.options.retranslate()
        draft = self.current()
        if draft is not None:
            self._show_move_key(draft)
            self.refresh_key_status()

    # --- list operations ------------------------------------------------------------------------

    def current(self) -> EndpointDraft | None:
        row = self.list.currentRow()
        return self.drafts[row] if 0 <= row < len(self.drafts) else None

    def select(self, name: str) -> None:
        for row, draft in enumerate(self.drafts):
            if draft.name.casefold() == name.casefold():
                self.list.setCurrentRow(row)
                return

    def add_endpoint(self, preset: str = "") -> EndpointDraft:
        """Append a new endpoint (from `preset` when given) and select it."""
        draft = EndpointDraft(None, self._unique(preset or _("New endpoint")))
        if preset in PRESETS:
            draft.protocol, draft.base_url = PRESETS[preset]
        self.drafts.append(draft)
        self._reload_list(len(self.drafts) - 1)
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        self.changed.emit()
        return draft

    def duplicate_endpoint(self) -> None:
        source = self.current()
        if source is None:
            return
        # Every field as the source has it, new ones included, but a name of its own and the
        # source's stored key taken as a copy (unless the source is dropping its key).
        copy = dataclasses.replace(
            source,
            original=None,
            name=self._unique(_("{name} copy").format(name=source.name)),
            clear_key=False,
            copy_key_from=source.original if not source.clear_key else None,
        )
        self.drafts.insert(self.list.currentRow() + 1, copy)
        self._reload_list(self.list.currentRow() + 1)
        self.changed.emit()

    def remove_endpoint(self) -> None:
        row = self.list.currentRow()
        draft = self.current()
        if draft is None:
            return
        del self.drafts[row]
        if draft.original is not None:
            self.removed.append(draft.original)
        self._reload_list(min(row, len(self.drafts) - 1))
        self.changed.emit()

    def _unique(self, wanted: str) -> str:
        taken = {d.name.casefold() for d in self.drafts}
        name, n = wanted, 2
        while name.casefold() in taken:
            name, n = f"{wanted} {n}", n + 1
        return name

    def _reload_list(self, row: int) -> None:
        self._loading = True
        self.list.clear()
        self.list.addItems([d.name or _("(unnamed)") for d in self.drafts])
        self._loading = False
        has_any = bool(self.drafts)
        self.form_widget.setVisible(has_any)
        self.empty_label.setVisible(not has_any)
        self.duplicate_button.setEnabled(has_any)
        self.remove_button.setEnabled(has_any)
        if has_any:
            self.list.setCurrentRow(max(0, row))
            self._show_row(self.list.currentRow())

    # --- the form -------------------------------------------------------------------------------

    def _show_row(self, row: int) -> None:
        if self._loading or not 0 <= row < len(self.drafts):
            return
        draft = self.drafts[row]
        self._loading = True
        self.name_edit.setText(draft.name)
        self.preset_combo.setCurrentIndex(0)
        self.protocol_combo.setCurrentIndex(max(0, self.protocol_combo.findData(draft.protocol)))
        self.url_edit.setText(draft.base_url)
        self.limit_combo.setCurrentIndex(
            max(0, self.limit_combo.findData(draft.output_limit_field))
        )
        self._show_limit_row()
        self.model_edit.setText(draft.default_model)
        self.headers_edit.setPlainText(draft.headers_text)
        self.options.show(draft)
        self.key_edit.setText(draft.key_text)
        self.move_key_check.setChecked(draft.move_key)
        self._loading = False
        self.test_result.clear()
        self.error_label.clear()
        self.refresh_key_status()

    def _form_edited(self, *_args: object) -> None:
        draft = self.current()
        if self._loading or draft is None:
            return
        draft.name = self.name_edit.text().strip()
        draft.protocol = str(self.protocol_combo.currentData())
        draft.base_url = self.url_edit.text().strip()
        draft.output_limit_field = str(self.limit_combo.currentData())
        draft.default_model = self.model_edit.text().strip()
        draft.headers_text = self.headers_edit.toPlainText()
        self.options.store(draft)
        item = self.list.currentItem()
        if item is not None:
            item.setText(draft.name or _("(unnamed)"))
        self._show_limit_row()
        self._show_move_key(draft)
        self.error_label.clear()
        self.changed.emit()

    def _show_move_key(self, draft: EndpointDraft) -> None:
        """Offer to send the stored key to the new origin when the base URL moved to one."""
        status = self._key_status
        has_key = status.stored(draft.original) or status.stored(draft.copy_key_from)
        show = draft.origin_moved() and has_key and not draft.key_text and not draft.clear_key
        if show:
            self.move_key_check.setText(
                _("Send the stored key to {new} (it was saved for {saved})").format(
                    new=origin_of(draft.base_url), saved=draft.key_origin
                )
            )
        self.move_key_check.setVisible(show)

    def _move_key_toggled(self, checked: bool) -> None:
        draft = self.current()
        if draft is not None and not self._loading:
            draft.move_key = checked
            self.changed.emit()

    def _show_limit_row(self) -> None:
        """Only Chat Completions has a choice: Anthropic sends max_tokens, Responses
        max_output_tokens."""
        self._form.setRowVisible(self.limit_combo, self.protocol_combo.currentData() == "openai")

    def _apply_preset(self, index: int) -> None:
        preset = self.preset_combo.itemData(index)
        draft = self.current()
        if not preset or draft is None:
            return
        protocol, url = PRESETS[preset]
        self.protocol_combo.setCurrentIndex(self.protocol_combo.findData(protocol))
        self.url_edit.setText(url)
        automatic = (_("New endpoint"), "New endpoint")  # named by Add, in either language
        if draft.original is None and draft.name.startswith(automatic):
            draft.name = ""  # let the preset name it, unless the user already did
            self.name_edit.setText(self._unique(preset))
        self._form_edited()

    def _key_edited(self, text: str) -> None:
        draft = self.current()
        if draft is not None and not self._loading:
            draft.key_text = text.strip()
            if draft.key_text:
                draft.clear_key = False
            self.refresh_key_status()
            self.changed.emit()

    def _forget_key(self) -> None:
        draft = self.current()
        if draft is None:
            return
        draft.key_text = ""
        draft.clear_key = True
        draft.copy_key_from = None
        self.key_edit.clear()
        self.refresh_key_status()
        self.changed.emit()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)

    # --- keyring status and connection test (async) ---------------------------------------------

    def refresh_key_status(self, *, reload: bool = False) -> None:
        """Say where the selected endpoint's key is (or will be) kept.

        `reload` asks the key store again (after keys were written, or session memory chosen).
        """
        if reload:
            self._key_status.forget()
        draft = self.current()
        if draft is None:
            return
        if not self._key_status.knows(draft):
            if self._status_task is None or self._status_task.done():
                self._status_task = self._spawn(self._load_key_status(draft))
            return
        view = self._key_status.describe(draft)
        self._show_move_key(draft)
        self.key_status.setText(view.text)
        self.key_edit.setPlaceholderText(view.placeholder)
        self.clear_key_button.setEnabled(view.can_forget)
        self.session_button.setVisible(view.offer_session)

    async def _load_key_status(self, draft: EndpointDraft) -> None:
        await self._key_status.load(draft)
        if shiboken6.isValid(self):  # the dialog may have closed while the keyring answered
            self.refresh_key_status()

    def test_connection(self) -> None:
        """Start a connection test; while one runs, the same button cancels it."""
        if self._test_task is not None and not self._test_task.done():
            self._test_task.cancel()
            return
        self._test_task = self._spawn(self._test_connection())

    async def _test_connection(self) -> None:
        draft = self.current()
        if draft is None:
            return
        try:
            endpoint = draft.to_endpoint()
        except SettingsError as exc:
            self.test_result.setText(f"✗ {exc}")
            return
        self._show_test_running(True)
        self.test_result.setText(_("Testing…"))
        try:
            key = draft.key_text or None
            source = draft.original or draft.copy_key_from
            held_back = draft.origin_moved() and not draft.move_key
            if key is None and source is not None and not draft.clear_key and not held_back:
                try:
                    key = await self._keystore.aget(source)
                except KeyStoreError as exc:
                    log.info("testing without a key: %s", exc)
            result = await probe(self._network(), endpoint, key)
        except asyncio.CancelledError:
            if shiboken6.isValid(self.test_result):
                self.test_result.setText(_("Test cancelled."))
            raise
        finally:
            if shiboken6.isValid(self.test_button):
                self._show_test_running(False)
        if not shiboken6.isValid(self):
            return
        if self.current() is draft:
            self.test_result.setText(result.verdict)
            # Each layer's finding in full, for whoever needs more than the one-line summary.
            self.test_result.setToolTip("\n".join(check.line() for check in result.checks))
        if result.models:
            self.models_found[endpoint.name] = result.models

    def _show_test_running(self, running: bool) -> None:
        self._testing = running
        self.test_button.setText(_("Cancel te&st") if running else _("Te&st connection"))
        self.test_button.setAccessibleName(_("Cancel test") if running else _("Test connection"))

    def _spawn(self, coro: Coroutine[object, object, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        """Cancel keyring look-ups and tests still running (the dialog is closing)."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5.0)
