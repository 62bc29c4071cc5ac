"""The main window: top bar, banners, transcript, composer and status bar, wired together.

The window owns the settings in use and the key store; its target chooser decides where a turn
goes (endpoint, model, key, engine, the offline demo) and the chat controller runs turns. Settings
changes apply to the next request without a restart: a changed network section builds a new
engine, and the old one is closed once no turn uses it.

It is built in two steps, so that start-up shows a window before the chat's modules load: the
frame (title, size) first, then `assemble` makes the chat inside it, with the tools (approval
panel, Tools menu) and the inspector (every turn recorded; its dock made when first opened).

Its parts live beside it, each handed what it needs rather than the window: window_start (read
before the frame shows), window_settings (the dialog, a change put into the widgets),
conversation_switch (the history, moving between conversations), window_sidebar (the sidebar's
place and folding), window_keys (shortcuts, Tab order), window_layout (docks kept between runs)
and window_waits (what the self-test and the tests wait for).
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QApplication, QMainWindow, QVBoxLayout, QWidget

from desktop_chat.storage.secrets import KeyStore
from desktop_chat.ui.language import apply_language, is_language_change
from desktop_chat.ui.window_start import preload, read_start_settings, theme_controller

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtGui import QAction

    from desktop_chat.storage.history import HistoryStore
    from desktop_chat.storage.settings import Settings
    from desktop_chat.ui.banner import BannerArea
    from desktop_chat.ui.chat.composer import Composer
    from desktop_chat.ui.chat.find_bar import FindBar
    from desktop_chat.ui.chat.status_bar import StatusBar
    from desktop_chat.ui.chat.top_bar import TopBar
    from desktop_chat.ui.chat.transcript import Transcript
    from desktop_chat.ui.chat_controller import ChatController
    from desktop_chat.ui.conversation_switch import ConversationSwitch
    from desktop_chat.ui.history.sidebar import HistorySidebar
    from desktop_chat.ui.inspector.link import InspectorLink
    from desktop_chat.ui.settings.broken import FileNotices
    from desktop_chat.ui.settings.dialog import SettingsDialog
    from desktop_chat.ui.settings.keeper import SettingsKeeper
    from desktop_chat.ui.target_chooser import TargetChooser
    from desktop_chat.ui.theme import ThemeController
    from desktop_chat.ui.tools.window import WindowTools
    from desktop_chat.ui.window_settings import WindowSettings
    from desktop_chat.ui.window_sidebar import SidebarFit

log = logging.getLogger(__name__)

# Before the frame is shown only Qt's widgets, the settings and the key store are loaded here:
# asyncio, Qt's enum namespace and the chat's own modules are imported where they are first used
# (tests/ui/test_startup_imports.py keeps it so).


class MainWindow(QMainWindow):
    """The chat window; emits `closed` when the user closes it (the app then cleans up)."""

    closed = Signal()

    # Made by `assemble`, after the frame is shown.
    keystore: KeyStore
    theme: ThemeController
    read_only: bool
    settings_keeper: SettingsKeeper
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
    actions_by_name: dict[str, QAction]  # the window's shortcuts by their English names
    _window_settings: WindowSettings
    _conversations: ConversationSwitch
    _sidebar_fit: SidebarFit | None

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
        self._tasks: set[asyncio.Task[object]] = set()
        self._closed_future: asyncio.Future[None] | None = None
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
        from desktop_chat.ui.conversation_switch import ConversationSwitch, open_history
        from desktop_chat.ui.inspector.link import install_inspector
        from desktop_chat.ui.settings.broken import FileNotices
        from desktop_chat.ui.settings.keeper import SettingsKeeper
        from desktop_chat.ui.target_chooser import TargetChooser
        from desktop_chat.ui.tools.window import WindowTools
        from desktop_chat.ui.window_keys import add_shortcuts, set_tab_order
        from desktop_chat.ui.window_layout import restore_layout
        from desktop_chat.ui.window_settings import WindowSettings

        self.keystore = keystore
        self.theme = theme
        self.read_only = read_only is not None or self.demo_only
        self.settings_keeper = SettingsKeeper(
            settings, self.spawn, self, on_disk=on_disk, read_only=self.read_only
        )

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
        self.setCentralWidget(central)

        self.target = TargetChooser(
            self.top_bar,
            self.status,
            keystore,
            lambda: self.settings,
            self.spawn,
            demo_only=self.demo_only,
            demo_pace=self._demo_pace,
            parent=self,
        )
        self.target.settings_changed.connect(self.update_settings)
        self._window_settings = WindowSettings(
            self,
            self.settings_keeper,
            keystore,
            theme,
            self.banners,
            (self.top_bar, self.transcript, self.composer, self.status),
            self.target,
            self.focus_composer,
            demo_only=self.demo_only,
        )
        self.history = None if self.demo_only else open_history(self.banners)  # self-test: none
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
        self._add_sidebar(central)
        self._conversations = ConversationSwitch(
            self.chat, self.history, self.sidebar, self.top_bar, self.banners, self.focus_composer
        )
        self.chat.turn_ended.connect(lambda _outcome: self.target.turn_ended())
        self.chat.render_failed.connect(
            lambda text: self.banners.show_notice("render", text, warning=True)
        )
        self.transcript.link_activated.connect(self._open_link)
        self.transcript.example_chosen.connect(self._use_example)
        self.transcript.zoom_changed.connect(
            lambda percent: self.update_settings(self.settings.with_option("ui.text_zoom", percent))
        )
        theme.scheme_changed.connect(self._on_scheme_changed)
        self.actions_by_name = add_shortcuts(self)
        set_tab_order(self.top_bar, self.sidebar, self.transcript.view, self.composer)
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
        restore_layout(self)
        self.chat.set_observer_factory(self.inspector.observe)
        self.chat.inspect_requested.connect(self.inspector.show_message)
        self.chat.turn_ended.connect(self.inspector.turn_ended)
        self.target.key_listeners.append(self.inspector.add_secret)
        name_inner_editors(self)
        self._window_settings.show_in_widgets()
        self._window_settings.show_start_notices(notice, read_only)
        self.file_notices = FileNotices(
            self, self.banners, self.settings_keeper, self.spawn, kept_aside=self._kept_aside
        )

    def _add_sidebar(self, chat_column: QWidget) -> None:
        """The saved conversations beside the chat (none when history is off)."""
        self.sidebar = self._sidebar_fit = None
        if self.history is None:
            return
        from desktop_chat.ui.window_sidebar import SidebarFit, add_sidebar

        self.sidebar = add_sidebar(self, self.top_bar, chat_column, self.history)
        self._sidebar_fit = SidebarFit(self.sidebar, self.centralWidget())
        self.sidebar.reported.connect(lambda text: self.status.showMessage(text, 10_000))

    def _kept_aside(self) -> None:
        self.read_only = self.demo_only

    def _on_scheme_changed(self, _scheme: str) -> None:
        self.banners.set_colors(self.theme.colors)

    # --- conversations --------------------------------------------------------------------------

    def new_chat(self) -> None:
        self._conversations.new_chat()

    def _reopen_latest(self) -> None:
        """Show the conversation changed last, as a returning person expects."""
        self._conversations.reopen_latest()

    # --- settings -------------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The settings in use (the keeper saves them and follows the file)."""
        return self.settings_keeper.settings

    def update_settings(self, settings: Settings) -> None:
        """Use `settings` from the next request on, and save them in the background."""
        self.settings_keeper.update(settings)

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        """The Settings dialog while it is open."""
        return self._window_settings.dialog

    def open_settings(self) -> None:
        """Open the Settings dialog (non-blocking: open() plus signals, never exec())."""
        self._window_settings.open()

    def _on_settings_applied(self, settings: Settings) -> None:
        self._window_settings.apply(settings)

    # --- language and width ---------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event) and hasattr(self, "actions_by_name"):
            from desktop_chat.ui.window_keys import retranslate_shortcuts

            retranslate_shortcuts(self.actions_by_name)
            self._window_settings.retranslate()
        super().changeEvent(event)

    # --- keys, links, focus ---------------------------------------------------------------------

    def focus_composer(self) -> None:
        self.composer.editor.setFocus()

    def _find(self) -> None:
        self.find_bar.open()

    def _on_escape(self) -> None:
        if self.chat.stop():
            return
        if self.chat.cancel_edit():
            return
        self.focus_composer()

    def _open_link(self, url: QUrl) -> None:
        QDesktopServices.openUrl(url)

    def _use_example(self, prompt: str) -> None:
        """Put an example prompt into the composer, to be read, changed and sent by the user."""
        self.composer.set_text(prompt)
        self.composer.editor.setFocus()

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
        if not self.demo_only:  # the self-test saves nothing
            from desktop_chat.ui.window_layout import save_layout

            save_layout(self)
        self.settings_keeper.close()
        if self._closed_future is not None and not self._closed_future.done():
            self._closed_future.set_result(None)
        self.closed.emit()

    def start(self) -> None:
        """Begin the window's background work; needs the running event loop."""
        import asyncio

        self.settings_keeper.watch()  # follow what `desktop-chat` commands write
        self.spawn(asyncio.to_thread(preload))
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
        from desktop_chat.ui.window_waits import send_and_wait

        return await send_and_wait(self.chat, text)

    async def wait_rendered(self, within: float = 30.0, poll: float = 0.02) -> bool:
        """Wait, at most `within` seconds, until the transcript has drawn everything."""
        from desktop_chat.ui.window_waits import wait_rendered

        return await wait_rendered(self.transcript, within, poll)

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
    start = read_start_settings()
    settings = start.settings
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_language(settings.ui.language)  # before any widget is made, so each starts in it
    if settings.ui.theme != "system":  # an override must be in place before the first paint
        theme_controller(app, settings)
    window = MainWindow(demo_only=self_test, demo_pace=0.0 if self_test else 60.0)
    # The frame goes up first, so a person sees the window while its contents are made.
    window.show()
    if paint_first:
        app.processEvents()
    theme = theme_controller(app, settings)
    window.assemble(
        settings,
        keystore or KeyStore(),
        theme,
        notice=start.notice,
        read_only=start.read_only,
        on_disk=start.on_disk,
    )
    window.activateWindow()
    window.focus_composer()
    if paint_first:  # the sidebar's first page shows before the latest conversation is drawn
        app.processEvents()
    window._reopen_latest()
    if start.unreadable is not None and not self_test:
        window.file_notices.offer_fresh_start(start.unreadable, at_start=True)
    return window
