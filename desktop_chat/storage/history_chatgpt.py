"""Read a ChatGPT data export (`conversations.json`) into the history.

The file is a list of conversations, each a tree in `mapping`: node id -> {"message",
"parent", "children"}, with `current_node` the leaf on screen. User and assistant messages with
text are kept, with their branches; system, tool and empty nodes are skipped and their children
hang from the nearest kept ancestor. Ids are derived from ChatGPT's, so importing the same file
twice adds nothing the second time.
"""

from __future__ import annotations

import time

from desktop_chat.core.conversation import Message
from desktop_chat.storage.history import ConversationInfo, HistoryStore, StoredMessage, make_title
from desktop_chat.storage.history_schema import HistoryError

PREFIX = "chatgpt-"


def is_chatgpt_export(document: object) -> bool:
    return (
        isinstance(document, list)
        and bool(document)
        and all(
            isinstance(item, dict) and isinstance(item.get("mapping"), dict) for item in document
        )
    )


def import_chatgpt(store: HistoryStore, document: list[dict[str, object]]) -> tuple[int, int]:
    """Add the conversations of a ChatGPT export; return (added, skipped as already present)."""
    added = skipped = 0
    for index, item in enumerate(document):
        try:
            info, messages = _conversation(item)
        except (KeyError, TypeError, ValueError) as exc:
            raise HistoryError(f"ChatGPT conversation {index + 1} is not valid: {exc!r}") from exc
        if store.insert_conversation(info, messages):
            added += 1
        else:
            skipped += 1
    return added, skipped


def _conversation(item: dict[str, object]) -> tuple[ConversationInfo, list[StoredMessage]]:
    mapping = item["mapping"]
    if not isinstance(mapping, dict):
        raise TypeError("mapping is not an object")
    source_id = str(item.get("conversation_id") or item.get("id") or "")
    if not source_id:
        raise ValueError("no conversation id")
    conversation_id = PREFIX + source_id
    created = _time(item.get("create_time"))
    kept: dict[str, str | None] = {}  # ChatGPT node id -> the id of its nearest kept ancestor
    messages: list[StoredMessage] = []
    roots = [node_id for node_id, node in mapping.items() if not node.get("parent")]
    stack: list[tuple[str, str | None]] = [(node_id, None) for node_id in reversed(roots)]
    for _ in range(len(mapping) + 1):  # a tree visits each node once; a cycle stops here
        if not stack:
            break
        node_id, parent = stack.pop()
        node = mapping[node_id]
        message = _message(node.get("message"))
        here = parent
        if message is not None:
            when = _time(node["message"].get("create_time"), created)
            here = PREFIX + str(node_id)
            messages.append(
                StoredMessage(here, conversation_id, parent, message, "complete", when, when)
            )
        kept[str(node_id)] = here
        children = [c for c in node.get("children") or [] if c in mapping]
        stack.extend((child, here) for child in reversed(children))
    if not messages:
        raise ValueError("no user or assistant text")
    leaf = kept.get(str(item.get("current_node"))) or messages[-1].id
    title = str(item.get("title") or "") or make_title(messages[0].message.text)
    updated = _time(item.get("update_time"), created)
    info = ConversationInfo(
        conversation_id, title, bool(item.get("title")), False, "", created, updated, leaf,
        len(messages),
    )  # fmt: skip
    return info, messages


def _message(data: object) -> Message | None:
    if not isinstance(data, dict):
        return None
    role = (data.get("author") or {}).get("role")
    content = data.get("content") or {}
    parts = content.get("parts") if isinstance(content, dict) else None
    text = "".join(p for p in parts or [] if isinstance(p, str)) if isinstance(parts, list) else ""
    if role not in ("user", "assistant") or not text.strip():
        return None
    return Message(role, text=text)


def _time(value: object, default: float | None = None) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return time.time() if default is None else default
