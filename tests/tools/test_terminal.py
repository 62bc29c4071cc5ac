"""Approving on a terminal: run, deny, always, edit; typed results; end of input denies."""

from __future__ import annotations

import io

import pytest

from desktop_chat.core.conversation import ToolCall
from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.events import AlwaysAllow, Deny, Edit, PendingCall, Run
from desktop_chat.tools.schema import SchemaProblem
from desktop_chat.tools.terminal import TerminalApprover, describe_call, one_line

CALC = builtin_entries()[1]


def pending(arguments: str = '{"expression": "1+1"}') -> PendingCall:
    call = ToolCall("c1", "calculator", arguments)
    return PendingCall(1, call, CALC, {"expression": "1+1"})


@pytest.mark.parametrize(
    ("typed", "decision"),
    [
        ("r\n", Run()),
        ("YES\n", Run()),
        ("d\n", Deny()),
        ("always\n", AlwaysAllow()),
        ('e\n{"expression": "2*3"}\n', Edit('{"expression": "2*3"}')),
        ("what\nn\n", Deny()),
        ("", Deny("no answer came on stdin")),
        ("e\n", Deny("no answer came on stdin")),
        ("x\nq\nz\n", Deny("no valid answer was given")),
    ],
)
async def test_answers(typed: str, decision: object) -> None:
    err = io.StringIO()
    approver = TerminalApprover(io.StringIO(typed), err)
    assert await approver.approve(pending()) == decision
    shown = err.getvalue()
    assert shown.startswith('tool call: calculator({"expression": "1+1"}) [built-in]\nRun it?')


async def test_typed_results() -> None:
    approver = TerminalApprover(io.StringIO("sunny, 21 °C\r\n"), io.StringIO())
    assert await approver.answer(pending()) == "sunny, 21 °C"
    assert await approver.answer(pending()) is None  # end of input


def test_describe_call_shows_what_is_wrong() -> None:
    bad = PendingCall(
        1, ToolCall("c", "calculator", '{"x'), CALC, None, "the arguments are not valid JSON"
    )
    assert describe_call(bad) == 'calculator({"x) [built-in] — the arguments are not valid JSON'
    odd = PendingCall(
        1, ToolCall("c", "calculator", "{}"), CALC, {}, None, (SchemaProblem("$", "no"),)
    )
    assert describe_call(odd).endswith(
        "[built-in] — the arguments do not match the tool's schema: $: no"
    )
    unknown = PendingCall(1, ToolCall("c", "nope", "{}"), None, {})
    assert describe_call(unknown) == "nope({}) [not offered]"


def test_one_line() -> None:
    assert one_line("a\n  b\tc") == "a b c"
    assert one_line("x" * 300, 10) == "x" * 9 + "…"
