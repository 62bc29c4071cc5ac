"""Test connection gives its verdict in the language the window set."""

from __future__ import annotations

import asyncio
import socket

from desktop_chat.session.probe import probe
from desktop_chat.storage.settings import Endpoint, Network
from tests.support.language import language


async def test_a_refused_port_is_explained_in_chinese() -> None:
    with socket.socket() as unused:  # bound, never listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        endpoint = Endpoint("Closed", "openai", f"http://127.0.0.1:{port}/v1", "m")
        with language("zh_CN"):
            result = await asyncio.wait_for(probe(Network(), endpoint, None), 30)
    first, detail, layers = result.verdict.splitlines()
    assert first == "✗ TCP失败 —— 那里没有服务接受连接：请检查端口、防火墙和代理。"
    assert detail.startswith(f"127.0.0.1 端口 {port}：")
    assert layers == "DNS ✓  TCP ✗  TLS –  HTTP –  auth –  stream –"
    assert [c.detail for c in result.checks if c.outcome == "skipped"] == ["未到达"] * 4
