"""Where a long Markdown block is cut into pieces, and how the pieces are drawn as one block.

A long block is cut into pieces of about PIECE characters (markdown_stream.py says why), at
boundaries that nothing typed later can move: before a list item or a table row, before a line
of code, after a sentence, before a word, and inside an unbroken token as a last resort. Each
piece is then parsed on its own, behind the lines that make it the same kind of block (the
fence's opening line, the table's head), and drawn with no margin between it and its
neighbours, one code label, one table head, and columns of equal width, so the pieces read as
one block. A heading goes on behind its `#` marks, a quote behind its `>` marks: a quote is cut
before a line of it (after a paragraph of it past PIECE, any line past PIECE_LOOSE), and a long
line of a quote, or a long heading, where a paragraph is. A long list item's text is cut where a
paragraph is, and goes on as an item of a list of its own, drawn without a bullet or number:
behind another marker (a list ends where the marker changes) and a word joiner (U+2060), which
says "the rest of an item" and is dropped before drawing. A list nested in a long item, at any
depth, is cut before one of its items: the rest goes on behind one such line for each item it
is nested in, so it stays as deep. A long row of a table is cut where a paragraph is, inside
one of its cells: the rest goes on behind the table's head as a row of its own, behind as many
empty cells as came before the cut, so it stays in its column.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token

PIECE = 1024  # characters of a long block after which it is cut at a safe boundary
PIECE_LOOSE = 2048  # ... after which any line of code, or any word, starts a new piece
PIECE_HARD = 4096  # ... after which any letter does (an unbroken token)
# A table is parsed whole at every step and inserted again as each row completes (a rescan of
# the document's frames): it is cut sooner.
TABLE_PIECE = 512
_LETTER = r"(?=[^\W\d_])"  # a paragraph piece starts with a letter: never a block marker
_SENTENCE_END = re.compile(r"(?:[.?!:;] |[。！？；])" + _LETTER)
_WORD_START = re.compile(r"\s" + _LETTER)
_ANY_LETTER = re.compile(_LETTER)
_CANDIDATES_TRIED = 64  # cut candidates checked per step; more only once more text arrived
_ITEM_MARKER = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])[ \t]+")
GOES_ON = "\u2060"  # starts the rest of a list item cut in its text (see above)
_CELL_BORDER = re.compile(r"(?<!\\)\|")  # between cells of a table row, as markdown-it splits
_LEADING_BORDER = re.compile(r"[ \t]*\|")
_INDENT = re.compile(r"[ \t]*")
_QUOTE_MARKS = re.compile(r" {0,3}>(?:[ \t]{0,3}>)*[ \t]?")  # what makes a line part of a quote


def _balanced(text: str, start: int, stop: int) -> bool:
    """Tell whether no code span, emphasis or link text is open at `stop` (a cheap guess)."""
    return (
        text.count("`", start, stop) % 2 == 0
        and text.count("*", start, stop) % 2 == 0
        and text.count("[", start, stop) == text.count("]", start, stop)
    )


def find_cut(
    tokens: list[Token], first: int, certain: int, text: str, lines: list[int]
) -> tuple[int, str] | None:
    """Where the open block may be cut: (offset in `text`, prefix to parse the rest with).

    The first boundary far enough from the block's start whose lines are certain; what
    follows it cannot move it, so streaming and rendering at once cut in the same places.
    """
    block = tokens[first]
    if not block.map:
        return None
    begin = lines[block.map[0]]
    end = lines[block.map[1]] if block.map[1] < len(lines) else len(text)
    if end - begin < TABLE_PIECE:
        return None
    certain = min(certain, block.map[1])  # lines of this block only
    if block.type in ("bullet_list_open", "ordered_list_open"):
        items = [
            index
            for index in range(first + 1, len(tokens))
            if tokens[index].type == "list_item_open" and tokens[index].level == 1
        ]
        starts = [line for index in items[1:] if (line := (tokens[index].map or [0])[0])]
        found = [
            cut
            for cut in (
                _first_line(starts, lines, begin, certain, "", PIECE),
                _item_cut(tokens, items, lines, certain, text),
                _nested_cut(tokens, items, lines, begin, certain, text),
            )
            if cut is not None
        ]
        return min(found) if found else None
    if block.type == "table_open":
        rows = [t.map[0] for t in tokens[first + 1 :] if t.type == "tr_open" and t.map]
        head = text[begin : lines[block.map[0] + 2]] if len(lines) > block.map[0] + 2 else ""
        if not head:
            return None
        found = [
            cut
            for cut in (
                _first_line(rows[2:], lines, begin, certain, head, TABLE_PIECE),
                _cell_cut(rows[1:], lines, certain, text, head),
            )
            if cut is not None
        ]
        return min(found) if found else None
    if block.type == "fence":
        return _fence_cut(block, lines, begin, certain, text)
    if block.type == "blockquote_open":
        return _quote_cut(block, lines, begin, certain, text)
    if block.type == "heading_open" and block.markup.startswith("#"):
        cut = _paragraph_cut(text, begin, min(end, len(text)))
        return None if cut is None else (cut[0], block.markup + " ")
    if block.type == "paragraph_open" or (
        block.type == "heading_open" and block.markup in ("=", "-")
    ):
        last = block.map[1] - (block.type == "heading_open")  # not the setext underline
        end = lines[last] if last < len(lines) else len(text)
        return _paragraph_cut(text, begin, min(end, len(text)))
    return None


def _first_line(
    candidates: list[int], lines: list[int], begin: int, certain: int, prefix: str, size: int
) -> tuple[int, str] | None:
    for line in candidates:
        if line >= certain:
            return None
        if lines[line] - begin >= size:
            return lines[line], prefix
    return None


def _cell_cut(
    rows: list[int], lines: list[int], certain: int, text: str, head: str
) -> tuple[int, str] | None:
    """Cut in a long row of the table where a paragraph is cut; see the module's docstring.

    A row is drawn only once complete; until then it shows as text, which would grow with it.
    """
    for line in rows:
        if line >= certain:
            return None
        start = lines[line]
        stop = lines[line + 1] - 1 if line + 1 < len(lines) else len(text)
        cut = _paragraph_cut(text, start, stop)
        if cut is not None:
            before = len(_CELL_BORDER.findall(text, start, cut[0]))
            leading = _LEADING_BORDER.match(text, start, cut[0]) is not None
            return cut[0], head + "|" + " |" * (before - leading) + " "
    return None


def _item_cut(
    tokens: list[Token], items: list[int], lines: list[int], certain: int, text: str
) -> tuple[int, str] | None:
    """Cut in the text of a long item where a paragraph is cut; see the module's docstring."""
    for index in items:
        inner = tokens[index + 1] if index + 1 < len(tokens) else None
        if inner is None or inner.type != "paragraph_open" or not inner.map:
            continue
        if inner.map[0] >= certain:
            return None
        start = lines[inner.map[0]]
        stop = lines[inner.map[1]] if inner.map[1] < len(lines) else len(text)
        marker = _ITEM_MARKER.match(text, start, stop)
        cut = None if marker is None else _paragraph_cut(text, marker.end(), stop)
        if cut is not None:
            return cut[0], _going_on(tokens[index], tokens[index + 2].content)
    return None


