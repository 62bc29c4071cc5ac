"""What the transcript shows of a tool call, and its HTML: name, origin, arguments, state, result.

A CallRecord (session/tool_step.py) is one call as the loop reports it; the transcript draws
the calls of a step as one entry (the "tool" message that carries their results). Long results
are collapsed to their first lines with a link to show them whole. Qt-free; every piece of text
is escaped here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from desktop_chat.i18n import _, ngettext
from desktop_chat.session.tool_step import STATES, CallRecord
from desktop_chat.ui.chat.markdown import Theme, attr
from desktop_chat.ui.chat.message_html import text

COLLAPSED_LINES = 8
COLLAPSED_CHARS = 600


def pretty_arguments(raw: str) -> str:
    """Indented JSON when the arguments parse, else the raw string as it came."""
    if not raw.strip():
        return "{}"
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw


def _collapsed(result: str) -> tuple[str, int]:
    """The head of a long result and how many lines are hidden (0: nothing is)."""
    lines = result.splitlines()
    head = "\n".join(lines[:COLLAPSED_LINES])
    if len(head) > COLLAPSED_CHARS:
        head = head[:COLLAPSED_CHARS] + "…"
    hidden = max(len(lines) - COLLAPSED_LINES, 0)
    if hidden == 0 and len(head) >= len(result):
        return result, 0
    return head, max(hidden, 1)


def _mono(value: str, theme: Theme, colour: str = "") -> str:
    body = text(value).replace("\n", "<br />")
    style = f" color:{colour};" if colour else ""
    return (
        '<p style="margin-top:0px; margin-bottom:4px; margin-left:16px; white-space:pre-wrap;'
        f' font-family:{theme.mono_css};{style}">{body}</p>'
    )


def state_colour(view: CallRecord, theme: Theme) -> str:
    if view.state in ("failed", "denied", "cancelled", "not run") or (
        view.state == "done" and view.is_error
    ):
        return theme.error_text
    if view.state == "waiting":
        return theme.warning
    return theme.muted


def tool_call_html(view: CallRecord, theme: Theme, toggle_href: str) -> str:
    """One call: a title line, its arguments, what is wrong with them, and its result."""
    symbol, _words = STATES.get(view.state, ("", ""))
    if view.state == "done" and view.is_error:
        symbol = "✗"
    origin = f" · {text(view.origin)}" if view.origin else ""
    parts = [
        '<p style="margin-top:6px; margin-bottom:2px;">'
        f'<span style="font-weight:700;">{text(view.name)}</span>'
        f'<span style="color:{theme.muted};">{origin}</span> — '
        f'<span style="color:{state_colour(view, theme)};">{symbol} {text(view.state_text())}'
        "</span></p>",
        _mono(pretty_arguments(view.arguments), theme),
    ]
    if view.problem:
        parts.append(_mono(f"⚠ {view.problem}", theme, theme.warning))
    if view.finished and (view.result or view.state == "done"):
        label = _("Error:") if view.is_error else _("Result:")
        head, hidden = _collapsed(view.result)
        shown = view.result if view.expanded else head
        parts.append(
            f'<p style="margin-top:2px; margin-bottom:0px; margin-left:16px;'
            f' color:{theme.muted};">{text(label)}</p>'
        )
        colour = theme.error_text if view.is_error else ""
        parts.append(_mono(shown or _("(empty)"), theme, colour))
        if hidden:
            label = _("▾ Collapse the result") if view.expanded else _("▸ Show the whole result")
            more = (
                ""
                if view.expanded
                else " "
                + ngettext("({count} character)", "({count} characters)", len(view.result)).format(
                    count=f"{len(view.result):,}"
                )
            )
            parts.append(
                '<p style="margin-top:0px; margin-bottom:4px; margin-left:16px;">'
                f'<a href="{attr(toggle_href)}" style="color:{theme.link};">{label}</a>'
                f'<span style="color:{theme.muted};">{more}</span></p>'
            )
    return "".join(parts)


def tool_calls_html(
    calls: Sequence[CallRecord], notice: str, theme: Theme, toggle: Callable[[int], str]
) -> str:
    """Every call of a step, then the notice (the step limit, for one)."""
    parts = [tool_call_html(view, theme, toggle(n)) for n, view in enumerate(calls)]
    if notice:
        parts.append(
            f'<p style="margin-top:6px; margin-bottom:2px; color:{theme.warning};">'
            f"<b>{text(notice)}</b></p>"
        )
    return "".join(parts)


def tool_calls_markdown(calls: Sequence[CallRecord], notice: str) -> str:
    """The calls as Markdown, for "Copy message"."""
    parts: list[str] = []
    for view in calls:
        parts.append(f"**{view.name}** ({view.origin}) — {view.state_text()}")
        parts.append(f"```json\n{pretty_arguments(view.arguments)}\n```")
        if view.problem:
            parts.append(f"⚠ {view.problem}")
        if view.finished and view.result:
            parts.append(f"{'Error' if view.is_error else 'Result'}:\n```\n{view.result}\n```")
    if notice:
        parts.append(f"**{notice}**")
    return "\n\n".join(parts)
