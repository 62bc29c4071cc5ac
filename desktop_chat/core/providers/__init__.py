"""One adapter per wire protocol, behind the Provider protocol of `base`."""

from __future__ import annotations

from desktop_chat.core.errors import ConfigurationError
from desktop_chat.core.providers.anthropic_messages import AnthropicMessages
from desktop_chat.core.providers.base import Provider
from desktop_chat.core.providers.openai_chat import OpenAIChat
from desktop_chat.core.providers.openai_responses import OpenAIResponses
from desktop_chat.i18n import _

PROTOCOLS: dict[str, Provider] = {
    "openai": OpenAIChat(),
    "openai-responses": OpenAIResponses(),
    "anthropic": AnthropicMessages(),
}


def provider_for(protocol: str) -> Provider:
    try:
        return PROTOCOLS[protocol]
    except KeyError:
        names = ", ".join(PROTOCOLS)
        raise ConfigurationError(
            _("Unknown protocol {protocol!r}: use one of {names}").format(
                protocol=protocol, names=names
            )
        ) from None
