"""Provider-neutral conversation types: tool-call arguments and tool specs."""

from __future__ import annotations

import dataclasses
import json

import pytest

from desktop_chat.core.conversation import (
    Conversation,
    Message,
    ThinkingBlock,
    Tool,
    ToolCall,
    ToolResult,
)


@pytest.mark.parametrize("raw", ["", "   ", "\n\t"])
def test_blank_arguments_are_an_empty_object(raw: str) -> None:
    assert ToolCall("c", "f", raw).parsed_arguments() == {}


def test_arguments_default_to_empty() -> None:
    call = ToolCall("c", "f")
    assert call.arguments == ""
    assert call.parsed_arguments() == {}


def test_arguments_parse_as_json_object() -> None:
    call = ToolCall("c", "f", '{"city": "Z\\u00fcrich", "days": [1, 2], "x": null}')
    assert call.parsed_arguments() == {"city": "Zürich", "days": [1, 2], "x": None}


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "3", "null", "true"])
def test_arguments_that_are_not_an_object_raise(raw: str) -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        ToolCall("c", "f", raw).parsed_arguments()


def test_malformed_arguments_raise_value_error_with_the_position() -> None:
    with pytest.raises(ValueError, match=r"char 9") as caught:
        ToolCall("c", "f", '{"city": ').parsed_arguments()
    assert isinstance(caught.value, json.JSONDecodeError)
    assert caught.value.pos == 9


def test_messages_do_not_share_default_lists() -> None:
    first, second = Message("assistant"), Message("assistant")
    first.tool_calls.append(ToolCall("c", "f"))
    first.tool_results.append(ToolResult("c", "ok"))
    assert second.tool_calls == []
    assert second.tool_results == []
    one, two = Conversation(), Conversation()
    one.messages.append(Message("user", "hi"))
    assert two.messages == []
    assert two.system == ""


def test_message_defaults() -> None:
    message = Message("user", "hi")
    assert (message.reasoning, message.reasoning_signature) == ("", "")
    assert message.thinking_blocks == ()
    assert ToolResult("c", "out").is_error is False


def test_thinking_block_is_immutable_and_knows_when_it_is_redacted() -> None:
    block = ThinkingBlock("thought", "sig")
    assert (block.text, block.signature, block.redacted_data, block.redacted) == (
        "thought", "sig", "", False,
    )  # fmt: skip
    assert ThinkingBlock(redacted_data="opaque").redacted
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.text = "changed"  # type: ignore[misc]


def test_tool_default_parameters_are_an_empty_object_schema_not_shared() -> None:
    first, second = Tool("a"), Tool("b")
    assert first.parameters == {"type": "object", "properties": {}}
    assert first.description == ""
    first.parameters["required"] = ["x"]
    assert "required" not in second.parameters


def test_tool_from_openai() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    tool = Tool.from_openai(
        {
            "type": "function",
            "function": {"name": "search", "description": "Search the web", "parameters": schema},
        }
    )
    assert tool == Tool("search", "Search the web", schema)


@pytest.mark.parametrize("parameters", [None, {}])
def test_tool_from_openai_without_parameters(parameters: object) -> None:
    function: dict[str, object] = {"name": "now"}
    if parameters is not None:
        function["parameters"] = parameters
    tool = Tool.from_openai({"type": "function", "function": function})
    assert tool == Tool("now", "", {"type": "object", "properties": {}})


def test_tool_from_openai_null_description() -> None:
    spec = {"type": "function", "function": {"name": "f", "description": None}}
    assert Tool.from_openai(spec).description == ""


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"type": "function"},
        {"type": "tool", "function": {"name": "f"}},
        {"function": {"name": "f"}},
        {"type": "function", "function": "f"},
        {"type": "function", "function": {"description": "no name"}},
        {"type": "function", "function": {"name": 3}},
    ],
)
def test_tool_from_openai_rejects_other_shapes(spec: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="each tool must look like"):
        Tool.from_openai(spec)


@pytest.mark.parametrize("parameters", [[1], "object", 3])
def test_tool_from_openai_rejects_non_object_parameters(parameters: object) -> None:
    spec = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    with pytest.raises(ValueError, match="'f': parameters must be a JSON Schema object"):
        Tool.from_openai(spec)
