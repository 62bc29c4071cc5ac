"""Serve an offline OpenAI-compatible endpoint on 127.0.0.1 so a fresh install can chat at once.

The demo streams a canned Markdown answer (heading, echo of the question, list, code
block, table, CJK line) in the real OpenAI Chat Completions chunk shape, after a short
``reasoning_content`` stream. When the request offers ``tools`` it calls the first one
(or the one ``tool_choice`` names) with plausible arguments; when the last message is a
tool result it answers by quoting that result. No key, no network.

Attachments are acknowledged, so the whole flow can be tried offline: for an image its type
and pixel size (from its header: `image_header`), for a PDF its pages and size, for a text
file (sent inline as a fenced block under its name, as the app sends it) its name and lines.

``DESKTOP_CHAT_DEMO_TPS`` overrides the pace (pieces per second; 0 means full speed).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from desktop_chat.httpserver import LoopbackHTTPServer, QuietHandler
from desktop_chat.image_header import image_size, image_type

logger = logging.getLogger(__name__)

DEMO_MODEL = "demo-model"
TPS_ENVIRONMENT = "DESKTOP_CHAT_DEMO_TPS"

_MODELS = {
    "object": "list",
    "data": [{"id": DEMO_MODEL, "object": "model", "created": 0, "owned_by": "desktop-chat"}],
}

_ANSWER = """## Hello from the demo model

You are talking to the offline demo built into Desktop Chat, so no key and no network are \
needed. You wrote: “{echo}”.

Things to try next:

- Add a real provider and key in **Settings**, then pick its model.
- Press **Stop** while an answer is streaming.
- Offer a tool to see a *tool call* and its result.

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"


