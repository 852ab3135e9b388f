"""Errors as dialogs: one clear sentence, the details (a traceback, a path) only on demand."""

from __future__ import annotations

import traceback

from PyQt6.QtWidgets import QMessageBox, QWidget

from forensic_triage.errors import TriageError


def error_box(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(message)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setObjectName("errorDialog")
    return box


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> None:
    """Modal on a display; tests find the box among the top-level widgets and close it."""
    box = error_box(parent, title, message, details)
    box.open()


def describe_exception(exc: BaseException) -> tuple[str, str]:
    """(message, details): an expected error is its own one line; anything else says it is a
    bug and keeps the traceback for the details."""
    if isinstance(exc, TriageError):
        return str(exc), ""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"Unexpected error ({type(exc).__name__}): {exc}. Please report it with the details.", details
