"""Build provider streams in their real wire shapes, as lists of SSE byte chunks.

Each list element is one complete SSE event (``b"data: {...}\\n\\n"``), ready for
``Reply(chunks=...)``; ``split_bytes`` re-cuts them at arbitrary points to test decoders.
JSON is compact and UTF-8 (not ASCII-escaped), as both providers send it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence

OPENAI_ID = "chatcmpl-test0001"
OPENAI_CREATED = 1_700_000_000
ANTHROPIC_ID = "msg_test0001"


def sse(data: str, event: str | None = None) -> bytes:
    """Encode one SSE event; multi-line data becomes several ``data:`` lines."""
    lines = [f"event: {event}"] if event is not None else []
    lines.extend(f"data: {line}" for line in data.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


def _dump(payload: object) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def openai_stream(
    text_pieces: Sequence[str],
    *,
    reasoning_pieces: Sequence[str] = (),
    reasoning_field: str = "reasoning_content",
    tool_calls: Sequence[Mapping[str, object]] = (),
    interleave_tool_calls: bool = False,
    finish_reason: str | None = "stop",
    usage: tuple[int, int] | None = (12, 34),
    cached_tokens: int = 0,
    done: bool = True,
    model: str = "m",
    null_content_first: bool = False,
) -> list[bytes]:
    """Return an OpenAI Chat Completions stream.

    Order: role-only delta, reasoning deltas, content deltas, tool-call fragments, the
    finish_reason chunk (omitted when None), the usage chunk with ``"choices": []``
    (omitted when ``usage`` is None; otherwise every earlier chunk carries
    ``"usage": null`` as with ``stream_options.include_usage``), then ``data: [DONE]``.
    ``tool_calls`` items are ``{"id", "name", "argument_pieces"}``; the first fragment of
    each call carries index, id, type and name with empty arguments. With
    ``interleave_tool_calls`` all calls start first and their argument pieces alternate.
    """
    base: dict[str, object] = {
        "id": OPENAI_ID,
        "object": "chat.completion.chunk",
        "created": OPENAI_CREATED,
        "model": model,
        "system_fingerprint": "fp_test",
    }

    def chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        payload: dict[str, object] = {**base, "choices": [choice]}
        if usage is not None:
            payload["usage"] = None
        return sse(_dump(payload))

    chunks = [chunk({"role": "assistant", "content": None if null_content_first else ""})]
    chunks += [chunk({"content": None, reasoning_field: piece}) for piece in reasoning_pieces]
    chunks += [chunk({"content": piece}) for piece in text_pieces]
    chunks += [
        chunk({"tool_calls": [fragment]})
        for fragment in _tool_fragments(tool_calls, interleave_tool_calls)
    ]
    if finish_reason is not None:
        chunks.append(chunk({}, finish_reason))
    if usage is not None:
        prompt, completion = usage
        usage_payload = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
            "completion_tokens_details": {"reasoning_tokens": 0},
        }
        chunks.append(sse(_dump({**base, "choices": [], "usage": usage_payload})))
    if done:
        chunks.append(sse("[DONE]"))
    return chunks


def _tool_fragments(
    tool_calls: Sequence[Mapping[str, object]], interleave: bool
) -> list[dict[str, object]]:
    starts: list[dict[str, object]] = []
    pieces: list[list[dict[str, object]]] = []
    for index, call in enumerate(tool_calls):
        starts.append(
            {
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": ""},
            }
        )
        argument_pieces = call.get("argument_pieces", ())
        assert isinstance(argument_pieces, Iterable)
        pieces.append(
            [{"index": index, "function": {"arguments": str(p)}} for p in argument_pieces]
        )
    if not interleave:
        return [item for start, rest in zip(starts, pieces, strict=True) for item in (start, *rest)]
    rounds = itertools.zip_longest(*pieces)
    return starts + [item for row in rounds for item in row if item is not None]


def anthropic_stream(
    text_pieces: Sequence[str],
    *,
    thinking_pieces: Sequence[str] = (),
    signature: str = "sig",
    thinking_blocks: Sequence[Mapping[str, object]] = (),
    tool_uses: Sequence[Mapping[str, object]] = (),
    stop_reason: str | None = "end_turn",
    usage: tuple[int, int] = (12, 34),
    cache: tuple[int, int] | None = None,
    ping: bool = True,
    model: str = "claude-test",
) -> list[bytes]:
    """Return an Anthropic Messages stream with ``event:`` lines.

    Blocks in order: thinking (thinking_delta pieces then one signature_delta), text
    (text_delta pieces), then one tool_use block per ``{"id", "name", "json_pieces"}``
    (input_json_delta with partial_json). A ping follows the first content_block_start.
    ``thinking_blocks`` adds more thinking blocks after that one, before the text, each
    ``{"thinking_pieces", "signature"}`` (thinking_delta pieces, one signature_delta) or
    ``{"redacted": data}`` (a redacted_thinking block whose start carries the data, no deltas).
    Ends with message_delta (``stop_reason``, output_tokens) and message_stop; with
    ``stop_reason=None`` the stream stops after the last block, as a cut connection would.
    ``cache`` is (cache_read_input_tokens, cache_creation_input_tokens) in message_start.
    """
    input_tokens, output_tokens = usage
    start_usage: dict[str, object] = {"input_tokens": input_tokens, "output_tokens": 1}
    if cache is not None:
        start_usage["cache_read_input_tokens"], start_usage["cache_creation_input_tokens"] = cache

    def event(kind: str, payload: dict[str, object]) -> bytes:
        return sse(_dump({"type": kind, **payload}), event=kind)

    message: dict[str, object] = {
        "id": ANTHROPIC_ID,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    chunks = [event("message_start", {"message": message})]
    blocks: list[tuple[dict[str, object], list[dict[str, object]]]] = []
    if thinking_pieces:
        deltas: list[dict[str, object]] = [
            {"type": "thinking_delta", "thinking": piece} for piece in thinking_pieces
        ]
        deltas.append({"type": "signature_delta", "signature": signature})
        blocks.append(({"type": "thinking", "thinking": "", "signature": ""}, deltas))
    for spec in thinking_blocks:
        if "redacted" in spec:
            blocks.append(({"type": "redacted_thinking", "data": spec["redacted"]}, []))
            continue
        pieces = spec.get("thinking_pieces", ())
        assert isinstance(pieces, Iterable)
        deltas = [{"type": "thinking_delta", "thinking": str(p)} for p in pieces]
        deltas.append({"type": "signature_delta", "signature": spec.get("signature", "sig")})
        blocks.append(({"type": "thinking", "thinking": "", "signature": ""}, deltas))
    if text_pieces:
        blocks.append(
            ({"type": "text", "text": ""}, [{"type": "text_delta", "text": p} for p in text_pieces])
        )
    for use in tool_uses:
        json_pieces = use.get("json_pieces", ())
        assert isinstance(json_pieces, Iterable)
        start = {"type": "tool_use", "id": use["id"], "name": use["name"], "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": str(p)} for p in json_pieces]
        blocks.append((start, deltas))
    for index, (start, deltas) in enumerate(blocks):
        chunks.append(event("content_block_start", {"index": index, "content_block": start}))
        if index == 0 and ping:
            chunks.append(sse('{"type": "ping"}', event="ping"))
        chunks += [event("content_block_delta", {"index": index, "delta": d}) for d in deltas]
        chunks.append(event("content_block_stop", {"index": index}))
    if not blocks and ping:
        chunks.append(sse('{"type": "ping"}', event="ping"))
    if stop_reason is not None:
        delta = {"stop_reason": stop_reason, "stop_sequence": None}
        chunks.append(
            event("message_delta", {"delta": delta, "usage": {"output_tokens": output_tokens}})
        )
        chunks.append(event("message_stop", {}))
    return chunks


def anthropic_error_event(type: str = "overloaded_error", message: str = "Overloaded") -> bytes:
    """Return Anthropic's mid-stream ``event: error``."""
    return sse(_dump({"type": "error", "error": {"type": type, "message": message}}), event="error")


