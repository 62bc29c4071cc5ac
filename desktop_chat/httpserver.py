"""Serve HTTP/1.1 on 127.0.0.1 from a daemon thread, streaming with chunked transfer encoding.

Shared by the offline demo endpoint and the test suite's scripted SSE server, so the
fiddly parts live once:

- a client that hangs up mid-stream is normal for a chat client (the Stop button), so
  ``BrokenPipeError``/``ConnectionResetError`` end the exchange silently instead of
  printing a traceback;
- ``close()`` returns quickly even while a handler sleeps between chunks: every pause
  waits on the server's ``closing`` event, and open connections are shut down so
  keep-alive handler threads wake and finish;
- each chunk is written and flushed on its own, so a client sees it as it is sent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger(__name__)

#: Errors raised when the peer has gone away; never worth a traceback.
DISCONNECT_ERRORS: tuple[type[BaseException], ...] = (
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
    TimeoutError,
)

#: Upper bound of any single pause, so a mistaken huge value cannot hang a thread.
MAX_PAUSE = 120.0


class LoopbackHTTPServer(ThreadingHTTPServer):
    """Run ``handler_class`` on 127.0.0.1 with an OS-chosen port; stop fast with ``close()``."""

    daemon_threads = True

    def __init__(self, handler_class: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler_class)
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._serve_thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """Return the port the OS assigned."""
        return int(self.server_address[1])

    @property
    def origin(self) -> str:
        """Return ``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        """Serve from a daemon thread and return the origin URL."""
        if self._serve_thread is None:
            # A short poll interval keeps shutdown() (and so close()) quick.
            self._serve_thread = threading.Thread(
                target=self.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"http-{self.port}",
                daemon=True,
            )
            self._serve_thread.start()
        return self.origin

    def pause(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` (bounded); return False if the server began closing."""
        if seconds <= 0:
            return not self.closing.is_set()
        return not self.closing.wait(min(seconds, MAX_PAUSE))

    def close(self, timeout: float = 2.0) -> None:
        """Stop accepting, wake sleeping handlers, drop open connections, join threads."""
        self.closing.set()
        if self._serve_thread is not None:
            self.shutdown()
            self._serve_thread.join(timeout)
        with self._lock:
            connections = list(self._connections)
            threads = list(self._handler_threads)
        for conn in connections:
            # A connection its handler already closed raises OSError: nothing to do.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        """Handle one connection in a tracked daemon thread."""
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"http-{self.port}-conn",
            daemon=True,
        )
        with self._lock:
            self._connections.add(request)
            self._handler_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: object) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._connections.discard(request)
                self._handler_threads.discard(threading.current_thread())

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore disconnects; log anything else instead of printing to stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, DISCONNECT_ERRORS) or self.closing.is_set():
            return
        logger.error("Request handler failed", exc_info=error)


class QuietHandler(BaseHTTPRequestHandler):
    """Speak HTTP/1.1 keep-alive without access logs, with helpers for bodies and streams."""

    protocol_version = "HTTP/1.1"
    # Bounds a read on an idle keep-alive connection that nobody closes.
    timeout = 60.0
    server: LoopbackHTTPServer

    def handle(self) -> None:
        """Serve requests until the connection closes; a hang-up is not an error."""
        try:
            super().handle()
        except DISCONNECT_ERRORS:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Stay silent: tests run with clean stderr and the demo runs inside the app."""

    def read_body(self) -> bytes:
        """Read the request body, by Content-Length or chunked transfer encoding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self.rfile.readline(1024)
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                # Skip trailers up to the blank line that ends the body.
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(16)

    def send_body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a complete response with Content-Length."""
        self.send_response(status)
        extra = headers or {}
        if not _has_header(extra, "Content-Type"):
            self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        """Send ``payload`` as a JSON response."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_body(status, body, "application/json", headers)

    def begin_chunked(
        self,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "text/event-stream",
    ) -> None:
        """Send the status line and headers of a chunked response."""
        self.send_response(status)
        extra = headers or {}
        if not _has_header(extra, "Content-Type"):
            self.send_header("Content-Type", content_type)
        if not _has_header(extra, "Cache-Control"):
            self.send_header("Cache-Control", "no-cache")
        for name, value in extra.items():
            if name.lower() not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        """Write ``data`` as one chunk and flush it; skip empty data, which would end the body."""
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def end_chunked(self) -> None:
        """Write the terminating zero-length chunk."""
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def drop_connection(self) -> None:
        """Close the socket without finishing the response, as a crashed proxy would."""
        self.close_connection = True
        with contextlib.suppress(OSError):  # The peer may already be gone.
            self.connection.shutdown(socket.SHUT_RDWR)


def _has_header(headers: dict[str, str], name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key in headers)
