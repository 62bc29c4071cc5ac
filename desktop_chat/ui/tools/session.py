"""The tools of the conversation on screen: which are enabled, MCP connections, and the loop.

The tools menu edits `enabled` (keys ``builtin:NAME``, ``user:NAME``, ``mcp:SERVER``); when a turn
starts with any enabled, the chat controller asks for a `runner`, which builds the registry
(connecting enabled MCP servers that are not running yet, in the turn's own task, so Stop
cancels the wait) and runs the tool loop with the approval panel as approver. A server that
fails to start is reported through `server_failed` and left out; the turn goes on.
Connections stay open across turns and are closed by `aclose()` when the window closes.

Everything heavy (the loop, the MCP SDK client, jsonschema) is imported when a turn needs it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_chat.i18n import N_
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.tool_settings import McpServer, ToolSettings

if TYPE_CHECKING:
    from desktop_chat.core.conversation import AssistantTurn
    from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.tools.loop import ToolLoop
    from desktop_chat.tools.mcp_client import McpConnection, McpHub
    from desktop_chat.tools.registry import ToolRegistry
    from desktop_chat.ui.bridge import EventSink, TurnRunner
    from desktop_chat.ui.tools.approval import ApprovalPanel

log = logging.getLogger(__name__)

BUILTINS = (
    ("current_time", N_("Current date and time")),
    ("calculator", N_("Calculator")),
    ("read_text_file", N_("Read a text file you pick")),
)
# None enabled: a request offers no tools until the user turns them on for the conversation.
DEFAULT_ENABLED: frozenset[str] = frozenset()


class ToolSession(QObject):
    """Per-conversation tool choices, the MCP servers they started, and the running loop."""

    enabled_changed = Signal()
    server_failed = Signal(str, str)  # server name, the error for a person (with stderr tail)
    server_started = Signal(str, int)  # server name, how many tools it offers
    server_warned = Signal(str, str)  # server name, what it did wrong but survived (one line)
    always_allowed = Signal(str)  # a tool key the user chose "Always allow" for

    def __init__(
        self,
        settings: Callable[[], Settings],
        approval: ApprovalPanel,
        parent: QObject | None = None,
        keystore: KeyStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.approval = approval
        self.keystore = keystore  # where MCP servers' keyring headers are read
        self.enabled: set[str] = set(DEFAULT_ENABLED)
        self.allowed_files: list[Path] = []  # files the user picked for read_text_file
        self.max_steps: int | None = None  # None: the loop's default
        self.timeout: float | None = None
        self.connect_timeout: float | None = None
        self.server_errors: dict[str, str] = {}
        self._settings = settings
        self._connections: dict[str, McpConnection] = {}
        self._hubs: list[McpHub] = []
        self._loop: ToolLoop | None = None
        self._offered: ToolRegistry | None = None  # what the current (or last) turn offers
        self._cancelled: set[str] = set()
        approval.cancel_requested.connect(self.cancel_call)
        approval.file_picked.connect(self.allow_file)

    # --- choices --------------------------------------------------------------------------------

    def tool_settings(self) -> ToolSettings:
        return self._settings().tools

    def available(self) -> list[str]:
        """Every key the menu can offer, in menu order."""
        tools = self._settings().tools
        return [
            *(f"builtin:{name}" for name, _label in BUILTINS),
            *(f"user:{tool.name}" for tool in tools.user_tools),
            *(f"mcp:{server.name}" for server in tools.mcp_servers),
        ]

    def active(self) -> list[str]:
        """The enabled keys that still exist in the settings."""
        return [key for key in self.available() if key in self.enabled]

    def set_enabled(self, key: str, on: bool) -> None:
        if on:
            self.enabled.add(key)
        else:
            self.enabled.discard(key)
        self.enabled_changed.emit()

    def reset(self) -> None:
        """A new conversation: the default choices, no picked files (servers stay connected)."""
        self.enabled = set(DEFAULT_ENABLED)
        self.allowed_files.clear()
        self.approval.clear()
        self.enabled_changed.emit()

    def allow_file(self, path: str) -> None:
        """Let read_text_file read `path` (one file the user picked) in this conversation."""
        resolved = Path(path).resolve()
        if resolved not in self.allowed_files:
            self.allowed_files.append(resolved)

    # --- turns ----------------------------------------------------------------------------------

    def runner(self) -> TurnRunner:
        """A runner for the next turn: the tool loop over what is enabled right now."""
        enabled = set(self.active())

        async def run(
            engine: Engine, endpoint: EndpointConfig, request: ChatRequest, on_event: EventSink
        ) -> AssistantTurn:
            from desktop_chat.tools.loop import ToolLoop

            registry = self._offered = await self._registry(enabled)
            if not len(registry):
                return await engine.run(endpoint, request, on_event, trace=True)
            settings = self._settings()
            options: dict[str, float] = {}
            if self.max_steps is not None:
                options["max_steps"] = self.max_steps
            if self.timeout is not None:
                options["timeout"] = self.timeout
            loop = ToolLoop(
                engine,
                endpoint,
                registry,
                approve=self.approval.approve,
                answer=self.approval.answer,
                always_allowed=settings.tools.always_allow,
                on_always_allow=self.always_allowed.emit,
                ask_together=True,  # a card for every call of the step at once
                **options,  # type: ignore[arg-type]
            )
            self._loop = loop
            self._cancelled.clear()
            try:
                result = await loop.run(request, on_event, trace=True)
            finally:
                if self._loop is loop:
                    self._loop = None
            return result.turn

        return run

    def cancel_call(self, call_id: str) -> bool:
        """Stop one running call of the current loop; it reports "cancelled" to the model."""
        loop = self._loop
        if loop is None or not loop.cancel_call(call_id):
            return False
        self._cancelled.add(call_id)
        return True

    def was_cancelled(self, call_id: str) -> bool:
        return call_id in self._cancelled

    def origin_of(self, name: str) -> str:
        """Where the tool the model calls `name` comes from ("" when it is not offered)."""
        entry = self._offered.get(name) if self._offered is not None else None
        return entry.origin if entry is not None else ""

    async def _registry(self, enabled: set[str]) -> ToolRegistry:
        from desktop_chat.tools.offer import declared_entries, picked_file_builtins
        from desktop_chat.tools.registry import ToolRegistry

        tools = self._settings().tools
        registry = ToolRegistry()
        for entry in picked_file_builtins(lambda: self.allowed_files):
            if f"builtin:{entry.name}" in enabled:
                registry.add(entry)
        notices: list[str] = []
        declared = [t for t in tools.user_tools if f"user:{t.name}" in enabled]
        for entry in declared_entries(declared, notices):
            registry.add(entry)
        for notice in notices:
            log.warning("%s", notice)
        servers = [s for s in tools.mcp_servers if f"mcp:{s.name}" in enabled]
        for connection in await self._connect(servers):
            for entry in connection.entries():
                registry.add(entry)
        return registry

    async def _connect(self, servers: list[McpServer]) -> list[McpConnection]:
        """The running connections of `servers`, starting those not running (or changed)."""
        from desktop_chat.tools.mcp_client import McpHub

        needed: list[McpServer] = []
        for server in servers:
            connection = self._connections.get(server.name)
            if connection is not None and (connection.server != server or not connection.alive):
                del self._connections[server.name]
                await connection.aclose()
                connection = None
            if connection is None:
                needed.append(server)
        if needed:
            from desktop_chat.storage.engine_config import transport_config

            network = transport_config(self._settings().network)
            timeout = self.connect_timeout
            hub = (
                McpHub(needed, network=network, keystore=self.keystore)
                if timeout is None
                else McpHub(
                    needed, connect_timeout=timeout, network=network, keystore=self.keystore
                )
            )
            self._hubs.append(hub)  # closed with the window even if this turn is stopped
            failures = await hub.start()
            for failure in failures:
                self.server_errors[failure.server] = str(failure)
                self.server_failed.emit(failure.server, str(failure))
            for connection in hub.connections:
                self._connections[connection.name] = connection
                self.server_errors.pop(connection.name, None)
                self.server_started.emit(connection.name, len(connection.tools))
                if connection.warning:
                    self.server_warned.emit(connection.name, connection.warning)
        return [self._connections[s.name] for s in servers if s.name in self._connections]

    def connected(self, server: str) -> McpConnection | None:
        return self._connections.get(server)

    async def aclose(self) -> None:
        """Stop every MCP server this window started (bounded in time per server)."""
        self.approval.clear()
        hubs, self._hubs = self._hubs, []
        self._connections.clear()
        if hubs:
            await asyncio.gather(*(hub.aclose() for hub in hubs), return_exceptions=True)
