"""Settings problems are said in the language the window set: the dialog's and the banner's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_chat.storage.settings import Endpoint
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.storage.validation import SettingsError
from tests.support.language import language


def test_a_base_url_with_a_password_is_refused_in_chinese() -> None:
    with language("zh_CN"), pytest.raises(SettingsError) as caught:
        Endpoint("Work", "openai", "https://user:pw@api.example.com/v1", "m")
    assert str(caught.value) == (
        "基础 URL 中不能包含用户名或密码；"
        "API 密钥保存在系统密钥环中（`desktop-chat endpoint set-key NAME`）"
    )
    with pytest.raises(SettingsError, match=r"^the base URL must not contain a user name"):
        Endpoint("Work", "openai", "https://user:pw@api.example.com/v1", "m")


def test_the_notice_of_a_half_usable_file_is_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    good = {"name": "Good", "protocol": "openai", "base_url": "https://a.example/v1"}
    path.write_text(json.dumps({"version": 1, "endpoints": [good, "not an endpoint"]}))
    with language("zh_CN"):
        loaded = load_settings(path)
    assert [e.name for e in loaded.settings.endpoints] == ["Good"]
    assert loaded.notice == f"{path} 中的部分设置被忽略或重置：\n- 端点 #2：不是对象；已丢弃"
