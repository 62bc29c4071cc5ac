"""Open the conversation database (SQLite, WAL) and bring its schema up to date.

The schema version is ``PRAGMA user_version``. ``MIGRATIONS[n]`` turns a version-n database
into a version-(n + 1) one inside one transaction; a new file is version 0, so creating the
schema is the first step like any other, and the next schema change is one more entry.

- A database written by a newer version is refused (:class:`HistoryVersionError`) and left
  untouched: nothing is written to it.
- A file that is not a usable database is renamed to ``history.sqlite3.damaged-STAMP`` (never
  deleted) with its ``-wal`` and ``-shm`` files, a new database is started, and
  :attr:`OpenedHistory.notice` says so once, for the caller to show.

Errors::

    HistoryError (Exception)      the history cannot be used; the message is for a person
    └── HistoryVersionError       the file was written by a newer version; it is left as it is
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_chat.storage.aside import aside_name

Migration = Callable[[sqlite3.Connection], None]

CURRENT_VERSION = 3

_V1 = """
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    title_set INTEGER NOT NULL DEFAULT 0,   -- 1 once the person renamed it
    pinned INTEGER NOT NULL DEFAULT 0,
    system TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL,
    leaf_id TEXT                            -- the branch shown: its last message
);
CREATE INDEX conversations_by_recency ON conversations (pinned DESC, updated DESC);
CREATE TABLE messages (
    n INTEGER PRIMARY KEY,                  -- stable rowid, shared with message_search
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
    text TEXT NOT NULL DEFAULT '',
    reasoning TEXT NOT NULL DEFAULT '',
    reasoning_signature TEXT NOT NULL DEFAULT '',
    thinking_blocks TEXT NOT NULL DEFAULT '[]',  -- JSON [{"text", "signature", "redacted_data"}]
    tool_calls TEXT NOT NULL DEFAULT '[]',       -- JSON [{"id", "name", "arguments"}], raw args
    tool_results TEXT NOT NULL DEFAULT '[]',     -- JSON [{"call_id", "content", "is_error"}]
    state TEXT NOT NULL CHECK (state IN ('complete', 'streaming', 'interrupted')),
    writer_pid INTEGER,                     -- the process writing a streaming answer
    meta TEXT NOT NULL DEFAULT '{}',        -- JSON: endpoint, model, options, usage, timings, ...
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, n);
CREATE INDEX messages_by_parent ON messages (parent_id);
CREATE INDEX messages_streaming ON messages (state) WHERE state = 'streaming';
-- The text as indexed: CJK characters split apart (see history_search), so a query of any
-- length finds them; filled when a message is complete or interrupted, not per append.
CREATE VIRTUAL TABLE message_search USING fts5 (body, tokenize = 'unicode61');
CREATE TRIGGER messages_unindex AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.n;
END;
"""


# Attachments: each content once (`attachment_blobs`, by its SHA-256), linked to the messages
# that carry it in their order. A blob goes when its last link does (the trigger), and a link
# when its message does (the cascade), so deleting conversations frees their files.
_V2 = """
CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,                -- hex, of `data`
    size INTEGER NOT NULL,
    data BLOB NOT NULL                      -- the original bytes, never a downscaled copy
);
CREATE TABLE message_attachments (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES attachment_blobs (sha256),
    PRIMARY KEY (message_id, position)
);
CREATE INDEX message_attachments_by_blob ON message_attachments (sha256);
CREATE TRIGGER attachment_blobs_unused AFTER DELETE ON message_attachments BEGIN
    DELETE FROM attachment_blobs WHERE sha256 = old.sha256
        AND NOT EXISTS (SELECT 1 FROM message_attachments WHERE sha256 = old.sha256);
END;
"""


# A streaming answer's text as it arrives, one row per batch (`HistoryStore.append`), joined
# into its message when it ends: appending to the message's own text would write the whole
# answer so far again with every batch (154 MB written for a 205 KB answer in 700 batches).
_V3 = """
CREATE TABLE streamed (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    reasoning TEXT NOT NULL
);
CREATE INDEX streamed_by_message ON streamed (message_id);
"""


def _statements(script: str) -> list[str]:
    """Split a script into statements (a trigger's body holds semicolons of its own)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements


def _to_v1(db: sqlite3.Connection) -> None:
    # Statement by statement: executescript would commit the migration's transaction first.
    for statement in _statements(_V1):
        db.execute(statement)


def _to_v2(db: sqlite3.Connection) -> None:
    for statement in _statements(_V2):
        db.execute(statement)


def _to_v3(db: sqlite3.Connection) -> None:
    for statement in _statements(_V3):
        db.execute(statement)


MIGRATIONS: dict[int, Migration] = {0: _to_v1, 1: _to_v2, 2: _to_v3}


class HistoryError(Exception):
    """The history cannot be opened or written; the message is for a person."""


class HistoryVersionError(HistoryError):
    """The database was written by a newer version of the app; it is left untouched."""


@dataclass(frozen=True, slots=True)
class OpenedHistory:
    db: sqlite3.Connection
    notice: str | None = None  # said once: a damaged file was kept aside


def connect(
    path: Path,
    *,
    migrations: Mapping[int, Migration] = MIGRATIONS,
    target: int = CURRENT_VERSION,
    now: datetime | None = None,
) -> OpenedHistory:
    """Open (creating if needed) and migrate the database at `path`. Raises HistoryError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(f"cannot create {path.parent}: {exc.strerror or exc}") from exc
    try:
        return OpenedHistory(_open(path, migrations, target))
    except HistoryError:
        raise
    except sqlite3.OperationalError as exc:
        if _busy(exc):
            raise HistoryError(f"the history file {path} is busy: {exc}") from exc
        reason = str(exc)
    except sqlite3.DatabaseError as exc:
        reason = str(exc)
    aside = _set_aside(path, now)
    notice = (
        f"the history file {path} could not be read ({reason}); it was kept as {aside.name} "
        "and a new history was started"
    )
    try:
        return OpenedHistory(_open(path, migrations, target), notice)
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"cannot start a new history at {path}: {exc}") from exc


def _open(path: Path, migrations: Mapping[int, Migration], target: int) -> sqlite3.Connection:
    if not path.exists():
        # Conversations are private: the file is made readable by its owner alone, and SQLite
        # gives its -wal and -shm files the same mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    # Autocommit: every write below is its own transaction or an explicit BEGIN ... COMMIT.
    db = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > target:
            raise HistoryVersionError(
                f"the history file {path} was written by a newer version of desktop-chat "
                f"(schema {version}, this one reads up to {target}); it was left as it is"
            )
        db.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a commit survives the process being killed; only a power cut may lose
        # the last commits, never corrupt the file.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    try:
        _migrate(db, version, migrations, target)
    except sqlite3.Error as exc:
        db.close()
        raise HistoryError(
            f"the history file {path} could not be updated to schema {target}: {exc}; "
            "it was left as it was"
        ) from exc
    except BaseException:
        db.close()
        raise
    return db


def _migrate(
    db: sqlite3.Connection, version: int, migrations: Mapping[int, Migration], target: int
) -> None:
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise HistoryError(f"no migration from history schema {version}")
        db.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        version += 1


def _busy(exc: sqlite3.OperationalError) -> bool:
    # The low byte is the primary result code; extended codes (SQLITE_BUSY_SNAPSHOT, ...) add to it.
    return (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _set_aside(path: Path, now: datetime | None) -> Path:
    aside = aside_name(path, "damaged", now)
    try:
        os.replace(path, aside)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
    except OSError as exc:
        raise HistoryError(f"the history file {path} cannot be read nor kept aside: {exc}") from exc
    return aside