def _nested_cut(
    tokens: list[Token], items: list[int], lines: list[int], begin: int, certain: int, text: str
) -> tuple[int, str] | None:
    """Cut before an item of a list nested in an item, at any depth, past PIECE: the rest goes
    on in the rest of each item it was nested in (their text a word joiner alone), so it is
    nested as deep as before."""
    nest: list[int] = []  # the items the current one is nested in, outermost first
    for index in range(items[0] if items else len(tokens), len(tokens)):
        token = tokens[index]
        if token.type != "list_item_open" or not token.map:
            continue
        while nest and tokens[nest[-1]].level >= token.level:
            nest.pop()
        # Only lists nested straight in the text of items: their levels are 1, 3, 5, ...
        plain = [tokens[i].level for i in nest] == list(range(1, token.level, 2))
        line = token.map[0]
        if nest and plain and line >= certain:
            return None
        if (
            nest
            and plain
            and lines[line] - begin >= PIECE
            and all(tokens[i + 1].type == "paragraph_open" for i in nest)
        ):
            rests = [_rest_line(tokens, i, lines, text, first=i == nest[0]) for i in nest]
            return lines[line], "".join(rests)
        nest.append(index)
    return None


def _rest_line(tokens: list[Token], item: int, lines: list[int], text: str, *, first: bool) -> str:
    """The line the rest of an item goes on behind, indented as the item's own line.

    Below the first such line, an ordered one is numbered 1: only a list starting at 1 may
    begin right below a line of text (the word joiner above). Its number is never shown.
    """
    token = tokens[item]
    assert token.map is not None
    indent = _INDENT.match(text, lines[token.map[0]])
    margin = indent.group() if indent is not None else ""
    number = token.info if first or not token.info else "1"
    return margin + number + _going_on(token, tokens[item + 2].content)[len(token.info) :] + "\n"


