"""The Network and Appearance pages of Settings: retries, timeouts, proxy, TLS; theme and keys.

Limits and descriptions come from the option declarations in `storage.settings.OPTIONS`, so the
dialog, `desktop-chat config` and the file's validation can never disagree.
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

from desktop_chat.storage.settings import OPTIONS, Network, Ui
from desktop_chat.storage.validation import SettingsError

PROXY_MODES = (
    ("system", "Use the system proxy (environment, NO_PROXY honoured)"),
    ("none", "No proxy"),
    ("custom", "Custom proxy"),
)
THEMES = (
    ("system", "Follow the system"),
    ("light", "Light"),
    ("dark", "Dark"),
    ("high-contrast", "High contrast"),
)


def _limits(key: str) -> tuple[float, float, str]:
    option = OPTIONS[key]
    lo = option.lo if option.lo is not None else 0.0
    hi = option.hi if option.hi is not None else 1e9
    return float(lo), float(hi), option.description


def _tip(name: str) -> str:
    return OPTIONS[f"network.{name}"].description


def _check_ca_bundle(path: str) -> None:
    from desktop_chat.core.errors import ConfigurationError
    from desktop_chat.core.transport import check_ca_bundle

    try:
        check_ca_bundle(path)
    except ConfigurationError as exc:
        raise SettingsError(str(exc)) from exc


class NetworkPage(QWidget):
    """Edit a `Network`; `network()` returns the values shown (validated by the dialog)."""

    def __init__(self, network: Network, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.max_retries = QSpinBox(self)
        lo, hi, tip = _limits("network.max_retries")
        self.max_retries.setRange(int(lo), int(hi))
        self._add(form, "Max &retries", self.max_retries, "Maximum retries", tip)
        self.backoff_base = self._seconds(form, "network.backoff_base", "&First retry delay")
        self.backoff_max = self._seconds(form, "network.backoff_max", "Longest retry &delay")
        self.connect_timeout = self._seconds(form, "network.connect_timeout", "&Connect timeout")
        self.read_timeout = self._seconds(form, "network.read_timeout", "Read t&imeout")
        self.total_timeout = self._seconds(form, "network.total_timeout", "&Total time limit")
        self.total_timeout.setMinimum(0.0)
        self.total_timeout.setSpecialValueText("no limit")

        self.proxy_mode = QComboBox(self)
        for value, label in PROXY_MODES:
            self.proxy_mode.addItem(label, value)
        self.proxy_mode.currentIndexChanged.connect(self._update_enabled)
        self._add(form, "&Proxy", self.proxy_mode, "Proxy mode", _tip("proxy_mode"))
        self.proxy_url = QLineEdit(self)
        self.proxy_url.setPlaceholderText("http://host:3128 or socks5://host:1080")
        self._add(
            form,
            "Proxy &URL",
            self.proxy_url,
            "Proxy URL",
            _tip("proxy_url"),
        )

        self.verify_tls = QCheckBox("Verify TLS certificates", self)
        self._add(
            form,
            "",
            self.verify_tls,
            "Verify TLS certificates",
            _tip("verify_tls"),
        )
        self.verify_tls.toggled.connect(self._update_enabled)
        self.ca_bundle = QLineEdit(self)
        self.ca_bundle.setPlaceholderText("system certificate store")
        self.ca_browse = QPushButton("Browse…", self)
        self.ca_browse.setAccessibleName("Choose CA bundle file")
        self.ca_browse.clicked.connect(self._browse_ca)
        row = QHBoxLayout()
        row.addWidget(self.ca_bundle, 1)
        row.addWidget(self.ca_browse)
        self.ca_bundle.setAccessibleName("Custom CA bundle")
        self.ca_bundle.setToolTip(_tip("ca_bundle"))
        ca_label = QLabel("Custom CA &bundle", self)
        ca_label.setBuddy(self.ca_bundle)
        form.addRow(ca_label, row)
        self._file_dialog: QFileDialog | None = None
        self.set_network(network)

    def _add(self, form: QFormLayout, label: str, widget: QWidget, name: str, tip: str) -> None:
        widget.setAccessibleName(name)
        widget.setToolTip(tip)
        form.addRow(label, widget)

    def _seconds(self, form: QFormLayout, key: str, label: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        lo, hi, tip = _limits(key)
        box.setRange(lo, hi)
        box.setDecimals(1)
        box.setSuffix(" s")
        box.setSingleStep(0.5)
        self._add(form, label, box, label.replace("&", ""), tip)
        return box

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
        dialog = QFileDialog(self, "Choose a CA bundle (PEM)")
        dialog.setNameFilters(["PEM certificates (*.pem *.crt *.cer)", "All files (*)"])
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.ca_bundle.setText)
        dialog.finished.connect(dialog.deleteLater)
        self._file_dialog = dialog
        dialog.open()


class AppearancePage(QWidget):
    """Edit the `Ui` options: theme and the send chord."""

    def __init__(self, ui: Ui, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.theme = QComboBox(self)
        for value, label in THEMES:
            self.theme.addItem(label, value)
        self.theme.setAccessibleName("Theme")
        self.theme.setToolTip(OPTIONS["ui.theme"].description)
        self.theme.setCurrentIndex(max(0, self.theme.findData(ui.theme)))
        form.addRow("&Theme", self.theme)
        self.ctrl_enter = QCheckBox("Send with Ctrl+Enter (Enter adds a line)", self)
        self.ctrl_enter.setAccessibleName("Send with Ctrl+Enter")
        self.ctrl_enter.setChecked(ui.send_with_ctrl_enter)
        form.addRow("", self.ctrl_enter)

    def values(self) -> dict[str, object]:
        return {
            "ui.theme": str(self.theme.currentData()),
            "ui.send_with_ctrl_enter": self.ctrl_enter.isChecked(),
        }
