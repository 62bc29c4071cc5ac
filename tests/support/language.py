"""Switch the language a test reads messages in, and always switch back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop_chat import i18n


@contextmanager
def language(code: str) -> Iterator[None]:
    """Messages made inside are in `code`; English again afterwards, whatever happens."""
    i18n.set_language(code)
    try:
        yield
    finally:
        i18n.set_language(i18n.SOURCE_LANGUAGE)
