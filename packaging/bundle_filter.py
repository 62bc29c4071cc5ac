"""Choose which of PyInstaller's collected files go into the Desktop Chat bundle.

PyInstaller collects every plugin and translation of each Qt module it sees, and on Linux every
shared library those link to. The window needs far less: one platform plugin per OS (plus
offscreen for the self-test), input-method plugins so dead keys and CJK input work, the SVG icon
engine for theme icons, and the native widget style; Qt's own translations only for the
languages the app ships (``desktop_chat/locale/<lang>``). Everything else is left out here.

On Linux the libraries that every X11 desktop already has (libX11, libxcb, fontconfig, freetype,
glib, D-Bus, libstdc++ and what those pull in) are left to the system, as the PySide6 wheels
themselves do: bundled copies are larger, and older than the system's, which breaks the system's
OpenGL drivers (they need the newer libstdc++) and its fonts.conf. The small xcb utility
libraries that minimal desktops lack (libxcb-cursor0 is missing on a stock Ubuntu, which Qt >= 6.5
needs) stay bundled. The .deb depends on the rest; see packaging/linux/build.sh.

Wayland is left out: its client libraries are not on the build machine, so the plugin could not
be tested here; on a Wayland session Qt falls back to xcb through XWayland.

Kept in step with ``tests/e2e/test_packaging.py`` (which checks these rules) and
``packaging/README.md`` (which records the resulting size).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

TocEntry = tuple[str, str, str]  # (destination in the bundle, source path, PyInstaller typecode)

# Python modules nothing in the app imports, which PySide6's __init__ or a hook would drag in.
EXCLUDED_MODULES = (
    "PySide6.QtNetwork",  # ~4 MB with its TLS and network-information plugins; httpx does the HTTP
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtSvgWidgets",
    "PySide6.QtMultimedia",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    # The Python binding only; libQt6DBus itself stays (the IBus plugin and the portal theme
    # link it). The app talks D-Bus through keyring's own stack.
    "PySide6.QtDBus",
    "_pydecimal",  # decimal's pure-Python fallback, used only when the C _decimal is missing
    # Pygments: the app highlights with lexers and one style per theme; it never formats
    # through Pygments (its own HTML spans) nor runs Pygments' command line or Sphinx plugin.
    "pygments.formatters",
    "pygments.cmdline",
    "pygments.sphinxext",
    # httpx's and httpx2's own command lines; they pull in click and rich when those are installed.
    "httpx._main",
    "httpx2._main",
    "uvicorn",  # the MCP SDK imports it only to serve HTTP; the app is an MCP client
    # Development tools a dev venv holds and pydantic's mypy/hypothesis plugins would drag in.
    "mypy",
    "hypothesis",
    "pytest",
    "_pytest",
    "pytestqt",
    "pydantic.mypy",
    "pydantic.v1.mypy",
    "pydantic.v1._hypothesis_plugin",
    "tkinter",
    "_tkinter",
    "unittest",
    "pydoc",
    "doctest",
    "lib2to3",
    "xmlrpc",
)

# The Pygments styles the transcript's themes name (desktop_chat.ui.chat.markdown.Theme:
# "default" and "github-dark"), as module names; the other ~50 styles are never asked for.
KEPT_PYGMENTS_STYLES = frozenset({"pygments.styles.default", "pygments.styles.gh_dark"})
_PYGMENTS_STYLE = re.compile(r"pygments\.styles\.(?!_mapping$)[A-Za-z0-9_]+")

# Qt's translation catalogues a widgets app uses: qtbase holds QtCore's, QtGui's and
# QtWidgets' strings (standard buttons, file and colour dialogs, context menus). qt_LANG.qm is
# only a list of other catalogues (qtbase plus qtmultimedia, which PySide6-Essentials lacks),
# so QTranslator cannot load it here and it is not kept.
QT_CATALOGUES = ("qtbase",)
_QT_TRANSLATION = re.compile(r"(?:^|/)translations/(?P<catalogue>[a-z]+)_(?P<lang>[A-Za-z_]+)\.qm$")

# Qt plugin directory -> plugin names (file name without lib prefix and suffix) to keep.
# A directory that is not listed is left out whole.
KEPT_QT_PLUGINS: dict[str, frozenset[str]] = {
    "platforms": frozenset({"qxcb", "qoffscreen", "qwindows", "qcocoa"}),
    "platforminputcontexts": frozenset(
        {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"}
    ),
    "platformthemes": frozenset({"qxdgdesktopportal"}),  # D-Bus only; gtk3 drags in 20 MB of GTK
    "xcbglintegrations": frozenset({"qxcb-glx-integration", "qxcb-egl-integration"}),
    "iconengines": frozenset({"qsvgicon"}),
    "imageformats": frozenset({"qsvg"}),  # the transcript loads no images; PNG is built into Qt
    "styles": frozenset({"qmodernwindowsstyle", "qwindowsvistastyle", "qmacstyle"}),
}

# Shared libraries (Linux sonames, matched from the start) left to the system.
SYSTEM_LIBRARIES = (
    "libstdc++.so",
    "libgcc_s.so",
    "libX11.so",
    "libX11-xcb.so",
    "libXau.so",
    "libXdmcp.so",
    "libXext.so",
    "libXrender.so",
    "libxcb.so",
    "libxcb-glx.so",
    "libxcb-randr.so",
    "libxcb-render.so",
    "libxcb-shape.so",
    "libxcb-shm.so",
    "libxcb-sync.so",
    "libxcb-xfixes.so",
    "libxcb-xkb.so",
    "libxkbcommon.so",
    "libfontconfig.so",
    "libfreetype.so",
    "libpng16.so",
    "libbrotlicommon.so",
    "libbrotlidec.so",
    "libglib-2.0.so",
    "libgobject-2.0.so",
    "libgio-2.0.so",
    "libgmodule-2.0.so",
    "libgthread-2.0.so",
    "libpcre2-8.so",
    "libdbus-1.so",
    "libsystemd.so",
    "libgcrypt.so",
    "libgpg-error.so",
    "liblz4.so",
    "libzstd.so",
    "libcap.so",
    "libselinux.so",
    "libmount.so",
    "libblkid.so",
    "libbsd.so",
    "libmd.so",
)

# Files no build of this app uses on any OS (matched against the destination path, "/"-separated).
_DROPPED = (
    re.compile(r"(^|/)translations/[^/]+\.qm$"),  # Qt's other catalogues and languages
    re.compile(r"(^|/)jsonschema/benchmarks/"),  # test data jsonschema ships (0.1 MiB)
    re.compile(
        r"(^|/)desktop_chat/locale/.*\.pot?$"
    ),  # catalogue sources; the .mo beside them ship
    re.compile(r"(^|/)opengl32sw\.dll$"),  # 20 MB software OpenGL; widgets draw with the CPU
    re.compile(r"(^|/)d3dcompiler_\d+\.dll$"),  # shader compiler for Qt Quick's Direct3D backend
    re.compile(
        r"(^|/)Qt6?(Pdf|Quick|Qml|QmlModels|QmlMeta|QmlWorkerScript|Network|VirtualKeyboard)"
        r"\.dll$"
    ),
    re.compile(r"(^|/)libQt6(Wayland|Wl|EglFS|Quick|Qml|Pdf|Network|VirtualKeyboard)[A-Za-z]*\.so"),
    re.compile(
        r"(^|/)Qt(Pdf|Quick|Qml|QmlModels|QmlMeta|QmlWorkerScript|Network|VirtualKeyboard)"
        r"\.framework/"
    ),
)
# PySide6 keeps its plugins in PySide6/Qt/plugins (Linux, macOS) or PySide6/plugins (Windows).
_PLUGIN = re.compile(
    r"(?:^|/)PySide6/(?:Qt/)?plugins/(?P<kind>[^/]+)/(?:lib)?(?P<name>[^/]+?)(?:\.so|\.dll|\.dylib)$"
)


def plugin_kept(dest: str) -> bool | None:
    """Say whether a Qt plugin at ``dest`` is kept, or None when ``dest`` is not a Qt plugin."""
    match = _PLUGIN.search(dest.replace("\\", "/"))
    if match is None:
        return None
    names = KEPT_QT_PLUGINS.get(match["kind"])
    return names is not None and match["name"] in names


def is_system_library(dest: str) -> bool:
    """Tell whether ``dest`` is a Linux library every X11 desktop already provides."""
    name = dest.replace("\\", "/").rsplit("/", 1)[-1]
    return any(name.startswith(soname) for soname in SYSTEM_LIBRARIES)


def app_languages(locale_dir: Path) -> frozenset[str]:
    """Name the languages the app ships catalogues for: desktop_chat/locale/<lang>/LC_MESSAGES."""
    return frozenset(path.parent.name for path in locale_dir.glob("*/LC_MESSAGES") if path.is_dir())


def qt_translation_kept(dest: str, languages: Collection[str]) -> bool | None:
    """Say whether Qt's catalogue at ``dest`` is kept, or None when it is no Qt catalogue.

    Kept: the catalogues of ``QT_CATALOGUES`` in each language the app ships, named as Qt
    names them (``zh_CN``), or by the language alone when Qt has no regional one (``de_AT``
    takes ``qtbase_de``).
    """
    match = _QT_TRANSLATION.search(dest.replace("\\", "/"))
    if match is None:
        return None
    wanted = set(languages) | {language.split("_", 1)[0] for language in languages}
    return match["catalogue"] in QT_CATALOGUES and match["lang"] in wanted


def module_kept(name: str) -> bool:
    """Decide whether the Python module ``name`` goes into the bundle's archive."""
    if _PYGMENTS_STYLE.fullmatch(name):
        return name in KEPT_PYGMENTS_STYLES
    return True


