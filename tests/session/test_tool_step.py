"""A tool step's rules without Qt: call states, the results message, what an early end leaves."""

from __future__ import annotations

from desktop_chat.core.conversation import AssistantTurn, ToolCall, ToolResult
from desktop_chat.session.tool_step import ToolStep, closing_message


def two_calls() -> AssistantTurn:
    return AssistantTurn(
        text="Let me check.",
        tool_calls=[ToolCall("c1", "calculator", '{"x": 1}'), ToolCall("c2", "current_time")],
    )


def origin(name: str) -> str:
    return "built-in" if name == "calculator" else ""


def test_results_follow_the_calls_and_an_edit_is_sent_back_as_the_call() -> None:
    step = ToolStep.open(two_calls(), origin)
    assert step.assistant is not None
    assert step.results is not None
    assert [(c.name, c.origin, c.state) for c in step.calls] == [
        ("calculator", "built-in", "queued"),
        ("current_time", "", "queued"),
    ]
    step.ready(ToolCall("c1", "calculator", '{"x": 1}'), "built-in", "")
    step.ready(ToolCall("c2", "current_time"), None, "")
    assert [(c.origin, c.state) for c in step.calls] == [
        ("built-in", "waiting"),
        ("not offered", "queued"),
    ]
    step.approved("c1", "edited", '{"x": 2}')
    assert step.assistant.tool_calls[0].arguments == '{"x": 2}'  # what the loop sends back
    step.started("c1")
    step.finished("c1", "2", False, 0.5, cancelled=False)
    step.denied("c2")
    step.finished("c2", "The user denied this call.", True, 0.0, cancelled=False)
    assert [(c.state, c.duration) for c in step.calls] == [("done", 0.5), ("denied", None)]
    assert step.results.tool_results == [
        ToolResult("c1", "2", False),
        ToolResult("c2", "The user denied this call.", True),
    ]
    assert not step.end("finished")  # every call answered: nothing to add


def test_a_stopped_turn_answers_every_call_with_an_error() -> None:
    step = ToolStep.open(two_calls(), origin)
    step.started("c1")
    step.finished("c1", "cancelled", True, 0.1, cancelled=True)
    assert step.end("stopped")
    assert step.results is not None
    assert [(c.state, c.is_error) for c in step.calls] == [("cancelled", True), ("stopped", True)]
    assert [r.content for r in step.results.tool_results] == [
        "cancelled",
        "Not run: the user stopped the answer.",
    ]
    assert closing_message(two_calls(), "stopped").tool_calls == []
    assert len(closing_message(two_calls(), "finished").tool_calls) == 2


def test_the_step_limit_leaves_the_calls_unrun_and_says_why() -> None:
    step = ToolStep()
    said = step.limit_reached(3, [ToolCall("c9", "calculator"), ToolCall("c10", "calculator")])
    assert said.startswith("Stopped after 3 steps: the model still wanted to call calculator.")
    assert [(c.call_id, c.state, c.result) for c in step.calls] == [
        ("c9", "not run", "Not run: the limit of 3 steps was reached."),
        ("c10", "not run", "Not run: the limit of 3 steps was reached."),
    ]
    assert step.results is None  # no step was opened: no message to fill
