"""Full-text search text for FTS5 that finds Chinese, Japanese and Korean.

FTS5's unicode61 tokenizer takes a run of CJK characters as one token, so "天气" would not
find "今天天气很好". Each CJK character is made a token of its own by putting U+200B (a format
character, a separator to unicode61) between them, in the indexed text and in the query; a
query term is then a phrase of adjacent characters, which matches at any position and any
length, one character included. The trigram tokenizer would need three characters at least.
Snippets drop the U+200B again.
"""

from __future__ import annotations

import re

_SPLIT = "\u200b"
_CJK = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")


def indexed(text: str) -> str:
    """The text as indexed: each CJK character apart (one substitution per run of them)."""
    return _CJK_RUN.sub(_apart, text.replace(_SPLIT, " "))


def _apart(run: re.Match[str]) -> str:
    return _SPLIT + _SPLIT.join(run.group()) + _SPLIT


def match_query(query: str) -> str | None:
    """An FTS5 MATCH expression finding messages with every word of `query`, or None if empty."""
    terms = [indexed(word).strip(_SPLIT) for word in query.split()]
    # Each word also matches as a prefix ("wor" finds "world"), as people type.
    phrases = ['"' + term.replace('"', '""') + '"*' for term in terms if term.strip(_SPLIT)]
    return " ".join(phrases) or None


def shown(snippet: str) -> str:
    return snippet.replace(_SPLIT, "")
