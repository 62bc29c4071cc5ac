"""Run one turn of the engine as an asyncio task and forward what happens as Qt signals.

The bridge is the only place the window meets the engine. Events are buffered and delivered once
per frame (`events_received`, a list), so a fast stream costs one render per frame, not one per
token; and the engine's callback only appends to a list, so nothing the window does while
rendering can raise into the stream. Exactly one of `turn_finished`, `turn_failed` or
`turn_stopped` ends every turn that `turn_started` began, after the last batch of events.

A turn is run by a `TurnRunner`: the engine alone, or the tool loop (which calls the engine once
per step and adds its own events). Every turn is traced; an observer (the inspector) receives
every event as it arrives, trace events included, while the per-frame batches leave the trace
out, since the transcript never draws it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_chat.core.accumulator import Accumulator
from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.core.errors import ChatError, ConfigurationError
from desktop_chat.core.events import RequestSent, ResponseStarted, WireEvent

if TYPE_CHECKING:
    from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine

log = logging.getLogger(__name__)

FRAME_MS = 16
KeySource = Callable[[], Awaitable[str | None]]
EventSink = Callable[[object], None]  # a StreamEvent or a tool-loop event
Observer = Callable[[object, float], None]  # (event, time.monotonic() at arrival)
TurnRunner = Callable[
    ["Engine", "EndpointConfig", "ChatRequest", EventSink], Awaitable[AssistantTurn]
]
_TRACE = (RequestSent, ResponseStarted, WireEvent)


async def engine_turn(
    engine: Engine, endpoint: EndpointConfig, request: ChatRequest, on_event: EventSink
) -> AssistantTurn:
    """The plain runner: one traced turn of the engine."""
    return await engine.run(endpoint, request, on_event, trace=True)


class KeyLookupError(ConfigurationError):
    """The key for the endpoint could not be read (keyring locked, missing, not answering)."""


class _Turn:
    """One turn's state; a stopped turn's task may still unwind while the next one runs."""

    __slots__ = ("accumulator", "ended", "observer", "observer_failed", "pending", "task")

    def __init__(self, observer: Observer | None) -> None:
        self.accumulator = Accumulator()
        self.pending: list[object] = []
        self.ended = False
        self.task: asyncio.Task[None] | None = None
        self.observer = observer
        self.observer_failed = False


class TurnBridge(QObject):
    """Own the task of the turn in progress; `stop()` ends it at once and keeps what arrived."""

    turn_started = Signal()
    events_received = Signal(list)  # stream and loop events but no trace, in order, once per frame
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
        runner: TurnRunner = engine_turn,
        observer: Observer | None = None,
    ) -> None:
        """Begin a turn; `key`, when given, is awaited first for the endpoint's API key.

        `runner` runs the turn (the engine alone by default, or the tool loop); `observer` is
        called with every event and its arrival time, from inside the stream, and guarded: an
        exception in it is logged once and the stream goes on.
        Raises RuntimeError when a turn is already running: the window stops it first.
        """
        if self.running:
            raise RuntimeError("a turn is already running")
        turn = self._turn = _Turn(observer)
        self.turn_started.emit()
        turn.task = asyncio.get_running_loop().create_task(
            self._run(turn, engine, endpoint, request, key, runner), name="desktop-chat turn"
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
        runner: TurnRunner,
    ) -> None:
        observer = turn.observer

        def on_event(event: object) -> None:
            # Record and buffer only, so nothing can raise back into the stream.
            if turn.ended:
                return
            if observer is not None:
                try:
                    observer(event, time.monotonic())
                except Exception:
                    if not turn.observer_failed:
                        turn.observer_failed = True
                        log.exception("the turn's observer failed; the stream continues")
            if isinstance(event, _TRACE):
                return  # only the observer wants the wire; keep it out of the frame batches
            turn.accumulator.feed(event)  # type: ignore[arg-type]
            turn.pending.append(event)
            if not self._flush_timer.isActive():
                self._flush_timer.start()

        try:
            if key is not None:
                endpoint = dataclasses.replace(endpoint, api_key=await _read_key(key))
            result = await runner(engine, endpoint, request, on_event)
        except ChatError as error:
            partial = error.partial if error.partial is not None else turn.accumulator.turn
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
