"""Measure decode-and-assemble throughput of one long chat stream over loopback, side by side.

Every contender reads the same pre-built 50,000-chunk stream from a server in another process
(so the server's CPU is not billed to the client), assembles the answer text, and is checked
against the expected text: a contender that assembles anything else is reported FAIL, not a
number. The contenders take turns, a warm-up round and then ``--repeat`` timed rounds, and the
fastest run of each counts; SDK imports and client set-up happen before the clock starts.

    .venv/bin/python benchmarks/stream_throughput.py [--chunks 50000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import importlib.metadata
import json
import multiprocessing
import os
import platform
import random
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the libraries load inside their contenders, outside the timed region
    import httpx
    import openai

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `desktop_chat` and `tests` importable
    sys.path.insert(0, str(ROOT))

WRITE_SIZE = 64 * 1024  # one chunked-encoding frame per 64 KiB: the network is never the limit
LIBRARIES = ("httpx", "httpcore", "h11", "httpx-sse", "openai", "anthropic", "httpx2", "pydantic")
_WORDS = (
    "the", "model", "streams", "tokens", "quickly,", "and", "each", "delta", "is", "small.",
    "naïve", "café", "über", "日本語", '"quoted"', "back\\slash", "x = f(1);", "—", "emoji 🙂",
    "line\n", "list:\n- item",
)  # fmt: skip


def text_pieces(count: int, seed: int = 1) -> list[str]:
    """Return `count` deterministic 2-5 character deltas of prose, code, JSON escapes and CJK."""
    rng = random.Random(seed)
    words = " ".join(rng.choice(_WORDS) for _ in range(count * 2))
    pieces: list[str] = []
    position = 0
    for _ in range(count):
        size = rng.randint(2, 5)
        pieces.append(words[position : position + size])
        position += size
    return pieces


def sse_bodies(pieces: list[str]) -> dict[str, bytes]:
    """Return the SSE payload of each route: Chat Completions, Responses and Anthropic."""
    from tests.support.streams import anthropic_stream, openai_stream, responses_stream

    return {
        "/v1/chat/completions": b"".join(openai_stream(pieces, model="bench")),
        RESPONSES_PATH: b"".join(responses_stream(pieces, model="bench")),
        "/v1/messages": b"".join(anthropic_stream(pieces, model="bench")),
    }


def _chunked_response(payload: bytes) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
        b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    frames = [head]
    for start in range(0, len(payload), WRITE_SIZE):
        piece = payload[start : start + WRITE_SIZE]
        frames.append(b"%x\r\n%b\r\n" % (len(piece), piece))
    frames.append(b"0\r\n\r\n")
    return b"".join(frames)


_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"


def serve(pieces: list[str], port_pipe: Connection) -> None:
    """Serve the pre-built responses on 127.0.0.1 with keep-alive until the process is ended."""
    responses = {path: _chunked_response(body) for path, body in sse_bodies(pieces).items()}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1].split("?")[0]
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                writer.write(responses.get(path, _NOT_FOUND))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed its connection: normal at the end of a contender
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port_pipe.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


Run = Callable[[], Awaitable[str | bytes]]
Factory = Callable[[str, float], AbstractAsyncContextManager[Run]]  # (origin, I/O timeout) -> run
OPENAI_PATH = "/v1/chat/completions"
RESPONSES_PATH = "/v1/responses"
MESSAGES = [{"role": "user", "content": "Write a long answer."}]
REQUEST_BODY = {"model": "bench", "messages": MESSAGES, "stream": True}


class Unavailable(Exception):
    """The installed version of a library lacks what a contender measures."""


@dataclass(frozen=True, slots=True)
class Contender:
    label: str
    factory: Factory
    expects: str = "text"  # "text": the answer; a route path: that route's raw SSE payload


@asynccontextmanager
async def _httpx_client(io_timeout: float) -> AsyncIterator[httpx.AsyncClient]:
    import httpx

    async with httpx.AsyncClient(timeout=io_timeout, trust_env=False) as client:
        yield client


@asynccontextmanager
async def raw_bytes(origin: str, io_timeout: float) -> AsyncIterator[Run]:
    async with _httpx_client(io_timeout) as client:

        async def run() -> bytes:
            parts: list[bytes] = []
            async with client.stream("POST", origin + OPENAI_PATH, json=REQUEST_BODY) as response:
                async for chunk in response.aiter_bytes():
                    parts.append(chunk)
            return b"".join(parts)

        yield run


def _split_and_loads(path: str, pick: Callable[[dict[str, object]], str | None]) -> Factory:
    """Build the practical limit for one shape: split lines, json.loads each data line, pick.

    Complete lines are decoded once per read and parsed as str: `json.loads(bytes)` would
    detect the encoding and decode again for every line, a quarter slower.
    """

    @asynccontextmanager
    async def factory(origin: str, io_timeout: float) -> AsyncIterator[Run]:
        loads = json.loads
        async with _httpx_client(io_timeout) as client:

            async def run() -> str:
                parts: list[str] = []
                buffer = b""
                async with client.stream("POST", origin + path, json=REQUEST_BODY) as response:
                    async for chunk in response.aiter_bytes():
                        buffer += chunk
                        end = buffer.rfind(b"\n")
                        if end < 0:
                            continue
                        lines = buffer[:end].decode().split("\n")
                        buffer = buffer[end + 1 :]
                        for line in lines:
                            if line.startswith("data: ") and line != "data: [DONE]":
                                text = pick(loads(line[6:]))
                                if text:
                                    parts.append(text)
                return "".join(parts)

            yield run

    return factory


def _openai_content(chunk: dict) -> str | None:  # type: ignore[type-arg]
    choices = chunk["choices"]
    return choices[0]["delta"].get("content") if choices else None


def _anthropic_text(event: dict) -> str | None:  # type: ignore[type-arg]
    return event["delta"]["text"] if event["type"] == "content_block_delta" else None


def _responses_text(event: dict) -> str | None:  # type: ignore[type-arg]
    return event["delta"] if event["type"] == "response.output_text.delta" else None


@asynccontextmanager
async def httpx_sse(origin: str, io_timeout: float) -> AsyncIterator[Run]:
    from httpx_sse import aconnect_sse

    loads = json.loads
    async with _httpx_client(io_timeout) as client:

        async def run() -> str:
            parts: list[str] = []
            url = origin + OPENAI_PATH
            async with aconnect_sse(client, "POST", url, json=REQUEST_BODY) as source:
                async for event in source.aiter_sse():
                    if event.data != "[DONE]":
                        content = _openai_content(loads(event.data))
                        if content:
                            parts.append(content)
            return "".join(parts)

        yield run


@asynccontextmanager
async def _openai_client(origin: str, io_timeout: float) -> AsyncIterator[openai.AsyncOpenAI]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=origin + "/v1", api_key="x", max_retries=0, timeout=io_timeout)
    try:
        yield client
    finally:
        await client.close()


@asynccontextmanager
async def openai_create(origin: str, io_timeout: float) -> AsyncIterator[Run]:
    async with _openai_client(origin, io_timeout) as client:

        async def run() -> str:
            parts: list[str] = []
            stream = await client.chat.completions.create(  # type: ignore[call-overload]
                model="bench",
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": True},
            )
            async for chunk in stream:
                if chunk.choices:
                    content = chunk.choices[0].delta.content
                    if content:
                        parts.append(content)
            return "".join(parts)

        yield run


@asynccontextmanager
async def openai_responses(origin: str, io_timeout: float) -> AsyncIterator[Run]:
    async with _openai_client(origin, io_timeout) as client:
        if not hasattr(client, "responses"):
            raise Unavailable("this openai version has no responses API")

        async def run() -> str:
            parts: list[str] = []
            stream = await client.responses.create(
                model="bench", input=MESSAGES[0]["content"], stream=True
            )
            async for event in stream:
                if event.type == "response.output_text.delta":
                    parts.append(event.delta)
            return "".join(parts)

        yield run


@asynccontextmanager
async def openai_stream_helper(origin: str, io_timeout: float) -> AsyncIterator[Run]:
    async with _openai_client(origin, io_timeout) as client:
        completions = client.chat.completions
        if not hasattr(completions, "stream"):
            raise Unavailable("this openai version has no chat.completions.stream()")

        async def run() -> str:
            parts: list[str] = []
            async with completions.stream(
                model="bench",
                messages=MESSAGES,  # type: ignore[arg-type]
                stream_options={"include_usage": True},
            ) as stream:
                async for event in stream:
                    if event.type == "content.delta":
                        parts.append(event.delta)
            return "".join(parts)

        yield run


@asynccontextmanager
async def anthropic_stream(origin: str, io_timeout: float) -> AsyncIterator[Run]:
    from anthropic import AsyncAnthropic

    client = AsyncAnthropic(base_url=origin, api_key="x", max_retries=0, timeout=io_timeout)

    async def run() -> str:
        parts: list[str] = []
        async with client.messages.stream(
            model="bench",
            max_tokens=1024,
            messages=MESSAGES,  # type: ignore[arg-type]
        ) as stream:
            async for text in stream.text_stream:
                parts.append(text)
        return "".join(parts)

    try:
        yield run
    finally:
        await client.close()


def _engine(protocol: str, suffix: str, *, inspected: bool = False) -> Factory:
    """Build a contender running our whole engine: SSE decoder, typed events, accumulator.

    `inspected` runs it as the window does: traced, every event timed into an Inspection.
    """

    @asynccontextmanager
    async def factory(origin: str, io_timeout: float) -> AsyncIterator[Run]:
        from desktop_chat.core.conversation import Conversation, Message
        from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine

        engine = Engine()
        endpoint = EndpointConfig(protocol, origin + suffix)
        request = ChatRequest(
            "bench", Conversation(messages=[Message("user", MESSAGES[0]["content"])])
        )

        async def run() -> str:
            if not inspected:
                return (await engine.run(endpoint, request)).text
            from desktop_chat.inspector.inspection import Inspection

            inspection = Inspection()

            def feed(event: object) -> None:
                inspection.feed(event, time.monotonic())

            return (await engine.run(endpoint, request, feed, trace=True)).text

        try:
            yield run
        finally:
            await engine.aclose()

    return factory


PRACTICAL = "2. raw bytes + SSE split + json.loads"
OPENAI_SDK = "4. openai create(stream=True)"
CONTENDERS = (
    Contender("1. httpx aiter_bytes (bytes only)", raw_bytes, expects=OPENAI_PATH),
    Contender(PRACTICAL, _split_and_loads(OPENAI_PATH, _openai_content)),
    Contender("2a. same, Anthropic shape", _split_and_loads("/v1/messages", _anthropic_text)),
    Contender("2b. same, Responses shape", _split_and_loads(RESPONSES_PATH, _responses_text)),
    Contender("3. httpx-sse + json.loads", httpx_sse),
    Contender(OPENAI_SDK, openai_create),
    Contender("4a. openai responses.create(stream=True)", openai_responses),
    Contender("5. openai .stream() helper", openai_stream_helper),
    Contender("6. anthropic messages.stream()", anthropic_stream),
    Contender("7. OUR engine, OpenAI", _engine("openai", "/v1")),
    Contender("7a. OUR engine, OpenAI Responses", _engine("openai-responses", "/v1")),
    Contender("8. OUR engine, Anthropic", _engine("anthropic", "")),
    Contender(
        "9. OUR engine, OpenAI, traced into the inspector", _engine("openai", "/v1", inspected=True)
    ),
)


@dataclass(frozen=True, slots=True)
class Result:
    label: str
    seconds: float | None  # the fastest run; None when the contender failed or is unavailable
    status: str  # "ok", "n/a: ...", "FAIL: ..."

    def rate(self, chunks: int) -> float | None:
        return chunks / self.seconds if self.seconds and self.status == "ok" else None


async def measure(
    contenders: Sequence[Contender],
    origin: str,
    expected: Mapping[str, str | bytes],
    repeat: int,
    run_timeout: float,
) -> list[Result]:
    """Set every contender up, then run them in turns: a warm-up round and `repeat` timed rounds.

    Taking turns spreads any load from other processes over all contenders alike; each keeps its
    fastest checked run. A contender that fails is dropped from later rounds.
    """
    status = {c.label: "ok" for c in contenders}
    best: dict[str, float] = {}
    runs: dict[str, Run] = {}

    def fail(label: str, exc: Exception) -> None:
        runs.pop(label, None)
        if isinstance(exc, Unavailable):
            status[label] = f"n/a: {exc}"
        else:
            status[label] = f"FAIL: {exc}" if isinstance(exc, _Mismatch) else _failure(exc)

    async with AsyncExitStack() as stack:
        for contender in contenders:
            try:
                async with asyncio.timeout(run_timeout):
                    setup = contender.factory(origin, run_timeout)
                    runs[contender.label] = await stack.enter_async_context(setup)
            except Exception as exc:  # noqa: BLE001 - a broken contender is reported, not fatal
                fail(contender.label, exc)
        for index in range(repeat + 1):
            for contender in contenders:
                run = runs.get(contender.label)
                if run is None:
                    continue
                try:
                    elapsed = await _timed(run, expected[contender.expects], run_timeout)
                except Exception as exc:  # noqa: BLE001 - as above
                    fail(contender.label, exc)
                    continue
                if index:  # round 0 warms caches, the connection pool and lazy imports
                    best[contender.label] = min(elapsed, best.get(contender.label, elapsed))
    return [Result(c.label, best.get(c.label), status[c.label]) for c in contenders]


class _Mismatch(Exception):
    """A contender assembled something other than the expected answer."""


async def _timed(run: Run, expected: str | bytes, run_timeout: float) -> float:
    gc.collect()  # start each run from the same heap, not one left by the last
    started = time.perf_counter()
    got = await asyncio.wait_for(run(), run_timeout)
    elapsed = time.perf_counter() - started
    if got != expected:
        raise _Mismatch(_difference(got, expected))
    return elapsed


def _failure(exc: Exception) -> str:
    return f"FAIL: {type(exc).__name__}: {exc}"[:200]


def _difference(got: str | bytes, expected: str | bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), None)
    at = min(len(got), len(expected)) if at is None else at
    unit = "bytes" if isinstance(got, bytes) else "chars"
    return f"assembled {len(got)} {unit}, expected {len(expected)}; first difference at {at}"


def _versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _ratio(rate: float | None, reference: float | None) -> float | None:
    return rate / reference if rate and reference else None


def _cell(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def report(results: list[Result], chunks: int, repeat: int, as_json: bool) -> str:
    """Return the results as a markdown table (with a one-line header) or as JSON."""
    rates = {r.label: r.rate(chunks) for r in results}
    practical, sdk = rates.get(PRACTICAL), rates.get(OPENAI_SDK)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    python = platform.python_version()
    if as_json:
        rows = [
            {
                "contender": r.label,
                "status": r.status,
                "seconds": r.seconds,
                "chunks_per_s": rates[r.label],
                "x_practical": _ratio(rates[r.label], practical),
                "x_openai_sdk": _ratio(rates[r.label], sdk),
            }
            for r in results
        ]
        meta = {"date": now, "python": python, "cpus": os.cpu_count(), "versions": _versions()}
        return json.dumps({**meta, "chunks": chunks, "repeat": repeat, "results": rows}, indent=2)
    versions = ", ".join(f"{name} {version}" for name, version in _versions().items())
    lines = [
        f"{chunks:,} chunks, best of {repeat}; {now}; {os.cpu_count()} CPUs; Python {python}",
        f"{versions}",
        "",
        "| contender | chunks/s | x raw bytes+json.loads | x openai SDK |",
        "|---|--:|--:|--:|",
    ]
    for r in results:
        rate = rates[r.label]
        shown = f"{rate:,.0f}" if rate else r.status
        x_practical, x_sdk = _cell(_ratio(rate, practical)), _cell(_ratio(rate, sdk))
        lines.append(f"| {r.label} | {shown} | {x_practical} | {x_sdk} |")
    return "\n".join(lines)


def start_server(pieces: list[str], timeout: float) -> tuple[BaseProcess, str]:
    """Start the server process and return it with its origin, ``http://127.0.0.1:PORT``."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=serve, args=(pieces, sender), daemon=True)
    process.start()
    if not receiver.poll(timeout):
        process.kill()
        raise RuntimeError(f"the benchmark server did not start within {timeout:g} s")
    return process, f"http://127.0.0.1:{receiver.recv()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--chunks", type=int, default=50_000, help="text deltas in the stream")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per contender")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.chunks < 1 or args.repeat < 1:
        parser.error("--chunks and --repeat must be at least 1")
    # Generous even for the slowest SDK on a busy machine, yet a hang still ends the run.
    timeout = 30.0 + args.chunks / 200
    os.environ["NO_PROXY"] = "127.0.0.1"  # loopback must never go through a proxy
    os.environ.pop("no_proxy", None)

    pieces = text_pieces(args.chunks)
    expected: dict[str, str | bytes] = {"text": "".join(pieces), **sse_bodies(pieces)}
    process, origin = start_server(pieces, timeout=30.0)
    try:
        results = asyncio.run(measure(CONTENDERS, origin, expected, args.repeat, timeout))
    finally:
        process.kill()
        process.join(10.0)
    print(report(results, args.chunks, args.repeat, args.json))
    return 1 if any(r.status.startswith("FAIL") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
