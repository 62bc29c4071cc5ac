"""Configure MCP servers from the command line: the servers whose tools the model may call.

Commands::

    desktop-chat mcp add NAME --command CMD [--arg A ...] [--env K=V | --env K ...] [--cwd DIR]
    desktop-chat mcp add NAME --url URL [--header NAME:VALUE ...] [--keyring-header NAME ...]
    desktop-chat mcp edit NAME [--command CMD] [--arg A ... | --clear-args] [--env K=V | K ...]
                          [--remove-env K ...] [--cwd DIR]        a --command server
    desktop-chat mcp edit NAME [--url URL] [--header NAME:VALUE ...] [--remove-header NAME ...]
                                              a --url server; either keeps its keyring headers
                                              and the "always allow" of its tools
    desktop-chat mcp set-header NAME HEADER   the value is read from stdin (a hidden prompt on a
                                              terminal) and kept in the OS keyring
    desktop-chat mcp delete-header NAME HEADER
    desktop-chat mcp list [--json]
    desktop-chat mcp remove NAME              also deletes its header values from the keyring
    desktop-chat mcp tools NAME [--json]      starts the server and lists its tools

``--env K`` without a value hands K on from desktop-chat's own environment when the server
starts, so secrets stay out of the settings file. An HTTP server's secret headers (such as
``Authorization: Bearer ...``) are keyring headers: the settings name them, the keyring holds
their values. Exit status as for the endpoint commands:
0 success, 2 a usage or validation error, 1 any other failure; an error is one stderr line.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
from typing import TYPE_CHECKING

from desktop_chat.cli.endpoints import (
    _err,
    _headers,
    _load,
    _out,
    _save,
    read_secret,
)
from desktop_chat.cli.error import CliError, guarded
from desktop_chat.storage.secrets import (
    MCP_HEADER_SERVICE,
    KeyringUnavailable,
    KeyStore,
    KeyStoreError,
    mcp_header_entry,
)
from desktop_chat.storage.tool_settings import McpServer, ToolSettings
from desktop_chat.storage.validation import check_header_name

if TYPE_CHECKING:
    from desktop_chat.storage.settings import Settings

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _env(items: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    values: dict[str, str] = {}
    passed: list[str] = []
    for item in items:
        name, sep, value = item.partition("=")
        if sep:
            values[name.strip()] = value
        else:
            passed.append(name.strip())
    return values, tuple(passed)


def _require_server(settings: Settings, name: str) -> McpServer:
    server = settings.tools.mcp_server(name)
    if server is None:
        known = ", ".join(s.name for s in settings.tools.mcp_servers) or "none yet"
        raise CliError(f"no MCP server named {name!r} (servers: {known})", 2)
    return server


def _server_row(server: McpServer) -> dict[str, object]:
    return {
        "name": server.name,
        "transport": server.transport,
        "command": server.command,
        "args": list(server.args),
        "env": server.env,
        "pass_env": list(server.pass_env),
        "cwd": server.cwd,
        "url": server.url,
        "headers": server.headers,
        "keyring_headers": list(server.keyring_headers),
    }


@guarded
def cmd_mcp_add(args: argparse.Namespace) -> int:
    """Add an MCP server: a command run over stdio, or a streamable HTTP URL."""
    if bool(args.command) == bool(args.url):
        raise CliError("give either --command CMD or --url URL", 2)
    if args.url and (args.arg or args.env or args.cwd):
        raise CliError("--arg, --env and --cwd only apply to --command servers", 2)
    if args.command and (args.header or args.keyring_header):
        raise CliError("--header and --keyring-header only apply to --url servers", 2)
    settings = _load()
    if settings.tools.mcp_server(args.name) is not None:
        raise CliError(f"an MCP server named {args.name!r} exists; remove it first", 2)
    env, passed = _env(args.env)
    server = McpServer(
        args.name,
        command=args.command or "",
        args=tuple(args.arg),
        env=env,
        pass_env=passed,
        cwd=args.cwd or "",
        url=args.url or "",
        headers=_headers(args.header),
        keyring_headers=tuple(args.keyring_header),
    )
    _save(settings.with_tools(settings.tools.with_mcp_server(server)))
    _out(f"Added MCP server {server.name!r} ({server.transport}).")
    for header in server.keyring_headers:
        _out(f"Store its {header} value with: desktop-chat mcp set-header {server.name} {header}")
    _out(f"List its tools with: desktop-chat mcp tools {server.name}")
    return 0


@guarded
def cmd_mcp_edit(args: argparse.Namespace) -> int:
    """Change what a server runs or where it is, keeping its secret headers and "always allow"."""
    settings = _load()
    old = _require_server(settings, args.name)
    if old.url and (args.command or args.arg or args.clear_args or args.env or args.remove_env
                    or args.cwd is not None):  # fmt: skip
        raise CliError(f"{old.name!r} is a --url server; --command, --arg, --env and --cwd "
                       "only apply to --command servers", 2)  # fmt: skip
    if old.command and (args.url or args.header or args.remove_header):
        raise CliError(f"{old.name!r} is a --command server; --url and --header only apply to "
                       "--url servers", 2)  # fmt: skip
    env, passed = _env(args.env)
    gone = {name.strip() for name in args.remove_env}
    dropped = {h.strip().casefold() for h in args.remove_header}
    headers = {k: v for k, v in old.headers.items() if k.casefold() not in dropped}
    headers.update(_headers(args.header))
    new = dataclasses.replace(
        old,
        command=args.command or old.command,
        args=tuple(args.arg) if args.arg or args.clear_args else old.args,
        env={**{k: v for k, v in old.env.items() if k not in gone and k not in passed}, **env},
        pass_env=tuple(n for n in (*old.pass_env, *passed) if n not in gone and n not in env),
        cwd=old.cwd if args.cwd is None else args.cwd,
        url=args.url or old.url,
        headers=headers,
    )
    if new == old:
        raise CliError("nothing to change; give at least one option that differs", 2)
    _save(settings.with_tools(settings.tools.with_mcp_server(new)))
    _out(f"Updated MCP server {new.name!r} ({new.transport}); its secret headers and "
         "always-allowed tools are kept.")  # fmt: skip
    return 0


@guarded
def cmd_mcp_set_header(args: argparse.Namespace) -> int:
    """Read a header's value from stdin, keep it in the OS keyring, and send it from now on."""
    if args.stray:
        # Not echoed: it may well be the secret itself, already in the shell's history.
        raise CliError("give the value on stdin or at the prompt, never on the command line", 2)
    settings = _load()
    server = _require_server(settings, args.name)
    if not server.url:
        raise CliError(f"{server.name!r} runs a command; only URL servers send headers", 2)
    header = check_header_name(args.header)
    if header.casefold() in {h.casefold() for h in server.headers}:
        raise CliError(
            f"{server.name!r} already sends {header} as a plain header; "
            "remove the server and add it again without it",
            2,
        )
    declared = next((h for h in server.keyring_headers if h.casefold() == header.casefold()), None)
    value = read_secret(f"{header} for MCP server {server.name}", "value", spaces=True)
    store = KeyStore()
    store.set(mcp_header_entry(server.name, header), value, service=MCP_HEADER_SERVICE)
    if declared is None:
        names = (*server.keyring_headers, header)
        updated = dataclasses.replace(server, keyring_headers=names)
        _save(settings.with_tools(settings.tools.with_mcp_server(updated)))
    _out(f"Saved the {declared or header} header of {server.name!r} in the {store.backend_name()}.")
    return 0


