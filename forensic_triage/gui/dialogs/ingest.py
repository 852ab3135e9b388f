"""Ingest: pick the plugins (name, version, what each selects), start, watch live progress
(files, bytes, rate, ETA, current plugin, warnings), cancel, and resume later: the core resumes
where the last run stopped, so "Resume" is the same start."""

from __future__ import annotations

import json
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.gui.dialogs.error import show_error
from forensic_triage.gui.dialogs.progress_panel import ProgressPanel
from forensic_triage.gui.workers import ProcessJob, ingest_process
from forensic_triage.store.case_store import CaseStore


def unfinished_ingest(store: CaseStore) -> bool:
    """True when an ingest started on some evidence and never finished (it was cancelled or killed)."""
    open_runs: set[int] = set()
    for action, details in store.conn.execute(
            "SELECT action, details FROM custody WHERE action IN ('ingest.start', 'ingest.finish') ORDER BY seq"):
        evidence_id = json.loads(details).get("evidence_id")
        if action == "ingest.start":
            open_runs.add(evidence_id)
        else:
            open_runs.discard(evidence_id)
    return bool(open_runs)


class IngestDialog(QDialog):
    completed = pyqtSignal(object)

    def __init__(self, case_dir: Path, parent: QWidget | None = None, *, jobs: int | None = None) -> None:
        super().__init__(parent)
        self.case_dir = Path(case_dir)
        self.jobs = jobs
        self.setWindowTitle("Ingest")
        self.resize(760, 620)
        self.job: ProcessJob | None = None
        self.result = None
        self.error: str | None = None
        self.was_cancelled = False
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Plugins to run (uncheck to skip):"))
        self.plugins = QTreeWidget()
        self.plugins.setHeaderLabels(["Plugin", "Version", "Selects"])
        self.plugins.setColumnWidth(0, 240)
        self.plugins.setColumnWidth(1, 70)
        layout.addWidget(self.plugins, 1)
        toggles = QHBoxLayout()
        every = QPushButton("All")
        every.clicked.connect(lambda: self._check_all(True))
        none = QPushButton("None")
        none.clicked.connect(lambda: self._check_all(False))
        self.files_only = QCheckBox("Only list and hash the files (no plugins)")
        self.recover = QCheckBox("Recover deleted records")
        self.recover.setToolTip("Rebuild deleted rows of app databases from free pages and -wal frames; "
                                "they are flagged recovered")
        toggles.addWidget(every)
        toggles.addWidget(none)
        toggles.addWidget(self.files_only)
        toggles.addWidget(self.recover)
        toggles.addStretch(1)
        layout.addLayout(toggles)
        self.state = QLabel()
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        layout.addWidget(self.buttons)
        self._load_plugins()
        self._show_state()

    def _load_plugins(self) -> None:
        from forensic_triage.plugin_host.registry import discover

        registry = discover()
        for info in sorted(registry.plugins.values(), key=lambda item: item.name):
            item = QTreeWidgetItem([info.name, info.version, "; ".join(s.describe() for s in info.selects)])
            item.setCheckState(0, Qt.CheckState.Checked)
            item.setToolTip(2, "\n".join(s.describe() for s in info.selects))
            self.plugins.addTopLevelItem(item)
        for problem in registry.problems:
            item = QTreeWidgetItem([problem.spec, "not loaded", problem.message])
            item.setDisabled(True)
            self.plugins.addTopLevelItem(item)

    def _show_state(self) -> None:
        store = CaseStore.open(self.case_dir)
        try:
            evidence = store.count("evidence")
            resume = unfinished_ingest(store)
        finally:
            store.close()
        if not evidence:
            self.state.setText("The case holds no evidence yet: add some first.")
            self.start_button.setEnabled(False)
        elif resume:
            self.state.setText("The last ingest did not finish: Resume continues where it stopped.")
            self.start_button.setText("Resume")
        else:
            self.state.setText(f"{evidence} evidence item(s). Files already listed and plugins already run are "
                               f"not repeated.")

    def _check_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for index in range(self.plugins.topLevelItemCount()):
            item = self.plugins.topLevelItem(index)
            if not item.isDisabled():
                item.setCheckState(0, state)

    def selected_plugins(self) -> list[str] | None:
        """None means all of them (what the CLI does without --plugins)."""
        names, every = [], True
        for index in range(self.plugins.topLevelItemCount()):
            item = self.plugins.topLevelItem(index)
            if item.isDisabled():
                continue
            if item.checkState(0) == Qt.CheckState.Checked:
                names.append(item.text(0))
            else:
                every = False
        return None if every else names

    def start(self) -> None:
        plugins = self.selected_plugins()
        no_plugins = self.files_only.isChecked() or plugins == []
        # `forensic-triage ingest` in a child process: its heavy Python work holds that process's GIL,
        # not the window's. Cancel = Ctrl+C to it; Resume = the same command again.
        self.job = ingest_process(self.case_dir, plugin_names=plugins, no_plugins=no_plugins, jobs=self.jobs,
                                  recover_deleted=self.recover.isChecked())
        runner = self.job.runner
        runner.progress.connect(self.progress.show_progress)
        runner.notice.connect(lambda message: self.state.setText(message))
        runner.finished.connect(self._finished)
        runner.failed.connect(self._failed)
        runner.cancelled.connect(self._cancelled)
        self.was_cancelled = False
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.state.setText("Ingesting… the window stays usable; Cancel stops safely and Resume continues later.")
        self.job.start()

    def _finished(self, result) -> None:
        self.result = result
        self.progress.finish("finished")
        lines = [f"Exhibit {item['exhibit_id']}: {item['files']:,} files, {item['artifacts']:,} artifacts, "
                 f"{item['warnings']:,} warnings" for item in (result or {}).get("ingest", {}).get("evidence", [])]
        self.state.setText("\n".join(lines) or "finished")
        self.start_button.setText("Start")
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.completed.emit(result)

    def _failed(self, message: str, details: str) -> None:
        self.error = message
        self.progress.finish("stopped by an error")
        self.state.setText(f"Ingest stopped: {message}")
        self.start_button.setText("Resume")
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")
        show_error(self, "Ingest stopped", message, details)

    def _cancelled(self) -> None:
        self.was_cancelled = True
        self.progress.finish("cancelled")
        self.state.setText("Cancelled: nothing half-stored. Resume continues where it stopped.")
        self.start_button.setText("Resume")
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _cancel_or_close(self) -> None:
        if self.job is not None and self.job.running():
            self.cancel_button.setText("Cancelling…")
            self.job.cancel()
        else:
            self.reject()

    def done(self, result: int) -> None:
        if self.job is not None and self.job.running():
            self.job.cancel()
            self.job.wait(120_000)
        super().done(result)
