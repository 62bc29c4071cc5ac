"""Imports point one way: ui, cli -> storage -> core. Checked on the source, not by convention."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_chat"
QT = ("PySide6", "qasync", "shiboken6")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def sources(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


@pytest.mark.parametrize("path", sources("core"), ids=lambda p: p.name)
def test_core_imports_neither_qt_nor_the_layers_above(path: Path) -> None:
    bad = {
        name
        for name in imported_modules(path)
        if name.startswith(QT)
        or name.startswith(("desktop_chat.ui", "desktop_chat.storage", "desktop_chat.cli"))
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", [*sources("storage"), *sources("cli")], ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_storage_and_cli_never_import_qt(path: Path) -> None:
    bad = {name for name in imported_modules(path) if name.startswith(QT)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sources("inspector"), ids=lambda p: p.name)
def test_the_inspector_model_never_imports_qt_or_the_ui(path: Path) -> None:
    bad = {
        name
        for name in imported_modules(path)
        if name.startswith(QT) or name.startswith(("desktop_chat.ui", "desktop_chat.cli"))
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_inspector_model_loads_without_qt() -> None:
    code = (
        "import sys, desktop_chat.inspector.inspection, desktop_chat.inspector.export; "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'qasync', 'shiboken6'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_the_checks_see_the_files() -> None:
    assert len(sources("inspector")) >= 4
    assert len(sources("core")) >= 8
    ui_imports = set().union(*map(imported_modules, sources("ui")))
    assert any(name.startswith("PySide6") for name in ui_imports)
