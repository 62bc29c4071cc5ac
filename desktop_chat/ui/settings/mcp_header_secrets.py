"""Hold the values of MCP servers' keyring headers until Settings are applied, then store them.

The Tools page edits servers in memory; a value typed for a secret header must not reach the
keyring before OK/Apply, and Cancel must leave the keyring untouched. `HeaderSecrets` follows
each server the page shows (a list parallel to the page's) with its *source* — the saved name
its stored values are kept under: its own saved name, that of the server it was duplicated
from, or none for a new server — and the values typed for it. Applying writes the difference:
typed values, values that a rename or a duplicate takes along, and the deletion of entries that
no server sends any more.

Values live in memory only and are never logged or shown; a header is keyed by its casefolded
name, as `mcp_header_entry` keys the keyring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, KeyStore, mcp_header_entry
from desktop_chat.storage.tool_settings import McpServer


@dataclass(frozen=True, slots=True)
class KnownValues:
    """Where the values of one server's secret headers are, as far as the page knows."""

    source: str | None = None  # the saved server name its stored values are kept under
    stored: frozenset[str] = frozenset()  # casefolded headers saved with a value under `source`
    pending: Mapping[str, str] = field(default_factory=dict)  # casefolded header -> typed value

    def has_value(self, header: str) -> bool:
        """Tell whether `header` has a value without one being typed now."""
        key = header.casefold()
        return key in self.pending or key in self.stored


@dataclass(slots=True)
class _Track:
    source: str | None
    pending: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Plan:
    writes: dict[str, str]  # entry -> typed value
    carries: dict[str, str]  # destination entry -> source entry (read before anything else)
    doomed: frozenset[str]  # entries no server sends any more
    overwrite: frozenset[str]  # carry destinations holding an old value: cleared if none comes

    def __bool__(self) -> bool:
        return bool(self.writes or self.carries or self.doomed)


class HeaderSecrets:
    """Typed header values and renames, pending until `write()`; one track per server shown."""

    def __init__(self, servers: Sequence[McpServer]) -> None:
        self._leftover: frozenset[str] = frozenset()  # stored, unused, not yet deleted
        self._commit(servers)

    def _commit(self, servers: Sequence[McpServer]) -> None:
        self._saved = {s.name: frozenset(h.casefold() for h in s.keyring_headers) for s in servers}
        self._tracks = [_Track(s.name) for s in servers]

    # --- following the page's list ------------------------------------------------------------

    def known(self, row: int | None) -> KnownValues:
        """What the editor of server `row` (None: a new server) may rely on."""
        if row is None:
            return KnownValues()
        track = self._tracks[row]
        stored = self._saved.get(track.source or "", frozenset())
        return KnownValues(track.source, stored, dict(track.pending))

    def edited(self, row: int | None, server: McpServer, typed: Mapping[str, str]) -> None:
        """Record the editor's result for `row` (None: appended); `typed` maps header -> value."""
        if row is None:
            self._tracks.append(_Track(None))
            row = len(self._tracks) - 1
        track = self._tracks[row]
        fresh = {name.casefold(): value for name, value in typed.items() if value}
        track.pending = {
            key: fresh.get(key) or track.pending[key]
            for key in (h.casefold() for h in server.keyring_headers)
            if key in fresh or key in track.pending
        }

    def duplicated(self, row: int) -> None:
        """Give the copy inserted after `row` the values of the original."""
        track = self._tracks[row]
        self._tracks.insert(row + 1, _Track(track.source, dict(track.pending)))

    def removed(self, row: int) -> None:
        del self._tracks[row]

    # --- applying -------------------------------------------------------------------------------

    def _plan(self, servers: Sequence[McpServer]) -> _Plan:
        saved = {mcp_header_entry(n, h) for n, headers in self._saved.items() for h in headers}
        saved |= self._leftover
        writes: dict[str, str] = {}
        carries: dict[str, str] = {}
        final: set[str] = set()
        stale: set[str] = set()  # entries kept for a server gone, now named by another one
        for server, track in zip(servers, self._tracks, strict=True):
            stored = self._saved.get(track.source or "", frozenset())
            for header in server.keyring_headers:
                entry = mcp_header_entry(server.name, header)
                final.add(entry)
                value = track.pending.get(header.casefold())
                if value:
                    writes[entry] = value
                elif track.source is not None and header.casefold() in stored:
                    origin = mcp_header_entry(track.source, header)
                    if origin != entry:
                        carries[entry] = origin
                elif entry in saved:
                    stale.add(entry)
        # Some keyrings (Windows, macOS) compare names without case: deleting "A/x" there after
        # writing "a/x" would delete the value just written, so such an entry is left alone.
        folded = {entry.casefold() for entry in final}
        gone = {e for e in saved - final if e.casefold() not in folded}
        overwrite = frozenset(entry for entry in carries if entry in saved)
        return _Plan(writes, carries, frozenset(gone | stale), overwrite)

    def has_work(self, servers: Sequence[McpServer]) -> bool:
        """Tell whether applying `servers` would touch the keyring."""
        return bool(self._plan(servers))

    async def write(self, store: KeyStore, servers: Sequence[McpServer]) -> None:
        """Store typed values, move carried ones, delete unused ones; raise KeyStoreError.

        Every value that moves is read before anything is written, and every entry is written
        before any is deleted, so a failure part-way loses nothing; once all is written, the
        deletions still to do are remembered and a retry does only those. Without a usable
        keyring there is nothing to read or delete; only storing a typed value fails
        (KeyringUnavailable).
        """
        plan = self._plan(servers)
        if plan:
            usable = await store.aavailable()
            carried: dict[str, str] = {}
            for entry, origin in plan.carries.items() if usable else ():
                value = await store.aget(origin, service=MCP_HEADER_SERVICE)
                if value:
                    carried[entry] = value
            doomed = plan.doomed | (plan.overwrite - carried.keys())
            for entry, value in {**carried, **plan.writes}.items():
                await store.aset(entry, value, service=MCP_HEADER_SERVICE)
            self._commit(servers)
            self._leftover = frozenset(doomed) if usable else frozenset()
            for entry in sorted(self._leftover):
                await store.adelete(entry, service=MCP_HEADER_SERVICE)
                self._leftover -= {entry}
        self._commit(servers)
