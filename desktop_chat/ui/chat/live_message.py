"""The assistant message being streamed: regions at the end of the document, redrawn per frame.

The live message is always the last thing in the document, laid out as a fixed sequence of
regions (reasoning toggle, reasoning finished/tail, body finished/settled/tail, notice). A frame
finds the first region that changed, deletes the document from there to the end and appends the
changed and following regions again. Finished blocks are appended once and never touched again
unless an earlier region changes, which only happens when the reasoning grows after the answer
has started or the reasoning section is opened or closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from desktop_chat.ui.chat.block_writer import BlockWriter
from desktop_chat.ui.chat.markdown import MarkdownRenderer, Theme
from desktop_chat.ui.chat.markdown_stream import MarkdownStream, Step
from desktop_chat.ui.chat.message_html import notice_html, reasoning_html, reasoning_toggle_html


class Region(IntEnum):
    TOGGLE = 0
    REASONING_DONE = 1
    REASONING_TAIL = 2
    BODY_DONE = 3
    BODY_SETTLED = 4
    BODY_TAIL = 5
    NOTICE = 6


@dataclass(slots=True)
class _Region:
    marker: int
    html: list[str] = field(default_factory=list)


# An update of one region: (append, html). append=True adds to it, False replaces it.
_Update = tuple[bool, str] | None


class LiveMessage:
    """Buffer streamed text and reasoning; turn them into document edits once per frame."""

    def __init__(
        self,
        writer: BlockWriter,
        renderer: MarkdownRenderer,
        *,
        index: int,
        code_link: Callable[[int], str],
        toggle_href: str,
    ) -> None:
        self.index = index
        self.notice = ""
        self.reasoning_open = False
        self._writer = writer
        self._renderer = renderer
        self._code_link = code_link
        self._toggle_href = toggle_href
        self._regions = [_Region(writer.end()) for _ in Region]
        self._new_streams()
        self._notice_dirty = False

    @property
    def theme(self) -> Theme:
        """The colours the message is drawn in."""
        return self._renderer.theme

    def _new_streams(self) -> None:
        self.body = MarkdownStream(self._renderer, self._code_link)
        self.reasoning = MarkdownStream(self._renderer)
        self._toggle_shown = False

    def set_notice(self, text: str) -> None:
        """Remember the notice line; drawn with the next frame."""
        if text != self.notice:
            self.notice = text
            self._notice_dirty = True

    def reset(self) -> None:
        """Drop everything streamed so far (a retry restarts the answer); keep the notice."""
        self._new_streams()
        updates: list[_Update] = [(False, "")] * len(Region)
        updates[Region.NOTICE] = (False, notice_html(self.notice, self.theme))
        self._notice_dirty = False
        self._apply(updates)

    def toggle_reasoning(self) -> None:
        """Open or close the reasoning section right away."""
        self.reasoning_open = not self.reasoning_open
        updates: list[_Update] = [None] * len(Region)
        updates[Region.TOGGLE] = (False, self._toggle_html())
        self._draw_reasoning(updates, self.reasoning.step(), full=True)
        self._apply(updates)

    @property
    def backlog(self) -> int:
        """Return how many streamed characters are not drawn yet."""
        return self.body.backlog + self.reasoning.backlog

    def render(self, limit: int | None = None) -> int:
        """Draw one frame taking in up to `limit` characters (None: all); returns how many."""
        updates: list[_Update] = [None] * len(Region)
        reasoning_step = self.reasoning.step(limit)
        self._draw_reasoning(updates, reasoning_step, full=False)
        if limit is not None:
            limit = max(limit - reasoning_step.consumed, 1)
        step = self.body.step(limit)
        self._promote(step)
        if step.finished:
            updates[Region.BODY_DONE] = (True, step.finished)
        if step.replace_settled:
            updates[Region.BODY_SETTLED] = (False, step.settled)
        elif step.settled:
            updates[Region.BODY_SETTLED] = (True, step.settled)
        if step.tail_changed:
            updates[Region.BODY_TAIL] = (False, step.tail)
        if self._notice_dirty:
            self._notice_dirty = False
            updates[Region.NOTICE] = (False, notice_html(self.notice, self.theme))
        self._apply(updates)
        return reasoning_step.consumed + step.consumed

    def close(self) -> None:
        """Render everything as final and remove the notice."""
        updates: list[_Update] = [None] * len(Region)
        self._draw_reasoning(updates, self.reasoning.close(), full=False)
        step = self.body.close()
        self._promote(step)
        if step.finished:
            updates[Region.BODY_DONE] = (True, step.finished)
        if step.replace_settled:
            updates[Region.BODY_SETTLED] = (False, "")
        if step.tail_changed:
            updates[Region.BODY_TAIL] = (False, "")
        updates[Region.NOTICE] = (False, "")
        self._apply(updates)

    def _promote(self, step: Step) -> None:
        """Count the settled blocks as finished without touching the document."""
        if step.promote_settled:
            done, settled = self._regions[Region.BODY_DONE], self._regions[Region.BODY_SETTLED]
            done.html.extend(settled.html)
            settled.html = []
            settled.marker = self._regions[Region.BODY_TAIL].marker

    def shift(self, delta: int) -> None:
        """Move every marker after an edit earlier in the document."""
        for region in self._regions:
            region.marker += delta

    def _toggle_html(self) -> str:
        return reasoning_toggle_html(self._toggle_href, self.reasoning_open, self.theme)

    def _draw_reasoning(self, updates: list[_Update], step: Step, *, full: bool) -> None:
        stream = self.reasoning
        if not self._toggle_shown and stream.raw:
            self._toggle_shown = True
            updates[Region.TOGGLE] = (False, self._toggle_html())
        if not self.reasoning_open:
            if full:
                updates[Region.REASONING_DONE] = (False, "")
                updates[Region.REASONING_TAIL] = (False, "")
            return
        theme = self.theme
        if full:
            done = "".join(reasoning_html(h, theme) for h in stream.finished_html)
            updates[Region.REASONING_DONE] = (False, done)
        elif step.promoted or step.finished:
            done = reasoning_html(step.promoted + step.finished, theme)
            updates[Region.REASONING_DONE] = (True, done)
        if full or step.changed:
            tail = "".join(stream.settled_html) + stream.tail_html
            updates[Region.REASONING_TAIL] = (False, reasoning_html(tail, theme))

    def _apply(self, updates: list[_Update]) -> bool:
        """Apply region updates: truncate at the first change, append it and all after it."""
        first = next((i for i, u in enumerate(updates) if u is not None), None)
        if first is None:
            return False
        regions = self._regions
        append, html = updates[first]  # type: ignore[misc]
        if append:
            cut = regions[first + 1].marker if first + 1 < len(regions) else self._writer.end()
            self._writer.truncate(cut)
            self._writer.append(html)
            regions[first].html.append(html)
            redo = first + 1
        else:
            self._writer.truncate(regions[first].marker)
            redo = first
        for i in range(redo, len(regions)):
            region, update = regions[i], updates[i]
            if update is not None:
                if update[0]:
                    region.html.append(update[1])
                else:
                    region.html = [update[1]] if update[1] else []
            region.marker = self._writer.end()
            if region.html:
                self._writer.append("".join(region.html))
        return True
