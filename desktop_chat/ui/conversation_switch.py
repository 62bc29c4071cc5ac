"""Move the chat between conversations: one chosen in the sidebar, a new one, the latest at start.

The window opens the profile's history (the file `ask` uses) and shows the conversation changed
last, as a returning person left it; everything is saved as it happens, so switching loses
nothing. A history file that cannot be read is kept aside and a new one started; one written
by a newer version is left untouched and the window runs without history (None here), which
leaves New chat as the only switch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop_chat.i18n import _

if TYPE_CHECKING:
    from desktop_chat.storage.history import HistoryStore
    from desktop_chat.ui.banner import BannerArea
    from desktop_chat.ui.chat.top_bar import TopBar
    from desktop_chat.ui.chat_controller import ChatController
    from desktop_chat.ui.history.sidebar import HistorySidebar


def open_history(banners: BannerArea) -> HistoryStore | None:
    """The profile's history, or None (said once in a banner) when it cannot be used."""
    from desktop_chat.storage.history import HistoryStore
    from desktop_chat.storage.history_schema import HistoryError

    try:
        store = HistoryStore.open()
    except HistoryError as exc:
        banners.show_notice(
            "history",
            _("History is off: {error}. Conversations in this window are not saved.").format(
                error=exc
            ),
            warning=True,
        )
        return None
    if store.notice:
        banners.show_notice("history", store.notice[0].upper() + store.notice[1:] + ".")
    return store


class ConversationSwitch:
    """Open conversations in the chat and keep the sidebar's current row on the one shown.

    An opened conversation goes on with its own system prompt, shown in the top bar.
    """

    def __init__(
        self,
        chat: ChatController,
        history: HistoryStore | None,
        sidebar: HistorySidebar | None,
        top_bar: TopBar,
        banners: BannerArea,
        focus_composer: Callable[[], None],
    ) -> None:
        self._chat = chat
        self._history = history
        self._sidebar = sidebar
        self._top_bar = top_bar
        self._banners = banners
        self._focus_composer = focus_composer
        if sidebar is not None:
            sidebar.open_requested.connect(self.open_saved)
            sidebar.new_chat_requested.connect(self.new_chat)
            sidebar.deleted.connect(self._on_deleted)
            chat.history_changed.connect(sidebar.conversation_changed)
            chat.history_changed.connect(lambda _id: self._show_current())

    def open_saved(self, conversation_id: str, message_id: str) -> None:
        """Open a saved conversation, at `message_id` when one is given (a search hit)."""
        self._chat.open_conversation(conversation_id, message_id or None)
        self._show_current()
        self._show_system_prompt()
        if not message_id:
            self._focus_composer()

    def new_chat(self) -> None:
        self._chat.new_chat()
        self._show_current()
        self._focus_composer()

    def reopen_latest(self) -> None:
        """Show the conversation changed last, as a returning person expects."""
        from desktop_chat.storage.history_schema import HistoryError

        if self._history is None:
            return
        try:
            latest = self._history.latest()
        except HistoryError as exc:
            self._banners.show_notice("history", str(exc), warning=True)
            return
        if latest is not None:
            self._chat.open_conversation(latest.id)
            self._show_current()
            self._show_system_prompt()

    def _on_deleted(self, conversation_id: str) -> None:
        if self._chat.conversation_id == conversation_id:
            self.new_chat()

    def _show_system_prompt(self) -> None:
        from desktop_chat.storage.history_schema import HistoryError

        conversation_id = self._chat.conversation_id
        if self._history is None or conversation_id is None:
            return
        try:
            info = self._history.conversation(conversation_id)
        except HistoryError:
            return  # the conversation itself could not be read: open_conversation said so
        if info is not None:
            self._top_bar.system_edit.setPlainText(info.system)

    def _show_current(self) -> None:
        if self._sidebar is not None:
            self._sidebar.set_current(self._chat.conversation_id)
