"""The main window: top bar, banners, transcript, composer and status bar, wired together.

The window owns the settings in use and the key store; its target chooser decides where a turn
goes (endpoint, model, key, engine, the offline demo) and the chat controller runs turns. Settings
changes apply to the next request without a restart: a changed network section builds a new
engine, and the old one is closed once no turn uses it.

It is built in two steps, so that start-up shows a window before the chat's modules load: the
frame (title, size) first, then `assemble` makes the chat inside it, with the tools (approval
panel, Tools menu) and the inspector (every turn recorded; its dock made when first opened).

The window opens the profile's history (the file `ask` uses) and shows the conversation changed
last, as a returning person left it; everything is saved as it happens, so New chat and Quit lose
nothing. A history file that cannot be read is kept aside and a new one started; one written by a
newer version is left untouched and the window runs without history (`history` is None).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QMainWindow, QVBoxLayout, QWidget

from desktop_chat.i18n import N_, _, current_language
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.storage.validation import SettingsError, SettingsFileError
from desktop_chat.ui.language import apply_language, is_language_change, resolve

if TYPE_CHECKING:
    import asyncio

    from desktop_chat.storage.history import HistoryStore
    from desktop_chat.ui.banner import BannerArea
    from desktop_chat.ui.chat.composer import Composer
    from desktop_chat.ui.chat.find_bar import FindBar
    from desktop_chat.ui.chat.status_bar import StatusBar
    from desktop_chat.ui.chat.top_bar import TopBar
    from desktop_chat.ui.chat.transcript import Transcript
    from desktop_chat.ui.chat_controller import ChatController
    from desktop_chat.ui.history.sidebar import HistorySidebar
    from desktop_chat.ui.inspector.link import InspectorLink
    from desktop_chat.ui.settings.broken import FileNotices
    from desktop_chat.ui.settings.dialog import SettingsDialog
    from desktop_chat.ui.target_chooser import TargetChooser
    from desktop_chat.ui.theme import ThemeController
    from desktop_chat.ui.tools.window import WindowTools

log = logging.getLogger(__name__)

# Before the frame is shown only Qt's widgets, the settings and the key store are loaded here:
# asyncio, Qt's enum namespace and the chat's own modules are imported where they are first used
# (tests/ui/test_startup_imports.py keeps it so).

FIRST_RUN_HINT = N_(
    "You are talking to the built-in offline demo, so you can try everything without a key. "
    "Add a provider and its API key in Settings to talk to a real model."
)
# Below this width of the window's middle (the inspector docked beside it takes its share), the
# history sidebar folds to its strip so the conversation keeps a readable column.
FOLD_SIDEBAR_BELOW = 880
LAYOUT_VERSION = 1  # of the window layout kept between runs (window_state_path)
SHORTCUTS = (  # (name, keys, method); the names are the actions' texts
    (N_("New chat"), "Ctrl+N", "new_chat"),
    (N_("Settings"), "Ctrl+,", "open_settings"),
    (N_("Focus composer"), "Ctrl+L", "focus_composer"),
    (N_("Find in conversation"), "Ctrl+F", "_find"),
    (N_("Stop or cancel"), "Esc", "_on_escape"),
    (N_("Quit"), "Ctrl+Q", "close"),  # Cmd+Q on macOS
)


class MainWindow(QMainWindow):
    """The chat window; emits `closed` when the user closes it (the app then cleans up)."""

    closed = Signal()

    # Made by `assemble`, after the frame is shown.
    keystore: KeyStore
    theme: ThemeController
    read_only: bool
    top_bar: TopBar
    banners: BannerArea
    transcript: Transcript
    find_bar: FindBar
    composer: Composer
    status: StatusBar
    target: TargetChooser
    chat: ChatController
    tools: WindowTools
    inspector: InspectorLink
    file_notices: FileNotices
    history: HistoryStore | None
    sidebar: HistorySidebar | None

    def __init__(
        self,
        settings: Settings | None = None,
        keystore: KeyStore | None = None,
        theme: ThemeController | None = None,
        *,
        notice: str | None = None,
        read_only: str | None = None,
        demo_only: bool = False,
        demo_pace: float = 60.0,
    ) -> None:
        """Build the window; without settings only its frame, for `assemble` to fill in later."""
        super().__init__()
        self.demo_only = demo_only
        self._demo_pace = demo_pace
        self.settings_dialog: SettingsDialog | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._closed_future: asyncio.Future[None] | None = None
        self._key_warning_shown = False
        self._sidebar_folded_by_width = False
        self._narrow = False
        self.setWindowTitle("Desktop Chat")  # the product's name, the same in every language
        self.setAccessibleName("Desktop Chat")
        self.resize(1100, 780)
        if settings is not None:
            assert keystore is not None
            assert theme is not None
            self.assemble(settings, keystore, theme, notice=notice, read_only=read_only)
            self._reopen_latest()

    def assemble(
        self,
        settings: Settings,
        keystore: KeyStore,
        theme: ThemeController,
        *,
        notice: str | None = None,
        read_only: str | None = None,
        on_disk: Settings | None = None,
    ) -> None:
        """Create the chat: top bar, banners, transcript, composer, status bar and their wiring.

        `on_disk` is what the settings file held when `settings` were read from it; saves then
        keep what other processes write there meanwhile. Without it the first save overwrites.
        """
        # Imported here, after the frame is shown: together they take longer than the frame.
        from desktop_chat.ui.accessibility import name_inner_editors
        from desktop_chat.ui.banner import BannerArea
        from desktop_chat.ui.chat.composer import Composer
        from desktop_chat.ui.chat.find_bar import FindBar
        from desktop_chat.ui.chat.status_bar import StatusBar
        from desktop_chat.ui.chat.top_bar import TopBar
        from desktop_chat.ui.chat.transcript import Transcript
        from desktop_chat.ui.chat_controller import ChatController
        from desktop_chat.ui.inspector.link import install_inspector
        from desktop_chat.ui.settings.broken import FileNotices
        from desktop_chat.ui.settings.keeper import SettingsKeeper
        from desktop_chat.ui.target_chooser import TargetChooser
        from desktop_chat.ui.tools.window import WindowTools

        self.keystore = keystore
        self.theme = theme
        self.read_only = read_only is not None or self.demo_only
        self.settings_keeper = SettingsKeeper(
            settings, self.spawn, self, on_disk=on_disk, read_only=self.read_only
        )
        demo_only = self.demo_only

        self.top_bar = TopBar(self)
        self.banners = BannerArea(theme.colors, self)
        self.transcript = Transcript(self)
        self.find_bar = FindBar(self.transcript)
        self.composer = Composer(self)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        for widget, stretch in (
            (self.top_bar, 0),
            (self.banners, 0),
            (self.transcript, 1),
            (self.composer, 0),
        ):
            column.addWidget(widget, stretch)
        self._chat_column = central
        self.setCentralWidget(central)

        self.target = TargetChooser(
            self.top_bar,
            self.status,
            keystore,
            lambda: self.settings,
            self.spawn,
            demo_only=demo_only,
            demo_pace=self._demo_pace,
            parent=self,
        )
        self.target.settings_changed.connect(self.update_settings)
        self.target.keyring_missing.connect(self._warn_no_keyring)
        self.history = self._open_history()
        self.chat = ChatController(
            self.transcript,
            self.composer,
            self.status,
            self.target.resolve,
            self.top_bar.turn_options,
            self,
            history=self.history,
            endpoint_name=lambda: self.settings.active_endpoint,
        )
        self.chat.history_failed.connect(
            lambda text: self.banners.show_notice("history", text, warning=True)
        )
        self.sidebar = self._add_sidebar()
        self.chat.turn_ended.connect(lambda _outcome: self.target.turn_ended())
        self.chat.render_failed.connect(
            lambda text: self.banners.show_notice("render", text, warning=True)
        )
        self.top_bar.settings_requested.connect(self.open_settings)
        self.transcript.link_activated.connect(self._open_link)
        self.transcript.example_chosen.connect(self._use_example)
        self.transcript.zoom_changed.connect(
            lambda percent: self.update_settings(self.settings.with_option("ui.text_zoom", percent))
        )
        theme.scheme_changed.connect(self._on_scheme_changed)
        self._make_shortcuts()
        self._set_tab_order()
        # The approval panel above the composer, the Tools menu, MCP servers.
        self.tools = WindowTools(
            self,
            self.composer,
            self.top_bar,
            self.banners,
            lambda: self.settings,
            self.update_settings,
            keystore,
        )
        self.chat.set_tools(self.tools.session)
        # Every turn recorded; a dock, hidden until asked for.
        self.inspector = install_inspector(
            self,
            self.top_bar,
            self.tools.menu,
            lambda: self.chat.messages,
            lambda: self.chat.last_error,
        )
        self.inspector.dock_moved.connect(self._fit_sidebar)
        self._restore_layout()
        self.chat.set_observer_factory(self.inspector.observe)
        self.chat.inspect_requested.connect(self.inspector.show_message)
        self.chat.turn_ended.connect(self.inspector.turn_ended)
        self.target.key_listeners.append(self.inspector.add_secret)
        name_inner_editors(self)
        self._apply_settings_to_widgets()

        if notice:
            self.banners.show_notice(
                "settings", notice, warning=True, action=(_("Open Settings"), self.open_settings)
            )
        if read_only is not None:
            self.banners.show_notice("read-only", read_only, warning=True)
        self._update_first_run_hint()
        keeper = self.settings_keeper
        keeper.changed_outside.connect(self._on_settings_changed_outside)
        keeper.save_failed.connect(
            lambda text: self.banners.show_notice("save", text, warning=True)
        )
        self.file_notices = FileNotices(
            self, self.banners, keeper, self.spawn, kept_aside=self._kept_aside
        )

    # --- construction helpers -------------------------------------------------------------------

    def _open_history(self) -> HistoryStore | None:
        """The profile's history, or None (said once in a banner) when it cannot be used."""
        if self.demo_only:  # the self-test saves nothing
            return None
        from desktop_chat.storage.history import HistoryStore
        from desktop_chat.storage.history_schema import HistoryError

        try:
            store = HistoryStore.open()
        except HistoryError as exc:
            self.banners.show_notice(
                "history",
                _("History is off: {error}. Conversations in this window are not saved.").format(
                    error=exc
                ),
                warning=True,
            )
            return None
        if store.notice:
            self.banners.show_notice("history", store.notice[0].upper() + store.notice[1:] + ".")
        return store

    def _add_sidebar(self) -> HistorySidebar | None:
        """The saved conversations beside the chat (none when history is off)."""
        if self.history is None:
            return None
        from desktop_chat.ui.history.sidebar import HistorySidebar

        # The top bar spans the window; the sidebar sits beside the conversation below it, so
        # it takes none of the width the top bar needs.
        frame = QWidget(self)
        outer = QVBoxLayout(frame)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.top_bar)
        row = QHBoxLayout()
        row.setSpacing(0)  # the sidebar's own minimum width is 0: the window's stays as it was
        sidebar = HistorySidebar(self.history, frame)
        row.addWidget(sidebar)
        row.addWidget(self._chat_column, 1)
        outer.addLayout(row, 1)
        self.setCentralWidget(frame)
        sidebar.open_requested.connect(self._open_saved)
        sidebar.new_chat_requested.connect(self.new_chat)
        sidebar.deleted.connect(self._on_conversation_deleted)
        sidebar.reported.connect(lambda text: self.status.showMessage(text, 10_000))
        self.chat.history_changed.connect(sidebar.conversation_changed)
        self.chat.history_changed.connect(lambda _id: self._show_current())
        return sidebar

    def _open_saved(self, conversation_id: str, message_id: str) -> None:
        self.chat.open_conversation(conversation_id, message_id or None)
        self._show_current()
        self._show_system_prompt()
        if not message_id:
            self.focus_composer()

    def new_chat(self) -> None:
        self.chat.new_chat()
        self._show_current()
        self.focus_composer()

    def _on_conversation_deleted(self, conversation_id: str) -> None:
        if self.chat.conversation_id == conversation_id:
            self.new_chat()

    def _show_system_prompt(self) -> None:
        """The opened conversation goes on with its own system prompt, shown in the top bar."""
        from desktop_chat.storage.history_schema import HistoryError

        conversation_id = self.chat.conversation_id
        if self.history is None or conversation_id is None:
            return
        try:
            info = self.history.conversation(conversation_id)
        except HistoryError:
            return  # the conversation itself could not be read: open_conversation said so
        if info is not None:
            self.top_bar.system_edit.setPlainText(info.system)

    def _show_current(self) -> None:
        if self.sidebar is not None:
            self.sidebar.set_current(self.chat.conversation_id)

    def _reopen_latest(self) -> None:
        """Show the conversation changed last, as a returning person expects."""
        from desktop_chat.storage.history_schema import HistoryError

        if self.history is None:
            return
        try:
            latest = self.history.latest()
        except HistoryError as exc:
            self.banners.show_notice("history", str(exc), warning=True)
            return
        if latest is not None:
            self.chat.open_conversation(latest.id)
            self._show_current()
            self._show_system_prompt()

    def _make_shortcuts(self) -> None:
        """The window's keys; `actions_by_name` finds each by its English name."""
        self.actions_by_name: dict[str, QAction] = {}
        for name, keys, method in SHORTCUTS:
            action = QAction(_(name), self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(getattr(self, method))
            self.addAction(action)
            self.actions_by_name[name] = action

    def _find(self) -> None:
        self.find_bar.open()

    def _set_tab_order(self) -> None:
        bar = self.top_bar
        side = self.sidebar
        chain = [
            *(side.focus_chain() if side is not None else ()),
            bar.picker_button,
            bar.params_button,
            bar.settings_button,
            self.transcript.view,
            self.composer.editor,
            self.composer.attach_button,
            self.composer.send_button,
            self.composer.stop_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _use_example(self, prompt: str) -> None:
        """Put an example prompt into the composer, to be read, changed and sent by the user."""
        self.composer.set_text(prompt)
        self.composer.editor.setFocus()

    def _apply_settings_to_widgets(self) -> None:
        settings = self.settings
        self.theme.set_choice(settings.ui.theme)
        if resolve(settings.ui.language) != current_language():
            apply_language(settings.ui.language)
        self.composer.set_ctrl_enter_sends(settings.ui.send_with_ctrl_enter)
        self.transcript.set_zoom(settings.ui.text_zoom)
        self.top_bar.set_presets(settings.presets)
        self.target.show_settings()

    # --- what a turn needs ----------------------------------------------------------------------

    def _warn_no_keyring(self, reason: str) -> None:
        if not self._key_warning_shown:
            self._key_warning_shown = True
            self.banners.show_notice(
                "keyring",
                _(
                    "{reason} The request is sent without a key. In Settings you can keep a key "
                    "for this session only."
                ).format(reason=reason),
                warning=True,
                action=(_("Open Settings"), self.open_settings),
            )

    # --- settings -------------------------------------------------------------------------------

    def open_settings(self) -> None:
        """Open the Settings dialog (non-blocking: open() plus signals, never exec())."""
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return
        from desktop_chat.ui.settings.dialog import SettingsDialog  # loaded on first use

        dialog = SettingsDialog(self.settings, self.keystore, self)
        dialog.settings_applied.connect(self._on_settings_applied)
        dialog.finished.connect(lambda _r: self._settings_closed(dialog))
        self.settings_dialog = dialog
        dialog.open()

    def _settings_closed(self, dialog: SettingsDialog) -> None:
        if self.settings_dialog is dialog:
            self.settings_dialog = None
        dialog.deleteLater()
        self.focus_composer()

    def _on_settings_applied(self, settings: Settings) -> None:
        self.banners.dismiss("settings")
        self.banners.dismiss("keyring")
        self._key_warning_shown = False
        self.update_settings(settings)
        self._apply_settings_to_widgets()
        self._update_first_run_hint()
        self.target.fetch_models()

    @property
    def settings(self) -> Settings:
        """The settings in use (the keeper saves them and follows the file)."""
        return self.settings_keeper.settings

    def update_settings(self, settings: Settings) -> None:
        """Use `settings` from the next request on, and save them in the background."""
        self.settings_keeper.update(settings)

    def _on_settings_changed_outside(self) -> None:
        self._apply_settings_to_widgets()
        self._update_first_run_hint()
        self.status.showMessage(_("Settings changed outside the window; now in use"), 5000)

    def _update_first_run_hint(self) -> None:
        if self.settings.endpoints or self.demo_only:
            self.banners.dismiss("first-run")
        elif self.banners.banner("first-run") is None:
            self._show_first_run_hint()

    def _show_first_run_hint(self) -> None:
        self.banners.show_notice(
            "first-run", _(FIRST_RUN_HINT), action=(_("Open Settings"), self.open_settings)
        )

    def _kept_aside(self) -> None:
        self.read_only = self.demo_only

    def _on_scheme_changed(self, _scheme: str) -> None:
        self.banners.set_colors(self.theme.colors)

    # --- language and width ---------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event) and hasattr(self, "actions_by_name"):
            for name, action in self.actions_by_name.items():
                action.setText(_(name))
            hint = self.banners.banner("first-run")
            if hint is not None and hint.label.text() != _(FIRST_RUN_HINT):
                self._show_first_run_hint()  # the one notice a new user reads first
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_sidebar()

    def _fit_sidebar(self) -> None:
        """Fold the history sidebar when the window is too narrow for it, and unfold it when
        there is room again, unless the user folded it."""
        sidebar = getattr(self, "sidebar", None)
        if sidebar is None:
            return
        room = self.width()
        dock = self.inspector.dock if hasattr(self, "inspector") else None
        if dock is not None and dock.isVisible() and not dock.isFloating():
            room -= dock.width()
        narrow = room < FOLD_SIDEBAR_BELOW
        if narrow == self._narrow:
            return  # only a crossing acts: a fold or unfold by hand in between is respected
        self._narrow = narrow
        if narrow and not sidebar.collapsed:
            self._sidebar_folded_by_width = True
            self._toggle_sidebar_keeping_focus()
        elif not narrow and sidebar.collapsed and self._sidebar_folded_by_width:
            self._sidebar_folded_by_width = False
            self._toggle_sidebar_keeping_focus()

    def _restore_layout(self) -> None:
        """Put the inspector back where it was last time (docked where, floating, its size).

        Qt keeps the placement of a dock not made yet and applies it when the dock is made
        (link.py: restoreDockWidget). The file is a cache: one Qt cannot read is left to be
        replaced on the next close.
        """
        from desktop_chat import paths

        try:
            data = paths.window_state_path().read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("window layout not read: %s", exc)
            return
        if not self.restoreState(QByteArray(data), LAYOUT_VERSION):
            log.warning("window layout not restored: written by another version")

    def _save_layout(self) -> None:
        """Keep where the inspector is for the next start (the self-test saves nothing)."""
        import os
        import tempfile

        from desktop_chat import paths

        if self.demo_only:
            return
        path = paths.window_state_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(handle, "wb") as file:
                file.write(self.saveState(LAYOUT_VERSION).data())
            os.replace(temporary, path)
        except OSError as exc:  # a layout is worth a log line, not a word to the user
            log.warning("window layout not saved: %s", exc)

    def _toggle_sidebar_keeping_focus(self) -> None:
        # The sidebar's toggle moves the focus (right for a click); a resize must not.
        assert self.sidebar is not None
        focused = QApplication.focusWidget()
        self.sidebar.toggle_collapsed()
        if focused is not None and focused.isVisible():
            focused.setFocus()

    # --- keys, links, focus ---------------------------------------------------------------------

    def focus_composer(self) -> None:
        self.composer.editor.setFocus()

    def _on_escape(self) -> None:
        if self.chat.stop():
            return
        if self.chat.cancel_edit():
            return
        self.focus_composer()

    def _open_link(self, url: QUrl) -> None:
        QDesktopServices.openUrl(url)

    # --- life cycle -----------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[object, object, object]) -> asyncio.Task[object]:
        """Run `coro` as a task the window cancels when it closes."""
        import asyncio

        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def closeEvent(self, event: QCloseEvent) -> None:
        """Accept, stop the stream at once (what arrived is saved, marked interrupted), and tell
        the app (which cleans up asynchronously)."""
        self.chat.abandon()
        if self.settings_dialog is not None:
            self.settings_dialog.reject()
        event.accept()
        self._save_layout()
        self.settings_keeper.close()
        if self._closed_future is not None and not self._closed_future.done():
            self._closed_future.set_result(None)
        self.closed.emit()

    def start(self) -> None:
        """Begin the window's background work; needs the running event loop."""
        import asyncio

        self.settings_keeper.watch()  # follow what `desktop-chat` commands write
        self.spawn(asyncio.to_thread(_preload))
        if not self.demo_only:
            self.target.fetch_models()
            from desktop_chat.ui.release_notice import check_after_start

            check_after_start(self.settings, self.banners, self.spawn)  # only if opted in

    async def wait_closed(self) -> None:
        """Return once the user has closed the window."""
        import asyncio

        if self._closed_future is None:
            self._closed_future = asyncio.get_running_loop().create_future()
        if self.isVisible():
            await self._closed_future

    async def aclose(self) -> None:
        """Stop streams and background work, close engines and the demo server."""
        import asyncio

        await self.chat.bridge.aclose()
        self.chat.abandon()  # closed by other means than closeEvent: still keep what arrived
        if self.history is not None:
            self.history.close()
        await self.tools.aclose()
        await self.settings_keeper.flush(5.0)  # never lose the last change
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5.0)
        await self.target.aclose()
        if self.isVisible():
            self.hide()

    # --- for the self-test and for tests --------------------------------------------------------

    async def send_and_wait(self, text: str) -> str:
        """Send `text` and wait for the turn's end: "finished", "failed" or "stopped"."""
        import asyncio

        outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def done(result: str) -> None:
            if not outcome.done():
                outcome.set_result(result)

        self.chat.turn_ended.connect(done)
        try:
            if not self.chat.send(text):
                return "failed"
            return await outcome
        finally:
            self.chat.turn_ended.disconnect(done)

    async def wait_rendered(self, within: float = 30.0, poll: float = 0.02) -> bool:
        """Wait until the transcript has drawn everything (it spreads bursts over frames).

        The transcript has no "drawn" signal, so poll it, for at most `within` seconds; return
        whether it finished.
        """
        import asyncio

        for _attempt in range(max(1, int(within / poll))):
            if not self.transcript.busy:
                return True
            await asyncio.sleep(poll)
        return not self.transcript.busy

    def transcript_text(self) -> str:
        return self.transcript.view.toPlainText()

    def last_answer_text(self) -> str:
        answers = [m for m in self.chat.messages if m.role == "assistant"]
        return answers[-1].text if answers else ""

    def last_error_text(self) -> str:
        return self.chat.last_error or "no error was shown"


async def open_main_window(
    *, self_test: bool = False, keystore: KeyStore | None = None
) -> MainWindow:
    """Build and show the window, then start its background work (model lists)."""
    window = show_main_window(self_test=self_test, keystore=keystore)
    window.start()
    return window


def show_main_window(
    *, self_test: bool = False, keystore: KeyStore | None = None, paint_first: bool = False
) -> MainWindow:
    """Load the settings, show the window, then build its contents with the composer focused.

    Needs no event loop, so the app can show the window before the loop and the network stack
    are loaded; `paint_first` then paints the frame before its contents are made, and those
    (the sidebar's first page) before the latest conversation is reopened. That is only
    for a caller with no event loop running: processing events inside a task would run other
    tasks' callbacks within it. With `self_test` the demo endpoint is used at full speed and
    nothing is saved.
    """
    notice: str | None = None
    read_only: str | None = None
    on_disk: Settings | None = None
    unreadable: SettingsFileError | None = None
    try:
        result = load_settings()  # one small file; before the window exists nothing waits on it
        settings, notice = result.settings, result.notice
        on_disk = settings
    except SettingsError as exc:  # unreadable, or a newer version's: left as it is
        settings = Settings()
        read_only = _("{error}. Settings changes are not saved in this session.").format(error=exc)
        unreadable = exc if isinstance(exc, SettingsFileError) else None
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_language(settings.ui.language)  # before any widget is made, so each starts in it
    if settings.ui.theme != "system":  # an override must be in place before the first paint
        _theme_controller(app, settings)
    window = MainWindow(demo_only=self_test, demo_pace=0.0 if self_test else 60.0)
    # The frame goes up first, so a person sees the window while its contents are made.
    window.show()
    if paint_first:
        app.processEvents()
    theme = _theme_controller(app, settings)
    window.assemble(
        settings,
        keystore or KeyStore(),
        theme,
        notice=notice,
        read_only=read_only,
        on_disk=on_disk,
    )
    window.activateWindow()
    window.focus_composer()
    if paint_first:  # the sidebar's first page shows before the latest conversation is drawn
        app.processEvents()
    window._reopen_latest()
    if unreadable is not None and not self_test:
        window.file_notices.offer_fresh_start(unreadable, at_start=True)
    return window


def _preload() -> None:
    """Import what the first answer needs, off the UI thread, so sending it does not wait."""
    import importlib

    from desktop_chat.ui.chat.markdown import DEFERRED_MODULES

    # httpcore, and anyio's asyncio backend that its pool loads on the first request (~30 ms).
    network = ("httpcore", "anyio._backends._asyncio")
    for name in ("desktop_chat.core.engine", *network, *DEFERRED_MODULES):
        importlib.import_module(name)
    from desktop_chat.core.transport import TransportConfig, tls_verification

    tls_verification(TransportConfig())  # the shared TLS context: it reads every system CA


def _theme_controller(app: QApplication, settings: Settings) -> ThemeController:
    from desktop_chat.ui.theme import ThemeController

    existing = app.findChild(ThemeController)
    if isinstance(existing, ThemeController):
        existing.set_choice(settings.ui.theme)
        return existing
    return ThemeController(app, settings.ui.theme)
