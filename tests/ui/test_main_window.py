"""The real window against the scripted SSE server: stream, stop, retry, regenerate, edit."""

from __future__ import annotations

import dataclasses
import json

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop_chat import paths
from desktop_chat.core.conversation import AssistantTurn
from desktop_chat.core.events import AttemptStarted, TextDelta, Usage
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Network, Preset, Settings
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.tools.events import StepStarted
from desktop_chat.ui.chat.status_bar import StatusBar
from desktop_chat.ui.window_settings import FIRST_RUN_HINT
from tests.support.sse_server import Reply
from tests.support.streams import anthropic_stream, openai_stream
from tests.support.window import KEY, keyed, local, outcomes, send, wait_outcome


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_send_streams_the_answer(qtbot, open_window, sse_server, protocol):
    pieces = ["Hello", ", ", "**world**", "!"]
    chunks = openai_stream(pieces) if protocol == "openai" else anthropic_stream(pieces)
    sse_server.script(Reply(chunks=chunks, delay=0.01))
    window = open_window(local(sse_server, protocol), keyed())
    seen = outcomes(window)
    assert window.composer.editor.hasFocus()
    send(qtbot, window, "Say hello")
    assert window.composer.text() == ""
    assert window.composer.stop_button.isVisible()
    assert wait_outcome(qtbot, seen, window=window) == "finished"

    shown = window.transcript_text()
    assert "Say hello" in shown
    assert "Hello, world!" in shown  # Markdown rendered: no asterisks left
    assert window.last_answer_text() == "Hello, **world**!"
    request = sse_server.requests[0]
    body = request.json()
    if protocol == "openai":
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert body["messages"][-1] == {"role": "user", "content": "Say hello"}
    else:
        assert request.headers["x-api-key"] == KEY
        assert body["messages"][-1]["content"] in (
            "Say hello",
            [{"type": "text", "text": "Say hello"}],
        )
    assert body["max_tokens"] == 4096 or body.get("max_completion_tokens") == 4096
    assert window.composer.send_button.isVisible()
    status = window.status
    assert status.state_label.text() == "Done"
    assert status.usage_label.text() == "in 12 · out 34"
    assert status.attempts_label.text() == "1 attempt"
    assert status.ttft_label.text().startswith("first token ")
    model = "m" if protocol == "openai" else "claude-test"
    assert status.target_label.text() == f"Local · {model}"


def test_options_reach_the_request(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    window.top_bar.set_system_prompt("Answer in French.")
    window.top_bar.set_temperature(0.3)
    window.top_bar.max_tokens.setValue(77)
    send(qtbot, window, "hi")
    wait_outcome(qtbot, seen, window=window)
    body = sse_server.requests[0].json()
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert body["temperature"] == 0.3
    assert 77 in (body.get("max_tokens"), body.get("max_completion_tokens"))


def test_a_preset_from_the_system_prompt_menu_reaches_the_request(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    terse = Preset("terse", "Answer in one line.", "m-small", 0.2, 50)
    window = open_window(dataclasses.replace(local(sse_server), presets=(terse,)), keyed())
    seen = outcomes(window)
    menu = window.top_bar.preset_menu
    assert [action.text() for action in menu.actions()] == ["terse"]
    menu.actions()[0].trigger()
    assert window.top_bar.system_prompt() == "Answer in one line."
    assert window.top_bar.params_button.text() == "•"  # a prompt is set, the panel shut
    assert window.top_bar.params_button.accessibleDescription() == "A system prompt is set"
    send(qtbot, window, "hi")
    wait_outcome(qtbot, seen, window=window)
    body = sse_server.requests[-1].json()
    assert body["messages"][0] == {"role": "system", "content": "Answer in one line."}
    assert (body["model"], body["temperature"]) == ("m-small", 0.2)
    assert 50 in (body.get("max_tokens"), body.get("max_completion_tokens"))


def test_with_no_presets_the_menu_says_how_to_add_one(qtbot, open_window, sse_server):
    window = open_window(local(sse_server), keyed())
    (hint,) = window.top_bar.preset_menu.actions()
    assert hint.text() == "No presets: desktop-chat preset add NAME"
    assert not hint.isEnabled()


def test_escape_stops_at_once_and_keeps_the_partial_answer(qtbot, open_window, sse_server):
    pieces = [f"word{i} " for i in range(300)]
    sse_server.script(Reply(chunks=openai_stream(pieces), delay=0.02))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "long answer please")
    qtbot.waitUntil(lambda: "word3 " in window.transcript_text(), timeout=5000)
    qtbot.keyClick(window.composer.editor, Qt.Key_Escape)
    assert seen == ["stopped"]  # synchronous: no waiting for the network
    kept = window.last_answer_text()
    assert kept.startswith("word0 word1 word2 word3 ")
    assert "word299" not in kept
    shown = window.transcript_text()
    assert "Stopped" in shown
    assert window.status.state_label.text() == "Stopped"
    assert not window.chat.streaming
    qtbot.wait(150)
    assert window.last_answer_text() == kept  # nothing arrives after Stop
    # The kept answer is part of the conversation sent next.
    sse_server.script(Reply(chunks=openai_stream(["next"])))
    send(qtbot, window, "continue")
    wait_outcome(qtbot, seen, 2, window=window)
    messages = sse_server.requests[-1].json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == kept


def test_stop_button_stops(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream([f"x{i} " for i in range(200)]), delay=0.02))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "go")
    qtbot.waitUntil(lambda: "x2" in window.transcript_text(), timeout=5000)
    qtbot.mouseClick(window.composer.stop_button, Qt.LeftButton)
    assert seen == ["stopped"]
    assert window.composer.send_button.isVisible()


