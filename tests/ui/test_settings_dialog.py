"""The Settings dialog with the real keyring, a refusing keyring, and the scripted server."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Endpoint, Preset, Settings
from desktop_chat.storage.settings_document import encode
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.storage.tool_settings import UserTool
from desktop_chat.storage.validation import SettingsError
from desktop_chat.ui.settings.dialog import SettingsDialog
from tests.support.settings_dialog import open_dialog, press
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

KEY = "sk-test-dialog-0123456789"


@pytest.fixture
def unique_name(use_real_keyring) -> Iterator[str]:
    """An endpoint name no other test uses; its keyring entries are removed afterwards."""
    name = f"Test {uuid.uuid4().hex[:8]}"
    yield name
    backend = use_real_keyring.backend
    for candidate in (name, f"{name} renamed", f"{name} copy"):
        KeyStore(backend).delete(candidate)


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_round_trip_stores_the_key_only_in_the_real_keyring(
    qtbot, loop, unique_name, use_real_keyring, tmp_path
):
    store = KeyStore()
    dialog, applied = open_dialog(qtbot, Settings(), store)
    editor = dialog.endpoints
    assert editor.empty_label.isVisibleTo(dialog)
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    editor.preset_combo.setCurrentIndex(editor.preset_combo.findData("OpenAI"))
    editor.preset_combo.activated.emit(editor.preset_combo.currentIndex())
    assert editor.url_edit.text() == "https://api.openai.com/v1"
    type_into(qtbot, editor.name_edit, unique_name)
    type_into(qtbot, editor.model_edit, "gpt-4o-mini")
    type_into(qtbot, editor.key_edit, KEY)
    qtbot.waitUntil(lambda: "will be saved in the Secret Service" in editor.key_status.text())
    settings = press(qtbot, dialog, applied)

    assert not dialog.isVisible()
    endpoint = settings.endpoint(unique_name)
    assert endpoint == Endpoint(unique_name, "openai", "https://api.openai.com/v1", "gpt-4o-mini")
    assert settings.active_endpoint == unique_name  # the first endpoint becomes the active one
    assert KeyStore(use_real_keyring.backend).get(unique_name) == KEY
    path = save_settings(settings, tmp_path / "settings.json")
    assert KEY not in path.read_text(encoding="utf-8")
    assert KEY not in json.dumps(encode(settings))
    assert editor.key_edit.text() == ""  # the typed key does not linger in the widget

    # Reopen: the dialog says a key is stored, without showing it.
    again, _ = open_dialog(qtbot, load_settings(path).settings, store)
    qtbot.waitUntil(
        lambda: "A key is stored in the Secret Service" in again.endpoints.key_status.text()
    )
    assert again.endpoints.key_edit.text() == ""


def test_rename_moves_and_remove_deletes_the_key(qtbot, loop, unique_name, use_real_keyring):
    backend = use_real_keyring.backend
    KeyStore(backend).set(unique_name, KEY)
    base = Settings((Endpoint(unique_name, "openai", "http://127.0.0.1:9/v1"),), unique_name)
    dialog, applied = open_dialog(qtbot, base, KeyStore())
    editor = dialog.endpoints
    type_into(qtbot, editor.name_edit, f"{unique_name} renamed")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Apply), Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(applied), timeout=10_000)
    assert applied[-1].active_endpoint == f"{unique_name} renamed"
    assert KeyStore(backend).get(f"{unique_name} renamed") == KEY
    assert KeyStore(backend).get(unique_name) is None
    assert dialog.isVisible()  # Apply keeps the dialog open

    qtbot.mouseClick(editor.duplicate_button, Qt.LeftButton)
    assert [d.name for d in editor.drafts] == [
        f"{unique_name} renamed",
        f"{unique_name} renamed copy",
    ]
    editor.list.setCurrentRow(0)
    qtbot.mouseClick(editor.remove_button, Qt.LeftButton)
    settings = press(qtbot, dialog, applied)
    assert [ep.name for ep in settings.endpoints] == [f"{unique_name} renamed copy"]
    assert KeyStore(backend).get(f"{unique_name} renamed") is None
    assert KeyStore(backend).get(f"{unique_name} renamed copy") == KEY
    KeyStore(backend).delete(f"{unique_name} renamed copy")


def test_no_keyring_is_said_plainly_and_session_memory_is_offered(qtbot, loop, tmp_path):
    store = KeyStore(fail.Keyring())
    dialog, applied = open_dialog(qtbot, Settings(), store)
    editor = dialog.endpoints
    editor.add_endpoint("Ollama")
    qtbot.waitUntil(lambda: "Keys cannot be saved: no system keyring" in editor.key_status.text())
    assert editor.session_button.isVisibleTo(dialog)
    type_into(qtbot, editor.key_edit, KEY)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.LeftButton)
    qtbot.waitUntil(lambda: "no system keyring" in dialog.message.text().lower(), timeout=5000)
    assert applied == []
    assert dialog.isVisible()

    qtbot.mouseClick(editor.session_button, Qt.LeftButton)
    assert store.session_only
    settings = press(qtbot, dialog, applied)
    assert store.get("Ollama") == KEY
    assert settings.endpoint("Ollama") is not None
    assert KEY not in save_settings(settings, tmp_path / "s.json").read_text(encoding="utf-8")


def test_invalid_endpoint_keeps_the_dialog_open_with_the_reason(qtbot, loop):
    dialog, applied = open_dialog(qtbot, Settings(), KeyStore(session_only=True))
    editor = dialog.endpoints
    editor.add_endpoint()
    type_into(qtbot, editor.url_edit, "ftp://example.com")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.LeftButton)
    qtbot.waitUntil(lambda: "must start with http" in dialog.message.text(), timeout=5000)
    assert applied == []
    assert dialog.isVisible()


def test_a_problem_is_shown_on_the_page_that_holds_it(qtbot, loop):
    dialog, applied = open_dialog(qtbot, Settings(), KeyStore(session_only=True))
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    dialog.endpoints.add_endpoint()
    type_into(qtbot, dialog.endpoints.url_edit, "ftp://example.com")
    with pytest.raises(SettingsError) as endpoint_problem:
        dialog.collect()
    assert endpoint_problem.value.section == "endpoints"
    dialog.tabs.setCurrentWidget(dialog.network)
    qtbot.mouseClick(ok, Qt.LeftButton)
    qtbot.waitUntil(lambda: "must start with http" in dialog.message.text(), timeout=5000)
    assert dialog.tabs.currentWidget() is dialog.endpoints

    type_into(qtbot, dialog.endpoints.url_edit, "http://127.0.0.1:9/v1")
    dialog.tools.user_tools = [UserTool("lookup"), UserTool("Lookup")]
    with pytest.raises(SettingsError) as tools_problem:
        dialog.collect()
    assert tools_problem.value.section == "tools"
    dialog.tabs.setCurrentWidget(dialog.network)
    qtbot.mouseClick(ok, Qt.LeftButton)
    qtbot.waitUntil(lambda: "same name" in dialog.message.text(), timeout=5000)
    assert dialog.tabs.currentWidget() is dialog.tools
    assert applied == []


def test_network_and_appearance_values_round_trip(qtbot, loop):
    dialog, applied = open_dialog(qtbot, Settings(), KeyStore(session_only=True))
    page = dialog.network
    page.max_retries.setValue(5)
    page.read_timeout.setValue(30.0)
    page.total_timeout.setValue(0.0)
    page.proxy_mode.setCurrentIndex(page.proxy_mode.findData("custom"))
    assert page.proxy_url.isEnabled()
    type_into(qtbot, page.proxy_url, "http://127.0.0.1:3128")
    page.verify_tls.setChecked(False)
    assert not page.ca_bundle.isEnabled()
    dialog.appearance.theme.setCurrentIndex(dialog.appearance.theme.findData("dark"))
    dialog.appearance.ctrl_enter.setChecked(True)
    settings = press(qtbot, dialog, applied)
    assert settings.network.max_retries == 5
    assert settings.network.read_timeout == 30.0
    assert settings.network.total_timeout is None
    assert settings.network.proxy_mode == "custom"
    assert settings.network.proxy_url == "http://127.0.0.1:3128"
    assert settings.network.verify_tls is False
    assert settings.ui.theme == "dark"
    assert settings.ui.send_with_ctrl_enter is True


def test_test_connection_lists_models_and_streams_one_token(
    qtbot, loop, sse_server: ScriptedServer
):
    sse_server.route(
        "GET", "/v1/models", Reply(body=b'{"data": [{"id": "m-small"}, {"id": "m-large"}]}')
    )
    sse_server.script(Reply(chunks=openai_stream(["H"], usage=(3, 1))))
    base = Settings((Endpoint("Local", "openai", sse_server.url + "/v1"),), "Local")
    dialog, _ = open_dialog(qtbot, base, KeyStore(session_only=True))
    editor = dialog.endpoints
    type_into(qtbot, editor.key_edit, KEY)
    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.test_result.text().startswith("✓"), timeout=10_000)
    assert "2 models listed" in editor.test_result.text()
    assert "'m-large' answered" in editor.test_result.text()
    assert "DNS ✓  TCP ✓  TLS –  HTTP ✓  auth ✓  stream ✓" in editor.test_result.text()
    assert "✓ auth: the key was accepted" in editor.test_result.toolTip()
    probe = sse_server.requests[-1].json()
    assert probe["max_tokens"] == 1 or probe.get("max_completion_tokens") == 1
    assert sse_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert editor.models_found["Local"] == ("m-large", "m-small")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(401, body=b'{"error": {"message": "Incorrect API key"}}'), "none is stored"),
        (Reply(404, body=b'{"error": {"message": "no such path"}}'), "check the base URL"),
        (Reply(503, body=b'{"error": {"message": "down"}}'), "server failed"),
    ],
)
def test_test_connection_names_the_cause(qtbot, loop, sse_server, reply, expected):
    sse_server.route("GET", "/v1/models", reply)
    sse_server.route("POST", "/v1/chat/completions", reply)
    base = Settings((Endpoint("Local", "openai", sse_server.url + "/v1", "m"),), "Local")
    dialog, _ = open_dialog(qtbot, base, KeyStore(session_only=True))
    editor = dialog.endpoints
    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.test_result.text().startswith(("✗", "✓")), timeout=10_000)
    text = editor.test_result.text()
    assert text.startswith("✗")
    assert expected in text


def test_connection_refused_is_explained(qtbot, loop):
    base = Settings((Endpoint("Gone", "anthropic", "http://127.0.0.1:9", "claude-x"),), "Gone")
    dialog, _ = open_dialog(qtbot, base, KeyStore(session_only=True))
    editor = dialog.endpoints
    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.test_result.text().startswith("✗"), timeout=10_000)
    assert "✗ TCP failed — nothing accepts connections there" in editor.test_result.text()
    assert "DNS ✓  TCP ✗  TLS –  HTTP –" in editor.test_result.text()
    assert "✗ TCP: 127.0.0.1 port 9: Connection refused" in editor.test_result.toolTip()


def test_output_limit_field_is_offered_for_openai_tested_and_saved(
    qtbot, loop, sse_server: ScriptedServer
):
    sse_server.route("GET", "/v1/models", Reply(body=b'{"data": [{"id": "o3-mini"}]}'))
    sse_server.script(Reply(chunks=openai_stream(["H"], usage=(3, 1))))
    base = Settings((Endpoint("Local", "openai", sse_server.url + "/v1", "o3-mini"),), "Local")
    dialog, applied = open_dialog(qtbot, base, KeyStore(session_only=True))
    editor = dialog.endpoints
    combo = editor.limit_combo
    assert combo.isVisibleTo(dialog)
    assert combo.currentData() == "auto"
    assert "max_completion_tokens" in combo.toolTip()
    assert "Ollama" in combo.toolTip()
    combo.setCurrentIndex(combo.findData("max_completion_tokens"))
    combo.activated.emit(combo.currentIndex())

    qtbot.mouseClick(editor.test_button, Qt.LeftButton)  # the test uses the choice on screen
    qtbot.waitUntil(lambda: editor.test_result.text().startswith(("✗", "✓")), timeout=10_000)
    assert editor.test_result.text().startswith("✓")
    probe = sse_server.requests[-1].json()
    assert (probe["max_completion_tokens"], "max_tokens" in probe) == (1, False)

    protocol = editor.protocol_combo
    protocol.setCurrentIndex(protocol.findData("anthropic"))
    protocol.activated.emit(protocol.currentIndex())
    assert not combo.isVisibleTo(dialog)  # Anthropic always sends max_tokens
    protocol.setCurrentIndex(protocol.findData("openai"))
    protocol.activated.emit(protocol.currentIndex())
    assert combo.isVisibleTo(dialog)

    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Apply), Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(applied), timeout=10_000)
    saved = applied[-1].endpoint("Local")
    assert saved is not None
    assert saved.output_limit_field == "max_completion_tokens"
    qtbot.mouseClick(editor.duplicate_button, Qt.LeftButton)
    assert editor.drafts[-1].output_limit_field == "max_completion_tokens"

    again, _ = open_dialog(qtbot, applied[-1], KeyStore(session_only=True))
    assert again.endpoints.limit_combo.currentData() == "max_completion_tokens"


def test_a_running_connection_test_can_be_cancelled(qtbot, loop, sse_server: ScriptedServer):
    sse_server.route("GET", "/v1/models", Reply(body=b'{"data": [{"id": "m"}]}'))
    sse_server.script(Reply(chunks=openai_stream(["never"]), stall=30))  # headers, then nothing
    base = Settings((Endpoint("Local", "openai", sse_server.url + "/v1", "m"),), "Local")
    dialog, _ = open_dialog(qtbot, base, KeyStore(session_only=True))
    editor = dialog.endpoints
    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(sse_server.requests) == 2, timeout=5_000)
    assert editor.test_button.accessibleName() == "Cancel test"
    assert editor.test_result.text() == "Testing…"
    qtbot.wait(100)  # the answer's headers are in: the test now waits for its first text
    cancelled_at = time.monotonic()
    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.test_result.text() == "Test cancelled.", timeout=5_000)
    assert time.monotonic() - cancelled_at < 0.1
    assert editor.test_button.accessibleName() == "Test connection"

    sse_server.script(Reply(chunks=openai_stream(["H"])))  # and it can be run again
    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.test_result.text().startswith("✓"), timeout=10_000)


def test_closing_the_dialog_cancels_a_running_connection_test(
    qtbot, loop, sse_server: ScriptedServer
):
    sse_server.route("GET", "/v1/models", Reply(chunks=[b'{"data": []}'], stall=30))
    base = Settings((Endpoint("Local", "openai", sse_server.url + "/v1", "m"),), "Local")
    dialog, _ = open_dialog(qtbot, base, KeyStore(session_only=True))
    editor = dialog.endpoints
    qtbot.mouseClick(editor.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(sse_server.requests) == 1, timeout=5_000)
    closed_at = time.monotonic()
    dialog.reject()
    qtbot.waitUntil(lambda: editor.test_result.text() == "Test cancelled.", timeout=5_000)
    assert time.monotonic() - closed_at < 0.1


def test_a_stored_key_follows_a_new_origin_only_when_confirmed(
    qtbot, loop, unique_name, use_real_keyring
):
    KeyStore(use_real_keyring.backend).set(unique_name, KEY)
    base = Settings((Endpoint(unique_name, "openai", "https://api.example.com/v1", "m"),))
    dialog, applied = open_dialog(qtbot, base, KeyStore())
    editor = dialog.endpoints
    qtbot.waitUntil(lambda: "A key is stored" in editor.key_status.text(), timeout=10_000)
    assert not editor.move_key_check.isVisibleTo(dialog)
    type_into(qtbot, editor.url_edit, "https://api.example.com:443/v2")  # the same origin
    assert not editor.move_key_check.isVisibleTo(dialog)
    type_into(qtbot, editor.url_edit, "http://127.0.0.1:9/v1")
    assert editor.move_key_check.isVisibleTo(dialog)
    assert editor.move_key_check.text() == (
        "Send the stored key to http://127.0.0.1:9 (it was saved for https://api.example.com)"
    )

    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Tick “Send the stored key" in dialog.message.text(), timeout=10_000)
    assert dialog.message.text() == (
        f"Endpoint {unique_name!r}: its key was saved for https://api.example.com, and the "
        "endpoint now points at http://127.0.0.1:9. Tick “Send the stored key to "
        "http://127.0.0.1:9” to send it there, type a key for the new address, or forget the "
        "stored key."
    )
    assert applied == []
    assert dialog.isVisible()

    qtbot.mouseClick(editor.move_key_check, Qt.LeftButton)
    settings = press(qtbot, dialog, applied)
    (endpoint,) = settings.endpoints
    assert (endpoint.base_url, endpoint.key_origin) == (
        "http://127.0.0.1:9/v1",
        "http://127.0.0.1:9",
    )
    assert KeyStore(use_real_keyring.backend).get(unique_name) == KEY


def test_an_endpoint_without_a_stored_key_follows_its_url(
    qtbot, loop, unique_name, use_real_keyring
):
    base = Settings((Endpoint(unique_name, "openai", "https://api.example.com/v1", "m"),))
    dialog, applied = open_dialog(qtbot, base, KeyStore())
    editor = dialog.endpoints
    qtbot.waitUntil(lambda: "No key stored" in editor.key_status.text(), timeout=10_000)
    type_into(qtbot, editor.url_edit, "http://127.0.0.1:9/v1")
    assert not editor.move_key_check.isVisibleTo(dialog)
    (endpoint,) = press(qtbot, dialog, applied).endpoints
    assert endpoint.key_origin == "http://127.0.0.1:9"


def test_a_key_held_back_elsewhere_is_confirmed_here(qtbot, loop, unique_name, use_real_keyring):
    KeyStore(use_real_keyring.backend).set(unique_name, KEY)
    moved = Endpoint(unique_name, "openai", "http://127.0.0.1:9/v1", key_origin="https://a.example")
    base = Settings((moved,))
    dialog, applied = open_dialog(qtbot, base, KeyStore())
    editor = dialog.endpoints
    qtbot.waitUntil(editor.move_key_check.isVisible, timeout=10_000)
    assert press_apply_keeps(qtbot, dialog, applied).endpoints == (moved,)  # still held back
    qtbot.mouseClick(editor.move_key_check, Qt.LeftButton)
    (endpoint,) = press(qtbot, dialog, applied).endpoints
    assert endpoint.key_origin == "http://127.0.0.1:9"


def press_apply_keeps(qtbot, dialog: SettingsDialog, applied: list[Settings]) -> Settings:
    before = len(applied)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Apply), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(applied) > before, timeout=10_000)
    return applied[-1]


def test_ok_keeps_the_prompt_presets(qtbot, loop):
    base = Settings(presets=(Preset("terse", "Answer in one line."),))
    dialog, applied = open_dialog(qtbot, base)
    settings = press(qtbot, dialog, applied)
    assert settings.presets == base.presets
