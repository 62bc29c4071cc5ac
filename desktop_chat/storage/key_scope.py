"""Name the profile whose secrets a key store reads, so that no profile sees another's keys.

Keyring entries are named by service and user name only, and one keyring serves every profile on
the machine. Each secret's service therefore carries a profile id: ``desktop-chat/default`` for
the normal profile, ``desktop-chat/<id>`` for a ``--profile-dir``/``DESKTOP_CHAT_HOME`` profile,
whose id is a random one kept in the profile directory (``keyring-id``). The id, not the path,
names the scope: a profile directory that is moved or renamed keeps its keys, and two directories
never share keys by accident.

The file is created only when a secret is first stored: a profile that has none has no scope yet,
so reading from it finds nothing and leaves the directory as it was.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile

from desktop_chat import paths

DEFAULT_PROFILE = "default"
_ID = re.compile(r"^[0-9a-f]{32}$")


class ProfileIdError(Exception):
    """Raised when the profile's id file exists but cannot be read or holds no valid id."""


def profile_id(*, create: bool) -> str | None:
    """Return the id naming this profile's secrets; None when a portable profile has none yet.

    With ``create`` a portable profile without an id gets a new one, written so that two
    processes starting at once agree on a single id.
    """
    if paths.profile_dir() is None:
        return DEFAULT_PROFILE
    path = paths.keyring_id_path()
    try:
        return _read(path)
    except FileNotFoundError:
        if not create:
            return None
    except OSError as exc:
        raise ProfileIdError(f"cannot read {path}: {exc.strerror or exc}") from exc
    new = secrets.token_hex(16)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".keyring-id-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(new + "\n")
            # A link, unlike a rename, never replaces an id another process wrote meanwhile.
            os.link(temp, path)
        except FileExistsError:
            return _read(path)
        finally:
            os.unlink(temp)
    except OSError as exc:
        raise ProfileIdError(f"cannot create {path}: {exc.strerror or exc}") from exc
    return new


def _read(path: os.PathLike[str]) -> str:
    with open(path, encoding="ascii", errors="replace") as file:
        text = file.read(256).strip()
    if not _ID.match(text):
        raise ProfileIdError(
            f"{os.fspath(path)} does not hold a profile id (32 hex digits); it names this "
            "profile's keys in the keyring, so restore it from a backup, or delete it and set "
            "the keys again"
        )
    return text
