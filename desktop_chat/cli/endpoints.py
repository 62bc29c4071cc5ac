"""Manage endpoints and their API keys from the command line, offline.

Commands::

    desktop-chat endpoint list [--json]
    desktop-chat endpoint add NAME [--preset P] [--protocol openai|openai-responses|anthropic]
                                   [--base-url URL]
                                   [--model M] [--header NAME:VALUE ...]
                                   [--output-limit-field auto|max_tokens|max_completion_tokens]
    desktop-chat endpoint edit NAME [the same options] [--remove-header NAME ...] [--clear-headers]
                                    [--move-key]
    desktop-chat endpoint remove NAME         also deletes the endpoint's key from the keyring
    desktop-chat endpoint use NAME [--model M]
    desktop-chat endpoint set-key NAME        the key is read from stdin (a hidden prompt on a
                                              terminal), never from the command line
    desktop-chat endpoint delete-key NAME
    desktop-chat endpoint show NAME [--json]  one endpoint, as `list --json` shows it
    desktop-chat endpoint rename OLD NEW      its key moves with it; it stays in use if it was

Exit status: 0 on success, 2 for a usage or validation error, 1 for any other failure. An error is
one line on stderr, never a traceback. The profile directory comes from ``--profile-dir`` or
``DESKTOP_CHAT_HOME`` (see :mod:`desktop_chat.paths`).

JSON output is stable: fields may be added, never renamed or removed.

``endpoint list --json``::

    {"active_endpoint": str | null, "active_model": str | null,
     "endpoints": [{"name": str, "protocol": "openai" | "openai-responses" | "anthropic",
                    "base_url": str,
                    "default_model": str, "extra_headers": {str: str}, "active": bool,
                    "has_key": bool | null,
                    "output_limit_field": "auto" | "max_tokens" | "max_completion_tokens",
                    "key_origin": str}]}

``has_key`` is null when the keyring cannot be asked. ``key_origin`` is the origin
(``scheme://host[:port]``) the stored key may be sent to: when ``endpoint edit --base-url`` moves
an endpoint with a key to another origin, the key stays bound to the old one, and is held back,
until ``--move-key`` confirms the move or ``set-key`` stores a key for the new one. Keys are
this profile's own (see :mod:`desktop_chat.storage.key_scope`). No command ever prints a key.

``endpoint show NAME --json`` prints one such endpoint object. The ``config`` commands are
`desktop_chat.cli.config`'s.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from pathlib import Path

from desktop_chat import paths
from desktop_chat.cli.error import CliError, guarded
from desktop_chat.session.key_moves import forget_key
from desktop_chat.storage.origin import origin_of
from desktop_chat.storage.secrets import KeyStore, KeyStoreError
from desktop_chat.storage.settings import PRESETS, Endpoint, Settings
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.storage.validation import LIMIT_FIELDS, PROTOCOLS, SettingsError

MAX_KEY_LENGTH = 16_384


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


_loaded: list[Settings] = []  # what this command read: its changes are made against it


def _load() -> Settings:
    try:
        result = load_settings(paths.settings_path())
    except SettingsError as exc:  # left as it is (a newer version's too) until it is fixed
        raise CliError(str(exc), 2) from exc
    if result.notice:
        _err(f"warning: {result.notice}")
    _loaded[:] = [result.settings]
    return result.settings


def _save(settings: Settings) -> None:
    """Save `settings`, keeping what the window or another command saved since `_load()`."""
    from desktop_chat.storage.settings_update import kept_notice, save_merged

    if not _loaded:
        raise RuntimeError("_save() needs the settings this command read with _load()")

    def kept(copy: Path) -> None:
        _err(f"warning: {kept_notice(copy)}")

    save_merged(_loaded[0], settings, paths.settings_path(), kept=kept)


def _require(settings: Settings, name: str) -> Endpoint:
    ep = settings.endpoint(name)
    if ep is None:
        known = ", ".join(e.name for e in settings.endpoints) or "none yet"
        raise CliError(f"no endpoint named {name!r} (endpoints: {known})", 2)
    return ep


def _preset(name: str) -> tuple[str, str]:
    """The preset named `name`, told apart by its letters and digits alone: "openai-responses"
    and "OpenAI Responses" are the same."""
    wanted = _letters(name)
    for preset, value in PRESETS.items():
        if _letters(preset) == wanted:
            return value
    raise CliError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}", 2)


def _letters(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())


def _headers(items: list[str]) -> dict[str, str]:
    headers = {}
    for item in items:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise CliError("--header wants NAME:VALUE", 2)
        headers[name.strip()] = value.strip()
    return headers


@guarded
def cmd_list(args: argparse.Namespace) -> int:
    """List endpoints, which one is active and whether each has a key."""
    settings = _load()
    store = KeyStore()
    has_key: dict[str, bool | None] = {ep.name: None for ep in settings.endpoints}
    for ep in settings.endpoints:
        try:
            has_key[ep.name] = store.get(ep.name) is not None
        except KeyStoreError as exc:
            _err(f"warning: cannot tell which endpoints have keys: {exc}")
            break  # the next endpoints would meet the same keyring
    if args.json:
        rows = [_row(settings, ep, has_key[ep.name]) for ep in settings.endpoints]
        doc = {
            "active_endpoint": settings.active_endpoint,
            "active_model": settings.active_model,
            "endpoints": rows,
        }
        _out(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if not settings.endpoints:
        _out("No endpoints yet. Add one: desktop-chat endpoint add NAME --preset OpenAI")
        return 0
    width = max(len(ep.name) for ep in settings.endpoints)
    protocol_width = max(9, *(len(ep.protocol) for ep in settings.endpoints))
    for ep in settings.endpoints:
        active = ep.name == settings.active_endpoint
        model = (settings.active_model if active else None) or ep.default_model or "-"
        key = {True: "yes", False: "no", None: "?"}[has_key[ep.name]]
        if has_key[ep.name] and ep.key_moved:
            key += f" (held back: stored for {ep.key_origin})"
        mark = "*" if active else " "
        row = f"{mark} {ep.name:<{width}}  {ep.protocol:<{protocol_width}}  {ep.base_url}"
        _out(f"{row}  model: {model}  key: {key}")
    return 0


def _row(settings: Settings, ep: Endpoint, has_key: bool | None) -> dict[str, object]:
    """One endpoint as `endpoint list --json` and `endpoint show --json` print it."""
    return {
        "name": ep.name,
        "protocol": ep.protocol,
        "base_url": ep.base_url,
        "default_model": ep.default_model,
        "extra_headers": ep.extra_headers,
        "active": ep.name == settings.active_endpoint,
        "has_key": has_key,
        "output_limit_field": ep.output_limit_field,
        "key_origin": ep.key_origin,
    }


@guarded
def cmd_show(args: argparse.Namespace) -> int:
    """Print one endpoint: all it holds, whether it is in use and whether a key is stored."""
    settings = _load()
    ep = _require(settings, args.name)
    try:
        has_key: bool | None = KeyStore().get(ep.name) is not None
    except KeyStoreError as exc:
        _err(f"warning: cannot tell whether {ep.name!r} has a key: {exc}")
        has_key = None
    row = _row(settings, ep, has_key)
    if args.json:
        _out(json.dumps(row, indent=2, ensure_ascii=False))
        return 0
    row["extra_headers"] = "".join(f"\n  {k}: {v}" for k, v in ep.extra_headers.items())
    row["has_key"] = {True: "yes", False: "no", None: "?"}[has_key]
    if has_key and ep.key_moved:
        row["has_key"] = f"yes (held back: stored for {ep.key_origin})"
    if row["active"]:
        row["active"] = f"yes, model: {settings.active_model or ep.default_model or '-'}"
    row["active"] = row["active"] or "no"
    for name, value in row.items():
        _out(f"{name}:{value}" if name == "extra_headers" and value else f"{name}: {value or '-'}")
    return 0


@guarded
def cmd_rename(args: argparse.Namespace) -> int:
    """Rename an endpoint; its key moves with it, and it stays in use if it was."""
    settings = _load()
    old = _require(settings, args.name)
    renamed = settings.with_endpoint_renamed(old.name, args.new_name)
    new = renamed.endpoints[settings.endpoints.index(old)]
    if new.name == old.name:
        raise CliError(f"the endpoint is already called {old.name!r}", 2)
    store = KeyStore()
    try:
        # Copied first and deleted last: a failure on the way never leaves the key nowhere.
        key = store.get(old.name) if store.available() else None
        if key is not None:
            store.set(new.name, key)
    except KeyStoreError as exc:
        raise CliError(f"{exc} Nothing was renamed.", 1) from exc
    _save(renamed)
    if key is not None:
        try:
            store.delete(old.name)
            # A keyring that ignores case (Windows) took the new entry for the old one.
            if store.get(new.name) is None:
                store.set(new.name, key)
        except KeyStoreError as exc:
            _err(f"warning: the key is now under {new.name!r} but {exc}")
    tail = " and its key" if key is not None else ""
    _out(f"Renamed endpoint {old.name!r} to {new.name!r}{tail}.")
    return 0


@guarded
def cmd_add(args: argparse.Namespace) -> int:
    """Add an endpoint; the first one added becomes the active one."""
    settings = _load()
    protocol, base_url = args.protocol, args.base_url
    if args.preset:
        preset_protocol, preset_url = _preset(args.preset)
        protocol, base_url = protocol or preset_protocol, base_url or preset_url
    if not protocol or not base_url:
        raise CliError(f"give --protocol and --base-url, or --preset ({', '.join(PRESETS)})", 2)
    if settings.endpoint(args.name) is not None:
        raise CliError(f"an endpoint named {args.name!r} exists; change it with `endpoint edit`", 2)
    ep = Endpoint(
        args.name,
        protocol,
        base_url,
        args.model or "",
        _headers(args.header),
        args.output_limit_field or "auto",
    )
    settings = settings.with_endpoint(ep)
    first = settings.active_endpoint is None
    if first:
        settings = settings.with_active(ep.name)
    _save(settings)
    _out(
        f"Added endpoint {ep.name!r} ({ep.protocol}, {ep.base_url})"
        + (", now active." if first else ".")
    )
    _out(f"Store its API key with: desktop-chat endpoint set-key {_quote(ep.name)}")
    return 0


@guarded
def cmd_edit(args: argparse.Namespace) -> int:
    """Change an endpoint's protocol, URL, default model, extra headers or output limit field."""
    settings = _load()
    old = _require(settings, args.name)
    protocol, base_url = args.protocol, args.base_url
    if args.preset:
        preset_protocol, preset_url = _preset(args.preset)
        protocol, base_url = protocol or preset_protocol, base_url or preset_url
    headers = {} if args.clear_headers else dict(old.extra_headers)
    lowered = {h.casefold() for h in args.remove_header}
    headers = {k: v for k, v in headers.items() if k.casefold() not in lowered}
    headers.update(_headers(args.header))
    new = Endpoint(
        old.name,
        protocol or old.protocol,
        base_url or old.base_url,
        old.default_model if args.model is None else args.model,
        headers,
        args.output_limit_field or old.output_limit_field,
        old.key_origin,
    )
    held_back = new.key_moved and not args.move_key and _may_have_key(new)
    if new.key_moved and not held_back:
        new = dataclasses.replace(new, key_origin=origin_of(new.base_url))
    if new == old:
        raise CliError("nothing to change; give at least one option that differs", 2)
    _save(settings.with_endpoint(new))
    _out(f"Updated endpoint {new.name!r} ({new.protocol}, {new.base_url}).")
    if held_back:
        name = _quote(new.name)
        _err(
            f"warning: the key for {new.name!r} stays bound to {new.key_origin} and is not sent "
            f"to {origin_of(new.base_url)}; to send it there run `desktop-chat endpoint edit "
            f"{name} --move-key`, or store a key for it with `desktop-chat endpoint set-key {name}`"
        )
    elif args.move_key and new.key_origin != old.key_origin:
        _out(f"Its key will be sent to {new.key_origin} from now on.")
    return 0


