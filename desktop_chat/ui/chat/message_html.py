"""HTML for the parts of a message that are not Markdown: header, actions, notices, errors.

Every piece of text passed in is escaped here; hrefs come from the transcript's private action
scheme, never from model output. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from desktop_chat.ui.chat.markdown import Theme, attr, sanitize_text

ROLE_NAMES = {"user": "You", "assistant": "Assistant", "tool": "Tool calls", "system": "System"}
STATUS_TEXT = {
    "stopped": "■ Stopped",
    "interrupted": "⚠ Interrupted — this answer is incomplete",
}


@dataclass(frozen=True, slots=True)
class Action:
    """One action link under a message."""

    href: str
    label: str
    title: str


def role_name(role: str) -> str:
    """Return the name shown above a message of this role."""
    return ROLE_NAMES.get(role, role.title() or "Message")


def text(value: str) -> str:
    """Escape text for HTML content, after removing characters QTextDocument treats as structure."""
    return escape(sanitize_text(value), quote=False)


def header_html(role: str, theme: Theme) -> str:
    """Return the line naming who speaks."""
    colour = theme.accent if role == "user" else theme.text
    return (
        '<p style="margin-top:14px; margin-bottom:2px;">'
        f'<span style="font-weight:700; color:{colour};">{text(role_name(role))}</span></p>'
    )


def plain_html(value: str, theme: Theme, *, mono: bool = False) -> str:
    """Return text shown as typed (user and tool messages): line breaks and spaces kept."""
    body = text(value).replace("\n", "<br />")
    font = f" font-family:{theme.mono_css};" if mono else ""
    return f'<p style="margin-top:0px; margin-bottom:6px; white-space:pre-wrap;{font}">{body}</p>'


def reasoning_toggle_html(href: str, expanded: bool, theme: Theme) -> str:
    """Return the link that shows or hides the reasoning section."""
    label = "▾ Hide reasoning" if expanded else "▸ Show reasoning"
    title = "Hide the model's reasoning" if expanded else "Show the model's reasoning"
    return (
        '<p style="margin-top:0px; margin-bottom:4px;">'
        f'<a href="{attr(href)}" style="color:{theme.muted};" title="{title}">{label}</a></p>'
    )


def reasoning_html(body: str, theme: Theme) -> str:
    """Wrap rendered reasoning so it reads as secondary text."""
    if not body:
        return ""
    return f'<div style="color:{theme.muted}; margin-left:12px;">{body}</div>'


def status_html(status: str, theme: Theme) -> str:
    """Return the marker under a message that did not end normally ("" for none)."""
    if not status:
        return ""
    colour = theme.warning if status == "interrupted" else theme.muted
    label = STATUS_TEXT.get(status, status)
    return f'<p style="margin-top:2px; margin-bottom:2px; color:{colour};"><i>{text(label)}</i></p>'


def actions_html(actions: list[Action], theme: Theme, versions: str = "") -> str:
    """Return the small line of action links under a message, after its `versions` switcher."""
    links = [
        f'<a href="{attr(a.href)}" style="color:{theme.link};" title="{attr(a.title)}">'
        f"{text(a.label)}</a>"
        for a in actions
    ]
    if versions:
        links.insert(0, versions)
    return (
        f'<p style="margin-top:2px; margin-bottom:4px; color:{theme.muted};">'
        f"<small>{' · '.join(links)}</small></p>"
    )


def versions_html(
    position: int, count: int, older: str | None, newer: str | None, theme: Theme
) -> str:
    """Return the switcher between a message's versions, ``‹ 2/3 ›`` ("" for a single one).

    `older` and `newer` are the arrows' hrefs; None where there is no version that way.
    """
    if count < 2:
        return ""

    def arrow(href: str | None, label: str, title: str) -> str:
        if href is None:
            return f"<span>{label}</span>"
        return f'<a href="{attr(href)}" style="color:{theme.link};" title="{title}">{label}</a>'

    return (
        arrow(older, "‹", f"Show the previous version ({position - 1} of {count})")
        + f" {position}/{count} "
        + arrow(newer, "›", f"Show the next version ({position + 1} of {count})")
    )


def notice_html(notice: str, theme: Theme) -> str:
    """Return the one-line notice under the live message ("" for none)."""
    if not notice:
        return ""
    return (
        f'<p style="margin-top:2px; margin-bottom:2px; color:{theme.warning};"><i>'
        f"{text(notice)}</i></p>"
    )


def error_html(message: str, retry_href: str, theme: Theme) -> str:
    """Return the inline error box with its Retry link."""
    return (
        '<table width="100%" border="1" cellspacing="0" cellpadding="8"'
        f' style="border-color:{theme.error_text}; border-style:solid; margin-top:8px;'
        f' margin-bottom:8px;"><tr><td style="background-color:{theme.error_background};'
        f' color:{theme.error_text};">⚠ {text(message)} &nbsp; '
        f'<a href="{attr(retry_href)}" style="color:{theme.link};"'
        ' title="Send the request again"><b>Retry</b></a></td></tr></table>'
    )
