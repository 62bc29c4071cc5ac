"""The conversation history: conversations whose messages form a tree, written as they stream.

Each message has a parent; regenerating an answer or editing a question adds a sibling, so the
earlier versions stay. A conversation remembers the leaf it shows (`leaf_id`); `path` gives the
messages from the root to a leaf, `siblings` the versions of one message with its index (the
window's ``‹ 2/3 ›``).

Streaming: the question is committed (`add_message`) before the request goes out; the answer
starts empty (`start_answer`, state "streaming"), grows by `append` (the caller batches deltas,
every ~150 ms), and ends with `finish` (complete or interrupted). An answer left "streaming" by
a process that no longer runs is marked interrupted when the store is opened. Each batch is a
row of its own (table `streamed`), read after the message's text until the answer ends and is
written whole: SQLite writes a changed row whole, so appending to the message's text wrote the
answer so far again with every batch (late in a 205 KB answer 0.4-0.6 ms and 400 KB written per
batch, 154 MB in all, and stalls of 30-150 ms as the disk caught up).

Search index behind: `finish(index_later=True)` writes the answer but leaves its full-text entry
for `catch_up`, which the window runs once the answer is drawn. FTS5 tokenizes and commits a long
answer's entry in one go (5-18 ms for 185 KB here, most of it the commit's segment flush and
merge), and at the answer's end that lands in the frame that draws it. Every search catches up
first, so a search never misses an answer; a process killed before catching up leaves the entry
to the next `open`, which indexes the last RECHECK messages that lack one.

No key is ever written: metadata (options, headers) goes through `scrub`, which drops fields
whose name suggests a credential and values that look like one. The schema and its migrations
are in `history_schema`; export and import in `history_export`.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from desktop_chat import paths
from desktop_chat.core.conversation import Message, Role, ThinkingBlock, ToolCall, ToolResult
from desktop_chat.storage import history_attachments
from desktop_chat.storage.history_schema import HistoryError, connect
from desktop_chat.storage.history_search import indexed, match_query, shown
from desktop_chat.storage.validation import SECRET_VALUE, looks_secret

State = Literal["complete", "streaming", "interrupted"]
Meta = dict[str, object]
TITLE_CHARS = 60
ORPHAN_AFTER = 60.0  # seconds without a write, where a process cannot be asked
log = logging.getLogger(__name__)
RECHECK = 100  # newest messages checked for a missing search entry on open (see above)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: str
    conversation_id: str
    parent_id: str | None
    message: Message
    state: State
    created: float
    updated: float
    meta: Meta = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    id: str
    title: str
    title_set: bool
    pinned: bool
    system: str
    created: float
    updated: float
    leaf_id: str | None
    messages: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    conversation_id: str
    message_id: str
    title: str
    snippet: str


def scrub(value: object) -> object:
    """A copy of `value` (parsed JSON) without credentials: no key-looking value, and no text
    under a secret-sounding name (a number there is a count: "max_tokens", "input_tokens")."""
    if isinstance(value, dict):
        return {
            str(k): scrub(v)
            for k, v in value.items()
            if not _key(v) and not (looks_secret(str(k)) and not _count(v))
        }
    if isinstance(value, list):
        return [scrub(v) for v in value if not _key(v)]
    return value


def _count(value: object) -> bool:
    return value is None or isinstance(value, int | float)


def _key(value: object) -> bool:
    return isinstance(value, str) and SECRET_VALUE.match(value) is not None


class HistoryStore:
    """One open history database. Every method commits before it returns; raises HistoryError."""

    def __init__(self, db: sqlite3.Connection, notice: str | None = None) -> None:
        self._db = db
        self.notice = notice
        # Finished answers whose search entry is still to be written: rowid -> prepared text.
        self._behind: dict[int, tuple[str, str | None]] = {}
        self.streaming: set[str] = set()  # answers this process is writing
        self._settle_orphans()
        self._index_missing()

    @classmethod
    def open(cls, path: Path | None = None) -> HistoryStore:
        opened = connect(path or paths.history_path())
        return cls(opened.db, opened.notice)

    @property
    def file(self) -> Path:
        """The database file: for a second store in another thread, as `ask` runs beside it."""
        return Path(self._db.execute("PRAGMA database_list").fetchone()[2])

    def close(self) -> None:
        try:
            self.catch_up()
        except HistoryError as exc:  # written by the next open instead (RECHECK)
            log.warning("the search index could not catch up: %s", exc)
        finally:
            self._db.close()

    @property
    def behind(self) -> int:
        """How many finished answers still wait for their search entry."""
        return len(self._behind)

    def catch_up(self) -> None:
        """Write the search entries `finish(index_later=True)` left behind."""
        if not self._behind:
            return
        with self._write() as db:
            for n, (message_id, searchable) in self._behind.items():
                row = db.execute(
                    "SELECT text, tool_results FROM messages WHERE n = ? AND id = ?",
                    (n, message_id),
                ).fetchone()
                if row is not None:  # else deleted meanwhile
                    # Another process opening the file may have indexed it already (RECHECK).
                    db.execute("DELETE FROM message_search WHERE rowid = ?", (n,))
                    message = Message(
                        "assistant", text=str(row[0]), tool_results=_results(_loads(row[1]))
                    )
                    _index(db, n, message, searchable)
        self._behind.clear()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot write the history: {exc}") from exc

    # -- conversations -------------------------------------------------------------------

    def create_conversation(self, system: str = "", *, title: str = "") -> str:
        conversation_id = uuid.uuid4().hex
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO conversations (id, title, title_set, system, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, title, int(bool(title)), system, now, now),
            )
        return conversation_id

    def conversations(
        self, *, limit: int = 100, offset: int = 0, search: str | None = None
    ) -> list[ConversationInfo]:
        """Pinned first, then the most recently updated; with `search`, those with a match."""
        where, params = "", ()  # type: tuple[str, tuple[object, ...]]
        if search is not None:
            query = match_query(search)
            if query is None:
                return []
            self.catch_up()
            where = (
                "WHERE c.id IN (SELECT m.conversation_id FROM message_search s"
                " JOIN messages m ON m.n = s.rowid WHERE message_search MATCH ?)"
            )
            params = (query,)
        rows = self._read(
            "SELECT c.id, c.title, c.title_set, c.pinned, c.system, c.created, c.updated,"
            " c.leaf_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
            f" FROM conversations c {where} ORDER BY c.pinned DESC, c.updated DESC"
            " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_info(row) for row in rows]

    def conversation(self, conversation_id: str) -> ConversationInfo | None:
        rows = self._read(
            "SELECT c.id, c.title, c.title_set, c.pinned, c.system, c.created, c.updated,"
            " c.leaf_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
            " FROM conversations c WHERE c.id = ?",
            (conversation_id,),
        )
        return _info(rows[0]) if rows else None

    def latest(self) -> ConversationInfo | None:
        """The conversation changed last, pinned or not (the one a returning person left)."""
        rows = self._read(
            "SELECT c.id, c.title, c.title_set, c.pinned, c.system, c.created, c.updated,"
            " c.leaf_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
            " FROM conversations c ORDER BY c.updated DESC LIMIT 1"
        )
        return _info(rows[0]) if rows else None

    def find(self, prefix: str) -> list[str]:
        """The ids that start with `prefix` (a person types the first few characters)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._read(
            "SELECT id FROM conversations WHERE id LIKE ? ESCAPE '\\' LIMIT 10", (escaped + "%",)
        )
        return [str(row[0]) for row in rows]

    def rename(self, conversation_id: str, title: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE conversations SET title = ?, title_set = 1 WHERE id = ?",
                (title, conversation_id),
            )

    def pin(self, conversation_id: str, pinned: bool = True) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE conversations SET pinned = ? WHERE id = ?", (int(pinned), conversation_id)
            )

    def delete(self, conversation_id: str) -> bool:
        with self._write() as db:
            # Children first is not needed: the foreign keys cascade, the trigger unindexes.
            cursor = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cursor.rowcount > 0

    def delete_message(self, message_id: str) -> None:
        """Delete a message and every message below it (a failed answer replaced by a retry).

        The conversation then shows the branch down to the deleted message's parent.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT conversation_id, parent_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return
            db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            db.execute("UPDATE conversations SET leaf_id = ? WHERE id = ?", (row[1], row[0]))

    def select_leaf(self, conversation_id: str, message_id: str) -> None:
        """Show the branch through `message_id`, down to its newest last descendant."""
        leaf = message_id
        for _ in range(1_000_000):
            rows = self._read(
                "SELECT id FROM messages WHERE parent_id = ? ORDER BY n DESC LIMIT 1", (leaf,)
            )
            if not rows:
                break
            leaf = str(rows[0][0])
        with self._write() as db:
            db.execute("UPDATE conversations SET leaf_id = ? WHERE id = ?", (leaf, conversation_id))

    # -- messages ------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        parent_id: str | None,
        message: Message,
        *,
        state: State = "complete",
        meta: Meta | None = None,
        message_id: str | None = None,
        created: float | None = None,
    ) -> str:
        """Commit one message under `parent_id` and make it the conversation's leaf."""
        message_id = message_id or uuid.uuid4().hex
        now = time.time() if created is None else created
        pid = os.getpid() if state == "streaming" else None
        if state == "streaming":
            self.streaming.add(message_id)
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, text, reasoning,"
                " reasoning_signature, thinking_blocks, tool_calls, tool_results, state,"
                " writer_pid, meta, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id, conversation_id, parent_id, message.role, message.text,
                    message.reasoning, message.reasoning_signature,
                    _dumps([_block_json(b) for b in message.thinking_blocks]),
                    _dumps([_call_json(c) for c in message.tool_calls]),
                    _dumps([_result_json(r) for r in message.tool_results]),
                    state, pid, _dumps(scrub(meta or {})), now, now,
                ),
            )  # fmt: skip
            if message.attachments:
                history_attachments.save(db, message_id, message.attachments)
            if state != "streaming":
                _index(db, cursor.lastrowid, message)
            db.execute(
                "UPDATE conversations SET leaf_id = ?, updated = max(updated, ?) WHERE id = ?",
                (message_id, now, conversation_id),
            )
            if message.role == "user" and parent_id is None:
                db.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title_set = 0",
                    (make_title(message.text or _names(message)), conversation_id),
                )
        return message_id

    def start_answer(self, conversation_id: str, parent_id: str, meta: Meta | None = None) -> str:
        """An empty assistant message in state "streaming", to `append` to as it arrives."""
        return self.add_message(
            conversation_id, parent_id, Message("assistant"), state="streaming", meta=meta
        )

    def append(self, message_id: str, text: str = "", reasoning: str = "") -> None:
        """Add a batch of streamed text (and reasoning) to a streaming answer.

        Writes the batch alone, whatever the length of the answer so far (see the module's
        docstring); nothing if the answer was deleted meanwhile.
        """
        with self._write() as db:
            db.execute(
                "INSERT INTO streamed (message_id, text, reasoning)"
                " SELECT id, ?, ? FROM messages WHERE id = ?",
                (text, reasoning, message_id),
            )
            # The row holds no text while it streams: rewriting it is cheap.
            db.execute("UPDATE messages SET updated = ? WHERE id = ?", (time.time(), message_id))

    def restart(self, message_id: str) -> None:
        """Empty a streaming answer again: a retry voided what had arrived."""
        with self._write() as db:
            db.execute("DELETE FROM streamed WHERE message_id = ?", (message_id,))
            db.execute(
                "UPDATE messages SET text = '', reasoning = '', updated = ? WHERE id = ?",
                (time.time(), message_id),
            )

    def finish(
        self,
        message_id: str,
        message: Message,
        state: State,
        meta: Meta | None = None,
        *,
        searchable: str | None = None,
        index_later: bool = False,
    ) -> None:
        """Store the answer as it ended, with `meta` (usage, stop reason, error...) merged in.

        `searchable` is the message's text already prepared for the search index (`indexed`),
        when the caller made it piece by piece as the answer streamed: a long answer's text then
        needs no pass at its end, on the caller's (the window's) thread. With `index_later` the
        search entry waits for `catch_up` (see the module's docstring).
        """
        now = time.time()
        self.streaming.discard(message_id)
        with self._write() as db:
            row = db.execute(
                "SELECT n, meta, conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise HistoryError(f"no message {message_id} in the history")
            merged = {**json.loads(row[1]), **cast(Meta, scrub(meta or {}))}
            db.execute(
                "UPDATE messages SET text = ?, reasoning = ?, reasoning_signature = ?,"
                " thinking_blocks = ?, tool_calls = ?, tool_results = ?, state = ?,"
                " writer_pid = NULL, meta = ?, updated = ? WHERE id = ?",
                (
                    message.text, message.reasoning, message.reasoning_signature,
                    _dumps([_block_json(b) for b in message.thinking_blocks]),
                    _dumps([_call_json(c) for c in message.tool_calls]),
                    _dumps([_result_json(r) for r in message.tool_results]),
                    state, _dumps(merged), now, message_id,
                ),
            )  # fmt: skip
            db.execute("DELETE FROM streamed WHERE message_id = ?", (message_id,))
            db.execute("DELETE FROM message_search WHERE rowid = ?", (row[0],))
            if index_later:
                self._behind[row[0]] = (message_id, searchable)
            else:
                self._behind.pop(row[0], None)
                _index(db, row[0], message, searchable)
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, row[2]))

    def insert_conversation(
        self, info: ConversationInfo, messages: Sequence[StoredMessage]
    ) -> bool:
        """Add a whole conversation as it was (an import); False if its id is already here."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM conversations WHERE id = ?", (info.id,)).fetchone():
                return False
            db.execute(
                "INSERT INTO conversations (id, title, title_set, pinned, system, created,"
                " updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (info.id, info.title, int(info.title_set), int(info.pinned), info.system,
                 info.created, info.updated),
            )  # fmt: skip
            for stored in messages:
                m = stored.message
                cursor = db.execute(
                    "INSERT INTO messages (id, conversation_id, parent_id, role, text, reasoning,"
                    " reasoning_signature, thinking_blocks, tool_calls, tool_results, state,"
                    " meta, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        stored.id, info.id, stored.parent_id, m.role, m.text, m.reasoning,
                        m.reasoning_signature,
                        _dumps([_block_json(b) for b in m.thinking_blocks]),
                        _dumps([_call_json(c) for c in m.tool_calls]),
                        _dumps([_result_json(r) for r in m.tool_results]),
                        "interrupted" if stored.state == "streaming" else stored.state,
                        _dumps(scrub(stored.meta)), stored.created, stored.updated,
                    ),
                )  # fmt: skip
                if m.attachments:
                    history_attachments.save(db, stored.id, m.attachments)
                _index(db, cursor.lastrowid, m)
            db.execute("UPDATE conversations SET leaf_id = ? WHERE id = ?", (info.leaf_id, info.id))
        return True

    def message(self, message_id: str) -> StoredMessage | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (message_id,))
        return self._attached([_stored(rows[0])])[0] if rows else None

    def messages(self, conversation_id: str) -> list[StoredMessage]:
        """Every message of the conversation, all branches, oldest first."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY n",
            (conversation_id,),
        )
        return self._attached([_stored(row) for row in rows])

    def path(self, leaf_id: str) -> list[StoredMessage]:
        """The messages from the root down to `leaf_id`."""
        rows = self._read(
            "WITH RECURSIVE up (mid, pid, depth) AS ("
            " SELECT id, parent_id, 0 FROM messages WHERE id = ?"
            " UNION ALL SELECT m.id, m.parent_id, up.depth + 1 FROM messages m"
            " JOIN up ON m.id = up.pid)"
            f" SELECT {_COLUMNS} FROM up JOIN messages ON messages.id = up.mid"
            " ORDER BY up.depth DESC",
            (leaf_id,),
        )
        return self._attached([_stored(row) for row in rows])

    def siblings(self, message_id: str) -> tuple[list[str], int]:
        """The versions of a message (same parent, oldest first) and its index among them."""
        rows = self._read(
            "SELECT s.id FROM messages m JOIN messages s ON s.conversation_id = m.conversation_id"
            " AND s.parent_id IS m.parent_id WHERE m.id = ? ORDER BY s.n",
            (message_id,),
        )
        ids = [str(row[0]) for row in rows]
        return ids, ids.index(message_id) if message_id in ids else -1

    def search(
        self, text: str, *, limit: int = 50, offset: int = 0, mark: tuple[str, str] = ("[", "]")
    ) -> list[SearchHit]:
        """Messages matching every word of `text`, newest first; `offset` pages through them."""
        query = match_query(text)
        if query is None:
            return []
        self.catch_up()
        rows = self._read(
            # Newest first, in FTS5's own rowid order (= messages.n): no sort over every match.
            "SELECT m.conversation_id, m.id, c.title,"
            " snippet(message_search, 0, ?, ?, '…', 12)"
            " FROM message_search s JOIN messages m ON m.n = s.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE message_search MATCH ? ORDER BY s.rowid DESC LIMIT ? OFFSET ?",
            (*mark, query, limit, offset),
        )
        return [SearchHit(str(r[0]), str(r[1]), str(r[2]), shown(str(r[3]))) for r in rows]

    def _attached(self, stored: list[StoredMessage]) -> list[StoredMessage]:
        """`stored`, its user messages given their attachments (history_attachments)."""
        ids = [item.id for item in stored if item.message.role == "user"]
        if not ids:
            return stored
        try:
            found = history_attachments.load(self._db, ids)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot read the history: {exc}") from exc
        for item in stored:
            if item.id in found:
                item.message.attachments = found[item.id]
        return stored

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        try:
            return list(self._db.execute(sql, params).fetchall())
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot read the history: {exc}") from exc

    def _settle_orphans(self) -> None:
        """Mark interrupted the answers whose writing process is gone (killed, crashed)."""
        rows = self._read("SELECT id, writer_pid, updated FROM messages WHERE state = 'streaming'")
        gone = [str(row[0]) for row in rows if not _alive(row[1], cast(float, row[2]))]
        if gone:
            with self._write() as db:
                db.executemany(
                    f"UPDATE messages SET text = {_SO_FAR.format('text')},"
                    f" reasoning = {_SO_FAR.format('reasoning')},"
                    " state = 'interrupted', writer_pid = NULL WHERE id = ?",
                    [(message_id,) for message_id in gone],
                )
                db.executemany("DELETE FROM streamed WHERE message_id = ?", [(m,) for m in gone])
                for message_id in gone:
                    n, text = db.execute(
                        "SELECT n, text FROM messages WHERE id = ?", (message_id,)
                    ).fetchone()
                    _index(db, n, Message("assistant", text=text))

    def _index_missing(self) -> None:
        """Index the newest messages that lack a search entry (left behind by a killed process)."""
        rows = self._read(
            "SELECT n, role, text, tool_results FROM messages"
            " WHERE n > (SELECT coalesce(max(n), 0) FROM messages) - ? AND state != 'streaming'"
            " AND n NOT IN (SELECT rowid FROM message_search WHERE rowid > ("
            "  SELECT coalesce(max(n), 0) FROM messages) - ?)",
            (RECHECK, RECHECK),
        )
        missing = []
        for n, role, text, results in rows:
            message = Message(
                cast(Role, role), text=str(text), tool_results=_results(_loads(results))
            )
            if message.text or message.tool_results:
                missing.append((int(cast(int, n)), message))
        if not missing:
            return
        try:
            with self._write() as db:
                for n, message in missing:
                    db.execute("DELETE FROM message_search WHERE rowid = ?", (n,))  # a race
                    _index(db, n, message)
        except HistoryError as exc:  # another process holds the file: the next open tries again
            log.warning("the search index could not catch up: %s", exc)


