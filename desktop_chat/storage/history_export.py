"""Conversations out of the history and back in: JSON (lossless) and Markdown (to read).

JSON export, one file for one conversation or for all::

    {"format": "desktop-chat-history", "version": 1,
     "conversations": [{"id", "title", "title_set", "pinned", "system", "created", "updated",
                        "leaf_id", "messages": [{"id", "parent_id", "role", "text", "reasoning",
                        "reasoning_signature", "thinking_blocks", "tool_calls", "tool_results",
                        "attachments": [{"name", "media_type", "sha256"}],
                        "state", "meta", "created", "updated"}]}],
     "attachments": {"<sha256>": "<the content, base64>"}}

Each attachment's content is in the file once, under its SHA-256, however many messages carry
it; an import checks every content against its hash. An export without "attachments" (made
before they existed) imports as messages without any.

Every branch is kept; importing the file back gives the same conversations field for field.
Metadata passes through `history.scrub` on the way out and in, so no key travels.
Markdown shows the branch on screen (the conversation's leaf), naming each message's version
(``version 2 of 3``) where there are several; reasoning and tool calls only when asked.
Attachments are named in Markdown, not included.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import cast

from desktop_chat.core.attachment import human_size
from desktop_chat.core.conversation import (
    Attachment,
    Message,
    Role,
    ThinkingBlock,
    ToolCall,
    ToolResult,
)
from desktop_chat.i18n import N_, _
from desktop_chat.storage.history import (
    ConversationInfo,
    HistoryStore,
    State,
    StoredMessage,
    scrub,
)
from desktop_chat.storage.history_schema import HistoryError

FORMAT = "desktop-chat-history"
VERSION = 1
_STATES = ("complete", "streaming", "interrupted")
# Markdown's words, translated where they are written (see `markdown`).
_ROLES = {"user": N_("User"), "assistant": N_("Assistant"), "tool": N_("Tool")}
_STATE_WORDS = {"streaming": N_("streaming"), "interrupted": N_("interrupted")}


def export_json(store: HistoryStore, ids: Iterable[str]) -> dict[str, object]:
    conversations = []
    contents: dict[str, str] = {}
    for conversation_id in ids:
        info = store.conversation(conversation_id)
        if info is None:
            raise HistoryError(f"no conversation {conversation_id} in the history")
        messages = store.messages(conversation_id)
        conversations.append(_conversation_json(info, messages))
        for stored in messages:
            for attachment in stored.message.attachments:
                digest = attachment.sha256
                if digest not in contents:
                    contents[digest] = base64.b64encode(attachment.data).decode("ascii")
    document: dict[str, object] = {
        "format": FORMAT, "version": VERSION, "conversations": conversations
    }  # fmt: skip
    if contents:
        document["attachments"] = contents
    return document


def all_ids(store: HistoryStore) -> list[str]:
    ids: list[str] = []
    for _page in range(1_000_000):  # pages of 1,000, bounded
        page = store.conversations(limit=1000, offset=len(ids))
        ids.extend(info.id for info in page)
        if len(page) < 1000:
            break
    return ids


def import_json(store: HistoryStore, document: object) -> tuple[int, int]:
    """Add the conversations of an export; return (added, skipped as already present)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise HistoryError(
            'not a desktop-chat history export (no "format": "desktop-chat-history")'
        )
    if not isinstance(document.get("version"), int) or document["version"] > VERSION:
        raise HistoryError(
            f"the export is version {document.get('version')!r}; this version reads up to {VERSION}"
        )
    conversations = document.get("conversations")
    if not isinstance(conversations, list):
        raise HistoryError('the export has no "conversations" list')
    contents = _contents(document.get("attachments", {}))
    parsed = []
    for index, item in enumerate(conversations):
        try:
            parsed.append(_parse_conversation(item, contents))
        except (KeyError, TypeError, ValueError) as exc:
            raise HistoryError(
                f"conversation {index + 1} of the export is not valid: {exc!r}"
            ) from exc
    added = sum(store.insert_conversation(info, messages) for info, messages in parsed)
    return added, len(parsed) - added


def _contents(value: object) -> dict[str, bytes]:
    """The export's attachment contents by hash, each checked against its hash."""
    if not isinstance(value, dict):
        raise HistoryError('the export\'s "attachments" is not an object')
    contents: dict[str, bytes] = {}
    for digest, text in value.items():
        try:
            data = base64.b64decode(_str(text), validate=True)
        except (TypeError, binascii.Error) as exc:
            raise HistoryError(f"attachment {digest} of the export is not base64: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise HistoryError(f"attachment {digest} of the export does not match its hash")
        contents[digest] = data
    return contents


def _conversation_json(info: ConversationInfo, messages: list[StoredMessage]) -> dict[str, object]:
    return {
        "id": info.id, "title": info.title, "title_set": info.title_set, "pinned": info.pinned,
        "system": info.system, "created": info.created, "updated": info.updated,
        "leaf_id": info.leaf_id, "messages": [_message_json(m) for m in messages],
    }  # fmt: skip


def _message_json(stored: StoredMessage) -> dict[str, object]:
    m = stored.message
    return {
        "id": stored.id, "parent_id": stored.parent_id, "role": m.role, "text": m.text,
        "reasoning": m.reasoning, "reasoning_signature": m.reasoning_signature,
        "thinking_blocks": [
            {"text": b.text, "signature": b.signature, "redacted_data": b.redacted_data}
            for b in m.thinking_blocks
        ],
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in m.tool_calls
        ],
        "tool_results": [
            {"call_id": r.call_id, "content": r.content, "is_error": r.is_error}
            for r in m.tool_results
        ],
        "attachments": [
            {"name": a.name, "media_type": a.media_type, "sha256": a.sha256}
            for a in m.attachments
        ],
        "state": stored.state, "meta": scrub(stored.meta),
        "created": stored.created, "updated": stored.updated,
    }  # fmt: skip


