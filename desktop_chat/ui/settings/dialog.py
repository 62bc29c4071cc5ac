"""The Settings dialog: endpoints and keys, network, appearance, tools; OK/Apply write.

Cancel forgets every change.

Open it with `open()` and listen to `settings_applied`: a nested `exec()` inside a coroutine would
freeze every other task. The language is chosen on the Appearance page and applied by the window
when the settings are; the dialog and its pages then set their words again (LanguageChange).
Applying first writes keys to the keyring (the only place keys go), then emits the new
`Settings`; the window saves the file and uses them from the next request on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import N_, _
from desktop_chat.session.key_moves import KeyChange, apply_key_changes, has_key_work
from desktop_chat.storage.origin import origin_of
from desktop_chat.storage.secrets import KeyringUnavailable, KeyStore, KeyStoreError
from desktop_chat.storage.settings import Endpoint, Network, Settings
from desktop_chat.storage.validation import Section, SettingsError
from desktop_chat.ui.accessibility import name_inner_editors
from desktop_chat.ui.language import is_language_change
from desktop_chat.ui.message_label import message_label
from desktop_chat.ui.settings.endpoint_draft import EndpointDraft
from desktop_chat.ui.settings.endpoint_editor import EndpointEditor
from desktop_chat.ui.settings.network_page import AppearancePage, NetworkPage
from desktop_chat.ui.settings.tools_page import ToolsPage

log = logging.getLogger(__name__)
T = TypeVar("T")


class SettingsDialog(QDialog):
    """Edit a copy of the settings; emit `settings_applied(Settings)` once keys are stored."""

    settings_applied = Signal(object)

    def __init__(
        self, settings: Settings, keystore: KeyStore, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setModal(True)
        self.resize(820, 560)
        self._base = settings
        self._keystore = keystore
        self._tasks: set[asyncio.Task[Any]] = set()
        self.applying = False

        drafts = [EndpointDraft.from_endpoint(ep) for ep in settings.endpoints]
        self.endpoints = EndpointEditor(drafts, keystore, self._draft_network, self)
        self.endpoints.session_memory_requested.connect(self.use_session_memory)
        self.network = NetworkPage(settings.network, self)
        self.appearance = AppearancePage(settings.ui, self)
        self.tools = ToolsPage(
            settings.tools, self._spawn, self, network=self._draft_network, keystore=keystore
        )
        self.tabs = QTabWidget(self)
        for page in (self.endpoints, self.network, self.appearance, self.tools):
            self.tabs.addTab(page, "")

        self.message = message_label(self, "")
        self._said = ""  # the message shown, if it is one of ours (N_), to say again translated
        # Offered when the keyring refuses what OK would save, whichever page it came from.
        self.session_button = QPushButton(self)
        self.session_button.clicked.connect(self.use_session_memory)
        self.session_button.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply,
            self,
        )
        self.buttons.accepted.connect(lambda: self._spawn(self.apply(close=True)))
        self.buttons.rejected.connect(self.reject)
        apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        apply_button.clicked.connect(lambda: self._spawn(self.apply(close=False)))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.session_button)
        layout.addLayout(message_row)
        layout.addWidget(self.buttons)
        self.finished.connect(self._on_finished)
        self._retranslate()
        self._name_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self._retranslate()
            # The button box and the pages set their words on the same event, maybe after
            # this dialog: names taken from theirs wait until they have.
            QTimer.singleShot(0, self, self._name_buttons)
            QTimer.singleShot(0, self, self._rename_inner_editors)
        super().changeEvent(event)

    def _name_buttons(self) -> None:
        """Name Qt's standard buttons (OK, Cancel, Apply) by the words Qt gave them."""
        for button in self.buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))

    def _retranslate(self) -> None:
        self.setWindowTitle(_("Settings"))
        self.setAccessibleName(_("Settings"))
        self.tabs.setAccessibleName(_("Settings pages"))
        for index, text in enumerate((_("&Endpoints"), _("&Network"), _("&Appearance"),
                                      _("T&ools"))):  # fmt: skip
            self.tabs.setTabText(index, text)
        self.message.setAccessibleName(_("Settings message"))
        if self._said:
            self.message.setText(_(self._said))
        self.session_button.setText(_("Keep keys for this session only"))
        self.session_button.setAccessibleName(_("Keep keys for this session only"))
        self.session_button.setToolTip(
            _("Keys stay in memory until the app quits; nothing is saved")
        )
        name_inner_editors(self)

    def _rename_inner_editors(self) -> None:
        """Give the editors inside spin boxes and combo boxes their control's name again.

        `name_inner_editors` names them once; after a language change the name must follow.
        """
        for control in self.findChildren(QAbstractSpinBox) + self.findChildren(QComboBox):
            editor = control.findChild(QLineEdit)
            if editor is not None:
                editor.setAccessibleName(control.accessibleName())
        name_inner_editors(self)

    def _say(self, message: str) -> None:
        """Show one of the dialog's own messages (marked N_), kept to follow the language."""
        self._said = message
        self.message.setText(_(message) if message else "")

    # --- building the settings ------------------------------------------------------------------

    def _draft_network(self) -> Network:
        """The network values on screen (for Test connection), or the saved ones if invalid."""
        try:
            return self.collect().network
        except SettingsError:
            return self._base.network

    def collect(self) -> Settings:
        """Build settings from what the dialog shows; raise SettingsError naming the problem."""
        endpoints: list[Endpoint] = []
        renames: dict[str, str] = {}
        for draft in self.endpoints.drafts:
            try:
                endpoint = draft.to_endpoint()
            except SettingsError as exc:
                name = repr(draft.name) if draft.name else _("(unnamed)")
                where = _("Endpoint {name}: {problem}").format(name=name, problem=exc)
                raise SettingsError(where, section="endpoints") from exc
            endpoints.append(endpoint)
            if draft.original is not None:
                renames[draft.original] = endpoint.name
        base = self._base
        active = renames.get(base.active_endpoint or "")
        model = base.active_model if active else None
        if active is None and endpoints:
            active = endpoints[0].name  # a first endpoint is what the user wants to talk to
        cache = {renames[k]: v for k, v in base.models_cache.items() if k in renames}
        names = {ep.name for ep in endpoints}
        cache.update({k: v for k, v in self.endpoints.models_found.items() if k in names})
        try:
            tools = self.tools.tool_settings()
        except SettingsError as exc:
            problem = _("Tools: {problem}").format(problem=exc)
            raise SettingsError(problem, section="tools") from exc
        settings = Settings(
            tuple(endpoints), active, model, base.network, base.ui, cache, tools, base.presets
        )
        for key, value in {**self.network.values(), **self.appearance.values()}.items():
            settings = settings.with_option(key, value)
        return settings

    # --- applying -------------------------------------------------------------------------------

    async def apply(self, *, close: bool) -> bool:
        """Validate, store keys, emit `settings_applied`; keep the dialog open on any problem."""
        if self.applying:
            return False
        self.applying = True
        self.buttons.setEnabled(False)
        try:
            try:
                unconfirmed = await self._bind_keys()
            except KeyStoreError as exc:
                self._show_problem(str(exc))
                return False
            if unconfirmed is not None:
                self._show_problem(unconfirmed, self.endpoints)
                return False
            try:
                settings = self.collect()
            except SettingsError as exc:
                pages: dict[Section | None, QWidget] = {
                    "endpoints": self.endpoints,
                    "tools": self.tools,
                }
                self._show_problem(str(exc), pages.get(exc.section))
                return False
            work = self._has_key_work() or self.tools.has_secret_work()
            self._say(N_("Saving keys…") if work else "")
            remedy = _(
                "Press “Keep keys for this session only” to keep them in memory until the app "
                "quits, or clear the key field."
            )
            try:
                await self._write_keys()
                remedy = _(
                    "Press “Keep keys for this session only” to keep them in memory until the "
                    "app quits, or remove the secret header values typed on the Tools page."
                )
                await self.tools.write_secrets(self._keystore)  # MCP servers' secret headers
            except KeyringUnavailable as exc:
                self._show_problem(f"{exc}\n{remedy}")
                self.session_button.show()
                return False
            except KeyStoreError as exc:
                self._show_problem(str(exc))
                return False
            self._base = settings
            self._say(N_("Settings applied.") if not close else "")
            self.settings_applied.emit(settings)
            self.endpoints.refresh_key_status(reload=True)
            if close:
                self.accept()
            return True
        finally:
            self.applying = False
            self.buttons.setEnabled(True)

    async def _bind_keys(self) -> str | None:
        """Bind each draft's key to the origin it may go to; say which move needs confirming.

        A stored key follows its endpoint to another origin only when the user ticked “Send the
        stored key to …”; a typed key is for the address it is typed for; an endpoint without a
        stored key simply follows its URL. An endpoint whose key was already held back (moved
        from the command line) stays so until the user decides.
        """
        store = self._keystore
        usable: bool | None = None
        for draft in self.endpoints.drafts:
            try:
                new = origin_of(draft.base_url)
            except ValueError:
                continue  # collect() names the bad URL
            if draft.key_text or draft.clear_key or draft.move_key or not draft.key_origin:
                draft.key_origin, draft.move_key = new, False
                continue
            if new == draft.key_origin:
                continue
            saved = self._base.endpoint(draft.original or draft.copy_key_from or "")
            if saved is None or origin_of(saved.base_url) == new:
                continue  # not moved here (a move made elsewhere stays held back)
            usable = await store.aavailable() if usable is None else usable
            source = saved.name
            if usable and await store.aget(source) is not None:
                self.endpoints.select(draft.name)
                return _(
                    "Endpoint {name}: its key was saved for {saved}, and the endpoint now points "
                    "at {new}. Tick “Send the stored key to {new}” to send it there, type a key "
                    "for the new address, or forget the stored key."
                ).format(name=repr(draft.name), saved=draft.key_origin, new=new)
            draft.key_origin = new
        return None

    def _key_changes(self) -> list[KeyChange]:
        return [
            KeyChange(d.name.strip(), d.original, d.key_text, d.clear_key, d.copy_key_from)
            for d in self.endpoints.drafts
        ]

    def _has_key_work(self) -> bool:
        return has_key_work(self._key_changes(), self.endpoints.removed)

    async def _write_keys(self) -> None:
        """Apply the key changes of every draft (session/key_moves.py), then mark them done."""
        editor = self.endpoints
        changes = self._key_changes()

        def done(index: int) -> None:
            draft = editor.drafts[index]
            draft.original, draft.key_text = changes[index].name, ""
            draft.clear_key, draft.copy_key_from = False, None

        await apply_key_changes(
            self._keystore,
            changes,
            editor.removed,
            on_deleted=editor.removed.clear,
            on_done=done,
        )
        editor.key_edit.clear()

    def use_session_memory(self) -> None:
        """Keep keys in memory for this session (no keyring); nothing is written anywhere."""
        self._keystore.use_session_memory()
        self.endpoints.session_button.hide()
        self.session_button.hide()
        self._say(N_("Keys will be kept in memory until Desktop Chat quits. Press OK to use them."))
        self.endpoints.refresh_key_status(reload=True)

    def _show_problem(self, text: str, page: QWidget | None = None) -> None:
        """Say why the settings were not applied, on the page that holds the problem if any."""
        self._said = ""
        self.message.setText(text)
        if page is not None:
            self.tabs.setCurrentWidget(page)
        log.info("settings not applied: %s", text)

    def _on_finished(self, _result: int) -> None:
        """Stop what the pages still run: key look-ups, connection tests, MCP servers."""
        self._spawn(self.endpoints.aclose())
        self._spawn(self.tools.aclose())

    def _spawn(self, coro: Coroutine[object, object, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
