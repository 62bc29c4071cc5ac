"""Attachments on the wire: the request bodies of all three protocols, as a loopback server
receives them, and the errors that name an attachment."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time

import pytest

from desktop_chat.core.attachment import TEXT_MAX_CHARS, ImageFitter, ImageLimits, text_block
from desktop_chat.core.conversation import Attachment, Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import AttachmentError, BadRequestError, ChatError
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.image_header import image_size
from tests.support.images import PDF_ONE_PAGE, JPEG_37x21, png
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream, responses_stream

PNG = png(37, 21)
IMAGE = Attachment("chart.png", "image/png", PNG)
PDF = Attachment("paper.pdf", "application/pdf", PDF_ONE_PAGE)
NOTES = Attachment("notes.md", "text/markdown", b"# Notes\n\nLine two\n")
BLOCK = "notes.md:\n```\n# Notes\n\nLine two\n```"
ASKED = Message("user", "What is in these?", attachments=(IMAGE, PDF, NOTES))
B64_PNG, B64_PDF = base64.b64encode(PNG).decode(), base64.b64encode(PDF_ONE_PAGE).decode()
STREAMS = {
    "openai": openai_stream(["Seen."]),
    "openai-responses": responses_stream(["Seen."]),
    "anthropic": anthropic_stream(["Seen."]),
}
ROOTS = {"openai": "/v1", "openai-responses": "/v1", "anthropic": ""}


class HalvingFitter:
    """Stands in for the Qt fitter in the core's tests: a PNG of the fitted size."""

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        return Attachment(image.name, "image/png", png(limits.fit_long_side, 7))


async def send(
    server: ScriptedServer, protocol: str, *messages: Message, fitter: ImageFitter | None = None
) -> dict[str, object]:
    server.script(Reply(chunks=STREAMS[protocol]))
    engine = Engine(policy=RetryPolicy(max_retries=0))
    try:
        request = ChatRequest("m", Conversation("", list(messages)), 64, image_fitter=fitter)
        turn = await engine.run(EndpointConfig(protocol, server.url + ROOTS[protocol]), request)
    finally:
        await engine.aclose()
    assert turn.text == "Seen."
    body = json.loads(server.requests[-1].body)
    assert isinstance(body, dict)
    return body


async def test_chat_completions_sends_image_url_and_file_parts(sse_server: ScriptedServer) -> None:
    body = await send(sse_server, "openai", ASKED)
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64_PNG}"}},
                {
                    "type": "file",
                    "file": {
                        "filename": "paper.pdf",
                        "file_data": f"data:application/pdf;base64,{B64_PDF}",
                    },
                },
                {"type": "text", "text": f"{BLOCK}\n\nWhat is in these?"},
            ],
        }
    ]


async def test_responses_sends_input_image_and_input_file(sse_server: ScriptedServer) -> None:
    body = await send(sse_server, "openai-responses", ASKED)
    assert body["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_image", "image_url": f"data:image/png;base64,{B64_PNG}"},
                {
                    "type": "input_file",
                    "filename": "paper.pdf",
                    "file_data": f"data:application/pdf;base64,{B64_PDF}",
                },
                {"type": "input_text", "text": f"{BLOCK}\n\nWhat is in these?"},
            ],
        }
    ]


async def test_anthropic_sends_image_and_document_blocks(sse_server: ScriptedServer) -> None:
    body = await send(sse_server, "anthropic", ASKED)
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": B64_PNG},
                },
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": B64_PDF},
                    "title": "paper.pdf",
                },
                {"type": "text", "text": f"{BLOCK}\n\nWhat is in these?"},
            ],
        }
    ]


@pytest.mark.parametrize("protocol", ["openai", "openai-responses", "anthropic"])
async def test_text_files_alone_keep_the_content_a_string(
    sse_server: ScriptedServer, protocol: str
) -> None:
    body = await send(sse_server, protocol, Message("user", "Sum up", attachments=(NOTES,)))
    sent = body["input"] if protocol == "openai-responses" else body["messages"]
    assert sent == [{"role": "user", "content": f"{BLOCK}\n\nSum up"}]


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
async def test_an_image_alone_sends_no_empty_text_part(
    sse_server: ScriptedServer, protocol: str
) -> None:
    body = await send(sse_server, protocol, Message("user", attachments=(IMAGE,)))
    (message,) = body["messages"]  # type: ignore[misc]
    assert [part["type"] for part in message["content"]] == [
        "image_url" if protocol == "openai" else "image"
    ]


