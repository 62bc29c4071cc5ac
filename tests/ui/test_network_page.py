"""Settings → Network refuses a CA file that holds no certificates, as `config set` does."""

from __future__ import annotations

from pathlib import Path

import certifi
from PySide6.QtCore import Qt

from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Settings
from desktop_chat.ui.settings.dialog import SettingsDialog


def test_a_bad_ca_file_is_refused_and_nothing_applied(qtbot, loop, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings(), KeyStore(session_only=True))
    qtbot.addWidget(dialog)
    applied: list[Settings] = []
    dialog.settings_applied.connect(applied.append)
    dialog.open()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate")
    for path, problem in ((tmp_path / "gone.pem", "does not exist"), (not_pem, "no usable PEM")):
        dialog.network.ca_bundle.setText(str(path))
        qtbot.mouseClick(ok, Qt.LeftButton)
        qtbot.waitUntil(lambda problem=problem: problem in dialog.message.text(), timeout=5000)
        assert applied == []
        assert dialog.isVisible()
    dialog.network.ca_bundle.setText(certifi.where())
    qtbot.mouseClick(ok, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(applied) == 1, timeout=10_000)
    assert applied[0].network.ca_bundle == certifi.where()