def _names(message: Message) -> str:
    """A question of attachments alone is titled by their names."""
    return ", ".join(attachment.name for attachment in message.attachments)


def make_title(text: str) -> str:
    """The first line of the first question, cut at a word near TITLE_CHARS."""
    line = " ".join(text.split())
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0] if " " in line[:TITLE_CHARS] else line[:TITLE_CHARS]
    return cut + "…"


# A column of a message with what streamed into it so far (`append`): read in the same
# statement, so another process finishing the answer meanwhile cannot be seen half-way.
_SO_FAR = (
    "CASE WHEN messages.state = 'streaming' THEN messages.{0} || coalesce((SELECT"
    " group_concat(piece, '') FROM (SELECT streamed.{0} AS piece FROM streamed"
    " WHERE streamed.message_id = messages.id ORDER BY streamed.rowid)), '')"
    " ELSE messages.{0} END"
)
_COLUMNS = (
    f"id, conversation_id, parent_id, role, {_SO_FAR.format('text')},"
    f" {_SO_FAR.format('reasoning')}, reasoning_signature,"
    " thinking_blocks, tool_calls, tool_results, state, meta, created, updated"
)


def _stored(row: tuple[object, ...]) -> StoredMessage:
    blocks, calls, results = _loads(row[7]), _loads(row[8]), _loads(row[9])
    message = Message(
        cast(Role, row[3]),
        text=str(row[4]),
        reasoning=str(row[5]),
        reasoning_signature=str(row[6]),
        tool_calls=[ToolCall(c["id"], c["name"], c["arguments"]) for c in calls],
        tool_results=_results(results),
        thinking_blocks=tuple(
            ThinkingBlock(b["text"], b["signature"], b["redacted_data"]) for b in blocks
        ),
    )
    return StoredMessage(
        str(row[0]), str(row[1]), None if row[2] is None else str(row[2]), message,
        cast(State, row[10]), float(cast(float, row[12])), float(cast(float, row[13])),
        _loads(row[11]),
    )  # fmt: skip


