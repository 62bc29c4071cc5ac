"""Load and save the user's settings file (versioned JSON), and migrate older versions.

File format, version 1 (``paths.settings_path()``)::

    {"version": 1,
     "endpoints": [{"name": "OpenAI", "protocol": "openai", "base_url": "https://api.openai.com/v1",
                    "default_model": "", "extra_headers": {}, "output_limit_field": "auto",
                    "key_origin": "https://api.openai.com", "reasoning_effort": "",
                    "thinking_budget": 0, "prompt_caching": false,
                    "prices": {"gpt-4o": {"input": 2.5, "output": 10.0, "cached_input": null}}}],
     "active_endpoint": "OpenAI" | null, "active_model": "gpt-4o" | null,
     "network": {<Network fields>}, "ui": {<Ui fields>},
     "models_cache": {"OpenAI": ["gpt-4o", ...]},
     "tools": {"user_tools": [<UserTool>], "mcp_servers": [<McpServer>],
               "always_allow": ["builtin:calculator", "mcp:time:get_current_time"]},
     "presets": [{"name": "terse", "system": "Answer in one line.", "model": "",
                  "temperature": null, "max_tokens": null}]}

The "tools" and "presets" sections are optional: a file without them loads with no extra tools
and no presets. An endpoint
without "output_limit_field" loads with "auto", one without "key_origin" (the origin its key is
bound to) with its base URL's origin, one without reasoning, caching or price fields with none
of them; an MCP server without "keyring_headers" (the
names of headers whose values are in the keyring) loads with none.

The settings themselves are declared in `settings`, checked in `validation`, and turned into
this document and back in `settings_document`. ``settings.schema.json`` beside this module
describes the same format as a JSON Schema, for people and editors (a test keeps the two in
step). "active_endpoint", "active_model", "models_cache" and an endpoint's "key_origin" are the
profile's state rather than configuration: exports leave them out (`settings_transfer`).

Invariants:

- No API key is ever part of this file. Keys live in the OS keyring; header names, header
  values and URL parts that would carry a secret are refused; key-like fields are dropped on load.
- Writes are atomic: a temp file in the same directory, fsync, ``os.replace``. The window and
  the commands save through ``settings_update.save_merged``, which keeps what another process
  wrote since they read the file.
- A file that cannot be used (unreadable, not a regular file, over :data:`MAX_FILE_BYTES`, not
  JSON, nested over :data:`MAX_DEPTH` levels) is refused with its position and left as it is:
  nothing reads it as empty and nothing saves over it until it is fixed, or until the person
  chooses to keep it aside (:func:`set_aside`) and start afresh. A file from a newer version
  is refused and left untouched too.
- An entry that cannot be used (an invalid endpoint, an unknown field) is left out of the
  settings and reported; the first save that would write the file without it first copies the
  file as it was (``settings.json.kept-YYYYmmdd-HHMMSS``), so nothing is silently lost.
- Loading is linear in the size of the file: names are looked up through an index, never by
  scanning the endpoints once per endpoint.
- Endpoint names are unique, compared case-insensitively (they name keyring entries).

Errors (declared in `validation`)::

    SettingsError (ValueError)   a value or a file the user has to fix; the message is for a person
    ├── SecretValueError         a value would put a secret in the file (.kind, .name)
    ├── SettingsFileError        the file cannot be read as settings at all; it is left as it is
    └── SettingsVersionError     the file was written by a newer version; it is left as it is
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_chat import paths
from desktop_chat.i18n import _
from desktop_chat.storage.aside import aside_name
from desktop_chat.storage.atomic_file import replace_file
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_document import CURRENT_VERSION, JsonObject, decode, encode
from desktop_chat.storage.validation import SettingsError, SettingsFileError, SettingsVersionError

Migration = Callable[[JsonObject], JsonObject]

# A real settings file is a few kilobytes; these bound what a damaged or hostile one can cost.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 100
# MIGRATIONS[n] turns a version-n document into a version-(n + 1) one; add an entry with each bump.
MIGRATIONS: dict[int, Migration] = {}


def migrate(
    data: JsonObject,
    *,
    migrations: Mapping[int, Migration] = MIGRATIONS,
    target: int = CURRENT_VERSION,
) -> JsonObject:
    """Bring a decoded settings document up to version ``target``, one step at a time."""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SettingsError(_("it has no valid 'version' field"))
    if version > target:
        raise SettingsVersionError(
            _(
                "the settings file has format version {version}, but this Desktop Chat reads up "
                "to version {target}; the file was left untouched (update the app, or use "
                "--profile-dir for a separate profile)"
            ).format(version=version, target=target)
        )
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise SettingsError(
                _("format version {version} is not supported").format(version=version)
            )
        data = step(dict(data))
        version += 1
        data["version"] = version
    return data


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Settings as loaded, and what the user should be told about the file (or None).

    A notice means some of the file was left out: the first save copies the file aside first
    (:func:`keep_copy`).
    """

    settings: Settings
    notice: str | None = None


