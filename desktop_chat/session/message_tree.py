"""The messages of a conversation as a tree: each has a parent, versions are siblings.

The session shows one path through it (root to a leaf); the history store holds the same tree.
Children keep the order they were added in (the store's order), so the newest version is last.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop_chat.core.conversation import Message
from desktop_chat.session.tool_step import CallRecord

if TYPE_CHECKING:
    from desktop_chat.storage.history import Meta, State


@dataclass(slots=True)
class Node:
    """One message in the tree; `calls` are a tool entry's records (state, approval, result)."""

    id: str
    parent: str | None
    message: Message
    state: State = "complete"
    meta: Meta = field(default_factory=dict)
    calls: list[CallRecord] | None = None


class MessageTree:
    """Nodes by id, and each parent's children, oldest first (None: the roots)."""

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._children: dict[str | None, list[str]] = {}

    def __getitem__(self, node_id: str) -> Node:
        return self._nodes[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def get(self, node_id: str | None) -> Node | None:
        return None if node_id is None else self._nodes.get(node_id)

    def add(self, node: Node) -> None:
        self._nodes[node.id] = node
        self._children.setdefault(node.parent, []).append(node.id)

    def clear(self) -> None:
        self._nodes.clear()
        self._children.clear()

    def siblings(self, node_id: str) -> list[str]:
        """The versions of a node, itself included, oldest first."""
        return self._children.get(self._nodes[node_id].parent, [])

    def up(self, node_id: str) -> list[str]:
        """The path from the root down to `node_id`."""
        path: list[str] = []
        current: str | None = node_id
        while current is not None and len(path) <= len(self._nodes):
            path.append(current)
            current = self._nodes[current].parent
        return path[::-1]

    def down(self, node_id: str) -> list[str]:
        """`node_id` and below it, each time its newest child, down to a leaf."""
        path = [node_id]
        while len(path) <= len(self._nodes) and self._children.get(path[-1]):
            path.append(self._children[path[-1]][-1])
        return path

    def subtree(self, node_id: str) -> Iterator[Node]:
        pending = [node_id]
        while pending:
            current = pending.pop()
            yield self._nodes[current]
            pending.extend(self._children.get(current, []))

    def remove(self, node_id: str) -> None:
        """Remove a node and every node below it."""
        parent = self._nodes[node_id].parent
        for gone in list(self.subtree(node_id)):
            del self._nodes[gone.id]
            self._children.pop(gone.id, None)
        self._children[parent].remove(node_id)


def call_meta(record: CallRecord) -> dict[str, object]:
    """A call's state as saved: approval ("how"), state, origin, duration, problem."""
    return {
        "call_id": record.call_id, "state": record.state, "how": record.how,
        "origin": record.origin, "duration": record.duration, "problem": record.problem,
    }  # fmt: skip


def call_records(step: Node | None, tool: Node) -> list[CallRecord]:
    """The calls of a saved tool entry, from its step's calls, its results and its metadata."""
    saved = tool.meta.get("calls")
    details = {
        str(item.get("call_id")): item
        for item in (saved if isinstance(saved, list) else [])
        if isinstance(item, dict)
    }
    results = {result.call_id: result for result in tool.message.tool_results}
    records = []
    for call in step.message.tool_calls if step is not None else []:
        record = CallRecord(call.id, call.name, arguments=call.arguments)
        detail = details.get(call.id, {})
        result = results.get(call.id)
        if result is not None:
            record.result, record.is_error = result.content, result.is_error
        record.state = str(detail.get("state") or ("failed" if record.is_error else "done"))
        record.how = str(detail.get("how") or "")
        record.origin = str(detail.get("origin") or "")
        record.problem = str(detail.get("problem") or "")
        duration = detail.get("duration")
        record.duration = float(duration) if isinstance(duration, int | float) else None
        records.append(record)
    return records
