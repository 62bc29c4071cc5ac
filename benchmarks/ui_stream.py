"""Measure how smoothly the Transcript streams a long answer into a short and a long conversation.

Usage: .venv/bin/python benchmarks/ui_stream.py [--tokens N] [--repeat N] [--quick] [--only WHAT]
(QT_QPA_PLATFORM defaults to offscreen here.)

A ~20,000-token Markdown answer (paragraphs, headings, lists, a table, code blocks) is delivered
one token per event-loop turn, as fast as the loop runs, into a Transcript that already holds 10
or 1,000 messages. A 4 ms heartbeat timer records how long the event loop was blocked (gaps
between ticks: p50/p99/max), and how much CPU this process used in each gap: on a shared machine
the wall gaps also hold time the process was not scheduled at all. Each row is the median of
--repeat runs. The naive baseline redraws the whole conversation with QTextBrowser.setMarkdown on
every token; it is capped to a few tokens because it is quadratic, and its per-token cost is
extrapolated (a lower bound: each token costs more than the last).

Long blocks: one answer that is a single long block (a 1,000-item list, a 2,000-line code block,
a 500-row table, a 100 KB paragraph of inline code spans, a 1 MB unbroken token) streamed at a
model's pace, 250 tokens/s (the token comes in 4 KB pieces), after a 10-message conversation.
Shapes a block's pieces could not cut before (`--only uncut` runs just these): one list item,
table cell, heading or quote of 30 KB, a list of 500 items nested in one item, the same list
nested two deep (in the one item of a list in one item), and a 30 KB line of code; 30 KB, not
100, so that each arrives in about 30 s. --shape TEXT runs only the long blocks whose name holds
TEXT. --quick shrinks every shape twenty-fold. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTextBrowser

from desktop_chat.ui.chat.transcript import Transcript

DEADLINE_S = 300.0  # no single run may take longer than this
MODEL_RATE = 250.0  # tokens per second of a fast model
TOKEN_PIECE = 4096  # characters per piece of the unbroken token
BLOCK_DEADLINE_S = 150.0  # a long block still not drawn by then is reported as such


def qt_app() -> QApplication:
    """Return the QApplication, creating an offscreen one if needed."""
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else QApplication(["ui_stream"])


def answer_tokens(count: int) -> list[str]:
    """Build a Markdown answer of about `count` tokens (word, space and newline pieces)."""
    sections = []
    i = 0
    while True:
        i += 1
        sections.append(
            f"## Part {i}: streaming notes\n\n"
            f"This paragraph {i} explains *why* the view caches finished blocks and only "
            "re-renders the **open tail**, with `inline code`, a [link](https://example.com/"
            f"{i}) and enough words to wrap across a line or two in a normal window.\n\n"
            f"- first point of part {i}\n- second point, with `code`\n  - a nested point\n"
            "- third point\n\n"
            "| name | value | note |\n|---|---:|---|\n"
            f"| alpha | {i} | first |\n| beta | {i * 2} | second |\n| gamma | {i * 3} | third |\n\n"
            "```python\n"
            f"def part_{i}(items: list[int]) -> int:\n"
            '    """Sum the even items."""\n'
            "    total = 0\n    for item in items:\n        if item % 2 == 0:\n"
            "            total += item\n    return total\n```\n\n"
            "> A quoted remark that closes the section.\n\n"
        )
        pieces = re.findall(r"\n|[ \t]+|[^\s]+", "".join(sections))
        if len(pieces) >= count:
            return pieces[:count]


def history(count: int) -> list[tuple[str, str]]:
    """Return `count` earlier messages, alternating user and assistant."""
    messages = []
    for i in range(count):
        if i % 2 == 0:
            messages.append(("user", f"Question {i}: how do I sort a list of dicts by a key?"))
        else:
            messages.append(
                (
                    "assistant",
                    f"Answer {i}: use `sorted` with a key function.\n\n```python\n"
                    "rows.sort(key=lambda r: r['name'])\n```\n\n- stable\n- in place\n",
                )
            )
    return messages


def block_shapes(scale: int = 1) -> dict[str, list[str]]:
    """Answers that are one long block each, split into tokens; `scale` divides their size."""

    items = "".join(
        f"- Item {i}: a point about `value_{i}` with **some** words\n" for i in range(1000 // scale)
    )
    code = "".join(
        f"    total_{i} = compute(items[{i}], factor={i % 7})  # step {i}\n" if i % 10 else "\n"
        for i in range(2000 // scale)
    )
    rows = "".join(
        f"| row {i} | `key_{i}` | {i * 3} | a short note on row {i} |\n"
        for i in range(500 // scale)
    )
    sentence = "Call `fn_{0}()` then `check({0})` before the *next* step. "
    paragraph: list[str] = []
    size = 0
    while size < 100_000 // scale:
        paragraph.append(sentence.format(len(paragraph)))
        size += len(paragraph[-1])
    token = "".join(f"{i:08x}" for i in range(1_000_000 // scale // 8))
    return {**cut_shapes(scale, items, code, rows, paragraph, size, token), **uncut_shapes(scale)}


def cut_shapes(
    scale: int, items: str, code: str, rows: str, paragraph: list[str], size: int, token: str
) -> dict[str, list[str]]:
    return {
        f"list of {1000 // scale} items": words("Here is the list:\n\n" + items),
        f"code block of {2000 // scale} lines": words(f"```python\ndef run():\n{code}```\n"),
        f"table of {500 // scale} rows": words(
            "| name | key | value | note |\n|---|---|--:|---|\n" + rows
        ),
        f"paragraph of {size // 1000} KB, inline spans": words("".join(paragraph)),
        f"unbroken token of {len(token) // 1000} KB": [
            token[i : i + TOKEN_PIECE] for i in range(0, len(token), TOKEN_PIECE)
        ],
    }


UNCUT_KB = 30  # kilobytes of each shape pieces could not cut before
NESTED = 500  # items of the nested list (30 KB)


def uncut_shapes(scale: int = 1) -> dict[str, list[str]]:
    """One long list item, table cell, heading, quote, nested lists and line of code."""
    size = UNCUT_KB * 1000 // scale
    sentence = "Call `fn_{0}()` then `check({0})` before the *next* step. "
    prose = ""
    while len(prose) < size:
        prose += sentence.format(len(prose) // len(sentence))
    quote = "".join(
        f"> {sentence.format(i)}{sentence.format(i + 1)}\n" + (">\n" if i % 3 == 2 else "")
        for i in range(size // (2 * len(sentence)))
    )
    nested = "".join(
        f"  - Item {i}: a point about `value_{i}` with **some** words\n"
        for i in range(NESTED // scale)
    )
    deep = "  - The group:\n" + "".join(f"  {item}" for item in nested.splitlines(keepends=True))
    line = ", ".join(f'"key_{i}": [{i}, {i * 3}, "v{i}"]' for i in range(size // 28))
    return {
        f"list item of {UNCUT_KB // scale} KB": words(f"Here is the list:\n\n- {prose}\n"),
        f"table cell of {UNCUT_KB // scale} KB": words(
            f"| name | note |\n|---|---|\n| first | {prose} |\n"
        ),
        f"heading of {UNCUT_KB // scale} KB": words(f"# {prose}\n"),
        f"quote of {UNCUT_KB // scale} KB": words(quote),
        f"list of {NESTED // scale} items nested in one": words(f"- The parts:\n{nested}"),
        f"list of {NESTED // scale} items nested two deep in one": words(f"- The parts:\n{deep}"),
        f"code line of {UNCUT_KB // scale} KB": words(f"```json\n{{{line}}}\n```\n"),
    }


def words(text: str) -> list[str]:
    """The text as a model streams it: words, runs of spaces, newlines."""
    return re.findall(r"\n|[ \t]+|[^\s]+", text)


@dataclass(frozen=True, slots=True)
class Result:
    """One run: wall and CPU time until the answer was drawn, and the heartbeat gaps."""

    tokens: int
    wall_s: float
    cpu_s: float
    gaps_ms: list[float]
    cpu_gaps_ms: list[float]  # CPU time this process used between the same ticks
    finished: bool = True  # drawn before the deadline

    def per_token_us(self) -> float:
        return self.wall_s / self.tokens * 1e6

    def cpu_per_token_us(self) -> float:
        return self.cpu_s / self.tokens * 1e6

    def gap(self, quantile: float, *, cpu: bool = False) -> float:
        gaps = sorted(self.cpu_gaps_ms if cpu else self.gaps_ms) or [0.0]
        return gaps[min(len(gaps) - 1, int(len(gaps) * quantile))]


def row(name: str, runs: list[Result], extrapolate_to: int | None = None) -> str:
    """Format the median of each measure over the runs (and the spread of p99 and max)."""

    def med(values: list[float]) -> float:
        return statistics.median(values)

    per_token = med([r.per_token_us() for r in runs])
    cpu = med([r.cpu_per_token_us() for r in runs])
    tokens = runs[0].tokens
    if extrapolate_to:
        name = f"{name} (first {tokens} tokens, extrapolated)"
        total = per_token * extrapolate_to / 1e6
        tokens = extrapolate_to
    else:
        total = med([r.wall_s for r in runs])
    p99s = sorted(r.gap(0.99) for r in runs)
    maxes = sorted(r.gap(1.0) for r in runs)
    cpu_p99 = med([r.gap(0.99, cpu=True) for r in runs])
    cpu_max = med([r.gap(1.0, cpu=True) for r in runs])
    return (
        f"| {name} | {tokens} | {total:.2f} | {per_token:.1f} | {cpu:.1f} |"
        f" {med([r.gap(0.5) for r in runs]):.1f} | {med(p99s):.1f} ({p99s[0]:.0f}–{p99s[-1]:.0f}) |"
        f" {med(maxes):.1f} ({maxes[0]:.0f}–{maxes[-1]:.0f}) | {cpu_p99:.1f} / {cpu_max:.1f} |"
    )


def drive(
    tokens: list[str],
    feed: Callable[[str], None],
    done: Callable[[], None],
    busy: Callable[[], bool] = lambda: False,
    rate: float | None = None,
    deadline_s: float = DEADLINE_S,
) -> Result:
    """Feed one token per event-loop turn (or `rate` tokens/s), call `done`, wait until not `busy`.

    Measures wall and CPU time until drawn; heartbeat gaps keep being recorded for 100 ms
    more, so a long final render shows. A run past `deadline_s` stops where it is, unfinished.
    """
    ticks: list[tuple[float, float]] = []

    def tick() -> None:
        ticks.append((time.perf_counter(), time.process_time()))

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(4)
    heartbeat.timeout.connect(tick)
    loop = QEventLoop()
    state = {"i": 0, "end": 0.0, "cpu": 0.0}
    start = time.perf_counter()
    cpu_start = time.process_time()

    def produce() -> None:
        i = state["i"]
        late = time.perf_counter() - start > deadline_s
        if i < len(tokens) and not late:
            due = i + 1 if rate is None else int((time.perf_counter() - start) * rate) + 1
            for token in tokens[i : min(due, len(tokens))]:
                feed(token)
            state["i"] = max(i, min(due, len(tokens)))
            return
        if i == len(tokens):
            done()
            state["i"] = i + 1
            producer.setInterval(1)  # only waiting for the drawing now: do not spin
        if not busy() or late:
            producer.stop()
            state["end"] = time.perf_counter()
            state["cpu"] = time.process_time()
            QTimer.singleShot(100, loop.quit)

    producer = QTimer()
    producer.setInterval(0 if rate is None else 1)
    producer.timeout.connect(produce)
    heartbeat.start()
    tick()
    producer.start()
    loop.exec()
    heartbeat.stop()
    finished = state["i"] > len(tokens) and not busy()
    if not finished and deadline_s == DEADLINE_S:
        raise SystemExit(f"run exceeded {DEADLINE_S} s after {state['i']} tokens")
    gaps = [(b[0] - a[0]) * 1000 for a, b in itertools.pairwise(ticks)]
    cpu_gaps = [(b[1] - a[1]) * 1000 for a, b in itertools.pairwise(ticks)]
    wall, cpu = state["end"] - start, state["cpu"] - cpu_start
    return Result(len(tokens), wall, cpu, gaps, cpu_gaps, finished)


def settle(app: QApplication, seconds: float) -> None:
    """Let the event loop run idle for a while (deferred layout, paints)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def run_transcript(
    app: QApplication,
    prior: int,
    tokens: list[str],
    rate: float | None = None,
    deadline_s: float = DEADLINE_S,
) -> Result:
    """Stream into a Transcript that already holds `prior` messages."""
    view = Transcript()
    view.resize(900, 700)
    view.show()
    started = time.perf_counter()
    for role, text in history(prior):
        view.add_message(role, text)
    view.add_message("user", "Please write the long answer.")
    app.processEvents()
    loaded = time.perf_counter() - started
    # Qt lays a long document out lazily, in steps on a timer; finish that first, so the
    # stream is measured against a conversation that is loaded and laid out.
    view.view.document().pageCount()
    settle(app, 0.3)
    laid_out = time.perf_counter() - started
    print(f"loading {prior} messages: {loaded:.2f} s, laid out: {laid_out:.2f} s", file=sys.stderr)
    view.begin_assistant()
    result = drive(tokens, view.append_text, view.finish, lambda: view.busy, rate, deadline_s)
    if result.finished and view.message_markdown(view.count() - 1) != "".join(tokens):
        raise SystemExit("streamed text differs from the input")
    shown = view.view.toPlainText()
    headings = re.findall(r"^## (Part \d+)", "".join(tokens), re.MULTILINE)
    if [h for h in headings if h + ":" in shown] != headings:
        raise SystemExit("not every section of the answer was drawn")
    view.clear()  # a deadline may have left it drawing
    view.close()
    view.deleteLater()
    app.processEvents()
    return result


