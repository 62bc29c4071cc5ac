"""MCP over the official SDK: a real third-party server on stdio, failures with their stderr."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, Engine
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.storage.secrets import (
    MCP_HEADER_SERVICE,
    KeyringUnavailable,
    KeyStore,
    mcp_header_entry,
)
from desktop_chat.storage.tool_settings import McpServer
from desktop_chat.tools.events import Decision, PendingCall, Run
from desktop_chat.tools.loop import ToolLoop
from desktop_chat.tools.mcp_client import McpConnection, McpError, McpHub, result_text
from desktop_chat.tools.registry import ToolFailure, ToolRegistry
from desktop_chat.tools.stderr_tail import StderrTail
from desktop_chat.tools.stray_output import (
    MAX_KEPT,
    MAX_LINE,
    MAX_SHOWN,
    SDK_LOGGER,
    StrayOutput,
    shorten,
    watch_sdk_log,
)
from tests.support.mcp_http import http_mcp_server
from tests.support.sse_server import ScriptedServer
from tests.support.wire import OPENAI

ROOT = Path(__file__).resolve().parents[2]
TIME_SERVER = McpServer("time", command=sys.executable, args=("-m", "mcp_server_time"))


def python_server(name: str, code: str) -> McpServer:
    return McpServer(name, command=sys.executable, args=("-c", code))


@pytest.fixture
async def time_server() -> AsyncIterator[McpConnection]:
    connection = McpConnection(TIME_SERVER)
    await asyncio.wait_for(connection.start(), 60)
    yield connection
    await asyncio.wait_for(connection.aclose(), 20)


async def test_a_real_server_lists_and_calls_its_tools(time_server: McpConnection) -> None:
    names = [tool.name for tool in time_server.tools]
    assert "get_current_time" in names
    tool = next(t for t in time_server.tools if t.name == "get_current_time")
    assert tool.parameters["required"] == ["timezone"]
    output = await asyncio.wait_for(
        time_server.call("get_current_time", {"timezone": "Europe/Paris"}), 20
    )
    assert not output.is_error
    assert '"timezone": "Europe/Paris"' in output.content
    assert '"datetime": "' in output.content
    failed = await asyncio.wait_for(
        time_server.call("get_current_time", {"timezone": "No/Where"}), 20
    )
    assert failed.is_error
    assert "No/Where" in failed.content
    started = time.monotonic()
    with pytest.raises(ToolFailure, match="failed during the call: MCPError: Unknown tool: nope"):
        await asyncio.wait_for(time_server.call("nope", {}), 20)
    assert time.monotonic() - started < 0.9  # a live server's error waits for no stderr
    (entry,) = [e for e in time_server.entries() if e.name == "get_current_time"]
    assert (entry.key, entry.origin) == ("mcp:time:get_current_time", "MCP server 'time'")


async def test_a_server_tool_runs_through_the_loop(
    sse_server: ScriptedServer, time_server: McpConnection
) -> None:
    sse_server.script(
        OPENAI.calls(("t1", "get_current_time", ['{"timezone": ', '"Asia/Tokyo"}'])),
        OPENAI.text("It is late in Tokyo."),
    )

    async def run(pending: PendingCall) -> Decision:
        return Run()

    engine = Engine(policy=RetryPolicy(max_retries=0))
    try:
        loop = ToolLoop(
            engine, OPENAI.endpoint(sse_server), ToolRegistry(time_server.entries()), approve=run
        )
        request = ChatRequest("m", Conversation("", [Message("user", text="time in Tokyo?")]))
        result = await asyncio.wait_for(loop.run(request), 30)
    finally:
        await engine.aclose()
    assert result.turn.text == "It is late in Tokyo."
    ((call_id, content, _),) = OPENAI.results(sse_server.requests[1])
    assert call_id == "t1"
    assert '"timezone": "Asia/Tokyo"' in content


async def test_a_server_that_exits_at_once_shows_its_stderr() -> None:
    code = "import sys; print('config file missing: ~/.srv.toml', file=sys.stderr); sys.exit(2)"
    connection = McpConnection(python_server("broken", code), connect_timeout=20)
    started = time.monotonic()
    with pytest.raises(McpError) as info:
        await asyncio.wait_for(connection.start(), 30)
    assert time.monotonic() - started < 10
    assert str(info.value) == (
        "MCP server 'broken' could not start: the server closed the connection (it may have "
        "exited) — its last output: config file missing: ~/.srv.toml"
    )
    assert info.value.stderr == "config file missing: ~/.srv.toml"


async def test_a_missing_command_is_named() -> None:
    connection = McpConnection(McpServer("ghost", command="/nonexistent/mcp-server"))
    with pytest.raises(McpError, match="'/nonexistent/mcp-server' was not found"):
        await asyncio.wait_for(connection.start(), 10)


async def test_a_silent_server_times_out_and_is_stopped() -> None:
    connection = McpConnection(
        python_server("mute", "import time; time.sleep(60)"), connect_timeout=1
    )
    started = time.monotonic()
    with pytest.raises(McpError, match="could not start: did not answer within 1 s"):
        await asyncio.wait_for(connection.start(), 30)
    assert time.monotonic() - started < 15


async def test_a_server_that_crashes_mid_session_is_a_tool_failure() -> None:
    server = McpServer(
        "crashing",
        command=sys.executable,
        args=("-m", "tests.tools.crashing_mcp_server"),
        cwd=str(ROOT),
    )
    connection = McpConnection(server, connect_timeout=60)
    assert not connection.alive
    await asyncio.wait_for(connection.start(), 90)
    try:
        assert connection.alive
        assert (await asyncio.wait_for(connection.call("echo", {"text": "hi"}), 20)).content == "hi"
        with pytest.raises(ToolFailure) as info:
            await asyncio.wait_for(connection.call("crash", {}), 20)
        assert not connection.alive  # so a window starts it again for the next turn
        message = str(info.value)
        assert message.startswith("MCP server 'crashing' failed during the call:")
        assert "fatal: the disk is on fire" in message
        with pytest.raises(ToolFailure, match=r"is not running|failed during the call"):
            await asyncio.wait_for(connection.call("echo", {"text": "again"}), 20)
    finally:
        await asyncio.wait_for(connection.aclose(), 20)


async def test_the_hub_keeps_going_when_one_server_fails() -> None:
    hub = McpHub([TIME_SERVER, python_server("dead", "raise SystemExit(1)")], connect_timeout=60)
    async with hub:
        assert [c.name for c in hub.connections] == ["time"]
        (failure,) = hub.failures
        assert failure.server == "dead"
        assert {e.source for e in hub.entries()} == {"mcp:time"}


@pytest.fixture
def http_server() -> Iterator[str]:
    with http_mcp_server() as url:
        yield url


async def test_streamable_http_with_headers(http_server: str) -> None:
    connection = McpConnection(McpServer("web", url=http_server, headers={"X-Team": "blue"}))
    await asyncio.wait_for(connection.start(), 30)
    try:
        assert [t.name for t in connection.tools] == ["shout"]
        assert (
            await asyncio.wait_for(connection.call("shout", {"text": "hi"}), 10)
        ).content == "HI"
    finally:
        await asyncio.wait_for(connection.aclose(), 20)
    refused = McpConnection(McpServer("web", url=http_server))
    with pytest.raises(McpError, match="refused the request"):
        await asyncio.wait_for(refused.start(), 30)


async def test_an_unreachable_url_is_named() -> None:
    connection = McpConnection(McpServer("far", url="http://127.0.0.1:9/mcp"))
    with pytest.raises(McpError, match=re.escape("could not connect to http://127.0.0.1:9/mcp")):
        await asyncio.wait_for(connection.start(), 30)


def test_result_text_names_what_is_not_text() -> None:
    from mcp.types import (
        CallToolResult,
        EmbeddedResource,
        ImageContent,
        TextContent,
        TextResourceContents,
    )

    result = CallToolResult(
        content=[
            TextContent(text="one"),
            ImageContent(data="AAAA", mime_type="image/png"),
            EmbeddedResource(resource=TextResourceContents(uri="file:///a.txt", text="inside")),
        ]
    )
    assert result_text(result) == "one\n[image content, image/png]\ninside"
    assert result_text(CallToolResult(content=[], structured_content={"n": 1})) == '{"n": 1}'


def test_stderr_tail_is_bounded() -> None:
    tail = StderrTail(limit=64)
    tail.writer.write("first line\n" + "x" * 200 + "\nlast words\n")
    tail.close()
    assert tail.text() == "last words"
    assert len(tail._buffer) <= 64
    with pytest.raises(ValueError, match="closed"):
        tail.writer  # noqa: B018


async def test_http_servers_go_through_the_apps_proxy_settings(
    http_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_proxy = "http://127.0.0.1:9"
    elsewhere = McpServer("web", url="http://mcp.example.invalid/mcp")  # only a proxy could answer
    custom_proxy = TransportConfig(proxy_mode="custom", proxy_url=closed_proxy)
    custom = McpConnection(elsewhere, network=custom_proxy)
    with pytest.raises(McpError, match=f"through the proxy {closed_proxy}"):
        await asyncio.wait_for(custom.start(), 30)

    monkeypatch.setenv("HTTP_PROXY", closed_proxy)
    monkeypatch.setenv("NO_PROXY", "")
    system = McpConnection(elsewhere, network=TransportConfig(proxy_mode="system"))
    with pytest.raises(McpError, match="could not connect"):
        await asyncio.wait_for(system.start(), 30)
    # A server on this machine is reached directly, whatever the proxy.
    local = McpServer("web", url=http_server, headers={"X-Team": "blue"})
    for network in (custom_proxy, TransportConfig(proxy_mode="system")):
        direct = McpConnection(local, network=network)
        await asyncio.wait_for(direct.start(), 30)
        await asyncio.wait_for(direct.aclose(), 20)


async def test_an_unusable_ca_bundle_is_said_plainly(tmp_path: Path) -> None:
    bundle = tmp_path / "corporate-ca.pem"
    bundle.write_text("not a certificate")
    server = McpServer("web", url="https://127.0.0.1:9/mcp")
    connection = McpConnection(server, network=TransportConfig(ca_bundle=str(bundle)))
    with pytest.raises(McpError) as info:
        await asyncio.wait_for(connection.start(), 30)
    problem = f"could not start: The CA bundle {str(bundle)!r} holds no usable PEM certificates"
    assert problem in str(info.value)


def _secured(url: str) -> McpServer:
    return McpServer("web", url=url, headers={"X-Team": "blue"}, keyring_headers=("Authorization",))


async def test_keyring_headers_are_sent_from_the_key_store() -> None:
    store = KeyStore(session_only=True)  # the real keyring's part is tested in tests/e2e
    store.set(mcp_header_entry("web", "authorization"), "Bearer tok-1", service=MCP_HEADER_SERVICE)
    with http_mcp_server(token="tok-1") as url:
        connection = McpConnection(_secured(url), keystore=store)
        await asyncio.wait_for(connection.start(), 30)
        try:
            result = await asyncio.wait_for(connection.call("shout", {"text": "ok"}), 10)
            assert result.content == "OK"
        finally:
            await asyncio.wait_for(connection.aclose(), 20)
        # A typed value (a form not saved yet) wins over the stored one.
        typed = McpConnection(
            _secured(url), keystore=store, header_values={"Authorization": "Bearer nope"}
        )
        with pytest.raises(McpError, match="refused the request") as info:
            await asyncio.wait_for(typed.start(), 30)
        assert "nope" not in str(info.value)
        hub = McpHub([_secured(url)], keystore=KeyStore(session_only=True))
        failures = await asyncio.wait_for(hub.start(), 30)
        await hub.aclose()
    assert [str(f) for f in failures] == [
        "MCP server 'web' could not start: its Authorization header has no value in the keyring "
        "(set it in Settings → Tools, or: desktop-chat mcp set-header web Authorization)"
    ]


async def test_an_unreachable_keyring_is_said_before_connecting() -> None:
    class Unreachable(KeyStore):
        def get(self, name: str, *, service: str | None = None) -> str | None:
            raise KeyringUnavailable("No keyring here.")

    connection = McpConnection(_secured("http://127.0.0.1:9/mcp"), keystore=Unreachable())
    with pytest.raises(McpError) as info:
        await asyncio.wait_for(connection.start(), 30)
    assert str(info.value) == "MCP server 'web' could not start: No keyring here."


NOISY = McpServer(
    "noisy", command=sys.executable, args=("-m", "tests.tools.noisy_mcp_server"), cwd=str(ROOT)
)
NOISY_WARNING = (
    "MCP server 'noisy' printed text on stdout, where only MCP messages belong: "
    "'Noisy MCP server 1.2 starting on stdio; reading the config from /etc/noisy/serv…'; "
    "it was ignored"
)


async def test_a_server_printing_on_stdout_is_one_line_and_still_works(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    connection = McpConnection(NOISY)
    await asyncio.wait_for(connection.start(), 60)
    try:
        assert connection.warning == NOISY_WARNING
        output = await asyncio.wait_for(connection.call("echo", {"text": "still here"}), 20)
        assert output.content == "still here"
    finally:
        await asyncio.wait_for(connection.aclose(), 20)
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out
    assert "Failed to parse" not in printed.err
    assert [r.name for r in caplog.records if r.name.startswith("mcp")] == []


async def test_a_server_printing_its_usage_and_exiting_says_what_it_printed() -> None:
    server = dataclasses.replace(NOISY, args=(*NOISY.args, "--usage"))
    connection = McpConnection(server, connect_timeout=20)
    with pytest.raises(McpError) as info:
        await asyncio.wait_for(connection.start(), 30)
    assert str(info.value) == (
        "MCP server 'noisy' could not start: the server closed the connection (it may have "
        "exited); it printed on stdout: 'usage: noisy-server [--port PORT] --config FILE' "
        "(and 1 more line)"
    )


def test_stray_output_is_kept_bounded_and_shortened() -> None:
    stray = StrayOutput()
    assert stray.describe() == ""
    stray.add("x" * 500_000)
    assert len(stray.lines[0]) == MAX_LINE
    assert stray.describe() == repr("x" * (MAX_SHOWN - 1) + "…")
    for n in range(1000):
        stray.add(f"line {n}\twith\r\n  spaces")
    assert len(stray.lines) == MAX_KEPT
    assert stray.lines[1] == "line 0\twith\r\n  spaces"
    assert stray.describe().endswith(" (and 1000 more lines)")
    assert shorten("a\t b\n") == "a b"
    keyed = StrayOutput()
    keyed.add("x" * 60 + " Authorization: Bearer sk-live-0123456789abcdef")
    assert "sk-" not in keyed.describe()
    assert "0123" not in keyed.describe()


def test_the_sdk_log_passes_through_outside_a_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch_sdk_log()
    watch_sdk_log()  # installed once
    logger = logging.getLogger(SDK_LOGGER)
    assert len([f for f in logger.filters if type(f).__name__ == "_SdkParseFilter"]) == 1
    with caplog.at_level(logging.ERROR, logger=SDK_LOGGER):
        try:
            raise ValueError("bad line")
        except ValueError:
            logger.exception("Failed to parse JSONRPC message from server")
    assert [r.name for r in caplog.records] == [SDK_LOGGER]


def test_a_closed_connection_is_told_by_the_sdk_error_code_not_by_words() -> None:
    from mcp import MCPError
    from mcp.types import CONNECTION_CLOSED

    from desktop_chat.tools import mcp_client

    server = McpServer("srv", command="srv")
    closed = MCPError(CONNECTION_CLOSED, "Connection closed")
    assert mcp_client._describe(closed, server) == (
        "the server closed the connection (it may have exited)"
    )
    # Another failure that happens to use the same words is not taken for it.
    other = RuntimeError("Connection closed by the proxy")
    assert mcp_client._describe(other, server) == "RuntimeError: Connection closed by the proxy"