RESPONSE_ID = "resp_test0001"


def _response(
    status: str, model: str, output: list[dict[str, object]], **fields: object
) -> dict[str, object]:
    """A Response object with the fields the SDK requires, as the API fills them."""
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": OPENAI_CREATED,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "store": False,
        "temperature": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "usage": None,
        **fields,
    }


def responses_stream(
    text_pieces: Sequence[str],
    *,
    summary_parts: Sequence[Sequence[str]] = (),
    encrypted_content: str | None = "gAAAA-encrypted",
    tool_calls: Sequence[Mapping[str, object]] = (),
    status: str | None = "completed",
    incomplete_reason: str = "max_output_tokens",
    usage: tuple[int, int] = (12, 34),
    model: str = "m",
) -> list[bytes]:
    """Return an OpenAI Responses stream: typed events, each with its ``event:`` line.

    Items in order: a reasoning item when ``summary_parts`` is given (one summary part per
    entry, streamed as summary text deltas; its ``encrypted_content`` arrives whole with the
    item's done event), a message of ``text_pieces`` when given, then one function_call item
    per ``{"id", "name", "argument_pieces"}``. It ends with response.completed, or
    response.incomplete (``incomplete_details.reason``) for ``status="incomplete"``; with
    ``status=None`` it stops after the last item, as a cut connection would.
    """
    chunks: list[bytes] = []

    def event(kind: str, **payload: object) -> None:
        body = {"type": kind, "sequence_number": len(chunks), **payload}
        chunks.append(sse(_dump(body), event=kind))

    done_items: list[dict[str, object]] = []
    event("response.created", response=_response("in_progress", model, []))
    event("response.in_progress", response=_response("in_progress", model, []))
    if summary_parts:
        index, item_id = len(done_items), "rs_test0001"
        item: dict[str, object] = {"id": item_id, "type": "reasoning", "summary": []}
        event("response.output_item.added", output_index=index, item=item)
        summary = []
        for part_index, pieces in enumerate(summary_parts):
            where = {"item_id": item_id, "output_index": index, "summary_index": part_index}
            event("response.reasoning_summary_part.added", **where,
                  part={"type": "summary_text", "text": ""})  # fmt: skip
            for piece in pieces:
                event("response.reasoning_summary_text.delta", **where, delta=piece)
            text = "".join(pieces)
            event("response.reasoning_summary_text.done", **where, text=text)
            part = {"type": "summary_text", "text": text}
            event("response.reasoning_summary_part.done", **where, part=part)
            summary.append(part)
        done = {**item, "summary": summary, "encrypted_content": encrypted_content}
        event("response.output_item.done", output_index=index, item=done)
        done_items.append(done)
    if text_pieces:
        index, item_id = len(done_items), "msg_test0001"
        message = {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress"}
        event("response.output_item.added", output_index=index, item={**message, "content": []})
        where = {"item_id": item_id, "output_index": index, "content_index": 0}
        empty = {"type": "output_text", "text": "", "annotations": []}
        event("response.content_part.added", **where, part=empty)
        for piece in text_pieces:
            event("response.output_text.delta", **where, delta=piece, logprobs=[])
        text = "".join(text_pieces)
        event("response.output_text.done", **where, text=text, logprobs=[])
        part = {**empty, "text": text}
        event("response.content_part.done", **where, part=part)
        done = {**message, "status": "completed", "content": [part]}
        event("response.output_item.done", output_index=index, item=done)
        done_items.append(done)
    for call in tool_calls:
        index, item_id = len(done_items), f"fc_test{len(done_items):04d}"
        start = {"id": item_id, "type": "function_call", "call_id": call["id"],
                 "name": call["name"], "arguments": "", "status": "in_progress"}  # fmt: skip
        event("response.output_item.added", output_index=index, item=start)
        pieces = call.get("argument_pieces", ())
        assert isinstance(pieces, Iterable)
        where = {"item_id": item_id, "output_index": index}
        for piece in pieces:
            event("response.function_call_arguments.delta", **where, delta=str(piece))
        arguments = "".join(str(p) for p in pieces)
        event("response.function_call_arguments.done", **where, arguments=arguments)
        done = {**start, "arguments": arguments, "status": "completed"}
        event("response.output_item.done", output_index=index, item=done)
        done_items.append(done)
    if status is None:
        return chunks
    input_tokens, output_tokens = usage
    totals = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }
    details = {"reason": incomplete_reason} if status == "incomplete" else None
    final = _response(status, model, done_items, usage=totals, incomplete_details=details)
    event(f"response.{status}", response=final)
    return chunks


