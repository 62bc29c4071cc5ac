"""The private keyring the suite starts comes back, with its secrets, after its daemon dies; the
test it died in fails."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.support import keyring_session
from tests.support.keyring_session import PrivateKeyring, RealKeyring


def test_a_dead_keyring_daemon_is_revived_with_its_secrets(tmp_path: Path) -> None:
    from keyring.backends import SecretService

    with PrivateKeyring(tmp_path) as private:
        kept = RealKeyring(private.address, True, SecretService.Keyring())  # type: ignore[no-untyped-call]
        env = kept.env()
        backend = kept.backend
        previous = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = env["DBUS_SESSION_BUS_ADDRESS"]
        try:
            backend.set_password("revive-test", "entry", "the value")
            assert private.revive() is None  # alive: nothing to do
            daemon = private._procs[-1]
            daemon.send_signal(signal.SIGABRT)
            daemon.wait(10)
            ending = private.revive()
            assert ending is not None
            assert "exit status" in ending
            assert backend.get_password("revive-test", "entry") == "the value"
        finally:
            if previous is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous


def test_a_daemon_that_dies_during_a_test_fails_that_test_and_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PrivateKeyring(tmp_path) as private:
        monkeypatch.setattr(keyring_session, "_private", [private])
        keyring_session.fail_if_a_daemon_died("during this test")  # alive: nothing to say
        daemon = private._procs[-1]
        daemon.send_signal(signal.SIGABRT)
        daemon.wait(10)
        with pytest.raises(pytest.fail.Exception, match=r"died during this test \(exit status -6"):
            keyring_session.fail_if_a_daemon_died("during this test")
        assert private.revive() is None  # started again for the tests that follow