def _going_on(item: Token, text: str) -> str:
    """The prefix the rest of `item` goes on behind: a marker other than its list's own.

    An item that is itself the rest of one keeps its marker, already another than its list's.
    """
    marker = item.markup
    if not text.startswith(GOES_ON):
        swapped = {"-": "*", ".": ")", ")": "."}
        marker = swapped.get(marker, "-")
    return f"{item.info}{marker} {GOES_ON}"


def _fence_cut(
    fence: Token, lines: list[int], begin: int, certain: int, text: str
) -> tuple[int, str] | None:
    """Cut before a line of code: after a blank line past PIECE, any line past PIECE_LOOSE.

    A line longer than PIECE_LOOSE is cut every PIECE_LOOSE characters, for display only: the
    rest goes on behind the fence's opening line and a word joiner, which says that the code
    goes on in the same line (markdown.py joins it so for "Copy code").
    """
    assert fence.map is not None
    code = fence.content.split("\n")
    count = len(code) - fence.content.endswith("\n")  # lines, the last maybe partial
    opening = fence.map[0]
    prefix = text[begin : lines[opening + 1]] if len(lines) > opening + 1 else ""
    for index in range(count):
        line = opening + 1 + index
        if line >= certain or line >= len(lines) or not prefix:
            return None
        size = lines[line] - begin
        if index and (size >= PIECE_LOOSE or (size >= PIECE and not code[index - 1].strip())):
            return lines[line], prefix
        stop = lines[line + 1] - 1 if line + 1 < len(lines) else len(text)
        if stop - lines[line] > PIECE_LOOSE:  # highlighted anew each frame: cut sooner
            return lines[line] + PIECE_LOOSE, prefix + GOES_ON
    return None


def _quote_cut(
    quote: Token, lines: list[int], begin: int, certain: int, text: str
) -> tuple[int, str] | None:
    """Cut before a line of the quote (after one of its paragraphs past PIECE, any line past
    PIECE_LOOSE), or in a long line of it where a paragraph is cut, going on behind its marks."""
    assert quote.map is not None
    for line in range(quote.map[0], min(certain, quote.map[1], len(lines))):
        start = lines[line]
        stop = lines[line + 1] if line + 1 < len(lines) else len(text)
        marks = _QUOTE_MARKS.match(text, start, stop)
        if marks is None:
            continue  # a lazy line, going on with the paragraph above: no place to cut
        size = start - begin
        after_paragraph = _QUOTE_MARKS.fullmatch(text, lines[line - 1], start - 1)
        if line > quote.map[0] and (
            size >= PIECE_LOOSE or (size >= PIECE and after_paragraph is not None)
        ):
            return start, ""
        cut = _paragraph_cut(text, marks.end(), stop)
        if cut is not None:
            return cut[0], marks.group()
    return None


def _paragraph_cut(text: str, begin: int, end: int) -> tuple[int, str] | None:
    """Cut after a sentence past PIECE, before a word past PIECE_LOOSE, or past PIECE_HARD.

    A cut needs the letter after it, which starts the next piece, so it is certain.
    """
    found = []
    for pattern, size, balanced in (
        (_SENTENCE_END, PIECE, True),
        (_WORD_START, PIECE_LOOSE, True),
        (_ANY_LETTER, PIECE_HARD, False),
    ):
        start = begin + size
        for tried, match in enumerate(pattern.finditer(text, start, end)):
            if tried == _CANDIDATES_TRIED:
                break
            cut = match.end()
            if cut < end and (not balanced or _balanced(text, begin, cut)):
                found.append(cut)
                break
    return (min(found), "") if found else None


