"""Save one exchange as it happens: the question before the request, the answer as it streams.

Shared by `ask` and the window (through `ChatSession`). The answer's deltas are kept in memory
and written in one `append` every `FLUSH_EVERY` seconds, so a process killed mid-answer loses at
most that much of it; a retry that restarts the answer empties the saved text too. A write that
fails stops the saving, not the answer: `warn` then says once that it was not saved, and why.

With `index_later` (the window) the answer's search entry is written INDEX_AFTER seconds after
its end, when no other answer streams, instead of in the same turn as its end (see
`HistoryStore.catch_up`): the window draws the answer's end then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TextIO

from desktop_chat.core.conversation import AssistantTurn, Conversation, Message
from desktop_chat.core.errors import ChatError
from desktop_chat.core.events import AttemptStarted, ReasoningDelta, StreamEvent, TextDelta
from desktop_chat.storage.history import HistoryStore, Meta, State
from desktop_chat.storage.history_schema import HistoryError
from desktop_chat.storage.history_search import indexed

if TYPE_CHECKING:
    from desktop_chat.tools.events import Step

FLUSH_EVERY = 0.15  # seconds
INDEX_AFTER = 1.0  # seconds after an answer's end; any search catches up before that anyway

log = logging.getLogger(__name__)


def earlier_messages(
    store: HistoryStore, conversation_id: str
) -> tuple[str, list[Message], str | None]:
    """The conversation's system prompt, the messages on its shown branch, and that leaf."""
    info = store.conversation(conversation_id)
    if info is None:
        raise HistoryError(f"no conversation {conversation_id} in the history")
    path = store.path(info.leaf_id) if info.leaf_id else []
    # An answer cut off without text would be sent as an empty turn: leave it out.
    messages = [
        s.message for s in path
        if not (s.message.role == "assistant" and s.state != "complete" and not s.message.text)
    ]  # fmt: skip
    return info.system, messages, info.leaf_id


def usage_of(turn: AssistantTurn) -> dict[str, int | None]:
    """The turn's token counts as the history and `ask --json` record them."""
    return {
        "input_tokens": turn.input_tokens,
        "output_tokens": turn.output_tokens,
        "cached_input_tokens": turn.cached_input_tokens,
        "cache_write_tokens": turn.cache_write_tokens,
    }


