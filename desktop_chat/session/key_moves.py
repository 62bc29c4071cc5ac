"""Keys follow their endpoints: on rename, duplicate and removal, for the window and the CLI.

A key is stored under its endpoint's name, so renaming an endpoint moves its key, duplicating one
may copy it, and removing one deletes it. Both faces apply those rules here, so a name that is
removed and reused, or two endpoints that swap names, end with the right keys on either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from desktop_chat.storage.secrets import KeyringUnavailable, KeyStore


@dataclass(frozen=True, slots=True)
class KeyChange:
    """One endpoint's key as an edit leaves it."""

    name: str  # the endpoint's name after the edit
    original: str | None = None  # its saved name (None: a new endpoint)
    typed: str = ""  # a key typed for it, stored in place of any other
    clear: bool = False  # delete its key
    copy_from: str | None = None  # a duplicate takes this endpoint's key

    @property
    def renamed(self) -> bool:
        return self.original not in (None, self.name)


def has_key_work(changes: Iterable[KeyChange], removed: Iterable[str]) -> bool:
    """Tell whether applying `changes` and `removed` would touch the key store at all."""
    return bool(list(removed)) or any(
        c.typed or c.clear or c.copy_from or c.renamed for c in changes
    )


async def apply_key_changes(
    store: KeyStore,
    changes: Sequence[KeyChange],
    removed: Iterable[str],
    *,
    on_deleted: Callable[[], None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> None:
    """Apply the key changes of an edit: read what moves, delete, then store.

    Keys that a rename or duplicate takes along are read before any deletion, and stored after
    it, so a name that is removed and reused ends with the new key only. Without a usable keyring
    nothing can be stored, so there is nothing to move or delete; only storing a typed key fails
    (KeyringUnavailable). Other KeyStoreErrors (a locked keyring) stop it where they occur;
    `on_deleted()` and `on_done(index)` say how far it got, so a second try repeats no step.
    """
    usable = await store.aavailable()
    carried: dict[int, str] = {}
    doomed = set(removed)
    for index, change in enumerate(changes):
        source = change.original if change.renamed else change.copy_from
        if usable and source and not change.typed and not change.clear:
            old = await store.aget(source)
            if old:
                carried[index] = old
        if change.renamed:
            doomed.add(change.original or "")
        if change.clear:
            doomed.add(change.name)
    if usable:
        for name in sorted(doomed):
            await store.adelete(name)
    if on_deleted is not None:
        on_deleted()
    for index, change in enumerate(changes):
        key = change.typed or carried.get(index)
        if key:
            await store.aset(change.name, key)
        if on_done is not None:
            on_done(index)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What removing an endpoint did to its key."""

    deleted: bool | None  # None: no keyring could be reached, a key stored earlier may remain
    unreachable: str = ""  # why no keyring could be reached


def forget_key(store: KeyStore, name: str) -> Forgotten:
    """Delete the key of removed endpoint `name`.

    Raises KeyStoreError when the keyring is there but refuses (locked): keep the endpoint then.
    """
    try:
        return Forgotten(store.delete(name))
    except KeyringUnavailable as exc:
        return Forgotten(None, str(exc))
