"""The plugin fallback on plugin folders with and without Fcitx, and on the installed PySide6's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat.ui.plugin_fallback import (
    fall_back_to_present_plugins,
    needs_ibus_portal,
    plugin_keys,
    with_fallback,
)

ROOT = Path(__file__).resolve().parents[2]
CONTEXTS = "platforminputcontexts"


def _plugins(tmp_path: Path, *methods: str) -> Path:
    """A Qt plugin folder holding xcb and the input-method plugins named."""
    plugins = tmp_path / "plugins"
    (plugins / "platforms").mkdir(parents=True)
    (plugins / "platforms" / "libqxcb.so").write_bytes(b"")
    (plugins / CONTEXTS).mkdir()
    for method in methods:
        (plugins / CONTEXTS / f"lib{method}platforminputcontextplugin.so").write_bytes(b"")
    return plugins


def _bin(tmp_path: Path, *, ibus_daemon: bool) -> str:
    """A PATH with or without an `ibus-daemon` on it."""
    folder = tmp_path / ("with-ibus" if ibus_daemon else "without-ibus")
    folder.mkdir()
    if ibus_daemon:
        (folder / "ibus-daemon").write_text("#!/bin/sh\n")
        (folder / "ibus-daemon").chmod(0o755)
    return str(folder)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("wayland", "wayland;xcb"),
        ("wayland-egl", "wayland-egl;xcb"),
        ("wayland:no-decorations", "wayland:no-decorations;xcb"),
        ("wayland;xcb", "wayland;xcb"),
        ("xcb", "xcb"),
        ("offscreen", "offscreen"),
        ("", ""),
        (None, None),
    ],
)
def test_platform_fallback(requested: str | None, expected: str | None) -> None:
    assert with_fallback(requested, {"xcb", "offscreen"}, "xcb") == expected


@pytest.mark.parametrize(
    ("methods", "ibus_daemon", "expected"),
    [
        ("fcitx;ibus", None, True),
        ("ibus", None, True),
        ("ibus", "/usr/bin/ibus-daemon", False),
        ("fcitx", None, False),
        ("compose", None, False),
        (None, None, False),
    ],
)
def test_needs_ibus_portal(methods: str | None, ibus_daemon: str | None, expected: bool) -> None:
    assert needs_ibus_portal(methods, ibus_daemon) is expected


def test_plugin_keys_are_qts_names_for_the_files(tmp_path: Path) -> None:
    plugins = _plugins(tmp_path, "ibus", "compose", "fcitx5")
    assert plugin_keys(plugins / CONTEXTS) == {"ibus", "compose", "fcitx5"}
    assert plugin_keys(plugins / "platforms") == {"xcb"}
    assert plugin_keys(tmp_path / "missing") == set()


def test_fcitx_falls_back_to_ibus_when_qt_has_no_fcitx_plugin(tmp_path: Path) -> None:
    plugins = _plugins(tmp_path, "ibus", "compose")
    with_ibus = {"PATH": _bin(tmp_path, ibus_daemon=True), "QT_IM_MODULE": "fcitx"}
    fall_back_to_present_plugins(plugins, with_ibus)
    assert with_ibus.get("QT_IM_MODULES") == "fcitx;ibus"
    assert "IBUS_USE_PORTAL" not in with_ibus  # ibus-daemon's address file leads to Fcitx 5

    fcitx_alone = {"PATH": _bin(tmp_path, ibus_daemon=False), "QT_IM_MODULE": "fcitx"}
    fall_back_to_present_plugins(plugins, fcitx_alone)
    assert fcitx_alone.get("QT_IM_MODULES") == "fcitx;ibus"
    assert fcitx_alone.get("IBUS_USE_PORTAL") == "1"


def test_nothing_changes_where_qt_has_the_plugin_asked_for(tmp_path: Path) -> None:
    plugins = _plugins(tmp_path, "ibus", "compose", "fcitx")
    environ = {"PATH": _bin(tmp_path, ibus_daemon=True), "QT_IM_MODULE": "fcitx"}
    fall_back_to_present_plugins(plugins, environ)
    assert environ == {"PATH": environ["PATH"], "QT_IM_MODULE": "fcitx"}

    nothing_asked = {"PATH": environ["PATH"]}
    fall_back_to_present_plugins(plugins, nothing_asked)
    assert nothing_asked == {"PATH": environ["PATH"]}


def test_the_users_own_choices_are_kept(tmp_path: Path) -> None:
    plugins = _plugins(tmp_path, "ibus", "compose")
    no_ibus = _bin(tmp_path, ibus_daemon=False)
    chosen = {"PATH": no_ibus, "QT_IM_MODULE": "fcitx", "QT_IM_MODULES": "fcitx;compose"}
    fall_back_to_present_plugins(plugins, chosen)
    assert chosen["QT_IM_MODULES"] == "fcitx;compose"
    assert "IBUS_USE_PORTAL" not in chosen  # the user's list has no ibus in it

    portal_off = {"PATH": no_ibus, "QT_IM_MODULE": "fcitx", "IBUS_USE_PORTAL": "0"}
    fall_back_to_present_plugins(plugins, portal_off)
    assert portal_off["QT_IM_MODULES"] == "fcitx;ibus"
    assert portal_off["IBUS_USE_PORTAL"] == "0"


def test_ibus_by_hand_without_ibus_daemon_goes_through_the_portal(tmp_path: Path) -> None:
    # Fcitx 5 alone, QT_IM_MODULE=ibus set by the user: Qt's IBus plugin would disable itself.
    plugins = _plugins(tmp_path, "ibus", "compose")
    environ = {"PATH": _bin(tmp_path, ibus_daemon=False), "QT_IM_MODULE": "ibus"}
    fall_back_to_present_plugins(plugins, environ)
    assert "QT_IM_MODULES" not in environ
    assert environ["IBUS_USE_PORTAL"] == "1"


def test_wayland_without_its_plugin_falls_back_to_xcb(tmp_path: Path) -> None:
    plugins = _plugins(tmp_path, "ibus")
    environ = {"PATH": _bin(tmp_path, ibus_daemon=True), "QT_QPA_PLATFORM": "wayland"}
    fall_back_to_present_plugins(plugins, environ)
    assert environ["QT_QPA_PLATFORM"] == "wayland;xcb"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux input methods")
def test_the_source_install_falls_back_from_fcitx_before_qt_starts(tmp_path: Path) -> None:
    """The window's start, against the installed PySide6's own plugin folder (no Fcitx plugin)."""
    code = (
        "import os; from desktop_chat.ui.app import prepare_qt_environment; "
        "prepare_qt_environment(); "
        "print(os.environ.get('QT_IM_MODULES'), os.environ.get('IBUS_USE_PORTAL'))"
    )
    environment = {
        "PATH": _bin(tmp_path, ibus_daemon=False),
        "PYTHONPATH": str(ROOT),
        "QT_IM_MODULE": "fcitx",
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "fcitx;ibus 1"
