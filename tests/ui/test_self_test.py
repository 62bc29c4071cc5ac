"""The self-test in process: it passes on the demo, reports what failed, and writes nothing."""

from __future__ import annotations

import pytest

from desktop_chat import paths
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import save_settings
from desktop_chat.ui import self_test


def test_passes_and_reports_on_stdout(run_async, capsys):
    code = run_async(self_test.run_self_test(30.0), timeout=40.0)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "desktop-chat self-test passed" in out
    assert "characters streamed and rendered" in out
    assert not paths.settings_path().exists()


def test_uses_the_demo_even_when_endpoints_are_configured(run_async, capsys):
    unreachable = Endpoint("Remote", "openai", "http://127.0.0.1:9/v1", "gpt-x")
    path = save_settings(Settings((unreachable,), "Remote"))
    before = path.read_bytes()
    code = run_async(self_test.run_self_test(30.0), timeout=40.0)
    _, err = capsys.readouterr()
    assert code == 0, err
    assert path.read_bytes() == before  # read, never written


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"EXPECTED": "text the demo never sends"}, "streamed but not rendered"),
        ({"QUESTION": ""}, "the demo answer did not finish"),  # a blank message is not sent
    ],
)
def test_failures_exit_1_with_the_reason(run_async, capsys, monkeypatch, patch, reason):
    for name, value in patch.items():
        monkeypatch.setattr(self_test, name, value)
    code = run_async(self_test.run_self_test(30.0), timeout=40.0)
    out, err = capsys.readouterr()
    assert code == 1
    assert "passed" not in out
    assert err.startswith("desktop-chat self-test FAILED: ")
    assert reason in err


def test_timeout_is_a_failure(run_async, capsys):
    code = run_async(self_test.run_self_test(0.001))
    _, err = capsys.readouterr()
    assert code == 1
    assert "no complete answer within 0.001 s" in err
