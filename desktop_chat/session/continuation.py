"""Continue a cut answer: what to send, and how the continued text joins the partial one.

An answer stopped by the user, cut at the max tokens limit or failed after its retries keeps
what arrived; Continue asks for the rest and joins it to the same message. Anthropic takes the
partial answer as the final assistant turn (a prefill) and goes on from its last character;
OpenAI-style protocols have no prefill, so the partial answer is sent as an assistant turn and
a user turn asks the model to go on from where it stopped.

The seam (`Seam`) keeps the partial text exactly as it was shown and appends only new
characters:
- The API refuses a prefill that ends in whitespace, so the provider strips it; the model then
  often begins with whitespace of its own. When that whitespace starts with the partial's
  trailing whitespace, only its excess is added; when it is some other whitespace, it restates
  the partial's and is dropped; a continuation that starts with a visible character follows the
  partial's whitespace as it is.
- A model asked to continue may start by repeating the end of the partial text ("world" after
  "Hello wor"); a repeat of at least three characters that starts a word of the partial (or of
  twelve characters anywhere) is dropped. Shorter echoes cannot be told from new text and stay.
The seam holds back at most `LOOKAHEAD` characters, only until it can decide.
"""

from __future__ import annotations

import dataclasses

from desktop_chat.core.conversation import AssistantTurn, Conversation, Message

CONTINUE_PROMPT = (
    "Your previous answer was cut off. Continue it exactly where it stopped, starting with the "
    "next character: do not repeat any of it, and add nothing before the continuation."
)
CUT_OFF = frozenset({"max_tokens", "length"})
LOOKAHEAD = 400  # characters held back at most while the seam is undecided
MIN_REPEAT = 3  # a repeat this long counts when it starts a word of the partial text
SURE_REPEAT = 12  # a repeat this long counts wherever it starts


def can_continue(message: Message, outcome: str, stop_reason: str | None) -> bool:
    """Tell whether Continue is offered: a text answer that was stopped, cut or failed.

    `outcome` is "finished", "stopped" or "failed"; a finished answer qualifies only when it
    was cut at the max tokens limit. Answers with tool calls are continued by the tool loop.
    """
    if not message.text.strip() or message.tool_calls:
        return False
    return outcome in ("stopped", "failed") or stop_reason in CUT_OFF


def prefills(protocol: str) -> bool:
    """Anthropic continues a final assistant turn; the other protocols are asked to go on."""
    return protocol == "anthropic"


def continuation(conversation: Conversation, partial: Message, protocol: str) -> Conversation:
    """The conversation that asks for the rest of `partial`, which answers `conversation`.

    The partial answer goes as text alone: its thinking is not sent (Anthropic refuses a
    prefill with thinking, and other protocols take no reasoning back).
    """
    cut = Message("assistant", text=partial.text)
    tail = [cut] if prefills(protocol) else [cut, Message("user", text=CONTINUE_PROMPT)]
    return Conversation(conversation.system, [*conversation.messages, *tail])


class ContinuedAnswer:
    """One Continue: the partial answer, the request that asks for the rest, and the seam.

    A view shows `partial.text` first, then what `feed` returns per streamed piece; after a
    retried attempt (`restart`) it shows the partial text again; `end` gives the last held-back
    characters and the whole answer.
    """

    def __init__(self, partial: Message, protocol: str) -> None:
        self.partial = partial
        self.protocol = protocol
        self.seam = Seam(partial.text, may_repeat=not prefills(protocol))

    def conversation(self, before: Conversation) -> Conversation:
        return continuation(before, self.partial, self.protocol)

    def feed(self, piece: str) -> str:
        return self.seam.feed(piece)

    def restart(self) -> None:
        self.seam.restart()

    def end(self, turn: AssistantTurn) -> tuple[str, AssistantTurn]:
        tail = self.seam.flush()
        return tail, self.seam.joined(turn, self.partial)


class Seam:
    """Join the continuation's streamed text to `partial`: `feed` each piece, then `flush`.

    Each call returns the characters to append to what is shown (the partial text stays);
    `text` is the joined answer so far. `restart` forgets the continuation (a retried attempt).
    """

    def __init__(self, partial: str, *, may_repeat: bool) -> None:
        self.partial = partial
        self._trailing = partial[len(partial.rstrip()) :]
        self._may_repeat = may_repeat
        self.restart()

    def restart(self) -> None:
        self._pending = ""
        self._decided = False
        self._added: list[str] = []

    @property
    def text(self) -> str:
        return self.partial + "".join(self._added)

    def feed(self, piece: str) -> str:
        if self._decided:
            self._added.append(piece)
            return piece
        self._pending += piece
        if len(self._pending) < LOOKAHEAD and not self._can_decide():
            return ""
        return self._decide()

    def flush(self) -> str:
        return "" if self._decided else self._decide()

    def _can_decide(self) -> bool:
        rest = self._pending.lstrip()
        if not rest:  # only whitespace so far: what it restates is not known yet
            return False
        if self._may_repeat:
            # While the text so far occurs in the partial short of its end, it may yet become
            # a repeat of the partial's end.
            partial = self.partial
            return partial.find(rest, 0, len(partial) - 1) < 0
        return True

    def _decide(self) -> str:
        pending, trailing = self._pending, self._trailing
        rest = pending.lstrip()
        lead = pending[: len(pending) - len(rest)]
        if trailing and lead:
            new = pending[len(trailing) :] if lead.startswith(trailing) else rest
        else:
            new = pending
        if self._may_repeat and new == rest:
            new = rest[self._repeat(rest) :]
        self._decided = True
        self._pending = ""
        self._added.append(new)
        return new

    def _repeat(self, text: str) -> int:
        """The length of the partial's end that `text` starts by repeating (0: none)."""
        partial = self.partial
        for length in range(min(len(text), len(partial)), MIN_REPEAT - 1, -1):
            if not partial.endswith(text[:length]):
                continue
            starts_word = length == len(partial) or not partial[-length - 1].isalnum()
            if length >= SURE_REPEAT or starts_word:
                return length
        return 0

    def joined(self, turn: AssistantTurn, partial: Message) -> AssistantTurn:
        """The whole answer: `partial` and the continuation's `turn`, as one assistant turn."""
        reasoning = "\n\n".join(r for r in (partial.reasoning, turn.reasoning) if r)
        return dataclasses.replace(
            turn,
            text=self.text,
            reasoning=reasoning,
            reasoning_signature="",
            thinking_blocks=partial.thinking_blocks + turn.thinking_blocks,
        )
