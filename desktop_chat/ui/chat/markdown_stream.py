"""Split a growing Markdown message into finished pieces, rendered once, and an open tail.

Re-rendering a whole message per frame costs time that grows with the message: 283 ms per update
was measured late in a long answer. A top-level block is finished as soon as the next top-level
block has certainly begun: nothing typed later can change it. So each step parses only
the text from the start of the last unfinished block, renders the blocks that have just finished
exactly once, and re-renders the open tail, usually one paragraph or list.

A long block (a list, table, code block or paragraph) would still make every step cost as much
as the block so far: 232 ms per step late in a 1,000-item list. So it is cut into pieces of a
few KB at boundaries that nothing typed later can move (block_pieces.py). Each piece is
finished and rendered once; the rest of the block is parsed alone, behind the lines that make it
the same kind of block (the fence's opening line, the table's head).

A whole message is rendered the same way (`render_markdown`), so a message drawn again later
looks as it did while streaming. The price: Markdown that spans a cut (emphasis or a string
in code) is drawn as if the block ended there; cuts prefer places where that is rare.

An open table: QTextDocument rescans the whole document for its tables (frames) whenever a
table is inserted or removed (QTextDocumentPrivate::scan_frames), a cost that grows with the
conversation. So the table of complete rows is settled and redrawn only when a row completes;
the row being typed is shown as plain text below it.

Known limit: a link reference definition applies only to blocks parsed together with it.
"""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_chat.ui.chat.block_pieces import find_cut
from desktop_chat.ui.chat.markdown import MarkdownRenderer, RenderContext, sanitize_text

if TYPE_CHECKING:
    from markdown_it.token import Token

WINDOW = 16_384  # characters parsed at a time while catching up with a burst
# Characters of block markers: list bullets and numbers, headings, quotes, fences, rules, tables.
_MAYBE_MARKER = re.compile(r"[\s\d.)\-+*=#>|:`~_]*")


@dataclass(frozen=True, slots=True)
class Step:
    """What one step changed; the view applies it in this order.

    If `promoted` is set, the settled part (a table) is final as it stands, and it joins the
    finished blocks without being redrawn; `finished` then holds only the blocks after it.
    `finished` is appended after the earlier finished HTML. The settled part is replaced by
    `settled` if `replace_settled` (a table grew or was cut), else `settled` is appended
    to it. The tail is replaced by `tail` when `tail_changed`.
    """

    finished: str = ""
    replace_settled: bool = False
    settled: str = ""
    tail: str = ""
    tail_changed: bool = False
    consumed: int = 0  # characters of fed text this step took in
    promoted: str = ""  # the settled HTML that became finished as it stands

    @property
    def promote_settled(self) -> bool:
        """Tell whether the settled part became finished without a redraw."""
        return bool(self.promoted)

    @property
    def changed(self) -> bool:
        """Tell whether the view has anything to update."""
        return bool(
            self.finished
            or self.promote_settled
            or self.replace_settled
            or self.settled
            or self.tail_changed
        )


def _top_level_starts(tokens: list[Token]) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.level == 0 and t.nesting >= 0]


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer("\n", text))]


def _certain_lines(text: str) -> int:
    """Count the lines of `text` whose kind of block is certain.

    A partial last line made of marker characters only can still become something else ("2"
    may be "2. item", continuing a list), so it does not count until it is longer or complete.
    """
    lines = text.count("\n")
    partial = text[text.rfind("\n") + 1 :]
    return lines + 1 if partial and not _MAYBE_MARKER.fullmatch(partial) else lines