def _may_have_key(endpoint: Endpoint) -> bool:
    """Tell whether a key may be stored for `endpoint`; when the keyring cannot say, it may."""
    store = KeyStore()
    try:
        # Without a usable keyring (or session memory) no key can have been stored.
        return store.available() and store.get(endpoint.name) is not None
    except KeyStoreError:
        return True


@guarded
def cmd_remove(args: argparse.Namespace) -> int:
    """Remove an endpoint and delete its key from the keyring."""
    settings = _load()
    ep = _require(settings, args.name)
    store = KeyStore()
    try:
        forgotten = forget_key(store, ep.name)
    except KeyStoreError as exc:
        raise CliError(f"{exc} The endpoint was not removed.", 1) from exc
    if forgotten.deleted is None:
        # Nothing reachable could hold the key now; say where a stale one may remain.
        _err(
            f"warning: {forgotten.unreachable} If a key was stored earlier, remove it from the "
            "keyring yourself."
        )
    _save(settings.without_endpoint(ep.name))
    where = store.backend_name()
    tail = {True: f" and its key from the {where}", False: " (it had no stored key)", None: ""}
    _out(f"Removed endpoint {ep.name!r}{tail[forgotten.deleted]}.")
    return 0


@guarded
def cmd_use(args: argparse.Namespace) -> int:
    """Make an endpoint the active one, optionally with a model."""
    settings = _load()
    ep = _require(settings, args.name)
    model = args.model
    if model is None and ep.name == settings.active_endpoint:
        model = settings.active_model  # re-selecting the same endpoint keeps the chosen model
    settings = settings.with_active(ep.name, model)
    _save(settings)
    shown = settings.active_model or ep.default_model or "the server's default"
    _out(f"Active endpoint: {ep.name!r}, model: {shown}.")
    return 0


