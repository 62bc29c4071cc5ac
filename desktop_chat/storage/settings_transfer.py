"""Move settings between machines: export the configuration, check a file, import it.

An export is a settings document (the same format and version as the profile's file, see
`settings_file`) that holds the configuration only: endpoints, network and ui options, tools and
MCP servers. What a profile keeps for itself is left out (`STATE_FIELDS`: the endpoint and model
in use, the servers' model lists, and the origin each stored key is bound to), so that exporting
the same configuration twice gives the same bytes, and a diff shows configuration alone. Keys
and secret header values are never in settings at all; the keyring holds them.

Checking is the app's own decoding (`settings_document.decode`), not the JSON Schema shipped
beside it: the schema cannot say what the code refuses (a header that would hold a key, two
names that differ only in case), and a check that agreed with the schema but not with the loader
would pass files the app then trims. The schema documents the format for people and editors.

Importing never changes a profile's state: an endpoint that exists here keeps the name spelling
its key is stored under and the origin its key is bound to, so a file that moves an endpoint's
base URL does not send this machine's key to the new host (it is held back, as after
`endpoint edit --base-url`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from desktop_chat.storage.atomic_file import replace_file
from desktop_chat.storage.settings import OPTIONS, Endpoint, Settings
from desktop_chat.storage.settings_document import (
    ENDPOINT_STATE_FIELDS,
    STATE_FIELDS,
    JsonObject,
    Place,
    decode,
    encode,
)
from desktop_chat.storage.settings_file import read_document
from desktop_chat.storage.settings_position import line_map, line_of, path_text
from desktop_chat.storage.tool_settings import ToolSettings

Mode = Literal["merge", "replace"]
SCHEMA_FILE = "settings.schema.json"


def schema_text() -> str:
    """Return the JSON Schema of the settings format, as shipped beside this module."""
    from importlib import resources

    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing in a settings file that the app would leave out or reset, and where it is."""

    file: str
    line: int | None
    place: Place
    message: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line is not None else self.file
        path = path_text(self.place)
        return f"{where}: {path}: {self.message}" if path else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Checked:
    """A settings file as the app reads it: the settings, the document, and its problems."""

    settings: Settings
    document: JsonObject
    problems: tuple[Problem, ...]


def check_file(path: Path) -> Checked:
    """Read and check a settings file; a missing file is the default settings.

    Raises SettingsFileError (not JSON, too big, ... with line and column for JSON syntax) and
    SettingsVersionError, as loading the file would.
    """
    read = read_document(path)
    if read is None:
        return Checked(Settings(), {}, ())
    document, text = read
    settings, problems = decode(document)
    lines = line_map(text) if problems else {}
    found = tuple(
        Problem(path.name, line_of(lines, place), place, message)
        for message, place in zip(problems, problems.places, strict=True)
    )
    return Checked(settings, document, found)


def exported(settings: Settings) -> JsonObject:
    """Return the export document of ``settings``: the configuration without the profile's state."""
    document = encode(settings)
    for name in STATE_FIELDS:
        document.pop(name, None)
    endpoints = document["endpoints"]
    assert isinstance(endpoints, list)
    for endpoint in endpoints:
        for name in ENDPOINT_STATE_FIELDS:
            endpoint.pop(name, None)
    return document


def write_export(text: str, path: Path) -> None:
    """Write an export atomically (a temp file beside it, then a rename); raises OSError."""
    replace_file(path.absolute(), text.encode("utf-8"))


def imported(current: Settings, checked: Checked, mode: Mode) -> Settings:
    """Return ``current`` with the checked file merged in, or replacing its configuration.

    Merge: endpoints, tools, MCP servers and presets of the file are added or replace their
    namesakes, "always allow" entries are added, and the options the file names are set.
    Replace: the configuration is the file's, and only this profile's state is kept. Either way,
    when no endpoint is in use afterwards, the file's (or else the first) becomes the one in use.
    """
    incoming = checked.settings
    endpoints = tuple(_rebound(current, ep) for ep in incoming.endpoints)
    if mode == "replace":
        names = {ep.name for ep in endpoints}
        active = current.active_endpoint if current.active_endpoint in names else None
        result = Settings(
            endpoints,
            active,
            current.active_model if active else None,
            incoming.network,
            incoming.ui,
            {k: v for k, v in current.models_cache.items() if k in names},
            incoming.tools,
            incoming.presets,
        )
    else:
        result = current
        for ep in endpoints:
            result = result.with_endpoint(ep)
        result = result.with_tools(_merged_tools(current.tools, incoming.tools))
        for preset in incoming.presets:
            result = result.with_preset(preset)
        for section in ("network", "ui"):
            given = checked.document.get(section)
            for name in given if isinstance(given, dict) else ():
                key = f"{section}.{name}"
                if key in OPTIONS:
                    value = getattr(getattr(incoming, section), name)
                    result = result.with_option(key, value)
    if result.active_endpoint is None and result.endpoints:
        wanted = result.endpoint(incoming.active_endpoint or "")
        result = result.with_active((wanted or result.endpoints[0]).name)
    return result


def _rebound(current: Settings, endpoint: Endpoint) -> Endpoint:
    """The imported endpoint, with this profile's name spelling and key binding if it has it."""
    here = current.endpoint(endpoint.name)
    if here is None:
        return endpoint
    return dataclasses.replace(endpoint, name=here.name, key_origin=here.key_origin)


def _merged_tools(current: ToolSettings, incoming: ToolSettings) -> ToolSettings:
    tools = current
    for tool in incoming.user_tools:
        tools = tools.with_user_tool(tool)
    for server in incoming.mcp_servers:
        tools = tools.with_mcp_server(server)
    allow = (*tools.always_allow, *incoming.always_allow)
    return dataclasses.replace(tools, always_allow=tuple(dict.fromkeys(allow)))


def changes(before: Settings, after: Settings) -> Iterator[str]:
    """Say, one line each, what turning ``before`` into ``after`` adds, changes and removes."""
    pairs = (
        ("endpoint", before.endpoints, after.endpoints),
        ("MCP server", before.tools.mcp_servers, after.tools.mcp_servers),
        ("tool", before.tools.user_tools, after.tools.user_tools),
        ("preset", before.presets, after.presets),
    )
    for kind, old_items, new_items in pairs:
        old = {item.name.casefold(): item for item in old_items}
        new = {item.name.casefold(): item for item in new_items}
        for name, item in new.items():
            if name not in old:
                yield f"{kind} {item.name!r}: added"
            elif old[name] != item:
                yield f"{kind} {item.name!r}: changed"
        yield from (f"{kind} {item.name!r}: removed" for n, item in old.items() if n not in new)
    old_values, new_values = before.option_values(), after.option_values()
    for key, value in new_values.items():
        if value != old_values[key]:
            yield f"{key}: {json.dumps(old_values[key])} -> {json.dumps(value)}"
    for key in after.tools.always_allow:
        if key not in before.tools.always_allow:
            yield f"always allow {key}: added"
    for key in before.tools.always_allow:
        if key not in after.tools.always_allow:
            yield f"always allow {key}: removed"
    if after.active_endpoint != before.active_endpoint:
        yield f"endpoint in use: {after.active_endpoint!r}"
