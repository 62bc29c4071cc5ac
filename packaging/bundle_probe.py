"""Report, as JSON, what Qt inside the running app finds: its translations and input methods.

The packaging check (packaging/linux/check_languages.py) must see the frozen app's Qt from
inside: where ``QLibraryInfo`` puts the translations in the bundle, whether QTranslator loads
Qt's catalogue for each language the app ships, and whether each input-method plugin's
metadata reads and its library loads. The launcher runs this instead of the app when
``DESKTOP_CHAT_BUNDLE_PROBE=1``; it reads and loads, and changes nothing. The tests run it in
the source install too, against the PySide6 wheel's Qt.

With ``DESKTOP_CHAT_BUNDLE_PROBE=type`` it starts Qt as the window does (with the app's
input-method fallback) and shows the app's composer alone in a window titled
``desktop-chat input probe`` and reports what a person typed into it once an input method
committed non-ASCII text (or after 30 s): packaging/linux/check_input_methods.sh types pinyin
there through real IBus and Fcitx 5 daemons.

    DESKTOP_CHAT_BUNDLE_PROBE=1 QT_QPA_PLATFORM=offscreen desktop-chat   (frozen)
    python packaging/bundle_probe.py [type]                              (source install)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# The environment the input-method choice depends on, as the app sees it after the runtime hook.
_IM_VARIABLES = ("QT_IM_MODULE", "QT_IM_MODULES", "IBUS_USE_PORTAL", "QT_QPA_PLATFORM")
# A string every catalogue of qtbase translates: the standard Cancel button.
_SAMPLE = ("QPlatformTheme", "Cancel")
# The title check_input_methods.sh finds the composer's window by.
TYPE_WINDOW_TITLE = "desktop-chat input probe"


def _locale_dir() -> Path:
    """Return desktop_chat/locale where the running app's package data lies."""
    import desktop_chat

    return Path(desktop_chat.__file__).resolve().parent / "locale"


def translations(languages: list[str]) -> dict[str, object]:
    """Load Qt's qtbase catalogue for each language the way the app does; say what came of it."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded: dict[str, dict[str, str | bool]] = {}
    for language in languages:
        translator = QTranslator()
        ok = translator.load(QLocale(language), "qtbase", "_", folder)
        loaded[language] = {
            "loaded": ok,
            "file": translator.filePath(),
            "cancel": translator.translate(*_SAMPLE) if ok else "",
        }
    return {"path": folder, "catalogues": loaded}


def input_methods() -> dict[str, dict[str, object]]:
    """Read each input-method plugin's metadata and load its library, as Qt's factory would."""
    from PySide6.QtCore import QLibraryInfo, QPluginLoader

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    found: dict[str, dict[str, object]] = {}
    for path in sorted((plugins / "platforminputcontexts").glob("*")):
        loader = QPluginLoader(str(path))
        metadata = loader.metaData()
        loaded = loader.load()
        found[path.name] = {
            "iid": metadata.get("IID", ""),
            "keys": (metadata.get("MetaData") or {}).get("Keys", []),
            "loaded": loaded,
            "error": "" if loaded else loader.errorString(),
        }
    return found


def report() -> dict[str, object]:
    """Gather the whole report; needs no display (a QCoreApplication is enough)."""
    from PySide6.QtCore import QCoreApplication

    _app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    locale_dir = _locale_dir()
    languages = sorted(p.parent.name for p in locale_dir.glob("*/LC_MESSAGES") if p.is_dir())
    return {
        "frozen": bool(getattr(sys, "frozen", False)),
        "bundle": getattr(sys, "_MEIPASS", ""),
        "locale_dir": str(locale_dir),
        "catalogues": sorted(str(p.relative_to(locale_dir)) for p in locale_dir.rglob("*.mo")),
        "translations": translations(languages),
        "input_methods": input_methods(),
        "environment": {name: os.environ.get(name) for name in _IM_VARIABLES},
    }


def typed(seconds: float = 30.0) -> dict[str, object]:
    """Show the composer, wait for an input method to commit non-ASCII text; return the text."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_chat.ui.app import prepare_qt_environment
    from desktop_chat.ui.chat.composer import Composer

    prepare_qt_environment()  # the input-method fallback, as the app starts Qt
    app = QApplication.instance() or QApplication([sys.argv[0]])
    composer = Composer()
    composer.setWindowTitle(TYPE_WINDOW_TITLE)
    composer.resize(480, 160)
    composer.show()
    composer.activateWindow()
    composer.editor.setFocus()

    def committed() -> None:
        if any(ord(character) > 127 for character in composer.editor.toPlainText()):
            QTimer.singleShot(300, app.quit)  # let a trailing commit land

    composer.editor.textChanged.connect(committed)
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    return {
        "typed": composer.editor.toPlainText(),
        "environment": {name: os.environ.get(name) for name in _IM_VARIABLES},
    }


def main(mode: str = "1") -> int:
    result = typed() if mode == "type" else report()
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "1"))
