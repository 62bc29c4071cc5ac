"""HTML for the parts of a message that are not Markdown: header, actions, notices, errors.

Every piece of text passed in is escaped here; hrefs come from the transcript's private action
scheme, never from model output. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from desktop_chat.i18n import N_, _
from desktop_chat.ui.chat.markdown import SMALL_SCALE, Theme, attr, icon_img, sanitize_text

ROLE_NAMES = {
    "user": N_("You"),
    "assistant": N_("Assistant"),
    "tool": N_("Tool calls"),
    "system": N_("System"),
}
STATUS_TEXT = {
    "stopped": N_("■ Stopped"),
    "interrupted": N_("⚠ Interrupted — this answer is incomplete"),
}
ICON_PX = 16  # action icons, at 100 % scaling
SURFACE_PADDING = 12  # of a user's turn; with no border, what marks it for SafeBrowser to paint


@dataclass(frozen=True, slots=True)
class Action:
    """One action under a message: an icon link whose title is its name (tooltip and label)."""

    href: str
    label: str
    icon: str


def role_name(role: str) -> str:
    """Return the name shown above a message of this role."""
    name = ROLE_NAMES.get(role)
    return _(name) if name else role.title() or _("Message")


def text(value: str) -> str:
    """Escape text for HTML content, after removing characters QTextDocument treats as structure."""
    return escape(sanitize_text(value), quote=False)


def header_html(role: str, theme: Theme) -> str:
    """Return the small role mark above a message."""
    colour = theme.accent if role == "user" else theme.muted
    return (
        f'<p style="margin-top:16px; margin-bottom:4px; font-size:{theme.pt(SMALL_SCALE)};'
        f' font-weight:600; color:{colour};">{text(role_name(role))}</p>'
    )


def plain_html(value: str, theme: Theme, *, mono: bool = False) -> str:
    """Return text shown as typed (user and tool messages): line breaks and spaces kept."""
    body = text(value).replace("\n", "<br />")
    font = f" font-family:{theme.mono_css}; font-size:{theme.pt(0.95)};" if mono else ""
    return (
        f'<p style="margin-top:0px; margin-bottom:6px; white-space:pre-wrap; line-height:145%;'
        f'{font}">{body}</p>'
    )


def user_html(value: str) -> str:
    """Return the user's turn: their text as typed, in a box the view paints as a rounded,
    tinted surface (SafeBrowser.paintEvent)."""
    body = text(value).replace("\n", "<br />")
    return (
        f'<table width="100%" border="0" cellspacing="0" cellpadding="{SURFACE_PADDING}"'
        ' style="margin-top:0px; margin-bottom:4px;">'
        "<tr><td>"
        f'<p style="margin-top:0px; margin-bottom:0px; white-space:pre-wrap; line-height:145%;">'
        f"{body}</p>"
        "</td></tr></table>"
    )


def reasoning_toggle_html(href: str, expanded: bool, theme: Theme) -> str:
    """Return the link that shows or hides the reasoning section."""
    label = _("▾ Hide reasoning") if expanded else _("▸ Show reasoning")
    title = _("Hide the model's reasoning") if expanded else _("Show the model's reasoning")
    return (
        '<p style="margin-top:0px; margin-bottom:4px;">'
        f'<a href="{attr(href)}" style="color:{theme.muted};" title="{attr(title)}">'
        f"{text(label)}</a></p>"
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
    label = _(STATUS_TEXT[status]) if status in STATUS_TEXT else status
    return f'<p style="margin-top:2px; margin-bottom:2px; color:{colour};"><i>{text(label)}</i></p>'


def actions_html(actions: list[Action], theme: Theme, versions: str = "", owner: int = 0) -> str:
    """Return the line of icon actions under a message, after its `versions` switcher.

    Each is a link holding one icon whose title (tooltip) names it; the view shows the icons
    of the message under the mouse or the keyboard focus (SafeBrowser.show_actions_of).
    """
    links = [
        f'<a href="{attr(a.href)}" title="{attr(a.label)}">{icon_img(a.icon, ICON_PX, owner)}</a>'
        for a in actions
    ]
    if versions:
        links.insert(0, versions)
    return (
        f'<p style="margin-top:4px; margin-bottom:4px; color:{theme.muted};">'
        f"{' &nbsp;&nbsp; '.join(links)}</p>"
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
        return (
            f'<a href="{attr(href)}" style="color:{theme.muted}; text-decoration:none;"'
            f' title="{attr(title)}"><b>{label}</b></a>'
        )

    older_title = _("Previous version ({n} of {count})").format(n=position - 1, count=count)
    newer_title = _("Next version ({n} of {count})").format(n=position + 1, count=count)
    return arrow(older, "‹", older_title) + f" {position}/{count} " + arrow(newer, "›", newer_title)


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
        '<table width="100%" border="1" cellspacing="0" cellpadding="10"'
        f' style="border-color:{theme.error_text}; border-style:solid; margin-top:8px;'
        f' margin-bottom:8px;"><tr><td style="background-color:{theme.error_background};'
        f' color:{theme.error_text};">⚠ {text(message)} &nbsp; '
        f'<a href="{attr(retry_href)}" style="color:{theme.link};"'
        f' title="{attr(_("Send the request again"))}"><b>{text(_("Retry"))}</b></a>'
        "</td></tr></table>"
    )
