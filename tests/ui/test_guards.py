"""The suite's own guards: a Qt warning fails a test, and so does a window or timer left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBES = """
from PySide6.QtCore import QObject, QTimer, qWarning
from PySide6.QtWidgets import QLabel

KEEP = []


def test_leaves_a_window_open(qtbot):
    label = QLabel("left open")
    label.show()
    KEEP.append(label)


def test_leaves_a_hidden_window(qtbot):
    KEEP.append(QLabel("hidden, still alive"))


def test_leaves_a_timer_running(qtbot):
    owner = QObject()
    QTimer(owner).start(10_000)
    KEEP.append(owner)


def test_warns(qtbot):
    qWarning("a warning no test expects")


def test_closes_what_it_opens(qtbot):
    label = QLabel("closed by qtbot")
    qtbot.addWidget(label)
    label.show()
"""


def test_the_guards_fail_the_tests_that_break_them(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "from tests.ui.conftest import _nothing_left_behind  # noqa: F401\n", encoding="utf-8"
    )
    (tmp_path / "test_probes.py").write_text(PROBES, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-q", "-rA", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    # A teardown error is reported beside the test's own PASSED.
    broken = {
        (line.split()[0], line.split("::")[-1].split()[0])
        for line in result.stdout.splitlines()
        if line.startswith(("FAILED", "ERROR")) and "::" in line
    }
    assert broken == {
        ("ERROR", "test_leaves_a_window_open"),
        ("ERROR", "test_leaves_a_hidden_window"),
        ("ERROR", "test_leaves_a_timer_running"),
        ("FAILED", "test_warns"),
    }, result.stdout + result.stderr
    assert "1 failed, 4 passed, 3 errors" in result.stdout
