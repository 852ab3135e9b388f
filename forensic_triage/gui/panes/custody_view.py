"""The custody log of the case, with a "Verify case" action that recomputes the chain and every
digest in a worker and shows each check's result."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.gui.dialogs.error import show_error
from forensic_triage.gui.models.row_tables import CUSTODY_COLUMNS, RowTableModel
from forensic_triage.gui.workers import WorkThread, verify_job
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import custody_entries


class CustodyView(QWidget):
    verified = pyqtSignal(object)      # VerifyReport

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("custodyView")
        self.case_dir: Path | None = None
        self.job: WorkThread | None = None
        self.report = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.summary = QLabel("No case open.")
        self.verify_button = QPushButton("Verify case")
        self.verify_button.setToolTip("Recompute the custody chain, every row digest, seal and artifact digest")
        self.verify_button.clicked.connect(self.verify)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.verify_button)
        layout.addLayout(bar)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.model = RowTableModel(CUSTODY_COLUMNS)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        splitter.addWidget(self.table)
        self.checks = QTreeWidget()
        self.checks.setHeaderLabels(["Check", "Result"])
        self.checks.setColumnWidth(0, 200)
        splitter.addWidget(self.checks)
        splitter.setSizes([400, 160])
        layout.addWidget(splitter, 1)

    def load(self, store: CaseStore | None) -> None:
        if store is None:
            self.case_dir = None
            self.model.set_rows([])
            self.summary.setText("No case open.")
            return
        self.case_dir = store.case_dir
        rows = list(custody_entries(store))
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(4, max(260, self.table.columnWidth(4)))
        head = rows[-1]["entry_hash"][:16] if rows else "–"
        self.summary.setText(f"{len(rows)} custody entries · chain head {head}…")

    def verify(self) -> None:
        if self.case_dir is None or (self.job is not None and self.job.running()):
            return
        factory, cleanup = verify_job(self.case_dir)
        self.job = WorkThread(factory, cleanup)
        self.job.runner.finished.connect(self._verified)
        self.job.runner.failed.connect(lambda message, details: show_error(self, "Verification not run",
                                                                           message, details))
        self.job.runner.done.connect(lambda: self.verify_button.setEnabled(True))
        self.verify_button.setEnabled(False)
        self.checks.clear()
        self.checks.addTopLevelItem(QTreeWidgetItem(["verifying…", ""]))
        self.job.start()

    def _verified(self, report) -> None:
        self.report = report
        self.checks.clear()
        for check in report.checks:
            item = QTreeWidgetItem([check.name, ("ok: " if check.ok else "FAILED: ") + check.detail])
            item.setForeground(1, Qt.GlobalColor.darkGreen if check.ok else Qt.GlobalColor.red)
            item.setToolTip(1, check.detail)
            self.checks.addTopLevelItem(item)
        verdict = "Verification passed." if report.ok else f"VERIFICATION FAILED: {report.first_failure.detail}"
        self.summary.setText(verdict)
        self.summary.setStyleSheet("color: #0a6b2a; font-weight: bold;" if report.ok
                                   else "color: #b00020; font-weight: bold;")
        self.verified.emit(report)
