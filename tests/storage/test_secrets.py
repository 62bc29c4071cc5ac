"""KeyStore against a real Secret Service, and the backends it must refuse."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, chainer, fail, null

from desktop_chat.storage.secrets import (
    MCP_HEADER_SERVICE,
    SERVICE,
    KeyringLocked,
    KeyringUnavailable,
    KeyStore,
    KeyStoreError,
    describe_backend,
    mcp_header_entry,
    refusal,
)
from tests.support.keyring_session import PrivateKeyring, RealKeyring

TEST_SERVICE = "desktop-chat-tests"
KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def name(real_keyring: RealKeyring) -> Iterator[str]:
    """A fresh endpoint name whose test-service entry is removed afterwards."""
    value = f"ep-{uuid.uuid4().hex[:10]}"
    yield value
    KeyStore(real_keyring.backend, service=TEST_SERVICE).delete(value)


@pytest.fixture
def store(real_keyring: RealKeyring) -> KeyStore:
    return KeyStore(real_keyring.backend, service=TEST_SERVICE)


def test_round_trip_in_the_real_keyring(store: KeyStore, name: str) -> None:
    assert store.available()
    assert store.backend_name() == "Secret Service"
    assert not store.session_only
    assert store.get(name) is None
    store.set(name, KEY)
    assert store.get(name) == KEY
    store.set(name, KEY + "-rotated")  # replaces, never adds a second entry
    assert store.get(name) == KEY + "-rotated"
    assert store.delete(name) is True
    assert store.get(name) is None
    assert store.delete(name) is False


def test_keys_are_kept_apart_by_name_and_service(
    real_keyring: RealKeyring, store: KeyStore, name: str
) -> None:
    store.set(name, KEY)
    assert store.get(name + "-other") is None
    elsewhere = KeyStore(real_keyring.backend, service=TEST_SERVICE + "-other")
    assert elsewhere.get(name) is None
    assert KeyStore(real_keyring.backend).get(name) is None  # the app's service is untouched


def test_mcp_header_values_have_their_own_service(
    real_keyring: RealKeyring, store: KeyStore, name: str
) -> None:
    entry = mcp_header_entry("web", "Authorization")
    assert entry == mcp_header_entry("web", "AUTHORIZATION") == "web/authorization"
    try:
        store.set(name, KEY)
        store.set(entry, "Bearer tok", service=MCP_HEADER_SERVICE)
        app = KeyStore(real_keyring.backend)
        assert app.get(entry, service=MCP_HEADER_SERVICE) == "Bearer tok"
        assert app.get(entry) is None  # not an endpoint key
        assert store.get(name, service=MCP_HEADER_SERVICE) is None
        assert store.get(name) == KEY
        with pytest.raises(KeyStoreError, match="authorization header of MCP server 'web' cannot"):
            store.set(entry, "", service=MCP_HEADER_SERVICE)
    finally:
        assert store.delete(entry, service=MCP_HEADER_SERVICE)
    assert store.get(entry, service=MCP_HEADER_SERVICE) is None
    session = KeyStore(store.backend(), service=TEST_SERVICE, session_only=True)
    session.set("web/authorization", "a", service=MCP_HEADER_SERVICE)
    assert session.get("web/authorization") is None
    assert session.get("web/authorization", service=MCP_HEADER_SERVICE) == "a"


def test_unusual_keys_survive(store: KeyStore, name: str) -> None:
    for key in ("ключ-🔑-鍵", "x" * 4096, "a=b&c;d'\"e"):
        store.set(name, key)
        assert store.get(name) == key


def test_empty_key_is_refused(store: KeyStore, name: str) -> None:
    with pytest.raises(KeyStoreError, match="empty"):
        store.set(name, "")
    assert store.get(name) is None


def test_async_wrappers_run_beside_the_loop(store: KeyStore, name: str) -> None:
    async def scenario() -> list[object]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            for _ in range(1000):
                ticks += 1
                await asyncio.sleep(0)

        tick_task = asyncio.create_task(ticker())
        await store.aset(name, KEY)
        got = await asyncio.wait_for(store.aget(name), timeout=10)
        deleted = await store.adelete(name)
        gone = await store.aget(name)
        available = await store.aavailable()
        await tick_task
        return [got, deleted, gone, available, ticks > 0]

    assert asyncio.run(scenario()) == [KEY, True, None, True, True]


def test_a_keyring_that_never_answers_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    store = KeyStore(answer_within=0.2)
    released = threading.Event()

    def stuck(*_args: object, **_kwargs: object) -> None:  # an unlock prompt nobody answers
        released.wait(10)

    monkeypatch.setattr(store, "get", stuck)
    monkeypatch.setattr(store, "available", stuck)

    async def scenario() -> tuple[str, bool, float]:
        started = time.monotonic()
        with pytest.raises(KeyringUnavailable) as info:
            await store.aget("work")
        available = await store.aavailable()
        elapsed = time.monotonic() - started
        released.set()  # let the stuck threads end before asyncio.run waits for them
        return str(info.value), available, elapsed

    try:
        message, available, elapsed = asyncio.run(scenario())
    finally:
        released.set()
    assert message == (
        "The system keyring did not answer within 0.2 s while reading the key for 'work' "
        "(an unlock prompt may be waiting, or the keyring service is stuck)."
    )
    assert available is False
    assert elapsed < 5


def test_default_backend_is_the_real_keyring(use_real_keyring: RealKeyring, name: str) -> None:
    default = KeyStore(service=TEST_SERVICE)
    assert default.backend_name() == "Secret Service"
    default.set(name, KEY)
    assert KeyStore(use_real_keyring.backend, service=TEST_SERVICE).get(name) == KEY
    assert KeyStore().backend_name() == "Secret Service"
    assert SERVICE == "desktop-chat"


@pytest.mark.parametrize(
    ("backend", "why"),
    [(fail.Keyring(), "no system keyring"), (null.Keyring(), "switched off")],
    ids=["fail", "null"],
)
def test_non_keyrings_are_refused(backend: KeyringBackend, why: str) -> None:
    store = KeyStore(backend)
    assert not store.available()
    for call in (lambda: store.get("e"), lambda: store.delete("e")):
        with pytest.raises(KeyringUnavailable, match=why):
            call()
    with pytest.raises(KeyringUnavailable, match="No key was stored anywhere") as info:
        store.set("e", KEY)
    assert KEY not in str(info.value)


def test_plaintext_backends_are_refused() -> None:
    # keyrings.alt is not installed here; an object from a class in its namespace is enough for
    # the rule, without registering a new backend in keyring's global class list.
    plaintext = type("PlaintextKeyring", (), {"__module__": "keyrings.alt.file"})()
    reason = refusal(plaintext)
    assert reason is not None
    assert "plain file" in reason
    assert describe_backend(plaintext) == "PlaintextKeyring"
    assert not KeyStore(plaintext).available()


def test_a_chain_is_only_as_good_as_its_members(
    real_keyring: RealKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert refusal(chain) is not None
    assert describe_backend(chain) == "no keyring"
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [real_keyring.backend])
    assert refusal(chain) is None
    assert describe_backend(chain) == "Secret Service"
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [real_keyring.backend, null.Keyring()])
    assert refusal(chain) is not None


def test_backend_names_for_people() -> None:
    assert describe_backend(fail.Keyring()) == "fail.Keyring"
    assert describe_backend(SecretService.Keyring()) == "Secret Service"
    assert refusal(SecretService.Keyring()) is None


def test_session_memory_never_touches_the_keyring(store: KeyStore, name: str) -> None:
    session = KeyStore(store.backend(), service=TEST_SERVICE, session_only=True)
    assert session.session_only
    assert session.available()
    assert "session" in session.backend_name()
    session.set(name, KEY)
    assert session.get(name) == KEY
    assert store.get(name) is None  # the real keyring never saw it
    assert session.delete(name) is True
    assert session.delete(name) is False
    assert session.get(name) is None


def test_session_memory_is_the_way_out_when_there_is_no_keyring() -> None:
    store = KeyStore(fail.Keyring())
    with pytest.raises(KeyringUnavailable):
        store.set("e", KEY)
    store.use_session_memory()
    store.use_session_memory()  # idempotent: keeps what is there
    store.set("e", KEY)
    assert store.available()
    assert store.get("e") == KEY


def test_a_vanished_bus_is_a_clear_error(
    real_keyring: RealKeyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/gone")
    # A profile that stored nothing yet has nothing to read; this one has a scope.
    store = KeyStore(real_keyring.backend, service=TEST_SERVICE, profile="0" * 32)
    for call in (lambda: store.get("e"), lambda: store.set("e", KEY), lambda: store.delete("e")):
        with pytest.raises(KeyringUnavailable, match="could not be reached") as info:
            call()
        assert "Secret Service" in str(info.value)
        assert KEY not in str(info.value)


def test_a_locked_keyring_is_a_clear_error_not_a_lost_key(
    real_keyring: RealKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "k"
    root.mkdir()
    with PrivateKeyring(root, unlock=True):
        pass  # creates a password-protected login keyring under root
    # keyring's SecretService backend leaves its D-Bus connection open when the collection stays
    # locked (jaraco/keyring#380); its ResourceWarning is expected here, and only here.
    with PrivateKeyring(root, unlock=False) as locked, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", locked.address)
        store = KeyStore(SecretService.Keyring(), service=TEST_SERVICE)
        with pytest.raises(KeyringLocked, match="locked") as info:
            store.set("e", KEY)
        assert "Unlock it" in str(info.value)
        assert KEY not in str(info.value)
        with pytest.raises(KeyringLocked):
            store.get("e")
        del info
        gc.collect()
    assert real_keyring.backend is not None


class _Overlaps(SecretService.Keyring):  # type: ignore[misc]
    """The real Secret Service backend, counting how many of its calls are in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most = 0
        self._count = threading.Lock()

    @contextlib.contextmanager
    def _call(self) -> Iterator[None]:
        with self._count:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            yield
        finally:
            with self._count:
                self.in_flight -= 1

    def get_password(self, service: str, username: str) -> str | None:
        with self._call():
            return super().get_password(service, username)  # type: ignore[no-any-return]

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._call():
            super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        with self._call():
            super().delete_password(service, username)


