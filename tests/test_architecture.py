"""The layers hold: core < storage < tools < inspector < session < {ui, cli}, Qt only in ui, no
import cycle inside a package, and ui's folders import one way (the window's wiring on top; tools,
inspector and settings, each on its own; chat; the shared widgets).

The contracts live in pyproject.toml ([tool.importlinter]) and run here too, so the suite fails on
any import against them; the mutation tests prove the contracts mean it, on a copy of the package
with one bad import added (at module level, inside a function, under TYPE_CHECKING).
"""

from __future__ import annotations

import ast
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess

import pytest

import desktop_chat

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "desktop_chat"
QT = ("PySide6", "qasync", "shiboken6")
LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint_imports(
    *options: str, cwd: Path = ROOT, path: Path | None = None
) -> CompletedProcess[str]:
    """Run lint-imports in its own process: it configures logging for the whole process, which
    would silence the loggers of the tests that follow."""
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--config", str(ROOT / "pyproject.toml"),
         "--no-cache", "--no-logo", *options],
        cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(path)} if path else None,
    )  # fmt: skip


def test_the_import_contracts_are_kept() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr


LAZY = "\n\ndef _late() -> None:\n    {line}  # noqa: F401\n"
TYPE_ONLY = "\n\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    {line}  # noqa: F401\n"


@pytest.mark.parametrize(
    ("module", "added", "broken"),
    [
        ("core/transport.py", "\nimport desktop_chat.tools  # noqa: F401\n", "layers"),
        ("core/sse.py", LAZY.format(line="from desktop_chat.storage import settings"), "layers"),
        ("storage/secrets.py", TYPE_ONLY.format(line="from desktop_chat import ui"), "layers"),
        ("tools/registry.py", LAZY.format(line="import desktop_chat.inspector.trace"), "layers"),
        ("inspector/trace.py", "\nimport desktop_chat.session  # noqa: F401\n", "layers"),
        ("session/__init__.py", "\nimport desktop_chat.cli.ask  # noqa: F401\n", "layers"),
        ("ui/theme.py", LAZY.format(line="from desktop_chat.cli import ask"), "layers"),
        ("cli/tools.py", LAZY.format(line="import desktop_chat.ui.theme"), "layers"),
        ("paths.py", LAZY.format(line="import desktop_chat.core.errors"), "layers"),
        ("tools/registry.py", TYPE_ONLY.format(line="import PySide6"), "qt-only-in-ui"),
        ("session/__init__.py", "\nimport qasync  # noqa: F401\n", "qt-only-in-ui"),
        ("history.py", '"""A module placed in no layer."""\n', "layers"),
        ("core/errors.py", LAZY.format(line="import desktop_chat.core.engine"), "no-cycles"),
        (
            "ui/chat/composer.py",
            LAZY.format(line="import desktop_chat.ui.tools.session"),
            "ui-folders",
        ),
        (
            "ui/settings/broken.py",
            TYPE_ONLY.format(line="import desktop_chat.ui.main_window"),
            "ui-folders",
        ),
        (
            "ui/inspector/dock.py",
            LAZY.format(line="import desktop_chat.ui.settings.keeper"),
            "ui-folders",
        ),
        ("ui/theme.py", LAZY.format(line="import desktop_chat.ui.chat.markdown"), "ui-folders"),
        ("ui/widgets.py", '"""A module placed in no layer of the window."""\n', "ui-folders"),
        # The control: an import downward keeps every contract.
        ("session/__init__.py", "\nimport desktop_chat.tools.registry  # noqa: F401\n", None),
    ],
    ids=lambda value: value if isinstance(value, str) and "\n" not in value else None,
)
def test_an_import_against_the_order_breaks_a_contract(
    tmp_path: Path, module: str, added: str, broken: str | None
) -> None:
    copy = tmp_path / "desktop_chat"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / module).open("a", encoding="utf-8") as file:
        file.write(added)
    # The copy comes first on the path, so the graph is built from it.
    result = lint_imports(*(["--contract", broken] if broken else []), cwd=tmp_path, path=tmp_path)
    assert result.returncode == (1 if broken else 0), result.stdout + result.stderr
    assert ("BROKEN" in result.stdout) == bool(broken)


def test_every_module_outside_ui_loads_without_qt() -> None:
    """A run-time check beside the static one: what the graph cannot see (an import by name)."""
    names = [
        info.name
        for info in pkgutil.walk_packages(desktop_chat.__path__, "desktop_chat.")
        if not info.name.startswith("desktop_chat.ui")
    ]
    assert "desktop_chat.core.transport" in names
    code = (
        f"import importlib, sys\nfor name in {names!r}:\n    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.startswith({QT!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names] if isinstance(node, ast.Import) else []


def test_tests_share_helpers_through_support_and_conftest_only() -> None:
    """A test module imported by another runs its tests' imports twice and hides what is shared."""
    tests = ROOT / "tests"
    importers = {
        f"{path.relative_to(tests)} imports {name}"
        for path in tests.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        for name in _imported(node)
        if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith(("test_", "conftest"))
    }
    assert len(list(tests.rglob("test_*.py"))) > 50
    assert not importers
