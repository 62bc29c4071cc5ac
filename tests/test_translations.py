"""The catalogues cover every marked string, keep every placeholder, and are compiled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat import i18n

ROOT = Path(__file__).resolve().parent.parent


def test_every_marked_string_has_chinese_and_every_catalogue_is_compiled() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "translations.py"), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_check_names_a_string_without_chinese(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import translations
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    source = tmp_path / "module.py"
    source.write_text(
        "from desktop_chat.i18n import _, ngettext\n"
        '_("A sentence nobody translated")\n'
        '_(f"An {f}-string")\n'
        'ngettext("{n} file", "{n} files", 2)\n'
    )
    marked, problems = translations.marked_strings([source.resolve()])
    assert [m.msgid for m in marked] == ["A sentence nobody translated", "{n} file"]
    assert marked[1].plural == "{n} files"
    assert len(problems) == 1
    assert "f-string" in problems[0]


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        (["zh_CN.UTF-8"], "zh_CN"),
        (["zh-Hans-CN", "en-US"], "zh_CN"),
        (["zh"], "zh_CN"),
        (["zh_SG"], "zh_CN"),
        (["zh-Hant-TW", "en-US"], "en"),
        (["zh_TW", "zh_CN"], "zh_CN"),
        (["de_DE", "zh_CN"], "zh_CN"),
        (["fr_FR"], "en"),
        ([], "en"),
    ],
)
def test_the_system_language_is_matched_to_what_ships(
    preferences: list[str], expected: str
) -> None:
    assert i18n.match_language(preferences) == expected


def test_switching_language_changes_what_is_returned() -> None:
    try:
        i18n.set_language("zh_CN")
        assert i18n._("Dismiss") == "关闭"
        assert i18n._("A sentence with no catalogue entry") == "A sentence with no catalogue entry"
        i18n.set_language("en")
        assert i18n._("Dismiss") == "Dismiss"
    finally:
        i18n.set_language("en")
    with pytest.raises(ValueError, match="no such language"):
        i18n.set_language("xx")


def test_the_terminal_reads_the_posix_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.environment_preferences() == []
    monkeypatch.setenv("LANGUAGE", "zh_CN:en")
    assert i18n.environment_preferences() == ["zh_CN", "en"]