def test_retry_shows_cause_and_countdown_then_the_answer(qtbot, open_window, sse_server):
    sse_server.script(
        Reply(503, headers={"retry-after": "2"}, body=b'{"error": {"message": "busy"}}'),
        Reply(chunks=openai_stream(["after ", "retry"])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    expected = "server error 503 — retrying in 2 s, attempt 2 of 4"
    qtbot.waitUntil(lambda: expected in window.transcript_text(), timeout=5000)
    qtbot.waitUntil(lambda: "retrying in 1 s" in window.transcript_text(), timeout=3000)
    assert window.status.state_label.text().startswith("Retrying in")
    assert wait_outcome(qtbot, seen, window=window, timeout=10_000) == "finished"
    shown = window.transcript_text()
    assert "after retry" in shown
    assert "retrying" not in shown  # the notice goes once the answer flows
    assert window.status.attempts_label.text() == "attempt 2 of 4"


def test_connection_lost_mid_answer_is_retried_without_duplicate_text(
    qtbot, open_window, sse_server
):
    first = openai_stream(["Partial ", "text ", "that ", "is ", "lost"])
    sse_server.script(
        Reply(chunks=first, drop_after=3),
        Reply(chunks=openai_stream(["Whole ", "answer"])),
    )
    window = open_window(local(sse_server), keyed())
    notices: list[str] = []
    original = window.transcript.set_notice
    window.transcript.set_notice = lambda text: (notices.append(text), original(text))[1]
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert any(n.startswith("connection lost — retrying in") for n in notices)
    assert any("the partial answer will be replaced" in n for n in notices)
    assert window.last_answer_text() == "Whole answer"
    assert "Partial" not in window.transcript_text()


def test_http_401_is_shown_inline_and_retry_works(qtbot, open_window, sse_server):
    sse_server.script(
        Reply(401, body=b'{"error": {"message": "Incorrect API key provided"}}'),
        Reply(chunks=openai_stream(["welcome back"])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    shown = window.transcript_text()
    assert "The API key was rejected: check the key for this endpoint (HTTP 401)" in shown
    assert "Incorrect API key provided" in shown
    assert "Retry" in shown
    assert window.status.state_label.text() == "Failed"
    window.transcript.retry_requested.emit()  # the inline Retry link
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    shown = window.transcript_text()
    assert "welcome back" in shown
    assert "HTTP 401" not in shown
    assert [m.role for m in window.chat.messages] == ["user", "assistant"]
    assert len(sse_server.requests) == 2


def test_regenerate_answers_again_and_keeps_the_old_answer_as_a_version(
    qtbot, open_window, sse_server
):
    sse_server.script(
        Reply(chunks=openai_stream(["first answer"])),
        Reply(chunks=openai_stream(["second answer"])),
        Reply(chunks=openai_stream(["third answer"])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "question")
    wait_outcome(qtbot, seen, window=window)
    window.transcript.regenerate_requested.emit()
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    shown = window.transcript_text()
    assert "second answer" in shown
    assert "first answer" not in shown  # kept as the earlier version, one step away
    assert "‹ 2/2 ›" in shown
    # The model sees only the question: the replaced answer is not part of the conversation.
    assert sse_server.requests[1].json()["messages"] == [{"role": "user", "content": "question"}]
    window.transcript.regenerate_requested.emit()
    assert wait_outcome(qtbot, seen, 3, window=window) == "finished"
    assert sse_server.requests[2].json()["messages"] == [{"role": "user", "content": "question"}]
    assert [m.text for m in window.chat.conversation().messages] == ["question", "third answer"]
    assert "‹ 3/3 ›" in window.transcript_text()
    window.transcript.version_requested.emit(1, -1)
    shown = window.transcript_text()
    assert "second answer" in shown
    assert "‹ 2/3 ›" in shown
    assert "third answer" not in shown


def test_edit_and_resend_makes_a_new_version_of_the_message(qtbot, open_window, sse_server):
    sse_server.script(
        Reply(chunks=openai_stream(["A1"])),
        Reply(chunks=openai_stream(["A2"])),
        Reply(chunks=openai_stream(["A1 again"])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "Q1")
    wait_outcome(qtbot, seen, window=window)
    send(qtbot, window, "Q2")
    wait_outcome(qtbot, seen, 2, window=window)
    window.transcript.edit_requested.emit(0)
    assert window.composer.editing
    assert window.composer.text() == "Q1"
    assert "sending makes a new version" in window.composer.edit_label.text()
    window.composer.set_text("Q1 edited")
    qtbot.keyClick(window.composer.editor, Qt.Key_Return)
    assert wait_outcome(qtbot, seen, 3, window=window) == "finished"
    assert [m.text for m in window.chat.messages] == ["Q1 edited", "A1 again"]
    assert sse_server.requests[2].json()["messages"] == [{"role": "user", "content": "Q1 edited"}]
    shown = window.transcript_text()
    assert "Q2" not in shown
    assert "‹ 2/2 ›" in shown
    assert not window.composer.editing
    window.transcript.version_requested.emit(0, -1)
    assert [m.text for m in window.chat.messages] == ["Q1", "A1", "Q2", "A2"]


def test_escape_cancels_an_edit(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["A"])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "Q")
    wait_outcome(qtbot, seen, window=window)
    window.transcript.edit_requested.emit(0)
    qtbot.keyClick(window.composer.editor, Qt.Key_Escape)
    assert not window.composer.editing
    assert window.composer.text() == ""


def test_copy_puts_markdown_on_the_clipboard(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["# Title\n\n", "*soft*"])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "md")
    wait_outcome(qtbot, seen, window=window)
    window.transcript.copy_requested.emit(1)
    assert QGuiApplication.clipboard().text() == "# Title\n\n*soft*"


def test_a_rendering_error_is_reported_and_the_stream_goes_on(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["one ", "two ", "three"]), delay=0.03))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    original = window.transcript.append_text
    calls: list[str] = []

    def flaky(text: str) -> None:
        calls.append(text)
        if len(calls) == 1:
            raise RuntimeError("drawing broke")
        original(text)

    window.transcript.append_text = flaky
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert window.last_answer_text() == "one two three"  # the stream itself lost nothing
    banner = window.banners.banner("render")
    assert banner is not None
    assert "drawing broke" in banner.label.text()


def test_fresh_profile_talks_to_the_demo_and_hints_at_settings(qtbot, open_window):
    window = open_window()
    assert window.top_bar.endpoint_combo.currentText() == "Offline demo"
    assert window.top_bar.current_model() == "demo-model"
    hint = window.banners.banner("first-run")
    assert hint is not None
    assert hint.label.text() == FIRST_RUN_HINT
    seen = outcomes(window)
    send(qtbot, window, "hello demo")
    assert wait_outcome(qtbot, seen, window=window, timeout=20_000) == "finished"
    assert "Hello from the demo model" in window.transcript_text()
    assert hint.action_button is not None
    qtbot.mouseClick(hint.action_button, Qt.LeftButton)
    assert window.settings_dialog is not None
    assert window.settings_dialog.isVisible()
    window.settings_dialog.reject()


def test_settings_from_a_newer_version_are_left_untouched(qtbot, open_window, sse_server):
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 99}', encoding="utf-8")
    window = open_window()
    assert window.read_only
    assert "newer" in window.banners.banner("read-only").label.text() or "version" in (
        window.banners.banner("read-only").label.text()
    )
    window.update_settings(local(sse_server))
    qtbot.wait(100)
    assert path.read_text(encoding="utf-8") == '{"version": 99}'


def test_settings_round_trip_through_the_window_with_the_real_keyring(
    qtbot, open_window, sse_server, use_real_keyring
):
    sse_server.route("GET", "/v1/models", Reply(body=b'{"data": [{"id": "m"}, {"id": "m2"}]}'))
    sse_server.script(Reply(chunks=openai_stream(["keyed answer"])))
    window = open_window(keystore=KeyStore())
    qtbot.keyClick(window.composer.editor, Qt.Key_Comma, Qt.ControlModifier)
    dialog = window.settings_dialog
    assert dialog is not None
    assert dialog.isVisible()
    editor = dialog.endpoints
    editor.add_endpoint()
    name = f"Window test {id(window)}"
    for widget, text in (
        (editor.name_edit, name),
        (editor.url_edit, sse_server.url + "/v1"),
        (editor.model_edit, "m"),
        (editor.key_edit, KEY),
    ):
        widget.setFocus()
        widget.selectAll()
        qtbot.keyClicks(widget, text)
    applied: list[Settings] = []
    dialog.settings_applied.connect(applied.append)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(applied) and window.settings_dialog is None, timeout=10_000)
    try:
        assert window.top_bar.current_endpoint() == name
        assert window.banners.banner("first-run") is None
        qtbot.waitUntil(lambda: load_settings().settings.endpoint(name) is not None, timeout=5000)
        text = paths.settings_path().read_text(encoding="utf-8")
        assert KEY not in text
        seen = outcomes(window)
        send(qtbot, window, "with key")
        assert wait_outcome(qtbot, seen, window=window) == "finished"
        chat = [r for r in sse_server.requests if r.method == "POST"]
        assert chat[-1].headers["authorization"] == f"Bearer {KEY}"
        qtbot.waitUntil(
            lambda: load_settings().settings.models_cache.get(name) == ("m", "m2"), timeout=5000
        )
    finally:
        KeyStore(use_real_keyring.backend).delete(name)


