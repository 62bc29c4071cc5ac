"""TurnBridge against the scripted SSE server: events as signals, stop at once, one ending."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from desktop_chat.core.conversation import AssistantTurn, Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import AuthenticationError, ChatError
from desktop_chat.core.events import AttemptStarted, RetryScheduled, StreamEvent, TextDelta
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.ui.bridge import KeyLookupError, TurnBridge
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream

REQUEST = ChatRequest("m", Conversation("", [Message("user", text="hi")]), max_tokens=20)


class Recorder:
    """Collect everything a bridge says, in order."""

    def __init__(self, bridge: TurnBridge) -> None:
        self.log: list[tuple[str, object]] = []
        self.events: list[StreamEvent] = []
        bridge.turn_started.connect(lambda: self.log.append(("started", None)))
        bridge.events_received.connect(self._on_events)
        bridge.turn_finished.connect(lambda turn: self.log.append(("finished", turn)))
        bridge.turn_failed.connect(lambda err, part: self.log.append(("failed", (err, part))))
        bridge.turn_stopped.connect(lambda turn: self.log.append(("stopped", turn)))

    def _on_events(self, batch: list[StreamEvent]) -> None:
        self.events.extend(batch)
        self.log.append(("events", len(batch)))

    @property
    def endings(self) -> list[tuple[str, object]]:
        return [entry for entry in self.log if entry[0] in ("finished", "failed", "stopped")]

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))


_engines: list[Engine] = []


def engine() -> Engine:
    made = Engine(
        TransportConfig(connect_timeout=2.0, read_timeout=5.0),
        RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.02),
    )
    _engines.append(made)
    return made


@pytest.fixture
def bridge(qtbot, loop, run_async) -> Iterator[TurnBridge]:
    made = TurnBridge()
    yield made
    run_async(made.aclose())
    while _engines:
        run_async(_engines.pop().aclose())
    made.deleteLater()  # in this thread, not whichever thread runs the garbage collector


def finish(qtbot, recorder: Recorder, timeout: int = 5000) -> tuple[str, object]:
    qtbot.waitUntil(lambda: bool(recorder.endings), timeout=timeout)
    return recorder.endings[0]


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_streams_events_then_finishes(qtbot, bridge, sse_server: ScriptedServer, protocol):
    chunks = (
        openai_stream(["Hel", "lo", " world"])
        if protocol == "openai"
        else anthropic_stream(["Hel", "lo", " world"])
    )
    sse_server.script(Reply(chunks=chunks))
    url = sse_server.url + ("/v1" if protocol == "openai" else "")
    recorder = Recorder(bridge)
    bridge.start(engine(), EndpointConfig(protocol, url, "k"), REQUEST)
    assert bridge.running
    kind, turn = finish(qtbot, recorder)
    assert kind == "finished"
    assert isinstance(turn, AssistantTurn)
    assert turn.text == "Hello world" == recorder.text
    assert recorder.log[0] == ("started", None)
    assert recorder.log[-1][0] == "finished"  # every batch came before the ending
    assert not bridge.running


def test_stop_ends_at_once_and_keeps_what_arrived(qtbot, bridge, sse_server):
    pieces = [f"w{i} " for i in range(200)]
    sse_server.script(Reply(chunks=openai_stream(pieces), delay=0.02))
    recorder = Recorder(bridge)
    eng = engine()
    bridge.start(eng, EndpointConfig("openai", sse_server.url + "/v1"), REQUEST)
    qtbot.waitUntil(lambda: len(recorder.text) > 10, timeout=5000)
    assert bridge.stop() is True
    # Synchronous: the ending signal was emitted inside stop().
    assert [kind for kind, _ in recorder.endings] == ["stopped"]
    stopped = recorder.endings[0][1]
    assert isinstance(stopped, AssistantTurn)
    assert stopped.text == recorder.text
    assert stopped.text.startswith("w0 w1 ")
    assert not bridge.running
    seen = len(recorder.events)
    qtbot.wait(200)  # nothing more may arrive once stopped
    assert len(recorder.events) == seen
    assert len(recorder.endings) == 1
    assert bridge.stop() is False


def test_new_turn_after_stop_is_not_disturbed_by_the_old_task(qtbot, bridge, sse_server):
    sse_server.script(
        Reply(chunks=openai_stream([f"a{i} " for i in range(100)]), delay=0.02),
        Reply(chunks=openai_stream(["second"])),
    )
    recorder = Recorder(bridge)
    endpoint = EndpointConfig("openai", sse_server.url + "/v1")
    bridge.start(engine(), endpoint, REQUEST)
    qtbot.waitUntil(lambda: bool(recorder.text), timeout=5000)
    bridge.stop()
    recorder.events.clear()
    bridge.start(engine(), endpoint, REQUEST)
    qtbot.waitUntil(lambda: len(recorder.endings) == 2, timeout=5000)
    assert [kind for kind, _ in recorder.endings] == ["stopped", "finished"]
    assert recorder.text == "second"
    qtbot.wait(100)
    assert len(recorder.endings) == 2


def test_start_while_running_is_refused(qtbot, bridge, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["x"] * 50), delay=0.02))
    recorder = Recorder(bridge)
    endpoint = EndpointConfig("openai", sse_server.url + "/v1")
    bridge.start(engine(), endpoint, REQUEST)
    with pytest.raises(RuntimeError, match="already running"):
        bridge.start(engine(), endpoint, REQUEST)
    bridge.stop()
    assert [kind for kind, _ in recorder.endings] == ["stopped"]


def test_http_error_fails_the_turn_with_the_chat_error(qtbot, bridge, sse_server):
    sse_server.script(Reply(401, body=b'{"error": {"message": "Incorrect API key provided"}}'))
    recorder = Recorder(bridge)
    bridge.start(engine(), EndpointConfig("openai", sse_server.url + "/v1", "bad"), REQUEST)
    kind, payload = finish(qtbot, recorder)
    assert kind == "failed"
    error, partial = payload  # type: ignore[misc]
    assert isinstance(error, AuthenticationError)
    assert "Incorrect API key provided" in str(error)
    assert isinstance(partial, AssistantTurn)
    assert partial.text == ""


def test_retry_events_arrive_and_only_the_last_attempt_counts(qtbot, bridge, sse_server):
    sse_server.script(
        Reply(503, body=b'{"error": {"message": "busy"}}'),
        Reply(chunks=openai_stream(["fine"])),
    )
    recorder = Recorder(bridge)
    bridge.start(engine(), EndpointConfig("openai", sse_server.url + "/v1"), REQUEST)
    kind, turn = finish(qtbot, recorder)
    assert kind == "finished"
    assert turn.text == "fine"  # type: ignore[union-attr]
    assert turn.attempts == 2  # type: ignore[union-attr]
    retries = [e for e in recorder.events if isinstance(e, RetryScheduled)]
    assert len(retries) == 1
    assert retries[0].cause.status == 503
    assert [e.attempt for e in recorder.events if isinstance(e, AttemptStarted)] == [1, 2]


def test_key_source_is_awaited_and_sent(qtbot, bridge, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    recorder = Recorder(bridge)

    async def key() -> str:
        await asyncio.sleep(0)
        return "sk-from-keyring-123"

    bridge.start(engine(), EndpointConfig("openai", sse_server.url + "/v1"), REQUEST, key=key)
    assert finish(qtbot, recorder)[0] == "finished"
    assert sse_server.requests[0].headers["authorization"] == "Bearer sk-from-keyring-123"


def test_key_source_failure_fails_the_turn_without_a_request(qtbot, bridge, sse_server):
    recorder = Recorder(bridge)

    async def key() -> str:
        raise OSError("The keyring is locked")

    bridge.start(engine(), EndpointConfig("openai", sse_server.url + "/v1"), REQUEST, key=key)
    kind, payload = finish(qtbot, recorder)
    assert kind == "failed"
    error, _ = payload  # type: ignore[misc]
    assert isinstance(error, KeyLookupError)
    assert isinstance(error, ChatError)
    assert "keyring is locked" in str(error)
    assert sse_server.requests == []


def test_aclose_cancels_and_waits(qtbot, bridge, sse_server, run_async):
    sse_server.script(Reply(chunks=openai_stream(["y"] * 100), delay=0.05))
    recorder = Recorder(bridge)
    bridge.start(engine(), EndpointConfig("openai", sse_server.url + "/v1"), REQUEST)
    qtbot.waitUntil(lambda: bool(recorder.events), timeout=5000)
    run_async(bridge.aclose())
    assert not bridge.running
    assert [kind for kind, _ in recorder.endings] == ["stopped"]
