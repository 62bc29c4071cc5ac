"""The Tools page of Settings: real widgets, a real settings file, real MCP servers."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat import paths
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool
from desktop_chat.storage.validation import SettingsError
from desktop_chat.ui.settings.dialog import SettingsDialog
from desktop_chat.ui.settings.mcp_server_editor import McpServerEditor
from desktop_chat.ui.settings.user_tool_editor import UserToolEditor
from tests.support.gui import click
from tests.support.settings_dialog import open_tools_page, press

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]}
TIME = McpServer("time", command=sys.executable, args=("-m", "mcp_server_time"))


def server_editor(qtbot, dialog: SettingsDialog, button) -> McpServerEditor:
    click(qtbot, button)
    editor = dialog.tools.server_editor
    assert editor is not None
    assert editor.isVisible()
    return editor


def tool_editor(qtbot, dialog: SettingsDialog, button) -> UserToolEditor:
    click(qtbot, button)
    editor = dialog.tools.tool_editor
    assert editor is not None
    return editor


def ok(qtbot, editor: McpServerEditor | UserToolEditor) -> None:
    click(qtbot, editor.ok_button)
    assert not editor.isVisible()


def items(listing) -> list[str]:
    return [listing.item(row).text() for row in range(listing.count())]


def test_servers_and_tools_round_trip_through_apply_and_the_file(qtbot, loop, tmp_path):
    base = Settings(tools=ToolSettings(always_allow=("builtin:calculator",)))
    dialog, applied = open_tools_page(qtbot, base)
    page = dialog.tools
    assert not page.edit_server_button.isEnabled()

    editor = server_editor(qtbot, dialog, page.add_server_button)
    assert not editor.ok_button.isEnabled()  # an empty form is not a server
    qtbot.keyClicks(editor.name_edit, "time")
    editor.command_edit.setText(sys.executable)
    qtbot.keyClicks(editor.args_edit, "-m mcp_server_time --local-timezone 'Europe/Paris'")
    editor.env_edit.setPlainText("LANG=C.UTF-8\nGREETING=a=b\n")
    editor.pass_env_edit.setText("HOME, PATH")
    editor.cwd_edit.setText(str(tmp_path))
    ok(qtbot, editor)

    editor = server_editor(qtbot, dialog, page.add_server_button)
    editor.name_edit.setText("web")
    editor.transport_combo.setCurrentIndex(editor.transport_combo.findData("http"))
    editor.url_edit.setText("http://127.0.0.1:8000/mcp")
    editor.headers_edit.setPlainText("X-Team: blue\n")
    ok(qtbot, editor)

    page.server_list.setCurrentRow(0)
    click(qtbot, page.duplicate_server_button)
    assert [s.name for s in page.servers] == ["time", "time-copy", "web"]
    editor = server_editor(qtbot, dialog, page.edit_server_button)
    assert editor.name_edit.text() == "time-copy"
    assert editor.args_edit.text() == "-m mcp_server_time --local-timezone Europe/Paris"
    editor.name_edit.setText("clock")
    ok(qtbot, editor)
    page.server_list.setCurrentRow(2)
    click(qtbot, page.remove_server_button)
    assert [s.name for s in page.servers] == ["time", "clock"]

    editor = tool_editor(qtbot, dialog, page.add_tool_button)
    assert '"type": "object"' in editor.schema_edit.toPlainText()  # a template to start from
    assert editor.ok_button.isEnabled() is False  # ...but no name yet
    qtbot.keyClicks(editor.name_edit, "lookup_order")
    editor.description_edit.setPlainText("Look an order up in the shop")
    editor.schema_edit.setPlainText(json.dumps(SCHEMA))
    ok(qtbot, editor)
    editor = tool_editor(qtbot, dialog, page.add_tool_button)
    editor.name_edit.setText("scratch")
    ok(qtbot, editor)
    click(qtbot, page.remove_tool_button)  # the new tool is selected
    assert items(page.tool_list) == ["lookup_order"]

    settings = press(qtbot, dialog, applied, "Apply")
    assert dialog.isVisible()
    save_settings(settings)
    loaded = load_settings(paths.settings_path())
    assert loaded.notice is None
    tools = loaded.settings.tools
    assert tools.mcp_servers == (
        McpServer(
            "time",
            command=sys.executable,
            args=("-m", "mcp_server_time", "--local-timezone", "Europe/Paris"),
            env={"LANG": "C.UTF-8", "GREETING": "a=b"},
            pass_env=("HOME", "PATH"),
            cwd=str(tmp_path),
        ),
        McpServer("clock", command=sys.executable, args=tools.mcp_servers[0].args,
                  env=tools.mcp_servers[0].env, pass_env=("HOME", "PATH"), cwd=str(tmp_path)),
    )  # fmt: skip
    assert tools.user_tools == (UserTool("lookup_order", "Look an order up in the shop", SCHEMA),)
    assert tools.always_allow == ("builtin:calculator",)

    again, _ = open_tools_page(qtbot, loaded.settings)
    assert [row.split()[0] for row in items(again.tools.server_list)] == ["time", "clock"]
    assert items(again.tools.tool_list) == ["lookup_order"]
    assert items(again.tools.allow_list) == ["builtin:calculator"]


def test_the_transport_shows_its_own_fields(qtbot, loop):
    dialog, _ = open_tools_page(qtbot, Settings())
    editor = server_editor(qtbot, dialog, dialog.tools.add_server_button)
    stdio = (editor.command_edit, editor.args_edit, editor.env_edit, editor.cwd_edit)
    assert all(w.isVisibleTo(editor) for w in stdio)
    assert not editor.url_edit.isVisibleTo(editor)
    editor.transport_combo.setCurrentIndex(editor.transport_combo.findData("http"))
    assert not any(w.isVisibleTo(editor) for w in stdio)
    assert editor.url_edit.isVisibleTo(editor)
    assert editor.headers_edit.isVisibleTo(editor)
    editor.name_edit.setText("web")
    assert "enter the URL" in editor.problem.text()
    editor.url_edit.setText("ftp://example.com/mcp")
    assert "must start with http://" in editor.problem.text()
    assert not editor.ok_button.isEnabled()


def test_secrets_and_bad_lines_are_refused_in_the_settings_layer_words(qtbot, loop):
    dialog, _ = open_tools_page(qtbot, Settings(tools=ToolSettings(mcp_servers=(TIME,))))
    editor = server_editor(qtbot, dialog, dialog.tools.add_server_button)
    editor.name_edit.setText("Time")
    editor.command_edit.setText("server")
    assert "an MCP server named 'Time' exists" in editor.problem.text()
    editor.name_edit.setText("has space")
    assert "must be 1-64 letters, digits, '_' or '-'" in editor.problem.text()
    editor.name_edit.setText("other")
    editor.args_edit.setText("--greeting 'hello")
    assert "cannot be split like a shell line: No closing quotation" in editor.problem.text()
    editor.args_edit.setText("--greeting 'hello world'")
    editor.env_edit.setPlainText("OPENAI_API_KEY=sk-abc")
    assert "OPENAI_API_KEY would store a secret in settings" in editor.problem.text()
    assert "add OPENAI_API_KEY to “Pass from environment”" in editor.problem.text()
    editor.env_edit.setPlainText("JUSTANAME")
    assert "wants NAME=value" in editor.problem.text()
    editor.env_edit.clear()
    assert editor.problem.text() == ""
    assert editor.ok_button.isEnabled()

    editor.transport_combo.setCurrentIndex(editor.transport_combo.findData("http"))
    editor.url_edit.setText("https://mcp.example.com/mcp")
    editor.headers_edit.setPlainText("Authorization: Bearer abc123")
    with pytest.raises(SettingsError) as expected:
        McpServer("other", url="https://x/mcp", headers={"Authorization": "Bearer abc123"})
    # The settings layer's own words, with the form's control in place of the CLI option:
    words, _cli = str(expected.value).split(" (--keyring-header")
    assert editor.problem.text() == f"✗ {words} (press “Move to secret headers”)"
    assert "keep its value in the keyring" in words
    assert not editor.ok_button.isEnabled()
    editor.headers_edit.setPlainText("X-Trace abc")
    assert "header line 1 ('X-Trace abc') wants Name: value" in editor.problem.text()
    editor.headers_edit.setPlainText("X-Team: blue")
    assert editor.ok_button.isEnabled()


def test_invalid_json_and_bad_schemas_block_saving(qtbot, loop):
    dialog, _ = open_tools_page(qtbot, Settings())
    editor = tool_editor(qtbot, dialog, dialog.tools.add_tool_button)
    editor.name_edit.setText("lookup")
    assert editor.ok_button.isEnabled()  # the template is a valid schema
    editor.schema_edit.setPlainText('{\n  "type": "object",\n  "properties": {,}\n}')
    assert editor.problem.text().startswith("✗ JSON syntax error at line 3, column 18:")
    assert not editor.ok_button.isEnabled()
    (mark,) = editor.schema_edit.extraSelections()
    assert mark.cursor.blockNumber() == 2

    editor.schema_edit.setPlainText('{"type": "object", "properties": {"n": {"type": "numbr"}}}')
    assert "not a valid JSON Schema at $.properties.n.type" in editor.problem.text()
    assert editor.schema_edit.extraSelections() == []
    assert not editor.ok_button.isEnabled()
    editor.schema_edit.setPlainText('{"type": "array"}')
    assert '"type": "object" at its root' in editor.problem.text()
    assert not editor.ok_button.isEnabled()
    editor.schema_edit.setPlainText('{"type": "object", "properties": {"n": {"type": "number"}}}')
    assert editor.problem.text() == ""
    ok(qtbot, editor)
    assert dialog.tools.user_tools[0].parameters["properties"] == {"n": {"type": "number"}}


def test_bad_tool_names_are_refused(qtbot, loop):
    dialog, _ = open_tools_page(qtbot, Settings(tools=ToolSettings((UserTool("lookup"),))))
    editor = tool_editor(qtbot, dialog, dialog.tools.add_tool_button)
    for name, expected in [
        ("", "tool name '' must be 1-64 letters"),
        ("look up", "tool name 'look up' must be 1-64 letters, digits, '_' or '-'"),
        ("x" * 65, "must be 1-64 letters"),
        ("calculator", "'calculator' is the name of a built-in tool; choose another"),
        ("LOOKUP", "a tool named 'LOOKUP' exists; choose another name"),
    ]:
        editor.name_edit.setText(name)
        assert expected in editor.problem.text(), name
        assert not editor.ok_button.isEnabled()
    editor.name_edit.setText("lookup-2")
    assert editor.ok_button.isEnabled()


def test_ask_again_and_removals_forget_always_allow(qtbot, loop):
    tools = ToolSettings(
        (UserTool("lookup"),),
        (TIME,),
        ("builtin:calculator", "mcp:time:get_current_time", "user:lookup", "mcp:time:convert_time"),
    )
    dialog, applied = open_tools_page(qtbot, Settings(tools=tools))
    page = dialog.tools
    page.allow_list.setCurrentRow(0)
    click(qtbot, page.ask_again_button)
    assert items(page.allow_list) == [
        "mcp:time:get_current_time",
        "user:lookup",
        "mcp:time:convert_time",
    ]
    editor = tool_editor(qtbot, dialog, page.edit_tool_button)
    editor.name_edit.setText("find")
    ok(qtbot, editor)
    assert "user:find" in items(page.allow_list)
    click(qtbot, page.remove_server_button)
    assert items(page.allow_list) == ["user:find"]
    settings = press(qtbot, dialog, applied, "Ok")
    assert settings.tools.always_allow == ("user:find",)
    assert settings.tools.mcp_servers == ()


def test_test_lists_the_tools_of_a_real_server(qtbot, loop):
    dialog, applied = open_tools_page(qtbot, Settings(tools=ToolSettings(mcp_servers=(TIME,))))
    page = dialog.tools
    editor = server_editor(qtbot, dialog, page.edit_server_button)
    click(qtbot, editor.test_button)
    assert editor.test_button.text().replace("&", "") == "Stop"
    qtbot.waitUntil(lambda: editor.test_status.text().startswith("✓"), timeout=60_000)
    names = [editor.tools_view.topLevelItem(i).text(0) for i in range(2)]
    assert "get_current_time" in names
    assert editor.tools_view.isVisibleTo(editor)
    qtbot.waitUntil(lambda: not editor.testing(), timeout=20_000)  # the server was stopped
    assert editor.test_button.text().replace("&", "") == "Test"
    ok(qtbot, editor)
    assert "✓ 2 tools: get_current_time" in page.server_list.item(0).text()
    settings = press(qtbot, dialog, applied, "Ok")
    assert settings.tools.mcp_servers == (TIME,)


def test_a_failing_server_shows_its_stderr_and_the_dialog_stays_usable(qtbot, loop):
    crashing = McpServer(
        "crashing",
        command=sys.executable,
        args=("-S", "-m", "tests.tools.crashing_mcp_server"),  # -S: without site-packages,
        cwd=str(ROOT),  # the server cannot import the SDK and dies at start
    )
    dialog, applied = open_tools_page(qtbot, Settings(tools=ToolSettings(mcp_servers=(crashing,))))
    editor = server_editor(qtbot, dialog, dialog.tools.edit_server_button)
    click(qtbot, editor.test_button)
    qtbot.waitUntil(lambda: editor.test_status.text().startswith("✗"), timeout=60_000)
    assert editor.test_status.text() == (
        "✗ MCP server 'crashing' could not start: the server closed the connection "
        "(it may have exited)"
    )
    assert editor.stderr_view.isVisibleTo(editor)
    stderr = editor.stderr_view.toPlainText()
    assert "crashing_mcp_server.py" in stderr
    assert stderr.endswith("ModuleNotFoundError: No module named 'mcp'")
    qtbot.waitUntil(lambda: not editor.testing(), timeout=20_000)

    editor.args_edit.setText("-m tests.tools.crashing_mcp_server")  # fixed: now it starts
    click(qtbot, editor.test_button)
    qtbot.waitUntil(lambda: editor.test_status.text().startswith("✓"), timeout=60_000)
    assert not editor.stderr_view.isVisibleTo(editor)
    names = {editor.tools_view.topLevelItem(i).text(0) for i in range(2)}
    assert names == {"echo", "crash"}
    qtbot.waitUntil(lambda: not editor.testing(), timeout=20_000)
    ok(qtbot, editor)
    settings = press(qtbot, dialog, applied, "Ok")
    assert settings.tools.mcp_servers[0].args == ("-m", "tests.tools.crashing_mcp_server")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _mute_server(pid_file: Path) -> McpServer:
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    return McpServer("mute", command=sys.executable, args=("-c", code))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_stop_and_closing_end_the_test_and_the_server(qtbot, loop, tmp_path):
    pid_file = tmp_path / "pid"
    dialog, applied = open_tools_page(
        qtbot, Settings(tools=ToolSettings(mcp_servers=(_mute_server(pid_file),)))
    )
    editor = server_editor(qtbot, dialog, dialog.tools.edit_server_button)
    click(qtbot, editor.test_button)
    qtbot.waitUntil(lambda: pid_file.exists() and pid_file.read_text().isdigit(), timeout=20_000)
    pid = int(pid_file.read_text())
    assert editor.testing()
    # Other tasks keep running while the server does not answer.
    ticker = loop.create_task(asyncio.sleep(0.05, result="ticked"))
    qtbot.waitUntil(ticker.done, timeout=2_000)
    click(qtbot, editor.test_button)  # Stop
    assert editor.test_status.text() == "Test stopped."
    qtbot.waitUntil(lambda: not editor.testing() and not _alive(pid), timeout=20_000)
    assert editor.test_button.text().replace("&", "") == "Test"

    pid_file.unlink()
    click(qtbot, editor.test_button)
    qtbot.waitUntil(lambda: pid_file.exists() and pid_file.read_text().isdigit(), timeout=20_000)
    pid = int(pid_file.read_text())
    settings = press(qtbot, dialog, applied, "Apply")  # the dialog answers during a test
    assert settings.tools.mcp_servers[0].name == "mute"
    dialog.reject()  # closing the Settings dialog closes the editor and stops the server
    qtbot.waitUntil(lambda: not dialog.tools._tasks and not _alive(pid), timeout=20_000)
    assert dialog.tools.server_editor is None


def test_opening_settings_imports_neither_the_sdk_nor_jsonschema():
    code = (
        "import sys, desktop_chat.ui.settings.dialog; "
        "print(sorted(m for m in ('mcp', 'jsonschema') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_test_says_in_one_line_what_a_server_printed_on_stdout(qtbot, loop):
    noisy = McpServer(
        "noisy", command=sys.executable, args=("-m", "tests.tools.noisy_mcp_server"), cwd=str(ROOT)
    )
    dialog, _applied = open_tools_page(qtbot, Settings(tools=ToolSettings(mcp_servers=(noisy,))))
    editor = server_editor(qtbot, dialog, dialog.tools.edit_server_button)
    click(qtbot, editor.test_button)
    qtbot.waitUntil(lambda: not editor.testing(), timeout=60_000)
    assert editor.test_status.text() == (
        "✓ Connected; the server offers 1 tool.\n⚠ MCP server 'noisy' printed text on stdout, "
        "where only MCP messages belong: 'Noisy MCP server 1.2 starting on stdio; reading the "
        "config from /etc/noisy/serv…'; it was ignored."
    )
    assert editor.tools_view.topLevelItem(0).text(0) == "echo"
