"""The streaming benchmark still runs, checks what every contender assembled, and reports it."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from benchmarks.stream_throughput import (
    PRACTICAL,
    Contender,
    Result,
    Run,
    Unavailable,
    measure,
    report,
    text_pieces,
)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "stream_throughput.py"
LABELS = (
    "1. httpx aiter_bytes (bytes only)",
    "2. raw bytes + SSE split + json.loads",
    "2a. same, Anthropic shape",
    "2b. same, Responses shape",
    "3. httpx-sse + json.loads",
    "4. openai create(stream=True)",
    "4a. openai responses.create(stream=True)",
    "5. openai .stream() helper",
    "6. anthropic messages.stream()",
    "7. OUR engine, OpenAI",
    "7a. OUR engine, OpenAI Responses",
    "8. OUR engine, Anthropic",
    "9. OUR engine, OpenAI, traced into the inspector",
)
OPTIONAL = {"5. openai .stream() helper"}  # absent from some openai versions: "n/a", not a number


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=ROOT,
        check=False,
    )


def test_script_prints_a_measured_row_for_every_contender() -> None:
    done = run_script("--chunks", "500", "--repeat", "1")

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert table[0] == "| contender | chunks/s | x raw bytes+json.loads | x openai SDK |"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    assert [row[0] for row in rows] == list(LABELS)
    for label, rate, x_practical, x_sdk in rows:
        if label in OPTIONAL and rate.startswith("n/a"):
            continue
        assert float(rate.replace(",", "")) > 0, label
        assert float(x_practical) > 0, label
        assert float(x_sdk) > 0, label
    assert rows[1][2] == "1.00"  # the practical limit is its own reference


def test_script_json_reports_every_contender_ok() -> None:
    done = run_script("--chunks", "200", "--repeat", "1", "--json")

    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["chunks"] == 200
    assert {"httpx", "openai", "anthropic"} <= result["versions"].keys()
    statuses = {row["contender"]: row["status"] for row in result["results"]}
    assert list(statuses) == list(LABELS)
    assert all(s == "ok" for label, s in statuses.items() if label not in OPTIONAL), statuses


def _contender(label: str, answer: str | None, error: Exception | None = None) -> Contender:
    """Build a contender that answers `answer`, or raises `error` (at set-up if Unavailable)."""

    @asynccontextmanager
    async def factory(origin: str, io_timeout: float) -> AsyncIterator[Run]:
        if isinstance(error, Unavailable):
            raise error

        async def run() -> str:
            if error is not None:
                raise error
            assert answer is not None
            return answer

        yield run

    return Contender(label, factory)


def test_wrong_text_is_a_failure_not_a_number() -> None:
    expected = "".join(text_pieces(50))
    wrong = expected[:-1] + "?"

    [result] = asyncio.run(measure([_contender("bad", wrong)], "", {"text": expected}, 2, 5.0))

    assert result.seconds is None
    assert result.status.startswith("FAIL: assembled")
    assert f"first difference at {len(expected) - 1}" in result.status


def test_errors_and_missing_features_are_reported_per_contender() -> None:
    broken = _contender("broken", None, ConnectionResetError("peer went away"))
    missing = _contender("missing", None, Unavailable("no such helper"))

    good = _contender(PRACTICAL, "x")

    failed, absent, ok = asyncio.run(measure([broken, missing, good], "", {"text": "x"}, 3, 5.0))

    assert failed.status == "FAIL: ConnectionResetError: peer went away"
    assert absent.status == "n/a: no such helper"
    assert ok.status == "ok"
    assert ok.seconds is not None
    assert ok.seconds > 0


def test_report_shows_failures_in_place_of_rates() -> None:
    results = [Result(PRACTICAL, 0.5, "ok"), Result("7. x", None, "FAIL: boom")]

    table = report(results, 1000, 3, as_json=False)

    assert f"| {PRACTICAL} | 2,000 | 1.00 | - |" in table
    assert "| 7. x | FAIL: boom | - | - |" in table


def test_text_pieces_are_short_deterministic_and_varied() -> None:
    pieces = text_pieces(2000)

    assert pieces == text_pieces(2000)
    assert all(2 <= len(piece) <= 5 for piece in pieces)
    joined = "".join(pieces)
    assert "\n" in joined
    assert '"' in joined
    assert any(ord(char) > 0xFFFF for char in joined)  # beyond the BMP: 4-byte UTF-8


def test_history_benchmark_runs_quick_on_a_generated_profile(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "history.py"), "--quick", "--repeat", "1",
         "--cache", str(tmp_path)],
        capture_output=True, text=True, timeout=110, cwd=ROOT, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "Profile: 100 conversations, 10,000 messages (generated in" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")][1:]
    labels = [row.split("|")[1].strip() for row in rows]
    assert [label.split(" ")[0] for label in labels] == [
        "open", "sidebar", "search", "search", "search", "store.path", "open", "open", "sidebar"
    ]  # fmt: skip
    for row in rows:
        assert float(row.split("|")[2]) > 0, row
    assert "(0 shown)" in labels[4]  # the absent word
    assert "(0 shown)" not in done.stdout.replace(labels[4], "")  # the others find theirs
    assert "Bytes on disk per message:" in done.stdout
    [profile] = tmp_path.glob("history-100-10000-*.sqlite3")
    db = sqlite3.connect(profile)
    try:
        counts = db.execute(
            "SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages),"
            " (SELECT count(*) FROM message_search)"
        ).fetchone()
    finally:
        db.close()
    assert counts == (100, 10_000, 10_000)


def test_ui_benchmark_quick_mode_draws_every_shape() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ui_stream.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    rows = [
        line.split("|")[1].strip() for line in done.stdout.splitlines() if line.startswith("| ")
    ]
    shapes = ["list of", "code block of", "table of", "paragraph of", "unbroken token of"]
    shapes += ["list item of", "table cell of", "heading of", "quote of", "code line of"]
    shapes += ["list of 25 items nested in one", "list of 25 items nested two deep in one"]
    for shape in shapes:
        assert [r for r in rows if r.startswith(shape) and "not drawn" not in r], shape
    assert "Transcript, 1000 messages" in rows


def test_window_benchmark_reports_cpu_time_and_profiles_slow_turns() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "window_stream.py"), "--tokens", "2000",
         "--rounds", "1", "--cases", "off,on", "--profile", "0"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    head = next(line for line in lines if line.startswith("| history"))
    columns = [cell.strip() for cell in head.split("|")]
    rows = [line for line in lines if line.startswith(("| off", "| on"))]
    assert [row.split("|")[1].strip() for row in rows] == ["off", "on"]
    for row in rows:
        cells = [cell.strip() for cell in row.split("|")]
        assert float(cells[columns.index("CPU ms (median)")]) > 0, row
        assert float(cells[columns.index("CPU p99 ms")]) > 0, row
    # Every turn took more than 0 ms: each case's profile lists where the time went.
    assert done.stdout.count("turns over 0 ms, profiled") == 2
    assert "engine.py" in done.stdout


def test_window_benchmark_times_the_history_batches_at_a_models_pace() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "window_stream.py"), "--batches", "40"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "one answer of 12 KiB in 40 batches" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.startswith(("| first", "| last"))]
    assert len(rows) == 2
    for row in rows:
        assert float(row.split("|")[3]) > 0, row  # CPU ms
