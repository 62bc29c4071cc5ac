"""The window is shown before the network stack, the Markdown renderer and the event loop load.

Cold start to a shown window is measured in benchmarks/startup.py; this keeps the reason it is
fast from eroding: a module-level import of any of these would be paid before the first paint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFERRED = (
    "httpx",
    "markdown_it",
    "pygments",
    "qasync",
    "mcp",
    "jsonschema",
    "keyring",
    "importlib.metadata",
    "desktop_chat.core.engine",
    "desktop_chat.demo_server",
    "desktop_chat.tools.loop",
    "desktop_chat.tools.mcp_client",
    "desktop_chat.ui.settings.dialog",
)

SHOW_WINDOW = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from desktop_chat.ui.main_window import show_main_window
window = show_main_window(paint_first=True)
app.processEvents()
assert window.isVisible()
print(json.dumps(sorted(sys.modules)))
"""


def test_showing_the_window_loads_none_of_the_deferred_modules(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "DESKTOP_CHAT_HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", SHOW_WINDOW],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    early = [m for m in loaded if m in DEFERRED or m.startswith(tuple(f"{d}." for d in DEFERRED))]
    assert early == []


def test_the_demo_model_name_matches_the_demo_server() -> None:
    from desktop_chat.demo_server import DEMO_MODEL
    from desktop_chat.ui.engines import DEMO_MODEL as SHOWN

    assert SHOWN == DEMO_MODEL
