"""The tools package is cheap to import: the MCP SDK and jsonschema load lazily.

That it stays Qt-free and below the faces is a contract of tests/test_architecture.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "desktop_chat"


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
