"""RetryPolicy: exact backoff with an injected random source, Retry-After, what earns a retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ChatError,
    ConfigurationError,
    ConflictError,
    ConnectionFailedError,
    MalformedStreamError,
    NotFoundError,
    OverloadedError,
    RateLimitError,
    ServerError,
    StreamCutError,
    TimeoutError_,
    error_for_status,
)
from desktop_chat.core.retry import (
    MAX_RETRY_AFTER,
    RetryPolicy,
    duration,
    retry_after_seconds,
    wait_refusal,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def fixed_now() -> datetime:
    return NOW


def cut() -> StreamCutError:
    return StreamCutError("The stream ended before the answer was complete")


# --- delays -------------------------------------------------------------------------------------


def test_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.max_retries, policy.base_delay, policy.max_delay, policy.jitter) == (
        3,
        0.5,
        8.0,
        True,
    )
    assert policy.max_attempts == 4


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (20, 8.0)],
)
def test_full_jitter_is_ceiling_times_rng(attempt: int, ceiling: float) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    assert policy.delay(attempt, cut(), rng=lambda: 0.25) == pytest.approx(ceiling * 0.25)
    assert policy.delay(attempt, cut(), rng=lambda: 0.0) == 0.0
    assert policy.delay(attempt, cut(), rng=lambda: 0.999) == pytest.approx(ceiling * 0.999)


def test_jitter_draws_once_per_delay_in_order() -> None:
    draws = iter([0.1, 0.5, 0.9])
    policy = RetryPolicy(base_delay=1.0, max_delay=100.0)
    delays = [policy.delay(n, cut(), rng=lambda: next(draws)) for n in (1, 2, 3)]
    assert delays == pytest.approx([0.1, 1.0, 3.6])


@pytest.mark.parametrize(("attempt", "expected"), [(1, 0.3), (2, 0.6), (3, 1.2), (4, 2.0)])
def test_without_jitter_the_delay_is_the_ceiling(attempt: int, expected: float) -> None:
    policy = RetryPolicy(base_delay=0.3, max_delay=2.0, jitter=False)

    def never() -> float:
        raise AssertionError("no random draw without jitter")

    assert policy.delay(attempt, cut(), rng=never) == pytest.approx(expected)


def test_retry_after_replaces_the_backoff() -> None:
    error = RateLimitError("Rate limited by the provider", status=429, retry_after=7.5)

    def never() -> float:
        raise AssertionError("no random draw when the server said when")

    assert RetryPolicy().delay(1, error, rng=never) == 7.5
    assert RetryPolicy(jitter=False).delay(3, error) == 7.5


def test_retry_after_zero_means_no_wait() -> None:
    error = RateLimitError("Rate limited by the provider", status=429, retry_after=0.0)
    assert RetryPolicy().delay(2, error, rng=lambda: 0.9) == 0.0


def test_default_rng_stays_within_the_ceiling() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    for attempt in range(1, 6):
        ceiling = min(4.0, 2 ** (attempt - 1))
        for _ in range(50):
            assert 0.0 <= policy.delay(attempt, cut()) <= ceiling


# --- should_retry -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422, 418])
def test_client_errors_are_never_retried(status: int) -> None:
    error = error_for_status(status, "nope")
    assert not RetryPolicy().should_retry(error, 1)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_transient_statuses_are_retried(status: int) -> None:
    assert RetryPolicy().should_retry(error_for_status(status, None), 1)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionFailedError("Could not connect"),
        TimeoutError_("The server stopped sending", retryable=True),
        StreamCutError("cut"),
        OverloadedError("The provider is overloaded"),
        ServerError("The provider reported an error in the stream"),
        RateLimitError("Rate limited"),
        ConflictError("Conflict", status=409),
    ],
    ids=lambda e: type(e).__name__,
)
def test_retryable_errors(error: ChatError) -> None:
    assert RetryPolicy().should_retry(error, 1)


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError_("The turn took longer than the total timeout", retryable=False),
        MalformedStreamError("garbage"),
        ConfigurationError("bad base URL"),
        AuthenticationError("bad key", status=401),
        NotFoundError("no such model", status=404),
        BadRequestError("refused", status=400),
        ChatError("something"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_that_are_not_retried(error: ChatError) -> None:
    assert not RetryPolicy().should_retry(error, 1)


def test_max_retries_bounds_the_attempts() -> None:
    policy = RetryPolicy(max_retries=3)
    assert [policy.should_retry(cut(), n) for n in (1, 2, 3, 4, 5)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_zero_retries_means_a_single_attempt() -> None:
    policy = RetryPolicy(max_retries=0)
    assert policy.max_attempts == 1
    assert not policy.should_retry(cut(), 1)


def test_retry_after_up_to_the_cap_is_retried() -> None:
    error = RateLimitError("Rate limited", status=429, retry_after=MAX_RETRY_AFTER)
    assert RetryPolicy().should_retry(error, 1)


def test_retry_after_above_the_cap_is_not_retried() -> None:
    error = RateLimitError("Rate limited", status=429, retry_after=MAX_RETRY_AFTER + 0.001)
    assert not RetryPolicy().should_retry(error, 1)
    big = error_for_status(503, "maintenance", retry_after=3600)
    assert not RetryPolicy().should_retry(big, 1)


def test_a_wait_longer_than_the_cap_is_said_not_slept() -> None:
    error = RateLimitError("Rate limited", status=429, retry_after=300)
    assert wait_refusal(RetryPolicy(), error, 1) == "the server asked to wait 5 min; not retrying"
    hours = error_for_status(503, "maintenance", retry_after=3 * 3600)
    assert wait_refusal(RetryPolicy(), hours, 1) == "the server asked to wait 3 h; not retrying"


def test_no_refusal_when_the_wait_was_not_the_reason() -> None:
    long_wait = RateLimitError("Rate limited", status=429, retry_after=300)
    assert wait_refusal(RetryPolicy(), long_wait, 4) is None  # out of retries anyway
    assert wait_refusal(RetryPolicy(max_retries=0), long_wait, 1) is None
    short = RateLimitError("Rate limited", status=429, retry_after=MAX_RETRY_AFTER)
    assert wait_refusal(RetryPolicy(), short, 1) is None
    refused = error_for_status(400, None, retry_after=300)
    assert wait_refusal(RetryPolicy(), refused, 1) is None
    assert wait_refusal(RetryPolicy(), cut(), 1) is None


@pytest.mark.parametrize(
    ("seconds", "text"), [(61, "61 s"), (119.4, "119 s"), (120, "2 min"), (7199, "120 min")]
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_a_very_late_attempt_does_not_overflow() -> None:
    """2.0 ** 1024 overflows a float: attempt 1,025 used to raise OverflowError."""
    policy = RetryPolicy(max_retries=5000, base_delay=0.5, max_delay=8.0, jitter=False)
    assert policy.delay(1025, cut()) == 8.0
    assert policy.delay(10**6, cut()) == 8.0


def test_retry_after_does_not_make_a_client_error_retryable() -> None:
    assert not RetryPolicy().should_retry(error_for_status(400, None, retry_after=1.0), 1)


# --- Retry-After parsing ------------------------------------------------------------------------


def test_no_header_gives_none() -> None:
    assert retry_after_seconds({}, now=fixed_now) is None


@pytest.mark.parametrize(
    ("value", "expected"), [("0", 0.0), ("1", 1.0), ("120", 120.0), (" 7 ", 7.0), ("1.5", 1.5)]
)
def test_retry_after_seconds(value: str, expected: float) -> None:
    assert retry_after_seconds({"retry-after": value}, now=fixed_now) == expected


def test_retry_after_http_date_uses_the_injected_clock() -> None:
    when = "Wed, 01 May 2024 12:00:30 GMT"
    assert retry_after_seconds({"retry-after": when}, now=fixed_now) == 30.0
    later = lambda: NOW + timedelta(seconds=20)  # noqa: E731
    assert retry_after_seconds({"retry-after": when}, now=later) == 10.0


def test_retry_after_date_in_the_past_means_now() -> None:
    when = "Wed, 01 May 2024 11:59:00 GMT"
    assert retry_after_seconds({"retry-after": when}, now=fixed_now) == 0.0


def test_retry_after_date_without_zone_is_read_as_utc() -> None:
    when = "Wed, 01 May 2024 12:01:00 -0000"
    assert retry_after_seconds({"retry-after": when}, now=fixed_now) == 60.0


def test_retry_after_ms_is_preferred() -> None:
    headers = {"retry-after-ms": "1500", "retry-after": "9"}
    assert retry_after_seconds(headers, now=fixed_now) == 1.5


def test_retry_after_ms_alone() -> None:
    assert retry_after_seconds({"retry-after-ms": "250"}, now=fixed_now) == 0.25


def test_bad_retry_after_ms_falls_back_to_retry_after() -> None:
    headers = {"retry-after-ms": "soon", "retry-after": "4"}
    assert retry_after_seconds(headers, now=fixed_now) == 4.0


@pytest.mark.parametrize("value", ["", "soon", "Someday, 99 Foo 2024", "12:00", "1 2"])
def test_bad_retry_after_is_ignored(value: str) -> None:
    assert retry_after_seconds({"retry-after": value}, now=fixed_now) is None


@pytest.mark.parametrize("value", ["nan", "inf", "-5"])
def test_non_finite_or_negative_retry_after_is_ignored(value: str) -> None:
    """RFC 9110 allows only digits; "nan" must not become an instant retry, "inf" no retry."""
    assert retry_after_seconds({"retry-after": value}, now=fixed_now) is None


@pytest.mark.parametrize("value", ["nan", "inf", "-100"])
def test_non_finite_or_negative_retry_after_ms_falls_back(value: str) -> None:
    headers = {"retry-after-ms": value, "retry-after": "3"}
    assert retry_after_seconds(headers, now=fixed_now) == 3.0


def test_headers_from_httpx_match_any_case() -> None:
    headers = httpx.Headers({"Retry-After": "5", "Retry-After-Ms": "2500"})
    assert retry_after_seconds(headers, now=fixed_now) == 2.5
    assert retry_after_seconds(httpx.Headers({"RETRY-AFTER": "5"}), now=fixed_now) == 5.0


def test_parsed_retry_after_drives_the_policy_end_to_end() -> None:
    seconds = retry_after_seconds({"retry-after": "Wed, 01 May 2024 12:00:02 GMT"}, now=fixed_now)
    error = error_for_status(429, "slow down", retry_after=seconds)
    policy = RetryPolicy()
    assert policy.should_retry(error, 1)
    assert policy.delay(1, error, rng=lambda: 0.5) == 2.0
