"""The sidebar of saved conversations: date groups, search, rename, pin, delete with undo.

Export and import (transfer.py): a row's menu exports that conversation; the menu button beside
New chat (Tab reaches it next) exports all of them or imports an export.

Narrow (WIDTH) and collapsible to a strip (Ctrl+B or its button); its minimum width is 0, so
the window it joins keeps the minimum width it had. Keyboard: Ctrl+K searches, the arrows move,
Enter opens, F2 renames, Delete deletes, Ctrl+Z undoes it, the menu key opens the context menu,
Esc in the search field goes back to the list.

Delete is deferred: the conversation is hidden at once and "Deleted · Undo" shows for a few
seconds (undo_bar.py); only then is it deleted from the store (and `deleted` emitted). A second
deletion ends the first one's undo at once. If the app quits meanwhile, the conversation is
still there next time: a deletion the user could still take back is not done yet, and keeping a
conversation they meant to delete costs one more Delete, while losing one they meant to keep
cannot be undone.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListView,
    QMenu,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import _, ngettext
from desktop_chat.storage.history import HistoryStore
from desktop_chat.storage.history_schema import HistoryError
from desktop_chat.ui.history.conversation_model import ID_ROLE, UNTITLED, ConversationModel
from desktop_chat.ui.history.hit_delegate import HitDelegate
from desktop_chat.ui.history.row_menu import row_menu
from desktop_chat.ui.history.search_model import MESSAGE_ROLE, SearchModel
from desktop_chat.ui.history.transfer import HistoryTransfer
from desktop_chat.ui.history.undo_bar import UndoBar
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import is_language_change
from desktop_chat.ui.theme import colors, scheme_of

WIDTH = 240
STRIP = 40  # collapsed: the toggle and New chat alone
DEBOUNCE_MS = 200
SEARCH_KEYS = "Ctrl+K"
TOGGLE_KEYS = "Ctrl+B"
NEW_CHAT_KEYS = "Ctrl+N"  # the window's shortcut, named in the button's tooltip


class HistorySidebar(QWidget):
    """Saved conversations newest first; opening, renaming, pinning and deleting them."""

    open_requested = Signal(str, str)  # conversation id, message id ("" for none)
    new_chat_requested = Signal()
    deleted = Signal(str)  # after the undo window closed: gone from the store
    reported = Signal(str)  # an export or import under way or done: for the status bar

    def __init__(self, store: HistoryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._current: str | None = None
        self._pending: str | None = None  # hidden, deleted when the undo window closes
        self._kept: str | None = None  # the current row's conversation while rows are rebuilt
        self.collapsed = False

        self.toggle_button = QToolButton(self)
        self.new_button = QToolButton(self)
        self.new_button.setIcon(icon("square-pen"))
        self.new_button.clicked.connect(self.new_chat_requested)
        self.transfer = HistoryTransfer(store, self)
        self.more_button = QToolButton(self)
        self.more_button.setIcon(icon("ellipsis"))
        self.more_menu = QMenu(self.more_button)
        self.export_all_action = self.more_menu.addAction(icon("download"), "")
        self.export_all_action.triggered.connect(self.transfer.export_all)
        self.import_action = self.more_menu.addAction(icon("upload"), "")
        self.import_action.triggered.connect(self.transfer.import_file)
        # popup(), not setMenu(): the button would run the menu in a nested event loop.
        self.more_button.clicked.connect(
            lambda: self.more_menu.popup(
                self.more_button.mapToGlobal(QPoint(0, self.more_button.height()))
            )
        )
        for button in (self.toggle_button, self.new_button, self.more_button):
            button.setAutoRaise(True)
            button.setIconSize(QSize(16, 16))
        self.search_field = QLineEdit(self)
        self.search_icon = self.search_field.addAction(
            icon("search"), QLineEdit.ActionPosition.LeadingPosition
        )
        self.search_icon.triggered.connect(self.focus_search)
        self.search_field.setClearButtonEnabled(True)
        self.model = ConversationModel(store, parent=self)
        self.list = self._view(self.model)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setUniformItemSizes(True)  # a page is laid out without asking every row
        self.list.setStyleSheet("QListView::item { padding: 3px 4px; }")
        self.results_model = SearchModel(store, parent=self)
        self.results = self._view(self.results_model)
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.setWordWrap(True)
        self.results.setResizeMode(QListView.ResizeMode.Adjust)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.results)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        self.undo_bar = UndoBar(self)
        self.undo_bar.undone.connect(self.undo_delete)
        self.undo_bar.expired.connect(self._commit_delete)
        self._lay_out()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search_now)
        self.search_field.textChanged.connect(lambda _text: self._debounce.start())
        self.search_field.installEventFilter(self)
        self.toggle_button.clicked.connect(self.toggle_collapsed)
        self.list.clicked.connect(self._open_index)
        self.results.clicked.connect(self._open_index)
        self.list.customContextMenuRequested.connect(self._show_menu)
        # A rename or a change rebuilds the rows: the row that was current stays current.
        self.model.rebuilding.connect(self._remember_current)
        self.model.rebuilt.connect(self._restore_current)
        for model in (self.model, self.results_model):
            model.failed.connect(self._show_error)
        self.transfer.failed.connect(self._show_error)
        self.transfer.succeeded.connect(self._on_transfer_succeeded)
        self.transfer.imported.connect(lambda _count: self.model.reload())
        self._mark_matches()
        self.search_action = self._action(SEARCH_KEYS, self.focus_search)
        self.toggle_action = self._action(TOGGLE_KEYS, self.toggle_collapsed)
        self.undo_action = self._action("Ctrl+Z", self.undo_delete)
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._show_collapsed(False)
        self.model.fetchMore(QModelIndex())  # the first page now; the view asks for the rest

    def _view(self, model: ConversationModel | SearchModel) -> QListView:
        view = QListView(self)
        view.setModel(model)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.installEventFilter(self)
        return view

    def _lay_out(self) -> None:
        self._top = top = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # a column when collapsed
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.toggle_button)
        top.addStretch(1)
        top.addWidget(self.more_button)
        top.addWidget(self.new_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(4)
        # The sidebar gives way first when the window is narrow: the window's minimum width
        # stays what it was without a sidebar.
        column.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        column.addLayout(top)
        column.addWidget(self.search_field)
        column.addWidget(self.stack, 1)
        column.addWidget(self.status)
        column.addWidget(self.undo_bar)
        column.addStretch(0)  # takes the height only when the list is hidden (collapsed)

    def _action(self, keys: str, slot: object) -> QAction:
        action = QAction(self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self._retranslate()
            self.model.retranslate()
            self.results_model.retranslate()
            if self.results_model.query:
                self._search_now()  # says the count again, in the new words
        elif event.type() == QEvent.Type.PaletteChange:
            self._mark_matches()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Conversations"))
        self.list.setAccessibleName(_("Saved conversations"))
        self.results.setAccessibleName(_("Search results"))
        self.search_field.setPlaceholderText(_("Search all ({keys})").format(keys=SEARCH_KEYS))
        self.search_field.setAccessibleName(_("Search all conversations"))
        self.search_icon.setText(_("Search all conversations"))
        self.search_icon.setToolTip(self.search_field.placeholderText())
        self.search_action.setText(_("Search conversations"))
        self.toggle_action.setText(_("Show or hide conversations"))
        self.undo_action.setText(_("Undo delete"))
        self.new_button.setAccessibleName(_("New chat"))
        self.new_button.setToolTip(_("New chat ({keys})").format(keys=NEW_CHAT_KEYS))
        self.more_button.setAccessibleName(_("Export and import"))
        self.more_button.setToolTip(_("Export and import conversations"))
        self.export_all_action.setText(_("&Export all conversations…"))
        self.import_action.setText(_("&Import conversations…"))
        if self.collapsed:
            self.toggle_button.setAccessibleName(_("Show conversations"))
            tip = _("Show conversations ({keys})")
        else:
            self.toggle_button.setAccessibleName(_("Hide conversations"))
            tip = _("Hide conversations ({keys})")
        self.toggle_button.setToolTip(tip.format(keys=TOGGLE_KEYS))

    def _mark_matches(self) -> None:
        """Give search matches the theme's colours for a mark (a palette has no role for it)."""
        marks = colors(scheme_of(self.palette()))
        self.results_model.highlight, self.results_model.ink = marks.mark_bg, marks.mark_fg
        self.results.viewport().update()

    def sizeHint(self) -> QSize:
        return QSize(STRIP if self.collapsed else WIDTH, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, 0)

    # -- the window's side of the contract ----------------------------------------------------

    def conversation_changed(self, conversation_id: str) -> None:
        """Show a conversation that was created or changed (it moves to the top of its group)."""
        del conversation_id  # read again as a whole: the order, the groups and the count move
        self.model.reload()
        self._select(self._current)

    def set_current(self, conversation_id: str | None) -> None:
        """Mark the conversation the window shows (None: a new chat, none of the saved ones)."""
        self._current = conversation_id
        self._select(conversation_id)

    def focus_chain(self) -> tuple[QWidget, ...]:
        """The sidebar's widgets in the order Tab visits them, for the window's chain."""
        return (
            self.toggle_button, self.new_button, self.more_button, self.search_field, self.list,
            self.results,
        )  # fmt: skip

    # -- collapsing and searching -------------------------------------------------------------

    def toggle_collapsed(self) -> None:
        self._show_collapsed(not self.collapsed)
        (self.toggle_button if self.collapsed else self.list).setFocus()

    def _show_collapsed(self, collapsed: bool) -> None:
        self.collapsed = collapsed
        for widget in (self.search_field, self.stack, self.more_button):
            widget.setVisible(not collapsed)
        self.undo_bar.setVisible(not collapsed and self._pending is not None)
        self.status.setVisible(not collapsed and bool(self.status.text()))
        self._top.setDirection(
            QBoxLayout.Direction.TopToBottom if collapsed else QBoxLayout.Direction.LeftToRight
        )
        self.toggle_button.setIcon(icon("panel-left-open" if collapsed else "panel-left-close"))
        self._retranslate()
        self.setMaximumWidth(STRIP if collapsed else WIDTH)
        self.updateGeometry()

    def focus_search(self) -> None:
        if self.collapsed:
            self._show_collapsed(False)
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def _search_now(self) -> None:
        self._debounce.stop()
        text = self.search_field.text()
        self.results_model.set_query(text)
        searching = bool(self.results_model.query)
        self.stack.setCurrentWidget(self.results if searching else self.list)
        if not searching:
            self._say("")
            return
        if self.results_model.error:
            return  # said already
        count = self.results_model.rowCount()
        if not count:
            self._say(_("No conversation has that"))
        elif self.results_model.complete:
            self._say(ngettext("{count} found", "{count} found", count).format(count=count))
        else:
            self._say(_("{count}+ found").format(count=count))
        if count:
            self.results.setCurrentIndex(self.results_model.index(0))

    # -- opening, renaming, pinning, deleting -------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        conversation_id = index.data(ID_ROLE)
        if not index.isValid() or not conversation_id:
            return
        message_id = index.data(MESSAGE_ROLE) or ""
        self._current = str(conversation_id)
        self.open_requested.emit(str(conversation_id), str(message_id))

    def rename(self, conversation_id: str) -> None:
        """Edit the title in place (F2 does the same)."""
        row = self.model.row_of(conversation_id)
        if row is not None:
            index = self.model.index(row, 0)
            self.list.setCurrentIndex(index)
            self.list.edit(index)

    def pin(self, conversation_id: str, pinned: bool) -> None:
        try:
            self._store.pin(conversation_id, pinned)
        except HistoryError as exc:
            self._show_error(str(exc))
            return
        self.model.reload()
        self._select(conversation_id)

    def delete(self, conversation_id: str) -> None:
        """Hide the conversation now; delete it once the undo window has closed."""
        if self._pending is not None:
            self._commit_delete()
        row = self.model.row_of(conversation_id)
        info = self.model.info(self.model.index(row, 0)) if row is not None else None
        title = (info.title if info else "") or _(UNTITLED)
        self._pending = conversation_id
        self.model.set_hidden(conversation_id, True)
        self._select(None, near=row)
        self.undo_bar.offer(title)
        self.undo_bar.setVisible(not self.collapsed)
        self._say(_("Deleted {title}. Ctrl+Z undoes it.").format(title=title), shown=False)

    def undo_delete(self) -> None:
        conversation_id, self._pending = self._pending, None
        if conversation_id is None:
            return
        self.undo_bar.end()
        self.model.set_hidden(conversation_id, False)
        self._select(conversation_id)
        self.list.setFocus()
        self._say(_("Delete undone"), shown=False)

    def _commit_delete(self) -> None:
        conversation_id, self._pending = self._pending, None
        self.undo_bar.end()
        if conversation_id is None:
            return
        try:
            self._store.delete(conversation_id)
        except HistoryError as exc:
            self.model.set_hidden(conversation_id, False)
            self._show_error(str(exc))
            return
        self.model.forget(conversation_id)
        self._select(self._current)
        if self._current == conversation_id:
            self._current = None
        self.deleted.emit(conversation_id)

    def _show_menu(self, pos: QPoint | None = None) -> None:
        """The row's menu: at `pos` for the mouse; at the current row for the keyboard (None)."""
        if pos is None:
            index = self.list.currentIndex()
            pos = self.list.visualRect(index).bottomLeft()
        else:
            index = self.list.indexAt(pos)
        info = self.model.info(index)
        if info is None:
            return
        menu = row_menu(
            self.list,
            info,
            open_=lambda: self._open_index(index),
            rename=lambda: self.rename(info.id),
            pin=lambda pinned: self.pin(info.id, pinned),
            export=lambda form: self.transfer.export_conversation(info, form),
            delete=lambda: self.delete(info.id),
        )
        self.context_menu = menu  # for tests, and so it lives while shown
        menu.popup(self.list.viewport().mapToGlobal(pos))

    # -- keys ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,
        ):
            handled = self._key(watched, event)
            if handled and event.type() == QEvent.Type.ShortcutOverride:
                event.accept()  # the key comes to us as a key press, not to a window shortcut
                return False
            return handled
        focused = event.type() == QEvent.Type.FocusIn and watched is self.list
        if focused and not self.list.currentIndex().isValid():
            self._select(self._current, near=0)
        return super().eventFilter(watched, event)

    def _key(self, watched: QObject, event: QKeyEvent) -> bool:
        """Handle one key for the search field or a list; True if it is ours."""
        key = event.key()
        override = event.type() == QEvent.Type.ShortcutOverride
        if watched is self.search_field:
            if key == Qt.Key.Key_Escape and self.search_field.text():
                if not override:
                    self.search_field.clear()
                    self._search_now()
                    self.list.setFocus()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and not override:
                if self._debounce.isActive() or self.results_model.query != (
                    self.search_field.text().strip()
                ):
                    self._search_now()
                view = self.results if self.results_model.query else self.list
                view.setFocus()
                if key != Qt.Key.Key_Down and view.currentIndex().isValid():
                    self._open_index(view.currentIndex())
                return True
            return False
        if watched not in (self.list, self.results) or not isinstance(watched, QListView):
            return False
        view = watched
        if view.state() == QAbstractItemView.State.EditingState:
            return False
        index = view.currentIndex()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not override:
                self._open_index(index)
            return True
        if key == Qt.Key.Key_Delete and view is self.list and self.model.info(index):
            if not override:
                info = self.model.info(index)
                assert info is not None
                self.delete(info.id)
            return True
        shift_f10 = key == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if (key == Qt.Key.Key_Menu or shift_f10) and view is self.list:
            if not override:
                self._show_menu()  # at the current row, not where the mouse happens to be
            return True
        if key == Qt.Key.Key_Escape and view is self.results:
            if not override:
                self.focus_search()
            return True
        return False

    # -- selection and messages ---------------------------------------------------------------

    def _select(self, conversation_id: str | None, *, near: int | None = None) -> None:
        """Make a conversation's row current, or (with `near`) the row closest to that place."""
        row = self.model.row_of(conversation_id) if conversation_id else None
        if row is None and near is not None:
            row = self._conversation_near(near)
        self.list.setCurrentIndex(QModelIndex() if row is None else self.model.index(row, 0))

    def _conversation_near(self, near: int) -> int | None:
        """The conversation row closest to row `near`, the one below first (headings skipped)."""
        count = self.model.rowCount()
        for distance in range(count + 1):
            for row in (near + distance, near - distance):
                if 0 <= row < count and self.model.index(row, 0).data(ID_ROLE):
                    return row
        return None

    def _remember_current(self) -> None:
        current = self.list.currentIndex()
        if current.isValid():
            self._kept = str(current.data(ID_ROLE))

    def _restore_current(self) -> None:
        kept, self._kept = self._kept, None
        if kept and not self.list.currentIndex().isValid():
            self._select(kept)

    def _on_transfer_succeeded(self, message: str) -> None:
        if self.status.text() and not self.results_model.query:
            self._say("")  # an earlier export's or import's problem is over
        self.reported.emit(message)

    def _show_error(self, message: str) -> None:
        self._say(message)

    def _say(self, text: str, *, shown: bool = True) -> None:
        """Show `text` under the list ("" hides it); tell assistive technology in any case."""
        if shown:
            self.status.setText(text)
            self.status.setVisible(bool(text) and not self.collapsed)
        self.setAccessibleDescription(text)
