"""Export conversations to files and import them back, from the window.

The same storage code as `desktop-chat history export` and `history import` does the work
(storage/history_export.py, storage/history_chatgpt.py); this module picks the files and says
how it went. Every dialog is opened with `open()`, never `exec()`: a nested event loop would stall
an answer streaming meanwhile. For the same reason the file dialog does not ask before replacing a
file (it would ask with a nested loop): a message box opened the same way asks instead.

The work runs in a thread, on a store of its own over the same file (as `ask` runs beside the
window; WAL lets both write): exporting every conversation of a large history takes seconds
(465 ms for 10,000 messages here, importing them 1.8 s), which would freeze the window and stall an
answer streaming into it. A file is written atomically: a temporary file beside it, then
`os.replace`, so a failed write (permission, a full disk) leaves what was there, and no
half-written export.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, cast

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop_chat.i18n import _, ngettext
from desktop_chat.storage.atomic_file import replace_file
from desktop_chat.storage.history import ConversationInfo, HistoryStore
from desktop_chat.storage.history_schema import HistoryError

Form = Literal["markdown", "details", "json"]  # details: Markdown with reasoning and tool calls
Text = Callable[[HistoryStore], str]  # what to write, read from the thread's store
log = logging.getLogger(__name__)
NAME_LIMIT = 80  # characters of the title kept in a file name
# What Windows refuses in a name (a superset of what macOS and Linux refuse), control characters,
# and runs of white space (a tab or a new line in a title).
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\s]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10))}


def file_name(title: str, suffix: str) -> str:
    """A file name for a conversation titled `title` that every system takes: no path separators
    or other refused characters, no leading dot (a hidden file), no reserved name, never empty."""
    name = _UNSAFE.sub(" ", title)[:NAME_LIMIT].strip(" .-") or _("Untitled")
    if name.upper() in _RESERVED:
        name = "_" + name
    return name + suffix


@dataclass(frozen=True, slots=True)
class _Outcome:
    said: str
    failed: bool = False
    imported: int = 0


class HistoryTransfer(QObject):
    """Export one conversation or all of them, import an export; each step one dialog."""

    succeeded = Signal(str)  # what is being done or was done, to show in the status bar
    failed = Signal(str)  # one sentence a person can act on
    imported = Signal(int)  # how many conversations came in: the list is stale
    _done = Signal(object)  # an _Outcome, emitted in the worker thread, received in this one

    def __init__(self, store: HistoryStore, parent: QWidget) -> None:
        super().__init__(parent)
        self._store = store
        self._directory = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        ) or str(Path.home())
        self.dialog: QFileDialog | None = None  # the open file dialog, for tests
        self.question: QMessageBox | None = None  # "replace it?", for tests
        self.running = 0  # jobs not finished yet
        self._done.connect(self._on_done)

    def _window(self) -> QWidget:
        """Where the dialogs open (read each time: keeping it would keep the widget alive)."""
        return cast(QWidget, self.parent())

    def export_conversation(self, info: ConversationInfo, form: Form) -> None:
        """Ask where, then write `info`'s conversation as Markdown or JSON."""
        from desktop_chat.storage.history_export import dumps, export_json, markdown

        def text(store: HistoryStore) -> str:
            if form == "json":
                return dumps(export_json(store, [info.id]))
            return markdown(store, info.id, details=form == "details")

        suffix = ".json" if form == "json" else ".md"
        self._save(_("Export conversation"), file_name(info.title, suffix), text)

    def export_all(self) -> None:
        """Ask where, then write every conversation as one JSON file."""
        from desktop_chat.storage.history_export import all_ids, dumps, export_json

        def text(store: HistoryStore) -> str:
            return dumps(export_json(store, all_ids(store)))

        name = f"desktop-chat-history-{date.today().isoformat()}.json"
        self._save(_("Export all conversations"), name, text)

    def import_file(self) -> None:
        """Ask for an export (ours, or a ChatGPT conversations.json) and add what it holds."""
        dialog = self._dialog(_("Import conversations"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self._import(Path(path)))
        dialog.open()

    # -- dialogs ------------------------------------------------------------------------------

    def _dialog(self, title: str) -> QFileDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = QFileDialog(self._window(), title, self._directory)
        dialog.setNameFilters([_("JSON files (*.json)"), _("All files (*)")])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        return dialog

    def _closed(self, dialog: QFileDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _save(self, title: str, name: str, text: Text) -> None:
        dialog = self._dialog(title)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)  # asked without exec()
        suffix = Path(name).suffix
        if suffix == ".md":
            dialog.setNameFilters([_("Markdown files (*.md)"), _("All files (*)")])
        dialog.setDefaultSuffix(suffix.lstrip("."))
        dialog.selectFile(name)
        dialog.fileSelected.connect(lambda path: self._confirm(Path(path), text))
        dialog.open()

    def _confirm(self, path: Path, text: Text) -> None:
        """Write at once to a new file; ask first before replacing one."""
        self._directory = str(path.parent)
        if not path.exists():
            self._write(path, text)
            return
        question = QMessageBox(
            QMessageBox.Icon.Question,
            _("Replace the file?"),
            _("{name} already exists. Replace it?").format(name=path.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._window(),
        )
        question.setDefaultButton(QMessageBox.StandardButton.No)
        question.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered() -> None:
            self.question = None
            clicked = question.standardButton(question.clickedButton())
            if clicked == QMessageBox.StandardButton.Yes:
                self._write(path, text)

        question.finished.connect(answered)
        self.question = question
        question.open()

    # -- the work, in a thread -----------------------------------------------------------------

    def _write(self, path: Path, text: Text) -> None:
        def job(store: HistoryStore) -> _Outcome:
            try:
                replace_file(path, text(store).encode("utf-8"))
            except HistoryError as exc:
                return _Outcome(_("Nothing was exported: {error}").format(error=exc), failed=True)
            except OSError as exc:
                said = _("Could not write {path}: {error}")
                return _Outcome(said.format(path=path, error=exc.strerror or exc), failed=True)
            return _Outcome(_("Exported to {path}").format(path=path))

        self._run(job, _("Exporting to {path}…").format(path=path))

    def _import(self, path: Path) -> None:
        self._directory = str(path.parent)
        self._run(lambda store: _import(store, path), _("Importing {name}…").format(name=path.name))

    def _run(self, job: Callable[[HistoryStore], _Outcome], started: str) -> None:
        file = self._store.file
        done = self._done

        def work() -> None:
            try:
                store = HistoryStore.open(file)
            except HistoryError as exc:
                outcome = _Outcome(str(exc), failed=True)
            else:
                try:
                    outcome = job(store)
                except Exception as exc:  # a bug: said and logged, never a silent end
                    log.exception("history export or import failed")
                    outcome = _Outcome(_("That failed: {error}").format(error=exc), failed=True)
                finally:
                    store.close()
            with contextlib.suppress(RuntimeError):  # the sidebar was closed meanwhile
                done.emit(outcome)

        self.running += 1
        self.succeeded.emit(started)
        threading.Thread(target=work, name="history-transfer", daemon=True).start()

    def _on_done(self, outcome: _Outcome) -> None:
        self.running -= 1
        if outcome.failed:
            self.failed.emit(outcome.said)
            return
        if outcome.imported:
            self.imported.emit(outcome.imported)
        self.succeeded.emit(outcome.said)


def _import(store: HistoryStore, path: Path) -> _Outcome:
    """Add the conversations of the export at `path` to `store`; say how it went."""
    from desktop_chat.storage.history_chatgpt import import_chatgpt, is_chatgpt_export
    from desktop_chat.storage.history_export import import_json

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        said = _("Could not read {path}: {error}")
        return _Outcome(said.format(path=path, error=exc.strerror or exc), failed=True)
    except (ValueError, UnicodeDecodeError):
        return _Outcome(_("{name} is not a JSON file.").format(name=path.name), failed=True)
    try:
        if is_chatgpt_export(document):
            added, skipped = import_chatgpt(store, document)
        else:
            added, skipped = import_json(store, document)
    except HistoryError as exc:
        said = _("Nothing was imported from {name}: {error}")
        return _Outcome(said.format(name=path.name, error=exc), failed=True)
    said = ngettext(
        "Imported {count} conversation.", "Imported {count} conversations.", added
    ).format(count=added)
    if skipped:
        said += " " + ngettext(
            "{count} was here already.", "{count} were here already.", skipped
        ).format(count=skipped)
    return _Outcome(said, imported=added)
