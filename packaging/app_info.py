"""Name, version and per-OS metadata of the packaged app, shared by the spec and the build scripts.

The version comes from the installed package's metadata (what ``desktop_chat.__version__``
reports at run time) and must agree with pyproject.toml: an editable install made before a
version bump still carries the old number, and shipping installers labelled with it is worse than
stopping the build. Run ``python packaging/app_info.py version`` to print it for shell scripts.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST_NAME = "desktop-chat"
APP_NAME = "Desktop Chat"
EXE_NAME = "desktop-chat"  # the bundle folder, the Linux/macOS binary, the windowed Windows .exe
CLI_EXE_NAME = "desktop-chat-cli"  # Windows only: a console .exe for commands and the self-test
BUNDLE_ID = "local.desktop-chat.DesktopChat"  # reverse of the app's organisation domain
DESCRIPTION = "Desktop client for LLM APIs that streams every token"
ICON_DIR = ROOT / "resources" / "icons"


# The release workflow names the feed the app asks for a newer release (GitHub's releases/latest
# of the repository that built it); the build stamps it into the bundle, where
# desktop_chat/session/release_check.py reads it. Unset: the build knows no feed.
RELEASE_FEED_ENV = "RELEASE_FEED_URL"
RELEASE_FEED_FILE = "release_feed.txt"  # in the bundle's desktop_chat/ folder


class VersionMismatch(Exception):
    """Raised when the installed metadata and pyproject.toml disagree on the version."""


def declared_version(root: Path = ROOT) -> str:
    """Return the version written in pyproject.toml."""
    with (root / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def app_version(root: Path = ROOT) -> str:
    """Return the installed package's version, checked against pyproject.toml."""
    try:
        installed = version(DIST_NAME)
    except PackageNotFoundError as exc:
        raise VersionMismatch(
            f"{DIST_NAME} is not installed in this Python; run: pip install -e '.[packaging]'"
        ) from exc
    declared = declared_version(root)
    if installed != declared:
        raise VersionMismatch(
            f"installed metadata says {installed} but pyproject.toml says {declared}; "
            "reinstall the package (pip install -e '.[packaging]') before building"
        )
    return installed


def version_tuple(text: str) -> tuple[int, int, int, int]:
    """Return the four numbers Windows version resources hold: "1.2.3rc1" -> (1, 2, 3, 0)."""
    match = re.match(r"\d+(?:\.\d+)*", text)
    if match is None:
        raise ValueError(f"not a version: {text!r}")
    numbers = [int(part) for part in match.group(0).split(".")][:4]
    a, b, c, d = numbers + [0] * (4 - len(numbers))
    return a, b, c, d


def windows_version_strings(text: str) -> dict[str, str]:
    """Return the string table of the Windows .exe version resource."""
    dotted = ".".join(str(n) for n in version_tuple(text))
    return {
        "CompanyName": "Desktop Chat maintainers",
        "FileDescription": APP_NAME,
        "FileVersion": dotted,
        "InternalName": EXE_NAME,
        "LegalCopyright": "MIT License",
        "OriginalFilename": f"{EXE_NAME}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": text,  # the Inno Setup script reads the installer's version from here
    }


def macos_info_plist(text: str) -> dict[str, object]:
    """Return the Info.plist entries PyInstaller's BUNDLE does not set by itself."""
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleShortVersionString": text,
        "CFBundleVersion": ".".join(str(n) for n in version_tuple(text)[:3]),
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow the system's dark mode
        "LSApplicationCategoryType": "public.app-category.productivity",
        "NSHumanReadableCopyright": "MIT License",
        # Without it macOS offers the app on systems Qt no longer supports, where it crashes.
        "LSMinimumSystemVersion": macos_minimum_version(),
    }


# Qt 6.8 and later support macOS 13 and later; the installed wheel's own tag says it exactly.
MACOS_MINIMUM_FALLBACK = "13.0"


def macos_minimum_version(wheel: str | None = None) -> str:
    """Return the oldest macOS the bundled Qt runs on, from the PySide6 wheel's platform tag.

    ``wheel`` is the text of a WHEEL metadata file (``Tag: cp39-abi3-macosx_13_0_universal2``);
    by default the installed PySide6-Essentials' own. Other builds (Linux, Windows, a missing
    wheel) give ``MACOS_MINIMUM_FALLBACK``.
    """
    if wheel is None:
        try:
            wheel = distribution("PySide6-Essentials").read_text("WHEEL") or ""
        except PackageNotFoundError:
            wheel = ""
    found = re.findall(r"^Tag: \S+-macosx_(\d+)_(\d+)_\w+$", wheel, re.M)
    if not found:
        return MACOS_MINIMUM_FALLBACK
    major, minor = max((int(a), int(b)) for a, b in found)
    return f"{major}.{minor}"


def release_feed_datas(
    work_dir: Path, environ: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """Stamp the release feed from ``RELEASE_FEED_URL`` into the bundle; return its datas entry.

    Writes ``work_dir/release_feed.txt`` and returns ``[(that file, "desktop_chat")]`` for the
    spec's ``datas``; with the variable unset or empty, nothing (the app then says it knows no
    feed). Raises ValueError for a value that is not an https URL.
    """
    url = (os.environ if environ is None else environ).get(RELEASE_FEED_ENV, "").strip()
    if not url:
        return []
    if not re.fullmatch(r"https://[^\s/?#]+/\S*", url):
        raise ValueError(f"{RELEASE_FEED_ENV} must be an https URL, not {url!r}")
    work_dir.mkdir(parents=True, exist_ok=True)
    stamp = work_dir / RELEASE_FEED_FILE
    stamp.write_text(url + "\n", encoding="utf-8")
    return [(str(stamp), "desktop_chat")]


if __name__ == "__main__":
    if sys.argv[1:] != ["version"]:
        sys.exit("usage: python packaging/app_info.py version")
    try:
        sys.stdout.write(app_version() + "\n")
    except VersionMismatch as exc:
        sys.exit(f"app_info: {exc}")