def _parse_conversation(
    item: object, contents: dict[str, bytes]
) -> tuple[ConversationInfo, list[StoredMessage]]:
    data = _object(item)
    messages = [
        _parse_message(str(data["id"]), m, contents) for m in cast(list[object], data["messages"])
    ]
    info = ConversationInfo(
        _str(data["id"]), _str(data["title"]), bool(data["title_set"]), bool(data["pinned"]),
        _str(data["system"]), _num(data["created"]), _num(data["updated"]),
        None if data["leaf_id"] is None else _str(data["leaf_id"]), len(messages),
    )  # fmt: skip
    return info, messages


def _parse_message(conversation_id: str, item: object, contents: dict[str, bytes]) -> StoredMessage:
    d = _object(item)
    role = _str(d["role"])
    state = _str(d["state"])
    if role not in ("user", "assistant", "tool") or state not in _STATES:
        raise ValueError(f"role {role!r} or state {state!r}")
    message = Message(
        cast(Role, role),
        text=_str(d["text"]),
        reasoning=_str(d["reasoning"]),
        reasoning_signature=_str(d["reasoning_signature"]),
        thinking_blocks=tuple(
            ThinkingBlock(_str(b["text"]), _str(b["signature"]), _str(b["redacted_data"]))
            for b in map(_object, _list(d["thinking_blocks"]))
        ),
        tool_calls=[
            ToolCall(_str(c["id"]), _str(c["name"]), _str(c["arguments"]))
            for c in map(_object, _list(d["tool_calls"]))
        ],
        tool_results=[
            ToolResult(_str(r["call_id"]), _str(r["content"]), bool(r["is_error"]))
            for r in map(_object, _list(d["tool_results"]))
        ],
        attachments=tuple(
            Attachment(_str(a["name"]), _str(a["media_type"]), contents[_str(a["sha256"])])
            for a in map(_object, _list(d.get("attachments", [])))
        ),
    )
    parent = d["parent_id"]
    return StoredMessage(
        _str(d["id"]), conversation_id, None if parent is None else _str(parent), message,
        cast(State, state), _num(d["created"]), _num(d["updated"]), _object(d["meta"]),
    )  # fmt: skip


def _object(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _num(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def markdown(store: HistoryStore, conversation_id: str, *, details: bool = False) -> str:
    """The branch on screen as Markdown; `details` adds reasoning, tool calls and results.

    Its words are in the current language: the window's, so an export made there reads in it;
    English in the terminal, which never sets one.
    """
    info = store.conversation(conversation_id)
    if info is None:
        raise HistoryError(f"no conversation {conversation_id} in the history")
    lines = [f"# {info.title or _('Untitled')}", ""]
    lines.append(f"_{datetime.fromtimestamp(info.created).strftime('%Y-%m-%d %H:%M')}_")
    if info.system:
        lines += ["", f"**{_('System:')}** {info.system}"]
    for stored in store.path(info.leaf_id) if info.leaf_id else []:
        m = stored.message
        heading = _(_ROLES[m.role])
        model = stored.meta.get("model")
        if m.role == "assistant" and isinstance(model, str) and model:
            heading = _("{role} ({model})").format(role=heading, model=model)
        ids, index = store.siblings(stored.id)
        if len(ids) > 1:
            heading += " — " + _("version {n} of {total}").format(n=index + 1, total=len(ids))
        if stored.state != "complete":
            heading += " — " + _(_STATE_WORDS[stored.state])
        lines += ["", f"## {heading}", ""]
        if details and m.reasoning:
            lines += ["> " + line for line in m.reasoning.splitlines()] + [""]
        if m.text:
            lines.append(m.text)
        if m.attachments:
            lines += [""] + [
                "- "
                + _("Attached: {name} ({media_type}, {size})").format(
                    name=a.name, media_type=a.media_type, size=human_size(a.size)
                )
                for a in m.attachments
            ]
        if details:
            for call in m.tool_calls:
                label = _("Tool call {name}:").format(name=f"`{call.name}`")
                lines += ["", label, "```json", call.arguments, "```"]
            for result in m.tool_results:
                label = _("Tool error:") if result.is_error else _("Tool result:")
                lines += ["", label, "```", result.content, "```"]
        error = stored.meta.get("error")
        if isinstance(error, dict) and error.get("message"):
            lines += ["", "_" + _("Error: {message}").format(message=error["message"]) + "_"]
    return "\n".join(lines).rstrip() + "\n"


def dumps(document: dict[str, object]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
