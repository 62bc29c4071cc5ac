"""Static checks of the installer sources; the real build runs in packaging/linux/ci-check.sh.

Each check reads the files the way their tool would (the spec as Python, the icons as PNG, ICO
and ICNS, the .desktop entry as a Desktop Entry, the workflow as YAML) and cross-checks the
places that must agree: the version wiring from package metadata to the .exe to the Inno Setup
script, the names the app declares and the menu entry uses, the paths the scripts share.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.support.packaging import (
    PACKAGING,
    ROOT,
    YamlSubsetError,
    load_packaging_module,
    parse_block_yaml,
)

ICONS = ROOT / "resources" / "icons"
SPEC = PACKAGING / "desktop_chat.spec"
DESKTOP_FILE = PACKAGING / "linux" / "desktop-chat.desktop"
ISS = PACKAGING / "windows" / "desktop_chat.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


app_info = load_packaging_module("app_info")
bundle_filter = load_packaging_module("bundle_filter")
check_languages = load_packaging_module("linux/check_languages")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _callee(call: ast.Call) -> str:
    return ast.unparse(call.func)


def _keyword(call: ast.Call, name: str) -> str | None:
    return next((ast.unparse(k.value) for k in call.keywords if k.arg == name), None)


# -- the PyInstaller spec ------------------------------------------------------------------------


def test_spec_builds_one_windowed_folder_with_the_icon_and_metadata_version() -> None:
    source = SPEC.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(SPEC))
    compile(tree, str(SPEC), "exec")
    calls = _calls(tree)
    (exe,) = [c for c in calls if _callee(c) == "EXE"]
    assert _keyword(exe, "exclude_binaries") == "True"  # binaries go to COLLECT: one folder
    assert _keyword(exe, "icon") == "[str(ICON)] if ICON else None"
    assert _keyword(exe, "upx") == "False"
    assert [_callee(c) for c in calls].count("COLLECT") == 1
    windowed = [
        c for c in calls if _callee(c) == "executable" and _keyword(c, "console") == "False"
    ]
    assert [ast.unparse(c.args[0]) for c in windowed] == ["app_info.EXE_NAME"]
    # The version comes from package metadata, and the .app's Info.plist is built from it.
    assert "VERSION = app_info.app_version()" in source
    (bundle,) = [c for c in calls if _callee(c) == "BUNDLE"]
    assert _keyword(bundle, "version") == "VERSION"
    assert _keyword(bundle, "info_plist") == "app_info.macos_info_plist(VERSION)"
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert {"desktop-chat.ico", "desktop-chat.icns", "launcher.py"} <= constants
    assert {"rthook_desktop_chat.py", "entitlements.plist"} <= constants
    for name in ("launcher.py", "rthook_desktop_chat.py", "macos/entitlements.plist"):
        assert (PACKAGING / name).is_file(), name


def test_the_version_comes_from_the_installed_metadata_and_matches_pyproject() -> None:
    import desktop_chat

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert app_info.app_version() == declared == desktop_chat.__version__
    script = subprocess.run(
        [sys.executable, str(PACKAGING / "app_info.py"), "version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert script.stdout == f"{declared}\n"


def test_a_stale_install_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "desktop-chat"\nversion = "9.9.9"\n'
    )
    with pytest.raises(app_info.VersionMismatch, match=r"pyproject\.toml says 9\.9\.9"):
        app_info.app_version(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3rc1", (1, 2, 3, 0)),
        ("2", (2, 0, 0, 0)),
        ("1.2.3.4.5", (1, 2, 3, 4)),
        ("10.20.dev3", (10, 20, 0, 0)),
    ],
)
def test_version_tuple(text: str, expected: tuple[int, int, int, int]) -> None:
    assert app_info.version_tuple(text) == expected


def test_version_tuple_rejects_a_non_version() -> None:
    with pytest.raises(ValueError, match="not a version"):
        app_info.version_tuple("latest")


def test_per_os_metadata() -> None:
    strings = app_info.windows_version_strings("1.2.3rc1")
    assert strings["ProductVersion"] == "1.2.3rc1"
    assert strings["FileVersion"] == "1.2.3.0"
    assert strings["OriginalFilename"] == "desktop-chat.exe"
    plist = app_info.macos_info_plist("1.2.3rc1")
    assert plist["NSHighResolutionCapable"] is True
    assert plist["CFBundleShortVersionString"] == "1.2.3rc1"
    assert plist["CFBundleVersion"] == "1.2.3"
    assert plistlib.loads(plistlib.dumps(plist)) == plist


# -- what goes into the bundle --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dest", "linux", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True, True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True, True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True, False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", True, False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True, False),
        (
            "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
            True,
            True,
        ),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True, True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True, False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", True, False),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True, False),
        ("PySide6/Qt/translations/qtbase_de.qm", True, False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True, True),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", True, False),
        ("PySide6/Qt/lib/libicudata.so.73", True, True),
        ("libpython3.11.so.1.0", True, True),
        ("libssl.so.3", True, True),
        ("libxcb-cursor.so.0", True, True),
        ("libxkbcommon-x11.so.0", True, True),
        ("libxcb.so.1", True, False),
        ("libX11.so.6", True, False),
        ("libstdc++.so.6", True, False),
        ("libgtk-3.so.0", True, True),  # not a system library; prune_unreferenced drops it
        ("PySide6\\plugins\\platforms\\qwindows.dll", False, True),
        ("PySide6/plugins/platforms/qdirect2d.dll", False, False),
        ("PySide6/plugins/styles/qmodernwindowsstyle.dll", False, True),
        ("PySide6/translations/qtbase_ja.qm", False, False),
        ("PySide6/opengl32sw.dll", False, False),
        ("PySide6/Qt6Pdf.dll", False, False),
        ("PySide6/Qt6Widgets.dll", False, True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", False, True),
        ("PySide6/Qt/lib/QtNetwork.framework/Versions/A/QtNetwork", False, False),
        ("PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets", False, True),
    ],
)
def test_keep(dest: str, linux: bool, kept: bool) -> None:
    assert bundle_filter.keep(dest, linux=linux) is kept


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
        ("PySide6/translations/qtbase_zh_CN.qm", True),  # Windows
        ("PySide6\\translations\\qtbase_zh_CN.qm", True),
        # A list of qtbase and qtmultimedia, which PySide6-Essentials lacks: it never loads.
        ("PySide6/Qt/translations/qt_zh_CN.qm", False),
        ("PySide6/Qt/translations/qtbase_zh_TW.qm", False),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/translations/qtdeclarative_zh_CN.qm", False),
        ("PySide6/Qt/translations/qt_help_zh_CN.qm", False),
        ("PySide6/Qt/translations/designer_zh_CN.qm", False),
        ("desktop_chat/locale/zh_CN/LC_MESSAGES/window.mo", True),
        ("jsonschema/benchmarks/issue232/issue.json", False),
    ],
)
def test_qt_catalogues_follow_the_apps_languages(dest: str, kept: bool) -> None:
    assert bundle_filter.keep(dest, linux=True, languages={"zh_CN"}) is kept
    assert bundle_filter.keep(dest, linux=False, languages={"zh_CN"}) is kept


def test_a_regional_language_takes_qts_catalogue_of_the_language() -> None:
    assert bundle_filter.keep(
        "PySide6/Qt/translations/qtbase_de.qm", linux=True, languages={"de_AT"}
    )
    assert not bundle_filter.keep("PySide6/Qt/translations/qtbase_de.qm", linux=True)


def test_qt_has_a_catalogue_for_every_language_the_app_ships() -> None:
    from PySide6.QtCore import QLibraryInfo

    languages = bundle_filter.app_languages(ROOT / "desktop_chat" / "locale")
    assert "zh_CN" in languages
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    for language in languages:
        kept = [
            qm.name
            for qm in folder.glob("*.qm")
            if bundle_filter.keep(
                f"PySide6/Qt/translations/{qm.name}", linux=True, languages={language}
            )
        ]
        assert kept == [f"qtbase_{language}.qm"], language


def test_the_spec_collects_every_catalogue_of_any_language_and_the_filter_drops_the_po(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PyInstaller.utils.hooks import collect_data_files

    (call,) = [
        c
        for c in _calls(ast.parse(SPEC.read_text(encoding="utf-8")))
        if _callee(c) == "collect_data_files"
    ]
    assert ast.literal_eval(call.args[0]) == "desktop_chat"
    options = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    package = tmp_path / "chatpkg"
    messages = package / "locale" / "pt_BR" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name in ("window.mo", "window.po", "cli.mo"):
        (messages / name).write_bytes(b"")
    monkeypatch.syspath_prepend(str(tmp_path))
    # What the spec collects from a package laid out as desktop_chat is, as the filter leaves it.
    collected = set()
    for source, dest in collect_data_files("chatpkg", **options):
        path = f"{dest}/{Path(source).name}".replace("chatpkg/", "desktop_chat/", 1)
        if bundle_filter.keep(path, linux=True, languages={"pt_BR"}):
            collected.add(path)
    assert collected == {
        "desktop_chat/locale/pt_BR/LC_MESSAGES/window.mo",
        "desktop_chat/locale/pt_BR/LC_MESSAGES/cli.mo",
    }


def test_only_the_pygments_styles_the_themes_name_are_bundled() -> None:
    from pygments.styles import STYLE_MAP

    from desktop_chat.ui.chat.markdown import Theme

    for dark in (False, True):
        module = STYLE_MAP[Theme(dark=dark).pygments_style].split("::")[0]
        assert bundle_filter.module_kept(f"pygments.styles.{module}"), module
    assert not bundle_filter.module_kept("pygments.styles.monokai")
    for name in ("pygments.styles", "pygments.styles._mapping", "pygments.lexers.python"):
        assert bundle_filter.module_kept(name), name


def test_the_launcher_reports_qts_catalogues_and_input_methods_in_the_source_install() -> None:
    """The probe the packaging check runs in the frozen app, here against the wheel's Qt."""
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "launcher.py")],
        env={
            **os.environ,
            "DESKTOP_CHAT_BUNDLE_PROBE": "1",
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": os.pathsep.join([str(PACKAGING), str(ROOT)]),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    catalogue = report["translations"]["catalogues"]["zh_CN"]
    assert catalogue["loaded"], catalogue
    assert catalogue["cancel"] == "取消"
    assert Path(catalogue["file"]).name == "qtbase_zh_CN.qm"
    if sys.platform.startswith("linux"):
        methods = report["input_methods"]
        for name, key in check_languages.REQUIRED_INPUT_METHODS.items():
            assert key in methods[name]["keys"], name
            assert methods[name]["loaded"], methods[name]["error"]
        assert check_languages.input_method_problems(report) == []


def test_the_language_check_names_a_catalogue_the_wheel_or_bundle_lacks(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    (locale / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (locale / "zh_CN" / "LC_MESSAGES" / "window.mo").write_bytes(b"")
    (locale / "zh_CN" / "LC_MESSAGES" / "window.po").write_bytes(b"")
    expected = check_languages.source_catalogues(locale)
    assert expected == {"zh_CN/LC_MESSAGES/window.mo"}
    wheel = tmp_path / "desktop_chat-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("desktop_chat/locale/zh_CN/LC_MESSAGES/cli.mo", b"")
    found = check_languages.wheel_catalogues(wheel)
    assert found == {"zh_CN/LC_MESSAGES/cli.mo"}
    assert check_languages.missing_catalogues(expected, found, "the wheel") == [
        "the wheel lacks desktop_chat/locale/zh_CN/LC_MESSAGES/window.mo"
    ]


def test_prune_drops_libraries_nothing_links_to_and_links_to_them() -> None:
    graph = {
        "/src/QtGui.abi3.so": ["libQt6Gui.so.6", "libc.so.6"],
        "/src/libQt6Gui.so.6": ["libQt6Core.so.6"],
        "/src/libQt6Core.so.6": ["libicuuc.so.73"],
        "/src/libicuuc.so.73": [],
        "/src/libqxcb.so": ["libxcb-cursor.so.0"],
        "/src/libxcb-cursor.so.0": [],
        "/src/libpython3.11.so.1.0": ["libz.so.1"],
        "/src/libz.so.1": [],
        "/src/libgtk-3.so.0": ["libQt6Core.so.6"],
    }
    toc = [
        ("PySide6/QtGui.abi3.so", "/src/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libicuuc.so.73", "/src/libicuuc.so.73", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("libxcb-cursor.so.0", "/src/libxcb-cursor.so.0", "BINARY"),
        ("libpython3.11.so.1.0", "/src/libpython3.11.so.1.0", "BINARY"),
        ("libz.so.1", "/src/libz.so.1", "BINARY"),
        ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libgtk.so", "libgtk-3.so.0", "SYMLINK"),
    ]
    asked: list[str] = []

    def needed(path: str) -> list[str]:
        asked.append(path)
        return graph[path]  # a KeyError here means a symlink or a foreign path was read

    kept = bundle_filter.prune_unreferenced(toc, needed)
    assert [entry[0] for entry in kept] == [entry[0] for entry in toc[:8]] + ["libQt6Core.so.6"]
    assert "/src/libgtk-3.so.0" not in asked


def test_filter_toc_drops_links_to_files_it_left_out() -> None:
    toc = [
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", "/src/a", "BINARY"),
        ("libQt6WaylandClient.so.6", "PySide6/Qt/lib/libQt6WaylandClient.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/b", "BINARY"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
    ]
    kept = bundle_filter.filter_toc(toc, linux=True)
    assert [entry[0] for entry in kept] == ["PySide6/Qt/lib/libQt6Gui.so.6", "libQt6Gui.so.6"]


def test_no_excluded_module_is_imported_by_the_app() -> None:
    imported: set[str] = set()
    for path in (ROOT / "desktop_chat").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert "PySide6.QtWidgets" in imported  # the walk sees the app
    clashes = {
        name
        for name in imported
        for excluded in bundle_filter.EXCLUDED_MODULES
        if name == excluded or name.startswith(f"{excluded}.")
    }
    assert not clashes, f"the spec leaves out modules the app imports: {sorted(clashes)}"


# -- icons ----------------------------------------------------------------------------------------


def test_svg_icon_is_square_svg() -> None:
    root = ET.parse(ICONS / "desktop-chat.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 512 512"


def test_png_icons_have_their_sizes() -> None:
    sizes = sorted(int(p.parent.parent.name.split("x")[0]) for p in ICONS.glob("hicolor/*/apps/*"))
    assert sizes == [16, 24, 32, 48, 64, 128, 256, 512]
    for size in sizes:
        png = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "desktop-chat.png"
        assert _png_size(png.read_bytes()) == (size, size), png


def test_ico_holds_png_images_16_to_256() -> None:
    data = (ICONS / "desktop-chat.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sides = []
    for index in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        side = width or 256
        assert (width, planes, bits) == (height, 1, 32)
        assert offset + length <= len(data)
        assert _png_size(data[offset : offset + length]) == (side, side)
        sides.append(side)
    assert sides == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_png_images_16_to_1024() -> None:
    data = (ICONS / "desktop-chat.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    found: dict[bytes, int] = {}
    position = 8
    while position < len(data):
        kind, length = (
            data[position : position + 4],
            struct.unpack(">I", data[position + 4 : position + 8])[0],
        )
        assert length > 8
        assert position + length <= len(data)
        found[kind] = _png_size(data[position + 8 : position + length])[0]
        position += length
    assert found[b"icp4"] == 16
    assert found[b"ic07"] == 128
    assert found[b"ic10"] == 1024
    assert len(found) == 11


@pytest.mark.gui
def test_pngs_are_rendered_from_the_current_svg(qapp: object) -> None:
    from PySide6.QtGui import QImage

    make_icons = load_packaging_module("make_icons")
    for size in (16, 256):
        fresh = QImage.fromData(make_icons.render_png(ICONS / "desktop-chat.svg", size))
        committed = QImage(str(ICONS / "hicolor" / f"{size}x{size}" / "apps" / "desktop-chat.png"))
        assert fresh.convertToFormat(QImage.Format.Format_ARGB32) == committed.convertToFormat(
            QImage.Format.Format_ARGB32
        ), f"resources/icons is stale: run packaging/make_icons.py ({size} px)"


# -- Linux menu entry -----------------------------------------------------------------------------


def test_desktop_entry() -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(DESKTOP_FILE.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == app_info.APP_NAME
    assert entry["Exec"] == "desktop-chat"  # /usr/bin/desktop-chat in the .deb
    assert entry["Icon"] == "desktop-chat"  # the hicolor icons' name
    assert entry["Terminal"] == "false"
    categories = entry["Categories"]
    assert categories.endswith(";")
    assert "Network" in categories.split(";")
    # The window manager matches windows to this entry through the name the app declares.
    app_source = (ROOT / "desktop_chat" / "ui" / "app.py").read_text(encoding="utf-8")
    assert f'setDesktopFileName("{DESKTOP_FILE.stem}")' in app_source
    assert entry["StartupWMClass"] == DESKTOP_FILE.stem
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(DESKTOP_FILE)], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stdout
        assert not result.stdout.strip(), result.stdout  # hints count as failures too


# -- Windows installer ----------------------------------------------------------------------------


def _iss_setup() -> dict[str, str]:
    section, setup = "", {}
    for line in ISS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Setup" and "=" in line and not line.startswith((";", "#")):
            key, _, value = line.partition("=")
            setup[key.strip()] = value.strip()
    return setup


def test_inno_setup_script_reads_the_version_the_spec_writes() -> None:
    text = ISS.read_text(encoding="utf-8")
    setup = _iss_setup()
    assert setup["AppVersion"] == "{#AppVersion}"
    assert "{#AppVersion}" in setup["OutputBaseFilename"]
    # The spec writes ProductVersion into the .exe; the script reads it back unless /DAppVersion.
    assert re.search(
        r'#ifndef AppVersion\s+#define AppVersion GetStringFileInfo\(AppExe, "ProductVersion"\)',
        text,
    )
    assert "ProductVersion" in app_info.windows_version_strings("1.0")
    assert f'#define AppExeName "{app_info.EXE_NAME}.exe"' in text
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["UninstallDisplayIcon"] == r"{app}\{#AppExeName}"
    assert "Uninstallable" not in setup
    assert re.search(
        r'^Name: "\{autoprograms\}\\\{#AppName\}"; Filename: "\{app\}\\\{#AppExeName\}"', text, re.M
    )
    # Paths are relative to the script; the bundle path is the one build.ps1 builds into.
    icon = (ISS.parent / setup["SetupIconFile"].replace("\\", "/")).resolve()
    assert icon == (ICONS / "desktop-chat.ico").resolve()
    bundle = re.search(r'#define BundleDir AddBackslash\(SourcePath\) \+ "([^"]+)"', text)
    assert bundle is not None
    assert (
        ISS.parent / bundle[1].replace("\\", "/")
    ).resolve() == ROOT / "build/pyinstaller/dist/desktop-chat"
    assert (
        '"--distpath", "build\\pyinstaller\\dist"'
        in (PACKAGING / "windows" / "build.ps1").read_text()
    )


# -- release workflow -----------------------------------------------------------------------------


def test_release_workflow_builds_on_three_runners_and_publishes_a_tag() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    workflow = parse_block_yaml(text)
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        pass  # the subset parser above is strict on its own
    else:
        loaded = yaml.safe_load(text)
        loaded["on"] = loaded.pop(True)  # YAML 1.1 reads the key `on` as a boolean
        assert loaded == workflow
    assert isinstance(workflow, dict)
    assert workflow["on"]["push"]["tags"] == ["v*"]
    jobs = workflow["jobs"]
    runners = {name: jobs[name]["runs-on"] for name in ("linux", "windows")}
    assert runners["linux"].startswith("ubuntu-")
    assert runners["windows"].startswith("windows-")
    assert jobs["macos"]["runs-on"] == "${{ matrix.runner }}"
    assert all(
        r["runner"].startswith("macos-") for r in jobs["macos"]["strategy"]["matrix"]["include"]
    )
    release = jobs["release"]
    assert release["needs"] == ["version", "linux", "windows", "macos"]
    assert release["if"].startswith("startsWith(github.ref, 'refs/tags/v')")
    assert release["permissions"] == {"contents": "write"}
    scripts = set()
    for name, job in jobs.items():
        steps = job["steps"]
        for step in steps:
            if "uses" in step:  # pinned by commit (tests/e2e/test_release_pipeline.py)
                assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            scripts.update(re.findall(r"(?:bash |\./)(packaging/[\w/.-]+)", step.get("run", "")))
        if name not in ("version", "release"):
            uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
            assert len(uploads) == 1
            assert uploads[0]["with"]["if-no-files-found"] == "error"
    assert scripts == {
        "packaging/linux/ci-check.sh",
        "packaging/windows/build.ps1",
        "packaging/macos/build.sh",
    }
    assert all((ROOT / script).is_file() for script in scripts)


def test_subset_parser_refuses_yaml_it_would_misread() -> None:
    with pytest.raises(YamlSubsetError, match="plain scalar needs quotes"):
        parse_block_yaml("run: echo a: b\n")
    with pytest.raises(YamlSubsetError, match="duplicate key"):
        parse_block_yaml("a: 1\na: 2\n")
    parsed = parse_block_yaml("a:\n  - b: 'x'\n    c: [d, \"e\"]\n  - e: |\n      x\n\n      # y\n")
    assert parsed == {"a": [{"b": "x", "c": ["d", "e"]}, {"e": "x\n\n# y\n"}]}


# -- shell scripts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script", sorted(PACKAGING.rglob("*.sh")), ids=lambda p: str(p.relative_to(PACKAGING))
)
def test_shell_script_syntax(script: Path) -> None:
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert script.read_text(encoding="utf-8").startswith("#!/usr/bin/env ")
