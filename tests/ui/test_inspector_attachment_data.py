"""The inspector's request tree shows attachment data shortened; the record stays whole."""

from __future__ import annotations

import base64
import json

from desktop_chat.inspector.trace import RequestTrace
from desktop_chat.ui.inspector.request import request_tree
from tests.support.images import png


def test_the_request_tree_shortens_a_data_url() -> None:
    image = png(200, 200, noise=True)
    url = f"data:image/png;base64,{base64.b64encode(image).decode()}"
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}
        ]
    }
    trace = RequestTrace(
        0, 1, 1, 1, 0.0, method="POST", url="http://127.0.0.1:9/v1", body=json.dumps(body)
    )
    shown = request_tree(trace)["request"]["body"]  # type: ignore[index,call-overload]
    part = shown["messages"][0]["content"][0]  # type: ignore[index]
    assert part["image_url"]["url"] == f"data:image/png;base64,iVBOR… ({len(image) / 1024:.0f} KB)"
    assert url in trace.body
