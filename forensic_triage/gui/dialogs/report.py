"""The report dialog: formats, scope (all, tagged, time range, kinds), redaction and signing;
runs `forensic-triage report` in its own process (QProcess: the window stays responsive and a
crash in a renderer cannot take the window down), shows its output, then opens the result folder.

The command is owned by the report package; this dialog asks the command which options it
has (click parameters) and offers only those, so it follows the command as it grows."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from datetime import UTC
from pathlib import Path

from PyQt6.QtCore import QProcess, QUrl, pyqtSignal
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

MODULE = "forensic_triage.commands.report"
KNOWN_FORMATS = ("html", "pdf", "case", "xlsx", "csv", "kml", "graphml")


def report_available() -> bool:
    return importlib.util.find_spec(MODULE) is not None


def command_options() -> dict[str, object]:
    """The report command's options by their long flag (e.g. "--format"), with the click Option."""
    command = importlib.import_module(MODULE).command
    options = {}
    for param in command.params:
        for flag in getattr(param, "opts", []) + getattr(param, "secondary_opts", []):
            if flag.startswith("--"):
                options[flag] = param
    return options


def format_choices(options: dict[str, object]) -> tuple[str, ...]:
    param = options.get("--format")
    choices = getattr(getattr(param, "type", None), "choices", None)
    return tuple(choices) if choices else KNOWN_FORMATS


