"""Tag or note an artifact, file or identity (including "victim", which feeds report redaction).
Each change goes through store.tags.add_tag under the "tag" write lock, with its custody entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.tags import Tag, add_tag, current_tags

COMMON_LABELS = ("relevant", "suspect", "victim", "follow up", "privileged")


@dataclass(frozen=True, kw_only=True)
class TagTarget:
    kind: str            # artifact, file, identity
    id: str
    description: str


def write_tag(case_dir: Path, target: TagTarget, *, label: str, note: str | None, remove: bool = False) -> Tag:
    store = CaseStore.open(case_dir, write="tag")
    try:
        return add_tag(store, target_kind=target.kind, target_id=target.id, label=label,
                       victim=label == "victim", note=note, remove=remove)
    finally:
        store.close()


class TagDialog(QDialog):
    def __init__(self, case_dir: Path, target: TagTarget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_dir = Path(case_dir)
        self.target = target
        self.written: Tag | None = None
        self.setWindowTitle("Tag")
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        about = QLabel(f"{target.kind} {target.id}: {target.description}")
        about.setWordWrap(True)
        form.addRow(about)
        store = CaseStore.open(self.case_dir)
        try:
            present = [tag.label for tag in current_tags(store, target_kind=target.kind)
                       if tag.target_id == str(target.id)]
        finally:
            store.close()
        self.present = QLabel(", ".join(present) or "none")
        form.addRow("Current tags:", self.present)
        self.label = QComboBox()
        self.label.setEditable(True)
        self.label.addItems(COMMON_LABELS)
        form.addRow("Label:", self.label)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("optional note (kept with the tag, not in the custody log)")
        self.note.setFixedHeight(80)
        form.addRow("Note:", self.note)
        self.remove = QCheckBox("Remove this label instead")
        form.addRow(self.remove)
        hint = QLabel("A \"victim\" tag makes reports able to redact this person.")
        hint.setWordWrap(True)
        form.addRow(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        from forensic_triage.errors import TriageError
        from forensic_triage.gui.dialogs.error import show_error

        label = self.label.currentText().strip() or "tagged"
        note = self.note.toPlainText().strip() or None
        try:
            self.written = write_tag(self.case_dir, self.target, label=label, note=note, remove=self.remove.isChecked())
        except TriageError as exc:
            show_error(self, "Tag not written", str(exc))
            return
        super().accept()
