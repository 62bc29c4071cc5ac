"""Find the key a turn sends to a saved endpoint, or say why it sends none.

Shared by the window and the CLI so both keep the same two promises:

- A key goes only to the origin it was stored for. When an endpoint's base URL has moved to
  another origin (``Endpoint.key_moved``), the key is held back until the user confirms the move
  (KeyMovedError, naming both origins and the remedy).
- A turn without a key still goes out: local servers (Ollama, LM Studio) want none, also on a
  machine with no keyring at all. If the server then refuses (401/403), :func:`explain_refusal`
  turns "the API key was rejected" into what really happened: no key is stored, or the keyring
  could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_chat.core.errors import AuthenticationError, ChatError
from desktop_chat.i18n import N_, _
from desktop_chat.storage.origin import origin_of
from desktop_chat.storage.secrets import KeyringUnavailable, KeyStore, KeyStoreError
from desktop_chat.storage.settings import Endpoint


@dataclass(frozen=True, slots=True)
class Remedy:
    """How the user fixes a missing or held-back key, in the words of one face.

    The window's words are marked for translation and translated where they are shown.
    """

    set_key: str  # e.g. "run `desktop-chat endpoint set-key NAME`"
    move_key: str  # e.g. "run `desktop-chat endpoint edit NAME --move-key`"


def cli_remedy(endpoint: Endpoint) -> Remedy:
    name = _quote(endpoint.name)
    return Remedy(
        set_key=f"run `desktop-chat endpoint set-key {name}`",
        move_key=(
            f"run `desktop-chat endpoint edit {name} --move-key` to send it there, or store a "
            f"key for the new address with `desktop-chat endpoint set-key {name}`"
        ),
    )


WINDOW_REMEDY = Remedy(
    set_key=N_("type it in Settings → Endpoints"),
    move_key=N_(
        "open Settings → Endpoints and tick “Send the stored key to …” below the key, or type a "
        "key for the new address there"
    ),
)


class KeyMovedError(KeyStoreError):
    """Raised when an endpoint's key was stored for another origin than its base URL's."""

    def __init__(self, endpoint: Endpoint, remedy: Remedy) -> None:
        super().__init__(
            _(
                "The key for {name!r} was stored for {origin}, but the endpoint now points at "
                "{new_origin}; the key was not sent. To use it: {remedy}."
            ).format(
                name=endpoint.name,
                origin=endpoint.key_origin,
                new_origin=origin_of(endpoint.base_url),
                remedy=_(remedy.move_key),
            )
        )


@dataclass(frozen=True, slots=True)
class EndpointKey:
    """The key to send (None: none), and why there is none, for a refusal to explain.

    `keyring_problem` is set when the keyring could not be read at all.
    """

    value: str | None
    missing: str | None = None
    keyring_problem: str | None = None


async def endpoint_key(store: KeyStore, endpoint: Endpoint, remedy: Remedy) -> EndpointKey:
    """Read the endpoint's key; raise KeyMovedError, or KeyStoreError for a locked keyring.

    No keyring at all is not an error: the turn goes without a key, as a local server wants.
    """
    try:
        value = await store.aget(endpoint.name)
    except KeyringUnavailable as exc:
        why = _("no key was sent, since the keyring could not be read: {reason}").format(reason=exc)
        return EndpointKey(None, why, str(exc))
    if value is None:
        why = _("no key stored for {name!r}: {remedy}").format(
            name=endpoint.name, remedy=_(remedy.set_key)
        )
        return EndpointKey(None, why)
    if endpoint.key_moved:
        raise KeyMovedError(endpoint, remedy)
    return EndpointKey(value)


def explain_refusal(error: ChatError, missing: str | None) -> ChatError:
    """Return the error to show for a turn that sent no key because of `missing`.

    Only a refusal of access (401/403) is explained; any other failure is not about the key.
    """
    if missing is None or not isinstance(error, AuthenticationError):
        return error
    explained = AuthenticationError(
        missing, status=error.status, provider_message=error.provider_message
    )
    explained.partial = error.partial
    return explained


def _quote(name: str) -> str:
    """The name as a shell word: bare when safe, else in single quotes."""
    if name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return name
    return "'" + name.replace("'", "'\\''") + "'"
