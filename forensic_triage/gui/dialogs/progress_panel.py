"""The live figures of a long job: stage, bar, files, bytes, rate, ETA, current item, warnings."""

from __future__ import annotations

from PyQt6.QtWidgets import QFormLayout, QLabel, QProgressBar, QWidget

from forensic_triage.gui.workers import RateMeter
from forensic_triage.progress import Progress


def human_bytes(value: float | None) -> str:
    if value is None:
        return "–"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class ProgressPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.stage = QLabel("waiting to start")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.files = QLabel("–")
        self.bytes = QLabel("–")
        self.rate = QLabel("–")
        self.eta = QLabel("–")
        self.current = QLabel("–")
        self.current.setWordWrap(True)
        self.warnings = QLabel("0")
        for label, widget in (("Stage:", self.stage), ("", self.bar), ("Files:", self.files), ("Data:", self.bytes),
                              ("Rate:", self.rate), ("Time left:", self.eta), ("Now:", self.current),
                              ("Warnings:", self.warnings)):
            form.addRow(label, widget)
        self._meter = RateMeter()
        self.last: Progress | None = None

    def show_progress(self, event: Progress) -> None:
        self.last = event
        rate = self._meter.update(event)
        self.stage.setText(event.stage)
        if event.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(1.0, event.done / event.total)))
        else:
            self.bar.setRange(0, 0)
        if not event.unit:
            # A step without counts (e.g. indexing): keep the figures of the stage before.
            self.current.setText(event.detail or event.stage)
            return
        if event.unit == "B":
            self.bytes.setText(f"{human_bytes(event.done)}" + (f" of {human_bytes(event.total)}" if event.total else ""))
            self.rate.setText(f"{human_bytes(rate.per_second)}/s" if rate.per_second else "–")
        else:
            done = f"{event.done:,}" + (f" of {event.total:,}" if event.total else "")
            self.files.setText(f"{done} {event.unit}".strip())
            if event.bytes is not None:
                self.bytes.setText(human_bytes(event.bytes))
            self.rate.setText(f"{rate.per_second:,.0f} {event.unit}/s" if rate.per_second else "–")
        if event.files is not None and event.unit != "files":
            self.files.setText(f"{event.files:,} files")
        self.eta.setText(human_duration(rate.eta_s))
        self.current.setText(event.detail or "–")
        self.warnings.setText(f"{event.warnings:,}")

    def finish(self, text: str) -> None:
        self.stage.setText(text)
        self.bar.setRange(0, 1000)
        self.bar.setValue(1000)
        self.eta.setText("–")