def _results(results: list[dict[str, Any]]) -> list[ToolResult]:
    return [ToolResult(r["call_id"], r["content"], r["is_error"]) for r in results]


def _loads(value: object) -> Any:
    """Parsed JSON; most messages hold no calls, results or blocks, so skip the parser then."""
    text = str(value)
    if text == "[]":
        return []
    return {} if text == "{}" else json.loads(text)


def _info(row: tuple[object, ...]) -> ConversationInfo:
    return ConversationInfo(
        str(row[0]), str(row[1]), bool(row[2]), bool(row[3]), str(row[4]),
        float(cast(float, row[5])), float(cast(float, row[6])),
        None if row[7] is None else str(row[7]), int(cast(int, row[8])),
    )  # fmt: skip


def _index(
    db: sqlite3.Connection, n: int | None, message: Message, searchable: str | None = None
) -> None:
    if searchable is None or message.tool_results:
        body = "\n".join(
            part for part in (message.text, *(r.content for r in message.tool_results)) if part
        )
        searchable = indexed(body) if body else ""
    if searchable:
        db.execute("INSERT INTO message_search (rowid, body) VALUES (?, ?)", (n, searchable))


def _alive(pid: object, updated: float) -> bool:
    if not isinstance(pid, int):
        return False
    if sys.platform == "win32":  # os.kill would end the process: judge by the last write
        return time.time() - updated < ORPHAN_AFTER
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _block_json(block: ThinkingBlock) -> dict[str, str]:
    return {"text": block.text, "signature": block.signature, "redacted_data": block.redacted_data}


def _call_json(call: ToolCall) -> dict[str, str]:
    return {"id": call.id, "name": call.name, "arguments": call.arguments}


def _result_json(result: ToolResult) -> dict[str, object]:
    return {"call_id": result.call_id, "content": result.content, "is_error": result.is_error}
