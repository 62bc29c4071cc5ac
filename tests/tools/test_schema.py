"""Arguments: malformed JSON with its position, schema problems with their paths."""

from __future__ import annotations

import pytest

from desktop_chat.tools.schema import (
    SchemaProblem,
    ToolSchemaError,
    check_schema,
    check_tool_name,
    describe_problems,
    parse_arguments,
    validate_arguments,
)

SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "where": {
            "type": "object",
            "properties": {"lat": {"type": "number"}},
            "required": ["lat"],
        },
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["city"],
    "additionalProperties": False,
}


def test_empty_arguments_mean_none() -> None:
    assert parse_arguments("").value == {}
    assert parse_arguments("  \n").value == {}


def test_well_formed_arguments() -> None:
    parsed = parse_arguments('{"city": "Lyon", "days": 2}')
    assert (parsed.value, parsed.error) == ({"city": "Lyon", "days": 2}, None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"city": "Lyon"', "Expecting ',' delimiter at line 1 column 16 (character 15)"),
        ('{"city": "Ly', "Unterminated string starting at line 1 column 10 (character 9)"),
        ('{"a": 1,\n "b": }', "Expecting value at line 2 column 7 (character 15)"),
        ("[1, 2]", "must be a JSON object, not list"),
        ("null", "must be a JSON object, not null"),
        ('"text"', "must be a JSON object, not str"),
    ],
)
def test_malformed_arguments_report_the_position(raw: str, message: str) -> None:
    parsed = parse_arguments(raw)
    assert parsed.value is None
    assert parsed.error is not None
    assert message in parsed.error


def test_valid_arguments_have_no_problems() -> None:
    assert validate_arguments(SCHEMA, {"city": "Lyon", "where": {"lat": 45.7}}) == ()


def test_problems_name_their_paths() -> None:
    problems = validate_arguments(SCHEMA, {"days": 9, "where": {}, "tags": ["a", 2], "extra": True})
    assert [str(p) for p in problems] == [
        "$: 'city' is a required property",
        "$: Additional properties are not allowed ('extra' was unexpected)",
        "$.days: 9 is greater than the maximum of 7",
        "$.tags[1]: 2 is not of type 'string'",
        "$.where: 'lat' is a required property",
    ]
    assert describe_problems(problems[:1]) == (
        "the arguments do not match the tool's schema: $: 'city' is a required property"
    )


def test_a_broken_schema_is_reported_not_raised() -> None:
    problems = validate_arguments({"type": "object", "properties": {"a": {"type": 5}}}, {"a": 1})
    assert problems == (
        SchemaProblem(
            "$", "the tool's own schema is invalid: 5 is not valid under any of the given schemas"
        ),
    )


def test_check_schema_accepts_object_schemas() -> None:
    assert check_schema(SCHEMA) is SCHEMA
    assert check_schema({"type": "object"}) == {"type": "object"}


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ([], "must be a JSON Schema object"),
        ({"type": "string"}, '"type": "object" at its root'),
        ({"properties": {}}, '"type": "object" at its root'),
        (
            {"type": "object", "properties": {"a": {"type": "strin"}}},
            "not a valid JSON Schema at $.properties.a.type",
        ),
        (
            {"type": "object", "required": "a"},
            "not a valid JSON Schema at $.required: 'a' is not of type 'array'",
        ),
    ],
)
def test_check_schema_refuses_bad_schemas(schema: object, message: str) -> None:
    with pytest.raises(ToolSchemaError) as info:
        check_schema(schema)
    assert message in str(info.value)


@pytest.mark.parametrize("name", ["lookup", "get-weather_2", "A" * 64])
def test_good_tool_names(name: str) -> None:
    check_tool_name(name)


@pytest.mark.parametrize("name", ["", "has space", "dotted.name", "A" * 65, "ünï"])
def test_bad_tool_names(name: str) -> None:
    with pytest.raises(ToolSchemaError, match="1-64 letters"):
        check_tool_name(name)
