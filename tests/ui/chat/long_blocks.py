"""Answers that are one long block each, as the benchmark streams them, in test sizes."""

from __future__ import annotations

LIST = "Here is the list:\n\n" + "".join(
    f"- Item {i}: a point about `value_{i}` with **some** words\n" for i in range(300)
)
ORDERED = "".join(f"{i + 1}. Step {i}, then *the* next one\n" for i in range(200))
CODE = (
    "```python\ndef run():\n"
    + "".join(
        f"    total_{i} = compute(items[{i}], factor={i % 7})  # step {i}\n" if i % 10 else "\n"
        for i in range(400)
    )
    + "```\n"
)
TABLE = "| name | key | value | note |\n|---|---|--:|---|\n" + "".join(
    f"| row {i} | `key_{i}` | {i * 3} | a short note on row {i} |\n" for i in range(200)
)
PARAGRAPH = "".join(
    f"Call `fn_{i}()` then `check({i})` before the *next* step. " for i in range(400)
)
TOKEN = "".join(f"{i:08x}" for i in range(50_000 // 8))
MIXED = (
    "Intro paragraph.\n\n"
    + LIST[:4000]
    + "\n"
    + CODE[:3000]
    + "```\n\n"
    + TABLE[:3000]
    + "\nAfter the table.\n\n"
    + PARAGRAPH[:6000]
    + "\n\n"
    + ORDERED[:2500]
)
HEADING = "# " + "".join(f"Step {i} calls `fn_{i}()` before the *next* one. " for i in range(200))
QUOTE = "".join(
    f"> Point {i}: `check({i})` before the *next* step, then go on.\n"
    + (">\n" if i % 4 == 3 else "")
    for i in range(300)
)
QUOTE_LINE = "> " + PARAGRAPH + "\n"
ITEM = "Two points:\n\n- " + PARAGRAPH + "\n- And a short one\n\n1. " + PARAGRAPH + "\n2. Last\n"
NESTED = (
    "- The parts:\n"
    + "".join(f"  - Part {i}: a point about `value_{i}` with **some** words\n" for i in range(200))
    + "- After the parts\n"
)
CODE_LINE = (
    "```json\n{"
    + ", ".join(f'"key_{i}": [{i}, {i * 3}, "v{i}"]' for i in range(1200))
    + "}\nshort line\n```\n"
)
CELL = "| name | note |\n|---|---|\n| first | " + PARAGRAPH + " |\n| second | short |\n"
CELLS = "a | b | c\n--|:-:|--\nx | " + PARAGRAPH + " | z\ny | " + PARAGRAPH[:3000] + "\n"
SHAPES = {
    "list": LIST,
    "ordered": ORDERED,
    "code": CODE,
    "table": TABLE,
    "paragraph": PARAGRAPH,
    "token": TOKEN,
    "mixed": MIXED,
    "heading": HEADING,
    "quote": QUOTE,
    "quote line": QUOTE_LINE,
    "item": ITEM,
    "nested": NESTED,
    "code line": CODE_LINE,
    "cell": CELL,
    "cells": CELLS,
}
DEEP = (
    "- The parts:\n"
    + "".join(
        f"  {g + 1}. Group {g}, in *parts*:\n"
        + "".join(
            f"     - Part {g}.{i}: about `value_{i}` with **some** words\n" for i in range(60)
        )
        for g in range(4)
    )
    + "  5. The last group\n- After the parts\n"
)
DEEPER = (
    "1. Levels:\n"
    + "".join(
        f"   - Level {g}\n"
        + "".join(
            f"     * Item {g}.{j}\n"
            + "".join(f"       + Leaf {g}.{j}.{k}: `leaf_{k}` and *more*\n" for k in range(17))
            for j in range(5)
        )
        for g in range(3)
    )
    + "2. Done\n"
)
SHAPES["deep"] = DEEP
SHAPES["deeper"] = DEEPER
