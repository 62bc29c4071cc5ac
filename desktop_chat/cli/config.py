"""Show, change, check and move the settings from the command line, offline.

Commands::

    desktop-chat config show [--json]
    desktop-chat config get KEY               the value as JSON, e.g. 3, "dark", null
    desktop-chat config set KEY VALUE         e.g. network.max_retries 5, ui.theme dark,
                                              network.total_timeout none, ui.check_for_updates on
    desktop-chat config unset KEY             back to the default
    desktop-chat config export FILE           the configuration, without keys or this profile's
                                              state ("-": stdout); names the secrets it needs
    desktop-chat config import FILE (--merge | --replace) [--dry-run]
    desktop-chat config validate [FILE]       the profile's settings file by default
    desktop-chat config schema                the JSON Schema of the settings format

A file to import is checked whole first: every problem is printed with its line and its place
in the file (line and column for JSON syntax) and nothing is changed; exit status 2. Then
``--merge`` adds the file's endpoints, tools and MCP servers (replacing namesakes) and sets the
options it names, and ``--replace`` makes the configuration the file's, removing what it lacks
(and the keys of removed endpoints). Either way the endpoint in use, the model lists and the
origins keys are bound to stay this profile's (see `desktop_chat.storage.settings_transfer`),
and the keys and secret headers still to set are listed.

``config show --json``::

    {"settings_path": str, "settings": {"network.max_retries": int, ..., "ui.theme": str, ...}}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from desktop_chat import paths
from desktop_chat.cli.endpoints import _err, _load, _out, _quote, _save
from desktop_chat.cli.error import CliError, guarded
from desktop_chat.storage.secrets import (
    MCP_HEADER_SERVICE,
    KeyringUnavailable,
    KeyStore,
    KeyStoreError,
    mcp_header_entry,
)
from desktop_chat.storage.settings import OPTIONS, Settings, find_option
from desktop_chat.storage.settings_transfer import (
    Checked,
    Mode,
    changes,
    check_file,
    exported,
    imported,
    schema_text,
    write_export,
)
from desktop_chat.storage.validation import SettingsError, SettingsFileError


@guarded
def cmd_config_show(args: argparse.Namespace) -> int:
    """Print the network and ui settings."""
    values = _load().option_values()
    if args.json:
        doc = {"settings_path": str(paths.settings_path()), "settings": values}
        _out(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    _out(f"# {paths.settings_path()}")
    shown = {key: json.dumps(value, ensure_ascii=False) for key, value in values.items()}
    key_width, value_width = max(map(len, shown)), max(map(len, shown.values()))
    for key, text in shown.items():
        _out(f"{key:<{key_width}} = {text:<{value_width}}  # {OPTIONS[key].description}")
    return 0


@guarded
def cmd_config_get(args: argparse.Namespace) -> int:
    """Print one setting's value as JSON, for scripts."""
    option = find_option(args.key)
    _out(json.dumps(_load().option_values()[option.key], ensure_ascii=False))
    return 0


@guarded
def cmd_config_set(args: argparse.Namespace) -> int:
    """Set one network or ui setting, validated against its declaration."""
    option = find_option(args.key)
    value = option.parse(args.value)
    if option.key == "network.ca_bundle" and value:
        value = _checked_ca_bundle(str(value))
    settings = _load().with_option(option.key, value)
    _save(settings)
    _out(f"{option.key} = {json.dumps(value)}")
    net = settings.network
    if net.proxy_mode == "custom" and not net.proxy_url:
        _err("warning: network.proxy_mode is custom but network.proxy_url is empty")
    if option.key == "network.verify_tls" and not net.verify_tls:
        _err(
            "warning: HTTPS certificates are no longer checked: anyone on the way to an endpoint "
            "can pose as it and read or change what is sent, API keys included"
        )
    return 0