def keep(dest: str, *, linux: bool, languages: Collection[str] = ()) -> bool:
    """Decide whether the file that would be installed at ``dest`` goes into the bundle.

    ``languages`` are the app's own (``app_languages``): Qt's catalogues follow them.
    """
    path = dest.replace("\\", "/")
    plugin = plugin_kept(path)
    if plugin is not None:
        return plugin
    translation = qt_translation_kept(path, languages)
    if translation is not None:
        return translation
    if any(pattern.search(path) for pattern in _DROPPED):
        return False
    return not (linux and is_system_library(path))


def filter_toc(
    toc: Iterable[TocEntry], *, linux: bool, languages: Collection[str] = ()
) -> list[TocEntry]:
    """Return the entries of a PyInstaller TOC to keep."""
    return drop_dangling_links(
        entry for entry in toc if keep(entry[0], linux=linux, languages=languages)
    )


def elf_needed(path: str) -> list[str]:
    """Return the sonames an ELF file links against (its DT_NEEDED entries), via objdump."""
    result = subprocess.run(
        ["objdump", "-p", path], capture_output=True, text=True, check=True, timeout=60
    )
    return [
        line.split()[1] for line in result.stdout.splitlines() if line.strip().startswith("NEEDED")
    ]


def _is_root(entry: TocEntry) -> bool:
    """Tell whether something loads ``entry`` by path rather than as another file's dependency."""
    dest, _source, typecode = entry
    if typecode == "SYMLINK":
        return False
    name = dest.replace("\\", "/").rsplit("/", 1)[-1]
    return typecode != "BINARY" or "/plugins/" in f"/{dest}" or name.startswith("libpython")