CONTINUED, FOLLOWED = "dc_continued", "dc_followed"
IN_PIECE = "dc_piece"  # a cell of a table drawn in pieces
_MARGINS = {CONTINUED: "margin-top:0px", FOLLOWED: "margin-bottom:0px"}
_BOX_OPENS = frozenset(
    {"paragraph_open", "heading_open", "bullet_list_open", "ordered_list_open", "blockquote_open"}
)


def mark_pieces(
    tokens: list[Token], starts: list[int], *, continued: bool, followed: bool
) -> list[Token]:
    """Mark the first block (of those at `starts`) as continued, the last one as followed.

    A continued table loses its head row: the piece before it showed it.
    """
    marks = []
    if continued:
        marks.append((starts[0], CONTINUED))
    if followed:
        marks.append((starts[-1], FOLLOWED))
    for index, mark in marks:
        token = tokens[index]
        token.meta[mark] = True
        if token.type in _BOX_OPENS:
            _add_style(token, _MARGINS[mark])
            if token.type == "blockquote_open":  # and the paragraph inside it on that side
                inner = _inner_paragraph(tokens, index, last=mark == FOLLOWED)
                if inner is not None:
                    _add_style(inner, _MARGINS[mark])
        elif token.type == "table_open":
            _equal_columns(tokens, index)
    head = starts[0]
    if continued and tokens[head].type in ("bullet_list_open", "ordered_list_open"):
        _rest_of_item(tokens, head)
    if continued and tokens[head].type == "table_open":
        stop = next((i for i in range(head, len(tokens)) if tokens[i].type == "thead_close"), None)
        if stop is not None:
            del tokens[head + 1 : stop + 1]
    return tokens


def _rest_of_item(tokens: list[Token], head: int) -> None:
    """Draw the list at `head` without its marker if it holds the rest of a cut item."""
    inline = next((t for t in tokens[head + 1 : head + 4] if t.type == "inline"), None)
    if inline is None or not inline.content.startswith(GOES_ON):
        return
    inline.content = inline.content[len(GOES_ON) :]
    text = inline.children[0] if inline.children else None
    if text is not None and text.content.startswith(GOES_ON):
        text.content = text.content[len(GOES_ON) :]
    if not inline.content:  # only a nested list goes on in it: no empty line above that
        at = tokens.index(inline)
        del tokens[at - 1 : at + 2]
        if tokens[head + 2].type in ("bullet_list_open", "ordered_list_open"):
            _rest_of_item(tokens, head + 2)  # which may be the rest of an item too
    _add_style(tokens[head], "list-style-type:none")
    level = tokens[head].level
    close = next(
        (
            i
            for i in range(head + 1, len(tokens))
            if tokens[i].level == level and tokens[i].nesting < 0
        ),
        None,
    )
    following = tokens[close + 1] if close is not None and close + 1 < len(tokens) else None
    if following is not None and following.type in ("bullet_list_open", "ordered_list_open"):
        # The item's own list goes on after it, behind its own marker: no gap between them.
        _add_style(tokens[head], _MARGINS[FOLLOWED])
        _add_style(following, _MARGINS[CONTINUED])


def _add_style(token: Token, style: str) -> None:
    old = token.attrGet("style")
    token.attrSet("style", f"{old}; {style}" if old else style)


def _inner_paragraph(tokens: list[Token], quote: int, *, last: bool) -> Token | None:
    """The first (or last) paragraph directly inside the quote opened at `quote`."""
    level = tokens[quote].level + 1
    found = None
    for token in tokens[quote + 1 :]:
        if token.type == "blockquote_close" and token.level == level - 1:
            break
        if token.type == "paragraph_open" and token.level == level:
            found = token
            if not last:
                break
    return found


def _equal_columns(tokens: list[Token], table: int) -> None:
    """Give every cell of the table at `table` an equal share of its width."""
    cells: list[Token] = []
    columns = 0
    for token in tokens[table + 1 :]:
        if token.type == "table_close":
            break
        if token.type in ("th_open", "td_open"):
            cells.append(token)
        elif token.type == "tr_close" and not columns:
            columns = len(cells)
    for cell in cells:
        cell.attrSet("width", f"{100 // max(columns, 1)}%")
        cell.meta[IN_PIECE] = True