@guarded
def cmd_mcp_delete_header(args: argparse.Namespace) -> int:
    """Stop sending a keyring header and delete its value from the keyring."""
    settings = _load()
    server = _require_server(settings, args.name)
    header = next(
        (h for h in server.keyring_headers if h.casefold() == args.header.strip().casefold()), None
    )
    if header is None:
        shown = ", ".join(server.keyring_headers) or "none"
        raise CliError(f"{server.name!r} has no keyring header {args.header!r} (has: {shown})", 2)
    store = KeyStore()
    deleted = _delete_header_values(store, server, (header,))
    names = tuple(h for h in server.keyring_headers if h != header)
    updated = dataclasses.replace(server, keyring_headers=names)
    _save(settings.with_tools(settings.tools.with_mcp_server(updated)))
    tail = f" and its value from the {store.backend_name()}" if deleted else ""
    _out(f"{server.name!r} no longer sends {header}{tail}.")
    return 0


def _delete_header_values(store: KeyStore, server: McpServer, headers: tuple[str, ...]) -> bool:
    """Delete these header values of `server` from the keyring; True if any was there.

    Raises CliError when the keyring refuses; an unreachable one only earns a warning, since
    nothing reachable could hold the values now.
    """
    deleted = False
    for header in headers:
        entry = mcp_header_entry(server.name, header)
        try:
            deleted |= store.delete(entry, service=MCP_HEADER_SERVICE)
        except KeyringUnavailable as exc:
            _err(f"warning: {exc} If a value was stored earlier, remove it yourself.")
        except KeyStoreError as exc:
            raise CliError(f"{exc} Nothing was changed.", 1) from exc
    return deleted


@guarded
def cmd_mcp_list(args: argparse.Namespace) -> int:
    """List the configured MCP servers."""
    servers = _load().tools.mcp_servers
    if args.json:
        _out(json.dumps({"mcp_servers": [_server_row(s) for s in servers]}, indent=2))
        return 0
    if not servers:
        _out("No MCP servers yet. Add one: desktop-chat mcp add NAME --command CMD")
        return 0
    width = max(len(s.name) for s in servers)
    for s in servers:
        where = s.url if s.url else " ".join([s.command, *s.args])
        secret = f"  (secret headers: {', '.join(s.keyring_headers)})" if s.keyring_headers else ""
        _out(f"{s.name:<{width}}  {s.transport:<5}  {where}{secret}")
    return 0