@guarded
def cmd_config_unset(args: argparse.Namespace) -> int:
    """Put one setting back to its default."""
    option = find_option(args.key)
    _save(_load().with_option(option.key, option.default))
    _out(f"{option.key} = {json.dumps(option.default)} (the default)")
    return 0


def _checked_ca_bundle(path: str) -> str:
    """The CA file as an absolute path (commands run from anywhere), once it holds certificates."""
    from desktop_chat.core.errors import ConfigurationError
    from desktop_chat.core.transport import check_ca_bundle

    path = os.path.abspath(os.path.expanduser(path))
    try:
        check_ca_bundle(path)
    except ConfigurationError as exc:
        raise CliError(f"{exc}; nothing was saved", 2) from exc
    return path


@guarded
def cmd_config_export(args: argparse.Namespace) -> int:
    """Write the configuration to a file, without secrets or this profile's state."""
    settings = _load()
    text = json.dumps(exported(settings), indent=2, ensure_ascii=False) + "\n"
    to_stdout = args.file == "-"
    say = _err if to_stdout else _out
    if to_stdout:
        sys.stdout.write(text)
    else:
        write_export(text, Path(args.file))
        counted = (
            _count(len(settings.endpoints), "endpoint"),
            _count(len(settings.tools.mcp_servers), "MCP server"),
            _count(len(settings.tools.user_tools), "tool"),
        )
        say(
            f"Exported {counted[0]}, {counted[1]} and {counted[2]} to {args.file}; no keys, and "
            "the endpoint in use and model lists stay here."
        )
    needed = _secret_commands(settings, stored=True)
    if needed:
        say("The machine that imports it needs these secrets; set them there with:")
        for command in needed:
            say(f"  {command}")
    else:
        say("It needs no keys or secret headers.")
    return 0


@guarded
def cmd_config_import(args: argparse.Namespace) -> int:
    """Check a settings file whole, then merge it in or replace the configuration with it."""
    checked = _checked(Path(args.file), what="nothing was changed")
    current = _load()
    mode: Mode = "replace" if args.replace else "merge"
    result = imported(current, checked, mode)
    lines = list(changes(current, result))
    verb = "would be" if args.dry_run else "were"
    _out("\n".join(lines) if lines else f"No settings {verb} changed.")
    if args.dry_run:
        _out("nothing was changed (--dry-run)")
        return 0
    if lines:
        if mode == "replace":
            _forget_removed(current, result)
        _save(result)
        _out(f"Imported {args.file} ({mode}).")
    missing = _secret_commands(result, stored=False)
    if missing:
        _out("Keys and secret headers still to set (if the server needs one):")
        for command in missing:
            _out(f"  {command}")
    return 0


@guarded
def cmd_config_validate(args: argparse.Namespace) -> int:
    """Check a settings file as the app reads it; exit 0, or 2 with each problem and its line."""
    path = Path(args.file) if args.file else paths.settings_path()
    checked = _checked(path, what="")
    _out(f"{path}: valid" if checked.document else f"{path}: no file; the defaults are valid")
    return 0


