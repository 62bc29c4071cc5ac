"""`desktop-chat models`: list the models a saved endpoint offers.

Output: one model id a line, sorted; `--json`: ``{"endpoint": str, "models": [str, ...]}``.
The key is the one `ask` would send: ``DESKTOP_CHAT_API_KEY``, else the endpoint's keyring entry.
Exit status: 0 listed, 1 the endpoint could not list them, 2 a settings problem (no such
endpoint, none active, an unreadable settings file, a key held back).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from desktop_chat.cli.error import CliError, guarded
from desktop_chat.storage.settings import Endpoint, Settings

KEY_VARIABLE = "DESKTOP_CHAT_API_KEY"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "models",
        help="list the models an endpoint offers",
        description="List the models the active endpoint (or --endpoint NAME) offers, one a line.",
    )
    parser.add_argument("--endpoint", metavar="NAME", help="a saved endpoint (default: the active)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def chosen_endpoint(settings: Settings, name: str | None) -> Endpoint:
    """The endpoint `name`, or the active one; CliError (2) when there is none."""
    if name is None:
        if settings.active_endpoint is None:
            raise CliError(
                "no endpoint is active: pass --endpoint NAME, or choose one with "
                "`desktop-chat endpoint use NAME`",
                2,
            )
        name = settings.active_endpoint
    endpoint = settings.endpoint(name)
    if endpoint is None:
        raise CliError(f"no saved endpoint named {name!r} (see `desktop-chat endpoint list`)", 2)
    return endpoint


async def key_for(endpoint: Endpoint) -> str | None:
    """The key `ask` would send to `endpoint`: the environment's, else the keyring's.

    Raises CliError (2) for a key held back (stored for another origin) or a locked keyring.
    """
    from desktop_chat.storage.endpoint_key import KeyMovedError, cli_remedy, endpoint_key
    from desktop_chat.storage.secrets import KeyStore, KeyStoreError

    if os.environ.get(KEY_VARIABLE):
        return os.environ[KEY_VARIABLE]
    try:
        return (await endpoint_key(KeyStore(), endpoint, cli_remedy(endpoint))).value
    except KeyMovedError as exc:
        raise CliError(str(exc), 2) from exc
    except KeyStoreError as exc:
        raise CliError(f"{exc}; set {KEY_VARIABLE} instead", 2) from exc


@guarded
def run(args: argparse.Namespace) -> int:
    from desktop_chat.storage.settings_file import load_settings

    loaded = load_settings()
    if loaded.notice:
        print(f"desktop-chat: {loaded.notice}", file=sys.stderr)
    endpoint = chosen_endpoint(loaded.settings, args.endpoint)
    models = asyncio.run(_list(loaded.settings, endpoint))
    if args.json:
        print(json.dumps({"endpoint": endpoint.name, "models": models}, ensure_ascii=False))
    else:
        for model in models:
            print(model)
    return 0


async def _list(settings: Settings, endpoint: Endpoint) -> list[str]:
    from desktop_chat.core.errors import ChatError
    from desktop_chat.session.probe import make_engine
    from desktop_chat.storage.engine_config import endpoint_config

    key = await key_for(endpoint)
    try:
        engine = make_engine(settings.network)
    except ChatError as exc:
        raise CliError(str(exc), 2) from exc
    try:
        return await engine.list_models(endpoint_config(endpoint, key))
    except ChatError as exc:
        raise CliError(f"{endpoint.name!r} could not list its models: {exc}", 1) from exc
    finally:
        await engine.aclose()
