"""The tools package stays Qt-free and cheap to import: the MCP SDK and jsonschema load lazily."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_architecture import PACKAGE, QT, imported_modules, sources


@pytest.mark.parametrize("path", sources("tools"), ids=lambda p: p.name)
def test_tools_import_neither_qt_nor_the_faces(path: Path) -> None:
    bad = {
        name
        for name in imported_modules(path)
        if name.startswith((*QT, "desktop_chat.ui", "desktop_chat.cli"))
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_importing_the_loop_loads_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "import desktop_chat.tools.headless, desktop_chat.tools.loop, desktop_chat.cli.tools\n"
        "heavy = ('mcp', 'jsonschema', 'pydantic', 'PySide6', 'qasync')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False,
        cwd=PACKAGE.parent, env={**os.environ},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
