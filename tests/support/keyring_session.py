"""Give tests a real Secret Service keyring, starting a private one when none is reachable.

``real_keyring`` (session scope) reuses a Secret Service on the current session bus when it is
running *and* its default collection is unlocked (as in CI under ``dbus-run-session`` with
``gnome-keyring-daemon --unlock``). Otherwise it starts a private ``dbus-daemon`` and
``gnome-keyring-daemon --unlock --components=secrets`` with their own HOME/XDG dirs in a temp
dir, points ``DBUS_SESSION_BUS_ADDRESS`` at that bus for the tests and their child processes, and
stops both daemons at the end. Missing daemons fail the run with the apt packages to install.

The private bus has no service activation, so nothing can start a second, locked keyring daemon
behind the tests' back, and nothing outlives the session.

``use_real_keyring`` (function scope) also makes ``keyring.get_keyring()`` return that backend
and clears ``PYTHON_KEYRING_BACKEND`` for the test, so code that picks the default backend
(``KeyStore()``) uses the real keyring.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

APT_PACKAGES = "gnome-keyring libsecret-1-0 dbus-daemon"
SECRETS_NAME = "org.freedesktop.secrets"
START_TIMEOUT = 10.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True, slots=True)
class RealKeyring:
    """A reachable Secret Service: the bus it lives on and a keyring backend bound to it."""

    bus_address: str
    private: bool
    backend: KeyringBackend  # a keyring.backends.SecretService.Keyring

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Return an environment for a child process that must use this keyring."""
        env = dict(os.environ if base is None else base)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        env.pop("PYTHON_KEYRING_BACKEND", None)
        return env


def secret_service_ready(address: str, timeout: float = 2.0) -> bool:
    """Tell whether ``address`` has a Secret Service whose default collection is unlocked.

    Asks with plain D-Bus calls (NameHasOwner, ReadAlias, Properties.Get) so that nothing is
    activated and no unlock prompt can appear.
    """
    from jeepney import DBusAddress, MessageType, Properties, new_method_call  # type: ignore[import-untyped]
    from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
    from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

    try:
        with open_dbus_connection(bus=address) as conn:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME), timeout=timeout)
            if not reply.body[0]:
                return False
            service = DBusAddress(
                "/org/freedesktop/secrets", SECRETS_NAME, "org.freedesktop.Secret.Service"
            )
            call = new_method_call(service, "ReadAlias", "s", ("default",))
            reply = conn.send_and_get_reply(call, timeout=timeout)
            if reply.header.message_type is MessageType.error or reply.body[0] == "/":
                return False
            collection = DBusAddress(
                reply.body[0], SECRETS_NAME, "org.freedesktop.Secret.Collection"
            )
            reply = conn.send_and_get_reply(Properties(collection).get("Locked"), timeout=timeout)
            return reply.header.message_type is not MessageType.error and not reply.body[0][1]
    except (OSError, TimeoutError, ValueError, KeyError):
        return False


