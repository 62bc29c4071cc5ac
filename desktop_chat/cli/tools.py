"""Declare the user's own tools from the command line, and the tools always allowed.

Commands::

    desktop-chat tool add NAME --description TEXT --schema FILE
    desktop-chat tool edit NAME [--description TEXT] [--schema FILE]
    desktop-chat tool list [--json]
    desktop-chat tool remove NAME
    desktop-chat tool disallow KEY            forget an "always allow" (see `tool list`)

When the model calls a user's tool, the user types its result. Exit status as for the endpoint
commands: 0 success, 2 a usage or validation error, 1 any other failure; an error is one stderr
line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING

from desktop_chat.cli.endpoints import _load, _out, _save
from desktop_chat.cli.error import CliError, guarded
from desktop_chat.storage.tool_settings import ToolSettings, UserTool

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


@guarded
def cmd_tool_add(args: argparse.Namespace) -> int:
    """Declare a tool whose result the user types when the model calls it."""
    from desktop_chat.tools.builtin import builtin_entries
    from desktop_chat.tools.schema import ToolSchemaError, check_tool_name

    try:
        check_tool_name(args.name)
    except ToolSchemaError as exc:
        raise CliError(str(exc), 2) from exc
    schema = _read_schema(args.schema)
    if args.name in {entry.name for entry in builtin_entries()}:
        raise CliError(f"{args.name!r} is the name of a built-in tool; choose another", 2)
    settings = _load()
    if settings.tools.user_tool(args.name) is not None:
        raise CliError(f"a tool named {args.name!r} exists; remove it first", 2)
    tool = UserTool(args.name, args.description, schema)
    _save(settings.with_tools(settings.tools.with_user_tool(tool)))
    _out(f"Added tool {tool.name!r}; when the model calls it, you type the result.")
    return 0


def _read_schema(path: str) -> dict[str, object]:
    """Read and check a tool's parameter schema; raise CliError (2) saying what is wrong."""
    from desktop_chat.tools.schema import ToolSchemaError, check_schema

    try:
        with open(path, encoding="utf-8") as file:
            schema = json.load(file)
    except OSError as exc:
        raise CliError(f"cannot read the schema file {path!r}: {exc.strerror}", 2) from exc
    except ValueError as exc:
        raise CliError(f"the schema file {path!r} is not valid JSON: {exc}", 2) from exc
    try:
        check_schema(schema)
    except ToolSchemaError as exc:
        raise CliError(str(exc), 2) from exc
    return schema  # type: ignore[no-any-return]


@guarded
def cmd_tool_edit(args: argparse.Namespace) -> int:
    """Change a tool's description or parameters, keeping its "always allow"."""
    settings = _load()
    old = settings.tools.user_tool(args.name)
    if old is None:
        known = ", ".join(t.name for t in settings.tools.user_tools) or "none yet"
        raise CliError(f"no user-defined tool named {args.name!r} (tools: {known})", 2)
    new = dataclasses.replace(
        old,
        description=old.description if args.description is None else args.description,
        parameters=old.parameters if args.schema is None else _read_schema(args.schema),
    )
    if new == old:
        raise CliError("nothing to change; give --description or --schema", 2)
    _save(settings.with_tools(settings.tools.with_user_tool(new)))
    _out(f"Updated tool {new.name!r}.")
    return 0


@guarded
def cmd_tool_list(args: argparse.Namespace) -> int:
    """List built-in and user-defined tools, and the tools always allowed."""
    from desktop_chat.tools.builtin import builtin_entries

    tools = _load().tools
    builtins = [(entry.name, entry.tool.description) for entry in builtin_entries()]
    if args.json:
        doc = {
            "builtin": [{"name": name, "description": text} for name, text in builtins],
            "user_tools": [
                {"name": t.name, "description": t.description, "parameters": t.parameters}
                for t in tools.user_tools
            ],
            "always_allow": list(tools.always_allow),
        }
        _out(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    rows = [(name, "built-in", text) for name, text in builtins]
    rows += [(t.name, "user", t.description) for t in tools.user_tools]
    width = max(len(name) for name, _, _ in rows)
    for name, kind, text in rows:
        _out(f"{name:<{width}}  {kind:<8}  {' '.join(text.split())[:120]}".rstrip())
    if tools.always_allow:
        _out("Always allowed: " + ", ".join(tools.always_allow))
    return 0


@guarded
def cmd_tool_remove(args: argparse.Namespace) -> int:
    """Remove a user-defined tool and its "always allow"."""
    settings = _load()
    tool = settings.tools.user_tool(args.name)
    if tool is None:
        known = ", ".join(t.name for t in settings.tools.user_tools) or "none yet"
        raise CliError(f"no user-defined tool named {args.name!r} (tools: {known})", 2)
    tools = settings.tools.without_user_tool(tool.name)
    kept = tuple(key for key in tools.always_allow if key != f"user:{tool.name}")
    _save(settings.with_tools(ToolSettings(tools.user_tools, tools.mcp_servers, kept)))
    _out(f"Removed tool {tool.name!r}.")
    return 0


@guarded
def cmd_tool_disallow(args: argparse.Namespace) -> int:
    """Ask again before running a tool that was always allowed."""
    settings = _load()
    tools = settings.tools
    if args.key not in tools.always_allow:
        shown = ", ".join(tools.always_allow) or "none"
        raise CliError(f"{args.key!r} is not always allowed (always allowed: {shown})", 2)
    kept = tuple(key for key in tools.always_allow if key != args.key)
    _save(settings.with_tools(ToolSettings(tools.user_tools, tools.mcp_servers, kept)))
    _out(f"Calls of {args.key} will be asked about again.")
    return 0


def add_parsers(subparsers: SubParsers) -> None:
    """Add the ``tool`` commands; each leaf sets ``func(args) -> int``."""
    tool = subparsers.add_parser("tool", help="declare tools whose results you type")
    tsub = tool.add_subparsers(dest="tool_command", metavar="COMMAND", required=True)
    p = tsub.add_parser("add", help="declare a tool")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--description", required=True, metavar="TEXT")
    p.add_argument("--schema", required=True, metavar="FILE", help="JSON Schema of its parameters")
    p.set_defaults(func=cmd_tool_add)
    p = tsub.add_parser("edit", help="change a tool's description or parameters")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--schema", metavar="FILE", help="JSON Schema of its parameters")
    p.set_defaults(func=cmd_tool_edit)
    p = tsub.add_parser("list", help="list tools")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_tool_list)
    p = tsub.add_parser("remove", help="remove a user-defined tool")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_tool_remove)
    p = tsub.add_parser("disallow", help='forget an "always allow"')
    p.add_argument("key", metavar="KEY", help="as shown by `tool list`, e.g. builtin:calculator")
    p.set_defaults(func=cmd_tool_disallow)
