"""Turn settings into the settings file's JSON document and back (current format version).

Decoding keeps every valid value and reports each one left out, one line a problem, so that
nothing is dropped without the person being told. Loading is linear in the size of the
document: names are checked through sets, never by scanning the endpoints once per endpoint.
The format itself is described in `settings_file`.
"""

from __future__ import annotations

import dataclasses
import json
import typing

from desktop_chat.storage.settings import OPTIONS, Endpoint, Network, Preset, Settings, Ui
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool
from desktop_chat.storage.validation import (
    KEY_HINT,
    SettingsError,
    check_header,
    check_key_origin,
    check_limit_field,
    looks_secret,
)

JsonObject = dict[str, object]
# The version `encode` writes and `decode` reads; older documents are migrated first.
CURRENT_VERSION = 1


def encode(settings: Settings) -> JsonObject:
    """Return the JSON document for ``settings`` (the current format version)."""
    return {
        "version": CURRENT_VERSION,
        "endpoints": [dataclasses.asdict(ep) for ep in settings.endpoints],
        "active_endpoint": settings.active_endpoint,
        "active_model": settings.active_model,
        "network": dataclasses.asdict(settings.network),
        "ui": dataclasses.asdict(settings.ui),
        "models_cache": {k: list(v) for k, v in settings.models_cache.items()},
        "tools": {
            "user_tools": [dataclasses.asdict(t) for t in settings.tools.user_tools],
            "mcp_servers": [
                {
                    **dataclasses.asdict(m),
                    "args": list(m.args),
                    "pass_env": list(m.pass_env),
                    "keyring_headers": list(m.keyring_headers),
                }
                for m in settings.tools.mcp_servers
            ],
            "always_allow": list(settings.tools.always_allow),
        },
        "presets": [dataclasses.asdict(p) for p in settings.presets],
    }


def _unknown(where: str, key: str) -> str:
    if looks_secret(key):
        return f"{where}: removed the field {key!r}; {KEY_HINT}"
    return f"{where}: ignored the unknown field {key!r}"


def _decode_endpoint(item: object, where: str, problems: list[str]) -> Endpoint | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: not an object; dropped")
        return None
    where = f"endpoint {item['name']!r}" if isinstance(item.get("name"), str) else where
    fields = {f.name for f in dataclasses.fields(Endpoint)}
    problems.extend(_unknown(where, k) for k in item if k not in fields)
    model = item.get("default_model", "")
    if not isinstance(model, str):
        problems.append(f"{where}: default_model must be text; cleared")
        model = ""
    raw_headers = item.get("extra_headers", {})
    headers: dict[str, str] = {}
    if not isinstance(raw_headers, dict):
        problems.append(f"{where}: extra_headers must be an object; cleared")
        raw_headers = {}
    for k, v in raw_headers.items():
        try:
            headers.update([check_header(k, v)])
        except SettingsError as exc:
            problems.append(f"{where}: dropped a header: {exc}")
    try:
        limit_field = check_limit_field(item.get("output_limit_field", "auto"))
    except SettingsError as exc:
        problems.append(f"{where}: {exc}; using auto")
        limit_field = "auto"
    key_origin = item.get("key_origin", "")
    try:
        check_key_origin(key_origin, "http://placeholder")
    except SettingsError as exc:
        problems.append(f"{where}: {exc}; bound to the base URL's origin")
        key_origin = ""
    try:
        name, protocol, url = item.get("name"), item.get("protocol"), item.get("base_url")
        return Endpoint(name, protocol, url, model, headers, limit_field, key_origin)  # type: ignore[arg-type]
    except SettingsError as exc:
        problems.append(f"{where}: dropped: {exc}")
        return None


def _decode_section(name: str, cls: type, raw: object, problems: list[str]) -> object:
    if not isinstance(raw, dict):
        problems.append(f"{name}: not an object; defaults used")
        return cls()
    values: dict[str, object] = {}
    for key, value in raw.items():
        option = OPTIONS.get(f"{name}.{key}")
        if option is None:
            problems.append(_unknown(name, key))
            continue
        try:
            values[key] = option.check(value)
        except SettingsError as exc:
            problems.append(f"{exc}; using the default {json.dumps(option.default)}")
    return cls(**values)


