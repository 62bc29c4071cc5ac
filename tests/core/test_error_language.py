"""The errors a person reads come out in the window's language; the terminal stays English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_chat import i18n
from desktop_chat.core.attachment import attachment_from_bytes
from desktop_chat.core.errors import AttachmentError, RateLimitError, error_for_status


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language("en")


@pytest.mark.usefixtures("chinese")
def test_an_http_error_reads_in_chinese() -> None:
    error = error_for_status(401, "invalid x-api-key")
    assert error.message == "API 密钥被拒绝：请检查此端点的密钥"
    assert str(error) == "API 密钥被拒绝：请检查此端点的密钥 (HTTP 401): invalid x-api-key"
    assert isinstance(error_for_status(429, None), RateLimitError)
    assert error_for_status(429, None).cause_label == "触发限流"


@pytest.mark.usefixtures("chinese")
def test_an_attachment_problem_reads_in_chinese_with_its_name() -> None:
    with pytest.raises(AttachmentError) as caught:
        attachment_from_bytes("blob.bin", b"\x00\x01binary")
    assert caught.value.message.startswith("无法附加 blob.bin：")


def test_without_a_language_set_errors_stay_english() -> None:
    assert error_for_status(404, None).message == (
        "Not found: check the model name and the base URL"
    )
