"""The conversation and its rules, without Qt: a tree of messages, one branch of it shown.

Every message has a parent, as in the history store: regenerating an answer or editing a
question and sending it adds a sibling, and the earlier version stays, one step away (`switch`).
`messages` is the branch shown, one `Message` per transcript entry (same indices): a user
message, an assistant answer (empty while it streams), and with tools, per step an assistant
entry and a tool entry. A view subscribes to the callbacks and mirrors each change; the session
never knows the view (the window's chat controller is one such view).

A user message may carry attachments (`send(text, attachments=...)`, `Message.attachments`):
the originals, as the user gave them. They are saved with the message and come back with it on
`load`, and `conversation()` hands them to the provider on every turn of the branch; fitting
them to the protocol happens while the request is built (core/attachment.py).

Retrying a failed turn replaces it: a failure is no version worth stepping back to, and keeping
it would leave a sibling that only says "error". Regenerating after a failure is a retry too.

Given a `HistoryStore`, the session writes through as it goes: the question is committed before
the request goes out, the answer as it streams (`SavedTurn`, every 150 ms), each tool step's
messages with the calls' approvals and results, the branch shown when it changes. A write that
fails stops the saving, never the conversation: `history_failed` says so once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, ParamSpec

from desktop_chat.core.conversation import AssistantTurn, Attachment, Conversation, Message
from desktop_chat.i18n import N_, _
from desktop_chat.session.message_tree import MessageTree, Node, call_meta, call_records
from desktop_chat.session.saved_turn import SavedTurn
from desktop_chat.storage.history_schema import HistoryError

if TYPE_CHECKING:
    from desktop_chat.core.errors import ChatError
    from desktop_chat.session.tool_step import CallRecord
    from desktop_chat.storage.history import HistoryStore, Meta, State

P = ParamSpec("P")

CUT_OFF = N_("The answer was cut off before it was complete (the app was closed or stopped).")
NO_ANSWER = N_("No answer was saved for this message.")


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
    """The messages of one conversation, as a tree, and the rules that change them.

    Callbacks, each with the index of the entry concerned:
    - `truncated(index)`: entries from `index` on are gone from the branch shown.
    - `added(index, message, status)`: a finished message is shown (status: "", "stopped" or
      "interrupted"); a tool entry's calls are `calls(index)`.
    - `answer_started(index)`: an empty assistant entry was added; its answer streams.
    - `cleared()`: the view is emptied (a new conversation, or one about to be loaded).
    - `saved(conversation_id)`: the conversation was written (a message, an answer's end).
    - `history_failed(reason)`: a write failed; nothing more is saved in this session.
    """

    def __init__(self, store: HistoryStore | None = None) -> None:
        self.store = store
        self.conversation_id: str | None = None
        self.messages: list[Message] = []
        self.ids: list[str] = []  # the node of each entry shown
        self.tree = MessageTree()
        self.last_error = ""
        self.edit_index: int | None = None
        self.live_index: int | None = None  # the assistant entry that streams now
        self.saving: SavedTurn | None = None  # the live answer as it is written
        self._turn_meta: Meta = {}
        self._open_tool: str | None = None  # a tool entry whose results may still change
        self.truncated: Callbacks[[int]] = Callbacks()
        self.added: Callbacks[[int, Message, str]] = Callbacks()
        self.answer_started: Callbacks[[int]] = Callbacks()
        self.cleared: Callbacks[[]] = Callbacks()
        self.saved: Callbacks[[str]] = Callbacks()
        self.history_failed: Callbacks[[str]] = Callbacks()

    # --- what the user does ---------------------------------------------------------------------

    def send(self, text: str, system: str = "", attachments: tuple[Attachment, ...] = ()) -> bool:
        """Add `text` as the next user message (a new version of the edited one, when editing).

        Returns False for blank text without attachments; the caller then starts a turn
        (`begin_answer`). `system` is kept with a conversation this message starts.
        `attachments` (originals, as the user gave them) go with the message: into the history,
        back with it on `load`, and to the provider on every later turn of this branch.
        """
        if not text.strip() and not attachments:
            return False
        parent = self.ids[-1] if self.ids else None
        if self.edit_index is not None:
            parent = self.tree[self.ids[self.edit_index]].parent
            self._truncate(self.edit_index)
            self.edit_index = None
        message = Message("user", text=text, attachments=attachments)
        node = self._new_node(parent, message, system=system)
        self._show(node)
        return True

    def answer_again(self, *, keep_old: bool) -> bool:
        """Drop the answer to the last user message from view, to ask for a new one.

        With `keep_old` the answer stays as a sibling of the next; without, it is deleted (a
        failed turn). Returns False when there is no user message.
        """
        last_user = max((i for i, m in enumerate(self.messages) if m.role == "user"), default=-1)
        if last_user < 0:
            return False
        if last_user + 1 < len(self.ids):
            old = self.ids[last_user + 1]
            self._truncate(last_user + 1)
            if not (keep_old and any(has_content(n.message) for n in self.tree.subtree(old))):
                self._delete(old)
        return True

    def retry(self) -> bool:
        """Run the failed (or last) turn again, replacing what it showed."""
        return self.answer_again(keep_old=False)

    def regenerate(self) -> bool:
        """Answer the last user message again; the old answer stays as a sibling.

        After a failure there is no answer worth keeping: it is a retry.
        """
        return self.answer_again(keep_old=not self.last_error)

    def reopen_answer(self) -> Message | None:
        """Take back the last answer, cut short, to continue it (session/continuation.py).

        Its entry goes (`truncated`, and from the history: the continued answer replaces it,
        partial text first); the caller streams it again into a new one (`begin_answer`).
        None when the last entry is not an answer with text.
        """
        if self.live_index is not None or not self.messages:
            return None
        partial = self.messages[-1]
        if partial.role != "assistant" or not partial.text.strip():
            return None
        old = self.ids[-1]
        self._truncate(len(self.ids) - 1)
        self._delete(old)
        self.last_error = ""
        return partial

    def begin_edit(self, index: int) -> str | None:
        """Start editing user message `index`; return the label saying what sending does.

        None when `index` is not a user message.
        """
        if not 0 <= index < len(self.messages) or self.messages[index].role != "user":
            return None
        self.edit_index = index
        number = sum(1 for m in self.messages[: index + 1] if m.role == "user")
        return _(
            "Editing message {number}: sending makes a new version (the earlier one stays)"
        ).format(number=number)

    def cancel_edit(self) -> None:
        self.edit_index = None

    def clear(self) -> None:
        """Start an empty conversation (the one shown stays saved as it is)."""
        self._end_saving()
        self.edit_index = None
        self.live_index = None
        self.conversation_id = None
        self.messages.clear()
        self.ids.clear()
        self.tree.clear()
        self._open_tool = None
        self.last_error = ""
        self.cleared.emit()

    def conversation(self, system: str = "") -> Conversation:
        """The branch to send, without empty (failed) answers."""
        kept = [m for m in self.messages if m.role != "assistant" or has_content(m)]
        return Conversation(system, kept)

    # --- branches -------------------------------------------------------------------------------

    def versions(self, index: int) -> tuple[int, int]:
        """Entry `index`'s position among its versions (1-based) and their number: (2, 3)."""
        siblings = self.tree.siblings(self.ids[index])
        return siblings.index(self.ids[index]) + 1, len(siblings)

    def switch(self, index: int, step: int) -> bool:
        """Show the version `step` away (-1 the previous, 1 the next) of entry `index`.

        The branch then follows that version down to its newest last message, as the store's
        `select_leaf` does, and the store remembers it. False if there is no such version.
        """
        if self.live_index is not None or not 0 <= index < len(self.ids):
            return False
        position, count = self.versions(index)
        if not 1 <= position + step <= count:
            return False
        chosen = self.tree.siblings(self.ids[index])[position - 1 + step]
        self.edit_index = None
        self._truncate(index)
        self._show_down(chosen)
        if self.store is not None and self.conversation_id is not None:
            self._write(self.store.select_leaf, self.conversation_id, chosen)
        return True

    def calls(self, index: int) -> list[CallRecord]:
        """The calls a tool entry shows (its records; rebuilt for one loaded from the history)."""
        node = self.tree[self.ids[index]]
        if node.calls is None:
            node.calls = call_records(self.tree.get(node.parent), node)
        return node.calls

    def node(self, index: int) -> Node:
        return self.tree[self.ids[index]]

    # --- the history ----------------------------------------------------------------------------

    def load(self, conversation_id: str, message_id: str | None = None) -> None:
        """Show a saved conversation: its remembered branch, or the one through `message_id`.

        Raises HistoryError (nothing changes then) if it cannot be read.
        """
        if self.store is None:
            raise HistoryError("the history is off")
        info = self.store.conversation(conversation_id)
        if info is None:
            raise HistoryError(f"no conversation {conversation_id} in the history")
        stored = self.store.messages(conversation_id)
        self.clear()
        self.conversation_id = conversation_id
        for item in stored:
            node = Node(item.id, item.parent_id, item.message, item.state, dict(item.meta))
            self.tree.add(node)
        start = message_id if message_id in self.tree else info.leaf_id
        if start not in self.tree:
            start = stored[-1].id if stored else None
        if start is None:
            return
        path = self.tree.up(start)
        for node_id in path[:-1]:
            self._show(self.tree[node_id])
        self._show_down(path[-1])
        if message_id in self.tree and message_id != info.leaf_id:
            self._write(self.store.select_leaf, conversation_id, self.ids[-1])

    def index_of(self, message_id: str) -> int | None:
        """The entry showing `message_id`, if it is on the branch shown."""
        return self.ids.index(message_id) if message_id in self.ids else None

    # --- the answer as it streams ---------------------------------------------------------------

    def begin_answer(self, meta: Meta | None = None) -> int:
        """Add the empty assistant entry an answer (or a tool turn's next step) streams into.

        `meta` (endpoint, model, options) is saved with it and with the turn's later steps.
        """
        if meta is not None:
            self._turn_meta = meta
        self._settle_tool()
        parent = self.ids[-1] if self.ids else None
        node = self._new_node(parent, Message("assistant"), state="streaming")
        index = self.live_index = len(self.ids)
        self.ids.append(node.id)
        self.messages.append(node.message)
        self.answer_started.emit(index)
        return index

    def end_answer(
        self,
        message: Message,
        turn: AssistantTurn | None = None,
        error: ChatError | None = None,
        *,
        stopped: str = "",
        cost: float | None = None,
    ) -> None:
        """The streaming entry becomes `message`: what arrived, also of a stopped or failed turn.

        `turn` carries usage and timings for the history, `cost` what it cost at the user's
        price; `error` or `stopped` (the reason) mark it interrupted.
        """
        if self.live_index is not None and self.live_index < len(self.ids):
            node = self.tree[self.ids[self.live_index]]
            node.message = self.messages[self.live_index] = message
            node.state = "interrupted" if error is not None or stopped else "complete"
            if stopped:
                node.meta["error"] = {"type": "stopped", "message": stopped}
            saving, self.saving = self.saving, None
            if saving is not None:
                turn = turn or AssistantTurn()
                if stopped:
                    saving.interrupt(turn, stopped, message=message, kind="stopped")
                else:
                    saving.finish(turn, error, message=message, cost=cost)
                self._note(saving)
        self.live_index = None
        self._settle_tool()

    def add_tool_results(self, message: Message, calls: list[CallRecord] | None = None) -> int:
        """Add a tool step's results entry (drawn by whoever runs the tools from `calls`).

        Its results and the calls' approvals are saved again as they change, when the next step
        starts or the turn ends.
        """
        node = self._new_node(self.ids[-1] if self.ids else None, message)
        node.calls = calls
        self._open_tool = node.id
        self.ids.append(node.id)
        self.messages.append(message)
        return len(self.ids) - 1

    def abandon(self, reason: str) -> None:
        """The app closes mid-answer: save what arrived, marked interrupted."""
        self._end_saving(reason)
        self._settle_tool()

    # --- inside ---------------------------------------------------------------------------------

    def _new_node(
        self, parent: str | None, message: Message, *, state: State = "complete", system: str = ""
    ) -> Node:
        node = Node(uuid.uuid4().hex, parent, message, state)
        if state == "streaming":
            node.meta = dict(self._turn_meta)
        self.tree.add(node)
        if self.store is not None:
            self._save_new(node, system)
        return node

    def _save_new(self, node: Node, system: str) -> None:
        store = self.store
        assert store is not None
        try:
            if self.conversation_id is None:
                self.conversation_id = store.create_conversation(system)
            if node.state == "streaming":
                store.add_message(
                    self.conversation_id, node.parent, node.message,
                    state="streaming", meta=node.meta, message_id=node.id,
                )  # fmt: skip
                self.saving = SavedTurn(store, self.conversation_id, node.id, index_later=True)
                self.saving.start_flushing()
                return
            store.add_message(
                self.conversation_id, node.parent, node.message, meta=node.meta, message_id=node.id
            )
        except HistoryError as exc:
            self._failed(exc)
            return
        self.saved.emit(self.conversation_id)

    def _settle_tool(self) -> None:
        """Save the open tool entry's results and the calls' approvals as they are now."""
        node_id, self._open_tool = self._open_tool, None
        node = self.tree.get(node_id)
        if node is None:
            return
        if node.calls is not None:
            node.meta["calls"] = [call_meta(record) for record in node.calls]
        if self.store is not None:
            self._write(self.store.finish, node.id, node.message, "complete", node.meta)

    def _end_saving(self, reason: str = "") -> None:
        saving, self.saving = self.saving, None
        if saving is not None and self.live_index is not None:
            message = self.messages[self.live_index]
            saving.flush()
            stored = self.store.message(saving.message_id) if self.store is not None else None
            if stored is not None:
                message = stored.message
            saving.interrupt(AssistantTurn(), _(reason or CUT_OFF), message=message)
            self._note(saving)

    def _note(self, saving: SavedTurn) -> None:
        if saving.error is not None:
            self._failed(saving.error)
        else:
            self.saved.emit(saving.conversation_id)

    def _write(self, write: Callable[..., object], *args: object) -> None:
        try:
            write(*args)
        except HistoryError as exc:
            self._failed(exc)
            return
        if self.conversation_id is not None:
            self.saved.emit(self.conversation_id)

    def _failed(self, exc: HistoryError) -> None:
        if self.store is not None:
            self.store = None
            self.history_failed.emit(
                _("The conversation is no longer saved: {error}").format(error=exc)
            )

    def _show(self, node: Node) -> None:
        self.ids.append(node.id)
        self.messages.append(node.message)
        self.added.emit(len(self.ids) - 1, node.message, self._status(node.id))

    def _show_down(self, node_id: str) -> None:
        """Show `node_id` and below it, each time its newest child, down to a leaf."""
        for below in self.tree.down(node_id):
            self._show(self.tree[below])
        self.last_error = self._cut_off()

    def _cut_off(self) -> str:
        """What the branch's end says went wrong: an answer cut off, or none saved at all."""
        if not self.ids:
            return ""
        node = self.tree[self.ids[-1]]
        error = node.meta.get("error")
        if node.message.role == "user":
            return _(NO_ANSWER)
        if node.state != "interrupted" or node.message.role != "assistant":
            return ""
        if isinstance(error, dict):
            if error.get("type") == "stopped":
                return ""
            return str(error.get("message") or CUT_OFF)
        return CUT_OFF

    def _status(self, node_id: str) -> str:
        node = self.tree[node_id]
        if node.state == "complete" or node.message.role != "assistant":
            return ""
        error = node.meta.get("error")
        return (
            "stopped"
            if isinstance(error, dict) and error.get("type") == "stopped"
            else ("interrupted")
        )

    def _delete(self, node_id: str) -> None:
        self.tree.remove(node_id)
        if self.store is not None:
            self._write(self.store.delete_message, node_id)

    def _truncate(self, index: int) -> None:
        del self.messages[index:]
        del self.ids[index:]
        self.truncated.emit(index)


def has_content(message: Message) -> bool:
    return bool(message.text or message.reasoning or message.tool_calls)