def _read_key(name: str) -> str:
    return read_secret(f"API key for {name}", "key", spaces=False)


def read_secret(prompt: str, what: str, *, spaces: bool) -> str:
    """Read one secret from stdin: a hidden prompt on a terminal, else the whole input.

    ``what`` names it in errors ("key", "value"); ``spaces`` allows inner spaces ("Bearer x").
    """
    stdin = sys.stdin
    if stdin is None:
        raise CliError(f"no stdin to read the {what} from", 2)
    if stdin.isatty():
        secret = getpass.getpass(f"{prompt} (input hidden): ")
    else:
        secret = stdin.read(MAX_KEY_LENGTH + 1)
    secret = secret.strip()
    if not secret:
        raise CliError(f"no {what} given on stdin", 2)
    if len(secret) > MAX_KEY_LENGTH:
        raise CliError(f"the {what} is longer than {MAX_KEY_LENGTH} characters", 2)
    if not spaces and any(c.isspace() or not c.isprintable() for c in secret):
        raise CliError(f"the {what} contains spaces, line breaks or control characters", 2)
    if any(not c.isprintable() for c in secret):
        raise CliError(f"the {what} contains line breaks or control characters", 2)
    return secret


@guarded
def cmd_set_key(args: argparse.Namespace) -> int:
    """Read an API key from stdin and store it in the OS keyring."""
    if args.stray:
        # Not echoed: it may well be the key itself, already in the shell's history.
        raise CliError("give the key on stdin or at the prompt, never on the command line", 2)
    settings = _load()
    ep = _require(settings, args.name)
    key = _read_key(ep.name)
    store = KeyStore()
    store.set(ep.name, key)
    if ep.key_moved:  # the new key is for where the endpoint points now; bind it there
        _save(settings.with_endpoint(dataclasses.replace(ep, key_origin=origin_of(ep.base_url))))
    _out(f"Saved the key for {ep.name!r} in the {store.backend_name()}.")
    return 0


