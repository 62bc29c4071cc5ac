"""Split a growing Markdown message into finished blocks, rendered once, and an open tail.

Re-rendering a whole message per frame costs time that grows with the message: 283 ms per update
was measured late in a long answer. A top-level block is finished as soon as the next top-level
block has certainly begun: nothing typed later can change it. So each step parses only
the text from the start of the last unfinished block, renders the blocks that have just finished
exactly once, and re-renders the open tail, usually one paragraph or list.

Two kinds of tail get a "settled" part that is not redrawn every step:
- An open code fence can grow long. Its older lines are settled in runs, highlighted once; only
  the last few lines are highlighted again per step. Runs are highlighted separately, so a string
  spanning two runs may be coloured wrongly for a moment: when the fence finishes, the whole
  block is highlighted once more and replaces the runs.
- An open table: QTextDocument rescans the whole document for its tables (frames) whenever a
  table is inserted or removed (QTextDocumentPrivate::scan_frames), a cost that grows with the
  conversation. So the table of complete rows is settled and redrawn only when a row completes;
  the row being typed is shown as plain text below it.

Known limit: a link reference definition applies only to blocks parsed together with it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_chat.ui.chat.markdown import (
    MarkdownRenderer,
    RenderContext,
    fence_language,
    sanitize_text,
)

if TYPE_CHECKING:
    from markdown_it.token import Token

KEEP_LINES = 6  # lines of an open fence that are re-highlighted on every step
SETTLE_LINES = 8  # settle at least this many lines at once, so runs are not tiny
# Characters of block markers: list bullets and numbers, headings, quotes, fences, rules, tables.
_MAYBE_MARKER = re.compile(r"[\s\d.)\-+*=#>|:`~_]*")


@dataclass(frozen=True, slots=True)
class Step:
    """What one step changed; the view applies it in this order.

    If `promoted` is set, the settled part (a table) is final as it stands, and it joins the
    finished blocks without being redrawn; `finished` then holds only the blocks after it.
    `finished` is appended after the earlier finished HTML. The settled part is replaced by
    `settled` if `replace_settled` (a fence finished, a table grew), else `settled` is appended
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


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        offset = text.index("\n", offset) + 1
    return offset


class MarkdownStream:
    """Accumulate streamed Markdown and turn it into incremental HTML steps."""

    def __init__(
        self, renderer: MarkdownRenderer, code_link: Callable[[int], str] | None = None
    ) -> None:
        self._renderer = renderer
        self._context = RenderContext(code_link=code_link)
        self._raw: list[str] = []
        self._pending: deque[str] = deque()
        self._backlog = 0
        self._held_cr = False
        self._source = ""
        self._stable = 0  # offset in _source where the unfinished part begins
        self._settled_lines = 0  # lines of the open fence at _stable already settled
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

        Newly finished blocks are rendered once; the tail is rendered again.
        """
        if not self._dirty:
            return Step()
        consumed = self._take(limit)
        self._dirty = self._backlog > 0
        open_text = self._source[self._stable :]
        tokens = self._renderer.parse(open_text)
        # A block is finished once a later block has begun for sure. A partial line made of
        # marker characters only can still become something else ("2" may be "2. item",
        # continuing a list), so it does not count until it is longer or complete.
        complete_lines = open_text.count("\n")
        partial = open_text[open_text.rfind("\n") + 1 :]
        if partial and not _MAYBE_MARKER.fullmatch(partial):
            complete_lines += 1
        starts = [
            i for i in _top_level_starts(tokens) if (tokens[i].map or [0])[0] < complete_lines
        ]
        finished = promoted = ""
        replace = False
        if len(starts) > 1:
            cut = starts[-1]
            finished = self._finish(tokens[:cut])
            line_map = tokens[cut].map
            offset = _line_offset(open_text, line_map[0] if line_map else 0)
            self._stable += offset
            open_text = open_text[offset:]
            tokens = tokens[cut:]
            promoted, finished = self._promote(finished)
            replace = self._drop_settled()
        if tokens and tokens[0].type == "table_open":
            replace_table, settled, tail = self._render_open_table(open_text, tokens)
            replace = replace or replace_table
        else:
            settled, tail = self._render_tail(tokens)
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
        tokens = self._renderer.parse(self._source[self._stable :])
        finished = self._finish(tokens) if tokens else ""
        self._stable = len(self._source)
        promoted, finished = self._promote(finished)
        replace = self._drop_settled()
        tail_changed = bool(self._tail)
        self._tail = ""
        return Step(finished, replace, "", "", tail_changed, consumed, promoted)

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

    def _finish(self, tokens: list[Token]) -> str:
        html = self._renderer.render(tokens, self._context)
        self.finished_blocks += len(_top_level_starts(tokens))
        if html:
            self.finished_html.append(html)
        return html

    def _drop_settled(self) -> bool:
        had = bool(self.settled_html)
        self.settled_html.clear()
        self._settled_lines = 0
        self._table_rows = ""
        return had

    def _render_open_table(self, open_text: str, tokens: list[Token]) -> tuple[bool, str, str]:
        """Settle the complete rows of an open table; show the row being typed as text.

        Returns (replace_settled, settled, tail).
        """
        rows_end = open_text.rfind("\n") + 1
        rows, typing = open_text[:rows_end], open_text[rows_end:]
        if rows == self._table_rows:
            return False, "", self._renderer.typing_html(typing)
        if self._backlog and rows.startswith(self._table_rows):
            # Behind the stream (a burst): more rows follow within a frame or two, so redraw
            # the table once caught up, not for every row; the new rows show as text meanwhile.
            return False, "", self._renderer.typing_html(rows[len(self._table_rows) :] + typing)
        row_tokens = self._renderer.parse(rows) if rows else []
        if len(_top_level_starts(row_tokens)) != 1 or row_tokens[0].type != "table_open":
            # The delimiter row is still being typed: no table yet, and none in the tail.
            return self._drop_settled(), "", self._renderer.typing_html(open_text)
        self._table_rows = rows
        context = RenderContext(self._context.code_link, self._context.next_code, self.code)
        table = self._renderer.render(row_tokens, context)
        self.settled_html[:] = [table]
        return True, table, self._renderer.typing_html(typing)

    def _render_tail(self, tokens: list[Token]) -> tuple[str, str]:
        """Render the tail without committing its code numbers; settle old lines of a fence."""
        context = RenderContext(self._context.code_link, self._context.next_code, self.code)
        if len(tokens) != 1 or tokens[0].type != "fence":
            return "", self._renderer.render(tokens, context)
        fence = tokens[0]
        language = fence_language(fence.info)
        code = fence.content[:-1] if fence.content.endswith("\n") else fence.content
        number = context.next_code
        self.code[number] = code
        lines = code.split("\n")
        settled = ""
        start = self._settled_lines
        if len(lines) - KEEP_LINES - start >= SETTLE_LINES:
            cut = len(lines) - KEEP_LINES
            # Prefer to cut after a blank line: strings and comments rarely span one.
            for i in range(cut, start + SETTLE_LINES // 2, -1):
                if not lines[i - 1].strip():
                    cut = i
                    break
            settled = self._renderer.code_html(
                "\n".join(lines[start:cut]), language, number, context, first=start == 0, last=False
            )
            self.settled_html.append(settled)
            self._settled_lines = start = cut
        self._renderer.stats.blocks += 1
        tail = self._renderer.code_html(
            "\n".join(lines[start:]), language, number, context, first=start == 0, last=True
        )
        return settled, tail
