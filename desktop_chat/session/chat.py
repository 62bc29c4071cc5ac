"""The conversation and its rules, without Qt: the messages, edit and resend, regenerate, retry.

One `Message` per transcript entry (same indices): a user message, an assistant answer (empty
while it streams), and with tools, per step an assistant entry and a tool entry. The session owns
that list and the rules that change it; a view subscribes to its callbacks and mirrors each
change, and the session never knows the view (the window's chat controller is one such view).

Regenerating keeps the earlier answer on screen, marked and no longer sent; retrying replaces
what the failed turn showed. Editing a user message and sending replaces it and all after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

from desktop_chat.core.conversation import Conversation, Message

P = ParamSpec("P")

SUPERSEDED = "Earlier answer, replaced by the one below (kept here, not sent to the model)"
SUPERSEDED_EARLIER = "Earlier answer (kept here, not sent to the model)"


class Callbacks(Generic[P]):
    """Who is told of one kind of change, in the order they subscribed."""

    def __init__(self) -> None:
        self._listeners: list[Callable[P, object]] = []

    def connect(self, listener: Callable[P, object]) -> None:
        self._listeners.append(listener)

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for listener in list(self._listeners):
            listener(*args, **kwargs)


class ChatSession:
    """The messages of one conversation and the rules that change them.

    Callbacks, each with the index of the entry concerned:
    - `truncated(index)`: entries from `index` on are gone.
    - `added(index, message, status)`: a finished message was added (status: a label, e.g. for
      a replaced answer kept on screen).
    - `answer_started(index)`: an empty assistant entry was added; its answer streams.
    - `cleared()`: a new, empty conversation.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.superseded: set[int] = set()  # regenerated answers: shown, no longer sent
        self.last_error = ""
        self.edit_index: int | None = None
        self.live_index: int | None = None  # the assistant entry that streams now
        self.truncated: Callbacks[[int]] = Callbacks()
        self.added: Callbacks[[int, Message, str]] = Callbacks()
        self.answer_started: Callbacks[[int]] = Callbacks()
        self.cleared: Callbacks[[]] = Callbacks()

    # --- what the user does ---------------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Add `text` as the next user message (replacing from the edited one, when editing).

        Returns False for blank text; the caller then starts a turn (`begin_answer`).
        """
        if not text.strip():
            return False
        if self.edit_index is not None:
            self._truncate(self.edit_index)
            self.edit_index = None
        self._add(Message("user", text=text))
        return True

    def answer_again(self, *, keep_old: bool) -> bool:
        """Drop the answer to the last user message, to ask for a new one.

        With `keep_old`, the current answer (a tool chain's last) and any kept before it stay on
        screen, marked and no longer sent. Returns False when there is no user message.
        """
        last_user = max((i for i, m in enumerate(self.messages) if m.role == "user"), default=-1)
        if last_user < 0:
            return False
        later = list(enumerate(self.messages[last_user + 1 :], last_user + 1))
        answers = [i for i, m in later if m.role == "assistant" and (m.text or m.reasoning)]
        current = [i for i in answers if i not in self.superseded][-1:]
        old = [
            (m, SUPERSEDED_EARLIER if i in self.superseded else SUPERSEDED)
            for i, m in later
            if keep_old and (i in self.superseded or i in current) and has_content(m)
        ]
        self._truncate(last_user + 1)
        for message, label in old:
            self.superseded.add(len(self.messages))
            self._add(message, label)
        return True

    def retry(self) -> bool:
        """Run the failed (or last) turn again, replacing what it showed."""
        return self.answer_again(keep_old=False)

    def regenerate(self) -> bool:
        """Answer the last user message again; the old answer stays, marked and no longer sent.

        After a failure there is no answer worth keeping: it is a retry.
        """
        return self.answer_again(keep_old=not self.last_error)

    def reopen_answer(self) -> Message | None:
        """Take back the last answer, cut short, to continue it (session/continuation.py).

        Its entry goes (`truncated`); the caller streams it again from its partial text into
        a new one (`begin_answer`). None when the last entry is not an answer with text.
        """
        if not self.messages or self.messages[-1].role != "assistant":
            return None
        partial = self.messages[-1]
        if not partial.text.strip() or len(self.messages) - 1 in self.superseded:
            return None
        self._truncate(len(self.messages) - 1)
        self.last_error = ""
        return partial

    def begin_edit(self, index: int) -> str | None:
        """Start editing user message `index`; return the label saying what sending replaces.

        None when `index` is not a user message.
        """
        if not 0 <= index < len(self.messages) or self.messages[index].role != "user":
            return None
        self.edit_index = index
        number = sum(1 for m in self.messages[: index + 1] if m.role == "user")
        later = len(self.messages) - index - 1
        return f"Editing message {number}: sending replaces it" + (
            f" and the {later} message{'s' if later != 1 else ''} after it" if later else ""
        )

    def cancel_edit(self) -> None:
        self.edit_index = None

    def clear(self) -> None:
        """Start an empty conversation."""
        self.edit_index = None
        self.live_index = None
        self.messages.clear()
        self.superseded.clear()
        self.last_error = ""
        self.cleared.emit()

    def conversation(self, system: str = "") -> Conversation:
        """The conversation to send, without replaced answers and empty (failed) ones."""
        kept = [
            m
            for i, m in enumerate(self.messages)
            if i not in self.superseded and (m.role != "assistant" or has_content(m))
        ]
        return Conversation(system, kept)

    # --- the answer as it streams ---------------------------------------------------------------

    def begin_answer(self) -> int:
        """Add the empty assistant entry an answer (or a tool turn's next step) streams into."""
        index = self.live_index = len(self.messages)
        self.messages.append(Message("assistant"))
        self.answer_started.emit(index)
        return index

    def end_answer(self, message: Message) -> None:
        """The streaming entry becomes `message`: what arrived, also of a stopped or failed turn."""
        if self.live_index is not None and self.live_index < len(self.messages):
            self.messages[self.live_index] = message
        self.live_index = None

    def add_tool_results(self, message: Message) -> int:
        """Add a tool step's results entry (its view is drawn by whoever runs the tools)."""
        self.messages.append(message)
        return len(self.messages) - 1

    def _add(self, message: Message, status: str = "") -> None:
        index = len(self.messages)
        self.messages.append(message)
        self.added.emit(index, message, status)

    def _truncate(self, index: int) -> None:
        del self.messages[index:]
        self.superseded = {i for i in self.superseded if i < index}
        self.truncated.emit(index)


def has_content(message: Message) -> bool:
    return bool(message.text or message.reasoning or message.tool_calls)
