"""Wait, from async code, for what the window does: a turn's end, the transcript drawn.

The packaged self-test and the tests drive the window this way; each wait is bounded or ends
with the turn, whose end the chat controller always signals.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_chat.ui.chat.transcript import Transcript
    from desktop_chat.ui.chat_controller import ChatController


async def send_and_wait(chat: ChatController, text: str) -> str:
    """Send `text` and wait for the turn's end: "finished", "failed" or "stopped"."""
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def done(result: str) -> None:
        if not outcome.done():
            outcome.set_result(result)

    chat.turn_ended.connect(done)
    try:
        if not chat.send(text):
            return "failed"
        return await outcome
    finally:
        chat.turn_ended.disconnect(done)


async def wait_rendered(transcript: Transcript, within: float, poll: float) -> bool:
    """Wait until the transcript has drawn everything (it spreads bursts over frames).

    The transcript has no "drawn" signal, so poll it, for at most `within` seconds; return
    whether it finished.
    """
    for _attempt in range(max(1, int(within / poll))):
        if not transcript.busy:
            return True
        await asyncio.sleep(poll)
    return not transcript.busy
