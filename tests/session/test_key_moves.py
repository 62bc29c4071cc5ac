"""Keys follow their endpoints on rename, duplicate and removal: one rule set for both faces."""

from __future__ import annotations

import asyncio

import pytest
from keyring.backends import fail

from desktop_chat.session.key_moves import (
    Forgotten,
    KeyChange,
    apply_key_changes,
    forget_key,
    has_key_work,
)
from desktop_chat.storage.secrets import KeyringUnavailable, KeyStore


def stored(store: KeyStore, *names: str) -> dict[str, str | None]:
    return {name: store.get(name) for name in names}


def test_a_rename_moves_the_key_and_a_duplicate_copies_it() -> None:
    store = KeyStore(session_only=True)
    store.set("a", "sk-a")
    store.set("b", "sk-b")
    changes = [KeyChange("a2", original="a"), KeyChange("b"), KeyChange("b copy", copy_from="b")]
    assert has_key_work(changes, [])
    asyncio.run(apply_key_changes(store, changes, []))
    assert stored(store, "a", "a2", "b", "b copy") == {
        "a": None,
        "a2": "sk-a",
        "b": "sk-b",
        "b copy": "sk-b",
    }


def test_two_endpoints_that_swap_names_swap_keys() -> None:
    store = KeyStore(session_only=True)
    store.set("x", "sk-x")
    store.set("y", "sk-y")
    asyncio.run(
        apply_key_changes(store, [KeyChange("y", original="x"), KeyChange("x", original="y")], [])
    )
    assert stored(store, "x", "y") == {"x": "sk-y", "y": "sk-x"}


def test_a_removed_name_reused_ends_with_the_new_key_only() -> None:
    store = KeyStore(session_only=True)
    store.set("old", "sk-old")
    store.set("gone", "sk-gone")
    done: list[int] = []
    deleted: list[bool] = []
    asyncio.run(
        apply_key_changes(
            store,
            [KeyChange("old", typed="sk-new"), KeyChange("plain")],
            ["old", "gone"],
            on_deleted=lambda: deleted.append(True),
            on_done=done.append,
        )
    )
    assert stored(store, "old", "gone", "plain") == {"old": "sk-new", "gone": None, "plain": None}
    assert (deleted, done) == ([True], [0, 1])


def test_clearing_a_key_deletes_it_and_an_untouched_list_is_no_work() -> None:
    store = KeyStore(session_only=True)
    store.set("a", "sk-a")
    assert not has_key_work([KeyChange("a", original="a"), KeyChange("new")], [])
    asyncio.run(apply_key_changes(store, [KeyChange("a", original="a", clear=True)], []))
    assert store.get("a") is None


def test_without_a_keyring_nothing_moves_and_a_typed_key_fails() -> None:
    store = KeyStore(fail.Keyring())
    asyncio.run(apply_key_changes(store, [KeyChange("b", original="a")], ["c"]))  # no error
    with pytest.raises(KeyringUnavailable):
        asyncio.run(apply_key_changes(store, [KeyChange("a", typed="sk-1")], []))


def test_removing_an_endpoint_forgets_its_key_or_says_why_it_cannot() -> None:
    store = KeyStore(session_only=True)
    store.set("a", "sk-a")
    assert forget_key(store, "a") == Forgotten(True)
    assert forget_key(store, "a") == Forgotten(False)
    unreachable = forget_key(KeyStore(fail.Keyring()), "a")
    assert unreachable.deleted is None
    assert "no system keyring" in unreachable.unreachable