def load_settings(
    path: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES, max_depth: int = MAX_DEPTH
) -> LoadResult:
    """Read the settings file; a missing file means the default settings.

    Raises SettingsFileError for a file that cannot be used and SettingsVersionError for one
    from a newer version; either way the file is left exactly as it is.
    """
    path = path or paths.settings_path()
    raw = _read_bounded(path, max_bytes)
    if raw is None:
        return LoadResult(Settings())
    data = _parse(path, raw, max_depth)
    settings, problems = decode(data)
    if not problems:
        return LoadResult(settings)
    lines = "\n".join(f"- {p}" for p in problems)
    notice = _("Some settings in {path} were ignored or reset:\n{lines}")
    return LoadResult(settings, notice.format(path=path, lines=lines))


def read_document(
    path: Path, *, max_bytes: int = MAX_FILE_BYTES, max_depth: int = MAX_DEPTH
) -> tuple[JsonObject, str] | None:
    """Read a settings document, migrated, with its text (None when there is no file).

    The same checks as `load_settings`, for a file that is not the profile's own (an export to
    import, a file to validate). Raises SettingsFileError and SettingsVersionError.
    """
    raw = _read_bounded(path, max_bytes)
    if raw is None:
        return None
    data = _parse(path, raw, max_depth)
    return data, raw.decode("utf-8")


def _read_bounded(path: Path, max_bytes: int) -> bytes | None:
    """Return the file's bytes (None if there is no file) without ever blocking on it.

    Non-blocking open and fstat first: a FIFO or a device in the file's place would otherwise
    hang or stream for ever.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SettingsFileError(path, "", _unreadable(exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SettingsFileError(path, "", _("is not a regular file"))
        if info.st_size > max_bytes:
            raise SettingsFileError(path, "", _too_big(info.st_size, max_bytes))
        with os.fdopen(os.dup(fd), "rb") as file:
            raw = file.read(max_bytes + 1)
    except OSError as exc:
        raise SettingsFileError(path, "", _unreadable(exc)) from exc
    finally:
        os.close(fd)
    if len(raw) > max_bytes:  # it grew after fstat
        raise SettingsFileError(path, "", _too_big(len(raw), max_bytes))
    return raw


def _unreadable(exc: OSError) -> str:
    return _("cannot be read: {reason}").format(reason=exc.strerror or exc)


def _too_big(size: int, max_bytes: int) -> str:
    mib = 1024 * 1024
    return _("it is {size} MiB, more than the {limit} MiB a settings file may hold").format(
        size=f"{size / mib:.1f}", limit=f"{max_bytes / mib:g}"
    )


def _parse(path: Path, raw: bytes, max_depth: int) -> JsonObject:
    """Decode, check and migrate the document; raise SettingsFileError saying where it fails."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        where = _(" line {line}").format(line=line)
        raise SettingsFileError(path, where, _("it is not UTF-8 text")) from None
    except json.JSONDecodeError as exc:
        where = _(" line {line} column {column}").format(line=exc.lineno, column=exc.colno)
        raise SettingsFileError(path, where, exc.msg) from None
    except RecursionError:  # the decoder's own depth limit, well above ours
        too_deep = True
    else:
        too_deep = _deeper_than(data, max_depth)
    if too_deep:
        deep = _("it is nested more than {count} levels deep").format(count=max_depth)
        raise SettingsFileError(path, "", deep)
    if not isinstance(data, dict):
        raise SettingsFileError(path, "", _("it does not hold a JSON object"))
    try:
        return migrate(data)
    except SettingsVersionError:
        raise
    except SettingsError as exc:
        raise SettingsFileError(path, "", str(exc)) from None
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a migration's surprise
        reason = _("it could not be upgraded: {kind}: {reason}").format(
            kind=type(exc).__name__, reason=exc
        )
        raise SettingsFileError(path, "", reason) from None


def _deeper_than(data: object, limit: int) -> bool:
    """Tell whether `data` nests more than `limit` containers deep (without recursion)."""
    level: list[object] = [data]
    for _depth in range(limit + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def set_aside(path: Path | None = None, *, now: datetime | None = None) -> Path:
    """Rename an unusable settings file to ``settings.json.broken-STAMP``; return the new path.

    Only ever on a person's request: the next start then begins with default settings, and the
    broken file is still there to fix or to copy from. Raises OSError.
    """
    path = path or paths.settings_path()
    aside = aside_name(path, "broken", now)
    os.replace(path, aside)
    return aside


def keep_copy(path: Path, *, now: datetime | None = None) -> Path:
    """Copy the settings file to ``settings.json.kept-STAMP`` before a save leaves parts out."""
    aside = aside_name(path, "kept", now)
    shutil.copy2(path, aside)
    return aside


def save_settings(
    settings: Settings, path: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> Path:
    """Write ``settings`` atomically (temp file + fsync + replace) and return the path written.

    Raises SettingsError rather than write a file too big to be read back.
    """
    path = path or paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(encode(settings), indent=2, ensure_ascii=False) + "\n").encode()
    if len(data) > max_bytes:
        raise SettingsError(
            _("the settings were not saved: {reason}").format(reason=_too_big(len(data), max_bytes))
        )
    replace_file(path, data)
    return path