@pytest.mark.parametrize(
    ("protocol", "long_side"), [("openai", 2048), ("openai-responses", 2048), ("anthropic", 1568)]
)
async def test_a_large_image_goes_fitted_and_the_message_keeps_the_original(
    sse_server: ScriptedServer, protocol: str, long_side: int
) -> None:
    big = Attachment("photo.png", "image/png", png(5000, 20))
    message = Message("user", "look", attachments=(big,))
    body = await send(sse_server, protocol, message, fitter=HalvingFitter())
    if protocol == "anthropic":
        encoded = body["messages"][0]["content"][0]["source"]["data"]  # type: ignore[index]
    else:
        encoded = json.dumps(body).split("base64,")[1].split('"')[0]
    sent = base64.b64decode(encoded)
    assert image_size(sent) == (long_side, 7)
    assert message.attachments == (big,)


async def test_an_earlier_messages_images_go_again(sse_server: ScriptedServer) -> None:
    body = await send(
        sse_server,
        "anthropic",
        Message("user", "what is it?", attachments=(IMAGE,)),
        Message("assistant", "A chart."),
        Message("user", "and its colour?"),
    )
    first = body["messages"][0]["content"]  # type: ignore[index]
    assert first[0]["type"] == "image"


async def test_a_jpeg_keeps_its_media_type(sse_server: ScriptedServer) -> None:
    photo = Attachment("p.jpg", "image/jpeg", JPEG_37x21)
    body = await send(sse_server, "anthropic", Message("user", "hi", attachments=(photo,)))
    assert body["messages"][0]["content"][0]["source"]["media_type"] == "image/jpeg"  # type: ignore[index]


@pytest.mark.parametrize("protocol", ["openai", "openai-responses", "anthropic"])
async def test_an_oversized_pdf_fails_before_anything_is_sent(
    sse_server: ScriptedServer, protocol: str
) -> None:
    huge = Attachment("scan.pdf", "application/pdf", b"%PDF-1.7\n" + b"0" * 24_000_000)
    engine = Engine(policy=RetryPolicy(max_retries=0))
    request = ChatRequest("m", Conversation("", [Message("user", "x", attachments=(huge,))]), 64)
    try:
        with pytest.raises(AttachmentError, match=r"^scan\.pdf \(22\.9 MB\) is larger than this"):
            await engine.run(EndpointConfig(protocol, sse_server.url + ROOTS[protocol]), request)
    finally:
        await engine.aclose()
    assert sse_server.requests == []


async def test_an_image_over_the_hard_limit_without_a_fitter_fails_before_sending(
    sse_server: ScriptedServer,
) -> None:
    big = Attachment("wide.png", "image/png", png(9000, 2))
    engine = Engine(policy=RetryPolicy(max_retries=0))
    request = ChatRequest("m", Conversation("", [Message("user", "x", attachments=(big,))]), 64)
    try:
        with pytest.raises(AttachmentError, match=r"^wide\.png \(9000×2 px, .*\) is larger than"):
            await engine.run(EndpointConfig("anthropic", sse_server.url), request)
    finally:
        await engine.aclose()
    assert sse_server.requests == []


