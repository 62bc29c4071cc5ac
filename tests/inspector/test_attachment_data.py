"""The inspector shows attachment data shortened, and Copy as cURL still repeats the request."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
from pathlib import Path

import pytest

from desktop_chat.core.conversation import Attachment, Conversation, Message
from desktop_chat.core.engine import ChatRequest
from desktop_chat.inspector.attachment_data import shortened, shown_body, shown_body_text
from desktop_chat.inspector.export import MAX_ARGUMENT, curl_command, key_variable
from desktop_chat.inspector.inspection import Inspection
from tests.inspector.recording import (
    KEY,
    PROTOCOL_IDS,
    PROTOCOLS,
    Recording,
    Wire,
    make_engine,
    run_turn,
)
from tests.support.images import PDF_ONE_PAGE, png
from tests.support.sse_server import ScriptedServer

TIMEOUT = 15
PHOTO = Attachment("photo.png", "image/png", png(300, 300, noise=True))  # 88 KB, whole
HUGE = Attachment("scan.png", "image/png", png(400, 400, noise=True))  # its body: over 100,000


async def recorded(wire: Wire, server: ScriptedServer, *attachments: Attachment) -> Inspection:
    server.script(wire.text("Seen"))
    recording = Recording()
    message = Message("user", "look", attachments=attachments)
    request = ChatRequest("m", Conversation("", [message]), 64)
    await asyncio.wait_for(
        run_turn(make_engine(), wire.endpoint(server), recording, request), TIMEOUT
    )
    return recording.inspection


@pytest.mark.parametrize("wire", PROTOCOLS, ids=PROTOCOL_IDS)
async def test_the_request_is_shown_with_attachment_data_shortened(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    pdf = Attachment("paper.pdf", "application/pdf", PDF_ONE_PAGE)
    inspection = await recorded(wire, sse_server, PHOTO, pdf)
    (entry,) = [e for e in inspection.entries if e.kind == "request"]
    size = f"{len(PHOTO.data) / 1024:.0f} KB"
    raw, parsed = entry.raw(), json.dumps(entry.parsed(), ensure_ascii=False)
    for shown in (raw, parsed):
        if wire.protocol == "anthropic":
            assert f'"data": "iVBOR… ({size})"' in shown
            assert '"data": "JVBER… (218 bytes)"' in shown  # "%PDF-" in base64
        else:
            assert f"data:image/png;base64,iVBOR… ({size})" in shown
            assert "data:application/pdf;base64,JVBER… (218 bytes)" in shown
        assert len(shown) < 2000
        assert '"look"' in shown or "look" in shown
    request = inspection.requests[0]
    assert base64.b64encode(PHOTO.data).decode() in request.body  # the record is whole


def test_short_base64_and_other_text_stay_as_they_are() -> None:
    value = {
        "url": "data:image/png;base64,iVBORw0KGgo=",
        "text": "data:text/plain;base64," + "x" * 100 + " and more words",
        "source": {"type": "text", "data": "A" * 100},
    }
    assert shortened(value) == value
    assert shown_body("[DONE]") == "[DONE]"
    assert shown_body_text('{"a": 1}') == '{"a": 1}'


@pytest.mark.parametrize("wire", PROTOCOLS, ids=PROTOCOL_IDS)
async def test_a_long_body_goes_to_curl_on_stdin(wire: Wire, sse_server: ScriptedServer) -> None:
    inspection = await recorded(wire, sse_server, HUGE)
    request = inspection.requests[0]
    assert len(request.body) > MAX_ARGUMENT
    command = curl_command(request)
    head, body, end = command.rsplit("\n", 2)
    assert head.endswith("--data-binary @- <<'DESKTOP_CHAT_BODY'")
    assert (body, end) == (request.body, "DESKTOP_CHAT_BODY")
    assert KEY not in command


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.parametrize("wire", PROTOCOLS, ids=PROTOCOL_IDS)
async def test_the_curl_command_repeats_a_request_with_attachments(
    wire: Wire, sse_server: ScriptedServer, tmp_path: Path
) -> None:
    """Run as a saved script: a command this long is no single argument (`sh -c` refuses it)."""
    inspection = await recorded(wire, sse_server, HUGE)
    reply = wire.text("again")
    sse_server.script(reply)
    request = inspection.requests[0]
    script = tmp_path / "repeat.sh"
    script.write_text(curl_command(request) + "\n", encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        "sh", str(script),
        env={"PATH": os.environ["PATH"], key_variable(request): KEY},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode == 0, err
    assert out == b"".join(reply.chunks)
    original, repeated = sse_server.requests
    assert repeated.path == original.path
    assert json.loads(repeated.body) == json.loads(original.body)
