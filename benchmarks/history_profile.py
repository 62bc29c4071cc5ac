"""Generate a large history database for the history benchmark, cached between runs.

The file is made through the real schema (`history_schema.connect`) and filled with bulk inserts
in a few large transactions, the search index included (`history_search.indexed`, as the store
writes it). Conversation 0 is the long one (LONG messages); the others share the rest. Every
message is a reply to the one before, about 1 in 12 is Chinese, a few conversations are pinned,
and `updated` spreads over two years, so the sidebar has every date group.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from desktop_chat.storage.history_schema import CURRENT_VERSION, connect
from desktop_chat.storage.history_search import indexed

GENERATOR = 1  # bump when the content changes: the cache key holds it
LONG = 1_000
ENGLISH_QUERY = "quasar"  # in about 1 message of 2,000
CHINESE_QUERY = "天气"  # in about 1 Chinese message of 40

_VOCABULARY = (
    "the a of to and in is it you that for on with as are this be at or have from an by not "
    "but what all were when we there can more if no out so said up use how each which she do "
    "their time will way about many then them write would like these long make thing see him "
    "two has look could go come did number sound most people over know water than call first "
    "who may down side been now find any new work part take get place made live where after "
    "back little only round man year came show every good me give our under name very through "
    "just form sentence great think say help low line differ turn cause much mean before move "
    "right boy old too same tell does set three want air well also play small end put home "
    "read hand port large spell add even land here must big high such follow act why ask men "
    "change went light kind off need house picture try us again animal point mother world near "
    "build self earth father python sqlite window model answer stream token request server"
)
WORDS = _VOCABULARY.split()
CHINESE = (
    "今天我们讨论一下这个问题的答案是什么以及为什么会这样发生在哪里可以找到更多的信息"
    "请帮我写一个函数来计算两个数的和然后把结果打印出来谢谢你的帮助明天见"
)


@dataclass(frozen=True, slots=True)
class Profile:
    path: Path
    conversations: int
    messages: int
    long_id: str
    seconds: float  # to generate; 0.0 when it came from the cache


def conversation_id(number: int) -> str:
    return f"{number:032x}"


def message_id(conversation: int, number: int) -> str:
    return f"{conversation:016x}{number:016x}"


def _text(rng: random.Random) -> str:
    if rng.random() < 1 / 12:
        start = rng.randrange(len(CHINESE) - 40)
        body = CHINESE[start : start + rng.randint(12, 40)]
        return body + ("天气很好。" if rng.random() < 1 / 40 else "。")
    words = rng.choices(WORDS, k=rng.randint(12, 60))
    if rng.random() < 1 / 2_000:
        words[rng.randrange(len(words))] = ENGLISH_QUERY
    return " ".join(words).capitalize() + "."


def cached(conversations: int, messages: int, directory: Path | None = None) -> Profile:
    """The profile of that size, generated once per machine (kept in the temp directory)."""
    directory = directory or Path(tempfile.gettempdir()) / "desktop-chat-bench"
    directory.mkdir(parents=True, exist_ok=True)
    name = f"history-{conversations}-{messages}-s{CURRENT_VERSION}-g{GENERATOR}.sqlite3"
    path = directory / name
    if path.exists():
        return Profile(path, conversations, messages, conversation_id(0), 0.0)
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    for leftover in directory.glob(partial.name + "*"):
        leftover.unlink()
    generate(partial, conversations, messages)
    os.replace(partial, path)
    return Profile(path, conversations, messages, conversation_id(0), time.perf_counter() - started)


def generate(path: Path, conversations: int, messages: int) -> None:
    """Fill a new database at `path`: `conversations` with `messages` in all."""
    connect(path).db.close()  # the schema, as the app makes it
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")  # a generated file: a crash means generate again
    rng = random.Random(11)
    now = time.time()
    long = min(LONG, messages // 2)
    rest, extra = divmod(messages - long, max(1, conversations - 1))
    n = 0
    db.execute("BEGIN")
    for number in range(conversations):
        count = long if number == 0 else rest + (1 if number <= extra else 0)
        updated = now - (0 if number == 0 else rng.uniform(0, 730 * 86_400))
        created = updated - count * 30.0
        rows, search = [], []
        parent = None
        for i in range(count):
            n += 1
            mid = message_id(number, i)
            text = _text(rng)
            stamp = created + i * 30.0
            role = "user" if i % 2 == 0 else "assistant"
            meta = '{"model":"bench-model","usage":{"input_tokens":12,"output_tokens":40}}'
            rows.append((n, mid, conversation_id(number), parent, role, text, "complete",
                         meta if role == "assistant" else "{}", stamp, stamp))  # fmt: skip
            search.append((n, indexed(text)))
            parent = mid
        first = rows[0][5] if rows else ""
        db.execute(
            "INSERT INTO conversations (id, title, pinned, created, updated, leaf_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (conversation_id(number), " ".join(first.split()[:7]), int(number in (5, 50, 500)),
             created, updated, parent),
        )  # fmt: skip
        db.executemany(
            "INSERT INTO messages (n, id, conversation_id, parent_id, role, text, state, meta,"
            " created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany("INSERT INTO message_search (rowid, body) VALUES (?, ?)", search)
        if number % 500 == 499:
            db.execute("COMMIT")
            db.execute("BEGIN")
    db.execute("COMMIT")
    db.execute("INSERT INTO message_search (message_search) VALUES ('optimize')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()
