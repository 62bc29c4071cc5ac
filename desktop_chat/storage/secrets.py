"""Keep API keys in the operating system's keyring, and nowhere else.

Keys are stored under the service ``desktop-chat`` with the endpoint name as the user name; the
values of MCP servers' keyring headers under ``desktop-chat-mcp-header`` as ``SERVER/header-name``
(see :func:`mcp_header_entry`). Only
real OS keyrings are used: Secret Service (GNOME Keyring, KWallet 5.97+, KeePassXC), macOS
Keychain, Windows Credential Manager, KWallet. The ``fail`` and ``null`` backends and the
``keyrings.alt`` ones (which keep keys as plain or merely encoded files) are refused: a key given to
them would be lost or exposed without anyone noticing.

When no usable keyring exists the user may opt into *session memory*: keys kept in this process
only, never written anywhere, gone when the app exits (``KeyStore(session_only=True)`` or
:meth:`KeyStore.use_session_memory`).

keyring calls are blocking (D-Bus round trips, possibly an unlock prompt); from asyncio code use
the ``a*`` wrappers, which run them in a worker thread and give up after ``answer_within`` seconds
with KeyringUnavailable. ``keyring`` itself is imported on first use
because importing it costs ~0.1 s of start-up.

Errors::

    KeyStoreError (Exception)     a keyring operation failed; the message is for a person
    ├── KeyringUnavailable        there is no usable keyring, or it does not answer
    └── KeyringLocked             the keyring is locked and was not unlocked, or access was denied
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

T = TypeVar("T")

SERVICE = "desktop-chat"
MCP_HEADER_SERVICE = "desktop-chat-mcp-header"
KEYRING_ANSWER_S = 120.0  # long enough to type an unlock password, short of for ever

log = logging.getLogger(__name__)

_NAMES = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet",
}
_NO_KEYRING = (
    "no system keyring was found (on Linux, a Secret Service such as GNOME Keyring or KWallet "
    "must be running in the desktop session)"
)


def mcp_header_entry(server: str, header: str) -> str:
    """The keyring user name (under MCP_HEADER_SERVICE) of an MCP server's header value.

    Server names hold no "/" and header names are case-insensitive, so the entry is unambiguous.
    """
    return f"{server}/{header.casefold()}"


def _subject(service: str, name: str) -> str:
    if service == MCP_HEADER_SERVICE:
        server, _, header = name.partition("/")
        return f"the {header} header of MCP server {server!r}"
    return f"the key for {name!r}"


class KeyStoreError(Exception):
    """Raised when a keyring operation fails; the message is written for a person."""


class KeyringUnavailable(KeyStoreError):
    """Raised when there is no usable keyring, or the keyring does not answer."""


class KeyringLocked(KeyStoreError):
    """Raised when the keyring stays locked or refuses access."""


def _qualified(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def describe_backend(backend: KeyringBackend) -> str:
    """Name a keyring backend for a person: "Secret Service", "macOS Keychain", ..."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        chain = list(backend.backends)
        return describe_backend(chain[0]) if chain else "no keyring"
    name = _NAMES.get(_qualified(backend))
    if name is not None:
        return name
    cls = type(backend)
    # A bare "Keyring" says nothing; "fail.Keyring" or "null.Keyring" does.
    return (
        f"{cls.__module__.rsplit('.', 1)[-1]}.Keyring"
        if cls.__name__ == "Keyring"
        else cls.__name__
    )


