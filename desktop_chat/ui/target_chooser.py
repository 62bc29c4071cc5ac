"""Where the next turn goes: the endpoint and model pickers, model lists, keys, engine, demo.

The chooser keeps the top bar in step with the settings and tells the window when the user's
choice (or a fetched model list) should be saved. `resolve()` turns the current choice into an
engine and a `Target` (session/target.py) for the chat controller; the key is read from the
keyring inside the turn's task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_chat.core.errors import ChatError
from desktop_chat.i18n import _
from desktop_chat.storage.endpoint_key import WINDOW_REMEDY
from desktop_chat.storage.secrets import KeyStore, KeyStoreError
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.ui.bridge import KeyLookupError
from desktop_chat.ui.chat.status_bar import StatusBar
from desktop_chat.ui.chat.top_bar import TopBar
from desktop_chat.ui.engines import DemoEndpoint, EngineHolder, ModelLists

if TYPE_CHECKING:
    from desktop_chat.core.engine import Engine
    from desktop_chat.session.target import Target

Spawn = Callable[[Coroutine[object, object, object]], object]


class TargetChooser(QObject):
    """Own the demo endpoint, the engine and model-list fetching for one window."""

    settings_changed = Signal(object)  # Settings: a new active choice or model cache to save
    keyring_missing = Signal(str)  # why the key could not be read; the turn goes without one

    def __init__(
        self,
        top_bar: TopBar,
        status: StatusBar,
        keystore: KeyStore,
        settings: Callable[[], Settings],
        spawn: Spawn,
        *,
        demo_only: bool = False,
        demo_pace: float = 60.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.top_bar = top_bar
        self.status = status
        self.keystore = keystore
        self.demo_only = demo_only
        self.demo = DemoEndpoint(demo_pace)
        self.engines = EngineHolder()
        self.models = ModelLists(self)
        self._settings = settings
        self._spawn = spawn
        self._turn_engine: Engine | None = None
        # Told each key a turn reads, to scrub it from what is recorded (never stored or shown).
        self.key_listeners: list[Callable[[str], object]] = []
        top_bar.endpoint_chosen.connect(self._on_endpoint_chosen)
        top_bar.model_chosen.connect(self._on_model_chosen)
        top_bar.refresh_models_requested.connect(lambda: self.fetch_models(force=True))
        self.models.fetched.connect(self._on_models_fetched)

    # --- pickers --------------------------------------------------------------------------------

    def show_settings(self) -> None:
        """List the endpoints and the demo, and the chosen model.

        The demo is always offered, so it stays a try away, but it is chosen only when there is
        no endpoint: with endpoints and none active, the first one is.
        """
        settings = self._settings()
        names = [] if self.demo_only else [ep.name for ep in settings.endpoints]
        current = (settings.active_endpoint or names[0]) if names else ""
        self.top_bar.set_endpoints(names, current)
        self.show_models()

    def current_endpoint(self) -> Endpoint | None:
        """The chosen saved endpoint, or None for the offline demo."""
        name = self.top_bar.current_endpoint()
        return self._settings().endpoint(name) if name else None

    def show_models(self) -> None:
        settings = self._settings()
        endpoint = self.current_endpoint()
        if endpoint is None:
            listed, chosen = list(self.models.demo_models), ""
        else:
            listed = list(settings.models_cache.get(endpoint.name, ()))
            chosen = settings.active_model or endpoint.default_model
        current = chosen or (listed[0] if listed else "")
        if current and current not in listed:
            listed.insert(0, current)
        self.top_bar.set_models(listed, current)
        self.top_bar.show_reasoning_for(endpoint.protocol if endpoint else "openai")
        self.status.set_target(endpoint.name if endpoint else "", current)

    def fetch_models(self, *, force: bool = False) -> None:
        """Fetch the chosen endpoint's model list in the background (cache first, unless forced)."""
        endpoint = self.current_endpoint()
        cached = endpoint is not None and endpoint.name in self._settings().models_cache
        if not force and (endpoint is None or cached):
            return  # the demo's one model is known; a cached list serves offline
        try:
            engine = self.engines.get(self._settings().network)
        except ChatError as exc:
            self.status.show_error(_("Could not fetch the model list: {error}").format(error=exc))
            return
        target = self._target(endpoint, "")
        self.top_bar.set_busy_fetching(True)
        self._spawn(self.models.fetch(endpoint.name if endpoint else "", engine, target))

    def _on_models_fetched(self, name: str, models: list[str], error: str) -> None:
        self.top_bar.set_busy_fetching(False)
        if error:
            self.status.show_error(_("Could not fetch the model list: {error}").format(error=error))
            return
        settings = self._settings()
        if name and settings.endpoint(name) is not None:
            self.settings_changed.emit(settings.with_models(name, models))
        if name == self.top_bar.current_endpoint():
            self.show_models()

    def _on_endpoint_chosen(self, name: str) -> None:
        settings = self._settings()
        if name and settings.endpoint(name) is not None:
            self.settings_changed.emit(settings.with_active(name))
        self.show_models()
        self.fetch_models()

    def _on_model_chosen(self, model: str) -> None:
        endpoint = self.current_endpoint()
        if endpoint is not None:
            self.settings_changed.emit(self._settings().with_active(endpoint.name, model))
        self.status.set_target(endpoint.name if endpoint else "", model)

    # --- the next turn --------------------------------------------------------------------------

    def resolve(self) -> tuple[Engine, Target]:
        """The next turn's engine and target; raise TargetError or ChatError with the reason."""
        from desktop_chat.session.target import TargetError

        model = self.top_bar.current_model()
        if not model:
            raise TargetError(
                _("Choose a model first: open the endpoint and model picker and type its id.")
            )
        engine = self._turn_engine = self.engines.get(self._settings().network)
        return engine, self._target(self.current_endpoint(), model)

    def _target(self, endpoint: Endpoint | None, model: str) -> Target:
        """The demo (no endpoint) or a saved endpoint whose key is read in the turn's task."""
        if endpoint is None:
            return self.demo.target(model)
        from desktop_chat.session.target import key_source, saved_target

        missing: list[str] = []
        source = key_source(
            self.keystore,
            endpoint,
            WINDOW_REMEDY,
            missing,
            on_keyring_problem=self.keyring_missing.emit,
            on_key=self._key_read,
        )

        async def key() -> str | None:
            try:
                return await source()
            except KeyStoreError as exc:  # a ChatError, so that a model-list fetch reports it too
                raise KeyLookupError(str(exc)) from exc

        return saved_target(endpoint, model, key=key, missing_key=missing)

    def _key_read(self, value: str) -> None:
        for listener in self.key_listeners:
            listener(value)

    def turn_ended(self) -> None:
        """Close engines replaced by a settings change once no turn uses them."""
        self._spawn(self.engines.close_retired(keep=self._turn_engine))

    async def aclose(self) -> None:
        await self.engines.aclose()
        await asyncio.to_thread(self.demo.stop)