def _resolve_link(entry: TocEntry) -> str:
    """Return the bundle path a SYMLINK entry points at (its source is relative to its folder)."""
    dest, target, _typecode = entry
    parts = dest.replace("\\", "/").split("/")[:-1]
    for part in target.replace("\\", "/").split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def drop_dangling_links(toc: Iterable[TocEntry]) -> list[TocEntry]:
    """Remove SYMLINK entries whose target is no longer collected."""
    entries = list(toc)
    kept = {entry[0].replace("\\", "/") for entry in entries if entry[2] != "SYMLINK"}
    return [entry for entry in entries if entry[2] != "SYMLINK" or _resolve_link(entry) in kept]


def prune_unreferenced(
    toc: Iterable[TocEntry], needed: Callable[[str], Iterable[str]] = elf_needed
) -> list[TocEntry]:
    """Drop shared libraries that no kept extension module, plugin or library links against.

    PyInstaller collected the dependencies of every plugin before ``filter_toc`` removed some
    plugins; the GTK theme plugin alone brought 20 MB of GTK, cairo and pango. ``needed`` maps
    a source path to the sonames it links against.
    """
    entries = list(toc)
    by_name: dict[str, list[TocEntry]] = {}
    for entry in entries:
        by_name.setdefault(entry[0].replace("\\", "/").rsplit("/", 1)[-1], []).append(entry)
    reached = {entry for entry in entries if _is_root(entry) or entry[2] == "SYMLINK"}
    todo = [entry for entry in reached if entry[2] != "SYMLINK"]
    while todo:
        entry = todo.pop()
        for soname in needed(entry[1]):
            for dependency in by_name.get(soname, ()):
                if dependency not in reached:
                    reached.add(dependency)
                    todo.append(dependency)
    return drop_dangling_links(entry for entry in entries if entry in reached)
