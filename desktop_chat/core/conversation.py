"""Provider-neutral conversation: what was said, by whom, with which tool calls and results.

Providers render this into their own wire format; storage persists it; the window shows it.

Attachments: a user message carries `attachments`, each an `Attachment` holding the file's
ORIGINAL bytes, as the user gave them. The transcript shows these and the history stores these
(once per content, by `sha256`). What goes to a provider may differ: images are downscaled to
the protocol's limits on the way out (core/attachment.py, through an `ImageFitter`), text files
are sent as a fenced block in the message's text, PDFs as a document or file part. That copy is
made per request and never kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["user", "assistant", "tool"]
AttachmentKind = Literal["image", "pdf", "text"]
JSONValue = object  # parsed JSON: dict | list | str | int | float | bool | None

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
PDF_TYPE = "application/pdf"


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file attached to a user message: its name, its media type and its original bytes.

    `name` is the file name as the user sees it (no directory: a pasted image gets one made up,
    "image.png"). `media_type` is one of IMAGE_TYPES, PDF_TYPE, or a text type (text/plain,
    text/markdown, text/x-python, application/json...): anything that is neither image nor PDF
    is sent as UTF-8 text. Build one from a file with `core.attachment.attachment_from_file`,
    which checks the type; built by hand, the caller vouches for it.
    """

    name: str
    media_type: str
    data: bytes = field(repr=False)

    @property
    def kind(self) -> AttachmentKind:
        """How it is sent: "image" (an image part), "pdf" (a document part), "text" (as text)."""
        if self.media_type in IMAGE_TYPES:
            return "image"
        if self.media_type == PDF_TYPE:
            return "pdf"
        return "text"

    @property
    def sha256(self) -> str:
        """The content's hash in hex: the history stores each content once under it."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class ToolCall:
    """One call the model asked for; `arguments` is the raw JSON string exactly as streamed."""

    id: str
    name: str
    arguments: str = ""

    def parsed_arguments(self) -> dict[str, JSONValue]:
        """The arguments as a JSON object; raises ValueError with the position when malformed."""
        if not self.arguments.strip():
            return {}
        value = json.loads(self.arguments)
        if not isinstance(value, dict):
            raise ValueError("tool arguments are not a JSON object")
        return value


@dataclass(slots=True)
class ToolResult:
    call_id: str
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ThinkingBlock:
    """One block of the model's thinking, kept exactly as received so it can be sent back.

    Anthropic checks each block against its own `signature`, and a redacted block is opaque
    `redacted_data` with no text; a provider without signatures (OpenAI-compatible
    `reasoning_content`) leaves both empty, and such a block is for reading only.
    """

    text: str = ""
    signature: str = ""
    redacted_data: str = ""

    @property
    def redacted(self) -> bool:
        return bool(self.redacted_data)


@dataclass(slots=True)
class Message:
    """One turn. User: text, attachments. Assistant: text, reasoning, tool_calls. Tool: results.

    `reasoning` is the thinking as people read it, all blocks joined. `thinking_blocks` is the
    same thinking as the provider sent it, in order, with signatures and redacted blocks; it is
    what goes back to the provider. A message without blocks (built before they existed, or by
    hand) sends `reasoning` with `reasoning_signature` as one block, as it always did.
    """

    role: Role
    text: str = ""
    reasoning: str = ""
    reasoning_signature: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)
    thinking_blocks: tuple[ThinkingBlock, ...] = ()
    attachments: tuple[Attachment, ...] = ()  # user messages only, in the order given


@dataclass(slots=True)
class Tool:
    """A function the model may call; `parameters` is a JSON Schema object."""

    name: str
    description: str = ""
    parameters: dict[str, JSONValue] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )

    @classmethod
    def from_openai(cls, spec: dict[str, JSONValue]) -> Tool:
        """Read an OpenAI-format tool `{"type": "function", "function": {...}}`."""
        function = spec.get("function") if spec.get("type") == "function" else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise ValueError(
                'each tool must look like {"type": "function", "function": {"name": ...}}'
            )
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(parameters, dict):
            raise ValueError(f"tool {function['name']!r}: parameters must be a JSON Schema object")
        return cls(function["name"], str(function.get("description") or ""), parameters)


@dataclass(slots=True)
class Conversation:
    system: str = ""
    messages: list[Message] = field(default_factory=list)


@dataclass(slots=True)
class AssistantTurn:
    """The folded turn. `reasoning_signature` is set only when one signed block holds all the
    thinking, the one case where it signs `reasoning`; `thinking_blocks` always has them all."""

    text: str = ""
    reasoning: str = ""
    reasoning_signature: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    stop_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    attempts: int = 0
    cached_input_tokens: int | None = None  # of input_tokens, read from the prompt cache
    cache_write_tokens: int | None = None  # of input_tokens, written to the prompt cache
    thinking_blocks: tuple[ThinkingBlock, ...] = ()

    def to_message(self) -> Message:
        return Message(
            "assistant",
            text=self.text,
            reasoning=self.reasoning,
            reasoning_signature=self.reasoning_signature,
            tool_calls=list(self.tool_calls),
            thinking_blocks=self.thinking_blocks,
        )
