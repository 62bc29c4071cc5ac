"""Secret headers of HTTP MCP servers in Settings → Tools: a real keyring, a real MCP server.

Values typed in the server editor are sent by Test at once, but reach the keyring only when the
Settings dialog applies; the settings file keeps the header names only.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, KeyStore, mcp_header_entry
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.storage.tool_settings import McpServer, ToolSettings
from desktop_chat.ui.settings.dialog import SettingsDialog
from desktop_chat.ui.settings.mcp_header_secrets import HeaderSecrets
from desktop_chat.ui.settings.mcp_server_editor import McpServerEditor
from desktop_chat.ui.settings.secret_header_rows import MISSING, NEW, PENDING, STORED
from tests.support.gui import click
from tests.support.mcp_http import http_mcp_server
from tests.support.settings_dialog import open_tools_page, press

TOKEN = f"tok-{uuid.uuid4().hex}"
AUTH = "Authorization"


@pytest.fixture
def name(use_real_keyring) -> Iterator[str]:
    """A server name no other test uses; its keyring entries are removed afterwards."""
    base = f"t{uuid.uuid4().hex[:8]}"
    yield base
    backend = use_real_keyring.backend
    for server in (base, f"{base}-b", f"{base}-renamed", f"{base}-copy"):
        for header in (AUTH, "X-Api-Token"):
            entry = mcp_header_entry(server, header)
            KeyStore(backend).delete(entry, service=MCP_HEADER_SERVICE)


def stored(keyring, server: str, header: str = AUTH) -> str | None:
    entry = mcp_header_entry(server, header)
    return KeyStore(keyring.backend).get(entry, service=MCP_HEADER_SERVICE)


def web(name: str, url: str = "http://127.0.0.1:9/mcp", secret: tuple[str, ...] = (AUTH,)):
    return McpServer(name, url=url, headers={"X-Team": "blue"}, keyring_headers=secret)


def editor_of(qtbot, dialog: SettingsDialog, button) -> McpServerEditor:
    click(qtbot, button)
    editor = dialog.tools.server_editor
    assert editor is not None
    editor.activateWindow()  # offscreen windows are not activated on their own: focus needs it
    qtbot.waitUntil(editor.isActiveWindow, timeout=5_000)
    return editor


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def run_test(qtbot, editor: McpServerEditor) -> str:
    click(qtbot, editor.test_button)
    qtbot.waitUntil(lambda: editor.test_status.text().startswith(("✓", "✗")), timeout=60_000)
    qtbot.waitUntil(lambda: not editor.testing(), timeout=20_000)
    return editor.test_status.text()


def tool_names(editor: McpServerEditor) -> list[str]:
    view = editor.tools_view
    return [view.topLevelItem(i).text(0) for i in range(view.topLevelItemCount())]


def test_a_typed_value_is_tested_then_kept_only_in_the_keyring(
    qtbot, loop, name, use_real_keyring, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    with http_mcp_server(token=TOKEN) as url:
        dialog, applied = open_tools_page(qtbot, Settings(), KeyStore())
        editor = editor_of(qtbot, dialog, dialog.tools.add_server_button)
        type_into(qtbot, editor.name_edit, name)
        editor.transport_combo.setCurrentIndex(editor.transport_combo.findData("http"))
        assert editor.secret_rows.isVisibleTo(editor)
        type_into(qtbot, editor.url_edit, url)
        editor.headers_edit.setPlainText("X-Team: blue\n")
        click(qtbot, editor.secret_rows.add_button)
        (row,) = editor.secret_rows.rows
        assert row.name_edit.hasFocus()  # Add puts the cursor where typing starts
        assert row.value_edit.echoMode() == QLineEdit.EchoMode.Password
        assert [w.accessibleName() for w in row.widgets()] == [
            "Name of secret header 1",
            "Value of secret header 1",
            "Remove secret header 1",
        ]
        qtbot.keyClicks(row.name_edit, AUTH)
        assert row.value_edit.placeholderText() == NEW
        assert "enter the value of secret header 'Authorization'" in editor.problem.text()
        assert not editor.ok_button.isEnabled()
        qtbot.keyClick(row.name_edit, Qt.Key_Tab)
        assert row.value_edit.hasFocus()
        qtbot.keyClicks(row.value_edit, f"Bearer {TOKEN}")
        assert editor.problem.text() == ""
        assert TOKEN not in row.value_edit.displayText()  # nothing but dots on screen

        assert run_test(qtbot, editor).startswith("✓")  # the typed value was sent
        assert tool_names(editor) == ["shout"]
        click(qtbot, editor.ok_button)
        assert stored(use_real_keyring, name) is None  # pending until Settings are applied
        assert "secret headers: Authorization" in dialog.tools.server_list.item(0).text()
        editor = editor_of(qtbot, dialog, dialog.tools.edit_server_button)
        (row,) = editor.secret_rows.rows
        assert (row.value_edit.text(), row.value_edit.placeholderText()) == ("", PENDING)
        assert editor.ok_button.isEnabled()
        click(qtbot, editor.ok_button)  # an empty field keeps the value typed before
        settings = press(qtbot, dialog, applied)

        assert stored(use_real_keyring, name) == f"Bearer {TOKEN}"
        assert settings.tools.mcp_servers == (web(name, url),)
        path = save_settings(settings, tmp_path / "settings.json")
        assert TOKEN.encode() not in path.read_bytes()
        assert load_settings(path).settings.tools.mcp_servers[0].keyring_headers == (AUTH,)

        # Later: the value field starts empty, an empty field keeps the value, and Test reads it.
        again, applied = open_tools_page(qtbot, load_settings(path).settings, KeyStore())
        editor = editor_of(qtbot, again, again.tools.edit_server_button)
        (row,) = editor.secret_rows.rows
        assert (row.name_edit.text(), row.value_edit.text()) == (AUTH, "")
        assert row.value_edit.placeholderText() == STORED
        assert editor.ok_button.isEnabled()
        assert run_test(qtbot, editor).startswith("✓")
        click(qtbot, editor.ok_button)
        assert press(qtbot, again, applied).tools.mcp_servers == (web(name, url),)
        assert stored(use_real_keyring, name) == f"Bearer {TOKEN}"
    # qasync's own DEBUG lines repr every callback handed to its worker threads, arguments and
    # all; the app never enables that logger (logs.setup_logging configures "desktop_chat").
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("qasync")]
    assert logged
    assert not [line for line in logged if TOKEN in line]


def test_a_wrong_value_fails_the_test_without_showing_it(qtbot, loop, name, use_real_keyring):
    with http_mcp_server(token=TOKEN) as url:
        entry = mcp_header_entry(name, AUTH)
        KeyStore(use_real_keyring.backend).set(entry, f"Bearer {TOKEN}", service=MCP_HEADER_SERVICE)
        settings = Settings(tools=ToolSettings(mcp_servers=(web(name, url),)))
        dialog, _ = open_tools_page(qtbot, settings, KeyStore())
        editor = editor_of(qtbot, dialog, dialog.tools.edit_server_button)
        type_into(qtbot, editor.secret_rows.rows[0].value_edit, "Bearer wrong-token")
        result = run_test(qtbot, editor)  # the typed value wins over the stored one
        assert result.startswith("✗")
        assert "wrong-token" not in result
        assert not editor.tools_view.isVisibleTo(editor)
        assert not editor.stderr_view.isVisibleTo(editor)  # a URL server has no stderr to show
        dialog.reject()
    assert stored(use_real_keyring, name) == f"Bearer {TOKEN}"  # Cancel wrote nothing


def test_a_missing_value_is_pointed_out(qtbot, loop, name, use_real_keyring):
    dialog, _ = open_tools_page(qtbot, Settings(tools=ToolSettings(mcp_servers=(web(name),))),
                            KeyStore())  # fmt: skip
    editor = editor_of(qtbot, dialog, dialog.tools.edit_server_button)
    (row,) = editor.secret_rows.rows
    qtbot.waitUntil(lambda: row.value_edit.placeholderText() == MISSING, timeout=10_000)
    result = run_test(qtbot, editor)
    assert "its Authorization header has no value in the keyring" in result


def test_rename_duplicate_and_remove_move_and_delete_values_only_on_ok(
    qtbot, loop, name, use_real_keyring
):
    backend = use_real_keyring.backend
    store = KeyStore(backend)
    store.set(mcp_header_entry(name, AUTH), "Bearer a", service=MCP_HEADER_SERVICE)
    store.set(mcp_header_entry(f"{name}-b", AUTH), "Bearer b", service=MCP_HEADER_SERVICE)
    base = Settings(tools=ToolSettings(mcp_servers=(web(name), web(f"{name}-b"))))

    def rename_and_remove(dialog: SettingsDialog) -> None:
        page = dialog.tools
        page.server_list.setCurrentRow(0)
        click(qtbot, page.duplicate_server_button)
        page.server_list.setCurrentRow(0)
        editor = editor_of(qtbot, dialog, page.edit_server_button)
        type_into(qtbot, editor.name_edit, f"{name}-renamed")
        click(qtbot, editor.ok_button)
        page.server_list.setCurrentRow(2)
        click(qtbot, page.remove_server_button)
        assert [s.name for s in page.servers] == [f"{name}-renamed", f"{name}-copy"]

    dialog, applied = open_tools_page(qtbot, base, KeyStore())
    rename_and_remove(dialog)
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Cancel))
    assert applied == []
    assert (stored(use_real_keyring, name), stored(use_real_keyring, f"{name}-b")) == (
        "Bearer a",
        "Bearer b",
    )
    assert stored(use_real_keyring, f"{name}-renamed") is None

    dialog, applied = open_tools_page(qtbot, base, KeyStore())
    rename_and_remove(dialog)
    settings = press(qtbot, dialog, applied, "Apply")
    assert [s.name for s in settings.tools.mcp_servers] == [f"{name}-renamed", f"{name}-copy"]
    assert stored(use_real_keyring, f"{name}-renamed") == "Bearer a"
    assert stored(use_real_keyring, f"{name}-copy") == "Bearer a"
    assert stored(use_real_keyring, name) is None
    assert stored(use_real_keyring, f"{name}-b") is None

    # Removing the secret header from a server deletes its value on OK.
    dialog.tools.server_list.setCurrentRow(1)
    editor = editor_of(qtbot, dialog, dialog.tools.edit_server_button)
    editor.secret_rows.rows[0].remove_button.setFocus()
    click(qtbot, editor.secret_rows.rows[0].remove_button)
    assert editor.secret_rows.rows == []
    assert editor.secret_rows.add_button.hasFocus()
    click(qtbot, editor.ok_button)
    assert stored(use_real_keyring, f"{name}-copy") == "Bearer a"
    settings = press(qtbot, dialog, applied)
    assert settings.tools.mcp_servers[1].keyring_headers == ()
    assert stored(use_real_keyring, f"{name}-copy") is None
    assert stored(use_real_keyring, f"{name}-renamed") == "Bearer a"


def test_a_secret_plain_header_is_refused_and_moved_to_secret_headers(qtbot, loop):
    dialog, _ = open_tools_page(qtbot, Settings(), KeyStore(session_only=True))
    editor = editor_of(qtbot, dialog, dialog.tools.add_server_button)
    editor.name_edit.setText("web")
    editor.transport_combo.setCurrentIndex(editor.transport_combo.findData("http"))
    editor.url_edit.setText("https://mcp.example.com/mcp")
    editor.headers_edit.setPlainText("X-Team: blue\nAuthorization: Bearer x\n")
    assert editor.problem.text() == (
        "✗ MCP server 'web': header 'Authorization' would store a secret in settings; keep its "
        "value in the keyring instead (press “Move to secret headers”)"
    )
    assert not editor.ok_button.isEnabled()
    assert editor.move_button.isVisibleTo(editor)

    click(qtbot, editor.move_button)
    assert editor.headers_edit.toPlainText() == "X-Team: blue\n"
    (row,) = editor.secret_rows.rows
    assert row.name_edit.text() == AUTH
    assert row.value_edit.echoMode() == QLineEdit.EchoMode.Password
    assert row.value_edit.hasFocus()
    assert not editor.move_button.isVisibleTo(editor)
    assert editor.ok_button.isEnabled()
    assert editor.header_values() == {AUTH: "Bearer x"}
    assert editor.server().keyring_headers == (AUTH,)
    assert editor.server().headers == {"X-Team": "blue"}

    row.name_edit.setText("X-Tenant")
    editor.headers_edit.setPlainText("x-tenant: acme\n")  # the same header, plain and secret
    assert "the header 'X-Tenant' is given twice" in editor.problem.text()
    editor.headers_edit.clear()
    row.name_edit.setText("")
    assert editor.problem.text() == "✗ secret header 1 has a value but no name"
    row.name_edit.setText("Bad Name")
    assert "'Bad Name' is not a valid HTTP header name" in editor.problem.text()
    dialog.reject()


def test_without_a_keyring_nothing_is_applied_and_the_reason_is_shown(qtbot, loop):
    store = KeyStore(fail.Keyring())
    dialog, applied = open_tools_page(qtbot, Settings(), store)
    editor = editor_of(qtbot, dialog, dialog.tools.add_server_button)
    editor.name_edit.setText("web")
    editor.transport_combo.setCurrentIndex(editor.transport_combo.findData("http"))
    editor.url_edit.setText("https://mcp.example.com/mcp")
    row = editor.secret_rows.add_row(AUTH)
    row.value_edit.setText("Bearer x")
    click(qtbot, editor.ok_button)
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    qtbot.waitUntil(lambda: "no system keyring" in dialog.message.text(), timeout=10_000)
    assert "the authorization header of MCP server 'web'" in dialog.message.text()
    assert applied == []
    assert dialog.isVisible()
    assert dialog.session_button.isVisible()  # there are no endpoints: offered by the dialog
    assert "or remove the secret header values typed on the Tools page" in dialog.message.text()
    qtbot.mouseClick(dialog.session_button, Qt.LeftButton)
    assert store.session_only
    assert dialog.session_button.isHidden()
    settings = press(qtbot, dialog, applied)
    assert settings.tools.mcp_server("web") is not None
    entry = mcp_header_entry("web", AUTH)
    assert store.get(entry, service=MCP_HEADER_SERVICE) == "Bearer x"  # in memory only


def test_names_given_up_and_taken_again_in_one_apply_get_the_right_values(run_async):
    store = KeyStore(session_only=True)

    def value(server: str) -> str | None:
        return store.get(mcp_header_entry(server, AUTH), service=MCP_HEADER_SERVICE)

    for server in ("a", "b"):
        store.set(mcp_header_entry(server, AUTH), f"Bearer {server}", service=MCP_HEADER_SERVICE)
    secrets = HeaderSecrets([web("a"), web("b"), web("c")])  # c's value was never stored
    secrets.removed(0)
    secrets.removed(0)
    servers = [web("b"), web("a")]
    secrets.edited(0, servers[0], {})  # c renamed to b: b's old value is not c's
    secrets.edited(None, servers[1], {AUTH: "Bearer new"})  # a new server named a
    assert secrets.has_work(servers)
    run_async(secrets.write(store, servers))
    assert (value("a"), value("b"), value("c")) == ("Bearer new", None, None)
    assert not secrets.has_work(servers)

    swapped = [web("a"), web("b")]
    secrets.edited(0, swapped[0], {})
    secrets.edited(1, swapped[1], {})
    store.set(mcp_header_entry("b", AUTH), "Bearer b", service=MCP_HEADER_SERVICE)
    run_async(secrets.write(store, swapped))  # both renamed at once: the values swap too
    assert (value("a"), value("b")) == ("Bearer b", "Bearer new")
