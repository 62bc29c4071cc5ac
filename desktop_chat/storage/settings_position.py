"""Find the line on which each value of a settings document starts, to point people at it.

`json.loads` keeps no positions, so a second, small pass over text that has already parsed
walks the same structure and notes the line of every key and list item. It only runs over text
`json.loads` accepted and `settings_file` bounded in size and depth, so it never meets a syntax
error of its own.
"""

from __future__ import annotations

import bisect
import json
import re

from desktop_chat.storage.settings_document import Place

_SPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(r"-?(?:Infinity|NaN|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|true|false|null")


def line_map(text: str) -> dict[Place, int]:
    """Return the line (from 1) of every value in the JSON ``text``, by its place."""
    breaks = [i for i, char in enumerate(text) if char == "\n"]
    lines: dict[Place, int] = {}

    def line(pos: int) -> int:
        return bisect.bisect_left(breaks, pos) + 1

    def value(pos: int, place: Place) -> int:
        pos = _skip(text, pos)
        lines.setdefault(place, line(pos))
        char = text[pos]
        if char == '"':
            return _skip(text, pos, _STRING)
        if char == "{":
            return members(pos + 1, place)
        if char == "[":
            return items(pos + 1, place)
        return _skip(text, pos, _SCALAR)

    def members(pos: int, place: Place) -> int:
        pos = _skip(text, pos)
        if text[pos] == "}":
            return pos + 1
        while True:
            start = _skip(text, pos)
            pos = _skip(text, start, _STRING)
            key: str = json.loads(text[start:pos])
            lines[(*place, key)] = line(start)  # the last of two equal keys wins, as in json
            pos = _skip(text, pos) + 1  # past ':'
            pos = value(pos, (*place, key))
            pos = _skip(text, pos)
            if text[pos] == "}":
                return pos + 1
            pos += 1  # past ','

    def items(pos: int, place: Place) -> int:
        pos = _skip(text, pos)
        if text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = value(pos, (*place, index))
            pos = _skip(text, pos)
            if text[pos] == "]":
                return pos + 1
            pos, index = pos + 1, index + 1

    value(0, ())
    return lines


def _skip(text: str, pos: int, pattern: re.Pattern[str] = _SPACE) -> int:
    """Return the position after what `pattern` matches at `pos` (white space by default)."""
    found = pattern.match(text, pos)
    return pos if found is None else found.end()


def line_of(lines: dict[Place, int], place: Place) -> int | None:
    """Return the line of ``place``, or of the nearest enclosing value that is in the text."""
    for end in range(len(place), -1, -1):
        if place[:end] in lines:
            return lines[place[:end]]
    return None


def path_text(place: Place) -> str:
    """Write a place as people read it: ``endpoints[1].extra_headers``."""
    text = ""
    for part in place:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