@guarded
def cmd_mcp_remove(args: argparse.Namespace) -> int:
    """Remove an MCP server and the "always allow" of its tools."""
    settings = _load()
    server = _require_server(settings, args.name)
    deleted = _delete_header_values(KeyStore(), server, server.keyring_headers)
    tools = settings.tools.without_mcp_server(server.name)
    prefix = f"mcp:{server.name}:"
    kept = tuple(key for key in tools.always_allow if not key.startswith(prefix))
    _save(settings.with_tools(ToolSettings(tools.user_tools, tools.mcp_servers, kept)))
    tail = " and its header values from the keyring" if deleted else ""
    _out(f"Removed MCP server {server.name!r}{tail}.")
    return 0


@guarded
def cmd_mcp_tools(args: argparse.Namespace) -> int:
    """Start a server, list its tools, stop it."""
    from desktop_chat.storage.engine_config import transport_config
    from desktop_chat.tools.mcp_client import McpConnection, McpError

    settings = _load()
    server = _require_server(settings, args.name)
    network = transport_config(settings.network)

    async def listing() -> list[tuple[str, str]]:
        connection = McpConnection(
            server, connect_timeout=args.timeout, network=network, keystore=KeyStore()
        )
        await connection.start()
        if connection.warning:
            _err(f"desktop-chat: warning: {connection.warning}")
        try:
            return [(tool.name, tool.description) for tool in connection.tools]
        finally:
            await connection.aclose()

    try:
        tools = asyncio.run(listing())
    except McpError as exc:
        raise CliError(str(exc), 1) from exc
    if args.json:
        rows = [{"name": name, "description": text} for name, text in tools]
        _out(json.dumps({"server": server.name, "tools": rows}, indent=2, ensure_ascii=False))
    elif not tools:
        _out(f"MCP server {server.name!r} offers no tools.")
    for name, text in [] if args.json else tools:
        _out(f"{name}  {' '.join(text.split())[:160]}".rstrip())
    return 0


def add_parsers(subparsers: SubParsers) -> None:
    """Add the ``mcp`` commands; each leaf sets ``func(args) -> int``."""
    mcp = subparsers.add_parser("mcp", help="configure MCP servers whose tools the model may call")
    msub = mcp.add_subparsers(dest="mcp_command", metavar="COMMAND", required=True)
    p = msub.add_parser("add", help="add a server (stdio command or HTTP URL)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--command", metavar="CMD", help="program to run; speaks MCP on stdio")
    p.add_argument(
        "--arg", action="append", default=[], metavar="A",
        help="an argument for CMD (repeatable; write --arg=-x for one starting with -)",
    )  # fmt: skip
    p.add_argument(
        "--env", action="append", default=[], metavar="K=V",
        help="environment variable for CMD; a bare K hands on desktop-chat's own value",
    )  # fmt: skip
    p.add_argument("--cwd", metavar="DIR", help="working directory for CMD")
    p.add_argument("--url", metavar="URL", help="streamable HTTP endpoint, e.g. http://host/mcp")
    p.add_argument("--header", action="append", default=[], metavar="NAME:VALUE")
    p.add_argument(
        "--keyring-header", action="append", default=[], metavar="NAME",
        help="a header whose value is a secret, kept in the keyring (set it with set-header)",
    )  # fmt: skip
    p.set_defaults(func=cmd_mcp_add)
    p = msub.add_parser(
        "edit", help="change a server, keeping its secret headers and always-allowed tools"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--command", metavar="CMD", help="program to run")
    p.add_argument(
        "--arg", action="append", default=[], metavar="A",
        help="the arguments for CMD, all of them (repeatable; --arg=-x for one starting with -)",
    )  # fmt: skip
    p.add_argument("--clear-args", action="store_true", help="run CMD without arguments")
    p.add_argument(
        "--env", action="append", default=[], metavar="K=V",
        help="set a variable for CMD; a bare K hands on desktop-chat's own value",
    )  # fmt: skip
    p.add_argument("--remove-env", action="append", default=[], metavar="K")
    p.add_argument("--cwd", metavar="DIR", help="working directory for CMD ('' clears it)")
    p.add_argument("--url", metavar="URL", help="the server's new address")
    p.add_argument("--header", action="append", default=[], metavar="NAME:VALUE")
    p.add_argument("--remove-header", action="append", default=[], metavar="NAME")
    p.set_defaults(func=cmd_mcp_edit)
    p = msub.add_parser("set-header", help="keep a server's secret header value in the keyring")
    p.add_argument("name", metavar="NAME")
    p.add_argument("header", metavar="HEADER", help="e.g. Authorization")
    p.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_mcp_set_header)
    p = msub.add_parser("delete-header", help="stop sending a keyring header; delete its value")
    p.add_argument("name", metavar="NAME")
    p.add_argument("header", metavar="HEADER")
    p.set_defaults(func=cmd_mcp_delete_header)
    p = msub.add_parser("list", help="list servers")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_mcp_list)
    p = msub.add_parser("remove", help="remove a server")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_mcp_remove)
    p = msub.add_parser("tools", help="start a server and list its tools")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S", help="start-up limit")
    p.set_defaults(func=cmd_mcp_tools)
