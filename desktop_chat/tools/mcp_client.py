"""Connect to MCP servers through the official `mcp` SDK: stdio subprocesses and streamable HTTP.

Each server's session lives in one asyncio task that enters and exits every context manager
(transport, HTTP client, ClientSession): the SDK's anyio task groups must be left by the task
that entered them, or closing fails with "exited a cancel scope in a different task". Calls are
made from the caller's own task through the session. A server that fails to start or dies
becomes a human error carrying the last lines of its stderr; it never takes the app down.
A stdio server that prints text on stdout besides the protocol gets one line saying so (see
stray_output.py), never the SDK's parser traceback.
The values of a server's keyring headers are read from the key store when it starts, and go
nowhere but into its HTTP requests.
The SDK is imported on first use (it costs over a second).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from desktop_chat.core.conversation import JSONValue, Tool
from desktop_chat.core.errors import ChatError
from desktop_chat.core.transport import TransportConfig, direct_routes, proxy_url, tls_verification
from desktop_chat.i18n import _
from desktop_chat.storage.secrets import (
    MCP_HEADER_SERVICE,
    KeyStore,
    KeyStoreError,
    mcp_header_entry,
)
from desktop_chat.storage.tool_settings import McpServer
from desktop_chat.tools.registry import Runner, ToolEntry, ToolFailure, ToolOutput
from desktop_chat.tools.stderr_tail import StderrTail
from desktop_chat.tools.stray_output import StrayOutput, watch_sdk_log
from desktop_chat.tools.stray_output import current as current_stray_output

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mcp import ClientSession
    from mcp.client import Transport
    from mcp.types import CallToolResult

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 30.0
CLOSE_TIMEOUT = 10.0  # the SDK's own stdio shutdown is bounded at about 6 s
MAX_PAGES = 100


class McpError(Exception):
    """Raised when a server cannot be used; `str()` is one line for a person."""

    def __init__(self, server: str, reason: str, stderr: str = "") -> None:
        text = _("MCP server {name!r} {reason}").format(name=server, reason=reason)
        if stderr:
            text = _("{message} — its last output: {output}").format(
                message=text, output=" | ".join(stderr.splitlines()[-5:])
            )
        super().__init__(text)
        self.server = server
        self.reason = reason
        self.stderr = stderr


class McpConnection:
    """One running server: its tools, and a way to call them."""

    def __init__(
        self,
        server: McpServer,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        network: TransportConfig | None = None,
        keystore: KeyStore | None = None,
        header_values: Mapping[str, str] | None = None,
    ) -> None:
        """``header_values`` gives the keyring headers' values outright (a form not yet saved);
        without it they are read from ``keystore`` when the server starts."""
        self.server = server
        self.connect_timeout = connect_timeout
        self.network = network or TransportConfig()  # proxy and TLS, for servers over HTTP
        self._keystore = keystore
        self._header_values = dict(header_values or {})
        self.tools: tuple[Tool, ...] = ()
        self._session: ClientSession | None = None
        self._stderr: StderrTail | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._closing = asyncio.Event()
        self._failure: BaseException | None = None
        self._lost = False
        self._stray = StrayOutput()

    @property
    def name(self) -> str:
        return self.server.name

    @property
    def warning(self) -> str:
        """One line for a person if the server printed text on stdout besides the protocol."""
        shown = self._stray.describe()
        if not shown:
            return ""
        return _(
            "MCP server {name!r} printed text on stdout, where only MCP messages belong: "
            "{output}; it was ignored"
        ).format(name=self.name, output=shown)

    @property
    def alive(self) -> bool:
        """Whether the session can still answer: started, not closed, its server not lost.

        A server that dies mid-session leaves the session task waiting, so a lost transport
        seen by a call is what marks it dead; a window then starts the server again.
        """
        return self._task is not None and not self._task.done() and not self._lost

    async def start(self) -> None:
        """Connect and list the tools; raise McpError (with the stderr tail) on failure."""
        await self._read_keyring_headers()
        self._ready = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._own(), name=f"mcp-{self.name}")
        done, _pending = await asyncio.wait({self._ready}, timeout=self.connect_timeout)
        if done and self._ready.exception() is None:
            return
        reason = _("did not answer within {seconds} s").format(seconds=f"{self.connect_timeout:g}")
        if done:
            reason = _describe(self._ready.exception(), self.server, self.network)
            # Let the failed session finish on its own: it waits for the server's last words
            # on stderr, which aclose() would cut short by cancelling it.
            await asyncio.wait({self._task}, timeout=CLOSE_TIMEOUT)
        await self.aclose()
        if not self._ready.done():
            self._ready.cancel()
        elif not self._ready.cancelled():
            self._ready.exception()  # a late failure is superseded by this error: mark it seen
        if self._stray.count:
            reason = _("{reason}; it printed on stdout: {output}").format(
                reason=reason, output=self._stray.describe()
            )
        started = _("could not start: {reason}").format(reason=reason)
        raise McpError(self.name, started, self.stderr_text())

    async def _read_keyring_headers(self) -> None:
        server = self.server
        for header in server.keyring_headers:
            value = self._header_values.get(header)
            if value is None and self._keystore is not None:
                entry = mcp_header_entry(server.name, header)
                try:
                    value = await self._keystore.aget(entry, service=MCP_HEADER_SERVICE)
                except KeyStoreError as exc:
                    started = _("could not start: {reason}").format(reason=exc)
                    raise McpError(self.name, started) from None
            if not value:
                raise McpError(
                    self.name,
                    _(
                        "could not start: its {header} header has no value in the keyring (set "
                        "it in Settings → Tools, or: desktop-chat mcp set-header {server} {header})"
                    ).format(header=header, server=server.name),
                )
            self._header_values[header] = value

    def stderr_text(self) -> str:
        return self._stderr.text() if self._stderr is not None else ""

    async def _own(self) -> None:
        from mcp import ClientSession

        assert self._ready is not None
        current_stray_output.set(self._stray)  # the SDK's reader tasks inherit it
        try:
            async with contextlib.AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport(stack))
                if self._stderr is not None:
                    # The child holds its own copy now; with ours closed, its exit ends the pipe.
                    self._stderr.close_writer()
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                self.tools = await _list_tools(session)
                self._session = session
                self._ready.set_result(None)
                await self._closing.wait()
        except Exception as exc:  # noqa: BLE001  # kept and reported as a human error
            self._failure = exc
            if not self._ready.done():
                self._ready.set_exception(exc)
            else:
                log.warning(
                    "MCP server %s stopped: %s",
                    self.name,
                    _describe(exc, self.server, self.network),
                )
        finally:
            self._session = None
            if self._stderr is not None:
                self._stderr.close_writer()  # at once: a cancelled wait below must not leak it
                await asyncio.to_thread(self._stderr.close)

    def _transport(self, stack: contextlib.AsyncExitStack) -> Transport:
        server = self.server
        if server.transport == "http":
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            network = self.network
            headers = {**server.headers}
            headers.update((h, self._header_values[h]) for h in server.keyring_headers)
            client = httpx2.AsyncClient(
                headers=headers,
                timeout=httpx2.Timeout(30.0, read=300.0),
                proxy=proxy_url(network),
                trust_env=network.proxy_mode == "system",
                verify=tls_verification(network),
                mounts=direct_routes(),
            )
            stack.push_async_callback(client.aclose)
            return streamable_http_client(server.url, http_client=client)
        from mcp.client.stdio import StdioServerParameters, stdio_client

        env = {name: os.environ[name] for name in server.pass_env if name in os.environ}
        params = StdioServerParameters(
            command=server.command,
            args=list(server.args),
            env={**env, **server.env},
            cwd=server.cwd or None,
            encoding_error_handler="replace",
        )
        self._stderr = StderrTail()
        watch_sdk_log()
        return stdio_client(params, errlog=self._stderr.writer)

    async def call(self, name: str, arguments: dict[str, JSONValue]) -> ToolOutput:
        """Call tool `name` of this server; raise ToolFailure when the server cannot answer."""
        session = self._session
        if session is None:
            raise ToolFailure(str(McpError(self.name, _("is not running"), self.stderr_text())))
        try:
            result = await session.call_tool(name, arguments)
        except Exception as exc:  # noqa: BLE001  # the SDK raises several kinds; all are reported
            reason = _("failed during the call: {reason}").format(
                reason=_describe(exc, self.server, self.network)
            )
            if _transport_lost(exc):
                self._lost = True
                if self._stderr is not None:
                    await asyncio.to_thread(self._stderr.join, 1.0)  # the dying server's last words
            raise ToolFailure(str(McpError(self.name, reason, self.stderr_text()))) from None
        return ToolOutput(result_text(result), bool(result.is_error))

    def entries(self) -> list[ToolEntry]:
        """This server's tools, ready for a ToolRegistry."""

        def runner(tool_name: str) -> Runner:
            async def run(arguments: dict[str, JSONValue]) -> ToolOutput:
                return await self.call(tool_name, arguments)

            return run

        source = f"mcp:{self.name}"
        return [ToolEntry(tool, source, tool.name, runner(tool.name)) for tool in self.tools]

    async def aclose(self) -> None:
        """Leave the session and stop the server (bounded in time); safe to call twice."""
        self._closing.set()
        task = self._task
        if task is None:
            return
        if self._session is None:  # still connecting: nothing to close politely
            task.cancel()
        _done, pending = await asyncio.wait({task}, timeout=CLOSE_TIMEOUT)
        if pending:
            task.cancel()
            await asyncio.wait({task}, timeout=CLOSE_TIMEOUT)


