"""Read a response body within bounds, decompressing it here rather than in httpx.

httpx inflates each network read whole: one 64 KiB read of a gzip bomb becomes up to 64 MiB at
once, and a 1 MiB bomb a gigabyte in all. Here each read is inflated at most `PIECE` bytes at a
time (zlib's `max_length`), so what the body decodes to is never held more than a piece at a
time unless a reader keeps it; and `read_body` stops at its limit instead of reading on.

Only the encodings the client offers (`ACCEPT_ENCODING`) are decoded; a server that sends
another one gets httpx.DecodingError, which the engine reports as a malformed response.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncGenerator
from contextlib import aclosing

import httpx

from desktop_chat.i18n import _

ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024


async def body_chunks(response: httpx.Response, piece: int = PIECE) -> AsyncGenerator[bytes, None]:
    """Yield the decoded body, each chunk at most `piece` bytes when the body is compressed."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    async with aclosing(response.aiter_raw()) as raw:  # type: ignore[type-var]
        if encoding in ("", "identity"):
            async for chunk in raw:
                yield chunk
            return
        inflater = _Inflater(encoding, response)
        async for chunk in raw:
            data = chunk
            while True:  # one piece at a time: the reader handles each before the next
                decoded = inflater.inflate(data, piece)
                if decoded:
                    yield decoded
                data = inflater.unconsumed
                # A full piece may leave output inside zlib even when all input was taken.
                if not data and len(decoded) < piece:
                    break


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The first `limit` bytes of the decoded body; nothing past them is read or inflated."""
    parts: list[bytes] = []
    size = 0
    async with aclosing(body_chunks(response)) as chunks:
        async for chunk in chunks:
            parts.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    return b"".join(parts)[:limit]


class _Inflater:
    """gzip or deflate, a bounded piece at a time; deflate may come with or without its zlib
    header (servers differ, as httpx's own decoder allows)."""

    def __init__(self, encoding: str, response: httpx.Response) -> None:
        if encoding in ("gzip", "x-gzip"):
            wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            wbits = zlib.MAX_WBITS
        else:
            raise httpx.DecodingError(
                _("the server sent content encoding {encoding!r}, which was not asked for").format(
                    encoding=encoding
                ),
                request=response.request,
            )
        self._encoding = encoding
        self._request = response.request
        self._zlib = zlib.decompressobj(wbits)
        self._first = True

    @property
    def unconsumed(self) -> bytes:
        """Input held back because the last piece was full."""
        return self._zlib.unconsumed_tail

    def inflate(self, data: bytes, piece: int) -> bytes:
        """At most `piece` bytes of output from `data`; the rest of `data` stays `unconsumed`."""
        try:
            return self._zlib.decompress(data, piece)
        except zlib.error as exc:
            if not (self._first and self._encoding == "deflate"):
                raise httpx.DecodingError(str(exc), request=self._request) from exc
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
            try:
                return self._zlib.decompress(data, piece)
            except zlib.error as raw_exc:
                raise httpx.DecodingError(str(raw_exc), request=self._request) from raw_exc
        finally:
            self._first = False