def refusal(backend: KeyringBackend) -> str | None:
    """Return why ``backend`` must not hold real keys, or None if it is a real OS keyring."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, chainer.ChainerBackend):
        chain = list(backend.backends)
        if not chain:
            return _NO_KEYRING
        # The chain writes to its first member but reads from all: every member must be real.
        return next((r for r in map(refusal, chain) if r is not None), None)
    if isinstance(backend, fail.Keyring):
        return _NO_KEYRING
    if isinstance(backend, null.Keyring):
        return "the keyring is switched off (the 'null' backend is selected)"
    if type(backend).__module__.startswith("keyrings.alt"):
        return (
            f"the {describe_backend(backend)} backend keeps keys in a plain file, which Desktop "
            "Chat does not use for API keys"
        )
    return None


class KeyStore:
    """Read, write and delete API keys by endpoint name; blocking, thread-safe.

    ``backend`` defaults to keyring's choice for this system, resolved on first use. With
    ``session_only`` the keyring is never touched and keys live in this object's memory only.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = SERVICE,
        session_only: bool = False,
        answer_within: float = KEYRING_ANSWER_S,
    ) -> None:
        self.answer_within = answer_within
        self._backend = backend
        self._service = service
        self._memory: dict[tuple[str, str], str] | None = {} if session_only else None
        self._lock = threading.Lock()

    @property
    def session_only(self) -> bool:
        """True when keys are kept in memory for this session instead of the keyring."""
        return self._memory is not None

    def use_session_memory(self) -> None:
        """Keep keys in memory for this session from now on; they are never written anywhere."""
        with self._lock:
            if self._memory is None:
                self._memory = {}

    def backend(self) -> KeyringBackend:
        """Return the keyring backend, choosing it on first use (may do D-Bus I/O)."""
        with self._lock:
            if self._backend is None:
                import keyring

                try:
                    self._backend = keyring.get_keyring()
                except Exception as exc:  # e.g. PYTHON_KEYRING_BACKEND names a missing class
                    raise KeyringUnavailable(
                        f"No keyring could be chosen ({type(exc).__name__}: {exc})."
                    ) from exc
                log.info("keyring backend: %s", describe_backend(self._backend))
            return self._backend

    def backend_name(self) -> str:
        """Name where keys go, for a person ("Secret Service", "session memory", ...)."""
        if self.session_only:
            return "session memory (not saved)"
        return describe_backend(self.backend())

    def available(self) -> bool:
        """Tell whether keys can be stored: a real OS keyring, or session memory."""
        return self.session_only or refusal(self.backend()) is None

    def get(self, name: str, *, service: str | None = None) -> str | None:
        """Return the key stored for endpoint ``name``, or None if there is none.

        ``service`` reads another kind of secret (MCP_HEADER_SERVICE) from the same keyring.
        """
        service = service or self._service
        if self._memory is not None:
            return self._memory.get((service, name))
        backend = self._usable("read", service, name)
        try:
            return backend.get_password(service, name)
        except Exception as exc:
            raise self._translate(exc, "read", service, name) from exc

    def set(self, name: str, key: str, *, service: str | None = None) -> None:
        """Store ``key`` for endpoint ``name``, and check that the keyring really kept it."""
        service = service or self._service
        if not key or not isinstance(key, str):
            what = _subject(service, name)
            raise KeyStoreError(f"{what[0].upper()}{what[1:]} cannot be stored empty.")
        if self._memory is not None:
            self._memory[service, name] = key
            return
        backend = self._usable("save", service, name)
        try:
            backend.set_password(service, name, key)
            kept = backend.get_password(service, name) == key
        except Exception as exc:
            raise self._translate(exc, "save", service, name) from exc
        if not kept:
            raise KeyStoreError(
                f"The {self.backend_name()} did not keep {_subject(service, name)}; "
                "it was not saved."
            )

    def delete(self, name: str, *, service: str | None = None) -> bool:
        """Delete the key of endpoint ``name``; return False if there was none."""
        service = service or self._service
        if self._memory is not None:
            return self._memory.pop((service, name), None) is not None
        backend = self._usable("delete", service, name)
        from keyring.errors import PasswordDeleteError

        try:
            backend.delete_password(service, name)
        except PasswordDeleteError as exc:
            # Backends signal "nothing stored" with this same error; tell it from a refusal.
            if self.get(name, service=service) is None:
                return False
            raise self._translate(exc, "delete", service, name) from exc
        except Exception as exc:
            raise self._translate(exc, "delete", service, name) from exc
        return True

    async def aavailable(self) -> bool:
        """Run :meth:`available` in a worker thread; a keyring that does not answer is not."""
        try:
            return await self._off_thread(self.available, "checking the keyring")
        except KeyringUnavailable as exc:
            log.warning("%s", exc)
            return False

    async def aget(self, name: str, *, service: str | None = None) -> str | None:
        """Run :meth:`get` in a worker thread."""
        what = _subject(service or self._service, name)
        return await self._off_thread(partial(self.get, name, service=service), f"reading {what}")

    async def aset(self, name: str, key: str, *, service: str | None = None) -> None:
        """Run :meth:`set` in a worker thread."""
        what = _subject(service or self._service, name)
        # A closure, not functools.partial: the key must not appear in any repr (qasync's
        # executor logs the calls it hands to threads at DEBUG).
        await self._off_thread(lambda: self.set(name, key, service=service), f"saving {what}")

    async def adelete(self, name: str, *, service: str | None = None) -> bool:
        """Run :meth:`delete` in a worker thread."""
        what = _subject(service or self._service, name)
        call = partial(self.delete, name, service=service)
        return await self._off_thread(call, f"deleting {what}")

    async def _off_thread(self, call: Callable[[], T], doing: str) -> T:
        """Run a blocking keyring call in a thread, waiting at most `answer_within` seconds.

        A keychain prompt nobody answers, or a hung D-Bus service, would otherwise keep the
        caller waiting for ever; the thread itself cannot be stopped and is left to finish.
        """
        import asyncio  # here, not at the top: the CLI's offline commands never need it

        try:
            return await asyncio.wait_for(asyncio.to_thread(call), self.answer_within)
        except TimeoutError:
            raise KeyringUnavailable(
                f"The system keyring did not answer within {self.answer_within:g} s while "
                f"{doing} (an unlock prompt may be waiting, or the keyring service is stuck)."
            ) from None

    def _usable(self, verb: str, service: str, name: str) -> KeyringBackend:
        backend = self.backend()
        reason = refusal(backend)
        if reason is not None:
            what = f"Could not {verb} {_subject(service, name)}: {reason}."
            raise KeyringUnavailable(
                f"{what} No key was stored anywhere." if verb == "save" else what
            )
        return backend

    def _translate(self, exc: Exception, verb: str, service: str, name: str) -> KeyStoreError:
        from keyring import errors

        where = self.backend_name()
        what = f"Could not {verb} {_subject(service, name)} in the {where}"
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        kind = type(exc).__name__
        if isinstance(exc, errors.KeyringLocked) or kind in (
            "LockedException",
            "PromptDismissedException",
        ):
            return KeyringLocked(
                f"{what}: it is locked and was not unlocked. Unlock it (for example by logging in "
                "to the desktop session) and try again."
            )
        if "denied" in str(exc).lower():
            return KeyringLocked(f"{what}: access was denied ({detail}).")
        if isinstance(exc, OSError) and exc.strerror:
            detail = exc.strerror  # "No such file or directory" for a bus socket that is gone
        module = type(exc).__module__
        if isinstance(
            exc, errors.NoKeyringError | errors.InitError | OSError | EOFError
        ) or module.startswith(("secretstorage", "jeepney")):
            return KeyringUnavailable(f"{what}: it could not be reached ({detail}).")
        return KeyStoreError(f"{what}: {detail}.")
