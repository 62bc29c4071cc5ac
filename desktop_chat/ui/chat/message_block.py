"""One message of the transcript: what it says, where it sits in the document, and its HTML.

Qt-free: the transcript widget owns the document; this module only decides what to draw.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop_chat.i18n import _
from desktop_chat.session.tool_step import CallRecord
from desktop_chat.ui.chat.markdown import MarkdownRenderer, RenderContext
from desktop_chat.ui.chat.markdown_stream import render_markdown
from desktop_chat.ui.chat.message_html import (
    Action,
    actions_html,
    error_html,
    header_html,
    plain_html,
    reasoning_html,
    reasoning_toggle_html,
    status_html,
    user_html,
    versions_html,
)
from desktop_chat.ui.chat.tool_call_html import tool_calls_html, tool_calls_markdown

if TYPE_CHECKING:
    from desktop_chat.ui.chat.attachment_html import AttachmentRow


@dataclass(slots=True)
class MessageBlock:
    """A message and its place: `start` and `actions` are BlockWriter markers.

    The message's blocks run from `start` to `actions`; its line of action links from `actions`
    to the next message's `start`.
    """

    role: str
    text: str
    reasoning: str = ""
    status: str = ""
    start: int = 0
    actions: int = 0
    code: dict[int, str] = field(default_factory=dict)
    reasoning_open: bool = False
    regenerate: bool = False  # its action line offers Regenerate (the last message, an answer)
    resumable: bool = False  # its action line offers Continue (the last answer, cut short)
    calls: list[CallRecord] | None = None  # a tool entry: the calls of one step, drawn live
    notice: str = ""  # a tool entry's closing line (the step limit)
    error: str = ""  # an answer that failed before any content: its error box stands in for it
    versions: tuple[int, int] = (1, 1)  # its position among its versions, and their number
    copied: bool = False  # just copied: its Copy link says "Copied" for a moment
    copied_code: int | None = None  # the code block just copied, likewise
    attachments: AttachmentRow | None = None  # a user message's files, drawn above its text

    @property
    def markdown(self) -> str:
        """The message as Markdown ("Copy message")."""
        if self.calls is not None:
            return tool_calls_markdown(self.calls, self.notice)
        return self.text

    def shift(self, delta: int) -> None:
        """Move both markers after an edit earlier in the document."""
        self.start += delta
        self.actions += delta


class ActionLinks:
    """Make and read the hrefs of the transcript's own actions (copy, edit, retry, ...).

    The URL scheme has a random part made per view, and rendered model output only ever holds
    http/https links, so a reply cannot forge an action.
    """

    def __init__(self) -> None:
        self.scheme = f"dc-{secrets.token_hex(8)}"

    def href(self, action: str, *args: int) -> str:
        """Return the href of an action, e.g. "dc-…:code/3/0"."""
        return "/".join([f"{self.scheme}:{action}", *map(str, args)])

    def read(self, href: str) -> tuple[str, list[int]] | None:
        """Return (action, numbers) of one of our hrefs; None for anything else."""
        scheme, _, path = href.partition(":")
        if scheme.lower() != self.scheme or not path:
            return None
        action, *numbers = path.split("/")
        if not all(n.isdigit() for n in numbers):
            return None
        return action, [int(n) for n in numbers]


def message_html(
    block: MessageBlock, index: int, renderer: MarkdownRenderer, links: ActionLinks
) -> str:
    """Return a finished message: header, reasoning toggle, text, status marker.

    Assistant text is Markdown; user and tool text is shown as typed. Fills `block.code`.
    """
    theme = renderer.theme
    parts = [header_html(block.role, theme)]
    if block.calls is not None:

        def toggle(n: int) -> str:
            return links.href("toolresult", index, n)

        parts.append(tool_calls_html(block.calls, block.notice, theme, toggle))
    elif block.role == "user":
        if block.attachments is not None:
            parts.append(block.attachments.html(theme))
        parts.append(user_html(block.text))
    elif block.role != "assistant":
        parts.append(plain_html(block.text, theme, mono=block.role == "tool"))
    else:
        if block.reasoning:
            href = links.href("reasoning", index)
            parts.append(reasoning_toggle_html(href, block.reasoning_open, theme))
            if block.reasoning_open:
                thoughts = render_markdown(renderer, block.reasoning, RenderContext())
                parts.append(reasoning_html(thoughts, theme))
        context = RenderContext(
            code_link=lambda n: links.href("code", index, n), copied_code=block.copied_code
        )
        parts.append(render_markdown(renderer, block.text, context))
        block.code = context.code
        if block.error:
            parts.append(error_html(block.error, links.href("retry"), theme))
    parts.append(status_html(block.status, theme))
    return "".join(parts)


def action_line_html(
    block: MessageBlock, index: int, renderer: MarkdownRenderer, links: ActionLinks
) -> str:
    """Return the line of icon actions under a message; a failed answer's Retry is in its box."""
    actions = []
    if block.markdown or block.role != "assistant":  # an answer that never came has no text
        if block.copied:
            actions.append(Action(links.href("copy", index), _("Copied"), "check"))
        else:
            actions.append(Action(links.href("copy", index), _("Copy"), "copy"))
    if block.role == "user":
        actions.append(Action(links.href("edit", index), _("Edit"), "pencil"))
    if block.resumable and not block.error:
        actions.append(Action(links.href("continue", index), _("Continue"), "play"))
    if block.regenerate and not block.error:
        actions.append(Action(links.href("regenerate", index), _("Regenerate"), "refresh-cw"))
    if block.role == "assistant":
        actions.append(Action(links.href("inspect", index), _("Inspect"), "scan-search"))
    position, count = block.versions
    versions = versions_html(
        position,
        count,
        links.href("older", index) if position > 1 else None,
        links.href("newer", index) if position < count else None,
        renderer.theme,
    )
    return actions_html(actions, renderer.theme, versions, index)
