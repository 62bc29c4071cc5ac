"""A ChatGPT data export (`conversations.json`) read into the history, branches included."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_chat.storage.history import HistoryStore
from desktop_chat.storage.history_chatgpt import import_chatgpt, is_chatgpt_export
from desktop_chat.storage.history_schema import HistoryError
from tests.support.chatgpt_export import export, node


def test_a_chatgpt_export_keeps_texts_branches_and_the_shown_leaf(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    document = export()
    assert is_chatgpt_export(document)
    assert import_chatgpt(store, document) == (1, 0)
    (info,) = store.conversations()
    assert info.title == "Poems"
    assert info.messages == 3
    assert info.leaf_id == "chatgpt-a2"
    path = store.path("chatgpt-a2")
    assert [m.message.text for m in path] == ["你好，写一首诗", "second poem"]
    assert store.siblings("chatgpt-a2") == (["chatgpt-a1", "chatgpt-a2"], 1)
    assert store.search("诗")[0].message_id == "chatgpt-q"
    assert import_chatgpt(store, document) == (0, 1)


def test_a_conversation_without_text_is_refused_by_name(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    document = [{"id": "c2", "mapping": {"root": node("root", None, [])}}]
    with pytest.raises(HistoryError, match="ChatGPT conversation 1"):
        import_chatgpt(store, document)
    assert store.conversations() == []
    assert not is_chatgpt_export({"conversations": []})