class SavedTurn:
    """The answer being written: feed it every stream event, then `finish` or `interrupt`."""

    def __init__(
        self,
        store: HistoryStore,
        conversation_id: str,
        message_id: str,
        meta: Meta | None = None,
        *,
        index_later: bool = False,
    ) -> None:
        self._store = store
        self._index_later = index_later
        self._meta = meta or {}  # the turn's endpoint, model, options: for its later steps too
        self.conversation_id = conversation_id
        self.message_id = message_id
        self._text: list[str] = []
        self._reasoning: list[str] = []
        # The text so far, and the same prepared for the search index batch by batch: splitting
        # a long answer for CJK search at its end would stall the window (20 ms per 160 KB).
        self._streamed: list[str] = []
        self._searchable: list[str] = []
        self._started = time.monotonic()
        self._first: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.error: HistoryError | None = None
        self._ended = False

    @classmethod
    def begin(
        cls,
        store: HistoryStore,
        conversation_id: str | None,
        conversation: Conversation,
        meta: Meta,
    ) -> SavedTurn:
        """Commit the question (the last message of `conversation`) and an empty answer."""
        if conversation_id is None:
            conversation_id = store.create_conversation(conversation.system)
            parent = None
        else:
            info = store.conversation(conversation_id)
            parent = info.leaf_id if info is not None else None
        question = store.add_message(conversation_id, parent, conversation.messages[-1])
        answer = store.start_answer(conversation_id, question, meta)
        return cls(store, conversation_id, answer, meta)

    def on_event(self, event: StreamEvent) -> None:
        if type(event) is TextDelta:
            self._first = self._first or time.monotonic()
            self._text.append(event.text)
        elif type(event) is ReasoningDelta:
            self._first = self._first or time.monotonic()
            self._reasoning.append(event.text)
        elif isinstance(event, AttemptStarted) and event.attempt > 1:
            for kept in (self._text, self._reasoning, self._streamed, self._searchable):
                kept.clear()
            self._guard(self._store.restart, self.message_id)

    def flush(self) -> None:
        if self._text or self._reasoning:
            text, reasoning = "".join(self._text), "".join(self._reasoning)
            self._text.clear()
            self._reasoning.clear()
            self._streamed.append(text)
            self._searchable.append(indexed(text))
            self._guard(self._store.append, self.message_id, text, reasoning)

    def _prepared(self, message: Message) -> str | None:
        """The search text prepared while streaming, if `message` is what streamed."""
        rest = "".join(self._text)  # not written yet: `finish` writes the whole text
        if "".join(self._streamed) + rest != message.text:
            return None  # joined to a partial, cut for tools...: prepared at the end instead
        return "".join(self._searchable) + indexed(rest)

    def _guard(self, write: Callable[..., None], *args: object) -> None:
        if self.error is not None:
            return
        try:
            write(*args)
        except HistoryError as exc:
            self.error = exc

    def warn(self, err: TextIO) -> None:
        if self.error is not None:
            print(f"desktop-chat: warning: the answer was not saved: {self.error}", file=err)

    def start_flushing(self) -> None:
        """Write what arrived every FLUSH_EVERY seconds, on the running loop (if one runs)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a plain caller): `flush` and the end still write
            return
        self._task = loop.create_task(self._flush_loop())

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            self.flush()

    def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @property
    def ended(self) -> bool:
        return self._ended

    def finish(
        self,
        turn: AssistantTurn,
        error: ChatError | None = None,
        *,
        message: Message | None = None,
        cost: float | None = None,
    ) -> None:
        """The answer ended: complete, or interrupted by `error` with what had arrived.

        `message` is what the conversation keeps when it differs from the turn's (a tool turn
        drops calls it never answered); `cost` is what it cost at the user's price for the
        model, when they gave one.
        """
        if self._end():
            return
        meta: Meta = {
            "stop_reason": turn.stop_reason,
            "usage": usage_of(turn),
            "attempts": turn.attempts,
            "timings": self._timings(),
        }
        if cost is not None:
            meta["cost"] = cost
        if error is not None:
            meta["error"] = {
                "type": type(error).__name__.rstrip("_"), "message": str(error),
                "status": error.status, "provider_message": error.provider_message,
            }  # fmt: skip
        state: State = "complete" if error is None else "interrupted"
        kept = message or turn.to_message()
        later = self._later()
        write = partial(self._store.finish, searchable=self._prepared(kept), index_later=later)
        self._guard(write, self.message_id, kept, state, meta)

    def interrupt(
        self,
        turn: AssistantTurn,
        reason: str,
        *,
        message: Message | None = None,
        kind: str = "interrupted",
    ) -> None:
        """Ctrl-C, Stop, a closed window: keep what had arrived, marked interrupted.

        `kind` says who ended it ("interrupted", or "stopped" by the person's Stop).
        """
        if self._end():
            return
        meta: Meta = {
            "attempts": turn.attempts, "timings": self._timings(),
            "error": {"type": kind, "message": reason},
        }  # fmt: skip
        kept = message or turn.to_message()
        write = partial(self._store.finish, index_later=self._later())
        self._guard(write, self.message_id, kept, "interrupted", meta)

    def finish_steps(
        self, steps: Sequence[Step], turn: AssistantTurn, error: ChatError | None = None
    ) -> None:
        """`ask --run-tools` ended: the answer begun becomes the first step's, then each step's
        tool results (approvals in their metadata) and answer follow, and the final answer."""
        for step in (step for step in steps if step.calls):
            if self.error is not None or self._ended:
                return
            message = step.turn.to_message()
            message.tool_calls = [record.call for record in step.calls]  # edited ones included
            self.finish(step.turn, message=message)
            results = Message("tool", tool_results=[record.result for record in step.calls])
            calls = [
                {
                    "call_id": record.call.id,
                    "state": "denied" if not record.approved
                    else "failed" if record.result.is_error else "done",
                    "how": "", "duration": record.duration,
                    "origin": record.tool.origin if record.tool is not None else "not offered",
                }
                for record in step.calls
            ]  # fmt: skip
            try:
                tool_id = self._store.add_message(
                    self.conversation_id, self.message_id, results, meta={"calls": calls}
                )
                self.message_id = self._store.start_answer(
                    self.conversation_id, tool_id, self._meta
                )
            except HistoryError as exc:
                self.error = exc
                return
            self._ended, self._first, self._started = False, None, time.monotonic()
        self.finish(turn, error)

    def _later(self) -> bool:
        """Whether to leave the search entry for later, and if so have it caught up then."""
        if not self._index_later:
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        loop.call_later(INDEX_AFTER, _catch_up, self._store)
        return True

    def _end(self) -> bool:
        """Stop the flushing; True if the answer had ended already (nothing more to write)."""
        self._stop()
        if self._ended:
            return True
        self._ended = True
        return False

    def _timings(self) -> dict[str, float | None]:
        end = time.monotonic()
        first = None if self._first is None else round(self._first - self._started, 3)
        return {"first_token_s": first, "total_s": round(end - self._started, 3)}


def _catch_up(store: HistoryStore) -> None:
    if store.streaming:
        return  # the answer streaming now catches up when it ends
    try:
        store.catch_up()
    except HistoryError as exc:  # the next search tries again, and says so if it fails too
        log.warning("the search index could not catch up: %s", exc)


def details_text(meta: Meta, state: State) -> str:
    """An answer's saved metadata for a person: model, usage, timings, stop reason, errors.

    What Inspect shows for an answer from an earlier session, whose requests and events were
    not kept.
    """
    lines = []
    model, endpoint = meta.get("model"), meta.get("endpoint")
    if model:
        lines.append(f"Model: {model}" + (f" (endpoint {endpoint})" if endpoint else ""))
    usage = meta.get("usage")
    if isinstance(usage, dict):
        tokens_in, tokens_out = usage.get("input_tokens"), usage.get("output_tokens")
        lines.append(f"Tokens: {tokens_in if tokens_in is not None else '?'} in, "
                     f"{tokens_out if tokens_out is not None else '?'} out")  # fmt: skip
        cached = usage.get("cached_input_tokens")
        if cached:
            lines.append(f"Read from the prompt cache: {cached} input tokens")
    if isinstance(meta.get("cost"), int | float):
        lines.append(f"Cost: {meta['cost']:.4f} (at your price for the model)")
    timings = meta.get("timings")
    if isinstance(timings, dict):
        first, total = timings.get("first_token_s"), timings.get("total_s")
        if first is not None:
            lines.append(f"First token after {first} s")
        if total is not None:
            lines.append(f"Total {total} s")
    for key, label in (("stop_reason", "Stop reason"), ("attempts", "Attempts")):
        if meta.get(key) is not None:
            lines.append(f"{label}: {meta[key]}")
    error = meta.get("error")
    if isinstance(error, dict) and error.get("message"):
        lines.append(f"Error: {error['message']}")
    lines.append(f"State: {state}")
    lines.append(
        "The requests and events on the wire are kept only while the window that received the "
        "answer is open."
    )
    return "\n".join(lines)