class ReportDialog(QDialog):
    completed = pyqtSignal(str)

    def __init__(self, case_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_dir = Path(case_dir)
        self.setWindowTitle("Report")
        self.setMinimumWidth(560)
        self.options = command_options()
        self.process: QProcess | None = None
        self.exit_code: int | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        formats = QHBoxLayout()
        self.format_boxes: dict[str, QCheckBox] = {}
        for name in format_choices(self.options):
            box = QCheckBox(name)
            box.setChecked(name in ("html", "pdf"))
            self.format_boxes[name] = box
            formats.addWidget(box)
        form.addRow("Formats:", formats)
        scope = QHBoxLayout()
        self.scope_all = QRadioButton("everything")
        self.scope_all.setChecked(True)
        self.scope_tagged = QRadioButton("tagged items only")
        scope.addWidget(self.scope_all)
        scope.addWidget(self.scope_tagged)
        self.scope_tagged.setEnabled(self._has("--tagged-only", "--tagged"))
        form.addRow("Scope:", scope)
        self.since = QLineEdit()
        self.since.setPlaceholderText("from, UTC (e.g. 2026-03-01)")
        self.until = QLineEdit()
        self.until.setPlaceholderText("to, UTC")
        times = QHBoxLayout()
        times.addWidget(self.since)
        times.addWidget(self.until)
        form.addRow("Time range:", times)
        self.kinds = QLineEdit()
        self.kinds.setPlaceholderText("kinds, comma-separated (empty: all), e.g. message,call")
        form.addRow("Kinds:", self.kinds)
        self.redact = QCheckBox("Redact victims (tagged \"victim\") as V1, V2, …")
        self.redact.setEnabled(self._has("--redact-victims", "--redact"))
        self.redact_text = QCheckBox("Also withhold what victims wrote")
        self.redact_text.setEnabled(self._has("--redact-victim-text"))
        form.addRow(self.redact)
        form.addRow(self.redact_text)
        # Cover-page fields, when the command has them.
        self.text_fields: dict[str, QLineEdit] = {}
        for flag, label in (("--title", "Title:"), ("--requester", "Requester:"), ("--authority", "Legal authority:"),
                            ("--reviewer", "Reviewer:")):
            if flag in self.options:
                self.text_fields[flag] = QLineEdit()
                form.addRow(label, self.text_fields[flag])
        self.sign = QCheckBox("Sign the report with the examiner's key")
        self.sign.setEnabled(self._has("--sign"))
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("key passphrase (only when signing)")
        form.addRow(self.sign)
        form.addRow("Passphrase:", self.passphrase)
        from datetime import datetime

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # The command wants a new folder: one per run, named by its UTC time.
        self.out = QLineEdit(str(self.case_dir / "reports" / f"report-{stamp}"))
        form.addRow("Output folder (new):", self.out)
        layout.addLayout(form)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        layout.addWidget(self.bar)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumHeight(160)
        layout.addWidget(self.log)
        self.result = QLabel()
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton("Write report", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button = QPushButton("Open folder")
        self.open_button.setEnabled(False)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.clicked.connect(self.start)
        self.open_button.clicked.connect(self.open_folder)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def _has(self, *flags: str) -> bool:
        return any(flag in self.options for flag in flags)

    def _flag(self, *flags: str) -> str | None:
        return next((flag for flag in flags if flag in self.options), None)

    def arguments(self) -> list[str]:
        """The command line for the chosen settings (only options the command has)."""
        args = ["-m", "forensic_triage", "-q", "report", str(self.case_dir)]
        chosen = [name for name, box in self.format_boxes.items() if box.isChecked()]
        if chosen and "--format" in self.options:
            if getattr(self.options["--format"], "multiple", False):
                for name in chosen:
                    args += ["--format", name]
            else:
                args += ["--format", ",".join(chosen)]
        if self.scope_tagged.isChecked() and (flag := self._flag("--tagged-only", "--tagged")):
            args.append(flag)
        for box, flags in ((self.since, ("--from", "--since")), (self.until, ("--to", "--until"))):
            if box.text().strip() and (flag := self._flag(*flags)):
                args += [flag, box.text().strip()]
        kinds = [kind.strip() for kind in self.kinds.text().split(",") if kind.strip()]
        if kinds and (flag := self._flag("--kind", "--kinds")):
            if getattr(self.options[flag], "multiple", False):
                for kind in kinds:
                    args += [flag, kind]
            else:
                args += [flag, ",".join(kinds)]
        if self.redact.isChecked() and (flag := self._flag("--redact-victims", "--redact")):
            args.append(flag)
        if self.redact_text.isChecked() and "--redact-victim-text" in self.options:
            args.append("--redact-victim-text")
        for flag, box in self.text_fields.items():
            if box.text().strip():
                args += [flag, box.text().strip()]
        if self.sign.isChecked() and "--sign" in self.options:
            args.append("--sign")
            if self.passphrase.text() and "--passphrase-file" in self.options:
                args += ["--passphrase-file", self._passphrase_file()]
        if (flag := self._flag("--out", "--output")) and self.out.text().strip():
            args += [flag, self.out.text().strip()]
        return args

    def _passphrase_file(self) -> str:
        """The passphrase in a private temporary file (never on the command line, where other
        users could read it), removed when the process ends."""
        import os
        import tempfile

        handle, name = tempfile.mkstemp(prefix="ft-passphrase-")
        with os.fdopen(handle, "w") as stream:
            stream.write(self.passphrase.text() + "\n")
        self._secret = name
        return name

    def _forget_secret(self) -> None:
        import os

        if getattr(self, "_secret", None):
            try:
                os.unlink(self._secret)
            except OSError:
                pass
            self._secret = None

    def start(self) -> None:
        self.log.clear()
        self.result.clear()
        self.exit_code = None
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.process.readyReadStandardOutput.connect(self._output)
        self.process.finished.connect(self._finished)
        self.bar.setRange(0, 0)
        self.start_button.setEnabled(False)
        self.process.start(sys.executable, self.arguments())
        # No prompt can be answered from here: a command that asks gets end-of-file and says so.
        self.process.closeWriteChannel()

    def _output(self) -> None:
        text = bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        self.log.appendPlainText(text.rstrip())

    def _finished(self, code: int, _status) -> None:
        self._forget_secret()
        self._output()
        self.exit_code = code
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.start_button.setEnabled(True)
        if code == 0:
            self.result.setText(f"Report written to {self.out.text()}")
            self.open_button.setEnabled(True)
            self.completed.emit(self.out.text())
        else:
            from forensic_triage.gui.dialogs.error import show_error

            lines = [line for line in self.log.toPlainText().splitlines() if line.strip()]
            message = lines[-1] if lines else f"the report command ended with exit code {code}"
            self.result.setText(f"No report: {message}")
            show_error(self, "Report not written", message, self.log.toPlainText())

    def open_folder(self) -> None:
        # Offscreen (tests, CI) there is no desktop to open a folder on.
        if QApplication.platformName() != "offscreen":
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.out.text()))

    def done(self, result: int) -> None:
        if self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.kill()
            self.process.waitForFinished(5000)
        super().done(result)