@guarded
def cmd_delete_key(args: argparse.Namespace) -> int:
    """Delete an endpoint's key from the OS keyring."""
    ep = _load().endpoint(args.name)
    name = ep.name if ep is not None else args.name.strip()
    store = KeyStore()
    if store.delete(name):
        _out(f"Deleted the key for {name!r} from the {store.backend_name()}.")
    else:
        _out(f"There was no key for {name!r} in the {store.backend_name()}.")
    return 0


def _quote(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else json.dumps(name)


def _endpoint_options(parser: argparse.ArgumentParser, *, edit: bool) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument(
        "--preset", metavar="P", help=f"fill protocol and URL: {', '.join(PRESETS)}"
    )
    parser.add_argument("--protocol", choices=PROTOCOLS)
    parser.add_argument("--base-url", metavar="URL")
    parser.add_argument("--model", metavar="M", help="default model ('' clears it)")
    parser.add_argument(
        "--header", action="append", default=[], metavar="NAME:VALUE",
        help="extra HTTP header (repeatable); never a key: keys go in the keyring",
    )  # fmt: skip
    parser.add_argument(
        "--output-limit-field", choices=LIMIT_FIELDS,
        help="Chat Completions: the request field for the answer's length limit; auto (default) "
        "sends max_completion_tokens to api.openai.com and Azure OpenAI, max_tokens elsewhere",
    )  # fmt: skip
    if edit:
        parser.add_argument("--remove-header", action="append", default=[], metavar="NAME")
        parser.add_argument("--clear-headers", action="store_true")
        parser.add_argument(
            "--move-key", action="store_true",
            help="send the stored key to the new base URL's host too (without it, a key stays "
            "bound to the scheme, host and port it was stored for)",
        )  # fmt: skip


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``endpoint`` and ``config`` commands; each leaf sets ``func(args) -> int``."""
    endpoint = subparsers.add_parser("endpoint", help="manage API endpoints and their keys")
    esub = endpoint.add_subparsers(dest="endpoint_command", metavar="COMMAND", required=True)
    p = esub.add_parser("list", help="list endpoints")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)
    p = esub.add_parser("add", help="add an endpoint")
    _endpoint_options(p, edit=False)
    p.set_defaults(func=cmd_add)
    p = esub.add_parser("edit", help="change an endpoint")
    _endpoint_options(p, edit=True)
    p.set_defaults(func=cmd_edit)
    p = esub.add_parser("show", help="print one endpoint")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_show)
    p = esub.add_parser("rename", help="rename an endpoint; its key moves with it")
    p.add_argument("name", metavar="NAME")
    p.add_argument("new_name", metavar="NEW")
    p.set_defaults(func=cmd_rename)
    p = esub.add_parser("remove", help="remove an endpoint and its key")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_remove)
    p = esub.add_parser("use", help="make an endpoint active")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--model", metavar="M")
    p.set_defaults(func=cmd_use)
    p = esub.add_parser("set-key", help="store an endpoint's API key (read from stdin)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_set_key)
    p = esub.add_parser("delete-key", help="delete an endpoint's API key")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_delete_key)
    from desktop_chat.cli.doctor import add_endpoint_test  # the doctor's check, for one endpoint

    add_endpoint_test(esub)
