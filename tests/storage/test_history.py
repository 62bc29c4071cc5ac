"""The history store on real SQLite files: tree, streaming writes, search, migrations, damage."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

import pytest

from desktop_chat.core.conversation import Message, ThinkingBlock, ToolCall, ToolResult
from desktop_chat.storage.history import HistoryStore, make_title
from desktop_chat.storage.history_export import all_ids, export_json, import_json, markdown
from desktop_chat.storage.history_schema import (
    CURRENT_VERSION,
    MIGRATIONS,
    HistoryError,
    HistoryVersionError,
    connect,
)

KEY = "sk-history-secret-0123456789"


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore.open(tmp_path / "history.sqlite3")


def full_assistant() -> Message:
    return Message(
        "assistant",
        text="The answer.",
        reasoning="thought one\nthought two",
        reasoning_signature="",
        tool_calls=[ToolCall("call_1", "calculator", '{"expression": "1+1"}')],
        thinking_blocks=(
            ThinkingBlock("thought one", "sig-1"),
            ThinkingBlock(redacted_data="opaque=="),
            ThinkingBlock("thought two", "sig-2"),
        ),
    )


def test_a_new_file_is_created_at_the_current_version_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.sqlite3"
    HistoryStore.open(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_file_and_its_journal_are_the_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    try:
        store.add_message(store.create_conversation(), None, Message("user", text="private"))
        journal = path.with_name(path.name + "-wal")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    finally:
        store.close()


def test_messages_survive_reopening_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    cid = store.create_conversation("be brief")
    q = store.add_message(cid, None, Message("user", text="What is 1+1?"))
    meta = {"endpoint": "Local", "model": "m", "options": {"max_tokens": 10}, "attempts": 2}
    a = store.add_message(cid, q, full_assistant(), meta=meta)
    t = store.add_message(
        cid, a, Message("tool", tool_results=[ToolResult("call_1", "2", False)]),
        meta={"approvals": {"call_1": "approved"}},
    )  # fmt: skip
    store.close()
    again = HistoryStore.open(path)
    info = again.conversation(cid)
    assert info is not None
    assert info.leaf_id == t
    assert info.system == "be brief"
    assert info.title == "What is 1+1?"
    path_ = again.path(t)
    assert [m.id for m in path_] == [q, a, t]
    assert path_[1].message == full_assistant()
    assert path_[1].meta == meta
    assert path_[2].message.tool_results == [ToolResult("call_1", "2", False)]


def test_regenerated_answers_are_siblings_with_their_index(store: HistoryStore) -> None:
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", text="hi"))
    first = store.add_message(cid, q, Message("assistant", text="one"))
    second = store.add_message(cid, q, Message("assistant", text="two"))
    third = store.add_message(cid, q, Message("assistant", text="three"))
    assert store.siblings(second) == ([first, second, third], 1)
    info = store.conversation(cid)
    assert info is not None
    assert info.leaf_id == third
    store.select_leaf(cid, first)
    info = store.conversation(cid)
    assert info is not None
    assert info.leaf_id == first
    assert [m.message.text for m in store.path(first)] == ["hi", "one"]


def test_streaming_append_finish_and_search(store: HistoryStore) -> None:
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", text="天气怎么样"))
    a = store.start_answer(cid, q, {"model": "m"})
    store.append(a, "今天天气")
    store.append(a, "很好", "think")
    partial = store.message(a)
    assert partial is not None
    assert partial.state == "streaming"
    assert partial.message.text == "今天天气很好"
    assert partial.message.reasoning == "think"
    store.finish(
        a, Message("assistant", text="今天天气很好。"), "complete", {"stop_reason": "stop"}
    )
    done = store.message(a)
    assert done is not None
    assert done.state == "complete"
    assert done.meta == {"model": "m", "stop_reason": "stop"}
    hits = store.search("天气")
    assert {h.message_id for h in hits} == {q, a}
    assert any("[天气]" in h.snippet for h in hits)
    assert [h.message_id for h in store.search("很好")] == [a]
    assert store.conversations(search="很好")[0].id == cid
    assert store.search("怎么样 天气")[0].message_id == q


def indexed_rows(store: HistoryStore) -> set[int]:
    return {row[0] for row in store._db.execute("SELECT rowid FROM message_search")}


def answered(store: HistoryStore, text: str) -> tuple[str, str]:
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", text="question"))
    a = store.start_answer(cid, q)
    store.append(a, text)
    return cid, a


def test_an_answer_indexed_later_is_written_without_its_search_entry_until_caught_up(
    store: HistoryStore,
) -> None:
    _cid, a = answered(store, "quasar 天气")
    before = indexed_rows(store)
    assert a in store.streaming
    store.finish(a, Message("assistant", text="quasar 天气"), "complete", index_later=True)
    assert a not in store.streaming
    assert store.behind == 1
    assert indexed_rows(store) == before  # the end of the answer wrote no search entry
    store.catch_up()
    assert store.behind == 0
    assert len(indexed_rows(store)) == len(before) + 1
    assert [h.message_id for h in store.search("quasar")] == [a]


def test_every_search_catches_up_first(store: HistoryStore) -> None:
    cid, a = answered(store, "nebula")
    store.finish(a, Message("assistant", text="nebula"), "complete", index_later=True)
    assert [h.message_id for h in store.search("nebula")] == [a]
    _cid, b = answered(store, "pulsar")
    store.finish(b, Message("assistant", text="pulsar"), "complete", index_later=True)
    assert [c.id for c in store.conversations(search="pulsar")] == [_cid]
    assert cid != _cid


def test_an_entry_left_behind_for_a_deleted_answer_is_dropped(store: HistoryStore) -> None:
    cid, a = answered(store, "comet")
    store.finish(a, Message("assistant", text="comet"), "complete", index_later=True)
    store.delete(cid)
    store.catch_up()
    assert indexed_rows(store) == set()
    assert store.search("comet") == []


def test_entries_left_behind_are_written_on_close_or_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    _cid, a = answered(store, "closed nicely")
    store.finish(a, Message("assistant", text="closed nicely"), "complete", index_later=True)
    store.close()
    killed = HistoryStore.open(path)
    _cid, b = answered(killed, "killed before")
    killed.finish(b, Message("assistant", text="killed before"), "complete", index_later=True)
    # Killed here, before catching up: the next process to open the file writes the entry.
    reopened = HistoryStore.open(path)
    assert reopened.behind == 0
    assert [h.message_id for h in reopened.search("nicely")] == [a]
    assert [h.message_id for h in reopened.search("killed")] == [b]
    killed.close()  # had it lived on, its own catch-up writes the same entry once, not twice
    assert [h.message_id for h in reopened.search("killed")] == [b]
    assert len(indexed_rows(reopened)) == 4


@pytest.mark.parametrize(
    ("text", "query"),
    [("日本語のテキストです", "テキスト"), ("한국어 문장입니다", "한국"), ("hello world", "wor")],
)
def test_search_finds_japanese_korean_and_word_prefixes(
    store: HistoryStore, text: str, query: str
) -> None:
    cid = store.create_conversation()
    mid = store.add_message(cid, None, Message("user", text=text))
    assert [h.message_id for h in store.search(query)] == [mid]


def test_search_pages_through_matches_newest_first(store: HistoryStore) -> None:
    cid = store.create_conversation()
    ids = [store.add_message(cid, None, Message("user", text=f"page {n} 天气")) for n in range(7)]

    pages = [store.search("天气", limit=3, offset=offset) for offset in (0, 3, 6, 9)]

    assert [[h.message_id for h in page] for page in pages] == [
        ids[6:3:-1],
        ids[3:0:-1],
        ids[:1],
        [],
    ]


def test_delete_removes_messages_and_their_search_entries(store: HistoryStore) -> None:
    cid = store.create_conversation()
    store.add_message(cid, None, Message("user", text="unique words here"))
    assert store.delete(cid)
    assert store.search("unique") == []
    assert store.conversations() == []


def test_rename_pin_and_order(store: HistoryStore) -> None:
    old = store.create_conversation()
    store.add_message(old, None, Message("user", text="old"))
    new = store.create_conversation()
    store.add_message(new, None, Message("user", text="new"))
    assert [c.id for c in store.conversations()] == [new, old]
    store.pin(old)
    store.rename(old, "Kept")
    listed = store.conversations()
    assert [c.id for c in listed] == [old, new]
    assert listed[0].title == "Kept"
    store.add_message(old, None, Message("user", text="a later first question"))
    assert store.conversation(old).title == "Kept"  # type: ignore[union-attr]


def test_title_is_the_first_question_cut_at_a_word() -> None:
    assert make_title("  short\nquestion ") == "short question"
    long = "word " * 30
    title = make_title(long)
    assert title.endswith("…")
    assert len(title) <= 61
    assert "wor…" not in title


def test_a_key_in_options_or_headers_never_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", text="hi"))
    meta = {
        "options": {"api_key": KEY, "temperature": 0.5, "extra": f"Bearer {KEY}"},
        "headers": {"Authorization": f"Bearer {KEY}", "X-Api-Key": KEY, "X-Trace": "ok"},
        "list": [KEY, "fine"],
    }
    a = store.start_answer(cid, q, meta)
    store.finish(a, Message("assistant", text="ok"), "complete", {"error": {"key": KEY}})
    exported = json.dumps(export_json(store, [cid]))
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert KEY.encode() not in raw
    assert KEY not in exported
    again = HistoryStore.open(path)
    kept = again.message(a)
    assert kept is not None
    assert kept.meta["options"] == {"temperature": 0.5}
    assert kept.meta["headers"] == {"X-Trace": "ok"}


def test_an_answer_left_streaming_by_a_dead_process_is_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", text="hi"))
    a = store.start_answer(cid, q)
    store.append(a, "partial words")
    store.close()
    # The writer's pid is this live process; make it one that cannot exist.
    db = sqlite3.connect(path)
    db.execute("UPDATE messages SET writer_pid = 2147483647 WHERE id = ?", (a,))
    db.commit()
    db.close()
    again = HistoryStore.open(path)
    kept = again.message(a)
    assert kept is not None
    assert kept.state == "interrupted"
    assert kept.message.text == "partial words"
    assert again.search("partial")[0].message_id == a


def test_a_batch_late_in_a_long_answer_writes_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    cid = store.create_conversation()
    a = store.start_answer(cid, store.add_message(cid, None, Message("user", text="hi")))
    for _ in range(50):
        store.append(a, "word " * 800)  # 4 KB a batch: 200 KB in all
    journal = sqlite3.connect(path)
    try:
        journal.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # count from an empty journal
        store.append(a, "the next batch")
        _busy, frames, _done = journal.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        journal.close()
    # Pages of 4 KB: the 200 KB that arrived earlier (50 pages) are not written again.
    assert frames <= 8
    streamed = store.message(a)
    assert streamed is not None
    assert streamed.message.text == "word " * 800 * 50 + "the next batch"
    store.close()


def test_batches_go_when_the_answer_ends_restarts_or_is_deleted(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", text="hi"))
    retried, finished, cut = (store.start_answer(cid, q) for _ in range(3))
    for answer in (retried, finished, cut):
        store.append(answer, "early ", "thought ")
        store.append(answer, "words", "more")
    store.restart(retried)
    store.append(retried, "again")
    store.finish(finished, Message("assistant", text="early words"), "complete")

    def kept(message_id: str) -> tuple[str, str, str]:
        stored = store.message(message_id)
        assert stored is not None
        return stored.message.text, stored.message.reasoning, stored.state

    assert kept(retried) == ("again", "", "streaming")
    assert kept(finished) == ("early words", "", "complete")
    assert kept(cut) == ("early words", "thought more", "streaming")
    store.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE messages SET writer_pid = 2147483647 WHERE id = ?", (cut,))  # gone
    db.commit()
    db.close()
    store = HistoryStore.open(path)
    assert kept(cut) == ("early words", "thought more", "interrupted")
    assert kept(retried) == ("again", "", "streaming")  # its writer (this process) lives
    store.delete(cid)
    store.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT count(*) FROM streamed").fetchone()[0] == 0
    finally:
        db.close()


def test_migrations_run_from_every_earlier_version(tmp_path: Path) -> None:
    def to_v2(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE conversations ADD COLUMN folder TEXT NOT NULL DEFAULT ''")

    steps = {**MIGRATIONS, CURRENT_VERSION: to_v2}
    for start in range(CURRENT_VERSION + 1):
        path = tmp_path / f"from-{start}.sqlite3"
        connect(path, target=start).db.close()
        db = connect(path, migrations=steps, target=CURRENT_VERSION + 1).db
        assert db.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION + 1
        columns = [row[1] for row in db.execute("PRAGMA table_info(conversations)")]
        assert "folder" in columns
        assert "leaf_id" in columns
        db.close()


def test_a_failed_migration_leaves_the_file_at_its_version(tmp_path: Path) -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x)")
        raise sqlite3.OperationalError("step failed")

    path = tmp_path / "history.sqlite3"
    connect(path).db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="step failed"):
        connect(
            path, migrations={**MIGRATIONS, CURRENT_VERSION: broken}, target=CURRENT_VERSION + 1
        )
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None
    assert len(before) > 0


def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE future (x)")
    db.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryVersionError, match="newer version"):
        HistoryStore.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_a_damaged_file_is_kept_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    opened = connect(path, now=datetime(2026, 1, 2, 3, 4, 5))
    aside = tmp_path / "history.sqlite3.damaged-20260102-030405"
    assert opened.notice is not None
    assert "could not be read" in opened.notice
    assert aside.name in opened.notice
    assert aside.read_bytes() == b"this is not a database" * 100
    store = HistoryStore(opened.db, opened.notice)
    assert store.conversations() == []


def test_export_then_import_loses_nothing(tmp_path: Path, store: HistoryStore) -> None:
    cid = store.create_conversation("sys")
    q = store.add_message(cid, None, Message("user", text="q 中文"))
    store.add_message(cid, q, full_assistant(), meta={"model": "m", "usage": {"input": 3}})
    a2 = store.start_answer(cid, q, {"model": "m"})
    store.append(a2, "cut")
    store.finish(a2, Message("assistant", text="cut"), "interrupted", {"error": {"type": "x"}})
    store.add_message(cid, a2, Message("tool", tool_results=[ToolResult("c", "r", True)]))
    store.pin(cid)
    other = store.create_conversation()
    store.add_message(other, None, Message("user", text="second"))
    exported = export_json(store, all_ids(store))
    fresh = HistoryStore.open(tmp_path / "other.sqlite3")
    assert import_json(fresh, json.loads(json.dumps(exported))) == (2, 0)
    assert export_json(fresh, all_ids(fresh)) == exported
    assert import_json(fresh, exported) == (0, 2)
    assert fresh.search("中文")


def test_markdown_names_versions_and_hides_details_unless_asked(store: HistoryStore) -> None:
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", text="hi"))
    store.add_message(cid, q, Message("assistant", text="old"))
    store.add_message(cid, q, full_assistant(), meta={"model": "m"})
    plain = markdown(store, cid)
    assert "## Assistant (m) — version 2 of 2" in plain
    assert "The answer." in plain
    assert "thought one" not in plain
    assert "calculator" not in plain
    detailed = markdown(store, cid, details=True)
    assert "> thought one" in detailed
    assert '{"expression": "1+1"}' in detailed
