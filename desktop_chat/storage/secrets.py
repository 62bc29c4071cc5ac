"""Keep API keys in the operating system's keyring, and nowhere else.

Keys are stored under the service ``desktop-chat/<profile id>`` with the endpoint name as the user
name; the values of MCP servers' keyring headers under ``desktop-chat-mcp-header/<profile id>`` as
``SERVER/header-name`` (see :func:`mcp_header_entry`). The profile id (:mod:`.key_scope`) keeps
each profile's secrets apart: no profile can read, overwrite or delete another's.

Earlier versions used the bare services ``desktop-chat`` and ``desktop-chat-mcp-header`` for every
profile. The normal profile takes such a *legacy* entry over the first time it asks for it: the
value is copied to the scoped entry, read back, and only then is the legacy entry deleted. A
portable profile never reads legacy entries, since they may belong to any profile. Only
real OS keyrings are used: Secret Service (GNOME Keyring, KWallet 5.97+, KeePassXC), macOS
Keychain, Windows Credential Manager, KWallet. The ``fail`` and ``null`` backends and the
``keyrings.alt`` ones (which keep keys as plain or merely encoded files) are refused: a key given to
them would be lost or exposed without anyone noticing.

When no usable keyring exists the user may opt into *session memory*: keys kept in this process
only, never written anywhere, gone when the app exits (``KeyStore(session_only=True)`` or
:meth:`KeyStore.use_session_memory`).

keyring calls are blocking (D-Bus round trips, possibly an unlock prompt); from asyncio code use
the ``a*`` wrappers, which run them in a worker thread and give up after ``answer_within`` seconds
with KeyringUnavailable. The process makes one keyring call at a time, whatever the thread: GNOME
Keyring (42, on GLib 2.74) aborts when the requests of two of its clients overlap, and every
application in the desktop session then loses its keyring (see ``_ONE_CALL_AT_A_TIME``).
``keyring`` itself is imported on first use because importing it costs ~0.1 s of start-up.

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

from desktop_chat.i18n import N_, _
from desktop_chat.storage.key_scope import DEFAULT_PROFILE, ProfileIdError, profile_id

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

T = TypeVar("T")

SERVICE = "desktop-chat"
MCP_HEADER_SERVICE = "desktop-chat-mcp-header"
KEYRING_ANSWER_S = 120.0  # long enough to type an unlock password, short of for ever

log = logging.getLogger(__name__)

# Held around every call into a keyring backend, by every KeyStore: gnome-keyring-daemon 42 aborts
# ("invoke_get_property_in_idle_cb: assertion failed: (error != NULL)", after
# "gkd_secret_service_get_pkcs11_session: assertion 'client' failed") when the requests of two
# clients overlap, and each keyring call is a client of its own (a new D-Bus connection). The
# settings dialog and the MCP connections read several secrets at once from worker threads; one
# call at a time costs them a few milliseconds each, and keeps the user's keyring daemon alive.
_ONE_CALL_AT_A_TIME = threading.Lock()

_NAMES = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet",
}
_NO_KEYRING = N_(
    "no system keyring was found (on Linux, a Secret Service such as GNOME Keyring or KWallet "
    "must be running in the desktop session)"
)
# What could not be done, by verb; "_IN" adds where (the keyring's name).
_COULD_NOT = {
    "read": N_("Could not read {what}"),
    "save": N_("Could not save {what}"),
    "delete": N_("Could not delete {what}"),
}
_COULD_NOT_IN = {
    "read": N_("Could not read {what} in the {where}"),
    "save": N_("Could not save {what} in the {where}"),
    "delete": N_("Could not delete {what} in the {where}"),
}


def mcp_header_entry(server: str, header: str) -> str:
    """The keyring user name (under MCP_HEADER_SERVICE) of an MCP server's header value.

    Server names hold no "/" and header names are case-insensitive, so the entry is unambiguous.
    """
    return f"{server}/{header.casefold()}"


def _subject(service: str, name: str, *, english: bool = False) -> str:
    """The secret a message is about, in the current language (in English for a log)."""
    if service == MCP_HEADER_SERVICE:
        server, _sep, header = name.partition("/")
        template = N_("the {header} header of MCP server {server!r}")
        return (template if english else _(template)).format(header=header, server=server)
    template = N_("the key for {name!r}")
    return (template if english else _(template)).format(name=name)


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
        return describe_backend(chain[0]) if chain else _("no keyring")
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
            return _(_NO_KEYRING)
        # The chain writes to its first member but reads from all: every member must be real.
        return next((r for r in map(refusal, chain) if r is not None), None)
    if isinstance(backend, fail.Keyring):
        return _(_NO_KEYRING)
    if isinstance(backend, null.Keyring):
        return _("the keyring is switched off (the 'null' backend is selected)")
    if type(backend).__module__.startswith("keyrings.alt"):
        return _(
            "the {backend} backend keeps keys in a plain file, which Desktop Chat does not use "
            "for API keys"
        ).format(backend=describe_backend(backend))
    return None


class KeyStore:
    """Read, write and delete one profile's API keys by endpoint name; blocking, thread-safe.

    ``backend`` defaults to keyring's choice for this system, resolved on first use. With
    ``session_only`` the keyring is never touched and keys live in this object's memory only.
    ``profile`` names the scope of the entries; by default it is the current profile's
    (:func:`.key_scope.profile_id`), resolved on first use.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = SERVICE,
        session_only: bool = False,
        answer_within: float = KEYRING_ANSWER_S,
        profile: str | None = None,
    ) -> None:
        self.answer_within = answer_within
        self._backend = backend
        self._service = service
        self._profile = profile
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
                        _("No keyring could be chosen ({kind}: {reason}).").format(
                            kind=type(exc).__name__, reason=exc
                        )
                    ) from exc
                log.info("keyring backend: %s", describe_backend(self._backend))
            return self._backend

    def backend_name(self) -> str:
        """Name where keys go, for a person ("Secret Service", "session memory", ...)."""
        if self.session_only:
            return _("session memory (not saved)")
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
        scoped = self._scoped(service, name, create=False)
        if scoped is None:
            return None  # a portable profile that never stored a secret
        try:
            with _ONE_CALL_AT_A_TIME:
                value = backend.get_password(scoped, name)
                if value is None and self._profile == DEFAULT_PROFILE:
                    value = self._take_legacy(backend, service, scoped, name)
        except KeyStoreError:
            raise
        except Exception as exc:
            raise self._translate(exc, "read", service, name) from exc
        return value

    def set(self, name: str, key: str, *, service: str | None = None) -> None:
        """Store ``key`` for endpoint ``name``, and check that the keyring really kept it."""
        service = service or self._service
        if not key or not isinstance(key, str):
            text = _("{what} cannot be stored empty.").format(what=_subject(service, name))
            raise KeyStoreError(text[:1].upper() + text[1:])
        if self._memory is not None:
            self._memory[service, name] = key
            return
        backend = self._usable("save", service, name)
        scoped = self._scoped(service, name, create=True)
        assert scoped is not None  # created on demand
        try:
            with _ONE_CALL_AT_A_TIME:
                backend.set_password(scoped, name, key)
                kept = backend.get_password(scoped, name) == key
        except Exception as exc:
            raise self._translate(exc, "save", service, name) from exc
        if not kept:
            raise KeyStoreError(
                _("The {where} did not keep {what}; it was not saved.").format(
                    where=self.backend_name(), what=_subject(service, name)
                )
            )

    def delete(self, name: str, *, service: str | None = None) -> bool:
        """Delete the key of endpoint ``name``; return False if there was none."""
        service = service or self._service
        if self._memory is not None:
            return self._memory.pop((service, name), None) is not None
        backend = self._usable("delete", service, name)
        scoped = self._scoped(service, name, create=False)
        if scoped is None:
            return False
        with _ONE_CALL_AT_A_TIME:
            deleted = self._delete_entry(backend, scoped, service, name)
            if self._profile == DEFAULT_PROFILE:
                # A legacy entry left behind would come back as this profile's key on the next read.
                deleted = self._delete_entry(backend, service, service, name) or deleted
        return deleted

    def _delete_entry(self, backend: KeyringBackend, entry: str, service: str, name: str) -> bool:
        from keyring.errors import PasswordDeleteError

        try:
            backend.delete_password(entry, name)
        except PasswordDeleteError as exc:
            # Backends signal "nothing stored" with this same error; tell it from a refusal.
            try:
                if backend.get_password(entry, name) is None:
                    return False
            except Exception as again:
                raise self._translate(again, "delete", service, name) from again
            raise self._translate(exc, "delete", service, name) from exc
        except Exception as exc:
            raise self._translate(exc, "delete", service, name) from exc
        return True

    def _scoped(self, service: str, name: str, *, create: bool) -> str | None:
        """The service of this profile's entries, or None when it has no scope (and no secret)."""
        if self._profile is None:
            try:
                found = profile_id(create=create)
            except ProfileIdError as exc:
                raise KeyStoreError(
                    _("Could not use {what}: {reason}.").format(
                        what=_subject(service, name), reason=exc
                    )
                ) from exc
            if found is None:
                return None
            self._profile = found
        return f"{service}/{self._profile}"

    def _take_legacy(
        self, backend: KeyringBackend, service: str, scoped: str, name: str
    ) -> str | None:
        """Move an entry an earlier version stored under the bare `service` to `scoped`.

        Copy, read back, then delete: until the copy is known to be kept, the old entry stays.
        """
        value = backend.get_password(service, name)
        if value is None:
            return None
        backend.set_password(scoped, name, value)
        if backend.get_password(scoped, name) != value:
            raise KeyStoreError(
                _(
                    "The {where} did not keep the moved copy of {what}; the entry an earlier "
                    "version stored was left as it was."
                ).format(where=self.backend_name(), what=_subject(service, name))
            )
        try:
            backend.delete_password(service, name)
        except Exception as exc:  # noqa: BLE001  # the copy is kept and read first from now on
            log.warning(
                "could not delete the earlier entry of %s: %s",
                _subject(service, name, english=True),
                exc,
            )
        log.info("moved %s to this profile's keyring entry", _subject(service, name, english=True))
        return value

    async def aavailable(self) -> bool:
        """Run :meth:`available` in a worker thread; a keyring that does not answer is not."""
        try:
            return await self._off_thread(self.available, _("checking the keyring"))
        except KeyringUnavailable as exc:
            log.warning("%s", exc)
            return False

    async def aget(self, name: str, *, service: str | None = None) -> str | None:
        """Run :meth:`get` in a worker thread."""
        what = _subject(service or self._service, name)
        doing = _("reading {what}").format(what=what)
        return await self._off_thread(partial(self.get, name, service=service), doing)

    async def aset(self, name: str, key: str, *, service: str | None = None) -> None:
        """Run :meth:`set` in a worker thread."""
        what = _subject(service or self._service, name)
        # A closure, not functools.partial: the key must not appear in any repr (qasync's
        # executor logs the calls it hands to threads at DEBUG).
        doing = _("saving {what}").format(what=what)
        await self._off_thread(lambda: self.set(name, key, service=service), doing)

    async def adelete(self, name: str, *, service: str | None = None) -> bool:
        """Run :meth:`delete` in a worker thread."""
        what = _subject(service or self._service, name)
        call = partial(self.delete, name, service=service)
        return await self._off_thread(call, _("deleting {what}").format(what=what))

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
                _(
                    "The system keyring did not answer within {seconds} s while {doing} (an "
                    "unlock prompt may be waiting, or the keyring service is stuck)."
                ).format(seconds=f"{self.answer_within:g}", doing=doing)
            ) from None

    def _usable(self, verb: str, service: str, name: str) -> KeyringBackend:
        backend = self.backend()
        reason = refusal(backend)
        if reason is not None:
            what = _("{failure}: {reason}.").format(
                failure=_(_COULD_NOT[verb]).format(what=_subject(service, name)), reason=reason
            )
            raise KeyringUnavailable(
                _("{failure} No key was stored anywhere.").format(failure=what)
                if verb == "save"
                else what
            )
        return backend

    def _translate(self, exc: Exception, verb: str, service: str, name: str) -> KeyStoreError:
        from keyring import errors

        where = self.backend_name()
        what = _(_COULD_NOT_IN[verb]).format(what=_subject(service, name), where=where)
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        kind = type(exc).__name__
        if isinstance(exc, errors.KeyringLocked) or kind in (
            "LockedException",
            "PromptDismissedException",
        ):
            return KeyringLocked(
                _(
                    "{failure}: it is locked and was not unlocked. Unlock it (for example by "
                    "logging in to the desktop session) and try again."
                ).format(failure=what)
            )
        # keyring has no error type for a refusal: the backends' own errors (a D-Bus
        # AccessDenied, a Keychain or Credential Manager status) say it only in words.
        if "denied" in str(exc).lower():
            denied = _("{failure}: access was denied ({detail}).")
            return KeyringLocked(denied.format(failure=what, detail=detail))
        if isinstance(exc, OSError) and exc.strerror:
            detail = exc.strerror  # "No such file or directory" for a bus socket that is gone
        module = type(exc).__module__
        if isinstance(
            exc, errors.NoKeyringError | errors.InitError | OSError | EOFError
        ) or module.startswith(("secretstorage", "jeepney")):
            unreached = _("{failure}: it could not be reached ({detail}).")
            return KeyringUnavailable(unreached.format(failure=what, detail=detail))
        return KeyStoreError(_("{failure}: {reason}.").format(failure=what, reason=detail))
