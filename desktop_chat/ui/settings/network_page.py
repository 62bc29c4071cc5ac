"""The Network and Appearance pages of Settings: retries, timeouts, proxy, TLS; theme, language.

Limits come from the option declarations in `storage.settings.OPTIONS`, so the dialog,
`desktop-chat config` and the file's validation can never disagree; the words are the dialog's
own, translated, and set again when the language changes (the language is chosen here).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop_chat.i18n import LANGUAGES, N_, _
from desktop_chat.storage.settings import OPTIONS, Network, Ui
from desktop_chat.storage.validation import SettingsError
from desktop_chat.ui.language import Retranslating

PROXY_MODES = (
    ("system", N_("Use the system proxy (environment, NO_PROXY honoured)")),
    ("none", N_("No proxy")),
    ("custom", N_("Custom proxy")),
)
THEMES = (
    ("system", N_("Follow the system")),
    ("light", N_("Light")),
    ("dark", N_("Dark")),
    ("high-contrast", N_("High contrast")),
)
# Each language is named in its own words (i18n.LANGUAGES), so a reader finds theirs whatever
# the window speaks now; only "follow the system" is translated.
SYSTEM_LANGUAGE = N_("Follow the system")


def _limits(key: str) -> tuple[float, float]:
    option = OPTIONS[key]
    lo = option.lo if option.lo is not None else 0.0
    hi = option.hi if option.hi is not None else 1e9
    return float(lo), float(hi)


def _check_ca_bundle(path: str) -> None:
    from desktop_chat.core.errors import ConfigurationError
    from desktop_chat.core.transport import check_ca_bundle

    try:
        check_ca_bundle(path)
    except ConfigurationError as exc:
        raise SettingsError(str(exc)) from exc


class NetworkPage(Retranslating, QWidget):
    """Edit a `Network`; `network()` returns the values shown (validated by the dialog)."""

    def __init__(self, network: Network, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._labels: dict[QWidget, QLabel] = {}  # control -> its label, to retranslate
        self.max_retries = QSpinBox(self)
        lo, hi = _limits("network.max_retries")
        self.max_retries.setRange(int(lo), int(hi))
        self._add(form, self.max_retries)
        self.backoff_base = self._seconds(form, "network.backoff_base")
        self.backoff_max = self._seconds(form, "network.backoff_max")
        self.connect_timeout = self._seconds(form, "network.connect_timeout")
        self.read_timeout = self._seconds(form, "network.read_timeout")
        self.total_timeout = self._seconds(form, "network.total_timeout")
        self.total_timeout.setMinimum(0.0)

        self.proxy_mode = QComboBox(self)
        for value, _label in PROXY_MODES:
            self.proxy_mode.addItem("", value)
        self.proxy_mode.currentIndexChanged.connect(self._update_enabled)
        self._add(form, self.proxy_mode)
        self.proxy_url = QLineEdit(self)
        self._add(form, self.proxy_url)

        self.verify_tls = QCheckBox(self)
        form.addRow("", self.verify_tls)
        self.verify_tls.toggled.connect(self._update_enabled)
        self.ca_bundle = QLineEdit(self)
        self.ca_browse = QPushButton(self)
        self.ca_browse.clicked.connect(self._browse_ca)
        row = QHBoxLayout()
        row.addWidget(self.ca_bundle, 1)
        row.addWidget(self.ca_browse)
        ca_label = QLabel(self)
        ca_label.setBuddy(self.ca_bundle)
        self._labels[self.ca_bundle] = ca_label
        form.addRow(ca_label, row)
        self._file_dialog: QFileDialog | None = None
        self._retranslate()
        self.set_network(network)

    def _add(self, form: QFormLayout, widget: QWidget) -> None:
        label = QLabel(self)
        label.setBuddy(widget)
        self._labels[widget] = label
        form.addRow(label, widget)

    def _seconds(self, form: QFormLayout, key: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(*_limits(key))
        box.setDecimals(1)
        box.setSingleStep(0.5)
        self._add(form, box)
        return box

    def _retranslate(self) -> None:
        rows: list[tuple[QWidget, str, str, str]] = [  # control, label, name, tooltip
            (self.max_retries, _("&Max retries"), _("Maximum retries"),
             _("How many times a failed request is tried again")),
            (self.backoff_base, _("&First retry delay"), _("First retry delay"),
             _("Seconds before the first retry; each later one waits twice as long")),
            (self.backoff_max, _("Longest retry &delay"), _("Longest retry delay"),
             _("Seconds a retry waits at most")),
            (self.connect_timeout, _("&Connect timeout"), _("Connect timeout"),
             _("Seconds to wait for the connection to the server")),
            (self.read_timeout, _("&Read timeout"), _("Read timeout"),
             _("Seconds to wait for the next piece of an answer")),
            (self.total_timeout, _("&Total time limit"), _("Total time limit"),
             _("Seconds an answer may take in all, retries included")),
            (self.proxy_mode, _("&Proxy"), _("Proxy mode"),
             _("Use the system's proxy (from the environment), none, or one of your own")),
            (self.proxy_url, _("Proxy &URL"), _("Proxy URL"), _("The proxy for “Custom proxy”")),
            (self.ca_bundle, _("Custom CA &bundle"), _("Custom CA bundle"),
             _("A PEM file of extra CA certificates; empty: the system's certificate store")),
        ]  # fmt: skip
        for widget, text, name, tip in rows:
            self._labels[widget].setText(text)
            widget.setAccessibleName(name)
            widget.setToolTip(tip)
        seconds = (self.backoff_base, self.backoff_max, self.connect_timeout, self.read_timeout)
        for box in (*seconds, self.total_timeout):
            box.setSuffix(_(" s"))
        self.total_timeout.setSpecialValueText(_("no limit"))
        for index, (_value, label) in enumerate(PROXY_MODES):
            self.proxy_mode.setItemText(index, _(label))
        self.proxy_url.setPlaceholderText(_("http://host:3128 or socks5://host:1080"))
        self.verify_tls.setText(_("&Verify TLS certificates"))
        self.verify_tls.setAccessibleName(_("Verify TLS certificates"))
        self.verify_tls.setToolTip(_("Check the server's TLS certificate"))
        self.ca_bundle.setPlaceholderText(_("system certificate store"))
        self.ca_browse.setText(_("Bro&wse…"))
        self.ca_browse.setAccessibleName(_("Choose CA bundle file"))

    def set_network(self, network: Network) -> None:
        self.max_retries.setValue(network.max_retries)
        self.backoff_base.setValue(network.backoff_base)
        self.backoff_max.setValue(network.backoff_max)
        self.connect_timeout.setValue(network.connect_timeout)
        self.read_timeout.setValue(network.read_timeout)
        self.total_timeout.setValue(network.total_timeout or 0.0)
        self.proxy_mode.setCurrentIndex(max(0, self.proxy_mode.findData(network.proxy_mode)))
        self.proxy_url.setText(network.proxy_url)
        self.verify_tls.setChecked(network.verify_tls)
        self.ca_bundle.setText(network.ca_bundle)
        self._saved_ca_bundle = network.ca_bundle
        self._update_enabled()

    def values(self) -> dict[str, object]:
        """Return the shown values keyed like `Settings.with_option` expects.

        Raises SettingsError for a newly chosen CA file that holds no certificates, as
        `desktop-chat config set` does; a saved one that broke later is reported when used.
        """
        total = self.total_timeout.value()
        ca_bundle = self.ca_bundle.text().strip()
        if ca_bundle and ca_bundle != self._saved_ca_bundle and self.verify_tls.isChecked():
            _check_ca_bundle(ca_bundle)
        return {
            "network.max_retries": self.max_retries.value(),
            "network.backoff_base": self.backoff_base.value(),
            "network.backoff_max": self.backoff_max.value(),
            "network.connect_timeout": self.connect_timeout.value(),
            "network.read_timeout": self.read_timeout.value(),
            "network.total_timeout": total if total > 0 else None,
            "network.proxy_mode": str(self.proxy_mode.currentData()),
            "network.proxy_url": self.proxy_url.text().strip(),
            "network.verify_tls": self.verify_tls.isChecked(),
            "network.ca_bundle": ca_bundle,
        }

    def _update_enabled(self) -> None:
        self.proxy_url.setEnabled(self.proxy_mode.currentData() == "custom")
        self.ca_bundle.setEnabled(self.verify_tls.isChecked())
        self.ca_browse.setEnabled(self.verify_tls.isChecked())

    def _browse_ca(self) -> None:
        # open() + a signal: a nested exec() would freeze every asyncio task.
        dialog = QFileDialog(self, _("Choose a CA bundle (PEM)"))
        dialog.setNameFilters(
            [_("PEM certificates ({patterns})").format(patterns="*.pem *.crt *.cer"),
             _("All files ({patterns})").format(patterns="*")]
        )  # fmt: skip
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.ca_bundle.setText)
        dialog.finished.connect(dialog.deleteLater)
        self._file_dialog = dialog
        dialog.open()


class AppearancePage(Retranslating, QWidget):
    """Edit the `Ui` options: theme, language and the send chord."""

    def __init__(self, ui: Ui, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.theme = QComboBox(self)
        for value, _label in THEMES:
            self.theme.addItem("", value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(ui.theme)))
        self.theme_label = QLabel(self)
        self.theme_label.setBuddy(self.theme)
        form.addRow(self.theme_label, self.theme)
        self.language = QComboBox(self)
        self.language.addItem("", "system")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(ui.language)))
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        form.addRow(self.language_label, self.language)
        self.ctrl_enter = QCheckBox(self)
        self.ctrl_enter.setChecked(ui.send_with_ctrl_enter)
        form.addRow("", self.ctrl_enter)
        self._retranslate()

    def _retranslate(self) -> None:
        self.theme_label.setText(_("&Theme"))
        self.theme.setAccessibleName(_("Theme"))
        self.theme.setToolTip(_("The window's colours: the system's, light or dark"))
        for index, (_value, label) in enumerate(THEMES):
            self.theme.setItemText(index, _(label))
        self.language_label.setText(_("&Language"))
        self.language.setAccessibleName(_("Language"))
        self.language.setToolTip(
            _("The language of the window; applied as soon as you press OK or Apply")
        )
        self.language.setItemText(0, _(SYSTEM_LANGUAGE))
        self.ctrl_enter.setText(_("&Send with Ctrl+Enter (Enter adds a line)"))
        self.ctrl_enter.setAccessibleName(_("Send with Ctrl+Enter"))

    def values(self) -> dict[str, object]:
        return {
            "ui.theme": str(self.theme.currentData()),
            "ui.language": str(self.language.currentData()),
            "ui.send_with_ctrl_enter": self.ctrl_enter.isChecked(),
        }
