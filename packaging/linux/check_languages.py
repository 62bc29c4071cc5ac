"""Check that the installed app carries its languages and input methods, and that its Qt uses them.

    python packaging/linux/check_languages.py APP BUNDLE_DIR [--wheel FILE.whl]

APP is the frozen app (/usr/bin/desktop-chat), BUNDLE_DIR the folder holding ``_internal``.
Checks, each failing with a line on stderr and exit status 1:

1. every compiled catalogue (``.mo``) under desktop_chat/locale in the source tree is in the
   bundle, and with ``--wheel`` in the wheel too;
2. inside the frozen app (``DESKTOP_CHAT_BUNDLE_PROBE=1``, packaging/bundle_probe.py), Qt's
   translations path lies in the bundle, and for every language the app ships QTranslator
   loads Qt's ``qtbase`` catalogue from there and it translates the Cancel button;
3. the IBus and compose input-method plugins are there, their metadata reads and their
   libraries load in the frozen app;
4. ``QT_IM_MODULE=fcitx`` with no ibus-daemon on PATH reaches the app's Qt as ``fcitx;ibus``
   with ``IBUS_USE_PORTAL=1`` (the runtime hook), so Fcitx 5's IBus front end serves it;
5. on a real X server (Xvfb, xcb) with ``QT_IM_MODULE=ibus`` and ``=fcitx`` the self-test
   passes and the dynamic loader reports the IBus plugin initialised: Qt picked and loaded it.

Needs xvfb-run. Prints one line per language and plugin.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_LOCALE = ROOT / "desktop_chat" / "locale"
REQUIRED_INPUT_METHODS = {
    "libibusplatforminputcontextplugin.so": "ibus",
    "libcomposeplatforminputcontextplugin.so": "compose",
}
# Qt's own Chinese for its standard Cancel button: proof the catalogue is Qt's, not empty.
EXPECTED_CANCEL = {"zh_CN": "取消"}


def source_catalogues(locale: Path = SOURCE_LOCALE) -> set[str]:
    """Return the .mo files under ``locale``, relative to it."""
    return {str(p.relative_to(locale)) for p in locale.rglob("*.mo")} if locale.is_dir() else set()


def wheel_catalogues(wheel: Path) -> set[str]:
    """Return the .mo files under desktop_chat/locale in a wheel, relative to that folder."""
    prefix = "desktop_chat/locale/"
    with zipfile.ZipFile(wheel) as archive:
        return {
            name.removeprefix(prefix)
            for name in archive.namelist()
            if name.startswith(prefix) and name.endswith(".mo")
        }


def missing_catalogues(expected: set[str], found: set[str], where: str) -> list[str]:
    """Name each expected catalogue ``where`` lacks."""
    return [f"{where} lacks desktop_chat/locale/{name}" for name in sorted(expected - found)]


def probe(app: str, **env: str) -> dict[str, object]:
    """Run the frozen app's probe offscreen with ``env`` added; return its report."""
    result = subprocess.run(
        [app],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKTOP_CHAT_BUNDLE_PROBE": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise SystemExit(f"check_languages: the probe failed: {result.stderr.strip()}")
    report: dict[str, object] = json.loads(result.stdout)
    return report


def translation_problems(report: dict[str, object], bundle: Path) -> list[str]:
    """Check Qt's catalogues as the frozen app's QTranslator loaded them."""
    problems = []
    translations = report["translations"]
    assert isinstance(translations, dict)
    folder = Path(translations["path"]).resolve()
    if not folder.is_relative_to(bundle):
        problems.append(f"Qt looks for its translations in {folder}, outside the bundle")
    catalogues: dict[str, dict[str, object]] = translations["catalogues"]
    if not catalogues:
        problems.append("the app ships no language (no folder under desktop_chat/locale)")
    for language, outcome in sorted(catalogues.items()):
        expected = EXPECTED_CANCEL.get(language)
        if not outcome["loaded"]:
            problems.append(
                f"QTranslator cannot load Qt's qtbase catalogue for {language}: Qt's own buttons"
                f" and dialogs would stay English (does Qt have qtbase_{language}.qm?)"
            )
        elif expected is not None and outcome["cancel"] != expected:
            problems.append(f"Qt's {language} catalogue says {outcome['cancel']!r} for Cancel")
        else:
            sys.stdout.write(f"{language}: {outcome['file']} loads ({outcome['cancel']})\n")
    return problems


def input_method_problems(report: dict[str, object]) -> list[str]:
    """Check the input-method plugins as the frozen app's QPluginLoader read them."""
    plugins = report["input_methods"]
    assert isinstance(plugins, dict)
    problems = []
    for name, key in REQUIRED_INPUT_METHODS.items():
        plugin = plugins.get(name)
        if plugin is None:
            problems.append(f"the {key} input-method plugin ({name}) is not in the bundle")
        elif key not in plugin["keys"] or not plugin["loaded"]:
            problems.append(f"the {key} plugin does not load: {plugin['error'] or plugin['keys']}")
        else:
            sys.stdout.write(f"{key}: {name} loads (keys {', '.join(plugin['keys'])})\n")
    return problems


def fcitx_problems(app: str) -> list[str]:
    """Check the runtime hook hands QT_IM_MODULE=fcitx to IBus, through the portal if need be."""
    no_ibus = tempfile.mkdtemp(prefix="no-ibus-")  # PATH without ibus-daemon
    environment = probe(app, QT_IM_MODULE="fcitx", PATH=no_ibus)["environment"]
    os.rmdir(no_ibus)
    assert isinstance(environment, dict)
    if environment["QT_IM_MODULES"] != "fcitx;ibus" or environment["IBUS_USE_PORTAL"] != "1":
        return [f"QT_IM_MODULE=fcitx does not fall back to IBus through its portal: {environment}"]
    sys.stdout.write("fcitx: falls back to ibus through org.freedesktop.portal.IBus\n")
    return []


def xcb_problems(app: str) -> list[str]:
    """Run the self-test on Xvfb per input method; the loader's log must show the IBus plugin."""
    problems = []
    for method in ("ibus", "fcitx"):
        with tempfile.TemporaryDirectory(prefix="im-") as temp:
            log = Path(temp) / "ld"
            result = subprocess.run(
                ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "env",
                 f"QT_IM_MODULE={method}", "QT_QPA_PLATFORM=xcb", "LD_DEBUG=files",
                 f"LD_DEBUG_OUTPUT={log}", app, "--self-test", "--profile-dir", f"{temp}/p"],
                capture_output=True, text=True, timeout=180,
            )  # fmt: skip
            loaded = any(
                "calling init:" in line and "libibusplatforminputcontextplugin.so" in line
                for path in Path(temp).glob("ld.*")
                for line in path.read_text(errors="replace").splitlines()
            )
        if result.returncode != 0:
            problems.append(f"QT_IM_MODULE={method}: the self-test failed: {result.stderr[-500:]}")
        elif not loaded:
            problems.append(f"QT_IM_MODULE={method}: Qt did not load the IBus plugin on xcb")
        else:
            sys.stdout.write(
                f"xcb, QT_IM_MODULE={method}: the IBus plugin loads, self-test passes\n"
            )
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("app")
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--wheel", type=Path)
    args = parser.parse_args(argv)
    bundle: Path = args.bundle.resolve()
    expected = source_catalogues()
    problems = missing_catalogues(
        expected, source_catalogues(bundle / "_internal" / "desktop_chat" / "locale"), "the bundle"
    )
    if args.wheel:
        problems += missing_catalogues(expected, wheel_catalogues(args.wheel), "the wheel")
    sys.stdout.write(f"catalogues: {len(expected)} .mo in desktop_chat/locale, all carried\n")
    report = probe(args.app)
    problems += translation_problems(report, bundle)
    problems += input_method_problems(report)
    problems += fcitx_problems(args.app)
    problems += xcb_problems(args.app)
    for problem in problems:
        sys.stderr.write(f"check_languages: {problem}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