print(greet("world"))
```

| Feature | Shown here |
| --- | --- |
| Markdown | headings, lists, emphasis |
| Code | fenced, highlighted |
| Unicode | 你好，世界 |

你好，世界！这是离线演示的回答。
"""

_ATTACHED = """You attached:

{items}
"""

# A text file as the app sends it: its name on a line, then a fenced block (3+ backticks).
_FILE_BLOCK = re.compile(
    r"^([^\n`]+):\n(`{3,})\n(.*?)\n\2(?:\n\[[^\n]* was cut: [^\n]*\])?$", re.M | re.S
)
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_DATA_URL = re.compile(r"data:([\w.+/-]+);base64,(.*)", re.S)

_TOOL_ANSWER = """The `{name}` tool returned:

{quote}

That is all the demo can do with it: add a real provider in **Settings** for real answers.
"""

# A CJK character is one piece; other text goes in runs of up to eight characters with
# their leading whitespace, so the join of the pieces is exactly the text.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_PIECE = re.compile(rf"\s*(?:[{_CJK}]|[^\s{_CJK}]{{1,8}})|\s+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")

_DeltaMaker = Callable[[str], dict[str, object]]


class DemoServer:
    """Run the demo endpoint in a daemon thread; ``start()`` returns its base URL."""

    def __init__(self, *, tokens_per_second: float = 60.0) -> None:
        self.tokens_per_second = _pace_from_environment(tokens_per_second)
        self._httpd: _DemoHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:PORT/v1``; raise RuntimeError when not running."""
        httpd = self._httpd
        if httpd is None:
            raise RuntimeError("the demo server is not running")
        return f"{httpd.origin}/v1"

    def start(self) -> str:
        """Start serving (once) and return the base URL."""
        with self._lock:
            if self._httpd is None:
                self._httpd = _DemoHTTPServer(self.tokens_per_second)
                self._httpd.start()
                logger.info("Demo server listening on %s", self._httpd.origin)
        return self.base_url

    def stop(self) -> None:
        """Stop serving and end any stream in progress; safe to call twice."""
        with self._lock:
            httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.close()

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _pace_from_environment(default: float) -> float:
    raw = os.environ.get(TPS_ENVIRONMENT, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        logger.warning("Ignoring %s=%r: not a number", TPS_ENVIRONMENT, raw)
        return default


class _DemoHTTPServer(LoopbackHTTPServer):
    def __init__(self, tokens_per_second: float) -> None:
        super().__init__(_DemoHandler)
        self.piece_delay = 1.0 / tokens_per_second if tokens_per_second > 0 else 0.0
        self._serial = 0
        self._serial_lock = threading.Lock()

    def next_serial(self) -> int:
        with self._serial_lock:
            self._serial += 1
            return self._serial


class _DemoHandler(QuietHandler):
    server: _DemoHTTPServer

    def do_GET(self) -> None:
        if self._route() == "/v1/models":
            self.send_json(200, _MODELS)
        else:
            self._not_found()

    def do_POST(self) -> None:
        body = self.read_body()
        if self._route() != "/v1/chat/completions":
            self._not_found()
            return
        try:
            request = json.loads(body)
        except ValueError:
            self._error(400, "We could not parse the JSON body of your request.", None)
            return
        if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
            self._error(400, "'messages' is a required property.", "messages")
            return
        if request.get("stream") is not True:
            self._error(400, 'The demo server only streams: send "stream": true.', "stream")
            return
        self._stream(request)

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _route(self) -> str:
        return urlsplit(self.path).path.rstrip("/")

    def _not_found(self) -> None:
        message = f"Unknown request URL: {self.command} {urlsplit(self.path).path}."
        self._error(404, message, None, code="unknown_url")

    def _error(self, status: int, message: str, param: str | None, code: str | None = None) -> None:
        error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
        self.send_json(status, {"error": error})

    def _stream(self, request: dict[str, object]) -> None:
        raw_messages = request["messages"]
        assert isinstance(raw_messages, list)
        messages = [m for m in raw_messages if isinstance(m, dict)]
        last: dict[str, object] = messages[-1] if messages else {}
        model = request.get("model")
        stream = _ChunkStream(
            self,
            model=model if isinstance(model, str) and model else DEMO_MODEL,
            completion_id=f"chatcmpl-demo{self.server.next_serial():06d}",
        )
        tool = _chosen_tool(request) if last.get("role") != "tool" else None
        self.begin_chunked(200)
        ok = stream.send({"role": "assistant", "content": ""})
        finish = "stop"
        if tool is not None:
            name = str(tool.get("name", "tool"))
            thinking = f"Thinking about “{_one_line(_text(last), 40)}”: {name} can answer this."
            ok = ok and stream.send_reasoning(thinking) and stream.send_tool_call(tool)
            finish = "tool_calls"
        elif last.get("role") == "tool":
            name = _tool_name(messages, last)
            thinking = f"Thinking about what {name} returned: quote it back."
            ok = ok and stream.send_reasoning(thinking)
            ok = ok and stream.send_text(_tool_answer(name, _text(last)))
        else:
            asked = _last_user(messages)
            question, files = _without_files(_text(asked))
            thinking = f"Thinking about “{_one_line(question, 40)}”: show what the window renders."
            echo = _escape_markdown(_one_line(question, 80)) or "an empty message"
            answer = _ANSWER.replace("{echo}", echo)
            seen = [*_parts_seen(asked), *files]
            if seen:  # after the echo, before "Things to try"
                items = "\n".join(f"- {_escape_markdown(item)}" for item in seen)
                head, tail = answer.split("\n\nThings to try", 1)
                answer = f"{head}\n\n{_ATTACHED.replace('{items}', items)}\nThings to try{tail}"
            ok = ok and stream.send_reasoning(thinking) and stream.send_text(answer)
        if not ok or not stream.send({}, finish_reason=finish):
            return
        options = request.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage") is True:
            prompt_tokens = max(1, len(json.dumps(messages, ensure_ascii=False)) // 4)
            if not stream.send_usage(prompt_tokens):
                return
        if stream.send_raw(b"data: [DONE]\n\n"):
            self.end_chunked()


class _ChunkStream:
    """Write ``chat.completion.chunk`` events at the server's pace; stop when the client leaves."""

    def __init__(self, handler: _DemoHandler, *, model: str, completion_id: str) -> None:
        self._handler = handler
        self._server = handler.server
        self._base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        self.pieces_sent = 0

    def send_raw(self, data: bytes) -> bool:
        """Write one event; return False when the client left or the server is stopping."""
        if self._server.closing.is_set():
            self._handler.drop_connection()
            return False
        try:
            self._handler.write_chunk(data)
        except OSError:
            # The client pressed Stop or went away: end quietly, there is no one to tell.
            self._handler.close_connection = True
            return False
        return True

    def send(self, delta: dict[str, object], *, finish_reason: str | None = None) -> bool:
        """Write one chunk carrying ``delta`` for choice 0."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return self._send_payload({**self._base, "choices": [choice]})

    def send_usage(self, prompt_tokens: int) -> bool:
        """Write the usage chunk (``"choices": []``) that ``include_usage`` asks for."""
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": self.pieces_sent,
            "total_tokens": prompt_tokens + self.pieces_sent,
        }
        return self._send_payload({**self._base, "choices": [], "usage": usage})

    def send_reasoning(self, text: str) -> bool:
        """Stream ``text`` as ``reasoning_content`` deltas."""
        return self._paced(_PIECE.findall(text), lambda p: {"reasoning_content": p})

    def send_text(self, text: str) -> bool:
        """Stream ``text`` as ``content`` deltas."""
        return self._paced(_PIECE.findall(text), lambda p: {"content": p})

    def send_tool_call(self, function: dict[str, object]) -> bool:
        """Stream one call: index, id, type and name first, then the arguments in pieces."""
        start = {
            "index": 0,
            "id": f"call_demo{self._server.next_serial():06d}",
            "type": "function",
            "function": {"name": str(function.get("name", "tool")), "arguments": ""},
        }
        if not self.send({"tool_calls": [start]}):
            return False
        arguments = json.dumps(tool_arguments(function.get("parameters")), ensure_ascii=False)
        pieces = [arguments[i : i + 6] for i in range(0, len(arguments), 6)]
        return self._paced(
            pieces, lambda p: {"tool_calls": [{"index": 0, "function": {"arguments": p}}]}
        )

    def _paced(self, pieces: list[str], make_delta: _DeltaMaker) -> bool:
        for piece in pieces:
            delay = self._server.piece_delay
            if delay > 0 and not self._server.pause(delay):
                self._handler.drop_connection()
                return False
            if not self.send(make_delta(piece)):
                return False
            self.pieces_sent += 1
        return True

    def _send_payload(self, payload: dict[str, object]) -> bool:
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return self.send_raw(f"data: {data}\n\n".encode())


def _chosen_tool(request: dict[str, object]) -> dict[str, object] | None:
    """Return the function the demo should call, or None to answer in text."""
    tools = request.get("tools")
    choice = request.get("tool_choice")
    if not isinstance(tools, list) or choice == "none":
        return None
    functions = [
        t["function"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)
    ]
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        wanted = choice["function"].get("name")
        functions = [f for f in functions if f.get("name") == wanted] or functions
    return functions[0] if functions else None


def tool_arguments(schema: object) -> dict[str, object]:
    """Return plausible arguments for a JSON schema's required properties."""
    if not isinstance(schema, dict):
        return {}
    properties = schema.get("properties")
    required = schema.get("required")
    if not isinstance(properties, dict) or not isinstance(required, list):
        return {}
    return {
        name: _guess_value(name, properties.get(name)) for name in required if isinstance(name, str)
    }


_STRING_GUESSES = (
    (("timezone", "time_zone", "tz"), "UTC"),
    (("expression", "expr", "formula"), "2+2"),
    (("city", "cities", "location", "place"), "Paris"),
    (("url", "link"), "https://example.com"),
    (("path", "file"), "README.md"),
    (("date",), "2024-01-01"),
    (("unit",), "celsius"),
    (("lang", "locale"), "en"),
    (("query", "search", "question", "prompt", "text"), "desktop chat"),
)


def _guess_value(name: str, schema: object) -> object:
    """Return a value that fits ``schema``, guessed from the property name where it is a string."""
    spec = schema if isinstance(schema, dict) else {}
    enum = spec.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    if "default" in spec:
        return spec["default"]
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        minimum = spec.get("minimum")
        return minimum if isinstance(minimum, int) else 2
    if kind == "number":
        return 2.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [_guess_value(name, spec.get("items"))]
    if kind == "object":
        return tool_arguments(spec)
    lowered = name.lower()
    for keys, value in _STRING_GUESSES:
        if any(key in lowered for key in keys):
            return value
    return "example"


def _text(message: dict[str, object]) -> str:
    """Return a message's text, whether content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _without_files(text: str) -> tuple[str, list[str]]:
    """The message's own text, and a line for each text file sent inline in it."""
    files = [
        f"a text file: {name}, {_count(len(body.splitlines()), 'line')}"
        for name, _, body in _FILE_BLOCK.findall(text)
    ]
    return _FILE_BLOCK.sub("", text).strip(), files


def _parts_seen(message: dict[str, object]) -> list[str]:
    """A line for each image and file part of a user message."""
    content = message.get("content")
    seen: list[str] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "image_url":
            image_url = part.get("image_url")
            url = image_url.get("url") if isinstance(image_url, dict) else None
            seen.append(_image_seen(str(url or "")))
        elif part.get("type") == "file":
            file = part.get("file")
            if isinstance(file, dict):
                seen.append(
                    _file_seen(str(file.get("filename") or "a file"), file.get("file_data"))
                )
    return seen


def _decoded(url: object) -> tuple[str, bytes] | None:
    found = _DATA_URL.fullmatch(url) if isinstance(url, str) else None
    if found is None:
        return None
    try:
        return found.group(1), base64.b64decode(found.group(2), validate=True)
    except binascii.Error:
        return None


def _image_seen(url: str) -> str:
    decoded = _decoded(url)
    if decoded is None:
        return "an image given by address, which the offline demo cannot fetch"
    data = decoded[1]
    kind, size = image_type(data), image_size(data)
    if kind is None or size is None:
        return f"an image the demo cannot read ({decoded[0]}, {_count(len(data), 'byte')})"
    name = kind.removeprefix("image/").upper()
    return f"an image: {name}, {size[0]} × {size[1]} pixels ({_count(len(data), 'byte')})"


def _file_seen(name: str, file_data: object) -> str:
    decoded = _decoded(file_data)
    if decoded is None:
        return f"a file: {name}"
    media_type, data = decoded
    if media_type == "application/pdf":
        pages = len(_PDF_PAGE.findall(data))
        counted = f"{_count(pages, 'page')}, " if pages else ""
        return f"a PDF: {name}, {counted}{_count(len(data), 'byte')}"
    return f"a file: {name} ({media_type}, {_count(len(data), 'byte')})"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _last_user(messages: list[dict[str, object]]) -> dict[str, object]:
    return next((m for m in reversed(messages) if m.get("role") == "user"), {})


def _one_line(text: str, limit: int) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _escape_markdown(text: str) -> str:
    """Return ``text`` with Markdown's inline syntax escaped, so it shows as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _tool_name(messages: list[dict[str, object]], result: dict[str, object]) -> str:
    """Return the name of the function whose call ``result`` answers."""
    for message in reversed(messages):
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else []:
            if not isinstance(call, dict) or call.get("id") != result.get("tool_call_id"):
                continue
            function = call.get("function")
            if isinstance(function, dict):
                return str(function.get("name", "tool"))
    return "tool"


def _tool_answer(name: str, result: str) -> str:
    cut = result if len(result) <= 500 else result[:499] + "…"
    quote = "\n".join(f"> {line}" for line in (cut.splitlines() or [""]))
    return _TOOL_ANSWER.replace("{name}", name).replace("{quote}", quote)


def main() -> None:
    """Run the demo endpoint in the foreground until interrupted (for manual testing)."""
    with DemoServer() as server:
        sys.stdout.write(f"{server.base_url}\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
