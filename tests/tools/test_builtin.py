"""Built-in tools: current_time in IANA zones, read_text_file only where the user allowed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_chat.tools.builtin import MAX_FILE_BYTES, builtin_entries, current_time, read_text_file
from desktop_chat.tools.registry import ToolEntry, ToolFailure

NOW = datetime(2024, 7, 1, 12, 30, 5, tzinfo=UTC)


def fixed() -> datetime:
    return NOW


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", "2024-07-01T12:30:05+00:00 (Monday, UTC, UTC)"),
        ("Europe/Paris", "2024-07-01T14:30:05+02:00 (Monday, Europe/Paris, CEST)"),
        ("America/New_York", "2024-07-01T08:30:05-04:00 (Monday, America/New_York, EDT)"),
        ("Asia/Kolkata", "2024-07-01T18:00:05+05:30 (Monday, Asia/Kolkata, IST)"),
        ("Pacific/Kiritimati", "2024-07-02T02:30:05+14:00 (Tuesday, Pacific/Kiritimati, +14)"),
    ],
)
def test_current_time_in_a_zone(zone: str, expected: str) -> None:
    assert current_time(zone, fixed) == expected


def test_winter_time_follows_the_zone_rules() -> None:
    winter = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
    assert current_time("Europe/Paris", lambda: winter).startswith("2024-01-15T13:00:00+01:00")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "Europe/"])
def test_unknown_zone_is_a_clear_failure(zone: str) -> None:
    with pytest.raises(ToolFailure, match="unknown time zone"):
        current_time(zone, fixed)


def test_default_clock_is_now() -> None:
    text = current_time("UTC")
    stamp = datetime.fromisoformat(text.split(" ")[0])
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 5


def entry(entries: list[ToolEntry], name: str) -> ToolEntry:
    return next(e for e in entries if e.name == name)


async def test_entries_run_through_their_runners(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("hello 世界", encoding="utf-8")
    entries = builtin_entries([tmp_path], now=fixed)
    assert [e.name for e in entries] == ["current_time", "calculator", "read_text_file"]
    assert all(e.source == "builtin" and e.key == f"builtin:{e.name}" for e in entries)
    assert entry(entries, "calculator").tool.parameters["required"] == ["expression"]
    runners = [e.run for e in entries]
    assert None not in runners
    time_runner, calc_runner, read_runner = (e.run for e in entries if e.run is not None)
    assert (await time_runner({})).content.startswith("2024-07-01T12:30:05+00:00")
    assert (await calc_runner({"expression": "6 * 7"})).content == "42"
    assert (await read_runner({"path": "note.txt"})).content == "hello 世界"
    with pytest.raises(ToolFailure, match="exponents are limited"):
        await calc_runner({"expression": "9**9**9"})
    with pytest.raises(ToolFailure, match="'expression' must be a string"):
        await calc_runner({"expression": 3})


def test_no_allowed_directory_refuses(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ToolFailure, match="has not allowed any directory"):
        read_text_file(str(tmp_path / "a.txt"), [])


def test_paths_outside_the_allowed_directories_are_refused(tmp_path: Path) -> None:
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    allowed.mkdir()
    other.mkdir()
    (other / "secret.txt").write_text("no")
    (allowed / "ok.txt").write_text("yes")
    assert read_text_file(str(allowed / "ok.txt"), [allowed]) == "yes"
    for path in (
        str(other / "secret.txt"),
        "../other/secret.txt",
        str(allowed / ".." / "other" / "secret.txt"),
    ):
        with pytest.raises(ToolFailure, match="is not allowed: only files under"):
            read_text_file(path, [allowed])


@pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")
def test_a_symlink_out_of_the_allowed_directory_is_refused(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (tmp_path / "outside.txt").write_text("no")
    (allowed / "link.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(ToolFailure, match="is not allowed"):
        read_text_file("link.txt", [allowed])


def test_missing_directory_and_binary_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\x00\x00data")
    with pytest.raises(ToolFailure, match="no such file"):
        read_text_file("missing.txt", [tmp_path])
    with pytest.raises(ToolFailure, match="not a regular file"):
        read_text_file("sub", [tmp_path])
    with pytest.raises(ToolFailure, match="not a text file"):
        read_text_file("blob.bin", [tmp_path])


def test_large_files_are_cut_and_bad_utf8_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"a" * (MAX_FILE_BYTES + 10))
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    text = read_text_file("big.txt", [tmp_path])
    assert text.startswith("a" * MAX_FILE_BYTES)
    assert text.endswith(
        f"the file has {MAX_FILE_BYTES + 10} bytes; the first {MAX_FILE_BYTES} are shown]"
    )
    assert read_text_file("latin1.txt", [tmp_path]) == "caf\ufffd"
    assert read_text_file("big.txt", [tmp_path], limit=4).startswith("aaaa\n[… cut")


class Ticker:
    """Measure how long the event loop goes without turning while something else runs."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _tick(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.002)
            now = time.monotonic()
            self.longest = max(self.longest, now - last)
            last = now


@pytest.mark.parametrize(
    ("expression", "result"),
    [("round(1, -10**7)", "0"), ("round(7 * 10**1000, -1001)", "10" + "0" * 1000)],
)
async def test_the_event_loop_keeps_turning_while_the_calculator_works(
    expression: str, result: str
) -> None:
    calculator = entry(builtin_entries(), "calculator")
    assert calculator.run is not None
    async with Ticker() as ticker:
        started = time.monotonic()
        output = await asyncio.wait_for(calculator.run({"expression": expression}), 5)
        took = time.monotonic() - started
        await asyncio.sleep(0.01)
    assert output.content == result
    assert took < 0.2
    assert ticker.longest < 0.1


async def test_builtin_work_runs_off_the_event_loops_thread() -> None:
    threads: list[int] = []

    def clock() -> datetime:
        threads.append(threading.get_ident())
        return NOW

    current = entry(builtin_entries(now=clock), "current_time")
    assert current.run is not None
    await current.run({"timezone": "Europe/Paris"})
    assert threads
    assert threading.get_ident() not in threads
