"""Save one exchange as it happens: the question before the request, the answer as it streams.

Shared by `ask` and, later, the window. The answer's deltas are kept in memory and written in
one `append` every `FLUSH_EVERY` seconds, so a process killed mid-answer loses at most that
much of it; a retry that restarts the answer empties the saved text too. A write that fails
stops the saving, not the answer: `warn` then says once that it was not saved, and why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TextIO

from desktop_chat.core.conversation import AssistantTurn, Conversation, Message
from desktop_chat.core.errors import ChatError
from desktop_chat.core.events import AttemptStarted, ReasoningDelta, StreamEvent, TextDelta
from desktop_chat.storage.history import HistoryStore, Meta, State
from desktop_chat.storage.history_schema import HistoryError

FLUSH_EVERY = 0.15  # seconds


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

    def __init__(self, store: HistoryStore, conversation_id: str, message_id: str) -> None:
        self._store = store
        self.conversation_id = conversation_id
        self.message_id = message_id
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._started = time.monotonic()
        self._first: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.error: HistoryError | None = None

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
        return cls(store, conversation_id, store.start_answer(conversation_id, question, meta))

    def on_event(self, event: StreamEvent) -> None:
        if type(event) is TextDelta:
            self._first = self._first or time.monotonic()
            self._text.append(event.text)
        elif type(event) is ReasoningDelta:
            self._first = self._first or time.monotonic()
            self._reasoning.append(event.text)
        elif isinstance(event, AttemptStarted) and event.attempt > 1:
            self._text.clear()
            self._reasoning.clear()
            self._guard(self._store.restart, self.message_id)

    def flush(self) -> None:
        if self._text or self._reasoning:
            text, reasoning = "".join(self._text), "".join(self._reasoning)
            self._text.clear()
            self._reasoning.clear()
            self._guard(self._store.append, self.message_id, text, reasoning)

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
        self._task = asyncio.get_running_loop().create_task(self._flush_loop())

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            self.flush()

    def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def finish(
        self, turn: AssistantTurn, error: ChatError | None = None, *, cost: float | None = None
    ) -> None:
        """The answer ended: complete, or interrupted by `error` with what had arrived.

        `cost` is what it cost at the user's price for the model, when they gave one.
        """
        self._stop()
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
        self._guard(self._store.finish, self.message_id, turn.to_message(), state, meta)

    def interrupt(self, turn: AssistantTurn, reason: str) -> None:
        """Ctrl-C: keep what had arrived, marked interrupted."""
        self._stop()
        meta: Meta = {
            "attempts": turn.attempts, "timings": self._timings(),
            "error": {"type": "interrupted", "message": reason},
        }  # fmt: skip
        self._guard(self._store.finish, self.message_id, turn.to_message(), "interrupted", meta)

    def _timings(self) -> dict[str, float | None]:
        end = time.monotonic()
        first = None if self._first is None else round(self._first - self._started, 3)
        return {"first_token_s": first, "total_s": round(end - self._started, 3)}
