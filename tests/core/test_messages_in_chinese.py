"""The core says its failures in the language the window set, and in English by default."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ConfigurationError, ConnectionFailedError
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig, check_ca_bundle
from tests.support.language import language


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def refusal(port: int) -> ConnectionFailedError:
    engine = Engine(TransportConfig(connect_timeout=5), RetryPolicy(max_retries=0))
    request = ChatRequest("m", Conversation(messages=[Message("user", "hi")]))
    try:
        with pytest.raises(ConnectionFailedError) as caught:
            await engine.run(EndpointConfig("openai", f"http://127.0.0.1:{port}/v1"), request)
    finally:
        await engine.aclose()
    return caught.value


async def test_a_refused_connection_is_said_in_chinese_when_the_window_chose_it() -> None:
    port = closed_port()
    with language("zh_CN"):
        error = await refusal(port)
    assert str(error).startswith(f"无法连接到 127.0.0.1:{port}：")
    english = await refusal(port)
    assert str(english).startswith(f"Could not connect to 127.0.0.1:{port}: ")


def test_a_missing_ca_file_is_said_in_chinese(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.pem")
    with language("zh_CN"), pytest.raises(ConfigurationError) as caught:
        check_ca_bundle(missing)
    assert str(caught.value) == f"CA 证书文件 {missing!r} 不存在"
