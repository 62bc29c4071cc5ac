"""A tool's problem reaches its card in the language the window set."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.registry import ToolFailure
from tests.support.language import language


async def test_a_file_outside_the_allowed_directory_is_refused_in_chinese(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not for the model")
    (read,) = [e for e in builtin_entries([allowed]) if e.name == "read_text_file"]
    assert read.run is not None
    with language("zh_CN"), pytest.raises(ToolFailure) as caught:
        await read.run({"path": str(secret)})
    assert str(caught.value) == f"不允许读取 {secret}：只能读取 {allowed.resolve()} 下的文件"


async def test_the_calculator_refuses_in_chinese_and_in_english_by_default() -> None:
    (calculator,) = [e for e in builtin_entries() if e.name == "calculator"]
    assert calculator.run is not None
    with language("zh_CN"), pytest.raises(ToolFailure) as caught:
        await calculator.run({"expression": "1 / 0"})
    assert str(caught.value).startswith("无法计算：")
    with pytest.raises(ToolFailure, match=r"^cannot compute: "):
        await calculator.run({"expression": "1 / 0"})
