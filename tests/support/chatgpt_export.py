"""A small ChatGPT data export (`conversations.json`): a system node, a branch, a tool node."""

from __future__ import annotations


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
