"""Where each finished message sits in the transcript's document, and which ones are drawn.

Messages are runs of whole blocks between BlockWriter markers (message_block.py). Those before
`first` are folded into one line at the top (folding.py); `fold()` and `unfold()` move that
line. Every edit in the middle moves the markers after it; `on_shift` moves the ones this class
does not own (the live message, the error box).

A jump far up (`draw_around`, to a search hit) draws only the messages there, and folds the
`below` ones after them into a line at the bottom, so its cost does not depend on how many
follow; `unfold_below` draws them again as the reader scrolls down. Anything that changes the
end of the conversation (a new message, an action line, a truncation) first draws the end again
(`show_end`), so the end is always drawn when it is edited. The first undrawn message's `start`
marks where the bottom fold line begins.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_chat.ui.chat.block_writer import BlockWriter
from desktop_chat.ui.chat.folding import SHOW_MORE, SHOWN_KEEP, earlier_html, later_html
from desktop_chat.ui.chat.markdown import MarkdownRenderer
from desktop_chat.ui.chat.message_block import (
    ActionLinks,
    MessageBlock,
    action_line_html,
    message_html,
)


class Regions:
    """The finished messages and their markers; edits the document only through `writer`."""

    def __init__(
        self,
        writer: BlockWriter,
        links: ActionLinks,
        renderer: MarkdownRenderer,
        on_shift: Callable[[int], None],
    ) -> None:
        self.writer = writer
        self.links = links
        self.renderer = renderer
        self.blocks: list[MessageBlock] = []
        self.first = 0  # the first message drawn; those before it are folded away
        self.below = 0  # the last messages, folded away below the ones drawn (after a jump)
        self._on_shift = on_shift

    @property
    def stop(self) -> int:
        """One past the last message drawn."""
        return len(self.blocks) - self.below

    def clear(self) -> None:
        self.blocks.clear()
        self.first = 0
        self.below = 0

    def append(self, block: MessageBlock) -> int:
        """Add a finished message at the end of the document; return its index."""
        self.show_end()
        self.blocks.append(block)
        self.draw(len(self.blocks) - 1)
        return len(self.blocks) - 1

    def draw(self, index: int) -> None:
        """Draw message `index` at the end of the document."""
        block = self.blocks[index]
        block.start = self.writer.end()
        self.writer.append(self.message_html(index))
        block.actions = self.writer.end()
        self.writer.append(self.actions_html(index))

    def redraw(self, index: int) -> None:
        """Draw finished message `index` again in place; later markers move by the change."""
        if not self.first <= index < self.stop:
            return  # folded away: drawn as it is when unfolded
        block = self.blocks[index]
        delta = self.writer.replace(block.start, block.actions, self.message_html(index))
        block.actions += delta
        self.shift_from(index + 1, delta)

    def rewrite_actions(self, index: int) -> None:
        """Redraw the action line of the last message."""
        if self.show_end():
            return  # drawn with it
        self.writer.truncate(self.blocks[index].actions)
        self.writer.append(self.actions_html(index))

    def redraw_actions(self, index: int, stop: int | None) -> None:
        """Redraw the action line of message `index`; the last one's ends at `stop` (None: end)."""
        if not self.first <= index < self.stop:
            return  # folded away
        if index + 1 < len(self.blocks):
            stop = self.blocks[index + 1].start
        delta = self.writer.replace(self.blocks[index].actions, stop, self.actions_html(index))
        self.shift_from(index + 1, delta)

    def truncate(self, index: int) -> None:
        """Drop messages index.. from the list and the document (whatever follows them too)."""
        self.show_end()
        if index < self.first:  # into the folded part: draw the last ones left anew
            self.writer.truncate(0)
            del self.blocks[index:]
            self.draw_from(max(0, index - SHOWN_KEEP))
        elif index < len(self.blocks):
            self.writer.truncate(self.blocks[index].start)
            del self.blocks[index:]

    def draw_from(self, first: int, stop: int | None = None) -> None:
        """Draw messages first..stop into an empty document, between the lines of folded ones."""
        stop = len(self.blocks) if stop is None else stop
        self.first, self.below = first, len(self.blocks) - stop
        if first > 0:
            self.writer.append(self._fold_html(first))
        for index in range(first, stop):
            self.draw(index)
        self._fold_below()

    def reveal(self, index: int) -> None:
        """Draw message `index` if it is folded away, at a cost that does not grow with the
        distance: near the drawn ones they grow to it, far off it is drawn alone."""
        if self.first <= index < self.stop:
            return
        if index >= len(self.blocks) - SHOWN_KEEP and self.show_end() and index >= self.first:
            return
        if self.first - SHOW_MORE <= index < self.first:
            self.unfold(self.first - index)
        elif self.stop <= index < self.stop + SHOW_MORE:
            self.unfold_below(index + SHOW_MORE - self.stop)
        else:
            self.draw_around(index)

    def draw_around(self, index: int) -> None:
        """Draw message `index` and the SHOW_MORE after it alone, the rest folded above and below.

        The document is drawn anew: what it costs depends on the messages shown, not on how
        many lie above or below them.
        """
        self.writer.truncate(0)
        self.draw_from(index, min(len(self.blocks), index + SHOW_MORE))

    def unfold_below(self, count: int) -> None:
        """Draw up to `count` of the messages folded below, after the last one drawn."""
        if not self.below:
            return
        stop = self.stop
        self.writer.truncate(self.blocks[stop].start)  # the bottom fold line
        self.below = max(0, self.below - count)
        for index in range(stop, self.stop):
            self.draw(index)
        self._fold_below()

    def show_end(self) -> bool:
        """Draw the end of the conversation again if it was folded away; True if it was."""
        if not self.below:
            return False
        self.writer.truncate(0)
        self.draw_from(max(0, len(self.blocks) - SHOWN_KEEP))
        return True

    def _fold_below(self) -> None:
        if self.below:
            marker = self.writer.end()
            for block in self.blocks[self.stop :]:  # all at the fold line, so markers stay sorted
                block.start = block.actions = marker
            self.writer.append(
                later_html(self.below, self.links.href("later"), self.renderer.theme)
            )

    def fold(self, first: int) -> None:
        """Fold the messages before `first` into one line at the top."""
        if self.show_end() and self.first >= first:
            return
        stop = self.blocks[first].start
        self.shift_from(first, self.writer.replace(0, stop, self._fold_html(first)))
        self.first = first

    def unfold(self, count: int) -> None:
        """Draw up to `count` folded messages again, above the first one drawn."""
        first = max(0, self.first - count)
        fold_end = self.blocks[self.first].start
        if first > 0:
            pos = fold_end + self.writer.replace(0, fold_end, self._fold_html(first))
            drawn = range(first, self.first)
        else:  # nothing stays folded: the oldest message takes the fold line's place
            oldest = self.blocks[0]
            pos = fold_end + self.writer.replace(0, fold_end, self.message_html(0))
            oldest.start, oldest.actions = 0, pos
            pos += self.writer.replace(pos, pos, self.actions_html(0))
            drawn = range(1, self.first)
        for index in drawn:
            block = self.blocks[index]
            block.start = pos
            pos += self.writer.replace(pos, pos, self.message_html(index))
            block.actions = pos
            pos += self.writer.replace(pos, pos, self.actions_html(index))
        self.shift_from(self.first, pos - fold_end)
        self.first = first

    def shift_from(self, index: int, delta: int) -> None:
        """Move the markers of messages index.. and those after them by `delta`."""
        for block in self.blocks[index:]:
            block.shift(delta)
        self._on_shift(delta)

    def message_html(self, index: int) -> str:
        return message_html(self.blocks[index], index, self.renderer, self.links)

    def actions_html(self, index: int) -> str:
        return action_line_html(self.blocks[index], index, self.renderer, self.links)

    def _fold_html(self, first: int) -> str:
        return earlier_html(first, self.links.href("earlier"), self.renderer.theme)
