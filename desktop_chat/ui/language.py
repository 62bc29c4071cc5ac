"""Put the window in the reader's language, and change it while the window is open.

Our own sentences come from gettext (desktop_chat/i18n.py says why); Qt's own (the buttons of
its standard dialogs, a line edit's context menu) from Qt's catalogue for the same language,
loaded here with a QTranslator. A change reaches every widget as `QEvent.LanguageChange`: each
widget that shows our text sets it again in `changeEvent`, the way Qt's own widgets do
(`Retranslating` holds that override once for all of them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from desktop_chat import i18n

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    _Widget = QWidget
else:
    _Widget = object  # a plain mixin at run time: Qt's classes do not mix with each other

_qt_translators: list[QTranslator] = []


def resolve(choice: str) -> str:
    """The language code for the `ui.language` setting: "system" asks the platform's locale."""
    if choice == "system":
        return i18n.match_language(QLocale.system().uiLanguages())
    return choice if choice in i18n.LANGUAGES else i18n.SOURCE_LANGUAGE


def apply_language(choice: str) -> str:
    """Switch the app to `choice` ("system", "en", "zh_CN"); returns the code now in use.

    Safe to call again at any time: widgets that are open retranslate themselves.
    """
    code = resolve(choice)
    i18n.set_language(code)
    QLocale.setDefault(QLocale(code))
    app = QCoreApplication.instance()
    if app is None:
        return code
    announced = bool(_qt_translators)  # removing or installing a translator announces a change
    for translator in _qt_translators:
        app.removeTranslator(translator)
    _qt_translators.clear()
    if code != i18n.SOURCE_LANGUAGE:
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(app)
        if translator.load(f"qtbase_{code}", folder):
            app.installTranslator(translator)
            _qt_translators.append(translator)
            announced = True
    if not announced:  # a switch Qt did not see must still reach every widget
        QCoreApplication.postEvent(app, QEvent(QEvent.Type.LanguageChange))
    return code


def is_language_change(event: QEvent) -> bool:
    return event.type() == QEvent.Type.LanguageChange


class Retranslating(_Widget):
    """Set a widget's texts again when the language changes, by calling its `_retranslate`.

    Put first among the bases (`class Banner(Retranslating, QFrame)`), so its `changeEvent` runs
    before Qt's; the widget still calls `_retranslate` itself once, where its texts are first set.
    A mixin rather than an event filter: a filter's Python call would be paid on every event the
    widget gets (paints, mouse moves), this only on change events.
    """

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        raise NotImplementedError
