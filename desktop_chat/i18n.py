"""Translate what a person reads: one mechanism, stdlib gettext, for every layer and both faces.

Why gettext and not Qt Linguist: the messages a person reads are made in every layer (an HTTP error
in core, a tool problem in tools, a history problem in storage), and only ui may import Qt. gettext
needs nothing but the standard library, so a Qt-free module marks its own sentences and they reach
the window already in the reader's language, and the terminal face can use the same catalogues.
Qt's own catalogues (`qtbase_zh_CN.qm`, for its standard dialogs and buttons) are still loaded by
the window with a QTranslator; they are Qt's, not ours.

Use:
- `_("Stop")` where the text is shown; `ngettext("{n} file", "{n} files", n).format(n=n)`.
- Placeholders are always named braces, filled after translation:
  `_("Saved {name}").format(name=x)`, so a translator can move them. One whole sentence per
  message; never glue translated pieces.
- `N_("Today")` marks a constant at import time (module level, class attributes); call `_()` on it
  where it is shown, so it follows a language change.
- Log messages stay English: they are for bug reports.

Catalogues: `desktop_chat/locale/<language>/LC_MESSAGES/<area>.po`, one file per area of the
app, with the compiled `.mo` committed beside each (`scripts/translations.py compile`); every
`.mo` of a language is loaded, chained. tests/test_translations.py fails on a marked string
without a translation, on a placeholder a translation lost, and on a `.mo` older than its `.po`.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterable
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"
# What ships, by code; the names are shown in each language's own words, never translated.
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_current = SOURCE_LANGUAGE
_catalog: _gettext.NullTranslations = _gettext.NullTranslations()


def _(message: str) -> str:
    """`message` in the current language (itself when there is no translation)."""
    return _catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message for `n`, in the current language."""
    return _catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for translation without translating it now; `_()` it where it is shown."""
    return message


def current_language() -> str:
    """The code of the language in use: "en" or one of LANGUAGES."""
    return _current


def match_language(preferences: Iterable[str]) -> str:
    """The shipped language that best fits `preferences` (most wanted first), else English.

    Accepts POSIX (`zh_CN.UTF-8`), BCP 47 (`zh-Hans-CN`) and bare (`zh`) forms. Chinese written in
    Simplified characters (China, Singapore, `Hans`, plain `zh`) gets zh_CN; Traditional (Taiwan,
    Hong Kong, Macao, `Hant`) is not shipped, so it falls through to the next preference.
    """
    for raw in preferences:
        tag = raw.split(".")[0].split("@")[0].replace("-", "_")
        parts = tag.split("_")
        language = parts[0].lower()
        if language == "en":
            return "en"
        if language == "zh":
            rest = {part.lower() for part in parts[1:]}
            if rest & {"hant", "tw", "hk", "mo"}:
                continue
            return "zh_CN"
        if tag in LANGUAGES:
            return tag
    return SOURCE_LANGUAGE


def environment_preferences() -> list[str]:
    """The languages the POSIX environment asks for, most wanted first (the terminal's choice)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(":")
    return []


def set_language(code: str) -> None:
    """Use `code` (a key of LANGUAGES) from now on; an unknown code is a programming error."""
    global _current, _catalog
    if code not in LANGUAGES:
        raise ValueError(f"no such language: {code!r}")
    catalog: _gettext.NullTranslations = _gettext.NullTranslations()
    if code != SOURCE_LANGUAGE:
        for path in sorted((LOCALE_DIR / code / "LC_MESSAGES").glob("*.mo")):
            with path.open("rb") as file:
                area = _gettext.GNUTranslations(file)
            if isinstance(catalog, _gettext.GNUTranslations):
                catalog.add_fallback(area)
            else:
                catalog = area
    _current, _catalog = code, catalog
