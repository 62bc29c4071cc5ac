"""Every way a turn can fail, each with a message written for a person.

ChatError                      base; .message is one human sentence, .retryable drives RetryPolicy
├── HTTPStatusError            the server answered with an error status (.status, .provider_message)
│   ├── AuthenticationError    401/403: key missing, wrong or without access
│   ├── NotFoundError          404: unknown model or wrong base URL
│   ├── BadRequestError        400/413/422 and other 4xx: the provider refused the request
│   ├── RateLimitError         429 (retryable; .retry_after from the headers)
│   ├── ConflictError          408/409 (retryable)
│   ├── RedirectError          3xx not followed: to another origin, a POST through 301/302/303,
│   │                          no Location, or too many hops (not retryable)
│   └── ServerError            5xx, 529, `api_error` in a stream (retryable)
│       └── OverloadedError    529 or `overloaded_error` (retryable)
├── ConnectionFailedError      DNS, refused, reset, TLS before any byte (retryable)
├── TimeoutError_              connect/read timeout (retryable); total timeout, or no answer
│                              content within the idle limit (not retryable)
├── StreamCutError             the stream ended before its terminal marker (retryable)
├── MalformedStreamError       the stream is not what the protocol allows (not retryable)
│   └── ResponseTooLargeError  a line, an event, a model list over its limit (not retryable)
├── ConfigurationError         bad base URL, missing key: fix the settings first (not retryable)
└── AttachmentError            an attachment cannot be sent: unreadable, of a type we do not send,
                               too large for the protocol, or an image that could not be made
                               small enough (raised before sending; not retryable)

`partial` is the turn as far as it streamed, for the caller to show or keep.
`advice`, when set, is one more clause after the rest: what the client did about it ("the server
asked to wait 5 min; not retrying").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_chat.i18n import N_, _

if TYPE_CHECKING:  # the accumulator's events import this module
    from desktop_chat.core.conversation import AssistantTurn

REDACTED = "[redacted]"  # what a secret is replaced with wherever it would show


class ChatError(Exception):
    """Base of all failures a user may see; `str(err)` is the human message."""

    retryable = False
    # What the failed turn had streamed, set by the engine as the error leaves it; None for an
    # error raised before any turn began.
    partial: AssistantTurn | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        provider_message: str | None = None,
        retry_after: float | None = None,
        advice: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.provider_message = provider_message
        self.retry_after = retry_after
        self.advice = advice

    @property
    def cause_label(self) -> str:
        """A few words for retry notices: "rate limited", "connection lost"."""
        return _("error")

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        text = " ".join(parts)
        if self.provider_message and self.provider_message not in self.message:
            text += f": {self.provider_message}"
        if self.advice:
            text += f"; {self.advice}"
        return text

    def redact(self, secret: str | None) -> None:
        """Replace `secret` wherever this error would show it: some servers echo the key."""
        if not secret:
            return
        for name in ("message", "provider_message", "advice"):
            value = getattr(self, name)
            if value and secret in value:
                setattr(self, name, value.replace(secret, REDACTED))
        self.args = tuple(
            arg.replace(secret, REDACTED) if isinstance(arg, str) else arg for arg in self.args
        )


class HTTPStatusError(ChatError):
    @property
    def cause_label(self) -> str:
        return f"HTTP {self.status}"


class AuthenticationError(HTTPStatusError):
    pass


class NotFoundError(HTTPStatusError):
    pass


class BadRequestError(HTTPStatusError):
    pass


class RateLimitError(HTTPStatusError):
    retryable = True

    @property
    def cause_label(self) -> str:
        return _("rate limited")


class ConflictError(HTTPStatusError):
    retryable = True


class RedirectError(HTTPStatusError):
    @property
    def cause_label(self) -> str:
        return _("redirected")


class ServerError(HTTPStatusError):
    retryable = True

    @property
    def cause_label(self) -> str:
        if self.status is None:
            return _("server error")
        return _("server error {status}").format(status=self.status)


class OverloadedError(ServerError):
    @property
    def cause_label(self) -> str:
        return _("server overloaded")


class ConnectionFailedError(ChatError):
    retryable = True

    @property
    def cause_label(self) -> str:
        return _("connection failed")


class TimeoutError_(ChatError):
    def __init__(self, message: str, *, retryable: bool = True, advice: str | None = None) -> None:
        super().__init__(message, advice=advice)
        self.retryable = retryable

    @property
    def cause_label(self) -> str:
        return _("timed out")


class StreamCutError(ChatError):
    retryable = True

    @property
    def cause_label(self) -> str:
        return _("connection lost")


class MalformedStreamError(ChatError):
    @property
    def cause_label(self) -> str:
        return _("malformed stream")


class ResponseTooLargeError(MalformedStreamError):
    @property
    def cause_label(self) -> str:
        return _("too large")


class ConfigurationError(ChatError):
    pass


class AttachmentError(ChatError):
    """The message names the attachment and says what to do: nothing was sent."""

    @property
    def cause_label(self) -> str:
        return _("attachment")


_STATUS_MESSAGES: dict[int, tuple[type[HTTPStatusError], str]] = {
    400: (BadRequestError, N_("The provider rejected the request")),
    401: (AuthenticationError, N_("The API key was rejected: check the key for this endpoint")),
    403: (AuthenticationError, N_("The API key has no access to this model or endpoint")),
    404: (NotFoundError, N_("Not found: check the model name and the base URL")),
    408: (ConflictError, N_("The server timed out waiting for the request")),
    409: (ConflictError, N_("The server reported a conflict")),
    413: (BadRequestError, N_("The request is too large for the provider")),
    422: (BadRequestError, N_("The provider could not process the request")),
    429: (RateLimitError, N_("Rate limited by the provider")),
    529: (OverloadedError, N_("The provider is overloaded")),
}


_LIMIT_FIELD_FIX = N_(
    "The model wants max_completion_tokens instead of max_tokens: set the endpoint's output "
    "limit field to max_completion_tokens (Settings → Endpoints, or `desktop-chat endpoint edit "
    "NAME --output-limit-field max_completion_tokens`)"
)


def _wants_max_completion_tokens(provider_message: str | None) -> bool:
    """Tell whether the provider refused `max_tokens` and named `max_completion_tokens`.

    OpenAI's reasoning models say "Unsupported parameter: 'max_tokens' ... Use
    'max_completion_tokens' instead."; a server refusing the other field names them the other
    way round, and must not get this advice.
    """
    text = provider_message or ""
    refused, wanted = text.find("max_tokens"), text.find("max_completion_tokens")
    return 0 <= refused < wanted


def error_for_status(
    status: int, provider_message: str | None, retry_after: float | None = None
) -> HTTPStatusError:
    """Map an HTTP error status to the error a person should read."""
    if status in _STATUS_MESSAGES:
        cls, message = _STATUS_MESSAGES[status]
        if status == 400 and _wants_max_completion_tokens(provider_message):
            message = _LIMIT_FIELD_FIX
    elif status >= 500:
        cls, message = ServerError, N_("The provider's server failed")
    else:
        cls, message = BadRequestError, N_("The provider refused the request")
    return cls(
        _(message), status=status, provider_message=provider_message, retry_after=retry_after
    )
