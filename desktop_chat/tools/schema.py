"""Check tool declarations and the arguments a model sends, with messages a person can act on.

Arguments arrive as the raw JSON string the model streamed. A malformed string is reported with
the position of the error; well-formed arguments are validated against the tool's JSON Schema and
each problem is reported with its path (``$.location.lat``) and jsonschema's message.
jsonschema is imported on first use: start-up time is a feature.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from desktop_chat.core.conversation import JSONValue
from desktop_chat.i18n import _
from desktop_chat.storage.tool_settings import TOOL_NAME

MAX_PROBLEMS = 20  # a schema with many violations still gives a message of bounded size


class ToolSchemaError(ValueError):
    """Raised when a tool declaration is unusable: bad name, or not a valid JSON Schema."""


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One way the arguments break the schema: where, and what is wrong there."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedArguments:
    """The arguments as a JSON object, or why they could not be read."""

    value: dict[str, JSONValue] | None
    error: str | None = None


def parse_arguments(raw: str) -> ParsedArguments:
    """Read a raw argument string; an empty one means no arguments, as providers send it."""
    if not raw.strip():
        return ParsedArguments({})
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Unterminated string starting at" already says it
        why = _(
            "the arguments are not valid JSON: {reason} at line {line} column {column} "
            "(character {position})"
        ).format(reason=what, line=exc.lineno, column=exc.colno, position=exc.pos)
        return ParsedArguments(None, why)
    if not isinstance(value, dict):
        kind = type(value).__name__ if value is not None else "null"
        why = _("the arguments must be a JSON object, not {kind}").format(kind=kind)
        return ParsedArguments(None, why)
    return ParsedArguments(value)


def check_tool_name(name: str) -> None:
    """Raise ToolSchemaError unless every provider accepts `name` as a function name."""
    if not TOOL_NAME.match(name):
        raise ToolSchemaError(
            _("tool name {name!r} must be 1-64 letters, digits, '_' or '-'").format(name=name)
        )


def check_schema(schema: object) -> dict[str, JSONValue]:
    """Return `schema` if it is a valid JSON Schema for an object of parameters."""
    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    if not isinstance(schema, dict):
        raise ToolSchemaError(_("the parameters must be a JSON Schema object"))
    if schema.get("type") != "object":
        raise ToolSchemaError(_('the parameters schema must have "type": "object" at its root'))
    try:
        validator_for(schema, default=_default_validator()).check_schema(schema)
    except SchemaError as exc:
        where = exc.json_path if exc.path else "$"
        raise ToolSchemaError(
            _("not a valid JSON Schema at {where}: {reason}").format(
                where=where, reason=exc.message
            )
        ) from None
    return schema


def validate_arguments(
    schema: Mapping[str, JSONValue], arguments: Mapping[str, JSONValue]
) -> tuple[SchemaProblem, ...]:
    """Return every way `arguments` break `schema`, in a stable order (none: they are valid)."""
    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    try:
        cls = validator_for(schema, default=_default_validator())
        cls.check_schema(schema)
    except SchemaError as exc:  # the server's or the user's schema, not the model's fault
        why = _("the tool's own schema is invalid: {reason}").format(reason=exc.message)
        return (SchemaProblem("$", why),)
    errors = sorted(cls(schema).iter_errors(arguments), key=lambda e: (list(e.path), e.message))
    return tuple(SchemaProblem(error.json_path, error.message) for error in errors[:MAX_PROBLEMS])


def describe_problems(problems: tuple[SchemaProblem, ...]) -> str:
    """One paragraph naming each problem, for the model and for a person."""
    return _("the arguments do not match the tool's schema: {problems}").format(
        problems="; ".join(map(str, problems))
    )


def _default_validator() -> type:
    from jsonschema import Draft202012Validator

    validator: type = Draft202012Validator
    return validator
