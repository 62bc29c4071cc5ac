"""Keep the translation catalogues in step with the code (desktop_chat/i18n.py explains the design).

  python scripts/translations.py update AREA [FILE ...]   add the marked strings of FILEs (default:
                                                          all of desktop_chat) that no catalogue has
                                                          to AREA.po, untranslated, for a translator
  python scripts/translations.py compile                  every .po to the .mo beside it
  python scripts/translations.py check                    what tests/test_translations.py asserts

A marked string is the literal first argument of `_()` or `N_()`, or the first two of `ngettext()`.
Only Simplified Chinese ships besides English, so LANGUAGE is zh_CN.
"""

from __future__ import annotations

import argparse
import ast
import gettext
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "desktop_chat"
LANGUAGE = "zh_CN"
CATALOGS = PACKAGE / "locale" / LANGUAGE / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


@dataclass(frozen=True)
class Marked:
    """One marked string where the code uses it."""

    msgid: str
    plural: str | None
    where: str  # path:line, relative to the project


def marked_strings(files: list[Path]) -> tuple[list[Marked], list[str]]:
    """Every marked string in `files`, and the problems: a marker on an f-string or a join."""
    found: list[Marked] = []
    problems: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            name, args = node.func.id, node.args
            if name not in ("_", "N_", "ngettext") or not args:
                continue
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            where = f"{shown}:{node.lineno}"
            literal = [isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args]
            if name == "ngettext":
                if len(args) < 2 or not (literal[0] and literal[1]):
                    problems.append(f"{where}: ngettext() needs two string literals")
                    continue
                first, second = args[0], args[1]
                assert isinstance(first, ast.Constant)
                assert isinstance(second, ast.Constant)
                found.append(Marked(first.value, second.value, where))
            elif literal[0]:
                first = args[0]
                assert isinstance(first, ast.Constant)
                found.append(Marked(first.value, None, where))
            elif isinstance(args[0], ast.JoinedStr | ast.BinOp):
                problems.append(f"{where}: {name}() of an f-string or a join cannot be translated")
    return found, problems


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "locale" not in p.parts)


def catalogs() -> dict[Path, Catalog]:
    result = {}
    for path in sorted(CATALOGS.glob("*.po")):
        with path.open("rb") as file:
            result[path] = read_po(file, locale=LANGUAGE)
    return result


def translated(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """msgid → its translations (one per plural form), for entries actually translated."""
    result = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            result[key] = tuple(strings)
    return result


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def check() -> list[str]:
    """Every problem with the catalogues, as lines a person can act on; empty when all is well."""
    marked, problems = marked_strings(source_files())
    known: dict[str, tuple[str, ...]] = {}
    for path, catalog in catalogs().items():
        entries = translated(catalog)
        known.update(entries)
        for msgid, strings in entries.items():
            for string in strings:
                if placeholders(string) != placeholders(msgid):
                    problems.append(
                        f"{path.name}: {msgid!r}: the translation {string!r} has placeholders "
                        f"{sorted(placeholders(string))}, the English {sorted(placeholders(msgid))}"
                    )
        compiled = path.with_suffix(".mo")
        if not compiled.exists():
            problems.append(f"{path.name}: no {compiled.name}: run scripts/translations.py compile")
            continue
        with compiled.open("rb") as file:
            shipped = gettext.GNUTranslations(file)
        for msgid, strings in entries.items():
            if shipped.gettext(msgid) != strings[0]:
                problems.append(f"{compiled.name} is older than {path.name}: run compile")
                break
    for item in marked:
        if item.msgid not in known:
            problems.append(f"{item.where}: no Chinese for {item.msgid!r}")
        for text in (item.msgid, item.plural or ""):
            if "{}" in text:
                problems.append(f"{item.where}: name the placeholder in {text!r}")
    return problems


def update(area: str, files: list[Path]) -> int:
    path = CATALOGS / f"{area}.po"
    others = {p: c for p, c in catalogs().items() if p != path}
    have = {
        (m.id[0] if isinstance(m.id, tuple) else m.id) for c in others.values() for m in c if m.id
    }
    if path.exists():
        with path.open("rb") as file:
            catalog = read_po(file, locale=LANGUAGE)
    else:
        catalog = Catalog(
            locale=LANGUAGE,
            header_comment=f"# Simplified Chinese for Desktop Chat: {area}.",
            project="desktop-chat",
            copyright_holder="Desktop Chat",
            last_translator="Desktop Chat",
            language_team="Desktop Chat",
            fuzzy=False,
        )
    added = 0
    for item in marked_strings(files)[0]:
        if item.msgid in have:
            continue
        file_name, line = item.where.rsplit(":", 1)
        msgid: str | tuple[str, str] = (
            (item.msgid, item.plural) if item.plural is not None else item.msgid
        )
        existing = catalog.get(msgid)
        if existing is None:
            added += 1
            string: str | tuple[str, ...] = ("",) if item.plural is not None else ""
            catalog.add(msgid, string, locations=[(file_name, int(line))])
        elif (file_name, int(line)) not in existing.locations:
            existing.locations.append((file_name, int(line)))
    CATALOGS.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=100, include_lineno=False)
    print(f"{path.relative_to(ROOT)}: {added} new, {len(catalog)} in all")
    return 0


def compile_all() -> int:
    for path, catalog in catalogs().items():
        with path.with_suffix(".mo").open("wb") as file:
            write_mo(file, catalog, use_fuzzy=False)
        print(f"{path.with_suffix('.mo').relative_to(ROOT)}: {len(translated(catalog))} messages")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("update", help="add untranslated strings to AREA.po")
    add.add_argument("area")
    add.add_argument("files", nargs="*", type=Path)
    commands.add_parser("compile", help="every .po to its .mo")
    commands.add_parser("check", help="list what is missing or stale")
    args = parser.parse_args()
    if args.command == "update":
        files = [f.resolve() for f in args.files] or source_files()
        return update(args.area, files)
    if args.command == "compile":
        return compile_all()
    problems = check()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
