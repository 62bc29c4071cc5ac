"""The fixed conversation the visual tests draw: every kind of content the transcript styles.

The user's question; Markdown prose with a heading, a list and a quote; a fenced code block; a
table; a tool call with its result; and, shown by the test, an error. Times are fixed (a January
2025 afternoon, UTC), so the sidebar's group and any time shown are the same on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from desktop_chat.core.conversation import Message, ToolCall, ToolResult
from desktop_chat.storage.history import ConversationInfo, HistoryStore, StoredMessage

STAMP = datetime(2025, 1, 15, 14, 30, tzinfo=UTC).timestamp()
CONVERSATION = "0" * 31 + "1"
ERROR = "The server refused the request: 429 Too Many Requests. Retrying in 8 s."

QUESTION = "Plan the release: Friday, or after the review?"

TOOL_INTRO = "Let me check the calendar first."

ANSWER = """\
## Release plan

Friday works. The review lands on **Thursday**, so:

- freeze the schema on Thursday
- tag `v1.4.0` on Friday morning

> Keep the changelog in step with the tag.

```python
def release(version: str) -> None:
    publish(version, channel="stable")
```

| Day | Task | Owner |
|---|---|---|
| Thu | Review | Ana |
| Fri | Tag and publish | Li |
"""


def fill(store: HistoryStore) -> None:
    """Save the conversation as a finished one, last in the history so the window reopens it."""
    ids = [f"{n:032x}" for n in range(1, 5)]
    call = ToolCall("call_1", "calendar", '{"week": "2025-W03"}')
    turns = [
        Message("user", text=QUESTION),
        Message("assistant", text=TOOL_INTRO, tool_calls=[call]),
        Message("tool", tool_results=[ToolResult("call_1", "Thu: review\nFri: free")]),
        Message("assistant", text=ANSWER),
    ]
    messages = []
    parent: str | None = None
    for number, (message_id, message) in enumerate(zip(ids, turns, strict=True)):
        at = STAMP + number
        messages.append(
            StoredMessage(message_id, CONVERSATION, parent, message, "complete", at, at)
        )
        parent = message_id
    info = ConversationInfo(
        CONVERSATION, "Plan a release", True, False, "", STAMP, STAMP + 3, ids[-1], len(turns)
    )
    store.insert_conversation(info, messages)
