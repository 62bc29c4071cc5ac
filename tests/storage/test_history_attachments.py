"""Attachments in the history: stored once by content, reopened, exported, imported, migrated."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from pathlib import Path

import pytest

from desktop_chat.core.attachment import ImageLimits
from desktop_chat.core.conversation import Attachment, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.session.chat import ChatSession
from desktop_chat.storage.history import HistoryStore
from desktop_chat.storage.history_attachments import blob_count
from desktop_chat.storage.history_export import all_ids, export_json, import_json, markdown
from desktop_chat.storage.history_schema import CURRENT_VERSION, HistoryError, connect
from tests.support.images import PDF_ONE_PAGE, png
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream

IMAGE = Attachment("chart.png", "image/png", png(40, 30))
PDF = Attachment("paper.pdf", "application/pdf", PDF_ONE_PAGE)
NOTES = Attachment("notes.md", "text/markdown", "# 笔记\n".encode())


def blobs(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return blob_count(db)
    finally:
        db.close()


def test_attachments_come_back_after_a_restart_in_their_order(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", "see", attachments=(PDF, IMAGE, NOTES)))
    store.add_message(cid, q, Message("assistant", "seen"))
    store.close()
    again = HistoryStore.open(path)
    first, answer = again.messages(cid)
    assert first.message.attachments == (PDF, IMAGE, NOTES)
    assert answer.message.attachments == ()
    assert again.path(answer.id)[0].message.attachments == (PDF, IMAGE, NOTES)
    stored = again.message(q)
    assert stored is not None
    assert stored.message.attachments == (PDF, IMAGE, NOTES)
    again.close()


def test_each_content_is_stored_once_and_freed_with_its_last_message(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    one = store.create_conversation()
    store.add_message(one, None, Message("user", "a", attachments=(IMAGE,)))
    two = store.create_conversation()
    renamed = Attachment("same-bytes.png", "image/png", IMAGE.data)
    q = store.add_message(two, None, Message("user", "b", attachments=(renamed, PDF)))
    assert blobs(path) == 2
    assert store.messages(two)[0].message.attachments[0].name == "same-bytes.png"
    store.delete(one)
    assert blobs(path) == 2  # the image is still carried by the other conversation
    store.delete_message(q)
    assert blobs(path) == 0
    store.close()


def test_a_version_1_history_is_migrated_with_its_conversations(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = connect(path, target=1).db
    db.execute(
        "INSERT INTO conversations (id, title, created, updated, leaf_id)"
        " VALUES ('c1', 'old', 1, 1, 'm1')"
    )
    db.execute(
        "INSERT INTO messages (id, conversation_id, role, text, state, created, updated)"
        " VALUES ('m1', 'c1', 'user', 'before attachments', 'complete', 1, 1)"
    )
    db.close()
    store = HistoryStore.open(path)
    (old,) = store.messages("c1")
    assert (old.message.text, old.message.attachments) == ("before attachments", ())
    store.add_message("c1", "m1", Message("user", "now", attachments=(IMAGE,)))
    assert store.messages("c1")[1].message.attachments == (IMAGE,)
    store.close()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION >= 2
    check.close()


@pytest.mark.parametrize("start", [0, 1])
def test_every_earlier_schema_reaches_the_attachment_tables(tmp_path: Path, start: int) -> None:
    path = tmp_path / f"from-{start}.sqlite3"
    connect(path, target=start).db.close()
    db = connect(path).db
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"attachment_blobs", "message_attachments", "messages"} <= tables
    db.close()


def test_export_carries_each_content_once_and_import_restores_it(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    cid = store.create_conversation()
    q = store.add_message(cid, None, Message("user", "one", attachments=(IMAGE, NOTES)))
    a = store.add_message(cid, q, Message("assistant", "ok"))
    store.add_message(cid, a, Message("user", "again", attachments=(IMAGE,)))
    exported = json.loads(json.dumps(export_json(store, all_ids(store))))
    assert exported["attachments"] == {
        IMAGE.sha256: base64.b64encode(IMAGE.data).decode(),
        NOTES.sha256: base64.b64encode(NOTES.data).decode(),
    }
    first = exported["conversations"][0]["messages"][0]
    assert first["attachments"] == [
        {"name": "chart.png", "media_type": "image/png", "sha256": IMAGE.sha256},
        {"name": "notes.md", "media_type": "text/markdown", "sha256": NOTES.sha256},
    ]
    fresh = HistoryStore.open(tmp_path / "other.sqlite3")
    assert import_json(fresh, exported) == (1, 0)
    assert [m.message.attachments for m in fresh.messages(cid)] == [(IMAGE, NOTES), (), (IMAGE,)]
    assert export_json(fresh, all_ids(fresh)) == exported


def test_an_export_without_attachments_still_imports(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    cid = store.create_conversation()
    store.add_message(cid, None, Message("user", "plain"))
    exported = export_json(store, [cid])
    assert "attachments" not in exported
    for message in exported["conversations"][0]["messages"]:  # type: ignore[index]
        del message["attachments"]  # as an export made before attachments
    fresh = HistoryStore.open(tmp_path / "other.sqlite3")
    assert import_json(fresh, exported) == (1, 0)


def test_a_tampered_attachment_is_refused(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    cid = store.create_conversation()
    store.add_message(cid, None, Message("user", "x", attachments=(IMAGE,)))
    exported = json.loads(json.dumps(export_json(store, [cid])))
    exported["attachments"][IMAGE.sha256] = base64.b64encode(b"other").decode()
    fresh = HistoryStore.open(tmp_path / "other.sqlite3")
    with pytest.raises(HistoryError, match="does not match its hash"):
        import_json(fresh, exported)
    assert fresh.conversations() == []


def test_markdown_names_the_attachments(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    cid = store.create_conversation()
    store.add_message(cid, None, Message("user", "look", attachments=(IMAGE, PDF)))
    text = markdown(store, cid)
    assert "look\n\n- Attached: chart.png (image/png, " in text
    assert "- Attached: paper.pdf (application/pdf, " in text
    assert base64.b64encode(IMAGE.data).decode()[:20] not in text


class TinyFitter:
    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        return Attachment(image.name, "image/png", png(8, 8))


async def test_the_session_saves_the_original_never_the_copy_sent(
    tmp_path: Path, sse_server: ScriptedServer
) -> None:
    path = tmp_path / "history.sqlite3"
    big = Attachment("photo.png", "image/png", png(4000, 10))
    session = ChatSession(HistoryStore.open(path))
    assert session.send("what is it?", attachments=(big,))
    session.begin_answer()
    sse_server.script(Reply(chunks=anthropic_stream(["A line."])))
    engine = Engine()
    try:
        request = ChatRequest("m", session.conversation(), 64, image_fitter=TinyFitter())
        turn = await asyncio.wait_for(
            engine.run(EndpointConfig("anthropic", sse_server.url), request), 10
        )
    finally:
        await engine.aclose()
    session.end_answer(turn.to_message(), turn)
    sent = json.loads(sse_server.requests[0].body)["messages"][0]["content"][0]
    assert base64.b64decode(sent["source"]["data"]) == png(8, 8)
    conversation_id = session.conversation_id
    assert conversation_id is not None
    assert session.store is not None
    session.store.close()
    reopened = ChatSession(HistoryStore.open(path))
    reopened.load(conversation_id)
    assert reopened.messages[0].attachments == (big,)
    assert reopened.messages[1].text == "A line."


def test_a_question_of_attachments_alone_is_titled_by_their_names(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    cid = store.create_conversation()
    store.add_message(cid, None, Message("user", "", attachments=(IMAGE, PDF)))
    info = store.conversation(cid)
    assert info is not None
    assert info.title == "chart.png, paper.pdf"