def run_naive(app: QApplication, prior: int, tokens: list[str]) -> Result:
    """Redraw the whole conversation with setMarkdown on every token."""
    view = QTextBrowser()
    view.resize(900, 700)
    view.show()
    conversation = "\n\n".join(f"**{role}**\n\n{text}" for role, text in history(prior))
    answer: list[str] = []

    def feed(token: str) -> None:
        answer.append(token)
        view.setMarkdown(conversation + "\n\n**assistant**\n\n" + "".join(answer))

    result = drive(tokens, feed, lambda: None)
    view.close()
    view.deleteLater()
    app.processEvents()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; medians are shown")
    parser.add_argument("--quick", action="store_true", help="2,000 tokens, one run")
    parser.add_argument(
        "--only",
        choices=("answer", "blocks", "uncut"),
        help="only the long answer, only long blocks, or only the shapes pieces did not cut",
    )
    parser.add_argument("--shape", help="only the long blocks whose name holds this text")
    args = parser.parse_args()
    count, repeat = (2_000, 1) if args.quick else (args.tokens, max(1, args.repeat))
    app = qt_app()
    if args.only != "answer":
        blocks(app, 20 if args.quick else 1, uncut_only=args.only == "uncut", only=args.shape)
    if args.only in ("blocks", "uncut") or args.shape:
        return
    tokens = answer_tokens(count)
    runs: dict[int, list[Result]] = {10: [], 1000: []}
    for _ in range(repeat):  # interleaved, so a noisy neighbour hits both sizes alike
        for prior in runs:
            runs[prior].append(run_transcript(app, prior, tokens))
    naive = {
        10: [run_naive(app, 10, tokens[:300]) for _ in range(repeat)],
        1000: [run_naive(app, 1000, tokens[:20]) for _ in range(repeat)],
    }
    print(f"answer: {len(tokens)} tokens, {len(''.join(tokens))} characters; {repeat} run(s)\n")
    print(
        "| run | tokens | total s | per token µs | CPU per token µs |"
        " block p50 ms | p99 ms (range) | max ms (range) | CPU block p99 / max ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for prior, results in runs.items():
        print(row(f"Transcript, {prior} messages", results))
    for prior, results in naive.items():
        print(row(f"naive setMarkdown per token, {prior} messages", results, len(tokens)))
    wall = [statistics.median(r.per_token_us() for r in runs[p]) for p in (10, 1000)]
    cpu = [statistics.median(r.cpu_per_token_us() for r in runs[p]) for p in (10, 1000)]
    print(
        f"\nper-token cost ratio, 1,000 / 10 messages: {wall[1] / wall[0]:.2f} (wall),"
        f" {cpu[1] / cpu[0]:.2f} (CPU)"
    )


def blocks(
    app: QApplication, scale: int, *, uncut_only: bool = False, only: str | None = None
) -> None:
    """Stream each long-block answer at a model's pace; print one row per shape."""
    print(f"long blocks at {MODEL_RATE:.0f} tokens/s after 10 messages; 1 run each\n")
    print(
        "| shape | tokens | total s | per token µs | CPU per token µs |"
        " block p50 ms | p99 ms (range) | max ms (range) | CPU block p99 / max ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    shapes = uncut_shapes(scale) if uncut_only else block_shapes(scale)
    for name, tokens in shapes.items():
        if only and only not in name:
            continue
        result = run_transcript(app, 10, tokens, MODEL_RATE, BLOCK_DEADLINE_S)
        label = name if result.finished else f"{name} (not drawn after {result.wall_s:.0f} s)"
        print(row(label, [result]), flush=True)


if __name__ == "__main__":
    main()
