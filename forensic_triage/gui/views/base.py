"""What the map, contact graph and timeline views share: the interface the main window relies on
(``artifact_selected``, ``set_case``, ``set_time_range``), loading off the GUI thread, and an
honest message in place of the canvas while there is nothing to show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from forensic_triage.gui.views.background import BackgroundLoader

NO_CASE = "No case open — open or create a case to see this view"


class CaseView(QWidget):
    """A view of one case. Subclasses build their content widget and implement ``_load`` (runs in a
    worker thread; reads through the store query API) and ``_show`` (runs on the GUI thread)."""

    artifact_selected = pyqtSignal(int)
    loaded = pyqtSignal()                  # after each load has been drawn (tests and status bars)
    load_failed = pyqtSignal(str, str)     # one-line message, details: the main window shows a dialog

    EMPTY_TEXT = "Nothing to show"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_dir: Path | None = None
        self.passphrase: str | None = None     # for an encrypted case (never shown, never logged)
        self.since: str | None = None
        self.until: str | None = None
        self._loader = BackgroundLoader(self)
        self._loader.finished.connect(self._on_loaded)
        self._loader.failed.connect(self._on_failed)
        self._message = QLabel(NO_CASE)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setObjectName("emptyState")
        self._message.setStyleSheet("QLabel#emptyState { color: #555; font-size: 14px; padding: 24px; }")
        self._stack = QStackedLayout()
        self._stack.addWidget(self._message)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self._stack)

    # --- the interface ---------------------------------------------------------------------------

    def set_case(self, case_dir: Path | None, *, passphrase: str | None = None) -> None:
        """Show a case (None: no case). An encrypted case needs its ``passphrase`` (the views read
        it in worker threads, where no prompt can be asked)."""
        self.case_dir = Path(case_dir) if case_dir is not None else None
        self.passphrase = passphrase
        self.reload()

    def set_time_range(self, since: str | None, until: str | None) -> None:
        """Limit the view to artifacts timed within [since, until] (ISO 8601 UTC; None: open end)."""
        self.since, self.until = since or None, until or None
        self.reload()

    @property
    def busy(self) -> bool:
        return self._loader.busy

    def is_empty(self) -> bool:
        return self._stack.currentWidget() is self._message

    def empty_text(self) -> str:
        return self._message.text() if self.is_empty() else ""

    # --- for subclasses --------------------------------------------------------------------------

    def set_content(self, widget: QWidget) -> None:
        self._content = widget
        self._stack.addWidget(widget)

    def reload(self) -> None:
        if self.case_dir is None:
            self._loader.cancel()
            self.show_message(NO_CASE)
            self.loaded.emit()
            return
        self._loader.start(self._work())

    def show_message(self, text: str) -> None:
        self._message.setText(text)
        self._stack.setCurrentWidget(self._message)

    def show_content(self) -> None:
        self._stack.setCurrentWidget(self._content)

    def _work(self):
        """A function of no arguments, run in a worker thread, returning what ``_show`` draws."""
        raise NotImplementedError

    def _show(self, result: Any) -> None:
        raise NotImplementedError

    def _on_loaded(self, result: Any) -> None:
        self._show(result)
        self.loaded.emit()

    def _on_failed(self, message: str, details: str) -> None:
        self.show_message(f"Could not read this case: {message}")
        self.load_failed.emit(message, details)
        self.loaded.emit()
