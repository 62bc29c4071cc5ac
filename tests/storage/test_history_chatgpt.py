"""A ChatGPT data export (`conversations.json`) read into the history, branches included."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_chat.storage.history import HistoryStore
from desktop_chat.storage.history_chatgpt import import_chatgpt, is_chatgpt_export
from desktop_chat.storage.history_schema import HistoryError


def node(node_id: str, parent: str | None, children: list[str], role: str | None = None,
         text: str = "", when: float = 1_700_000_000.0) -> dict[str, object]:  # fmt: skip
    message = None
    if role is not None:
        message = {
            "id": node_id, "author": {"role": role}, "create_time": when,
            "content": {"content_type": "text", "parts": [text]},
        }  # fmt: skip
    return {"id": node_id, "message": message, "parent": parent, "children": children}


def export() -> list[dict[str, object]]:
    mapping = {
        "root": node("root", None, ["sys"]),
        "sys": node("sys", "root", ["q"], "system", ""),
        "q": node("q", "sys", ["a1", "a2"], "user", "你好，写一首诗"),
        "a1": node("a1", "q", [], "assistant", "first poem"),
        "a2": node("a2", "q", ["t"], "assistant", "second poem"),
        "t": node("t", "a2", [], "tool", "hidden tool output"),
    }
    return [{
        "id": "c1", "conversation_id": "c1", "title": "Poems", "create_time": 1_700_000_000.0,
        "update_time": 1_700_000_100.0, "mapping": mapping, "current_node": "t",
    }]  # fmt: skip


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
