"""Every test gets its own profile dir and an environment without keys or proxies."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.sse_server", "tests.support.keyring_session"]

# The `not gui` run (scripts/test.sh) has neither Qt nor pytest-qt: every test under tests/ui is a
# GUI test, and the modules there import Qt when collected.
WITHOUT_QT = importlib.util.find_spec("PySide6") is None
collect_ignore = ["ui"] if WITHOUT_QT else []

_SCRUBBED = (
    "DESKTOP_CHAT_API_KEY",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "DESKTOP_CHAT_DEMO_TPS",
    "DESKTOP_CHAT_RELEASE_FEED",  # the update check asks only the feed a test names
)


@pytest.fixture(autouse=True)
def _isolated_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in _SCRUBBED:
        monkeypatch.delenv(name, raising=False)
    profile = tmp_path / "profile"
    monkeypatch.setenv("DESKTOP_CHAT_HOME", str(profile))
    return profile


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """Undo what a CLI run in this process did to the app's logger (level, handlers, no
    propagation), so that the next test's caplog sees its records."""
    yield
    logger = logging.getLogger("desktop_chat")
    for handler in logger.handlers[:]:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def pytest_addoption(parser: pytest.Parser) -> None:
    if importlib.util.find_spec("pytestqt") is None:
        # pytest-qt's settings in pyproject.toml stay valid (--strict-config) where it is absent.
        for name in ("qt_api", "qt_log_level_fail"):
            parser.addini(name, "read by pytest-qt, which is not installed")
        parser.addini("qt_log_ignore", "read by pytest-qt", type="linelist")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark Qt tests `gui`, so `pytest -m "not gui"` runs the core alone."""
    for item in items:
        path = Path(str(item.fspath))
        if "ui" in path.parts or "qtbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.gui)


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