class McpHub:
    """Every configured server: started together, a failure of one is a notice, not an error."""

    def __init__(
        self,
        servers: Iterable[McpServer],
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        network: TransportConfig | None = None,
        keystore: KeyStore | None = None,
    ) -> None:
        self.connections = [
            McpConnection(s, connect_timeout=connect_timeout, network=network, keystore=keystore)
            for s in servers
        ]
        self.failures: list[McpError] = []

    async def start(self) -> list[McpError]:
        """Start all servers; return (and keep) the errors of those that failed."""
        results = await asyncio.gather(
            *(c.start() for c in self.connections), return_exceptions=True
        )
        started, unexpected = [], None
        for connection, outcome in zip(self.connections, results, strict=True):
            if isinstance(outcome, McpError):
                self.failures.append(outcome)
            elif isinstance(outcome, BaseException):
                unexpected = unexpected or outcome
            else:
                started.append(connection)
        self.connections = started
        if unexpected is not None:
            raise unexpected  # the caller's aclose() stops the servers that did start
        return self.failures

    def entries(self) -> list[ToolEntry]:
        return [entry for connection in self.connections for entry in connection.entries()]

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.connections))

    async def __aenter__(self) -> McpHub:
        try:
            await self.start()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def _list_tools(session: ClientSession) -> tuple[Tool, ...]:
    from mcp.types import PaginatedRequestParams

    tools: list[Tool] = []
    cursor: str | None = None
    for _page in range(MAX_PAGES):
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        listing = await session.list_tools(params=params)
        tools += [Tool(t.name, t.description or "", dict(t.input_schema)) for t in listing.tools]
        cursor = listing.next_cursor
        if not cursor:
            break
    return tuple(tools)


