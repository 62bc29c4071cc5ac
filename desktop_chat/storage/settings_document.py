"""Turn settings into the settings file's JSON document and back (current format version).

Decoding keeps every valid value and reports each one left out, one line a problem, so that
nothing is dropped without the person being told; each problem knows its place in the document
(`Problems`), so that `config validate` and `config import` can name its line. Loading is
linear in the size of the document: names are checked through sets, never by scanning the
endpoints once per endpoint.
The format itself is described in `settings_file`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import typing
from collections.abc import Iterable, Iterator

from desktop_chat.i18n import _
from desktop_chat.storage.price import ModelPrice
from desktop_chat.storage.settings import OPTIONS, Endpoint, Network, Preset, Settings, Ui
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool
from desktop_chat.storage.validation import (
    KEY_HINT,
    SettingsError,
    check_header,
    check_key_origin,
    check_limit_field,
    check_reasoning_effort,
    check_thinking_budget,
    looks_secret,
)

JsonObject = dict[str, object]
# Where a value sits in the document: keys and list indexes from the top, e.g. ("endpoints", 1).
Place = tuple[str | int, ...]
# The version `encode` writes and `decode` reads; older documents are migrated first.
CURRENT_VERSION = 1
# What a profile keeps for itself rather than as configuration: what is in use now, what the
# servers listed, and the origin a key stored here was bound to. Exports leave them out
# (`settings_transfer`), so that two exports of the same configuration are the same bytes.
STATE_FIELDS = ("active_endpoint", "active_model", "models_cache")
ENDPOINT_STATE_FIELDS = ("key_origin",)


class Problems(list[str]):
    """The problems `decode` found, one line each, and the place in the document of each.

    The decoders only append lines; `at` says where they are, so that a decoder need not know
    the path it was handed (``places[i]`` is the place of ``self[i]``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.places: list[Place] = []
        self._at: Place = ()

    @contextlib.contextmanager
    def at(self, *place: str | int) -> Iterator[None]:
        """Record the problems found inside the block under ``place`` (relative to the current)."""
        outer = self._at
        self._at = (*outer, *place)
        try:
            yield
        finally:
            self._at = outer

    def append(self, problem: str) -> None:
        super().append(problem)
        self.places.append(self._at)

    def extend(self, problems: Iterable[str]) -> None:
        for problem in problems:
            self.append(problem)


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
        return _("{where}: removed the field {key!r}; {hint}").format(
            where=where, key=key, hint=_(KEY_HINT)
        )
    return _("{where}: ignored the unknown field {key!r}").format(where=where, key=key)


def _unknown_fields(
    where: str, item: dict[str, object], known: set[str], problems: Problems
) -> None:
    for key in item:
        if key not in known:
            with problems.at(key):
                problems.append(_unknown(where, key))


def _decode_endpoint(item: object, where: str, problems: Problems) -> Endpoint | None:
    if not isinstance(item, dict):
        problems.append(_("{where}: not an object; dropped").format(where=where))
        return None
    if isinstance(item.get("name"), str):
        where = _("endpoint {name!r}").format(name=item["name"])
    fields = {f.name for f in dataclasses.fields(Endpoint)}
    _unknown_fields(where, item, fields, problems)
    model = item.get("default_model", "")
    if not isinstance(model, str):
        problems.append(_("{where}: default_model must be text; cleared").format(where=where))
        model = ""
    raw_headers = item.get("extra_headers", {})
    headers: dict[str, str] = {}
    if not isinstance(raw_headers, dict):
        problems.append(_("{where}: extra_headers must be an object; cleared").format(where=where))
        raw_headers = {}
    for k, v in raw_headers.items():
        try:
            headers.update([check_header(k, v)])
        except SettingsError as exc:
            problems.append(
                _("{where}: dropped a header: {reason}").format(where=where, reason=exc)
            )
    try:
        limit_field = check_limit_field(item.get("output_limit_field", "auto"))
    except SettingsError as exc:
        problems.append(_("{where}: {reason}; using auto").format(where=where, reason=exc))
        limit_field = "auto"
    key_origin = item.get("key_origin", "")
    try:
        check_key_origin(key_origin, "http://placeholder")
    except SettingsError as exc:
        problems.append(
            _("{where}: {reason}; bound to the base URL's origin").format(where=where, reason=exc)
        )
        key_origin = ""
    try:
        name, protocol, url = item.get("name"), item.get("protocol"), item.get("base_url")
        return Endpoint(
            name,  # type: ignore[arg-type]
            protocol,  # type: ignore[arg-type]
            url,  # type: ignore[arg-type]
            model,
            headers,
            limit_field,
            key_origin,
            **_decode_reasoning_and_cost(item, where, problems),  # type: ignore[arg-type]
        )
    except SettingsError as exc:
        problems.append(_("{where}: dropped: {reason}").format(where=where, reason=exc))
        return None


def _decode_reasoning_and_cost(
    item: dict[str, object], where: str, problems: list[str]
) -> dict[str, object]:
    """The reasoning, caching and price fields; a file without them gets the defaults."""
    values: dict[str, object] = {}
    try:
        values["reasoning_effort"] = check_reasoning_effort(item.get("reasoning_effort", ""))
    except SettingsError as exc:
        problems.append(_("{where}: {reason}; none sent").format(where=where, reason=exc))
    try:
        values["thinking_budget"] = check_thinking_budget(item.get("thinking_budget", 0))
    except SettingsError as exc:
        problems.append(_("{where}: {reason}; no thinking").format(where=where, reason=exc))
    caching = item.get("prompt_caching", False)
    if isinstance(caching, bool):
        values["prompt_caching"] = caching
    else:
        problems.append(_("{where}: prompt_caching must be true or false; off").format(where=where))
    raw = item.get("prices", {})
    if not isinstance(raw, dict):
        problems.append(_("{where}: prices must be an object; cleared").format(where=where))
        raw = {}
    prices: dict[str, ModelPrice] = {}
    for model, price in raw.items():
        try:
            if not isinstance(price, dict) or set(price) - {"input", "output", "cached_input"}:
                raise SettingsError(
                    _("write it as {fields}").format(fields="{input, output, cached_input}")
                )
            prices[model] = ModelPrice(
                price.get("input"),  # type: ignore[arg-type]
                price.get("output"),  # type: ignore[arg-type]
                price.get("cached_input"),
            )
        except SettingsError as exc:
            problems.append(
                _("{where}: dropped the price of {model!r}: {reason}").format(
                    where=where, model=model, reason=exc
                )
            )
    values["prices"] = prices
    return values


def _decode_section(name: str, cls: type, raw: object, problems: Problems) -> object:
    if not isinstance(raw, dict):
        problems.append(_("{where}: not an object; defaults used").format(where=name))
        return cls()
    values: dict[str, object] = {}
    for key, value in raw.items():
        option = OPTIONS.get(f"{name}.{key}")
        with problems.at(key):
            if option is None:
                problems.append(_unknown(name, key))
                continue
            try:
                values[key] = option.check(value)
            except SettingsError as exc:
                problems.append(
                    _("{reason}; using the default {value}").format(
                        reason=exc, value=json.dumps(option.default)
                    )
                )
    return cls(**values)


def _decode_tool_items(
    raw: object, cls: type[UserTool] | type[McpServer], what: str, problems: Problems
) -> list[object]:
    if not isinstance(raw, list):
        problems.append(_("{where}: not a list; none loaded").format(where=f"tools.{what}"))
        return []
    fields = {f.name for f in dataclasses.fields(cls)}
    items: list[object] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        with problems.at(i):
            decoded = _decode_tool_item(item, cls, f"tools.{what} #{i + 1}", fields, problems)
            if decoded is None:
                continue
            name = decoded.name.casefold()
            if name in seen:
                problems.append(
                    _("{where}: a second entry named {name!r} was dropped").format(
                        where=f"tools.{what} #{i + 1}", name=decoded.name
                    )
                )
            else:
                seen.add(name)
                items.append(decoded)
    return items


def _decode_tool_item(
    item: object, cls: type[UserTool] | type[McpServer], where: str, fields: set[str],
    problems: Problems,
) -> UserTool | McpServer | None:  # fmt: skip
    if not isinstance(item, dict):
        problems.append(_("{where}: not an object; dropped").format(where=where))
        return None
    _unknown_fields(where, item, fields, problems)
    values: dict[str, typing.Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in item.items() if k in fields
    }
    try:
        return cls(**values)
    except (SettingsError, TypeError) as exc:
        problems.append(_("{where}: dropped: {reason}").format(where=where, reason=exc))
        return None


def _decode_tools(raw: object, problems: Problems) -> ToolSettings:
    if not isinstance(raw, dict):
        problems.append(_("{where}: not an object; defaults used").format(where="tools"))
        return ToolSettings()
    known = {f.name for f in dataclasses.fields(ToolSettings)}
    _unknown_fields("tools", raw, known, problems)
    with problems.at("user_tools"):
        user_tools = _decode_tool_items(raw.get("user_tools", []), UserTool, "user_tools", problems)
    with problems.at("mcp_servers"):
        servers = _decode_tool_items(raw.get("mcp_servers", []), McpServer, "mcp_servers", problems)
    allow = raw.get("always_allow", [])
    if not isinstance(allow, list) or not all(isinstance(key, str) for key in allow):
        with problems.at("always_allow"):
            problems.append(
                _("{where}: not a list of tool names; cleared").format(where="tools.always_allow")
            )
        allow = []
    return ToolSettings(tuple(user_tools), tuple(servers), tuple(allow))  # type: ignore[arg-type]


def _decode_presets(raw: object, problems: Problems) -> tuple[Preset, ...]:
    """The "presets" section; a file without one (written before presets existed) has none."""
    if not isinstance(raw, list):
        problems.append(_("{where}: not a list; none loaded").format(where="presets"))
        return ()
    fields = {f.name for f in dataclasses.fields(Preset)}
    presets: list[Preset] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = _("presets #{number}").format(number=i + 1)
        with problems.at(i):
            if not isinstance(item, dict):
                problems.append(_("{where}: not an object; dropped").format(where=where))
                continue
            _unknown_fields(where, item, fields, problems)
            try:
                preset = Preset(**{k: v for k, v in item.items() if k in fields})
            except (SettingsError, TypeError) as exc:
                problems.append(_("{where}: dropped: {reason}").format(where=where, reason=exc))
                continue
            if preset.name.casefold() in seen:
                problems.append(
                    _("{where}: a second preset named {name!r} was dropped").format(
                        where=where, name=preset.name
                    )
                )
                continue
        seen.add(preset.name.casefold())
        presets.append(preset)
    return tuple(presets)


def decode(data: JsonObject) -> tuple[Settings, Problems]:
    """Build settings from a current-version document, keeping every valid value.

    Returns the settings and the problems found, one line each, for the notice; the problems
    also say where in the document each one is (`Problems.places`).
    """
    problems = Problems()
    known = {"version", *(f.name for f in dataclasses.fields(Settings) if f.init)}
    _unknown_fields("settings", data, known, problems)
    endpoints: list[Endpoint] = []
    raw_eps = data.get("endpoints", [])
    if not isinstance(raw_eps, list):
        with problems.at("endpoints"):
            problems.append(_("{where}: not a list; none loaded").format(where="endpoints"))
        raw_eps = []
    seen: set[str] = set()
    for i, item in enumerate(raw_eps):
        with problems.at("endpoints", i):
            ep = _decode_endpoint(item, _("endpoint #{number}").format(number=i + 1), problems)
            if ep is not None and ep.name.casefold() in seen:
                problems.append(
                    _("endpoint {name!r}: a second endpoint of that name was dropped").format(
                        name=ep.name
                    )
                )
            elif ep is not None:
                seen.add(ep.name.casefold())
                endpoints.append(ep)
    names = {ep.name for ep in endpoints}
    active, model = data.get("active_endpoint"), data.get("active_model")
    if active is not None and active not in names:
        with problems.at("active_endpoint"):
            problems.append(
                _("active_endpoint: no endpoint named {name!r}; none is active").format(name=active)
            )
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
    with problems.at("network"):
        network = _decode_section("network", Network, data.get("network", {}), problems)
    with problems.at("ui"):
        ui = _decode_section("ui", Ui, data.get("ui", {}), problems)
    with problems.at("tools"):
        tools = _decode_tools(data.get("tools", {}), problems)
    with problems.at("presets"):
        presets = _decode_presets(data.get("presets", []), problems)
    settings = Settings(tuple(endpoints), active, model, network, ui, models, tools, presets)  # type: ignore[arg-type]
    return settings, problems
