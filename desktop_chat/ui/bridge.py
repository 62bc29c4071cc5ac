"""Run one turn of the engine as an asyncio task and forward what happens as Qt signals.

The bridge is the only place the window meets the engine. Events are buffered and delivered once
per frame (`events_received`, a list), so a fast stream costs one render per frame, not one per
token; and the engine's callback only appends to a list, so nothing the window does while
rendering can raise into the stream. Exactly one of `turn_finished`, `turn_failed` or
`turn_stopped` ends every turn that `turn_started` began, after the last batch of events.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_chat.core.accumulator import Accumulator, AssistantTurn
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ChatError, ConfigurationError
from desktop_chat.core.events import StreamEvent

log = logging.getLogger(__name__)

FRAME_MS = 16
KeySource = Callable[[], Awaitable[str | None]]


class KeyLookupError(ConfigurationError):
    """The key for the endpoint could not be read (keyring locked, missing, not answering)."""


class _Turn:
    """One turn's state; a stopped turn's task may still unwind while the next one runs."""

    __slots__ = ("accumulator", "ended", "pending", "task")

    def __init__(self) -> None:
        self.accumulator = Accumulator()
        self.pending: list[StreamEvent] = []
        self.ended = False
        self.task: asyncio.Task[None] | None = None


class TurnBridge(QObject):
    """Own the task of the turn in progress; `stop()` ends it at once and keeps what arrived."""

    turn_started = Signal()
    events_received = Signal(list)  # list[StreamEvent], in order, at most one batch per frame
    turn_finished = Signal(object)  # AssistantTurn
    turn_failed = Signal(
        object, object
    )  # ChatError, AssistantTurn (what the last attempt streamed)
    turn_stopped = Signal(object)  # AssistantTurn: what had arrived when Stop was pressed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._turn: _Turn | None = None
        self._unwinding: set[asyncio.Task[None]] = set()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FRAME_MS)
        self._flush_timer.timeout.connect(self._flush)

    @property
    def running(self) -> bool:
        """True from `start()` until the turn's ending signal."""
        return self._turn is not None and not self._turn.ended

    def start(
        self,
        engine: Engine,
        endpoint: EndpointConfig,
        request: ChatRequest,
        *,
        key: KeySource | None = None,
    ) -> None:
        """Begin a turn; `key`, when given, is awaited first for the endpoint's API key.

        Raises RuntimeError when a turn is already running: the window stops it first.
        """
        if self.running:
            raise RuntimeError("a turn is already running")
        turn = self._turn = _Turn()
        self.turn_started.emit()
        turn.task = asyncio.get_running_loop().create_task(
            self._run(turn, engine, endpoint, request, key), name="desktop-chat turn"
        )
        self._unwinding.add(turn.task)
        turn.task.add_done_callback(self._unwinding.discard)

    def stop(self) -> bool:
        """Cancel the turn now: emit `turn_stopped` with what arrived; False if none was running.

        The task is cancelled at once, which closes the HTTP connection; nothing it might still
        deliver reaches the window, since the turn has already ended.
        """
        turn = self._turn
        if turn is None or turn.ended:
            return False
        self._end(turn)
        if turn.task is not None:
            turn.task.cancel()
        self.turn_stopped.emit(turn.accumulator.turn)
        return True

    async def aclose(self) -> None:
        """Stop any turn and wait (bounded) for every cancelled task to unwind."""
        self.stop()
        tasks = {task for task in self._unwinding if not task.done()}
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)

    # --- the task -------------------------------------------------------------------------------

    async def _run(
        self,
        turn: _Turn,
        engine: Engine,
        endpoint: EndpointConfig,
        request: ChatRequest,
        key: KeySource | None,
    ) -> None:
        def on_event(event: StreamEvent) -> None:
            # Record and buffer only, so nothing can raise back into the stream.
            if not turn.ended:
                turn.accumulator.feed(event)
                turn.pending.append(event)
                if not self._flush_timer.isActive():
                    self._flush_timer.start()

        try:
            if key is not None:
                endpoint = dataclasses.replace(endpoint, api_key=await _read_key(key))
            result = await engine.run(endpoint, request, on_event)
        except ChatError as error:
            partial = getattr(error, "partial", None)
            if not isinstance(partial, AssistantTurn):
                partial = turn.accumulator.turn
            if not turn.ended:
                self._end(turn)
                self.turn_failed.emit(error, partial)
            return
        except asyncio.CancelledError:
            if not turn.ended:  # cancelled from outside stop(): still end the turn once
                self._end(turn)
                self.turn_stopped.emit(turn.accumulator.turn)
            raise
        except Exception as exc:  # a bug below must still end the turn visibly
            log.exception("the turn failed unexpectedly")
            if not turn.ended:
                self._end(turn)
                unexpected = ChatError(f"Unexpected error: {type(exc).__name__}: {exc}")
                self.turn_failed.emit(unexpected, turn.accumulator.turn)
            return
        if not turn.ended:
            self._end(turn)
            self.turn_finished.emit(result)

    def _flush(self) -> None:
        turn = self._turn
        if turn is None or not turn.pending:
            return
        batch, turn.pending = turn.pending, []
        self.events_received.emit(batch)

    def _end(self, turn: _Turn) -> None:
        """Deliver what is buffered, then mark the turn ended (before its ending signal)."""
        if turn is self._turn:
            self._flush_timer.stop()
            self._flush()
        turn.ended = True


async def _read_key(key: KeySource) -> str | None:
    try:
        return await key()
    except ChatError:
        raise
    except Exception as exc:  # KeyStoreError and friends: their message is for a person
        raise KeyLookupError(str(exc) or type(exc).__name__) from exc
