"""The conversation view: every message in one QTextBrowser, the answer streamed into its end.

One document holds the whole conversation, so selection, search and screen-reader text work
across messages. It stays cheap to stream into because edits only touch its end: the live
message is last, and only its open tail is redrawn, at most once per frame and with a budget of
characters per frame (live_message.py, markdown_stream.py). Each message is a run of whole
blocks found by int markers (block_writer.py); a message in the middle is redrawn only when its
reasoning section is opened or closed, or when it is a tool entry whose calls changed state.

A tool entry (role "tool") shows the calls of one step and their results; the step
(session/tool_step.py) owns its CallRecord objects and changes them as the loop reports, and the
tool turn asks for a redraw.

A long conversation keeps only its last messages drawn (folding.py); the oldest are folded into
one line at the top and drawn again when the user scrolls up to them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QTextCursor,
    QTextTable,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop_chat.i18n import _, current_language
from desktop_chat.session.tool_step import CallRecord
from desktop_chat.ui.chat.action_focus import ActionFocus
from desktop_chat.ui.chat.block_writer import BlockWriter
from desktop_chat.ui.chat.folding import SHOW_MORE, SHOWN_KEEP, SHOWN_MAX, ScrollAnchor
from desktop_chat.ui.chat.frame_budget import FrameBudget
from desktop_chat.ui.chat.jump_button import JumpButton
from desktop_chat.ui.chat.live_message import LiveMessage
from desktop_chat.ui.chat.markdown import MarkdownRenderer, RenderStats, Theme
from desktop_chat.ui.chat.message_block import ActionLinks, MessageBlock
from desktop_chat.ui.chat.message_html import error_html, header_html, role_name, status_html
from desktop_chat.ui.chat.safe_browser import EndFollower, SafeBrowser, theme_from_palette
from desktop_chat.ui.chat.text_zoom import clamp_zoom, zoom_step
from desktop_chat.ui.chat.transcript_menu import message_at, show_menu
from desktop_chat.ui.chat.transcript_regions import Regions
from desktop_chat.ui.chat.welcome import Welcome
from desktop_chat.ui.language import is_language_change

if TYPE_CHECKING:
    from desktop_chat.ui.chat.attachment_html import AttachmentRow

FRAME_MS = 16
COPIED_MS = 1500  # how long a Copy link says "Copied"
COLUMN_CHARS = 80  # the reading column, in average characters of the body font


class Transcript(QWidget):
    """Show a conversation and stream the assistant's answer into it token by token."""

    retry_requested = Signal()
    copy_requested = Signal(int)
    edit_requested = Signal(int)
    regenerate_requested = Signal()
    continue_requested = Signal()
    inspect_requested = Signal(int)
    version_requested = Signal(int, int)  # message index, -1 for the previous version, 1 the next
    link_activated = Signal(QUrl)
    code_copied = Signal(str)
    example_chosen = Signal(str)  # an example prompt of the empty conversation's welcome
    zoom_changed = Signal(int)  # the text size, in percent, changed by the user

    def __init__(self, parent: QWidget | None = None, *, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self._view = SafeBrowser(self)
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._view.customContextMenuRequested.connect(self._on_context_menu_requested)
        self._view.anchorClicked.connect(self._on_anchor_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)
        self._writer = BlockWriter(self._view.document())
        self._links = ActionLinks()
        self._zoom = 100  # percent of the app font for the transcript's text
        self._renderer = MarkdownRenderer(self._theme())
        self._fit_type()
        self._regions = Regions(self._writer, self._links, self._renderer, self._shift_others)
        self._edits = 0  # nesting of _edit()
        self._reading: ScrollAnchor | None = None  # to scroll back to once the edit is done
        self._live: LiveMessage | None = None
        self._finishing: str | None = None  # the status, once finish() was called
        self._error: tuple[int, str] | None = None  # (marker, message) of the error box
        self._frame_ms = frame_ms
        self._budget = FrameBudget()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_frame)
        self._end = EndFollower(self._view.verticalScrollBar())
        self._copied: MessageBlock | None = None  # its link says "Copied" until the timer ends
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.timeout.connect(self._on_copied_shown)
        self._view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self._jump = JumpButton(self, self._view)
        self._jump.requested.connect(self.jump_to_latest)
        self._welcome = Welcome(self)
        self._welcome.example_chosen.connect(self.example_chosen)
        for keys, step in (("Ctrl+=", 1), ("Ctrl++", 1), ("Ctrl+-", -1), ("Ctrl+0", 0)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda step=step: self._zoom_by(step))
        self._actions = ActionFocus(
            self._view,
            lambda position: message_at(self._blocks, position, self._regions.first),
            lambda: len(self._blocks) - 1 if self._blocks and self._live is None else None,
            lambda href: self._links.read(href) is not None,
            self._say,
        )
        self._view.surfaces = self._user_turns
        self._language = current_language()  # the one the drawn messages are in
        self._retranslate()

    # -- public API ----------------------------------------------------------------------------

    @property
    def view(self) -> SafeBrowser:
        """The text view (for focus, find, and tests)."""
        return self._view

    @property
    def stats(self) -> RenderStats:
        """Counters of frames drawn, Markdown blocks rendered and code lines highlighted."""
        return self._renderer.stats

    @property
    def busy(self) -> bool:
        """Tell whether a message is streaming or still being drawn after finish()."""
        return self._live is not None

    def count(self) -> int:
        """Return the number of messages."""
        return len(self._blocks)

    @property
    def _blocks(self) -> list[MessageBlock]:
        return self._regions.blocks

    @property
    def first_shown(self) -> int:
        """The index of the first message drawn; the ones before it are folded away."""
        return self._regions.first

    @property
    def folded_below(self) -> int:
        """How many of the last messages are folded below those drawn (after a jump up)."""
        return self._regions.below

    def show_later(self, count: int = SHOW_MORE) -> None:
        """Draw up to `count` messages folded below the last one drawn; the view stays put."""
        if self._regions.below:
            self._end.following = False  # drawing more at the end must not scroll there
            with self._edit():
                self._regions.unfold_below(count)

    @property
    def jump_button(self) -> JumpButton:
        """The "Jump to latest" button, shown while an answer streams below the reader."""
        return self._jump

    def jump_to_latest(self) -> None:
        """Go to the end of the conversation and follow it again."""
        self._end.following = True
        bar = self._view.verticalScrollBar()
        bar.setValue(bar.maximum())
        self._update_jump()

    def _update_jump(self) -> None:
        bar = self._view.verticalScrollBar()
        below = not self._end.following and bar.value() < bar.maximum() - EndFollower.SLACK
        wanted = below and (self._live is not None or not self._jump.isHidden())
        if wanted == self._jump.isHidden():
            self._jump.setVisible(wanted)
            if wanted:
                self._jump.place()

    @property
    def zoom(self) -> int:
        """The size of the transcript's text, in percent of the app font."""
        return self._zoom

    def set_zoom(self, percent: int) -> None:
        """Draw the text at `percent` (50..300) of the app font; code and headings follow."""
        percent = clamp_zoom(percent)
        if percent != self._zoom:
            self._zoom = percent
            self._restyle()

    def _zoom_by(self, step: int) -> None:
        wanted = zoom_step(self._zoom, step)
        if wanted != self._zoom:
            self.set_zoom(wanted)
            self.zoom_changed.emit(wanted)
        self._say(_("Text size {percent} %").format(percent=self._zoom))

    @property
    def welcome(self) -> Welcome:
        """What an empty conversation shows in place of a blank page."""
        return self._welcome

    def _update_welcome(self) -> None:
        empty = not self._blocks and self._live is None
        if empty == self._welcome.isHidden():
            self._welcome.setVisible(empty)
            if empty:
                self._welcome.setGeometry(self._view.geometry())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the floating button and the welcome in their places."""
        super().resizeEvent(event)
        self._jump.place()
        self._welcome.setGeometry(self._view.geometry())

    def show_earlier(self, count: int = SHOW_MORE) -> None:
        """Draw up to `count` folded messages above the first one drawn; the view stays put."""
        if self._regions.first > 0:
            with self._edit():
                self._reading = self._anchor()
                self._regions.unfold(count)

    def clear(self) -> None:
        """Remove every message."""
        self._timer.stop()
        self._copied_timer.stop()
        self._copied = None
        self._live = None
        self._finishing = None
        self._error = None
        self._regions.clear()
        self._clear_document()
        self._end.following = True
        self._update_jump()
        self._update_welcome()

    def add_message(
        self,
        role: str,
        text: str,
        *,
        reasoning: str = "",
        status: str = "",
        versions: tuple[int, int] = (1, 1),
        attachments: AttachmentRow | None = None,
    ) -> int:
        """Append a finished message; returns its index. Ends a live message as interrupted.

        `versions` (position, count) draws the ``‹ 2/3 ›`` switcher when there are several.
        """
        self._close_live("interrupted")
        block = MessageBlock(role, text, reasoning, status, regenerate=role == "assistant")
        block.versions = versions
        block.attachments = attachments
        with self._edit():
            self._before_new_message()
            return self._regions.append(block)

    def add_messages(self, blocks: list[MessageBlock]) -> None:
        """Append many finished messages at once (a conversation opened, a version switched to).

        Only the last ones are drawn when there are many; the rest go straight into the fold,
        never rendered unless scrolled to. The last answer offers Regenerate.
        """
        if not blocks:
            return
        self._close_live("interrupted")
        for block in blocks:
            block.regenerate = False
        blocks[-1].regenerate = blocks[-1].role in ("assistant", "tool")
        with self._edit():
            self._before_new_message()
            regions = self._regions
            start = len(regions.blocks)
            regions.blocks.extend(blocks)
            if len(regions.blocks) - regions.first < SHOWN_MAX:
                for index in range(start, len(regions.blocks)):
                    regions.draw(index)
            else:
                self._clear_document()
                regions.draw_from(len(regions.blocks) - SHOWN_KEEP)

    def add_tool_calls(self, calls: list[CallRecord], *, notice: str = "") -> int:
        """Append a tool entry showing `calls` (kept, not copied); returns its index."""
        self._close_live("interrupted")
        block = MessageBlock("tool", "", calls=calls, notice=notice)
        with self._edit():
            self._before_new_message()
            return self._regions.append(block)

    def refresh(self, index: int, *, notice: str | None = None) -> None:
        """Redraw finished message `index` after its calls changed (or set its closing notice)."""
        if not 0 <= index < len(self._blocks):
            return
        if self._live is not None and self._live.index == index:
            return
        if notice is not None:
            self._blocks[index].notice = notice
        if index >= self._regions.first:
            self._redraw(index)

    def offer_regenerate(self) -> None:
        """Offer Regenerate under the last message (a tool entry left by a stopped answer)."""
        if self._blocks and self._live is None and not self._blocks[-1].regenerate:
            self._blocks[-1].regenerate = True
            with self._edit():
                self._regions.rewrite_actions(len(self._blocks) - 1)

    def offer_continue(self) -> None:
        """Offer Continue under the last answer (cut short); drawn now, or as it finishes."""
        if not self._blocks or self._blocks[-1].role != "assistant":
            return
        self._blocks[-1].resumable = True
        if self._live is None:
            error = self._error
            with self._edit():
                self._drop_error()  # it follows the action line: drawn again after it
                self._regions.rewrite_actions(len(self._blocks) - 1)
                if error is not None:
                    self._append_error(error[1])

    def begin_assistant(self, versions: tuple[int, int] = (1, 1)) -> int:
        """Append an empty assistant message that will stream; returns its index."""
        self._close_live("interrupted")
        index = len(self._blocks)
        with self._edit():
            self._before_new_message()
            block = MessageBlock("assistant", "", start=self._writer.end(), versions=versions)
            self._writer.append(header_html("assistant", self._renderer.theme))
            self._live = LiveMessage(
                self._writer,
                self._renderer,
                index=index,
                code_link=lambda n: self._links.href("code", index, n),
                toggle_href=self._links.href("reasoning", index),
            )
            block.code = self._live.body.code
            self._blocks.append(block)
        return index

    def append_text(self, text: str) -> None:
        """Buffer answer text for the live message; drawn with the next frame."""
        if self._live is not None and self._finishing is None and text:
            self._live.body.feed(text)
            self._schedule()

    def append_reasoning(self, text: str) -> None:
        """Buffer reasoning for the live message's collapsible "Reasoning" section."""
        if self._live is not None and self._finishing is None and text:
            self._live.reasoning.feed(text)
            self._schedule()

    def reset_stream(self) -> None:
        """Discard what the live message streamed (a retry restarted it); the notice stays."""
        if self._live is not None and self._finishing is None:
            with self._edit():
                self._live.reset()

    def set_notice(self, text: str) -> None:
        """Show one line under the live message ("" removes it); drawn with the next frame."""
        if self._live is not None and self._finishing is None:
            self._live.set_notice(text)
            self._schedule()

    def finish(self, status: str = "") -> None:
        """End the live message; a status ("stopped", "interrupted", ...) shows as a marker.

        The text is complete at once (`message_markdown`), and so is the drawing unless more
        arrived than a frame draws (a burst at full speed): then the remaining frames run first,
        without blocking the event loop, and `busy` stays true until they are done.
        """
        if self._live is None or self._finishing is not None:
            return
        self._finishing = status
        if self._live.backlog <= self._budget.characters:
            self._complete()
        else:
            self._schedule()

    def show_error(self, message: str) -> None:
        """Show an inline error box whose Retry link emits retry_requested.

        An answer cut part-way keeps its text, marked interrupted, and the box follows it. One
        that failed before anything arrived is no answer at all: the box takes its place, so a
        refused connection shows one error, not an empty "Interrupted" answer beside it.
        """
        live = self._live
        if live is not None and self._finishing is None and not live.body.raw + live.reasoning.raw:
            self._close_live("")
            block = self._blocks[live.index]
            block.error = message
            with self._edit():
                self._regions.redraw(live.index)
                self._regions.rewrite_actions(live.index)
        else:
            self._close_live("interrupted")
            with self._edit():
                self._drop_error()
                self._append_error(message)
        self._say(_("Error: {message}").format(message=message))

    def scroll_to(self, index: int) -> None:
        """Bring message `index` into view at the top, drawing folded messages as needed."""
        if not 0 <= index < len(self._blocks):
            return
        regions = self._regions
        if not regions.first <= index < regions.stop:
            with self._edit():
                if self._live is None and self._error is None:
                    regions.reveal(index)  # far up: what lies below it is not drawn
                else:  # the end is being drawn: keep it, and everything up to `index`
                    regions.unfold(regions.first - index)
        self._end.following = index == len(self._blocks) - 1
        bar = self._view.verticalScrollBar()
        cursor = self._view.textCursor()
        cursor.setPosition(self._blocks[index].start)
        self._view.setTextCursor(cursor)
        top = self._view.cursorRect(cursor).top() + bar.value()
        bar.setValue(min(bar.maximum(), top))

    def _append_error(self, message: str) -> None:
        self._regions.show_end()
        marker = self._writer.end()
        retry = self._links.href("retry")
        self._writer.append(error_html(message, retry, self._renderer.theme))
        self._error = (marker, message)

    def message_markdown(self, index: int) -> str:
        """Return the raw Markdown of a message (the live one: as streamed so far)."""
        if self._live is not None and self._live.index == index:
            return self._live.body.raw
        return self._blocks[index].markdown

    def replace_from(self, index: int) -> None:
        """Drop messages index.. (edit-and-resend, regenerate); the error box goes too."""
        if not 0 <= index <= len(self._blocks):
            raise IndexError(f"message index {index} out of range")
        if self._live is not None and self._live.index >= index:
            self._timer.stop()
            self._live = None
            self._finishing = None
        with self._edit():
            if index < len(self._blocks):
                self._error = None  # it follows the last message: truncated with them
                self._regions.truncate(index)
            self._drop_error()
            last = self._blocks[-1] if self._blocks else None
            if last and last.role == "assistant" and not last.regenerate and self._live is None:
                last.regenerate = True
                self._regions.rewrite_actions(len(self._blocks) - 1)

    # -- drawing -------------------------------------------------------------------------------

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start(self._frame_ms)

    def _on_frame(self) -> None:
        live = self._live
        if live is None:
            return
        started = time.perf_counter()
        with self._edit():
            taken = live.render(self._budget.characters)
        spent = time.perf_counter() - started
        self._renderer.stats.frames += 1
        self._budget.fit(taken, spent)
        if live.backlog:
            self._timer.start(max(1, self._frame_ms - int(spent * 1000)))
        elif self._finishing is not None:
            self._complete()

    def _complete(self) -> None:
        """Draw whatever is left of the live message, then its status marker and actions."""
        live, status = self._live, self._finishing or ""
        if live is None:
            return
        self._timer.stop()
        self._live = None
        self._finishing = None
        block = self._blocks[live.index]
        with self._edit():
            live.close()
            block.text = live.body.raw
            block.reasoning = live.reasoning.raw
            block.reasoning_open = live.reasoning_open
            block.status = status
            block.regenerate = True
            self._writer.append(status_html(status, self._renderer.theme))
            block.actions = self._writer.end()
            self._writer.append(self._regions.actions_html(live.index))
        self._announce(block)

    def _close_live(self, status: str) -> None:
        """End the live message at once, drawing whatever is left in one go."""
        if self._live is not None:
            if self._finishing is None:
                self._finishing = status
            self._complete()

    def _before_new_message(self) -> None:
        """Remove the error box, and Regenerate from what is no longer the last message."""
        self._regions.show_end()
        self._drop_error()
        if self._blocks and self._blocks[-1].error:
            # Its Retry would answer the new message instead: keep the failure as a quiet line.
            last = self._blocks[-1]
            last.status = _("⚠ No answer — {error}").format(error=last.error)
            last.error = ""
            self._regions.redraw(len(self._blocks) - 1)
        if self._blocks and (self._blocks[-1].regenerate or self._blocks[-1].resumable):
            self._blocks[-1].regenerate = self._blocks[-1].resumable = False
            self._regions.rewrite_actions(len(self._blocks) - 1)
        if len(self._blocks) - self._regions.first >= SHOWN_MAX:
            first = len(self._blocks) - SHOWN_KEEP
            anchor = self._anchor()
            if anchor is None or anchor.index >= first:  # not while they read up there
                self._regions.fold(first)
                self._reading = anchor

    def _anchor(self) -> ScrollAnchor | None:
        """Where the user reads, unless they follow the end (kept there anyway)."""
        if self._end.following:
            return None
        starts = [block.start for block in self._blocks]
        return ScrollAnchor.capture(self._view, starts, self._regions.first)

    def _on_scrolled(self, value: int) -> None:
        self._update_jump()
        if value == 0 and self._regions.first > 0 and not self._end.following:
            QTimer.singleShot(0, self.show_earlier)  # not inside the scroll bar's own signal
        elif self._regions.below and value == self._view.verticalScrollBar().maximum():
            QTimer.singleShot(0, self._on_bottom_reached)

    def _on_bottom_reached(self) -> None:
        bar = self._view.verticalScrollBar()
        if bar.value() == bar.maximum():  # still there: not drawn by an earlier call
            self.show_later()

    def _shift_others(self, delta: int) -> None:
        """Move the markers after the finished messages: the live message's, the error box's."""
        if self._live is not None:
            self._live.shift(delta)
        if self._error is not None:
            self._error = (self._error[0] + delta, self._error[1])

    def _drop_error(self) -> None:
        if self._error is not None:
            self._writer.truncate(self._error[0])
            self._error = None

    def _toggle_reasoning(self, index: int) -> None:
        if self._live is not None and self._live.index == index:
            with self._edit():
                self._live.toggle_reasoning()
            return
        self._blocks[index].reasoning_open = not self._blocks[index].reasoning_open
        self._redraw(index)

    def _toggle_result(self, index: int, call: int) -> None:
        calls = self._blocks[index].calls
        if calls is not None and 0 <= call < len(calls):
            calls[call].expanded = not calls[call].expanded
            self._redraw(index)

    def _redraw(self, index: int) -> None:
        with self._edit():
            self._regions.redraw(index)

    @contextmanager
    def _edit(self) -> Iterator[None]:
        """Group document edits (one layout pass); then stay at the end if the user was there,
        or on what they were reading if messages above it were drawn or folded."""
        self._edits += 1
        try:
            with self._end.editing(), self._writer.batch():
                yield
        finally:
            self._edits -= 1
        if not self._edits and self._reading is not None:
            reading, self._reading = self._reading, None
            reading.restore(self._view, [b.start for b in self._blocks])
        if not self._edits:
            self._actions.update()
            self._update_jump()
            self._update_welcome()

    # -- actions -------------------------------------------------------------------------------

    def _on_anchor_clicked(self, url: QUrl) -> None:
        action = self._links.read(url.toString())
        if action is not None:
            self._run_action(*action)
        elif url.scheme().lower() in ("http", "https") and url.host():
            self.link_activated.emit(url)

    def _run_action(self, name: str, args: list[int]) -> None:
        if name == "retry":
            self.retry_requested.emit()
            return
        if name == "earlier":
            self.show_earlier()
            return
        if name == "later":
            self.show_later()
            return
        if not args or not 0 <= args[0] < len(self._blocks):
            return
        index, block = args[0], self._blocks[args[0]]
        if name == "copy":
            self.copy_requested.emit(index)
            self._show_copied(block, True, None)
        elif name == "edit" and block.role == "user":
            self.edit_requested.emit(index)
        elif name == "regenerate" and block.regenerate:
            self.regenerate_requested.emit()
        elif name == "continue" and block.resumable and index == len(self._blocks) - 1:
            self.continue_requested.emit()
        elif name == "reasoning":
            self._toggle_reasoning(index)
        elif name == "toolresult" and len(args) == 2:
            self._toggle_result(index, args[1])
        elif name == "inspect" and block.role == "assistant":
            self.inspect_requested.emit(index)
        elif name in ("older", "newer"):
            self.version_requested.emit(index, -1 if name == "older" else 1)
        elif name == "code" and len(args) == 2 and args[1] in block.code:
            code = block.code[args[1]]
            QGuiApplication.clipboard().setText(code)
            self.code_copied.emit(code)
            self._show_copied(block, False, args[1])

    def _show_copied(self, block: MessageBlock, copied: bool, code: int | None) -> None:
        """Say "Copied" on the link just used; put it back after COPIED_MS."""
        index = next((i for i, b in enumerate(self._blocks) if b is block), None)
        live = self._live is not None and self._live.index == index
        if index is None or index < self._regions.first or live:
            return  # gone, folded away, or still streaming
        redraw_message = code != block.copied_code  # the code link is part of the message
        block.copied, block.copied_code = copied, code
        with self._edit():
            if redraw_message:
                self._regions.redraw(index)
            self._regions.redraw_actions(index, self._error[0] if self._error else None)
        if copied or code is not None:
            if self._copied is not None and self._copied is not block:
                self._on_copied_shown()
            self._copied = block
            self._copied_timer.start(COPIED_MS)

    def _on_copied_shown(self) -> None:
        block, self._copied = self._copied, None
        if block is not None:
            self._show_copied(block, False, None)

    def _on_context_menu_requested(self, pos: QPoint) -> None:
        show_menu(self._view, pos, self._blocks, self._run_action, first=self._regions.first)

    # -- theme and accessibility ---------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        """Re-render in the new colours when the palette changes (light/dark switch), and the
        drawn messages' role marks and actions in the new language when that changes."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()
        elif is_language_change(event) and current_language() != self._language:
            self._language = current_language()
            self._retranslate()
            if self._blocks:
                self._rebuild(self._renderer)  # only what is drawn; folded ones wait

    def _retranslate(self) -> None:
        self.setAccessibleName(_("Conversation transcript"))
        self._view.setAccessibleName(_("Conversation"))

    def _theme(self) -> Theme:
        base = QFontInfo(self.font()).pointSizeF()  # also when the font is set in pixels
        return theme_from_palette(self.palette(), base * self._zoom / 100)

    def _restyle(self) -> None:
        """Draw again in the palette's colours and the zoomed size, if either changed."""
        theme = self._theme()
        if theme != self._renderer.theme:
            self._fit_type(theme)
            self._rebuild(MarkdownRenderer(theme))  # the icons too, in the new colours

    def _fit_type(self, theme: Theme | None = None) -> None:
        """Size the document's own text and the reading column (~80 characters) to the theme."""
        theme = theme or self._renderer.theme
        font = QFont(self.font())
        font.setPointSizeF(theme.font_pt)
        self._view.document().setDefaultFont(font)
        self._view.column = round(QFontMetricsF(font).averageCharWidth() * COLUMN_CHARS)
        self._view.fit_column()

    def _user_turns(self, top: float, bottom: float) -> list[QTextTable]:
        """The tables of the user turns drawn between two heights of the document.

        Messages are found by bisecting on their tops: a hit test from a point walks the whole
        document (about 1 ms a call in a long conversation), a block's rect does not.
        """
        document = self._view.document()
        layout = document.documentLayout()
        drawn = self._blocks[self._regions.first :]

        def top_of(block: MessageBlock) -> float:
            return layout.blockBoundingRect(document.findBlock(block.start + 1)).top()

        low, high = 0, len(drawn)
        while low < high:  # the first message starting below `top`
            middle = (low + high) // 2
            if top_of(drawn[middle]) <= top:
                low = middle + 1
            else:
                high = middle
        tables = []
        for block in drawn[max(0, low - 1) :]:
            if top_of(block) > bottom:
                break
            if block.role != "user":
                continue
            text_block = document.findBlock(block.start + 1)
            while text_block.isValid() and text_block.position() < block.actions:
                table = QTextCursor(text_block).currentTable()
                if table is not None:
                    tables.append(table)
                    break
                text_block = text_block.next()
        return tables

    def _clear_document(self) -> None:
        self._view.document().clear()
        self._view.document().setUndoRedoEnabled(False)
        self._view.forget_icons()
        self._view.fit_column()

    def _rebuild(self, renderer: MarkdownRenderer) -> None:
        """Draw every message again with another renderer; a live message keeps streaming."""
        live, finishing, error = self._live, self._finishing, self._error
        self._renderer = self._regions.renderer = renderer
        self._live = None
        self._finishing = None
        self._error = None
        self._clear_document()
        versions = self._blocks[live.index].versions if live is not None else (1, 1)
        if live is not None:
            del self._blocks[live.index :]
        with self._edit():
            self._regions.draw_from(min(self._regions.first, len(self._blocks)))
            if live is not None:
                self.begin_assistant(versions)
                assert self._live is not None
                self._live.reasoning_open = live.reasoning_open
                self._live.set_notice(live.notice)
                self._live.reasoning.feed(live.reasoning.raw)
                self._live.body.feed(live.body.raw)
                self._finishing = finishing
                self._schedule()
            if error is not None:
                self.show_error(error[1])

    def _announce(self, block: MessageBlock) -> None:
        summary = " ".join(block.text.split())
        if len(summary) > 160:
            summary = summary[:160] + "…"
        if summary:
            self._say(
                _("{role} finished: {summary}").format(role=role_name(block.role), summary=summary)
            )
        else:
            self._say(_("Answer finished"))

    def _say(self, text: str) -> None:
        """Tell assistive technology; cheap when none is listening."""
        self._view.setAccessibleDescription(text)
        if QAccessible.isActive():
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self._view, text))
