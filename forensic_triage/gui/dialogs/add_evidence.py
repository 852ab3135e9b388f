"""Add evidence: choose an image or a folder/zip/tar, fill the exhibit fields, hash it with live
progress (cancel at any time: nothing is stored until the end), then see the hashes and the
E01 acquisition-hash comparison stated plainly."""

from __future__ import annotations

import json
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.gui.dialogs.error import show_error
from forensic_triage.gui.dialogs.progress_panel import ProgressPanel
from forensic_triage.gui.workers import ProcessJob, add_evidence_process

IMAGE_FILTER = ("Evidence (*.E01 *.e01 *.Ex01 *.raw *.dd *.img *.bin *.000 *.001 *.aa *.vhd *.vhdx *.vmdk *.qcow2 "
                "*.gz *.zip *.tar *.tgz);;All files (*)")


def acquisition_text(row: dict) -> str:
    """The acquisition-hash verdict in one plain sentence."""
    acquisition = json.loads(row.get("acquisition") or "{}")
    if acquisition.get("comparisons"):
        parts = [f"{name.upper()} {item['verdict']}" for name, item in acquisition["comparisons"].items()]
        verdict = acquisition.get("verdict")
        head = "Acquisition hashes MATCH" if verdict == "match" else "Acquisition hashes DO NOT MATCH"
        return f"{head}: {', '.join(parts)}"
    if acquisition.get("verdict"):
        return f"Acquisition hashes: {acquisition['verdict']}"
    return "No acquisition hashes are stored in this kind of evidence."


class AddEvidenceDialog(QDialog):
    completed = pyqtSignal(dict)

    def __init__(self, case_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_dir = Path(case_dir)
        self.setWindowTitle("Add evidence")
        self.setMinimumWidth(680)
        self.job: ProcessJob | None = None
        self.result_row: dict | None = None
        self.error: str | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.path = QLineEdit()
        pick_file = QPushButton("Image or archive…")
        pick_file.clicked.connect(self._pick_file)
        pick_folder = QPushButton("Folder…")
        pick_folder.clicked.connect(self._pick_folder)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(pick_file)
        row.addWidget(pick_folder)
        form.addRow("Evidence:", row)
        self.exhibit_id = QLineEdit()
        self.exhibit_id.setPlaceholderText("default E001, E002, …")
        self.description = QLineEdit()
        self.received_from = QLineEdit()
        self.received_at = QLineEdit()
        self.received_at.setPlaceholderText("ISO 8601 with zone, e.g. 2026-03-01T14:30+01:00")
        form.addRow("Exhibit id:", self.exhibit_id)
        form.addRow("Description:", self.description)
        form.addRow("Received from:", self.received_from)
        form.addRow("Received at:", self.received_at)
        layout.addLayout(form)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setObjectName("outcome")
        self.outcome.setMinimumHeight(120)
        self.outcome.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.outcome)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Add and hash", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        layout.addWidget(self.buttons)

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Evidence image or archive", "", IMAGE_FILTER)
        if path:
            self.path.setText(path)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Logical acquisition folder")
        if path:
            self.path.setText(path)

    def start(self) -> None:
        if not self.path.text().strip():
            self.outcome.setText("Choose the evidence first.")
            return
        fields = {"exhibit_id": self.exhibit_id.text().strip() or None,
                  "description": self.description.text().strip() or None,
                  "received_from": self.received_from.text().strip() or None,
                  "received_at": self.received_at.text().strip() or None}
        # A child process hashes and stores it: the window's event loop never waits for that work.
        self.job = add_evidence_process(self.case_dir, Path(self.path.text().strip()).expanduser(), **fields)
        runner = self.job.runner
        runner.progress.connect(self.progress.show_progress)
        runner.notice.connect(lambda message: self.outcome.setText(self.outcome.text() + "\n" + message))
        runner.finished.connect(self._finished)
        runner.failed.connect(self._failed)
        runner.cancelled.connect(self._cancelled)
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.job.start()

    def _finished(self, row: dict) -> None:
        self.result_row = row
        self.progress.finish("added")
        hashes = "\n".join(f"{name.upper():7} {row[name]}" for name in ("md5", "sha1", "sha256", "blake3"))
        self.outcome.setText(f"Added exhibit {row['exhibit_id']} ({row['container']}, {row['media_size']:,} bytes)\n"
                             f"{acquisition_text(row)}\n{hashes}")
        self.outcome.setStyleSheet("font-family: monospace;")
        self.cancel_button.setText("Close")
        self.completed.emit(row)

    def _failed(self, message: str, details: str) -> None:
        self.error = message
        self.progress.finish("refused")
        self.outcome.setText(f"Not added: {message}")
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")
        show_error(self, "Evidence not added", message, details)

    def _cancelled(self) -> None:
        self.progress.finish("cancelled: nothing was stored")
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _cancel_or_close(self) -> None:
        if self.job is not None and self.job.running():
            self.job.cancel()
        else:
            self.reject()

    def done(self, result: int) -> None:
        if self.job is not None and self.job.running():
            self.job.cancel()
            self.job.wait()
        super().done(result)
