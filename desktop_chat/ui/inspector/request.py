"""One HTTP attempt as a collapsible tree: the request as sent, the response, the outcome.

Rebuilt only when something it shows changes (a new request, the status, the outcome), never
per poll, so a large body is laid out once and the user's expanded nodes stay expanded.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop_chat.core.conversation import JSONValue
from desktop_chat.i18n import N_
from desktop_chat.inspector.attachment_data import shown_body
from desktop_chat.inspector.trace import RequestTrace
from desktop_chat.ui.inspector.json import JsonTree


def request_tree(request: RequestTrace) -> dict[str, JSONValue]:
    """What the tree shows: request, response and outcome of one attempt."""
    shown: dict[str, JSONValue] = {
        "request": {
            "method": request.method or None,
            "url": request.url or None,
            "headers": dict(request.headers),
            "body": shown_body(request.body) if request.body else None,
        },
        "response": {
            "status": request.status,
            "headers": dict(request.response_headers),
        },
        "outcome": request.outcome,
    }
    if request.error is not None:
        shown["error"] = request.error
    if request.retry_delay is not None:
        shown["retry delay (s)"] = round(request.retry_delay, 3)
    if request.stop_reason is not None:
        shown["stop reason"] = request.stop_reason
    return shown


class RequestView(JsonTree):
    """The selected request (or the latest) as a tree; the body is a collapsible JSON tree."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, name=N_("Request and response"))
        self._shown: tuple[object, ...] | None = None

    def show_request(self, request: RequestTrace | None) -> None:
        """Show `request`, unless what it would show has not changed."""
        key: tuple[object, ...] = (None,)
        if request is not None:
            key = (request, request.method, request.status, request.outcome, request.error)
        if key == self._shown:
            return
        self._shown = key
        if request is None:
            self.clear()
            return
        self.show_value(request_tree(request), depth=1)
        self.expand_path("request", "headers")
        self.expand_path("request", "body")
        self.expand_path("response", "headers")
