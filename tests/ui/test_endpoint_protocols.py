"""The endpoint editor offers the Responses API and the new presets, and tests and saves them."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import PRESETS, Endpoint, Settings
from tests.support.settings_dialog import open_dialog
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import responses_stream


def choose(combo, data: str) -> None:
    combo.setCurrentIndex(combo.findData(data))
    combo.activated.emit(combo.currentIndex())


def test_every_preset_is_offered_and_fills_protocol_and_url(qtbot, loop):
    dialog, _ = open_dialog(qtbot, Settings(), KeyStore(session_only=True))
    editor = dialog.endpoints
    offered = [editor.preset_combo.itemData(i) for i in range(1, editor.preset_combo.count())]
    assert offered == list(PRESETS)
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    for preset, (protocol, url) in PRESETS.items():
        choose(editor.preset_combo, preset)
        assert (editor.protocol_combo.currentData(), editor.url_edit.text()) == (protocol, url)
        # The limit field choice is Chat Completions' alone.
        assert editor.limit_combo.isVisibleTo(dialog) == (protocol == "openai")


def test_a_responses_endpoint_is_tested_and_saved(qtbot, loop, sse_server: ScriptedServer):
    sse_server.route("GET", "/v1/models", Reply(body=b'{"data": [{"id": "gpt-x"}]}'))
    sse_server.script(Reply(chunks=responses_stream(["H"], usage=(3, 1))))
    base = Settings((Endpoint("Mine", "openai", sse_server.url + "/v1", "gpt-x"),), "Mine")
    dialog, applied = open_dialog(qtbot, base, KeyStore(session_only=True))
    editor = dialog.endpoints
    assert editor.protocol_combo.itemText(1) == "OpenAI Responses API"
    choose(editor.protocol_combo, "openai-responses")
    assert not editor.limit_combo.isVisibleTo(dialog)

    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.test_result.text().startswith(("✗", "✓")), timeout=10_000)
    assert editor.test_result.text().startswith("✓"), editor.test_result.text()
    probe = sse_server.requests[-1]
    assert probe.path == "/v1/responses"
    assert probe.json()["store"] is False  # type: ignore[index]

    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Apply), Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(applied), timeout=10_000)
    saved = applied[-1].endpoint("Mine")
    assert saved is not None
    assert saved.protocol == "openai-responses"
    again, _ = open_dialog(qtbot, applied[-1], KeyStore(session_only=True))
    assert again.endpoints.protocol_combo.currentData() == "openai-responses"
