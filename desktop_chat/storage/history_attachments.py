"""Attachments in the history: each content stored once, linked to the messages that carry it.

The tables are in `history_schema` (version 2). A message's attachments are written in the
same transaction as the message (`save`) and read back for many messages in one query (`load`).
Only originals are stored: what a provider was sent (a downscaled image) is made again per
request and never kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from desktop_chat.core.conversation import Attachment

_CHUNK = 500  # message ids per query, well below SQLite's limit of bound parameters


def save(db: sqlite3.Connection, message_id: str, attachments: Sequence[Attachment]) -> None:
    """Link `attachments` to `message_id`, adding each content not already stored."""
    for position, attachment in enumerate(attachments):
        digest = attachment.sha256
        db.execute(
            "INSERT OR IGNORE INTO attachment_blobs (sha256, size, data) VALUES (?, ?, ?)",
            (digest, attachment.size, attachment.data),
        )
        db.execute(
            "INSERT INTO message_attachments (message_id, position, name, media_type, sha256)"
            " VALUES (?, ?, ?, ?, ?)",
            (message_id, position, attachment.name, attachment.media_type, digest),
        )


def load(db: sqlite3.Connection, message_ids: Sequence[str]) -> dict[str, tuple[Attachment, ...]]:
    """The attachments of those of `message_ids` that have any, each in its order."""
    found: dict[str, list[Attachment]] = {}
    for start in range(0, len(message_ids), _CHUNK):
        chunk = message_ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT a.message_id, a.name, a.media_type, b.data FROM message_attachments a"
            " JOIN attachment_blobs b ON b.sha256 = a.sha256"
            f" WHERE a.message_id IN ({marks}) ORDER BY a.message_id, a.position",
            tuple(chunk),
        ).fetchall()
        for message_id, name, media_type, data in rows:
            found.setdefault(message_id, []).append(Attachment(name, media_type, bytes(data)))
    return {message_id: tuple(items) for message_id, items in found.items()}


def blob_count(db: sqlite3.Connection) -> int:
    """How many distinct contents are stored (for tests and `history` statistics)."""
    return int(db.execute("SELECT count(*) FROM attachment_blobs").fetchone()[0])
