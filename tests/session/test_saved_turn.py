"""An exchange saved as it streams, on a real SQLite file: batches, retries, the end states."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from desktop_chat.core.conversation import AssistantTurn, Conversation, Message
from desktop_chat.core.errors import ChatError
from desktop_chat.core.events import AttemptStarted, ReasoningDelta, TextDelta
from desktop_chat.session import saved_turn
from desktop_chat.session.saved_turn import FLUSH_EVERY, SavedTurn, details_text, earlier_messages
from desktop_chat.storage.history import HistoryStore


def begin(tmp_path: Path) -> tuple[HistoryStore, SavedTurn]:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    conversation = Conversation("sys", [Message("user", text="hi")])
    return store, SavedTurn.begin(store, None, conversation, {"model": "m"})


def test_the_question_is_committed_before_any_answer(tmp_path: Path) -> None:
    store, saved = begin(tmp_path)
    (info,) = store.conversations()
    question, answer = store.path(saved.message_id)
    assert question.message.text == "hi"
    assert info.system == "sys"
    assert answer.state == "streaming"
    assert answer.message.text == ""


def test_deltas_are_written_in_batches_and_a_retry_starts_over(tmp_path: Path) -> None:
    store, saved = begin(tmp_path)
    saved.on_event(AttemptStarted(1, 3))
    saved.on_event(TextDelta("lost "))
    saved.flush()
    saved.on_event(AttemptStarted(2, 3))
    saved.on_event(ReasoningDelta("think"))
    saved.on_event(TextDelta("kept "))
    saved.on_event(TextDelta("text"))
    stored = store.message(saved.message_id)
    assert stored is not None
    assert stored.message.text == ""  # not written until the batch is flushed
    saved.flush()
    stored = store.message(saved.message_id)
    assert stored is not None
    assert stored.message.text == "kept text"
    assert stored.message.reasoning == "think"


def test_the_flush_loop_writes_while_streaming(tmp_path: Path) -> None:
    store, saved = begin(tmp_path)

    async def stream() -> None:
        saved.start_flushing()
        saved.on_event(TextDelta("early"))
        await asyncio.sleep(FLUSH_EVERY * 3)

    asyncio.run(stream())
    stored = store.message(saved.message_id)
    assert stored is not None
    assert stored.message.text == "early"


def test_a_failed_answer_is_interrupted_with_its_error(tmp_path: Path) -> None:
    store, saved = begin(tmp_path)
    saved.finish(AssistantTurn(text="part", attempts=2), ChatError("server gone", status=502))
    stored = store.message(saved.message_id)
    assert stored is not None
    assert stored.state == "interrupted"
    assert stored.message.text == "part"
    error = stored.meta["error"]
    assert isinstance(error, dict)
    assert error["status"] == 502
    assert stored.meta["attempts"] == 2
    assert stored.meta["model"] == "m"


def test_earlier_messages_leave_out_an_empty_interrupted_answer(tmp_path: Path) -> None:
    store, saved = begin(tmp_path)
    saved.interrupt(AssistantTurn(), "interrupted (Ctrl-C)")
    system, messages, leaf = earlier_messages(store, saved.conversation_id)
    assert system == "sys"
    assert [m.text for m in messages] == ["hi"]
    assert leaf == saved.message_id


def test_the_details_of_an_earlier_answer_name_its_cache_reads_and_cost() -> None:
    meta = {
        "model": "claude-test",
        "usage": {"input_tokens": 900_100, "output_tokens": 1000, "cached_input_tokens": 900_000},
        "cost": 0.2853,
    }
    text = details_text(meta, "complete")  # type: ignore[arg-type]
    assert "Read from the prompt cache: 900000 input tokens" in text
    assert "Cost: 0.2853" in text


def test_an_answer_prepared_for_search_in_batches_is_found_across_their_seams(
    tmp_path: Path,
) -> None:
    store, saved = begin(tmp_path)
    for piece in ("今天天", "气很好, hel", "lo world"):
        saved.on_event(TextDelta(piece))
        saved.flush()
    saved.on_event(TextDelta(" 再见"))  # not flushed: prepared at the end
    saved.finish(AssistantTurn(text="今天天气很好, hello world 再见"))
    for query in ("天气", "hello", "再见"):
        assert [hit.message_id for hit in store.search(query)] == [saved.message_id], query


def test_the_window_indexes_an_answer_after_its_end_when_no_other_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(saved_turn, "INDEX_AFTER", 0.05)
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    cid = store.create_conversation()

    def answer(text: str) -> SavedTurn:
        question = store.add_message(cid, None, Message("user", text="q"))
        saved = SavedTurn(store, cid, store.start_answer(cid, question), index_later=True)
        saved.on_event(TextDelta(text))
        return saved

    async def stream() -> tuple[int, int, int]:
        first = answer("aurora")
        first.finish(AssistantTurn(text="aurora"))
        at_end = store.behind  # the answer's end wrote no search entry
        second = answer("borealis")  # streams when the first one's catch-up comes due
        await asyncio.sleep(0.2)
        while_streaming = store.behind
        second.finish(AssistantTurn(text="borealis"))
        await asyncio.sleep(0.2)
        return at_end, while_streaming, store.behind

    assert asyncio.run(stream()) == (1, 1, 0)
    assert store.search("aurora")
    assert store.search("borealis")


def test_ask_indexes_its_answer_at_the_end(tmp_path: Path) -> None:
    store, saved = begin(tmp_path)
    saved.on_event(TextDelta("at once"))

    async def end() -> None:
        saved.finish(AssistantTurn(text="at once"))

    asyncio.run(end())
    assert store.behind == 0
