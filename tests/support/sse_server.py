"""Serve scripted HTTP replies on 127.0.0.1 for streaming tests (splits, stalls, drops, statuses).

Each request takes the next queued ``Reply`` unless a fixed route matches; with the queue
empty the server answers 500 with a JSON body saying "no scripted reply", so a test that
makes one request too many fails loudly instead of hanging. Every request is recorded.

Use it as a context manager, or through the ``sse_server`` pytest fixture (load this
module as a plugin: ``pytest_plugins = ["tests.support.sse_server"]``).
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

import pytest

from desktop_chat.httpserver import LoopbackHTTPServer, QuietHandler


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted HTTP response.

    With ``body`` set the reply is sent whole with Content-Length. Otherwise ``chunks``
    are streamed with chunked transfer encoding, one HTTP chunk each, flushed; a non-200
    reply with neither is sent with an empty body. ``stall`` pauses after ``stall_after``
    chunks (after the headers when ``stall_after`` is None); ``drop_after`` closes the
    socket after that many chunks, without the terminating zero-length chunk.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    delay: float = 0.0
    stall: float = 0.0
    stall_after: int | None = None
    drop_after: int | None = None
    body: bytes | None = None


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookup; keys are stored lower-cased."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((key.lower(), value) for key, value in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """Return the header value, or ``default`` when absent."""
        return super().get(key.lower(), default)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: Headers
    body: bytes
    query: str = ""

    def json(self) -> object:
        """Decode the body as JSON."""
        return json.loads(self.body)


def redirect(location: str, status: int = 307) -> Reply:
    """A redirect to ``location`` with an empty body, as an API that moved answers."""
    return Reply(status=status, headers={"Location": location})


def gzipped(pieces: Iterable[bytes], content_type: str = "text/event-stream") -> Reply:
    """A whole reply of ``pieces`` gzip-compressed, built piece by piece.

    A gzip bomb (a gigabyte of one byte in about a megabyte) is made without ever holding
    the gigabyte.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(piece) for piece in pieces]
    parts.append(compressor.flush())
    headers = {"Content-Type": content_type, "Content-Encoding": "gzip"}
    return Reply(headers=headers, body=b"".join(parts))


_NO_REPLY = Reply(
    status=500,
    body=json.dumps(
        {"error": {"message": "no scripted reply", "type": "scripted_server_error"}}
    ).encode(),
)


class ScriptedServer:
    """Answer requests from a queue of ``Reply`` objects and fixed routes."""

    def __init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._routes: dict[tuple[str, str], Reply] = {}
        self._requests: list[RecordedRequest] = []
        self._changed = threading.Condition()
        self._httpd = _ScriptedHTTPServer(self)
        self.url = self._httpd.start()

    def script(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one."""
        with self._changed:
            self._queue.extend(replies)

    def route(self, method: str, path: str, reply: Reply) -> None:
        """Answer every ``method path`` request with ``reply`` (ahead of the queue)."""
        with self._changed:
            self._routes[(method.upper(), path)] = reply

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return a snapshot of the requests received so far, oldest first."""
        with self._changed:
            return list(self._requests)

    @property
    def unused(self) -> int:
        """Return how many queued replies no request has taken yet."""
        with self._changed:
            return len(self._queue)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until ``count`` requests arrived (or raise TimeoutError); return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._requests)} of {count} requests arrived")
                self._changed.wait(remaining)
            return list(self._requests)

    def close(self) -> None:
        """Stop the server; handlers mid-stall wake up and drop their connections."""
        self._httpd.close()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _take(self, request: RecordedRequest) -> Reply:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()
            route = self._routes.get((request.method, request.path))
            if route is not None:
                return route
            return self._queue.popleft() if self._queue else _NO_REPLY


class _ScriptedHTTPServer(LoopbackHTTPServer):
    def __init__(self, owner: ScriptedServer) -> None:
        super().__init__(_ScriptedHandler)
        self.owner = owner


class _ScriptedHandler(QuietHandler):
    server: _ScriptedHTTPServer

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _answer(self) -> None:
        target = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=target.path,
            headers=Headers(self.headers.items()),
            body=self.read_body(),
            query=target.query,
        )
        reply = self.server.owner._take(request)
        if reply.body is not None:
            self.send_body(reply.status, reply.body, _sniff_type(reply.body), reply.headers)
        elif reply.chunks or reply.status == 200:
            self._stream(reply)
        else:
            self.send_body(reply.status, b"", "text/plain; charset=utf-8", reply.headers)

    def _stream(self, reply: Reply) -> None:
        self.begin_chunked(reply.status, reply.headers)
        stall_at = reply.stall_after if reply.stall_after is not None else 0
        total = len(reply.chunks)
        drop_at = min(reply.drop_after, total) if reply.drop_after is not None else None
        for index in range(total + 1):
            if index == stall_at and reply.stall > 0 and not self.server.pause(reply.stall):
                self.drop_connection()
                return
            if index == drop_at:
                self.drop_connection()
                return
            if index == total:
                break
            if index > 0 and reply.delay > 0 and not self.server.pause(reply.delay):
                self.drop_connection()
                return
            self.write_chunk(reply.chunks[index])
        self.end_chunked()


def _sniff_type(body: bytes) -> str:
    start = body.lstrip()[:1]
    if start in (b"{", b"["):
        return "application/json"
    if start == b"<":
        return "text/html; charset=utf-8"
    return "text/plain; charset=utf-8"


@pytest.fixture
def sse_server() -> Iterator[ScriptedServer]:
    """Yield a running ``ScriptedServer``, closed after the test."""
    with ScriptedServer() as server:
        yield server
