"""`desktop-chat history`: list, show, export, import and delete saved conversations.

`history list --json` prints {"conversations": [{"id", "title", "created", "updated",
"messages", "pinned"}]} (times as ISO 8601 UTC), with --search also "matches": [{"message_id",
"snippet"}] per conversation. `history show ID --json` prints the conversation as an export of it
(all branches; `history import` reads it back); --markdown the branch on screen. An ID may
be shortened to any unique prefix.
Exit codes: 0 done, 1 no such conversation or nothing to import, 2 the history file or the
command line needs fixing.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from desktop_chat.cli.error import CliError, Handler, guarded
from desktop_chat.storage.history import ConversationInfo, HistoryStore
from desktop_chat.storage.history_schema import HistoryError


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "history", help="list, show, export and import saved conversations",
        description="The conversations the window and `ask` saved.",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="history_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="conversations, newest first")
    listing.add_argument("--search", metavar="TEXT", help="only those whose messages hold TEXT")
    listing.add_argument("--limit", type=int, default=100, metavar="N")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_guarded(_list))
    show = commands.add_parser("show", help="one conversation")
    show.add_argument("id")
    form = show.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="every field and branch")
    form.add_argument("--markdown", action="store_true", help="the shown branch as Markdown")
    show.add_argument("--details", action="store_true", help="with reasoning and tool calls")
    show.set_defaults(func=_guarded(_show))
    export = commands.add_parser("export", help="to a JSON (or .md) file")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?")
    which.add_argument("--all", action="store_true")
    export.add_argument("file", help="FILE: .md writes Markdown (one conversation), else JSON")
    export.add_argument("--details", action="store_true", help="Markdown: reasoning, tool calls")
    export.set_defaults(func=_guarded(_export))
    imported = commands.add_parser(
        "import", help="from a `history export` file or a ChatGPT export's conversations.json"
    )
    imported.add_argument("file")
    imported.set_defaults(func=_guarded(_import))
    delete = commands.add_parser("delete", help="delete one conversation")
    delete.add_argument("id")
    delete.set_defaults(func=_guarded(_delete))


def open_store() -> HistoryStore:
    """The history, its notice said once on stderr; a problem with the file ends with exit 2."""
    try:
        store = HistoryStore.open()
    except HistoryError as exc:
        raise CliError(str(exc), 2) from exc
    if store.notice:
        print(f"desktop-chat: warning: {store.notice}", file=sys.stderr)
    return store


def resolve(store: HistoryStore, given: str) -> str:
    """The full id of the conversation `given` names (its id or a unique prefix of it)."""
    found = store.find(given) if given else []
    if given in found or len(found) == 1:
        return given if given in found else found[0]
    if not found:
        raise CliError(f"no conversation {given!r} (see `desktop-chat history list`)", 1)
    raise CliError(f"{given!r} names {len(found)} conversations: give more of the id", 1)


def _guarded(handler: Handler) -> Handler:
    """`guarded`, with a problem in the history file as exit 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except HistoryError as exc:
            raise CliError(str(exc), 2) from exc

    return guarded(run)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _summary(info: ConversationInfo) -> dict[str, object]:
    return {
        "id": info.id, "title": info.title, "created": _iso(info.created),
        "updated": _iso(info.updated), "messages": info.messages, "pinned": info.pinned,
    }  # fmt: skip


def _list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be at least 1", 2)
    store = open_store()
    listed = store.conversations(limit=args.limit, search=args.search)
    matches: dict[str, list[dict[str, str]]] = {}
    if args.search is not None:
        for hit in store.search(args.search, limit=500):
            matches.setdefault(hit.conversation_id, []).append(
                {"message_id": hit.message_id, "snippet": hit.snippet}
            )
    if args.json:
        rows = []
        for info in listed:
            row = _summary(info)
            if args.search is not None:
                row["matches"] = matches.get(info.id, [])
            rows.append(row)
        print(json.dumps({"conversations": rows}, ensure_ascii=False))
        return 0
    for info in listed:
        when = datetime.fromtimestamp(info.updated).strftime("%Y-%m-%d %H:%M")
        pin = "* " if info.pinned else ""
        print(f"{info.id[:12]}  {when}  {info.messages:>4}  {pin}{info.title or 'Untitled'}")
        for match in matches.get(info.id, [])[:3]:
            print(f"    {' '.join(match['snippet'].split())}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from desktop_chat.storage.history_export import dumps, export_json, markdown

    store = open_store()
    conversation_id = resolve(store, args.id)
    if args.json:
        sys.stdout.write(dumps(export_json(store, [conversation_id])))
    else:
        sys.stdout.write(markdown(store, conversation_id, details=args.details))
    return 0


def _export(args: argparse.Namespace) -> int:
    from desktop_chat.storage.history_export import all_ids, dumps, export_json, markdown

    store = open_store()
    path = Path(args.file)
    if path.suffix.lower() == ".md":
        if args.all:
            raise CliError("Markdown exports one conversation: give its id, or a .json file", 2)
        text = markdown(store, resolve(store, args.id), details=args.details)
    else:
        ids = all_ids(store) if args.all else [resolve(store, args.id)]
        text = dumps(export_json(store, ids))
    _write_new(path, text)
    return 0


def _write_new(path: Path, text: str) -> None:
    """Write `text` to a file that does not exist yet: an export never overwrites."""
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError as exc:
        raise CliError(f"{path} already exists; choose another file name", 1) from exc


def _import(args: argparse.Namespace) -> int:
    from desktop_chat.storage.history_chatgpt import import_chatgpt, is_chatgpt_export
    from desktop_chat.storage.history_export import import_json

    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}", 1) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"{args.file} is not valid JSON: {exc}", 1) from exc
    store = open_store()
    try:
        if is_chatgpt_export(document):
            added, skipped = import_chatgpt(store, document)
        else:
            added, skipped = import_json(store, document)
    except HistoryError as exc:
        if "cannot write" in str(exc):
            raise
        raise CliError(f"{args.file}: {exc}", 1) from exc
    print(f"imported {added} conversation(s)" + (f", {skipped} already here" if skipped else ""))
    return 0


def _delete(args: argparse.Namespace) -> int:
    store = open_store()
    conversation_id = resolve(store, args.id)
    store.delete(conversation_id)
    print(f"deleted {conversation_id}")
    return 0