class MarkdownStream:
    """Accumulate streamed Markdown and turn it into incremental HTML steps."""

    def __init__(
        self,
        renderer: MarkdownRenderer,
        code_link: Callable[[int], str] | None = None,
        *,
        context: RenderContext | None = None,
    ) -> None:
        self._renderer = renderer
        self._context = context if context is not None else RenderContext(code_link=code_link)
        self._raw: list[str] = []
        self._pending: deque[str] = deque()
        self._backlog = 0
        self._held_cr = False
        self._source = ""  # the text not finished yet, from the start of the open block
        self._prefix = ""  # lines parsed before it that continue a cut block
        self._continued = False  # the open block goes on from a finished piece
        self._table_rows = ""  # source of the complete rows of the open table, as settled
        self._tail = ""
        self._dirty = False
        self.finished_html: list[str] = []
        self.settled_html: list[str] = []
        self.finished_blocks = 0

    @property
    def raw(self) -> str:
        """Return the text exactly as fed (for copying as Markdown)."""
        if len(self._raw) > 1:
            self._raw[:] = ["".join(self._raw)]
        return self._raw[0] if self._raw else ""

    @property
    def code(self) -> dict[int, str]:
        """Code of each fenced block by number, the open one included."""
        return self._context.code

    @property
    def backlog(self) -> int:
        """Return how many fed characters no step has taken in yet."""
        return self._backlog

    @property
    def tail_html(self) -> str:
        """Return the HTML of the open tail as of the last step."""
        return self._tail

    def feed(self, text: str) -> None:
        """Add streamed text; cheap, nothing is parsed until `step`."""
        if not text:
            return
        self._raw.append(text)
        if self._held_cr:
            text = "\r" + text
            self._held_cr = False
        if text.endswith("\r"):
            # A CRLF may be split across two pieces: decide on the CR when the next one comes.
            text = text[:-1]
            self._held_cr = True
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        self._pending.append(text)
        self._backlog += len(text)
        self._dirty = True

    def _take(self, limit: int | None) -> int:
        """Move up to `limit` pending characters (all if None) into the source."""
        if limit is None or limit >= self._backlog:
            taken = "".join(self._pending)
            self._pending.clear()
        else:
            parts: list[str] = []
            size = 0
            while size < limit:
                piece = self._pending.popleft()
                if size + len(piece) > limit:
                    self._pending.appendleft(piece[limit - size :])
                    piece = piece[: limit - size]
                parts.append(piece)
                size += len(piece)
            taken = "".join(parts)
        self._backlog -= len(taken)
        self._source += sanitize_text(taken)
        return len(taken)

    def step(self, limit: int | None = None) -> Step:
        """Take in up to `limit` fed characters (all if None) and parse the unfinished part.

        Newly finished blocks and pieces are rendered once; the tail is rendered again.
        """
        if not self._dirty:
            return Step()
        consumed = self._take(limit)
        self._dirty = self._backlog > 0
        finished, tokens = self._advance(final=False)
        promoted = ""
        replace = False
        if finished:
            promoted, finished = self._promote(finished)
            replace = self._drop_settled()
        if tokens is None:
            tokens = self._renderer.parse(self._prefix + self._source)
        if tokens and tokens[0].type == "table_open":
            replace_table, settled, tail = self._render_open_table()
            replace = replace or replace_table
        else:
            settled, tail = "", self._render_tail(tokens)
        tail_changed = tail != self._tail
        self._tail = tail
        return Step(finished, replace, settled, tail, tail_changed, consumed, promoted)

    def close(self) -> Step:
        """Finish the message: every block left, the open fence too, is rendered as final."""
        if self._held_cr:
            self._held_cr = False
            self._pending.append("\n")
            self._backlog += 1
        consumed = self._take(None)
        self._dirty = False
        finished, tokens = self._advance(final=True)
        if tokens is None:
            tokens = self._renderer.parse(self._prefix + self._source)
        if tokens:
            finished += self._finish(tokens)
        self._source = self._prefix = ""
        self._continued = False
        promoted, finished = self._promote(finished)
        replace = self._drop_settled()
        tail_changed = bool(self._tail)
        self._tail = ""
        return Step(finished, replace, "", "", tail_changed, consumed, promoted)

    def _advance(self, *, final: bool) -> tuple[str, list[Token] | None]:
        """Finish every block and piece of the source that is certain; return their HTML.

        Parses at most WINDOW characters at a time, so a burst costs in proportion to its size.
        Also returns the tokens of what is left when the last parse covered all of it.
        """
        done: list[str] = []
        while True:
            whole = len(self._source) <= WINDOW
            text = self._prefix + (self._source if whole else self._source[:WINDOW])
            tokens = self._renderer.parse(text)
            certain = sys.maxsize if final and whole else _certain_lines(text)
            starts = [i for i in _top_level_starts(tokens) if (tokens[i].map or [0])[0] < certain]
            lines = _line_starts(text)
            # A long block is cut as it was while it was the last one; blocks before it finish.
            long_block, cut = None, None
            for index in starts:
                cut = find_cut(tokens, index, certain, text, lines)
                if cut is not None:
                    long_block = index
                    break
            if cut is not None and long_block == starts[0]:
                offset, prefix = cut
                done.append(self._finish(self._renderer.parse(text[:offset]), followed=True))
                self._skip(offset - len(self._prefix), prefix)
                self._continued = True
            elif len(starts) > 1:
                until = starts[-1] if long_block is None else long_block
                line = (tokens[until].map or [0])[0]
                done.append(self._finish(tokens[:until]))
                self._skip(lines[line] - len(self._prefix), "")
                self._continued = False
            else:
                return "".join(done), tokens if whole else None

    def _skip(self, offset: int, prefix: str) -> None:
        """Drop the first `offset` characters of the source; parse the rest behind `prefix`."""
        self._source = self._source[offset:]
        self._prefix = prefix

    def _promote(self, finished: str) -> tuple[str, str]:
        """Keep a settled table that finished exactly as shown: (its HTML, what follows it).

        Redrawing it would cost a rescan of the document's tables for nothing.
        """
        table = self.settled_html[0] if self._table_rows and self.settled_html else ""
        if not table or not finished.startswith(table):
            return "", finished
        self.settled_html.clear()
        self._table_rows = ""
        return table, finished[len(table) :]

    def _finish(self, tokens: list[Token], *, followed: bool = False) -> str:
        """Render blocks as final; the first goes on from a piece if the open block was cut."""
        context = self._context
        context.continued, context.followed = self._continued, followed
        try:
            html = self._renderer.render(tokens, context)
        finally:
            context.continued = context.followed = False
        if followed and tokens and tokens[0].type == "fence":
            context.code_before = context.code[context.next_code - 1]
        self.finished_blocks += len(_top_level_starts(tokens))
        if html:
            self.finished_html.append(html)
        return html

    def _drop_settled(self) -> bool:
        had = bool(self.settled_html)
        self.settled_html.clear()
        self._table_rows = ""
        return had

    def _open_context(self) -> RenderContext:
        """A context for drawing the tail: its code numbers are not committed."""
        context = self._context
        return RenderContext(
            context.code_link,
            context.next_code,
            context.code,
            continued=self._continued,
            code_before=context.code_before,
        )

    def _render_open_table(self) -> tuple[bool, str, str]:
        """Settle the complete rows of an open table; show the row being typed as text.

        Returns (replace_settled, settled, tail).
        """
        open_text = self._source
        rows_end = open_text.rfind("\n") + 1
        rows, typing = open_text[:rows_end], open_text[rows_end:]
        if rows == self._table_rows:
            return False, "", self._renderer.typing_html(typing)
        if self._backlog and rows.startswith(self._table_rows):
            # Behind the stream (a burst): more rows follow within a frame or two, so redraw
            # the table once caught up, not for every row; the new rows show as text meanwhile.
            return False, "", self._renderer.typing_html(rows[len(self._table_rows) :] + typing)
        row_tokens = self._renderer.parse(self._prefix + rows) if rows else []
        if len(_top_level_starts(row_tokens)) != 1 or row_tokens[0].type != "table_open":
            # The delimiter row is still being typed: no table yet, and none in the tail.
            return self._drop_settled(), "", self._renderer.typing_html(open_text)
        self._table_rows = rows
        table = self._renderer.render(row_tokens, self._open_context())
        self.settled_html[:] = [table]
        return True, table, self._renderer.typing_html(typing)

    def _render_tail(self, tokens: list[Token]) -> str:
        """Render the tail without committing its code numbers."""
        if not tokens:
            return ""
        return self._renderer.render(tokens, self._open_context())


def render_markdown(
    renderer: MarkdownRenderer, source: str, context: RenderContext | None = None
) -> str:
    """Render a whole Markdown text, cut into the same pieces as when it was streamed."""
    stream = MarkdownStream(renderer, context=context)
    stream.feed(source)
    stream.close()
    return "".join(stream.finished_html)
