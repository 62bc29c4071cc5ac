"""What the Settings dialog says about an endpoint's key: where it is, or why it cannot be kept.

Qt-free. The keyring is asked once per dialog (and again after keys were written): typing a key
must not send a D-Bus round trip per keystroke. The answer is a `KeyView` the editor shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from desktop_chat.i18n import N_, _
from desktop_chat.storage.secrets import KeyStore, KeyStoreError, refusal
from desktop_chat.ui.settings.endpoint_draft import EndpointDraft


@dataclass(frozen=True, slots=True)
class KeyView:
    """The key row as shown: status text, field placeholder, and which buttons make sense."""

    text: str
    placeholder: str = ""  # "": none to say
    can_forget: bool = False
    offer_session: bool = False


class KeyStatus:
    """Cache what the key store said; describe a draft's key from that cache."""

    def __init__(self, store: KeyStore) -> None:
        self._store = store
        self._keyring: tuple[bool, str, str | None] | None = None  # usable, where, why not
        self._stored: dict[str, bool | str] = {}  # saved name -> key stored? (str: the error)

    def forget(self) -> None:
        """Ask the key store again next time (keys were written, or session memory chosen)."""
        self._keyring = None
        self._stored.clear()

    def knows(self, draft: EndpointDraft) -> bool:
        """Tell whether `describe(draft)` can answer without asking the key store."""
        if self._keyring is None:
            return False
        return not self._keyring[0] or all(name in self._stored for name in _sources(draft))

    def stored(self, name: str | None) -> bool:
        """Tell whether the key store said a key is stored for saved endpoint `name`."""
        return name is not None and self._stored.get(name) is True

    async def load(self, draft: EndpointDraft | None) -> None:
        """Ask the key store what `describe` needs for `draft` (blocking calls in a thread)."""
        store = self._store
        if self._keyring is None:
            try:
                usable = await store.aavailable()
                where = await asyncio.to_thread(store.backend_name)
                if store.session_only:  # the others are the keyrings' own names
                    where = N_("session memory (not saved)")
                reason = None if usable else refusal(await asyncio.to_thread(store.backend))
                self._keyring = (usable, where, reason)
            except KeyStoreError as exc:
                self._keyring = (False, "", str(exc))
        for name in _sources(draft) if draft is not None and self._keyring[0] else ():
            if name in self._stored:
                continue
            try:
                self._stored[name] = bool(await store.aget(name))
            except KeyStoreError as exc:  # locked or refusing: say so, do not guess
                self._stored[name] = str(exc)

    def describe(self, draft: EndpointDraft) -> KeyView:
        """Say where the key of `draft` is, or will be, kept."""
        if self._keyring is None:
            return KeyView(_("Asking the keyring…"), _("no key"))
        usable, where, reason = self._keyring
        if not usable:
            return KeyView(
                _(
                    "Keys cannot be saved: {reason}. You can keep keys in memory for this "
                    "session only; they are never written to disk."
                ).format(reason=reason or _("no usable keyring")),
                placeholder=_("cannot be stored: no keyring"),
                offer_session=True,
            )
        stored = False if draft.clear_key else self._stored.get(draft.original or "", False)
        if isinstance(stored, str):
            return KeyView(stored, _("no key"))
        if draft.key_text:
            text = _("The new key will be saved in the {where} when you press OK or Apply.")
        elif draft.clear_key:
            text = _("The stored key will be removed from the {where}.")
        elif stored:
            text = _("A key is stored in the {where}. Type a new one to replace it.")
        elif draft.copy_key_from:
            text = _("The key of {name} will be copied in the {where}.")
        else:
            text = _("No key stored. Keys are kept in the {where}, never in the settings file.")
        return KeyView(
            text.format(where=_(where), name=repr(draft.copy_key_from)),
            placeholder=_("stored — type to replace") if stored else _("no key"),
            can_forget=bool(stored or draft.key_text or draft.copy_key_from),
        )


def _sources(draft: EndpointDraft) -> list[str]:
    """The saved endpoints whose stored key the draft has: its own, or the one it copies."""
    return [name for name in (draft.original, draft.copy_key_from) if name is not None]
