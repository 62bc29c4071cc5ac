"""When to try again, and after how long: exponential backoff with full jitter.

The random source is a parameter so tests assert exact delays without sleeping.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from desktop_chat.core.errors import ChatError
from desktop_chat.i18n import _

# A server asking for longer than this is treated as "not now" rather than waited for silently.
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: bool = True

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def should_retry(self, error: ChatError, attempt: int) -> bool:
        """Whether `attempt` (1-based) failing with `error` earns another attempt."""
        if not error.retryable or attempt > self.max_retries:
            return False
        return error.retry_after is None or error.retry_after <= MAX_RETRY_AFTER

    def delay(
        self, attempt: int, error: ChatError, rng: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait after `attempt` failed: the server's Retry-After, else full jitter."""
        if error.retry_after is not None:
            return max(0.0, error.retry_after)
        # The exponent stops growing long before a float would overflow (2.0 ** 1024).
        ceiling: float = min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 64))
        return ceiling * rng() if self.jitter else ceiling


def wait_refusal(policy: RetryPolicy, error: ChatError, attempt: int) -> str | None:
    """Why no retry follows when the only reason is the server's long Retry-After, else None."""
    wait = error.retry_after
    if not error.retryable or attempt > policy.max_retries or wait is None:
        return None
    if wait <= MAX_RETRY_AFTER:
        return None
    return _("the server asked to wait {duration}; not retrying").format(duration=duration(wait))


def duration(seconds: float) -> str:
    """A wait for a person: "90 s", "5 min", "3 h"."""
    if seconds < 120:
        return _("{seconds} s").format(seconds=f"{seconds:.0f}")
    if seconds < 2 * 3600:
        return _("{minutes} min").format(minutes=f"{seconds / 60:.0f}")
    return _("{hours} h").format(hours=f"{seconds / 3600:.0f}")


def retry_after_seconds(
    headers: Mapping[str, str], now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> float | None:
    """Seconds from `retry-after-ms`, else `Retry-After` (seconds or HTTP date); None if absent."""
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def _seconds(value: str | None) -> float | None:
    """A finite, non-negative number, or None: "nan", "inf" and "-5" are not delays."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
