"""What the installer tests share: the packaging folder, its scripts loaded as modules, and a
reader for the block-style YAML subset GitHub workflows are written in (PyYAML is no dependency)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load_packaging_module(name: str) -> ModuleType:
    """Load packaging/NAME.py, which is no package, as a module."""
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class YamlSubsetError(ValueError):
    """Raised when the workflow uses YAML outside the subset ``parse_block_yaml`` reads."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise YamlSubsetError(message)


def _scalar(text: str) -> object:
    """Read a YAML scalar of the kinds the workflow uses; refuse anything ambiguous."""
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        _require(text.endswith("'"), text)
        return text[1:-1].replace("''", "'")
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(item.strip()) for item in text[1:-1].split(",") if item.strip()]
    _require(not text.startswith(("{", "*", "&", "!", "%", "@", "`", ">", "|")), text)
    _require(": " not in text and " #" not in text, f"plain scalar needs quotes: {text}")
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    return {"true": True, "false": False, "null": None, "~": None}.get(text, text)


def parse_block_yaml(text: str) -> object:
    """Parse the block-style YAML subset GitHub workflows are written in; fail on anything else.

    Mappings, sequences, quoted, plain and flow-list scalars, and ``|`` literal blocks (kept
    with their blank and ``#`` lines, clipped to one final newline). PyYAML is not a dependency;
    when it is installed the workflow test also compares both readings.
    """
    lines = text.splitlines()
    _require(not any("\t" in line[: len(line) - len(line.lstrip())] for line in lines), "tab")

    def indent(i: int) -> int:
        return len(lines[i]) - len(lines[i].lstrip(" "))

    def skip(i: int) -> int:
        while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
            i += 1
        return i

    def literal(i: int, parent: int) -> tuple[str, int]:
        body: list[str] = []
        while i < len(lines) and (not lines[i].strip() or indent(i) > parent):
            body.append(lines[i])
            i += 1
        while body and not body[-1].strip():
            body.pop()
        strip = min(len(b) - len(b.lstrip(" ")) for b in body if b.strip())
        return "\n".join(b[strip:] for b in body) + "\n", i

    def block(i: int, level: int) -> tuple[object, int]:
        if lines[i].lstrip().startswith("- "):
            items: list[object] = []
            while i < len(lines) and indent(i) == level and lines[i].lstrip().startswith("- "):
                rest = lines[i].lstrip()[2:].lstrip()
                if re.match(r"[\w$-]+:( |$)", rest):  # a mapping starts on the item's line
                    inner = len(lines[i]) - len(rest)
                    lines[i] = " " * inner + rest  # as if it stood alone
                    value, i = block(i, inner)
                else:
                    value, i = _scalar(rest), i + 1
                items.append(value)
                i = skip(i)
            return items, i
        mapping: dict[str, object] = {}
        while i < len(lines) and indent(i) == level:
            key, sep, rest = lines[i].strip().partition(":")
            _require(bool(sep and key) and (not rest or rest.startswith(" ")), lines[i])
            _require(key not in mapping, f"duplicate key {key}")
            rest = rest.strip()
            i += 1
            if rest == "|":
                mapping[key], i = literal(i, level)
            elif rest:
                mapping[key] = _scalar(rest)
            elif skip(i) < len(lines) and indent(skip(i)) > level:
                i = skip(i)
                mapping[key], i = block(i, indent(i))
            else:
                mapping[key] = None
            i = skip(i)
        return mapping, i

    first = skip(0)
    document, end = block(first, indent(first))
    if end < len(lines):
        raise YamlSubsetError(f"unparsed from line {end + 1}: {lines[end]}")
    return document