def result_text(result: CallToolResult) -> str:
    """The text of a tool result; non-text content is named rather than dropped silently."""
    parts: list[str] = []
    for block in result.content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)  # type: ignore[union-attr]
        elif kind == "resource":
            resource = block.resource  # type: ignore[union-attr]
            parts.append(getattr(resource, "text", None) or f"[binary resource {resource.uri}]")
        elif kind == "resource_link":
            parts.append(f"[resource {block.uri}]")  # type: ignore[union-attr]
        else:
            parts.append(f"[{kind} content, {getattr(block, 'mime_type', 'unknown type')}]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


def _transport_lost(exc: Exception) -> bool:
    """Whether the connection itself failed, rather than the server answering with an error."""
    from mcp import MCPError
    from mcp.types import CONNECTION_CLOSED

    return not isinstance(exc, MCPError) or exc.code == CONNECTION_CLOSED


def _describe(
    exc: BaseException | None, server: McpServer, network: TransportConfig | None = None
) -> str:
    """Say what went wrong in a few words, looking through the SDK's exception groups."""
    from mcp import MCPError
    from mcp.types import CONNECTION_CLOSED, INTERNAL_ERROR

    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = next((e for e in exc.exceptions if not isinstance(e, asyncio.CancelledError)),
                   exc.exceptions[0])  # fmt: skip
    if exc is None:
        return _("it stopped")
    if isinstance(exc, ChatError):  # the app's own network settings: already said for a person
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        missing = server.cwd if server.cwd and not os.path.isdir(server.cwd) else server.command
        return _("{path!r} was not found").format(path=missing)
    if isinstance(exc, PermissionError):
        return _("{command!r} cannot be run (permission denied)").format(command=server.command)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, TimeoutError):
        return _("it did not answer in time")
    text = str(exc)
    code = exc.code if isinstance(exc, MCPError) else None
    if code == CONNECTION_CLOSED:
        return _("the server closed the connection (it may have exited)")
    if type(exc).__name__ == "ConnectError":
        if network is not None and network.proxy_mode == "custom":
            return _("could not connect to {url} through the proxy {proxy}: {reason}").format(
                url=server.url, proxy=network.proxy_url, reason=text
            )
        return _("could not connect to {url}: {reason}").format(url=server.url, reason=text)
    # The SDK reports an HTTP error status other than 404 only in these words, without the
    # status, under a code it uses for other failures too.
    if code == INTERNAL_ERROR and "Server returned an error response" in text:
        return _("the server refused the request (an HTTP error: check the URL and headers)")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
