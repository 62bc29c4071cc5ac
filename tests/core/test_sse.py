"""SSEDecoder against the WHATWG "Parsing an event stream" algorithm, chunk by chunk."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_chat.core.sse import MAX_EVENT_DATA, MAX_LINE, SSEDecoder, SSEEvent
from tests.support.streams import anthropic_stream, openai_stream, split_bytes

BOM = "\ufeff".encode()


def decode(chunks: Iterable[bytes]) -> list[SSEEvent]:
    """Feed every chunk to one decoder, then close it; return all events in order."""
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.close()
    return events


def datas(events: list[SSEEvent]) -> list[str]:
    return [event.data for event in events]


# --- line endings -------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_each_line_ending_separates_lines_and_events(end: str) -> None:
    stream = f"event: a{end}data: one{end}data: two{end}{end}data: three{end}{end}"
    assert decode([stream.encode()]) == [
        SSEEvent("a", "one\ntwo"),
        SSEEvent("message", "three"),
    ]


def test_mixed_line_endings_in_one_stream() -> None:
    stream = b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\r"
    assert decode([stream]) == [SSEEvent(data="a\nb\nc"), SSEEvent(data="d")]


def test_cr_at_end_of_chunk_and_lf_at_start_of_next_is_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    # Had the LF counted as a second line end, this would be a blank line dispatching "x".
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: y\r") == []
    assert decoder.feed(b"\n\r\n") == [SSEEvent(data="x\ny")]


def test_cr_then_lf_in_separate_chunks_dispatch_on_the_next_line_end() -> None:
    assert decode([b"data: x\r", b"\n", b"\r", b"\n"]) == [SSEEvent(data="x")]


def test_two_crs_across_chunks_are_two_line_ends() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert decoder.feed(b"\r") == [SSEEvent(data="x")]


def test_cr_pending_only_pairs_with_lf_at_the_very_start_of_the_next_chunk() -> None:
    # "\r" then "data..." : the CR ended the line; the later LF is a line end of its own.
    assert decode([b"data: a\r", b"data: b\n", b"\n"]) == [SSEEvent(data="a\nb")]


def test_empty_chunk_between_cr_and_lf_does_not_split_the_pair() -> None:
    """An empty chunk carries no bytes, so CR + (nothing) + LF is still one CRLF."""
    decoder = SSEDecoder()
    decoder.feed(b"data: x\r")
    decoder.feed(b"")
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: y\n\n") == [SSEEvent(data="x\ny")]


def test_empty_chunks_are_harmless() -> None:
    assert decode([b"", b"data: a", b"", b"\n", b"", b"\n", b""]) == [SSEEvent(data="a")]


def test_partial_line_is_held_until_its_end_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"da") == []
    assert decoder.feed(b"ta: hel") == []
    assert decoder.feed(b"lo\n") == []
    assert decoder.feed(b"\n") == [SSEEvent(data="hello")]


# --- BOM ----------------------------------------------------------------------------------------


def test_leading_bom_is_dropped() -> None:
    assert decode([BOM + b"data: a\n\n"]) == [SSEEvent(data="a")]


def test_bom_split_across_chunks_is_dropped() -> None:
    stream = BOM + b"data: a\n\n"
    for cut in (1, 2, 3):
        assert decode([stream[:cut], stream[cut:]]) == [SSEEvent(data="a")], cut
    assert decode(split_bytes([stream], 1)) == [SSEEvent(data="a")]


def test_only_the_first_bom_is_dropped() -> None:
    # The second BOM belongs to the field name, which is then unknown: the line is ignored.
    assert decode([BOM + BOM + b"data: a\n\ndata: b\n\n"]) == [SSEEvent(data="b")]


def test_bom_later_in_the_stream_is_kept() -> None:
    stream = b"data: a\n\n" + BOM + b"data: b\n\ndata: " + BOM + b"c\n\n"
    assert decode([stream]) == [SSEEvent(data="a"), SSEEvent(data="\ufeffc")]


def test_bom_before_a_blank_first_line_is_dropped() -> None:
    assert decode([BOM + b"\ndata: a\n\n"]) == [SSEEvent(data="a")]


# --- fields -------------------------------------------------------------------------------------


def test_comment_lines_are_ignored() -> None:
    stream = b": keep-alive\n:\ndata: a\n: inside an event\ndata: b\n\n: trailing\n\n"
    assert decode([stream]) == [SSEEvent(data="a\nb")]


def test_only_one_space_after_the_colon_is_stripped() -> None:
    stream = b"data:nospace\ndata: one\ndata:  two\ndata:\tTab\n\n"
    assert decode([stream]) == [SSEEvent(data="nospace\none\n two\n\tTab")]


def test_colon_inside_the_value_is_kept() -> None:
    assert decode([b'data: {"a": "b:c"}\n\n']) == [SSEEvent(data='{"a": "b:c"}')]


def test_field_without_colon_has_empty_value() -> None:
    # "data" alone appends an empty line to the data buffer, so the event is dispatched.
    assert decode([b"data\n\n"]) == [SSEEvent(data="")]
    assert decode([b"data\ndata\n\n"]) == [SSEEvent(data="\n")]
    # "event" alone sets an empty type, which dispatches as "message".
    assert decode([b"event: x\nevent\ndata: a\n\n"]) == [SSEEvent("message", "a")]


def test_data_alone_dispatches_an_empty_event() -> None:
    assert decode([b"data:\n\n"]) == [SSEEvent(data="")]
    assert decode([b"data: \n\n"]) == [SSEEvent(data="")]


def test_multi_line_data_is_joined_with_lf_and_trailing_lf_removed() -> None:
    assert decode([b"data: a\ndata:\ndata: b\ndata:\n\n"]) == [SSEEvent(data="a\n\nb\n")]


def test_blank_line_without_data_dispatches_nothing() -> None:
    assert decode([b"\n\n\nevent: x\n\nid: 7\n\n"]) == []


def test_event_type_is_reset_after_dispatch() -> None:
    stream = b"event: first\ndata: a\n\ndata: b\n\n"
    assert decode([stream]) == [SSEEvent("first", "a", ""), SSEEvent("message", "b", "")]


def test_event_type_is_reset_by_a_blank_line_even_without_data() -> None:
    assert decode([b"event: x\n\ndata: a\n\n"]) == [SSEEvent("message", "a")]


def test_last_event_type_wins_within_one_event() -> None:
    assert decode([b"event: a\nevent: b\ndata: x\n\n"]) == [SSEEvent("b", "x")]


def test_field_names_are_case_sensitive() -> None:
    assert decode([b"Data: a\nEVENT: b\ndata: c\n\n"]) == [SSEEvent("message", "c")]


def test_id_persists_across_events_until_changed() -> None:
    stream = b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n"
    assert [event.id for event in decode([stream])] == ["1", "1", "2", ""]


def test_id_set_after_data_applies_to_the_same_event() -> None:
    assert decode([b"data: a\nid: 9\n\n"]) == [SSEEvent(data="a", id="9")]


def test_id_with_nul_is_ignored() -> None:
    stream = b"id: good\ndata: a\n\nid: b\x00ad\ndata: b\n\n"
    assert [event.id for event in decode([stream])] == ["good", "good"]


def test_id_without_a_dispatch_still_updates_the_buffer() -> None:
    assert decode([b"id: 5\n\ndata: a\n\n"]) == [SSEEvent(data="a", id="5")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"retry: 1500", 1500),
        (b"retry:0", 0),
        (b"retry: 007", 7),
        (b"retry: 15x", None),
        (b"retry: -1", None),
        (b"retry: 1.5", None),
        (b"retry:  15", None),  # the second space is part of the value
        (b"retry: 15 ", None),
        (b"retry:", None),
        (b"retry: \xd9\xa3", None),  # ARABIC-INDIC DIGIT THREE: a digit, but not ASCII
        (b"retry: \xc2\xb2", None),  # SUPERSCRIPT TWO
    ],
)
def test_retry_accepts_ascii_digits_only(line: bytes, expected: int | None) -> None:
    assert decode([line + b"\ndata: a\n\n"]) == [SSEEvent(data="a", retry=expected)]


def test_retry_persists_and_a_bad_value_keeps_the_previous_one() -> None:
    stream = b"retry: 100\ndata: a\n\nretry: oops\ndata: b\n\nretry: 200\ndata: c\n\n"
    assert [event.retry for event in decode([stream])] == [100, 100, 200]


def test_unknown_fields_are_ignored() -> None:
    stream = b"foo: bar\nevent: x\nbaz\ndata: a\nqux: 1\n\n"
    assert decode([stream]) == [SSEEvent("x", "a")]


# --- encoding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["你好，世界", "😀👩‍👩‍👧 emoji", "é ß Ω"])
def test_utf8_split_at_every_byte_offset(text: str) -> None:
    stream = f"event: {text}\ndata: {text}\n\n".encode()
    for cut in range(1, len(stream)):
        assert decode([stream[:cut], stream[cut:]]) == [SSEEvent(text, text)], cut
    assert decode(split_bytes([stream], 1)) == [SSEEvent(text, text)]


def test_invalid_utf8_becomes_replacement_characters() -> None:
    stream = b"data: a\xffb\xc3(\n" + b"data: \xe4\xb8\n\n"  # a lone byte, a bad pair, a truncation
    assert decode([stream]) == [SSEEvent(data="a\ufffdb\ufffd(\n\ufffd")]


def test_invalid_utf8_split_across_chunks_is_replaced_the_same_way() -> None:
    stream = b"data: \xe4\xb8\xe4\xb8\xad\n\n"  # a truncated sequence then a whole one
    expected = [SSEEvent(data="\ufffd中")]
    assert decode([stream]) == expected
    assert decode(split_bytes([stream], 1)) == expected


# --- end of stream ------------------------------------------------------------------------------


def test_event_not_closed_by_blank_line_is_discarded_at_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: done\n\ndata: half\n") == [SSEEvent(data="done")]
    assert decoder.close() == []


def test_partial_last_line_is_discarded_at_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: whole\n\ndata: no line end") == [SSEEvent(data="whole")]
    assert decoder.close() == []


def test_close_on_a_fresh_decoder_returns_nothing() -> None:
    assert SSEDecoder().close() == []


# --- canned provider streams --------------------------------------------------------------------


def test_openai_stream_decodes_to_one_event_per_chunk_at_any_split() -> None:
    chunks = openai_stream(["Hel", "lo ", "世界 😀"], tool_calls=[])
    whole = decode(chunks)
    assert len(whole) == len(chunks)
    assert whole[-1] == SSEEvent(data="[DONE]")
    assert all(event.event == "message" for event in whole)
    for sizes in (1, 2, 3, 7, [1, 5, 2], 64):
        assert decode(split_bytes(chunks, sizes)) == whole, sizes


def test_anthropic_stream_keeps_event_types_at_any_split() -> None:
    chunks = anthropic_stream(["Bonjour ", "ça va ?"], thinking_pieces=["hm"])
    whole = decode(chunks)
    assert [event.event for event in whole][:2] == ["message_start", "content_block_start"]
    assert whole[-1].event == "message_stop"
    assert "ping" in [event.event for event in whole]
    for sizes in (1, 3, [2, 11], 50):
        assert decode(split_bytes(chunks, sizes)) == whole, sizes


# --- properties ---------------------------------------------------------------------------------


def reference(stream: bytes) -> list[SSEEvent]:
    """Decode a whole stream by the letter of the standard, written independently of SSEDecoder."""
    text = stream.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = re.split(r"\r\n|\r|\n", text)[:-1]  # what follows the last line end is incomplete
    events: list[SSEEvent] = []
    data, event_type, last_id, retry = "", "", "", None
    for line in lines:
        if line == "":
            if data:
                events.append(SSEEvent(event_type or "message", data[:-1], last_id, retry))
            data, event_type = "", ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data += value + "\n"
        elif name == "event":
            event_type = value
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and re.fullmatch(r"[0-9]+", value):
            retry = int(value)
    return events


_VALUE_TEXT = st.text(
    st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=12
)
_VALUE_BYTES = st.binary(max_size=8).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
_VALUE = st.one_of(_VALUE_TEXT.map(str.encode), _VALUE_BYTES, st.sampled_from([b"", b"\0", b"12"]))
_NAME = st.sampled_from([b"data", b"event", b"id", b"retry", b"", b"foo", b"dat", b"\xef\xbb\xbf"])
_SEP = st.sampled_from([b": ", b":", b":  ", None])
_END = st.sampled_from([b"\n", b"\r", b"\r\n"])
_LINE = st.one_of(
    st.tuples(_NAME, _SEP, _VALUE, _END).map(
        lambda t: t[0] + (b"" if t[1] is None else t[1] + t[2]) + t[3]
    ),
    _END,  # blank lines dispatch
)


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    body = b"".join(draw(st.lists(_LINE, max_size=25)))
    prefix = draw(st.sampled_from([b"", BOM, BOM + BOM]))
    suffix = draw(st.sampled_from([b"", b"\n", b"\r\n", b"\r", b"data: tail"]))
    return prefix + body + suffix


@st.composite
def splits(draw: st.DrawFn, stream: bytes) -> list[bytes]:
    if not stream:
        return [stream]
    cuts = draw(st.lists(st.integers(1, max(1, len(stream) - 1)), max_size=12, unique=True))
    bounds = [0, *sorted(cuts), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), stream=streams())
def test_any_split_yields_the_same_events_as_the_whole(data: st.DataObject, stream: bytes) -> None:
    whole = decode([stream])
    assert whole == reference(stream)
    chunks = data.draw(splits(stream))
    assert b"".join(chunks) == stream
    assert decode(chunks) == whole


@settings(max_examples=100, deadline=None)
@given(stream=streams())
def test_byte_at_a_time_yields_the_same_events_as_the_whole(stream: bytes) -> None:
    assert decode([stream[i : i + 1] for i in range(len(stream))]) == reference(stream)


_FIELD_TEXT = st.text(
    st.characters(blacklist_characters="\r\n\0", blacklist_categories=("Cs",)), max_size=10
)
_EVENT = st.tuples(
    st.one_of(st.none(), _FIELD_TEXT.filter(bool)),  # event type; None: the default "message"
    st.lists(_FIELD_TEXT, min_size=1, max_size=4).map("\n".join),  # data, maybe multi-line
    st.one_of(st.none(), _FIELD_TEXT),  # id; None: not sent, the previous one persists
)


def encode(events: list[tuple[str | None, str, str | None]], end: bytes, bom: bool) -> bytes:
    """A simple encoder: one field per line, always with the optional space."""
    out = [BOM] if bom else []
    for event_type, data, event_id in events:
        lines = [] if event_type is None else [f"event: {event_type}"]
        if event_id is not None:
            lines.append(f"id: {event_id}")
        lines += [f"data: {line}" for line in data.split("\n")]
        out.append((end.decode().join(lines) + end.decode() * 2).encode())
    return b"".join(out)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    events=st.lists(_EVENT, max_size=8),
    end=_END,
    bom=st.booleans(),
)
def test_round_trip(
    data: st.DataObject,
    events: list[tuple[str | None, str, str | None]],
    end: bytes,
    bom: bool,
) -> None:
    expected: list[SSEEvent] = []
    last_id = ""
    for event_type, payload, event_id in events:
        last_id = last_id if event_id is None else event_id
        expected.append(SSEEvent(event_type or "message", payload, last_id))
    stream = encode(events, end, bom)
    assert decode([stream]) == expected
    assert decode(data.draw(splits(stream))) == expected


# --- limits -------------------------------------------------------------------------------------


def test_a_line_split_into_many_chunks_is_joined_in_linear_time() -> None:
    """Held as pieces, not grown by concatenation (which was quadratic: 16 s for 64 MB)."""
    decoder = SSEDecoder()
    piece = b"x" * 4096
    started = time.perf_counter()
    assert decoder.feed(b"data: ") == []
    for _ in range(4095):  # almost 16 MiB in 4 KiB reads, just under the limit
        assert decoder.feed(piece) == []
    (event,) = decoder.feed(b"\n\n")
    assert time.perf_counter() - started < 2.0
    assert len(event.data) == 4095 * 4096
    assert decoder.error is None


def test_a_line_over_the_limit_stops_the_decoder() -> None:
    decoder = SSEDecoder(max_line=100)
    assert decoder.feed(b"data: a\n\ndata: ") == [SSEEvent(data="a")]
    assert decoder.feed(b"b" * 90) == []
    assert decoder.error is None
    assert decoder.feed(b"b" * 10) == []
    assert decoder.error == "one line of the event stream is longer than 100 bytes"
    assert decoder.feed(b"\n\ndata: c\n\n") == []  # stopped: nothing more comes out


def test_a_line_over_the_limit_ending_in_its_last_chunk_is_caught() -> None:
    decoder = SSEDecoder(max_line=1024)
    assert decoder.feed(b"data: " + b"y" * 1000) == []
    assert decoder.feed(b"y" * 100 + b"\n\n") == []
    assert decoder.error == "one line of the event stream is longer than 1 KiB"


def test_a_long_tail_after_the_last_line_end_is_caught() -> None:
    decoder = SSEDecoder(max_line=10)
    assert decoder.feed(b"data: a\n\n" + b"z" * 11) == [SSEEvent(data="a")]
    assert decoder.error == "one line of the event stream is longer than 10 bytes"


def test_an_event_over_the_data_limit_keeps_the_events_before_it() -> None:
    decoder = SSEDecoder(max_data=2 * 1024 * 1024)
    line = b"data: " + b"d" * (1024 * 1024) + b"\n"
    assert decoder.feed(b"data: before\n\n" + line + line) == [SSEEvent(data="before")]
    assert decoder.error == "one event's data is larger than 2 MiB"
    assert decoder.feed(b"\ndata: after\n\n") == []


def test_data_within_the_limit_across_events_is_fine() -> None:
    decoder = SSEDecoder(max_data=10)
    events = decoder.feed(b"data: 12345\ndata: 123\n\n" * 5)
    assert datas(events) == ["12345\n123"] * 5
    assert decoder.error is None


def test_the_default_limits_are_generous() -> None:
    assert MAX_LINE == MAX_EVENT_DATA == 16 * 1024 * 1024
