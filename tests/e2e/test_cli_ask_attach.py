"""`desktop-chat ask --attach` as a user runs it: a subprocess sending files to loopback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat.image_header import image_size
from tests.support.images import PDF_ONE_PAGE, png
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream, responses_stream

KEY = "sk-e2e-secret-0123456789"


def ask(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "ask", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DESKTOP_CHAT_API_KEY": KEY, "DESKTOP_CHAT_DEMO_TPS": "0"},
        cwd=cwd,
        check=False,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def target(server: ScriptedServer, protocol: str) -> list[str]:
    root = "" if protocol == "anthropic" else "/v1"
    return ["--protocol", protocol, "--base-url", server.url + root, "--model", "m"]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "chart.png").write_bytes(png(37, 21))
    (tmp_path / "paper.pdf").write_bytes(PDF_ONE_PAGE)
    (tmp_path / "notes.md").write_text("# Notes\nline two\n", encoding="utf-8")
    (tmp_path / "big.png").write_bytes(png(5000, 2500))
    (tmp_path / "archive.zip").write_bytes(b"PK\x03\x04\x00\x00\xff\xfe")
    return tmp_path


def test_an_image_a_pdf_and_a_text_file_go_with_the_prompt(
    sse_server: ScriptedServer, files: Path
) -> None:
    sse_server.script(Reply(chunks=anthropic_stream(["Seen."])))
    result = ask(
        *target(sse_server, "anthropic"), "--json", "--no-history",
        "--attach", str(files / "chart.png"), "--attach", str(files / "paper.pdf"),
        "--attach", str(files / "notes.md"), "what are these?",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["text"] == "Seen."
    assert report["attachments"] == [
        {
            "name": "chart.png", "media_type": "image/png", "bytes": len(png(37, 21)),
            "bytes_sent": len(png(37, 21)), "pixels": [37, 21], "original_pixels": [37, 21],
        },
        {
            "name": "paper.pdf", "media_type": "application/pdf",
            "bytes": len(PDF_ONE_PAGE), "bytes_sent": len(PDF_ONE_PAGE),
        },
        {"name": "notes.md", "media_type": "text/markdown", "bytes": 17, "bytes_sent": 17},
    ]  # fmt: skip
    content = json.loads(sse_server.requests[0].body)["messages"][0]["content"]
    assert [block["type"] for block in content] == ["image", "document", "text"]
    assert content[2]["text"] == "notes.md:\n```\n# Notes\nline two\n```\n\nwhat are these?"


@pytest.mark.parametrize(
    ("protocol", "stream", "long_side"),
    [
        ("anthropic", anthropic_stream(["ok"]), 1568),
        ("openai", openai_stream(["ok"]), 2048),
        ("openai-responses", responses_stream(["ok"]), 2048),
    ],
)
def test_a_large_image_is_downscaled_with_qt_and_reported(
    sse_server: ScriptedServer, files: Path, protocol: str, stream: list[bytes], long_side: int
) -> None:
    sse_server.script(Reply(chunks=stream))
    result = ask(
        *target(sse_server, protocol), "--json", "--attach", str(files / "big.png"), "describe"
    )
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)["attachments"]
    assert item["original_pixels"] == [5000, 2500]
    assert item["pixels"] == [long_side, long_side // 2]
    body = sse_server.requests[0].body.decode()
    if protocol == "anthropic":
        encoded = json.loads(body)["messages"][0]["content"][0]["source"]["data"]
    else:
        encoded = body.split("base64,")[1].split('"')[0]
    sent = base64.b64decode(encoded)
    assert image_size(sent) == (long_side, long_side // 2)
    assert item["bytes_sent"] == len(sent)


def test_attachments_alone_need_no_prompt(sse_server: ScriptedServer, files: Path) -> None:
    sse_server.script(Reply(chunks=openai_stream(["A chart."])))
    result = ask(
        *target(sse_server, "openai"), "--no-history", "--attach", str(files / "chart.png")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "A chart.\n"
    (message,) = json.loads(sse_server.requests[0].body)["messages"]
    assert [part["type"] for part in message["content"]] == ["image_url"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.png", "desktop-chat: missing.png cannot be read: No such file or directory\n"),
        (
            "archive.zip",
            "desktop-chat: archive.zip cannot be attached: only images (PNG, JPEG, GIF, WebP), "
            "PDFs and UTF-8 text files can be sent\n",
        ),
    ],
)
def test_a_file_that_cannot_be_attached_stops_before_sending(
    sse_server: ScriptedServer, files: Path, name: str, message: str
) -> None:
    result = ask(*target(sse_server, "openai"), "--attach", str(files / name), "hi")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)
    assert sse_server.requests == []


def test_a_refused_image_names_the_file(sse_server: ScriptedServer, files: Path) -> None:
    refusal = {"error": {"message": "This model does not support image input."}}
    sse_server.script(
        Reply(400, {"content-type": "application/json"}, body=json.dumps(refusal).encode())
    )
    result = ask(
        *target(sse_server, "openai"), "--no-history", "--max-retries", "0",
        "--attach", str(files / "chart.png"), "hi",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(
        "desktop-chat: The model refused the image chart.png: it may not take images."
    )


def test_the_demo_acknowledges_what_was_attached(files: Path) -> None:
    result = ask(
        "--demo", "--no-history", "--attach", str(files / "chart.png"),
        "--attach", str(files / "paper.pdf"), "--attach", str(files / "notes.md"), "hi",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "- an image: PNG, 37 × 21 pixels" in result.stdout
    assert "- a PDF: paper.pdf, 1 page" in result.stdout
    assert "- a text file: notes.md, 2 lines" in result.stdout


def test_the_attachments_are_saved_with_the_question(
    sse_server: ScriptedServer, files: Path
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["Seen."])))
    result = ask(*target(sse_server, "openai"), "--attach", str(files / "big.png"), "look")
    assert result.returncode == 0, result.stderr
    out = files / "export.json"
    shown = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "history", "export", "--all", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    (question, _answer) = document["conversations"][0]["messages"]
    (stored,) = question["attachments"]
    assert stored["name"] == "big.png"
    original = base64.b64decode(document["attachments"][stored["sha256"]])
    assert original == png(5000, 2500)  # the original, not the copy sent


def test_continuing_resends_an_earlier_image_fitted(
    sse_server: ScriptedServer, files: Path
) -> None:
    sse_server.script(
        Reply(chunks=openai_stream(["A wide image."])), Reply(chunks=openai_stream(["Grey."]))
    )
    first = ask(*target(sse_server, "openai"), "--attach", str(files / "big.png"), "what is it?")
    assert first.returncode == 0, first.stderr
    again = ask(*target(sse_server, "openai"), "-c", "and its colour?")
    assert again.returncode == 0, again.stderr
    messages = json.loads(sse_server.requests[1].body)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    url = messages[0]["content"][0]["image_url"]["url"]
    assert image_size(base64.b64decode(url.split("base64,")[1])) == (2048, 1024)


@pytest.mark.parametrize(("name", "loads_qt"), [("chart.png", False), ("big.png", True)])
def test_qt_is_loaded_only_for_an_image_that_needs_downscaling(
    files: Path, name: str, loads_qt: bool
) -> None:
    code = (
        "import sys\n"
        "from desktop_chat.__main__ import run\n"
        f"code = run(['ask', '--demo', '--no-history', '--attach', {str(files / name)!r}, 'hi'])\n"
        "print('PySide6' in sys.modules, code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "DESKTOP_CHAT_DEMO_TPS": "0"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{loads_qt} 0"
