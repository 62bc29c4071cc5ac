"""The ChatError tree: status mapping, retryability, and the sentence a person reads."""

from __future__ import annotations

import pytest

from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ChatError,
    ConfigurationError,
    ConflictError,
    ConnectionFailedError,
    HTTPStatusError,
    MalformedStreamError,
    NotFoundError,
    OverloadedError,
    RateLimitError,
    ServerError,
    StreamCutError,
    TimeoutError_,
    error_for_status,
)
from tests.support.streams import OPENAI_MAX_TOKENS_REFUSAL


@pytest.mark.parametrize(
    ("status", "cls", "retryable", "words"),
    [
        (400, BadRequestError, False, "rejected the request"),
        (401, AuthenticationError, False, "API key was rejected"),
        (403, AuthenticationError, False, "no access"),
        (404, NotFoundError, False, "model name and the base URL"),
        (408, ConflictError, True, "timed out"),
        (409, ConflictError, True, "conflict"),
        (413, BadRequestError, False, "too large"),
        (422, BadRequestError, False, "could not process"),
        (429, RateLimitError, True, "Rate limited"),
        (500, ServerError, True, "server failed"),
        (502, ServerError, True, "server failed"),
        (503, ServerError, True, "server failed"),
        (504, ServerError, True, "server failed"),
        (529, OverloadedError, True, "overloaded"),
        (402, BadRequestError, False, "refused the request"),
        (418, BadRequestError, False, "refused the request"),
    ],
)
def test_error_for_status(status: int, cls: type[ChatError], retryable: bool, words: str) -> None:
    error = error_for_status(status, "provider says no")
    assert type(error) is cls
    assert isinstance(error, HTTPStatusError)
    assert error.status == status
    assert error.retryable is retryable
    assert error.provider_message == "provider says no"
    assert words in error.message
    assert error.retry_after is None


def test_overloaded_is_a_server_error() -> None:
    error = error_for_status(529, None)
    assert isinstance(error, ServerError)
    assert error.cause_label == "server overloaded"


def test_error_for_status_carries_retry_after() -> None:
    assert error_for_status(429, None, retry_after=2.5).retry_after == 2.5
    assert error_for_status(503, None, retry_after=0.0).retry_after == 0.0


def test_str_has_message_status_and_provider_message() -> None:
    error = error_for_status(401, "Incorrect API key provided")
    text = str(error)
    assert text.startswith(error.message)
    assert "(HTTP 401)" in text
    assert text.endswith(": Incorrect API key provided")
    assert text == f"{error.message} (HTTP 401): Incorrect API key provided"


def test_str_without_provider_message() -> None:
    error = error_for_status(404, None)
    assert str(error) == "Not found: check the model name and the base URL (HTTP 404)"


def test_str_does_not_repeat_a_provider_message_already_in_the_message() -> None:
    error = ChatError("Overloaded right now", status=529, provider_message="Overloaded")
    assert str(error) == "Overloaded right now (HTTP 529)"


def test_str_without_status() -> None:
    assert str(StreamCutError("The stream ended early")) == "The stream ended early"
    error = ServerError("The provider reported an error in the stream", provider_message="boom")
    assert str(error) == "The provider reported an error in the stream: boom"


def test_empty_provider_message_adds_nothing() -> None:
    assert str(error_for_status(500, "")) == "The provider's server failed (HTTP 500)"


def test_errors_are_exceptions_with_the_message_as_args() -> None:
    error = error_for_status(429, "slow down")
    assert isinstance(error, Exception)
    assert error.args == (error.message,)
    with pytest.raises(RateLimitError, match="slow down"):
        raise error


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (ChatError("x"), "error"),
        (error_for_status(401, None), "HTTP 401"),
        (error_for_status(404, None), "HTTP 404"),
        (error_for_status(409, None), "HTTP 409"),
        (error_for_status(429, None), "rate limited"),
        (error_for_status(503, None), "server error 503"),
        (ServerError("x"), "server error"),
        (OverloadedError("x"), "server overloaded"),
        (ConnectionFailedError("x"), "connection failed"),
        (TimeoutError_("x"), "timed out"),
        (StreamCutError("x"), "connection lost"),
        (MalformedStreamError("x"), "malformed stream"),
        (ConfigurationError("x"), "error"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_cause_labels(error: ChatError, label: str) -> None:
    assert error.cause_label == label


def test_timeout_retryable_is_per_instance() -> None:
    read = TimeoutError_("The server stopped sending")
    total = TimeoutError_("The turn took too long", retryable=False)
    assert read.retryable is True
    assert total.retryable is False
    assert TimeoutError_.retryable is False  # the class default is untouched by instances
    assert str(total) == "The turn took too long"


@pytest.mark.parametrize(
    ("cls", "retryable"),
    [
        (ChatError, False),
        (ConnectionFailedError, True),
        (StreamCutError, True),
        (MalformedStreamError, False),
        (ConfigurationError, False),
        (RateLimitError, True),
        (ConflictError, True),
        (ServerError, True),
        (OverloadedError, True),
        (AuthenticationError, False),
        (NotFoundError, False),
        (BadRequestError, False),
    ],
)
def test_retryable_by_class(cls: type[ChatError], retryable: bool) -> None:
    assert cls("x").retryable is retryable


def test_the_tree() -> None:
    for cls in (
        AuthenticationError,
        NotFoundError,
        BadRequestError,
        RateLimitError,
        ConflictError,
        ServerError,
    ):
        assert issubclass(cls, HTTPStatusError)
    for cls in (
        ConnectionFailedError,
        TimeoutError_,
        StreamCutError,
        MalformedStreamError,
        ConfigurationError,
    ):
        assert issubclass(cls, ChatError)
        assert not issubclass(cls, HTTPStatusError)
    assert issubclass(OverloadedError, ServerError)


OPENAI_LIMIT_REFUSAL = OPENAI_MAX_TOKENS_REFUSAL


def test_a_refused_max_tokens_names_the_fix() -> None:
    error = error_for_status(400, OPENAI_LIMIT_REFUSAL)
    assert type(error) is BadRequestError
    assert "output limit field to max_completion_tokens" in error.message
    assert "--output-limit-field max_completion_tokens" in error.message
    assert "Settings → Endpoints" in error.message
    assert str(error).endswith(f"(HTTP 400): {OPENAI_LIMIT_REFUSAL}")


@pytest.mark.parametrize(
    "provider_message",
    [
        None,
        "max_tokens: too big",
        "Unrecognized request argument: max_completion_tokens. Use max_tokens.",
    ],
)
def test_other_400s_get_no_limit_field_advice(provider_message: str | None) -> None:
    assert error_for_status(400, provider_message).message == "The provider rejected the request"


def test_the_limit_field_advice_is_for_400_only() -> None:
    assert "output limit field" not in error_for_status(422, OPENAI_LIMIT_REFUSAL).message


def test_an_error_raised_before_any_turn_has_no_partial_turn() -> None:
    # `partial` is part of every ChatError, so readers need neither getattr nor hasattr.
    assert ChatError("no turn yet").partial is None
    assert error_for_status(500, "boom").partial is None