def responses_error_event(message: str = "Rate limit reached", code: str | None = None) -> bytes:
    """Return the Responses API's mid-stream ``event: error``."""
    payload = {"type": "error", "sequence_number": 1, "code": code, "message": message,
               "param": None}  # fmt: skip
    return sse(_dump(payload), event="error")


def responses_failed_event(code: str = "server_error", message: str = "It broke") -> bytes:
    """Return ``response.failed``: the response ended with ``error`` set."""
    response = _response("failed", "m", [], error={"code": code, "message": message})
    payload = {"type": "response.failed", "sequence_number": 1, "response": response}
    return sse(_dump(payload), event="response.failed")


OPENAI_MAX_TOKENS_REFUSAL = (
    "Unsupported parameter: 'max_tokens' is not supported with this model. "
    "Use 'max_completion_tokens' instead."
)


def openai_max_tokens_refusal() -> bytes:
    """The 400 body OpenAI's reasoning models answer a request carrying `max_tokens` with."""
    error = {
        "message": OPENAI_MAX_TOKENS_REFUSAL,
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
    return json.dumps({"error": error}).encode()


def openai_error_chunk(
    message: str = "The server had an error while processing your request.",
    type: str = "server_error",
    code: str | None = None,
) -> bytes:
    """Return the ``data: {"error": ...}`` event OpenAI-compatible servers send mid-stream."""
    error = {"message": message, "type": type, "param": None, "code": code}
    return sse(_dump({"error": error}))


def split_bytes(chunks: Iterable[bytes], sizes: int | Sequence[int]) -> list[bytes]:
    """Join ``chunks`` and cut the bytes again into pieces of ``sizes``.

    An int gives pieces of that size; a sequence is used in order and repeated until the
    bytes run out. The last piece may be shorter. Cuts may fall inside a UTF-8 character,
    a line ending or a JSON string: that is the point.
    """
    data = b"".join(chunks)
    size_list = [sizes] if isinstance(sizes, int) else list(sizes)
    if not size_list:
        raise ValueError("sizes must not be empty")
    cycle = itertools.cycle(size_list)
    pieces: list[bytes] = []
    position = 0
    while position < len(data):
        size = next(cycle)
        if size <= 0:
            raise ValueError(f"piece sizes must be positive, got {size}")
        pieces.append(data[position : position + size])
        position += size
    return pieces