def _decode_tool_items(
    raw: object, cls: type[UserTool] | type[McpServer], what: str, problems: list[str]
) -> list[object]:
    if not isinstance(raw, list):
        problems.append(f"tools.{what}: not a list; none loaded")
        return []
    fields = {f.name for f in dataclasses.fields(cls)}
    items: list[object] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"tools.{what} #{i + 1}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object; dropped")
            continue
        problems.extend(_unknown(where, k) for k in item if k not in fields)
        values: dict[str, typing.Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in item.items() if k in fields
        }
        try:
            decoded = cls(**values)
        except (SettingsError, TypeError) as exc:
            problems.append(f"{where}: dropped: {exc}")
            continue
        name = decoded.name.casefold()
        if name in seen:
            problems.append(f"{where}: a second entry named {decoded.name!r} was dropped")
        else:
            seen.add(name)
            items.append(decoded)
    return items


def _decode_tools(raw: object, problems: list[str]) -> ToolSettings:
    if not isinstance(raw, dict):
        problems.append("tools: not an object; defaults used")
        return ToolSettings()
    known = {f.name for f in dataclasses.fields(ToolSettings)}
    problems.extend(_unknown("tools", k) for k in raw if k not in known)
    user_tools = _decode_tool_items(raw.get("user_tools", []), UserTool, "user_tools", problems)
    servers = _decode_tool_items(raw.get("mcp_servers", []), McpServer, "mcp_servers", problems)
    allow = raw.get("always_allow", [])
    if not isinstance(allow, list) or not all(isinstance(key, str) for key in allow):
        problems.append("tools.always_allow: not a list of tool names; cleared")
        allow = []
    return ToolSettings(tuple(user_tools), tuple(servers), tuple(allow))  # type: ignore[arg-type]


def _decode_presets(raw: object, problems: list[str]) -> tuple[Preset, ...]:
    """The "presets" section; a file without one (written before presets existed) has none."""
    if not isinstance(raw, list):
        problems.append("presets: not a list; none loaded")
        return ()
    fields = {f.name for f in dataclasses.fields(Preset)}
    presets: list[Preset] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"presets #{i + 1}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object; dropped")
            continue
        problems.extend(_unknown(where, k) for k in item if k not in fields)
        try:
            preset = Preset(**{k: v for k, v in item.items() if k in fields})
        except (SettingsError, TypeError) as exc:
            problems.append(f"{where}: dropped: {exc}")
            continue
        if preset.name.casefold() in seen:
            problems.append(f"{where}: a second preset named {preset.name!r} was dropped")
            continue
        seen.add(preset.name.casefold())
        presets.append(preset)
    return tuple(presets)


def decode(data: JsonObject) -> tuple[Settings, list[str]]:
    """Build settings from a current-version document, keeping every valid value.

    Returns the settings and the problems found, one line each, for the notice.
    """
    problems: list[str] = []
    known = {"version", *(f.name for f in dataclasses.fields(Settings) if f.init)}
    problems.extend(_unknown("settings", k) for k in data if k not in known)
    endpoints: list[Endpoint] = []
    raw_eps = data.get("endpoints", [])
    if not isinstance(raw_eps, list):
        problems.append("endpoints: not a list; none loaded")
        raw_eps = []
    seen: set[str] = set()
    for i, item in enumerate(raw_eps):
        ep = _decode_endpoint(item, f"endpoint #{i + 1}", problems)
        if ep is not None and ep.name.casefold() in seen:
            problems.append(f"endpoint {ep.name!r}: a second endpoint of that name was dropped")
        elif ep is not None:
            seen.add(ep.name.casefold())
            endpoints.append(ep)
    names = {ep.name for ep in endpoints}
    active, model = data.get("active_endpoint"), data.get("active_model")
    if active is not None and active not in names:
        problems.append(f"active_endpoint: no endpoint named {active!r}; none is active")
        active = None
    if active is None or not isinstance(model, str) or not model:
        model = None
    cache = data.get("models_cache", {})
    # The model cache is only a cache: anything odd in it is dropped without a notice.
    models = {
        k: tuple(v)
        for k, v in (cache.items() if isinstance(cache, dict) else ())
        if k in names and isinstance(v, list) and all(isinstance(m, str) for m in v)
    }
    network = _decode_section("network", Network, data.get("network", {}), problems)
    ui = _decode_section("ui", Ui, data.get("ui", {}), problems)
    tools = _decode_tools(data.get("tools", {}), problems)
    presets = _decode_presets(data.get("presets", []), problems)
    settings = Settings(tuple(endpoints), active, model, network, ui, models, tools, presets)  # type: ignore[arg-type]
    return settings, problems