class PrivateKeyring:
    """A private session bus plus gnome-keyring-daemon, with every file under ``root``.

    ``unlock=False`` starts the daemon without a password, so an existing login keyring under
    ``root`` stays locked: the way to test what a locked keyring does.
    """

    def __init__(self, root: Path, *, unlock: bool = True, password: str = "test-password"):
        self.root = root
        self.unlock = unlock
        self.password = password
        self.address = ""
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> str:
        """Start both daemons and return the bus address once the keyring answers."""
        dbus, gkd = shutil.which("dbus-daemon"), shutil.which("gnome-keyring-daemon")
        if dbus is None or gkd is None:
            pytest.fail(
                "a real keyring is needed for these tests, but dbus-daemon or "
                f"gnome-keyring-daemon is missing: apt-get install -y {APT_PACKAGES}",
                pytrace=False,
            )
        env = self._env()
        config = self.root / "bus.conf"
        config.write_text(_BUS_CONFIG.format(socket_dir=self.root / "run"), encoding="utf-8")
        bus_log = (self.root / "dbus.log").open("wb")
        bus = subprocess.Popen(
            [dbus, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=bus_log, env=env,
        )  # fmt: skip
        bus_log.close()
        self._procs.append(bus)
        self.address = self._read_address(bus)
        self._start_keyring(gkd)
        return self.address

    def revive(self) -> str | None:
        """Start gnome-keyring-daemon again on the same bus if it died; say how it ended.

        gnome-keyring-daemon 42 aborts when the requests of two clients overlap
        ("invoke_get_property_in_idle_cb: assertion failed: (error != NULL)"): KeyStore makes
        one call at a time for that reason, but a test may still overlap with a child process.
        The stored keyring is on disk, so a new daemon serves the same secrets.
        """
        if not self._procs or self._procs[-1].poll() is None:
            return None
        dead = self._procs.pop()
        log = self.root / "gnome-keyring.log"
        ending = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        kept = log.rename(self.root / f"gnome-keyring-{dead.pid}.log")
        self._start_keyring(shutil.which("gnome-keyring-daemon") or "gnome-keyring-daemon")
        return f"exit status {dead.returncode}: {ending[0]} (its log: {kept})"

    def _start_keyring(self, gkd: str) -> None:
        env = self._env()
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        args = [gkd, "--foreground", "--components=secrets"] + (["--unlock"] if self.unlock else [])
        gk_log = (self.root / "gnome-keyring.log").open("wb")
        keyring = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=gk_log, stderr=gk_log, env=env
        )
        gk_log.close()
        self._procs.append(keyring)
        assert keyring.stdin is not None
        # --unlock reads the login keyring's password from stdin, up to EOF.
        keyring.stdin.write(self.password.encode() if self.unlock else b"")
        keyring.stdin.close()
        self._wait_for_service()

    def stop(self) -> None:
        """Stop the daemons (keyring first, then the bus), killing any that do not exit."""
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()

    def __enter__(self) -> PrivateKeyring:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _env(self) -> dict[str, str]:
        dirs = {
            "HOME": "home",
            "XDG_DATA_HOME": "data",
            "XDG_CONFIG_HOME": "config",
            "XDG_CACHE_HOME": "cache",
            "XDG_RUNTIME_DIR": "run",
        }
        env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
        for var, sub in dirs.items():
            path = self.root / sub
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            env[var] = str(path)
        return env

    def _read_address(self, bus: subprocess.Popen[bytes]) -> str:
        assert bus.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(bus.stdout, selectors.EVENT_READ)
            ready = sel.select(START_TIMEOUT)
        line = bus.stdout.readline().decode().strip() if ready else ""
        if not line:
            log = (self.root / "dbus.log").read_text(errors="replace")
            pytest.fail(f"dbus-daemon printed no address within {START_TIMEOUT}s: {log}")
        return line

    def _wait_for_service(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        for _ in range(int(START_TIMEOUT / 0.05)):
            if self._owned() and (not self.unlock or secret_service_ready(self.address)):
                return
            if time.monotonic() > deadline or self._procs[-1].poll() is not None:
                break
            time.sleep(0.05)
        log = (self.root / "gnome-keyring.log").read_text(errors="replace")
        pytest.fail(f"gnome-keyring-daemon did not come up within {START_TIMEOUT}s: {log}")

    def _owned(self) -> bool:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        with open_dbus_connection(bus=self.address) as conn:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME), timeout=2)
        return bool(reply.body[0])


# One keyring per session even when several conftests or test modules import the fixture:
# session fixtures end in reverse order of set-up, so the owner is always torn down last.
_shared: list[RealKeyring] = []
_private: list[PrivateKeyring] = []


def fail_if_a_daemon_died(when: str) -> None:
    """Fail with how the shared keyring daemon ended if it died, after starting it again.

    Started again (see PrivateKeyring.revive), it serves the tests that follow; the death
    itself is an error of the test it happened in, not a line at the end of the run (which
    xdist workers do not print).
    """
    for private in _private:
        ending = private.revive()
        if ending is not None:
            pytest.fail(f"gnome-keyring-daemon died {when} ({ending})", pytrace=False)


@pytest.fixture(autouse=True)
def _keyring_daemon_alive() -> Iterator[None]:
    fail_if_a_daemon_died("before this test")
    yield
    fail_if_a_daemon_died("during this test")


@pytest.fixture(scope="session")
def real_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealKeyring]:
    """Yield a real, unlocked Secret Service; start a private one if none is reachable."""
    from keyring.backends import SecretService

    if _shared:
        yield _shared[0]
        return
    previous = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    private: PrivateKeyring | None = None
    if previous and secret_service_ready(previous):
        address = previous
    else:
        private = PrivateKeyring(tmp_path_factory.mktemp("kr"))
        with contextlib.ExitStack() as guard:
            guard.callback(private.stop)  # stop whatever started if start-up fails half-way
            address = private.start()
            guard.pop_all()
        _private.append(private)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    _shared.append(RealKeyring(address, private is not None, SecretService.Keyring()))  # type: ignore[no-untyped-call]
    try:
        yield _shared[0]
    finally:
        _shared.clear()
        _private.clear()
        if private is not None:
            private.stop()
            if previous is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous


@pytest.fixture
def use_real_keyring(real_keyring: RealKeyring, monkeypatch: pytest.MonkeyPatch) -> RealKeyring:
    """Make the default keyring backend the real one for this test."""
    import keyring.core

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", real_keyring.bus_address)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "_keyring_backend", real_keyring.backend)
    return real_keyring