def test_keyring_calls_never_overlap_whatever_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gnome-keyring-daemon aborts when the requests of two clients overlap; the settings dialog
    and the MCP connections read several secrets at once, from threads and from tasks."""
    with PrivateKeyring(tmp_path) as private:  # its own daemon: the shared one is not risked
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", private.address)
        backend = _Overlaps()
        store = KeyStore(backend, service=TEST_SERVICE, profile="0" * 32)
        store.set("e", KEY)
        start = threading.Barrier(5)
        from_threads: list[str | None] = []

        def reader() -> None:
            start.wait(10)
            from_threads.extend(store.get("e") for _ in range(3))

        async def from_tasks() -> list[str | None]:
            start.wait(10)
            return await asyncio.gather(*(store.aget("e") for _ in range(6)))

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            assert asyncio.run(from_tasks()) == [KEY] * 6
        finally:
            for thread in threads:
                thread.join(60)
        assert from_threads == [KEY] * 12
        assert backend.most == 1
        assert private.revive() is None  # the daemon lived through it: nothing to restart
        assert store.delete("e")


def test_missing_daemons_fail_with_the_packages_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither dbus-daemon nor gnome-keyring-daemon
    with pytest.raises(pytest.fail.Exception, match="gnome-keyring libsecret-1-0 dbus-daemon"):
        PrivateKeyring(tmp_path).start()


def test_a_misconfigured_keyring_choice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # choose again, from the env
    with pytest.raises(KeyringUnavailable, match="No keyring could be chosen"):
        KeyStore().get("e")


def test_a_key_being_saved_shows_in_no_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    store = KeyStore(session_only=True)
    handed: list[str] = []
    original = asyncio.to_thread

    async def to_thread(call: Callable[[], object]) -> object:
        handed.append(repr(call))
        return await original(call)

    monkeypatch.setattr(asyncio, "to_thread", to_thread)
    asyncio.run(store.aset("work", KEY))
    assert store.get("work") == KEY
    assert handed
    assert not [text for text in handed if KEY in text]


# --- one profile's secrets ----------------------------------------------------------------------


def _profile(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> None:
    if path is None:
        monkeypatch.delenv("DESKTOP_CHAT_HOME")
    else:
        monkeypatch.setenv("DESKTOP_CHAT_HOME", str(path))


def test_profiles_never_see_each_others_secrets(
    real_keyring: RealKeyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    entry = mcp_header_entry("web", "Authorization")
    _profile(monkeypatch, tmp_path / "a")
    a = KeyStore(real_keyring.backend, service=TEST_SERVICE)
    a.set(name, KEY)
    a.set(entry, "Bearer a", service=MCP_HEADER_SERVICE)
    _profile(monkeypatch, tmp_path / "b")
    b = KeyStore(real_keyring.backend, service=TEST_SERVICE)
    assert b.get(name) is None
    assert b.get(entry, service=MCP_HEADER_SERVICE) is None
    assert not (tmp_path / "b").exists()  # reading created nothing
    assert b.delete(name) is False
    assert b.delete(entry, service=MCP_HEADER_SERVICE) is False
    b.set(name, KEY + "-b")
    assert b.get(name) == KEY + "-b"
    assert a.get(name) == KEY  # not overwritten
    assert a.get(entry, service=MCP_HEADER_SERVICE) == "Bearer a"
    assert b.delete(name) is True
    assert a.get(name) == KEY  # not deleted
    assert a.delete(entry, service=MCP_HEADER_SERVICE)
    assert a.delete(name)
    # The id, not the path, names the scope: a moved profile keeps its keys.
    a.set(name, KEY)
    (tmp_path / "a").rename(tmp_path / "moved")
    _profile(monkeypatch, tmp_path / "moved")
    assert KeyStore(real_keyring.backend, service=TEST_SERVICE).get(name) == KEY
    assert KeyStore(real_keyring.backend, service=TEST_SERVICE).delete(name)


def test_a_damaged_profile_id_is_a_clear_error(
    real_keyring: RealKeyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _profile(monkeypatch, tmp_path)
    (tmp_path / "keyring-id").write_text("not an id\n")
    store = KeyStore(real_keyring.backend, service=TEST_SERVICE)
    for call in (lambda: store.get("e"), lambda: store.set("e", KEY), lambda: store.delete("e")):
        with pytest.raises(KeyStoreError, match="keyring-id does not hold a profile id"):
            call()
    assert (tmp_path / "keyring-id").read_text() == "not an id\n"  # left for the user


def test_the_normal_profile_takes_over_entries_of_earlier_versions(
    real_keyring: RealKeyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    backend = real_keyring.backend
    entry = mcp_header_entry(name, "Authorization")
    backend.set_password(TEST_SERVICE, name, KEY)  # as an earlier version stored it
    backend.set_password(MCP_HEADER_SERVICE, entry, "Bearer old")
    try:
        _profile(monkeypatch, tmp_path / "portable")
        portable = KeyStore(backend, service=TEST_SERVICE)
        assert portable.get(name) is None  # it may be any profile's: never read
        assert portable.get(entry, service=MCP_HEADER_SERVICE) is None
        assert portable.delete(name) is False
        assert backend.get_password(TEST_SERVICE, name) == KEY

        _profile(monkeypatch, None)
        default = KeyStore(backend, service=TEST_SERVICE)
        assert default.get(name) == KEY
        assert backend.get_password(f"{TEST_SERVICE}/default", name) == KEY
        assert backend.get_password(TEST_SERVICE, name) is None  # moved, not copied
        assert default.get(name) == KEY
        assert default.get(entry, service=MCP_HEADER_SERVICE) == "Bearer old"
        assert backend.get_password(f"{MCP_HEADER_SERVICE}/default", entry) == "Bearer old"
        assert backend.get_password(MCP_HEADER_SERVICE, entry) is None

        # Deleting removes an earlier version's entry too, or it would come back.
        backend.set_password(TEST_SERVICE, name, KEY + "-stale")
        assert default.delete(name) is True
        assert default.get(name) is None
        assert backend.get_password(TEST_SERVICE, name) is None
    finally:
        for service, user in ((MCP_HEADER_SERVICE, entry), (TEST_SERVICE, name)):
            for scope in (service, f"{service}/default"):
                if backend.get_password(scope, user) is not None:
                    backend.delete_password(scope, user)


def test_a_move_that_is_not_kept_loses_nothing(
    real_keyring: RealKeyring, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    class Forgetful(SecretService.Keyring):  # type: ignore[misc]
        """Accepts scoped entries without keeping them, as a full or broken keyring might."""

        def set_password(self, service: str, username: str, password: str) -> None:
            if "/" not in service:
                super().set_password(service, username, password)

    backend = Forgetful()
    backend.set_password(TEST_SERVICE, name, KEY)
    try:
        store = KeyStore(backend, service=TEST_SERVICE, profile="default")
        with pytest.raises(KeyStoreError, match="did not keep the moved copy") as info:
            store.get(name)
        assert KEY not in str(info.value)
        assert backend.get_password(TEST_SERVICE, name) == KEY
    finally:
        backend.delete_password(TEST_SERVICE, name)
