"""Fold the oldest messages of a long conversation out of the transcript's document.

Streaming costs more in a bigger document: each table a streamed answer inserts makes Qt rescan
the whole document for frames (`QTextDocumentPrivate::scan_frames`), ~3 ms at 1,000 messages
against ~0.3 ms at 60. So the transcript draws at most SHOWN_MAX messages; past that it folds
all but the last SHOWN_KEEP into one line at the top. Scrolling to the top, or that line's link,
draws SHOW_MORE of them again, and the view stays on what the user was reading. A jump far up
(to a search hit) draws only what is there, with the later messages folded below it the same way.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from PySide6.QtCore import QPoint
from PySide6.QtGui import QTextDocument

from desktop_chat.i18n import _, ngettext
from desktop_chat.ui.chat.markdown import Theme, attr
from desktop_chat.ui.chat.message_html import text
from desktop_chat.ui.chat.safe_browser import SafeBrowser

SHOWN_MAX = 120  # messages drawn before the oldest are folded away
SHOWN_KEEP = 60  # messages left drawn when that happens
SHOW_MORE = 60  # messages drawn again each time the user asks for earlier ones


def earlier_html(count: int, href: str, theme: Theme) -> str:
    """Return the line that stands for `count` folded messages, with a link to draw some."""
    folded = ngettext("{count} earlier message", "{count} earlier messages", count)
    return (
        f'<p style="margin-top:6px; margin-bottom:6px; color:{theme.muted};"><small>'
        f"{text(folded.format(count=count))} · "
        f'<a href="{attr(href)}" style="color:{theme.link};"'
        f' title="{attr(_("Draw earlier messages"))}">{text(_("Show earlier"))}</a></small></p>'
    )


def later_html(count: int, href: str, theme: Theme) -> str:
    """Return the line that stands for `count` messages folded below those drawn (a jump up)."""
    folded = ngettext("{count} later message", "{count} later messages", count)
    return (
        f'<p style="margin-top:6px; margin-bottom:6px; color:{theme.muted};"><small>'
        f"{text(folded.format(count=count))} · "
        f'<a href="{attr(href)}" style="color:{theme.link};"'
        f' title="{attr(_("Draw later messages"))}">{text(_("Show later"))}</a></small></p>'
    )


def first_block_at(document: QTextDocument, marker: int) -> int:
    """The position of the first block of a region starting at BlockWriter `marker`."""
    return 0 if marker == 0 else document.findBlock(marker + 1).position()


@dataclass(slots=True)
class ScrollAnchor:
    """Where the user reads: a block of message `index`, and how far above the view's top it is.

    Restored after messages above it were drawn or folded, so the text does not jump.
    """

    index: int
    marker: int  # the message's start when captured
    block: int  # position of the block at the view's top (or the message's first block)
    offset: int  # scroll value minus that block's top, in pixels

    @classmethod
    def capture(cls, view: SafeBrowser, starts: list[int], first: int) -> ScrollAnchor | None:
        """Capture the view's top; `starts` are the messages' markers, `first` the first drawn."""
        if first >= len(starts):
            return None
        document = view.document()
        top = view.cursorForPosition(QPoint(0, 0)).position()
        index = max(first, bisect.bisect_right(starts, top, lo=first) - 1)  # the message at top
        block = document.findBlock(top)
        if top <= starts[first]:  # on the fold line: keep the first drawn message in place
            block = document.findBlock(first_block_at(document, starts[first]))
        layout = document.documentLayout()
        offset = view.verticalScrollBar().value() - int(layout.blockBoundingRect(block).top())
        return cls(index, starts[index], block.position(), offset)

    def restore(self, view: SafeBrowser, starts: list[int]) -> None:
        """Scroll so the captured block is where it was; `starts` are the markers now."""
        if self.index >= len(starts):
            return
        document = view.document()
        block = document.findBlock(self.block + starts[self.index] - self.marker)
        top = document.documentLayout().blockBoundingRect(block).top()
        view.verticalScrollBar().setValue(int(top) + self.offset)
