"""Attachment data in a request body, shortened for reading: `data:image/png;base64,iVBOR… (48 KB)`.

A request with an image or a PDF carries megabytes of base64, which would bury the rest of the
body in the inspector and freeze a text view. What is shown keeps the first characters (enough
to tell a PNG's `iVBOR` from a JPEG's `/9j/`) and the size of the data; everything else in the
body stays as sent. Only views shorten: the recorded body is whole, and Copy as cURL sends it.
"""

from __future__ import annotations

import json
import re

from desktop_chat.core.attachment import human_size
from desktop_chat.core.conversation import JSONValue

KEPT_CHARS = 5
LONG = 64  # base64 shorter than this is shown whole: it hides nothing

_DATA_URL = re.compile(r"^(data:[\w.+/-]+;base64,)([A-Za-z0-9+/]+=*)$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+=*$")


def shown_body(body: str) -> JSONValue:
    """The body parsed, attachment data shortened; a body that is not JSON as its text."""
    try:
        value: JSONValue = json.loads(body)
    except ValueError:
        return body
    return shortened(value)


def shown_body_text(body: str) -> str:
    """The body as text, attachment data shortened (as sent when there is none)."""
    if len(body) < LONG or "base64" not in body:
        return body
    value = shown_body(body)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def shortened(value: JSONValue) -> JSONValue:
    """`value` with every data: URL and base64 source shortened, at any depth."""
    if isinstance(value, str):
        found = _DATA_URL.match(value) if len(value) > LONG else None
        return value if found is None else found.group(1) + _short(found.group(2))
    if isinstance(value, list):
        return [shortened(item) for item in value]
    if isinstance(value, dict):
        result = {key: shortened(item) for key, item in value.items()}
        data = value.get("data")
        # Anthropic's base64 source: {"type": "base64", "media_type": ..., "data": ...}
        if value.get("type") == "base64" and isinstance(data, str) and _long_base64(data):
            result["data"] = _short(data)
        return result
    return value


def _long_base64(text: str) -> bool:
    return len(text) > LONG and _BASE64.match(text) is not None


def _short(encoded: str) -> str:
    size = len(encoded) * 3 // 4 - (len(encoded) - len(encoded.rstrip("=")))
    return f"{encoded[:KEPT_CHARS]}… ({human_size(size)})"
