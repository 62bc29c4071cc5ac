"""The session layer sits below the faces: it never imports Qt, the window or the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SESSION = Path(__file__).resolve().parents[2] / "desktop_chat" / "session"
FORBIDDEN = ("PySide6", "qasync", "shiboken6", "desktop_chat.ui", "desktop_chat.cli")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(SESSION.glob("*.py")), ids=lambda p: p.name)
def test_a_session_module_imports_neither_qt_nor_a_face(path: Path) -> None:
    bad = sorted(name for name in imported(path) if name.startswith(FORBIDDEN))
    assert not bad, f"{path.name} imports {bad}"


def test_the_session_layer_loads_without_qt() -> None:
    modules = sorted(p.stem for p in SESSION.glob("*.py") if p.stem != "__init__")
    assert modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module('desktop_chat.session.' + name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'qasync', 'shiboken6'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
