"""Bodies read within bounds: inflated a piece at a time, cut at a limit, odd encodings named."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest

from desktop_chat.core.body import ACCEPT_ENCODING, PIECE, body_chunks, read_body
from tests.support.sse_server import Reply, ScriptedServer

TIMEOUT = httpx.Timeout(5.0)
TEXT = b"".join(b"line %d of a body that compresses well\n" % i for i in range(20000))


def deflate(data: bytes, *, header: bool) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS if header else -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


async def chunks_of(server: ScriptedServer, reply: Reply, piece: int = PIECE) -> list[bytes]:
    server.script(reply)
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as client,
        client.stream("GET", server.url, headers={"Accept-Encoding": ACCEPT_ENCODING}) as response,
    ):
        return [chunk async for chunk in body_chunks(response, piece)]


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", deflate(TEXT, header=True)),
        ("deflate", deflate(TEXT, header=False)),
        ("identity", TEXT),
        ("", TEXT),
    ],
    ids=["gzip", "x-gzip", "zlib-deflate", "raw-deflate", "identity", "none"],
)
async def test_each_offered_encoding_decodes(
    sse_server: ScriptedServer, encoding: str, body: bytes
) -> None:
    headers = {"Content-Encoding": encoding} if encoding else {}
    chunks = await chunks_of(sse_server, Reply(headers=headers, body=body))
    assert b"".join(chunks) == TEXT


async def test_inflated_pieces_never_exceed_the_piece_size(sse_server: ScriptedServer) -> None:
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))  # 8 MiB in ~8 KiB: one network read
    chunks = await chunks_of(
        sse_server, Reply(headers={"Content-Encoding": "gzip"}, body=bomb), 4096
    )
    assert max(map(len, chunks)) == 4096
    assert sum(map(len, chunks)) == 8 * 1024 * 1024


async def test_an_unoffered_encoding_is_named(sse_server: ScriptedServer) -> None:
    with pytest.raises(httpx.DecodingError, match="content encoding 'br', which was not asked"):
        await chunks_of(sse_server, Reply(headers={"Content-Encoding": "br"}, body=b"x"))


async def test_a_corrupt_body_is_a_decoding_error(sse_server: ScriptedServer) -> None:
    with pytest.raises(httpx.DecodingError):
        await chunks_of(sse_server, Reply(headers={"Content-Encoding": "gzip"}, body=b"not gzip"))


async def test_read_body_stops_at_its_limit(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(headers={"Content-Encoding": "gzip"}, body=gzip.compress(TEXT)))
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as client,
        client.stream("GET", sse_server.url) as response,
    ):
        assert await read_body(response, 100) == TEXT[:100]
