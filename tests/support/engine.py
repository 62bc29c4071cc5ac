"""What engine tests share: the engine's sleep, recorded instead of slept, and a short request."""

from __future__ import annotations

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest

REQUEST = ChatRequest("m", Conversation("be brief", [Message("user", text="hi")]), max_tokens=50)


class Sleeps:
    """Records the delays the engine asks for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
