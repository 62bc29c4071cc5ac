"""`desktop-chat preset add|list|remove`: saved system prompts with their model and options.

A preset is used by `ask --preset NAME` and offered in the window's system-prompt menu. Its
fields fill in what the command line (or the window) leaves unset: `ask --preset terse --model
X` asks model X with the preset's system prompt.

`preset list --json`::

    {"presets": [{"name": str, "system": str, "model": str, "temperature": float | null,
                  "max_tokens": int | null}]}

Exit status: 0 done, 2 a usage or settings problem (an unknown preset, a name taken, an
unreadable file), 1 the file could not be written.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from desktop_chat.cli.error import CliError, guarded
from desktop_chat.storage.settings import Preset, Settings

EXAMPLES = """\
examples:
  desktop-chat preset add terse --system "Answer in one line." --temperature 0.2
  desktop-chat preset add reviewer --system-file prompts/review.md --model gpt-4o
  git diff | desktop-chat ask --preset reviewer "review this"
  desktop-chat preset list
  desktop-chat preset remove terse
"""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "preset",
        help="manage saved system prompts (ask --preset NAME)",
        description="Saved system prompts with a model and options, for `ask --preset NAME`\n"
        "and the window's system-prompt menu.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    psub = parser.add_subparsers(dest="preset_command", metavar="COMMAND", required=True)
    p = psub.add_parser("add", help="save a preset")
    p.add_argument("name", metavar="NAME")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--system", metavar="TEXT", help="the system prompt")
    source.add_argument("--system-file", metavar="FILE", help="read the system prompt from FILE")
    p.add_argument("--model", default="", metavar="M", help="the model to ask (default: unset)")
    p.add_argument("--temperature", type=float, metavar="T")
    p.add_argument("--max-tokens", type=int, metavar="N")
    p.add_argument("--replace", action="store_true", help="replace a preset of that name")
    p.set_defaults(func=cmd_add)
    p = psub.add_parser("list", help="list the presets")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)
    p = psub.add_parser("remove", help="remove a preset")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_remove)


def read_system_file(path: str) -> str:
    """The text of a system prompt file; CliError (2) when it cannot be read as UTF-8 text."""
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CliError(f"cannot read the system prompt file {path!r}: {exc.strerror}", 2) from exc
    except UnicodeDecodeError as exc:
        raise CliError(f"the system prompt file {path!r} is not UTF-8 text", 2) from exc


@guarded
def cmd_add(args: argparse.Namespace) -> int:
    from desktop_chat.storage.settings_file import load_settings

    system = read_system_file(args.system_file) if args.system_file else args.system
    preset = Preset(args.name, system, args.model, args.temperature, args.max_tokens)
    settings = load_settings().settings
    if settings.preset(preset.name) is not None and not args.replace:
        raise CliError(f"there is already a preset named {preset.name!r} (add --replace)", 2)
    _save(settings, settings.with_preset(preset))
    print(f"Saved the preset {preset.name!r}.")
    return 0


@guarded
def cmd_list(args: argparse.Namespace) -> int:
    from desktop_chat.storage.settings_file import load_settings

    presets = load_settings().settings.presets
    if args.json:
        rows = [dataclasses.asdict(p) for p in presets]
        print(json.dumps({"presets": rows}, indent=2, ensure_ascii=False))
        return 0
    if not presets:
        print('No presets yet. Add one: desktop-chat preset add NAME --system "..."')
        return 0
    for p in presets:
        options = [f"model {p.model}"] if p.model else []
        options += [] if p.temperature is None else [f"temperature {p.temperature:g}"]
        options += [] if p.max_tokens is None else [f"max tokens {p.max_tokens}"]
        first_line = p.system.splitlines()[0] if p.system else ""
        shown = first_line if len(first_line) <= 60 else first_line[:59] + "…"
        extra = f"  ({', '.join(options)})" if options else ""
        print(f"{p.name}: {shown}{extra}")
    return 0


@guarded
def cmd_remove(args: argparse.Namespace) -> int:
    from desktop_chat.storage.settings_file import load_settings

    settings = load_settings().settings
    removed = settings.without_preset(args.name)  # SettingsError: no such preset, exit 2
    _save(settings, removed)
    print(f"Removed the preset {args.name!r}.")
    return 0


def _save(base: Settings, ours: Settings) -> None:
    from desktop_chat.storage.settings_update import kept_notice, save_merged

    def kept(copy: Path) -> None:
        print(f"desktop-chat: warning: {kept_notice(copy)}", file=sys.stderr)

    save_merged(base, ours, kept=kept)
