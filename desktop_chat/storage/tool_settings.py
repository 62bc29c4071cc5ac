"""Declare the tools beyond the built-in ones: the user's own tools and MCP servers.

These are the "tools" section of the settings file; secrets never enter it (see `McpServer`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from desktop_chat.i18n import _
from desktop_chat.storage.validation import (
    SECRET_VALUE,
    SecretValueError,
    SettingsError,
    check_base_url,
    check_header,
    check_header_name,
    looks_secret,
)

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_tool_name(name: object, what: str = "tool") -> str:
    """Return ``name`` if it is a valid tool or MCP server name (what every provider accepts).

    `what` is "tool" or "MCP server".
    """
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        if what == "MCP server":
            refusal = _("MCP server name {name!r} must be 1-64 letters, digits, '_' or '-'")
        else:
            refusal = _("tool name {name!r} must be 1-64 letters, digits, '_' or '-'")
        raise SettingsError(refusal.format(name=name))
    return name


@dataclass(frozen=True, slots=True)
class UserTool:
    """A tool the user declared; when the model calls it, the user types the result.

    Only the shape is checked here; ``desktop_chat.tools.schema`` checks the JSON Schema itself.
    """

    name: str
    description: str = ""
    parameters: dict[str, object] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )

    def __post_init__(self) -> None:
        check_tool_name(self.name)
        if not isinstance(self.description, str):
            raise SettingsError(
                _("tool {name!r}: the description must be text").format(name=self.name)
            )
        if not isinstance(self.parameters, dict) or self.parameters.get("type") != "object":
            raise SettingsError(
                _('tool {name!r}: parameters must be a JSON Schema with "type": "object"').format(
                    name=self.name
                )
            )


@dataclass(frozen=True, slots=True)
class McpServer:
    """An MCP server: a command run over stdio, or a streamable HTTP URL.

    Secrets never enter the file: ``pass_env`` names variables handed on from the app's own
    environment when the server starts, ``keyring_headers`` names headers (of an HTTP server)
    whose values are kept in the OS keyring, and env values or headers named like keys are
    refused.
    """

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    pass_env: tuple[str, ...] = ()
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    keyring_headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = _("MCP server {name!r}").format(name=check_tool_name(self.name, "MCP server"))
        texts = (self.command, self.cwd, self.url, *self.args, *self.pass_env)
        if not all(isinstance(text, str) for text in texts):
            raise SettingsError(
                _("{where}: command, arguments, cwd and URL must be text").format(where=where)
            )
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "pass_env", tuple(dict.fromkeys(self.pass_env)))
        if bool(self.command.strip()) == bool(self.url.strip()):
            raise SettingsError(
                _("{where} needs either a command or a URL, not both").format(where=where)
            )
        if self.url:
            check_base_url(self.url)  # validation only: a trailing slash may matter to the server
            object.__setattr__(self, "url", self.url.strip())
        if not isinstance(self.env, Mapping) or not isinstance(self.headers, Mapping):
            raise SettingsError(
                _("{where}: env and headers must map names to values").format(where=where)
            )
        for name in (*self.env, *self.pass_env):
            if not isinstance(name, str) or not _ENV_NAME.match(name):
                raise SettingsError(
                    _("{where}: {name!r} is not a valid environment variable name").format(
                        where=where, name=name
                    )
                )
        for name, value in self.env.items():
            if not isinstance(value, str):
                raise SettingsError(
                    _("{where}: the value of {name} must be text").format(where=where, name=name)
                )
            if looks_secret(name) or SECRET_VALUE.match(value):
                raise SecretValueError(
                    _(
                        "{where}: {name} would store a secret in settings; pass it from the "
                        "environment instead"
                    ).format(where=where, name=name),
                    f"--env {name} without a value",
                    kind="env",
                    name=name,
                )
        object.__setattr__(self, "env", dict(self.env))
        for name, value in self.headers.items():
            check_header_name(name)
            if looks_secret(name) or SECRET_VALUE.match(str(value)):
                raise SecretValueError(
                    _(
                        "{where}: header {name!r} would store a secret in settings; keep its "
                        "value in the keyring instead"
                    ).format(where=where, name=name),
                    f"--keyring-header {name}, or Settings → Tools",
                    kind="header",
                    name=name,
                )
        headers = dict(check_header(k, v) for k, v in self.headers.items())
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "keyring_headers", self._check_keyring_headers(where))

    def _check_keyring_headers(self, where: str) -> tuple[str, ...]:
        names = self.keyring_headers
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise SettingsError(
                _("{where}: keyring_headers must be a list of header names").format(where=where)
            )
        if names and not self.url:
            raise SettingsError(
                _("{where}: only a server with a URL sends headers").format(where=where)
            )
        seen = {name.casefold() for name in self.headers}
        kept: list[str] = []
        for name in map(check_header_name, names):
            if name.casefold() in seen:
                raise SettingsError(
                    _("{where}: the header {name!r} is given twice").format(where=where, name=name)
                )
            seen.add(name.casefold())
            kept.append(name)
        return tuple(kept)

    @property
    def transport(self) -> Literal["stdio", "http"]:
        return "http" if self.url else "stdio"


@dataclass(frozen=True, slots=True)
class ToolSettings:
    """Tools beyond the built-in ones, and the tools the user always allows without asking.

    ``always_allow`` holds tool keys such as ``builtin:calculator``, ``user:NAME`` or
    ``mcp:SERVER:TOOL``. Names are unique, compared case-insensitively.
    """

    user_tools: tuple[UserTool, ...] = ()
    mcp_servers: tuple[McpServer, ...] = ()
    always_allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for attr in ("user_tools", "mcp_servers"):
            items = tuple(getattr(self, attr))
            object.__setattr__(self, attr, items)
            names = [item.name.casefold() for item in items]
            if len(set(names)) != len(names):
                raise SettingsError(_("{where}: two entries have the same name").format(where=attr))
        object.__setattr__(self, "always_allow", tuple(dict.fromkeys(self.always_allow)))

    def user_tool(self, name: str) -> UserTool | None:
        return next((t for t in self.user_tools if t.name.casefold() == name.casefold()), None)

    def mcp_server(self, name: str) -> McpServer | None:
        return next((s for s in self.mcp_servers if s.name.casefold() == name.casefold()), None)

    def with_user_tool(self, tool: UserTool) -> ToolSettings:
        """Return these settings with ``tool`` added, or replacing its namesake."""
        kept = tuple(t for t in self.user_tools if t.name.casefold() != tool.name.casefold())
        return dataclasses.replace(self, user_tools=(*kept, tool))

    def without_user_tool(self, name: str) -> ToolSettings:
        kept = tuple(t for t in self.user_tools if t.name.casefold() != name.casefold())
        return dataclasses.replace(self, user_tools=kept)

    def with_mcp_server(self, server: McpServer) -> ToolSettings:
        """Return these settings with ``server`` added, or replacing its namesake in place."""
        if self.mcp_server(server.name) is None:
            return dataclasses.replace(self, mcp_servers=(*self.mcp_servers, server))
        name = server.name.casefold()
        servers = tuple(server if s.name.casefold() == name else s for s in self.mcp_servers)
        return dataclasses.replace(self, mcp_servers=servers)

    def without_mcp_server(self, name: str) -> ToolSettings:
        kept = tuple(s for s in self.mcp_servers if s.name.casefold() != name.casefold())
        return dataclasses.replace(self, mcp_servers=kept)

    def with_always_allow(self, key: str) -> ToolSettings:
        return dataclasses.replace(self, always_allow=(*self.always_allow, key))