def test_no_keyring_sends_without_a_key_and_says_so(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["local model answer"])))
    window = open_window(local(sse_server), KeyStore(fail.Keyring()))
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert "authorization" not in sse_server.requests[0].headers
    banner = window.banners.banner("keyring")
    assert banner is not None
    assert "no system keyring" in banner.label.text()


@pytest.mark.parametrize("keyring", ["none stored", "no keyring"])
def test_a_refusal_of_a_turn_sent_without_a_key_says_why(qtbot, open_window, sse_server, keyring):
    store = KeyStore(session_only=True) if keyring == "none stored" else KeyStore(fail.Keyring())
    sse_server.script(Reply(401, body=b'{"error":{"message":"Missing bearer token"}}'))
    window = open_window(local(sse_server), store)
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    assert "authorization" not in sse_server.requests[0].headers
    if keyring == "none stored":
        expected = "No key stored for 'Local': type it in Settings → Endpoints (HTTP 401)"
    else:
        expected = "No key was sent, since the keyring could not be read: Could not read"
    assert window.chat.last_error.startswith(expected), window.chat.last_error
    assert "The API key was rejected" not in window.transcript_text()


def test_a_key_stored_for_another_origin_is_not_sent(qtbot, open_window, sse_server):
    settings = local(sse_server)
    (endpoint,) = settings.endpoints
    moved = dataclasses.replace(endpoint, key_origin="https://api.example.com")
    window = open_window(dataclasses.replace(settings, endpoints=(moved,)), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    assert sse_server.requests == []
    origin = sse_server.url.rstrip("/")
    assert window.chat.last_error == (
        f"The key for 'Local' was stored for https://api.example.com, but the endpoint now points "
        f"at {origin}; the key was not sent. To use it: open Settings → Endpoints and tick “Send "
        "the stored key to …” below the key, or type a key for the new address there."
    )


def test_a_model_list_is_not_fetched_with_a_held_back_key(qtbot, open_window, sse_server):
    settings = local(sse_server)
    (endpoint,) = settings.endpoints
    moved = dataclasses.replace(endpoint, key_origin="https://api.example.com")
    window = open_window(dataclasses.replace(settings, endpoints=(moved,)), keyed())
    window.target.fetch_models(force=True)
    qtbot.waitUntil(lambda: "the key was not sent" in window.status.currentMessage(), timeout=5000)
    assert window.status.currentMessage().startswith("Could not fetch the model list: The key for")
    assert sse_server.requests == []


def test_changed_network_settings_apply_to_the_next_request(qtbot, open_window, sse_server):
    sse_server.script(
        Reply(503, body=b"{}"),
        Reply(503, body=b"{}"),
    )
    settings = local(sse_server)
    window = open_window(settings, keyed())
    seen = outcomes(window)
    no_retries = Settings(
        settings.endpoints,
        "Local",
        network=Network(max_retries=0),
        models_cache=settings.models_cache,
    )
    window.update_settings(no_retries)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    assert len(sse_server.requests) == 1  # max_retries 0 took effect without a restart

    def saved_retries() -> object:  # the window saves in the background
        saved = json.loads(paths.settings_path().read_text(encoding="utf-8"))
        return saved["network"]["max_retries"]

    qtbot.waitUntil(lambda: saved_retries() == 0, timeout=5_000)


def test_keyboard_shortcuts_and_focus(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["A"])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    assert window.composer.editor.hasFocus()
    send(qtbot, window, "Q")
    wait_outcome(qtbot, seen, window=window)
    window.top_bar.max_tokens.setFocus()
    qtbot.keyClick(window.top_bar.max_tokens, Qt.Key_L, Qt.ControlModifier)
    assert window.composer.editor.hasFocus()
    qtbot.keyClick(window.composer.editor, Qt.Key_N, Qt.ControlModifier)
    assert window.chat.messages == []
    assert window.transcript.count() == 0
    assert window.composer.editor.hasFocus()
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    qtbot.keyClick(window.composer.editor, Qt.Key_Q, Qt.ControlModifier)
    assert closed == [True]
    assert not window.isVisible()


def nameless_controls(root: QWidget) -> list[str]:
    kinds = (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QAbstractSpinBox)
    return [
        f"{type(w).__name__} {w.objectName() or w.toolTip()!r}"
        for w in root.findChildren(QWidget)
        if isinstance(w, kinds) and not w.accessibleName()
    ]


def test_every_control_has_an_accessible_name(qtbot, open_window):
    window = open_window()
    assert nameless_controls(window) == []
    window.open_settings()
    dialog = window.settings_dialog
    assert dialog is not None
    dialog.endpoints.add_endpoint("OpenAI")
    assert nameless_controls(dialog) == []
    dialog.reject()


def test_status_bar_figures_from_events(qtbot):
    clock = iter([0.0, 0.5, 1.5, 2.5]).__next__
    bar = StatusBar(clock=clock)
    qtbot.addWidget(bar)
    bar.turn_started()  # t = 0
    bar.record([AttemptStarted(1, 4), TextDelta("a")])  # first token at 0.5
    bar.record([TextDelta("b"), TextDelta("c")])  # 1.5
    assert bar.ttft_label.text() == "first token 0.50 s"
    assert bar.speed_label.text() == "≈3.0 tok/s"  # 3 pieces over 1 s, approximate
    bar.record([Usage(10, 20)])  # 2.5
    bar.turn_ended("Done", AssistantTurn(text="abc", output_tokens=20, input_tokens=10, attempts=1))
    assert bar.speed_label.text() == "20.0 tok/s"
    assert bar.usage_label.text() == "in 10 · out 20"
    assert bar.attempts_label.text() == "1 attempt"
    assert bar.state_label.text() == "Done"


def test_status_bar_times_each_tool_step_from_its_own_start(qtbot):
    clock = iter([0.0, 0.5, 3.0, 3.5]).__next__
    bar = StatusBar(clock=clock)
    qtbot.addWidget(bar)
    bar.turn_started()  # t = 0
    bar.record([AttemptStarted(1, 4), TextDelta("a")])  # step 1's first token at 0.5
    # One frame's batch: the tools ran, the next request went out and its first token came.
    bar.record([StepStarted(2, 8), AttemptStarted(1, 4), TextDelta("b")])  # 3.0
    assert bar.ttft_label.text() == "first token 0.00 s"
    bar.record([TextDelta("c")])  # 3.5
    assert bar.ttft_label.text() == "first token 0.00 s"
    assert bar.speed_label.text() == "≈4.0 tok/s"  # step 2's 2 pieces over 0.5 s


def test_applied_settings_switch_theme_and_send_chord_at_once(qtbot, open_window):
    window = open_window()
    app = QApplication.instance()
    schemes: list[str] = []
    window.theme.scheme_changed.connect(schemes.append)
    try:
        dark = window.settings.with_option("ui.theme", "dark").with_option(
            "ui.send_with_ctrl_enter", True
        )
        window._on_settings_applied(dark)
        assert window.theme.scheme == "dark"
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 128
        assert schemes[-1] == "dark"
        assert window.composer.editor.ctrl_enter_sends
        assert "Ctrl+Enter sends" in window.composer.editor.placeholderText()
        light = dark.with_option("ui.theme", "light")
        window._on_settings_applied(light)
        assert window.theme.scheme == "light"
        assert app.palette().color(QPalette.ColorRole.Window).lightness() >= 128
    finally:
        window.theme.set_choice("system")
