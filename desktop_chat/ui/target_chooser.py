"""Where the next turn goes: the endpoint and model pickers, model lists, keys, engine, demo.

The chooser keeps the top bar in step with the settings and tells the window when the user's
choice (or a fetched model list) should be saved. `resolve()` turns the current choice into a
`Target` for the chat controller; the key is read from the keyring inside the turn's task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_chat.core.errors import ChatError
from desktop_chat.storage.endpoint_key import (
    WINDOW_REMEDY,
    endpoint_key,
    explain_refusal,
)
from desktop_chat.storage.secrets import KeyStore, KeyStoreError
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.ui.bridge import KeyLookupError
from desktop_chat.ui.chat_controller import Target, TargetError
from desktop_chat.ui.status_bar import StatusBar
from desktop_chat.ui.top_bar import DEMO_LABEL, TopBar
from desktop_chat.ui.window_services import DemoEndpoint, EngineHolder, ModelLists

if TYPE_CHECKING:
    from desktop_chat.core.engine import Engine
    from desktop_chat.ui.bridge import KeySource

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
        """List the endpoints (the demo alone when there are none) and the chosen model."""
        settings = self._settings()
        names = [] if self.demo_only else [ep.name for ep in settings.endpoints]
        current = (settings.active_endpoint or "") if names else ""
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
        self.status.set_target(endpoint.name if endpoint else DEMO_LABEL, current)

    def fetch_models(self, *, force: bool = False) -> None:
        """Fetch the chosen endpoint's model list in the background (cache first, unless forced)."""
        endpoint = self.current_endpoint()
        cached = endpoint is not None and endpoint.name in self._settings().models_cache
        if not force and (endpoint is None or cached):
            return  # the demo's one model is known; a cached list serves offline
        try:
            engine = self.engines.get(self._settings().network)
        except ChatError as exc:
            self.status.showMessage(f"Could not fetch the model list: {exc}", 8000)
            return
        if endpoint is None:
            config, key = self.demo.config(), None
        else:
            from desktop_chat.storage.engine_config import endpoint_config

            config, key = endpoint_config(endpoint, None), self.key_source(endpoint)
        self.top_bar.set_busy_fetching(True)
        self._spawn(self.models.fetch(endpoint.name if endpoint else "", engine, config, key))

    def _on_models_fetched(self, name: str, models: list[str], error: str) -> None:
        self.top_bar.set_busy_fetching(False)
        if error:
            self.status.showMessage(f"Could not fetch the model list: {error}", 8000)
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
        self.status.set_target(endpoint.name if endpoint else DEMO_LABEL, model)

    # --- the next turn --------------------------------------------------------------------------

    def resolve(self) -> Target:
        """Where the next turn goes; raise TargetError or ChatError with the reason."""
        model = self.top_bar.current_model()
        if not model:
            raise TargetError("Choose a model first (type its id in the Model box).")
        engine = self._turn_engine = self.engines.get(self._settings().network)
        endpoint = self.current_endpoint()
        if endpoint is None:
            return Target(engine, self.demo.config(), model)
        from desktop_chat.storage.engine_config import endpoint_config

        missing: list[str] = []  # filled in the turn's task, read when it fails

        def explain(error: ChatError) -> ChatError:
            return explain_refusal(error, missing[0] if missing else None)

        key = self.key_source(endpoint, missing)
        return Target(engine, endpoint_config(endpoint, None), model, key, explain)

    def key_source(self, endpoint: Endpoint, missing: list[str] | None = None) -> KeySource:
        """Read the endpoint's key from the key store, in the turn's own task.

        A turn goes without a key when none is stored or there is no keyring (a local server
        wants none); why is appended to `missing`, to explain a refusal. A key stored for
        another origin than the endpoint's is not sent: the turn fails, saying how to confirm.
        """

        async def key() -> str | None:
            try:
                found = await endpoint_key(self.keystore, endpoint, WINDOW_REMEDY)
            except KeyStoreError as exc:  # a ChatError, so that a model-list fetch reports it too
                raise KeyLookupError(str(exc)) from exc
            if found.missing is not None and missing is not None:
                missing.append(found.missing[0].upper() + found.missing[1:])
            if found.keyring_problem is not None:
                self.keyring_missing.emit(found.keyring_problem)
            value = found.value
            if value:
                for listener in self.key_listeners:
                    listener(value)
            return value

        return key

    def turn_ended(self) -> None:
        """Close engines replaced by a settings change once no turn uses them."""
        self._spawn(self.engines.close_retired(keep=self._turn_engine))

    async def aclose(self) -> None:
        await self.engines.aclose()
        await asyncio.to_thread(self.demo.stop)