@pytest.mark.parametrize(
    ("protocol", "refusal"),
    [
        ("openai", "Invalid content type. image_url is only supported by certain models."),
        ("openai-responses", "This model does not support image inputs."),
        ("anthropic", "messages.0.content.0: Model does not support vision"),
        ("openai", "The model is not multimodal"),
    ],
)
async def test_a_model_that_refuses_images_names_them(
    sse_server: ScriptedServer, protocol: str, refusal: str
) -> None:
    error = json.dumps({"error": {"type": "invalid_request_error", "message": refusal}})
    sse_server.script(Reply(400, {"content-type": "application/json"}, body=error.encode()))
    engine = Engine(policy=RetryPolicy(max_retries=0))
    second = Attachment("b.png", "image/png", PNG)
    conversation = Conversation(
        "",
        [
            Message("user", "a", attachments=(IMAGE,)),
            Message("assistant", "ok"),
            Message("user", "b", attachments=(second,)),
        ],
    )
    try:
        with pytest.raises(BadRequestError) as caught:
            await engine.run(
                EndpointConfig(protocol, sse_server.url + ROOTS[protocol]),
                ChatRequest("m", conversation, 64),
            )
    finally:
        await engine.aclose()
    assert caught.value.message == (
        "The model refused the images b.png, chart.png: it may not take images. Choose a model "
        "that does, or send the message without the images"
    )
    assert str(caught.value).endswith(f"(HTTP 400): {refusal}")


async def test_a_refused_pdf_is_named(sse_server: ScriptedServer) -> None:
    error = json.dumps({"error": {"message": "Invalid content part type: file"}})
    sse_server.script(Reply(400, {"content-type": "application/json"}, body=error.encode()))
    engine = Engine(policy=RetryPolicy(max_retries=0))
    conversation = Conversation("", [Message("user", "a", attachments=(PDF,))])
    try:
        with pytest.raises(ChatError, match=r"^The model refused the PDF paper\.pdf: it may not"):
            await engine.run(
                EndpointConfig("openai", sse_server.url + "/v1"), ChatRequest("m", conversation, 64)
            )
    finally:
        await engine.aclose()


async def test_a_refusal_about_something_else_is_left_alone(sse_server: ScriptedServer) -> None:
    error = json.dumps({"error": {"message": "max_tokens is too large"}})
    sse_server.script(Reply(400, {"content-type": "application/json"}, body=error.encode()))
    engine = Engine(policy=RetryPolicy(max_retries=0))
    conversation = Conversation("", [Message("user", "a", attachments=(IMAGE,))])
    try:
        with pytest.raises(BadRequestError, match=r"^The provider rejected the request"):
            await engine.run(
                EndpointConfig("openai", sse_server.url + "/v1"), ChatRequest("m", conversation, 64)
            )
    finally:
        await engine.aclose()


def test_a_long_text_file_is_cut_and_says_what_was_cut() -> None:
    long = Attachment("log.txt", "text/plain", ("x" * 99 + "\n").encode() * 2000)
    block = text_block(long)
    assert block.startswith("log.txt:\n```\n")
    assert (
        f"[log.txt was cut: the first {TEXT_MAX_CHARS:,} of its 200,000 characters are above]"
        in (block)
    )
    assert len(block) < TEXT_MAX_CHARS + 200


def test_the_fence_outgrows_the_files_own_fences() -> None:
    readme = Attachment("README.md", "text/markdown", b"Run:\n\n````sh\nmake\n````\n")
    assert text_block(readme) == "README.md:\n`````\nRun:\n\n````sh\nmake\n````\n`````"
    assert text_block(Attachment("a.txt", "text/plain", "\ufeffbom".encode())) == (
        "a.txt:\n```\nbom\n```"
    )


class SlowFitter:
    """A fitter that takes as long as a large photo does on a busy machine."""

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        time.sleep(0.8)
        return Attachment(image.name, "image/png", png(limits.fit_long_side, 7))


async def test_images_are_fitted_off_the_event_loop(sse_server: ScriptedServer) -> None:
    """The event loop is the window's thread: fitting on it would freeze the window."""
    ticks: list[float] = []

    async def tick() -> None:
        for _ in range(200):  # bounded: 200 ticks of 10 ms
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(tick())
    big = Attachment("photo.png", "image/png", png(5000, 20))
    await send(
        sse_server, "anthropic", Message("user", "x", attachments=(big,)), fitter=SlowFitter()
    )
    ticking.cancel()
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert len(ticks) > 20
    assert max(gaps) < 0.5  # the loop kept turning while the image was fitted
