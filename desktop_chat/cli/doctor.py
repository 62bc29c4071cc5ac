"""`desktop-chat doctor` and `endpoint test NAME`: what this installation uses, and what works.

Offline, the doctor reports the version, the profile (portable or not), where settings, history
and logs live, the keyring and whether it answers, the proxy and TLS settings in force, and for
each endpoint (or the one named) whether a key is stored. `--online` also tests each endpoint
as the window's Test connection does: a verdict per layer (DNS, TCP, TLS, HTTP, auth, stream).
`endpoint test NAME` is `doctor --online NAME` reduced to that endpoint.

`--json` prints one object::

    {"ok": bool, "version": str,
     "profile": {"portable": bool, "dir": str | null},
     "paths": {"settings": str, "history": str, "logs": str},
     "settings": {"ok": bool, "problem": str | null},
     "keyring": {"backend": str | null, "works": bool, "problem": str | null},
     "network": {"proxy_mode": str, "proxy": str | null, "no_proxy": str | null,
                 "verify_tls": bool, "ca_bundle": str, "system_ca": str | null},
     "endpoints": [{"name": str, "protocol": str, "base_url": str, "active": bool,
                    "key": "stored" | "none" | "held back" | "from DESKTOP_CHAT_API_KEY"
                           | "unknown",
                    "online": null | {"ok": bool, "verdict": str, "models": int,
                                      "checks": [{"layer": str, "outcome": "ok" | "failed"
                                                  | "skipped", "detail": str}]}}]}

Proxy URLs are shown without their user name and password. Exit status: 0 when every check
passed, 1 when one failed (the keyring, an endpoint online), 2 for a settings problem (the file
cannot be read, no endpoint of that name); the report is printed whatever the status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import sys
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import desktop_chat
from desktop_chat import paths
from desktop_chat.cli.error import CliError, guarded
from desktop_chat.cli.models import KEY_VARIABLE
from desktop_chat.storage.settings import Endpoint, Network, Settings

if TYPE_CHECKING:
    from desktop_chat.session.probe import ProbeResult

EXAMPLES = """\
examples:
  desktop-chat doctor                   where things are, the keyring, proxy and TLS, the keys
  desktop-chat doctor --online          also test every endpoint, layer by layer
  desktop-chat doctor --online work     test the endpoint 'work' only
  desktop-chat doctor --json            the same as one JSON object
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "doctor",
        help="report the set-up and test the endpoints",
        description="Report the version, profile, files, keyring, proxy and TLS settings and\n"
        "each endpoint's key; with --online, test each endpoint layer by layer.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("endpoint", nargs="?", metavar="ENDPOINT", help="check this one only")
    parser.add_argument(
        "--online", action="store_true", help="test each endpoint: list models, ask one token"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(func=run)


def add_endpoint_test(esub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `endpoint test NAME` to the endpoint commands."""
    parser = esub.add_parser(
        "test",
        help="test an endpoint layer by layer (DNS, TCP, TLS, HTTP, auth, stream)",
        description="List the endpoint's models, then ask for one token; a verdict per layer.",
    )
    parser.add_argument("endpoint", metavar="NAME")
    parser.add_argument("--model", metavar="M", help="the model to ask (default: its default)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(func=run_endpoint_test, online=True)


@dataclass(slots=True)
class _Report:
    """What the doctor found; `code` is the exit status it leads to."""

    data: dict[str, object] = field(default_factory=dict)
    code: int = 0

    def fail(self, code: int) -> None:
        self.code = max(self.code, code)


@guarded
def run(args: argparse.Namespace) -> int:
    report, settings = _offline(args.endpoint)
    if args.online and settings is not None:
        _online(report, settings, "")
    report.data["ok"] = report.code == 0
    _print(report, args.json)
    return report.code


@guarded
def run_endpoint_test(args: argparse.Namespace) -> int:
    from desktop_chat.storage.settings_file import load_settings

    loaded = load_settings()  # an unreadable file: SettingsError, exit 2
    if loaded.notice:
        print(f"desktop-chat: {loaded.notice}", file=sys.stderr)
    settings = loaded.settings
    if settings.endpoint(args.endpoint) is None:
        raise CliError(f"no saved endpoint named {args.endpoint!r}", 2)
    report = _Report()
    rows = _endpoints(report, settings, args.endpoint)
    report.data["endpoints"] = rows
    _online(report, settings, args.model or "")
    (row,) = rows
    if args.json:
        print(json.dumps({"ok": report.code == 0, **row}, indent=2, ensure_ascii=False))
    else:
        _print_endpoint(row)
    return report.code


def _offline(only: str | None) -> tuple[_Report, Settings | None]:
    from desktop_chat.storage.settings_file import load_settings
    from desktop_chat.storage.validation import SettingsError

    report = _Report()
    profile = paths.profile_dir()
    report.data["version"] = desktop_chat.__version__
    report.data["profile"] = {"portable": profile is not None, "dir": _str(profile)}
    report.data["paths"] = {
        "settings": str(paths.settings_path()),
        "history": str(paths.history_path()),
        "logs": str(paths.log_dir()),
    }
    settings: Settings | None = None
    try:
        loaded = load_settings()
        settings = loaded.settings
        report.data["settings"] = {"ok": loaded.notice is None, "problem": loaded.notice}
        if loaded.notice is not None:
            report.fail(2)
    except SettingsError as exc:
        report.data["settings"] = {"ok": False, "problem": str(exc)}
        report.fail(2)
    report.data["keyring"] = _keyring(report)
    report.data["network"] = _network((settings or Settings()).network)
    if settings is not None:
        if only is not None and settings.endpoint(only) is None:
            report.data["settings"] = {"ok": False, "problem": f"no endpoint named {only!r}"}
            report.fail(2)
            settings = None
        else:
            report.data["endpoints"] = _endpoints(report, settings, only)
    return report, settings


def _keyring(report: _Report) -> dict[str, object]:
    """Name the keyring and read from it once, as `ask` would."""
    from desktop_chat.storage.secrets import KeyStore, KeyStoreError, refusal

    store = KeyStore()
    try:
        backend = store.backend()
        name = store.backend_name()
        why = refusal(backend)
        if why is None:
            store.get("desktop-chat doctor")  # a name no endpoint has: a read, nothing written
    except KeyStoreError as exc:
        report.fail(1)
        return {"backend": None, "works": False, "problem": str(exc)}
    if why is not None:
        report.fail(1)
    return {"backend": name, "works": why is None, "problem": why}


def _network(network: Network) -> dict[str, object]:
    proxy: str | None = None
    no_proxy: str | None = None
    if network.proxy_mode == "custom":
        proxy = _without_password(network.proxy_url)
    elif network.proxy_mode == "system":
        found = urllib.request.getproxies()
        shown = [f"{k}: {_without_password(v)}" for k, v in sorted(found.items()) if k != "no"]
        proxy = "; ".join(shown) or None
        no_proxy = found.get("no")
    return {
        "proxy_mode": network.proxy_mode,
        "proxy": proxy,
        "no_proxy": no_proxy,
        "verify_tls": network.verify_tls,
        "ca_bundle": network.ca_bundle,
        "system_ca": _system_ca(),
    }


def _system_ca() -> str | None:
    """Where OpenSSL finds the system's CAs here (the platform verifier on macOS and Windows)."""
    if sys.platform in ("darwin", "win32"):
        return "the operating system's verifier"
    from desktop_chat.core.transport import SYSTEM_CA_FILES

    defaults = ssl.get_default_verify_paths()
    found = defaults.cafile or defaults.capath
    return found or next((p for p in SYSTEM_CA_FILES if os.path.isfile(p)), None)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def _endpoints(report: _Report, settings: Settings, only: str | None) -> list[dict[str, object]]:
    from desktop_chat.storage.secrets import KeyStore, KeyStoreError

    store = KeyStore()
    chosen = [settings.endpoint(only)] if only is not None else list(settings.endpoints)
    rows = []
    keyring_ok = True
    for endpoint in filter(None, chosen):
        key = "unknown"
        if os.environ.get(KEY_VARIABLE):
            key = f"from {KEY_VARIABLE}"
        elif keyring_ok:
            try:
                stored = store.get(endpoint.name) is not None
                key = ("held back" if endpoint.key_moved else "stored") if stored else "none"
            except KeyStoreError:
                keyring_ok = False  # said once, under "keyring"; the others would fail alike
                report.fail(1)
        rows.append({
            "name": endpoint.name, "protocol": endpoint.protocol, "base_url": endpoint.base_url,
            "active": endpoint.name == settings.active_endpoint, "key": key, "online": None,
        })  # fmt: skip
    return rows


def _online(report: _Report, settings: Settings, model: str) -> None:
    rows = report.data.get("endpoints")
    if not isinstance(rows, list):
        return
    for row in rows:
        endpoint = settings.endpoint(row["name"])
        assert endpoint is not None  # the rows were made from these settings
        result = asyncio.run(_test(settings.network, endpoint, row["key"], model))
        row["online"] = {
            "ok": result.ok,
            "verdict": result.verdict.splitlines()[0],
            "models": len(result.models),
            "checks": [
                {"layer": c.layer, "outcome": c.outcome, "detail": c.detail} for c in result.checks
            ],
        }
        if not result.ok:
            report.fail(1)


async def _test(network: Network, endpoint: Endpoint, key_state: str, model: str) -> ProbeResult:
    from desktop_chat.session.probe import probe
    from desktop_chat.storage.secrets import KeyStore

    key: str | None = os.environ.get(KEY_VARIABLE) or None
    if key is None and key_state == "stored":  # a key held back is not sent
        key = await KeyStore().aget(endpoint.name)
    return await probe(network, endpoint, key, model)


def _print(report: _Report, as_json: bool) -> None:
    data = report.data
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    profile, where = _section(data, "profile"), _section(data, "paths")
    settings, keyring = _section(data, "settings"), _section(data, "keyring")
    network = _section(data, "network")
    mode = f"portable, in {profile['dir']}" if profile["portable"] else "normal (per-user folders)"
    lines = [
        f"Desktop Chat {data['version']}",
        f"Profile    {mode}",
        f"Settings   {where['settings']}  " + _mark(settings["ok"], settings["problem"]),
        f"History    {where['history']}",
        f"Logs       {where['logs']}",
        f"Keyring    {_mark(keyring['works'], keyring['problem'], keyring['backend'])}",
        f"Proxy      {_proxy_line(network)}",
        f"TLS        {_tls_line(network)}",
    ]
    print("\n".join(lines))
    rows = data.get("endpoints")
    if isinstance(rows, list):
        print("Endpoints" if rows else "Endpoints  none saved")
        for row in rows:
            _print_endpoint(row)


def _print_endpoint(row: dict[str, object]) -> None:
    active = "*" if row["active"] else " "
    print(f"  {active} {row['name']}  {row['protocol']}  {row['base_url']}  key: {row['key']}")
    online = row["online"]
    if isinstance(online, dict):
        print(f"      {online['verdict']}")
        for check in online["checks"]:
            mark = {"ok": "✓", "failed": "✗", "skipped": "–"}[check["outcome"]]
            print(f"      {mark} {check['layer']}: {check['detail']}")


def _section(data: dict[str, object], key: str) -> dict[str, object]:
    value = data[key]
    assert isinstance(value, dict)  # the report's sections are made above
    return value


def _mark(ok: object, problem: object, what: object = "ok") -> str:
    return f"✓ {what}" if ok else f"✗ {problem}"


def _proxy_line(network: dict[str, object]) -> str:
    mode, proxy = network["proxy_mode"], network["proxy"]
    if mode == "none":
        return "none (network.proxy_mode none)"
    if mode == "custom":
        return f"{proxy} (network.proxy_mode custom)"
    text = f"from the environment: {proxy}" if proxy else "none in the environment"
    if network["no_proxy"]:
        text += f"; not for {network['no_proxy']}"
    return text + " (network.proxy_mode system)"


def _tls_line(network: dict[str, object]) -> str:
    if not network["verify_tls"]:
        return "✗ certificates are NOT checked (network.verify_tls false)"
    text = f"certificates checked against {network['system_ca'] or 'no system CAs found'}"
    if network["ca_bundle"]:
        text += f" and {network['ca_bundle']}"
    return text


def _str(value: object) -> str | None:
    return None if value is None else str(value)
