"""What the window keeps running behind the scenes: the demo endpoint, engines, model lists."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_chat.core.errors import ChatError
from desktop_chat.storage.settings import Network

# The network stack and the demo server load after the window is shown (start-up time).
if TYPE_CHECKING:
    from desktop_chat.core.engine import Engine
    from desktop_chat.demo_server import DemoServer
    from desktop_chat.session.target import Target

DEMO_MODEL = "demo-model"  # what the demo server answers as; checked against it by a test

log = logging.getLogger(__name__)


class DemoEndpoint:
    """The built-in offline endpoint, started on first use in this process."""

    def __init__(self, pace: float = 60.0) -> None:
        self._pace = pace
        self._server: DemoServer | None = None

    def target(self, model: str) -> Target:
        """Return the demo as a target, starting the server if needed (binds a port: quick)."""
        from desktop_chat.demo_server import DemoServer
        from desktop_chat.session.target import demo_target

        if self._server is None:
            self._server = DemoServer(tokens_per_second=self._pace)
        return demo_target(self._server.start(), model)

    def stop(self) -> None:
        """Stop the server (blocking briefly while its threads end); safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()


class EngineHolder:
    """One engine for the current network settings; replaced ones are closed once idle."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._network: Network | None = None
        self._retired: list[Engine] = []

    def get(self, network: Network) -> Engine:
        """Return the engine for `network`; raises ChatError for an unusable proxy or CA file."""
        if self._engine is None or network != self._network:
            from desktop_chat.session.probe import make_engine

            engine = make_engine(network)
            if self._engine is not None:
                self._retired.append(self._engine)
            self._engine, self._network = engine, network
        return self._engine

    async def close_retired(self, keep: Engine | None = None) -> None:
        """Close the replaced engines, except `keep` (a turn may still be using it)."""
        for engine in [e for e in self._retired if e is not keep]:
            self._retired.remove(engine)
            await engine.aclose()

    async def aclose(self) -> None:
        engines = [*self._retired, *([self._engine] if self._engine is not None else [])]
        self._retired, self._engine, self._network = [], None, None
        for engine in engines:
            await engine.aclose()


class ModelLists(QObject):
    """Fetch model lists in the background; the window caches them in settings."""

    fetched = Signal(str, list, str)  # endpoint name ("" = demo), models, error text ("" = ok)
    demo_models = (DEMO_MODEL,)

    async def fetch(self, name: str, engine: Engine, target: Target) -> None:
        """List the models of `target`; emit `fetched` with the list or the reason it failed."""
        try:
            models = await engine.list_models(await target.config())
        except ChatError as exc:
            log.info("model list of %r not fetched: %s", name or "demo", exc)
            self.fetched.emit(name, [], str(exc))
            return
        self.fetched.emit(name, models, "")
