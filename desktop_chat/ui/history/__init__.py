"""The history on screen: the sidebar of saved conversations and the search across them.

The window uses `sidebar.HistorySidebar` (handed the open `HistoryStore`) and connects its
signals: `open_requested`, `new_chat_requested`, `deleted`; it calls `conversation_changed` and
`set_current` as the chat goes on. The models, the date groups and the row painting are the
folder's own.

Nothing is re-exported here, so that the sidebar stays out of the window's start-up.
"""
