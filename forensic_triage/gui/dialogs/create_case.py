"""Create a case: the fields of `case create`, validated before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


@dataclass(frozen=True, kw_only=True)
class NewCase:
    folder: Path
    case_number: str
    examiner: str
    agency: str | None
    title: str | None
    region: str | None
    display_tz: str | None


def validate(folder: str, case_number: str, examiner: str, region: str, display_tz: str) -> str | None:
    """The first problem with the fields, in words, or None."""
    if not folder.strip():
        return "Choose a folder for the case."
    path = Path(folder).expanduser()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        return f"{path} is not an empty folder: choose a new folder for the case."
    if not case_number.strip():
        return "The case number is required."
    if not examiner.strip():
        return "The examiner's name is required (it goes into every custody entry)."
    if region.strip() and (len(region.strip()) != 2 or not region.strip().isalpha()):
        return "The region must be a two-letter ISO 3166 country code, e.g. GB."
    if display_tz.strip():
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(display_tz.strip())
        except (ZoneInfoNotFoundError, ValueError):
            return f"{display_tz.strip()!r} is not a known time zone (e.g. Europe/London)."
    return None


class CreateCaseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, default_examiner: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Create a case")
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.folder = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        form.addRow("Case folder (new, empty):", row)
        self.case_number = QLineEdit()
        self.case_number.setPlaceholderText("e.g. 2026-0412")
        self.examiner = QLineEdit(default_examiner)
        self.agency = QLineEdit()
        self.title = QLineEdit()
        self.region = QLineEdit()
        self.region.setPlaceholderText("phone-number region, e.g. GB")
        self.region.setMaxLength(2)
        self.display_tz = QLineEdit()
        self.display_tz.setPlaceholderText("e.g. Europe/London")
        form.addRow("Case number:", self.case_number)
        form.addRow("Examiner:", self.examiner)
        form.addRow("Agency:", self.agency)
        form.addRow("Title:", self.title)
        form.addRow("Region:", self.region)
        form.addRow("Display time zone:", self.display_tz)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #a00000;")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the new case")
        if folder:
            self.folder.setText(folder)

    def _accept(self) -> None:
        problem = validate(self.folder.text(), self.case_number.text(), self.examiner.text(), self.region.text(),
                           self.display_tz.text())
        self.problem.setText(problem or "")
        if problem is None:
            self.accept()

    def value(self) -> NewCase:
        def optional(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None

        region = optional(self.region)
        return NewCase(folder=Path(self.folder.text()).expanduser(), case_number=self.case_number.text().strip(),
                       examiner=self.examiner.text().strip(), agency=optional(self.agency), title=optional(self.title),
                       region=region.upper() if region else None, display_tz=optional(self.display_tz))