@guarded
def cmd_config_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the settings format (and of exports)."""
    del args
    sys.stdout.write(schema_text())
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _checked(path: Path, *, what: str) -> Checked:
    """Check `path` whole; raise CliError (2) listing every problem, then `what` was done."""
    tail = f"; {what}" if what else ""
    try:
        checked = check_file(path)
    except SettingsFileError as exc:
        raise CliError(f"{exc.summary}{tail}", 2) from exc
    except SettingsError as exc:  # a newer version's file
        raise CliError(f"{path.name}: {exc}", 2) from exc
    if checked.problems:
        count = len(checked.problems)
        lines = "\n".join(str(problem) for problem in checked.problems)
        raise CliError(f"{path} has {_count(count, 'problem')}{tail}:\n{lines}", 2)
    return checked


def _forget_removed(before: Settings, after: Settings) -> None:
    """Delete the secrets of endpoints and MCP servers a replace removes, as `remove` does.

    Called before the save: a keyring that refuses (locked) stops the import with nothing
    changed; one that cannot be reached at all holds nothing to delete, and only earns a warning.
    """
    store = KeyStore()
    doomed: list[tuple[str, str | None]] = [
        (ep.name, None) for ep in before.endpoints if after.endpoint(ep.name) is None
    ]
    doomed += [
        (mcp_header_entry(server.name, header), MCP_HEADER_SERVICE)
        for server in before.tools.mcp_servers
        if after.tools.mcp_server(server.name) is None
        for header in server.keyring_headers
    ]
    for name, service in doomed:
        try:
            store.delete(name, service=service)
        except KeyringUnavailable as exc:
            _err(f"warning: {exc} Secrets stored earlier for what was removed may remain.")
            return
        except KeyStoreError as exc:
            raise CliError(f"{exc} Nothing was changed.", 1) from exc


def _secret_commands(settings: Settings, *, stored: bool) -> list[str]:
    """The commands that set the secrets `settings` use, for the other side or for this one.

    With `stored` (an export): the keys stored here, since an endpoint without one (Ollama) may
    need none, and every secret header. Without (an import): what is not stored here. When the
    keyring cannot be asked, every one is listed.
    """
    store = KeyStore()
    wanted: list[tuple[str, str | None, str]] = [
        (ep.name, None, f"desktop-chat endpoint set-key {_quote(ep.name)}")
        for ep in settings.endpoints
    ]
    wanted += [
        (
            mcp_header_entry(server.name, header),
            MCP_HEADER_SERVICE,
            f"desktop-chat mcp set-header {server.name} {header}",
        )
        for server in settings.tools.mcp_servers
        for header in server.keyring_headers
    ]
    commands = []
    can_ask = True
    for name, service, command in wanted:
        has: bool | None = None
        if can_ask:
            try:
                has = store.get(name, service=service) is not None
            except KeyStoreError as exc:
                _err(f"warning: cannot tell which secrets are stored here: {exc}")
                can_ask = False
        listed = (service is not None or has is not False) if stored else has is not True
        if listed:
            commands.append(command)
    return commands


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``config`` commands; each leaf sets ``func(args) -> int``."""
    config = subparsers.add_parser(
        "config", help="show, change, check, export and import the settings"
    )
    csub = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    p = csub.add_parser("show", help="print the settings")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_config_show)
    p = csub.add_parser("get", help="print one setting's value as JSON")
    p.add_argument("key", metavar="KEY", help=f"one of: {', '.join(OPTIONS)}")
    p.set_defaults(func=cmd_config_get)
    p = csub.add_parser("set", help="change one setting")
    p.add_argument("key", metavar="KEY", help=f"one of: {', '.join(OPTIONS)}")
    p.add_argument("value", metavar="VALUE")
    p.set_defaults(func=cmd_config_set)
    p = csub.add_parser("unset", help="put one setting back to its default")
    p.add_argument("key", metavar="KEY")
    p.set_defaults(func=cmd_config_unset)
    p = csub.add_parser(
        "export", help="write endpoints, tools, MCP servers and options to a file, without keys"
    )
    p.add_argument("file", metavar="FILE", help="where to write it; - for stdout")
    p.set_defaults(func=cmd_config_export)
    p = csub.add_parser("import", help="check a file, then merge it in or replace with it")
    p.add_argument("file", metavar="FILE")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--merge", action="store_true", help="add and update; keep what the file lacks"
    )
    how.add_argument(
        "--replace", action="store_true", help="remove what the file lacks, with its keys"
    )
    p.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    p.set_defaults(func=cmd_config_import)
    p = csub.add_parser("validate", help="check a settings file as the app reads it")
    p.add_argument("file", metavar="FILE", nargs="?", help="the profile's settings by default")
    p.set_defaults(func=cmd_config_validate)
    p = csub.add_parser("schema", help="print the JSON Schema of the settings format")
    p.set_defaults(func=cmd_config_schema)
