"""The JSON Schema shipped with the package describes every setting the code declares."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import typing
from pathlib import Path

import jsonschema
import pytest

from desktop_chat.storage.settings import OPTIONS, Endpoint, Network, Settings, Ui
from desktop_chat.storage.settings_document import encode
from desktop_chat.storage.settings_transfer import exported, schema_text
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads(schema_text())
# Keys of the document that are not fields of the settings model.
DOCUMENT_ONLY = {"version"}


def resolve(node: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """Follow a local "$ref" and step into an array's items."""
    while True:
        if "$ref" in node:
            node = SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")]
        elif node.get("type") == "array":
            node = node["items"]
        elif "properties" not in node and isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]  # a map: {model id: price}
        else:
            return node


def dataclasses_in(hint: object) -> list[type]:
    """The settings classes a field's type holds: `tuple[Endpoint, ...]` -> [Endpoint]."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return [hint]
    return [cls for arg in typing.get_args(hint) for cls in dataclasses_in(arg)]


def missing_fields(cls: type, node: dict[str, typing.Any], where: str) -> list[str]:
    """Name every field of `cls` and of the settings classes inside it the schema lacks,
    and every property the schema has that the code does not."""
    node = resolve(node)
    properties = node.get("properties", {})
    fields = [f.name for f in dataclasses.fields(cls) if f.init]
    found = [f"{where}.{name} is not in the schema" for name in fields if name not in properties]
    extra = set(properties) - set(fields) - (DOCUMENT_ONLY if cls is Settings else set())
    found += [f"{where}.{name} is in the schema but not in the code" for name in sorted(extra)]
    hints = typing.get_type_hints(cls)
    for name in fields:
        for inner in dataclasses_in(hints[name]):
            if name in properties:
                found += missing_fields(inner, properties[name], f"{where}.{name}")
    return found


def test_every_settings_field_is_in_the_schema() -> None:
    """Fails when a field is added to the settings (an Endpoint option, a new section) and the
    schema, hence the README's table and people's editors, do not hear of it."""
    assert missing_fields(Settings, SCHEMA, "settings") == []


@dataclasses.dataclass
class _DiscountedEndpoint:
    name: str
    discounts: float


@dataclasses.dataclass
class _Extended:
    endpoints: tuple[_DiscountedEndpoint, ...]
    reasoning: str = ""


def test_the_check_sees_fields_the_schema_lacks_at_any_depth() -> None:
    found = missing_fields(_Extended, SCHEMA, "settings")
    assert "settings.reasoning is not in the schema" in found
    assert "settings.endpoints.discounts is not in the schema" in found
    assert "settings.endpoints.base_url is in the schema but not in the code" in found


@pytest.mark.parametrize("key", list(OPTIONS))
def test_each_option_is_described_as_declared(key: str) -> None:
    option = OPTIONS[key]
    node = SCHEMA["properties"][option.section]["properties"][option.name]
    kind = {bool: "boolean", int: "integer", float: "number", str: "string"}[option.kind]
    assert node["type"] == ([kind, "null"] if option.nullable else kind)
    assert node["default"] == option.default
    assert node["description"] == option.description
    assert node.get("enum", []) == list(option.choices)
    assert (node.get("minimum"), node.get("maximum")) == (option.lo, option.hi)


def a_full_settings() -> Settings:
    tools = ToolSettings(
        (UserTool("lookup", "Look up", {"type": "object", "properties": {}}),),
        (
            McpServer(
                "clock",
                command="mcp-server-time",
                args=("-x",),
                env={"TZ": "UTC"},
                pass_env=("LANG",),
                cwd="/tmp",
            ),
            McpServer(
                "search",
                url="http://127.0.0.1:9/mcp",
                headers={"X-Org": "me"},
                keyring_headers=("Authorization",),
            ),
        ),
        ("user:lookup",),
    )
    endpoint = Endpoint("Work", "openai", "https://api.openai.com/v1", "gpt-4o", {"X-Team": "b"},
                        "max_tokens")  # fmt: skip
    settings = Settings((endpoint,), "Work", "gpt-4o-mini", Network(total_timeout=30.0), Ui(),
                        {"Work": ("gpt-4o",)}, tools)  # fmt: skip
    return settings.with_option("network.proxy_mode", "custom")


def test_the_settings_file_and_an_export_validate_against_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    validator.check_schema(SCHEMA)
    for document in (encode(a_full_settings()), exported(a_full_settings()), {"version": 1}):
        assert list(validator.iter_errors(document)) == []
    wrong = {"version": 1, "network": {"max_retries": 99}, "colour": "blue"}
    assert len(list(validator.iter_errors(wrong))) == 2


def test_the_schema_ships_in_the_wheel_and_the_frozen_app() -> None:
    # Hatch puts every file of the package into the wheel unless told otherwise.
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert wheel["targets"]["wheel"] == {"packages": ["desktop_chat"]}
    spec = (ROOT / "packaging" / "desktop_chat.spec").read_text()
    assert '+ collect_data_files("desktop_chat")' in spec


def field_paths(node: dict[str, typing.Any], prefix: str = "") -> list[str]:
    """Every field as the README's table writes it: ``endpoints[].name``, ``network.proxy_url``."""
    found = []
    for name, child in node.get("properties", {}).items():
        found.append(prefix + name)
        inner = resolve(child)
        if inner.get("properties") and name != "parameters":  # a tool's own JSON Schema
            found += field_paths(inner, prefix + name + ("[]." if "items" in child else "."))
    return found


def test_the_readme_describes_every_field_and_where_the_file_lives() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### The settings file") :]
    section = section[: section.index("\n## ")]
    rows = set(re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE))
    assert [path for path in field_paths(SCHEMA) if path not in rows] == []
    for place in ("~/.config/desktop-chat", "Library/Application Support", "LOCALAPPDATA"):
        assert place in section
