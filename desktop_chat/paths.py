"""Decide where Desktop Chat keeps its files.

Two layouts:

- Portable/profile mode: when ``DESKTOP_CHAT_HOME`` is set (by the user, by ``--profile-dir``
  through :func:`set_profile_dir`, or by tests), every file lives under that one directory.
- Normal mode: the platform's per-user directories for the app ``desktop-chat`` (XDG on Linux,
  ``~/Library`` on macOS, ``%APPDATA%``/``%LOCALAPPDATA%`` on Windows) via platformdirs.

The functions only compute paths; they never create directories, so importing or asking is free of
side effects. Writers create the parent directory they need. API keys never live in any of these
files: they are kept in the OS keyring (see :mod:`desktop_chat.storage.secrets`), under a name that
carries the profile's id (:mod:`desktop_chat.storage.key_scope`).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "desktop-chat"
PROFILE_ENV = "DESKTOP_CHAT_HOME"

SETTINGS_FILE = "settings.json"
HISTORY_FILE = "history.sqlite3"
MODELS_CACHE_FILE = "models-cache.json"
WINDOW_STATE_FILE = "window-state.bin"
LOG_DIR = "logs"
KEYRING_ID_FILE = "keyring-id"


def profile_dir() -> Path | None:
    """Return the profile directory from ``DESKTOP_CHAT_HOME``, or None in normal mode.

    An empty value counts as unset, so ``DESKTOP_CHAT_HOME= desktop-chat`` behaves like no override.
    """
    value = os.environ.get(PROFILE_ENV, "")
    if not value:
        return None
    return Path(value).expanduser()


def set_profile_dir(path: str | os.PathLike[str]) -> Path:
    """Use ``path`` as the profile directory for this process and every child process.

    The environment variable, not a module global, carries the choice: the GUI, the CLI and any
    subprocess they start then agree on one profile. The path is made absolute first so a child
    with another working directory still finds the same files.
    """
    resolved = Path(path).expanduser().resolve()
    os.environ[PROFILE_ENV] = str(resolved)
    return resolved


def _config_dir() -> Path:
    profile = profile_dir()
    if profile is not None:
        return profile
    import platformdirs  # lazily: only normal mode pays for it

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def _data_dir() -> Path:
    profile = profile_dir()
    if profile is not None:
        return profile
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _cache_dir() -> Path:
    profile = profile_dir()
    if profile is not None:
        return profile
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def settings_path() -> Path:
    """Return the path of the settings file (``settings.json``)."""
    return _config_dir() / SETTINGS_FILE


def history_path() -> Path:
    """Return the path of the conversation database (``history.sqlite3``)."""
    return _data_dir() / HISTORY_FILE


def models_cache_path() -> Path:
    """Return the path for a cache of model lists fetched from endpoints."""
    return _cache_dir() / MODELS_CACHE_FILE


def log_dir() -> Path:
    """Return the directory for log files."""
    profile = profile_dir()
    if profile is not None:
        return profile / LOG_DIR
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def keyring_id_path() -> Path:
    """Return the file holding a portable profile's keyring id (normal mode has none)."""
    return _config_dir() / KEYRING_ID_FILE


def window_state_path() -> Path:
    """Return where the window keeps its layout (where the inspector was): disposable, a cache."""
    return _cache_dir() / WINDOW_STATE_FILE
