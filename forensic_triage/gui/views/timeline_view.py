"""The timeline: every timed artifact of the case in one lane per kind, on a zoomable UTC axis.

Zoomed out, each lane shows density bars (counts per slice of time, computed from the compact
arrays of :mod:`.timeline_model`); once few enough artifacts are in view, each one is a mark that
can be clicked to select it. Wheel zooms about the cursor, dragging pans, a click on a density bar
zooms into it. ``set_filter`` narrows the timeline to a selection (artifact ids, or an identity
of the contact graph).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QEvent, QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.gui.views.base import CaseView
from forensic_triage.gui.views.timeline_model import (
    KINDS,
    TimelineData,
    load_timeline,
    to_utc,
)
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import get_artifact

EMPTY = "No timed artifacts in this case yet — run ingest with the message, call, location and travel plugins"
EMPTY_FILTERED = "Nothing timed in the current selection and time range"
LANE_LABELS = {"message": "Messages", "call": "Calls", "geo_point": "Locations", "reservation": "Reservations"}
LANE_COLOURS = {"message": "#0072B2", "call": "#D55E00", "geo_point": "#009E73", "reservation": "#CC79A7"}
GUTTER, AXIS, MAX_LANE = 104, 34, 90
MARKS_PER_PIXEL = 0.25        # beyond one mark per 4 pixels a lane shows density bars instead
BAR_PIXELS = 3
MIN_SPAN = 1.0                 # seconds: the deepest zoom
# Tick spacings to choose from (seconds): the first that leaves ~110 px between labels.
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
         604800, 1209600, 2592000, 7776000, 15552000, 31536000, 63072000, 157680000, 315360000)


class TimelineCanvas(QWidget):
    clicked_artifact = pyqtSignal(int)

    def __init__(self, owner: TimelineView) -> None:
        super().__init__()
        self.owner = owner
        self.data: TimelineData | None = None
        self.lanes: tuple[str, ...] = ()
        self.start, self.end = 0.0, 1.0
        self.selected_id: int | None = None
        self._drag: QPointF | None = None
        self._moved = False
        self.setMouseTracking(True)
        self.setMinimumSize(400, 160)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # --- state -----------------------------------------------------------------------------------

    def set_data(self, data: TimelineData, lanes: tuple[str, ...]) -> None:
        self.data, self.lanes = data, lanes
        self.fit()

    def fit(self) -> None:
        span = self.data.span() if self.data is not None else None
        if span is None:
            self.start, self.end = 0.0, 1.0
        else:
            low, high = span
            margin = max((high - low) * 0.03, 30.0)
            self.start, self.end = low - margin, high + margin
        self.update()
        self.owner.range_changed()

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom the time axis by ``factor`` (> 1 zooms in) keeping the time under ``anchor_x`` still."""
        width = self._plot_width()
        anchor_x = GUTTER + width / 2 if anchor_x is None else anchor_x
        anchor = self.time_at(anchor_x)
        span = max((self.end - self.start) / factor, MIN_SPAN)
        fraction = (anchor_x - GUTTER) / width
        self.start = anchor - span * fraction
        self.end = self.start + span
        self.update()
        self.owner.range_changed()

    # --- geometry --------------------------------------------------------------------------------

    def _plot_width(self) -> float:
        return max(1.0, self.width() - GUTTER - 8)

    def x_of(self, seconds: float | np.ndarray):
        return GUTTER + (seconds - self.start) / (self.end - self.start) * self._plot_width()

    def time_at(self, x: float) -> float:
        return self.start + (x - GUTTER) / self._plot_width() * (self.end - self.start)

    def lane_rect(self, index: int) -> QRectF:
        height = min(MAX_LANE, (self.height() - AXIS - 4) / max(1, len(self.lanes)))
        return QRectF(GUTTER, 4 + index * height, self._plot_width(), height)

    def lane_at(self, y: float) -> int | None:
        for index in range(len(self.lanes)):
            rect = self.lane_rect(index)
            if rect.top() <= y < rect.bottom():
                return index
        return None

    def shows_marks(self, lane: int) -> bool:
        """Whether a lane draws its artifacts one by one (else density bars) at this zoom."""
        count = self.data.count_in(KINDS.index(self.lanes[lane]), self.start, self.end)
        return count <= self._plot_width() * MARKS_PER_PIXEL

    def mark_position(self, artifact_id: int) -> QPointF | None:
        """Where an artifact's mark is drawn (for tests and tools), or None if not in view."""
        hits = np.nonzero(self.data.ids == artifact_id)[0]
        if hits.size == 0:
            return None
        index = int(hits[0])
        lane = self.lanes.index(KINDS[int(self.data.lanes[index])])
        rect = self.lane_rect(lane)
        return QPointF(float(self.x_of(float(self.data.seconds[index]))), rect.center().y())

    # --- painting --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self.data is None or not self.lanes:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._paint_grid(painter)
        for index, kind in enumerate(self.lanes):
            self._paint_lane(painter, index, kind)
        self._paint_axis(painter)

    def _step(self) -> float:
        seconds_per_pixel = (self.end - self.start) / self._plot_width()
        for step in STEPS:
            if step / seconds_per_pixel >= 110:
                return step
        return STEPS[-1]

    def _ticks(self) -> list[float]:
        step = self._step()
        first = math.ceil(self.start / step) * step
        return [first + number * step for number in range(int((self.end - first) // step) + 1)]

    def _paint_grid(self, painter: QPainter) -> None:
        painter.setPen(QPen(QColor("#e6e6e6"), 1))
        bottom = self.lane_rect(len(self.lanes) - 1).bottom()
        for tick in self._ticks():
            x = float(self.x_of(tick))
            painter.drawLine(QPointF(x, 4), QPointF(x, bottom))

    def _paint_lane(self, painter: QPainter, index: int, kind: str) -> None:
        rect = self.lane_rect(index)
        colour = QColor(LANE_COLOURS[kind])
        painter.setPen(QPen(QColor("#d0d0d0"), 1))
        painter.drawLine(QPointF(0, rect.bottom()), QPointF(self.width(), rect.bottom()))
        painter.setPen(QColor("#222222"))
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        lane = KINDS.index(kind)
        count = self.data.count_in(lane, self.start, self.end)
        painter.drawText(QRectF(6, rect.top(), GUTTER - 10, rect.height() / 2 + 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, LANE_LABELS[kind])
        painter.setFont(self.font())
        painter.setPen(QColor("#666666"))
        marks = count <= self._plot_width() * MARKS_PER_PIXEL
        bins = max(1, int(self._plot_width() // BAR_PIXELS))
        counts = None if marks else self.data.density(lane, self.start, self.end, bins)
        peak = int(counts.max()) if counts is not None and counts.size else 0
        painter.drawText(QRectF(6, rect.center().y() + 1, GUTTER - 10, rect.height() / 2 - 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         f"{count:,} in view" + ("" if marks else f"\nbars: ≤{peak:,} each"))
        painter.save()
        painter.setClipRect(rect)
        if marks:
            seconds, ids = self.data.in_view(lane, self.start, self.end)
            xs = self.x_of(seconds)
            painter.setPen(QPen(colour, 2))
            top, bottom = rect.top() + rect.height() * 0.2, rect.bottom() - rect.height() * 0.2
            for x, artifact_id in zip(xs.tolist(), ids.tolist(), strict=True):
                if artifact_id == self.selected_id:
                    continue
                painter.drawLine(QPointF(x, top), QPointF(x, bottom))
            if self.selected_id is not None and self.selected_id in ids:
                x = float(xs[np.nonzero(ids == self.selected_id)[0][0]])
                painter.setPen(QPen(QColor("#111111"), 4))
                painter.drawLine(QPointF(x, rect.top() + 2), QPointF(x, rect.bottom() - 2))
        else:
            if peak:
                usable = rect.height() - 6
                # Square root: one busy day must not flatten every other bar to nothing.
                heights = np.sqrt(counts / peak) * usable
                width = self._plot_width() / bins
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                for number in np.nonzero(counts)[0].tolist():
                    height = max(1.5, float(heights[number]))
                    painter.drawRect(QRectF(GUTTER + number * width, rect.bottom() - 2 - height,
                                            max(1.0, width - 0.5), height))
        painter.restore()

    def _paint_axis(self, painter: QPainter) -> None:
        top = self.lane_rect(len(self.lanes) - 1).bottom()
        painter.setPen(QPen(QColor("#444444"), 1))
        painter.drawLine(QPointF(GUTTER, top), QPointF(self.width(), top))
        step = self._step()
        pattern = "%Y-%m-%d" if step >= 86400 else "%m-%d %H:%M" if step >= 60 else "%H:%M:%S"
        if step >= 31536000:
            pattern = "%Y"
        elif step >= 2592000:
            pattern = "%Y-%m"
        for tick in self._ticks():
            x = float(self.x_of(tick))
            painter.drawLine(QPointF(x, top), QPointF(x, top + 4))
            label = datetime.fromtimestamp(tick, UTC).strftime(pattern)
            # Kept whole inside the plot: a label at the edge slides in rather than being cut.
            left = min(max(x - 60, GUTTER), self.width() - 122)
            painter.drawText(QRectF(left, top + 5, 120, 16), Qt.AlignmentFlag.AlignHCenter, label)
        painter.setPen(QColor("#666666"))
        painter.drawText(QRectF(6, top + 5, GUTTER - 10, 16), Qt.AlignmentFlag.AlignLeft, "UTC")

    # --- interaction -----------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.data is None:
            return
        self.zoom(1.25 ** (event.angleDelta().y() / 120), event.position().x())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag, self._moved = event.position(), False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and self.data is not None:
            dx = event.position().x() - self._drag.x()
            if abs(dx) > 2 or self._moved:
                self._moved = True
                shift = dx / self._plot_width() * (self.end - self.start)
                self.start -= shift
                self.end -= shift
                self._drag = event.position()
                self.update()
                self.owner.range_changed()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None and not self._moved:
            self.click(event.position())
        self._drag = None

    def click(self, position: QPointF) -> None:
        if self.data is None or position.x() < GUTTER:
            return
        lane = self.lane_at(position.y())
        if lane is None:
            return
        if not self.shows_marks(lane):
            self.zoom(4.0, position.x())      # a density bar: look closer
            return
        found = self.artifact_at(position)
        if found is not None:
            self.clicked_artifact.emit(found)

    def artifact_at(self, position: QPointF) -> int | None:
        lane = self.lane_at(position.y())
        if lane is None or self.data is None:
            return None
        tolerance = 5 * (self.end - self.start) / self._plot_width()
        return self.data.nearest(KINDS.index(self.lanes[lane]), self.time_at(position.x()), tolerance)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.data is not None:
            position = QPointF(event.pos())
            lane = self.lane_at(position.y())
            text = ""
            if lane is not None and position.x() >= GUTTER:
                if self.shows_marks(lane):
                    found = self.artifact_at(position)
                    text = self.owner.describe(found) if found is not None else ""
                else:
                    width = BAR_PIXELS * (self.end - self.start) / self._plot_width()
                    moment = self.time_at(position.x())
                    count = self.data.count_in(KINDS.index(self.lanes[lane]), moment - width / 2, moment + width / 2)
                    text = (f"{count:,} {LANE_LABELS[self.lanes[lane]].lower()} around {to_utc(moment)} UTC\n"
                            "click to zoom in")
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class TimelineView(CaseView):
    """All timed artifacts of the case on one zoomable axis (see the module docstring)."""

    EMPTY_TEXT = EMPTY

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full: TimelineData | None = None      # the whole case
        self.shown: TimelineData | None = None     # after the selection and time range
        self.filter_ids: frozenset[int] | None = None
        self.filter_label = ""
        self._store: CaseStore | None = None
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        for text, tip, action in (("Fit", "Show the whole timeline", lambda: self.canvas.fit()),
                                  ("Zoom in", "Or turn the wheel over the timeline", lambda: self.canvas.zoom(2.0)),
                                  ("Zoom out", "", lambda: self.canvas.zoom(0.5))):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(action)
            bar.addWidget(button)
        self.clear_button = QPushButton("Clear selection filter")
        self.clear_button.clicked.connect(lambda: self.set_filter(None))
        bar.addWidget(self.clear_button)
        self.status = QLabel()
        bar.addWidget(self.status, 1)
        layout.addLayout(bar)
        self.range_label = QLabel()
        self.range_label.setStyleSheet("color: #444; padding: 0 6px;")
        layout.addWidget(self.range_label)
        self.canvas = TimelineCanvas(self)
        self.canvas.clicked_artifact.connect(self.select)
        layout.addWidget(self.canvas, 1)
        self.set_content(body)

    # --- the interface ---------------------------------------------------------------------------

    def set_case(self, case_dir: Path | None, *, passphrase: str | None = None) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        self.full = None
        self.filter_ids, self.filter_label = None, ""
        super().set_case(case_dir, passphrase=passphrase)

    def set_time_range(self, since: str | None, until: str | None) -> None:
        self.since, self.until = since or None, until or None
        if self.full is not None:
            self._apply()
        else:
            self.reload()

    def set_filter(self, artifact_ids: Iterable[int] | None = None, *, identity: str | None = None) -> None:
        """Show only these artifacts, or those behind an identity's links in the contact graph
        (an identity id or anything :func:`forensic_triage.graph.paths.resolve` accepts);
        ``set_filter(None)`` shows everything again."""
        if identity is not None:
            from forensic_triage.gui.views.graph_model import identity_artifact_ids

            case_dir, passphrase = self.case_dir, self.passphrase
            self._identity_loader().start(lambda: (identity, identity_artifact_ids(case_dir, identity, passphrase)))
            return
        self.filter_ids = frozenset(artifact_ids) if artifact_ids is not None else None
        self.filter_label = f"{len(self.filter_ids):,} selected artifacts" if self.filter_ids is not None else ""
        self._apply()

    def select(self, artifact_id: int, *, emit: bool = True) -> None:
        self.canvas.selected_id = artifact_id
        self.canvas.update()
        if emit:
            self.artifact_selected.emit(artifact_id)

    def describe(self, artifact_id: int) -> str:
        """A tooltip for one artifact: kind, time, app and a line of its content."""
        if self.case_dir is None:
            return ""
        if self._store is None:
            self._store = CaseStore.open(self.case_dir, passphrase=self.passphrase)
        record = get_artifact(self._store, artifact_id)
        if record is None:
            return ""
        from forensic_triage.graph.paths import excerpt

        data = record.data
        lines = [f"{LANE_LABELS.get(record.kind, record.kind)[:-1]} #{record.id} — {record.time} UTC"]
        detail = data.get("app") or data.get("origin") or data.get("provider")
        if detail:
            lines.append(str(detail))
        if record.kind in ("message", "call"):
            lines.append(excerpt(record.kind, data, 70))
        elif record.kind == "geo_point":
            lines.append(str(data.get("place_name") or f"{data.get('latitude')}, {data.get('longitude')}"))
        elif record.kind == "reservation":
            lines.append(" ".join(str(data.get(name)) for name in ("type", "name", "trip_number") if data.get(name)))
        return "\n".join(line for line in lines if line)

    # --- loading and drawing ---------------------------------------------------------------------

    def _identity_loader(self):
        from forensic_triage.gui.views.background import BackgroundLoader

        if not hasattr(self, "_identities"):
            self._identities = BackgroundLoader(self)
            self._identities.finished.connect(self._on_identity)
            self._identities.failed.connect(self._on_failed)
        return self._identities

    def _on_identity(self, result) -> None:
        identity, ids = result
        self.filter_ids = frozenset(ids)
        self.filter_label = f"identity {identity}"
        self._apply()
        self.loaded.emit()

    def _work(self):
        case_dir, passphrase = self.case_dir, self.passphrase
        return lambda: load_timeline(case_dir, passphrase)

    def _show(self, data: TimelineData) -> None:
        self.full = data
        self._apply()

    def _apply(self) -> None:
        if self.full is None:
            return
        if not self.full.count:
            self.show_message(EMPTY)
            return
        shown = self.full.filtered(artifact_ids=self.filter_ids, since=self.since, until=self.until)
        self.shown = shown
        self.clear_button.setVisible(self.filter_ids is not None)
        if not shown.count:
            self.show_message(EMPTY_FILTERED)
            return
        lanes = shown.lane_kinds()
        self.canvas.set_data(shown, lanes)
        parts = [f"{shown.count:,} timed artifact{'s' if shown.count != 1 else ''}"]
        if self.filter_label:
            parts.append(f"filtered to {self.filter_label}")
        if self.since or self.until:
            parts.append(f"from {self.since or 'the start'} to {self.until or 'the end'}")
        if self.full.untimed:
            parts.append(f"{self.full.untimed:,} without a usable time not shown")
        self.status.setText("; ".join(parts))
        self.show_content()

    def range_changed(self) -> None:
        canvas = self.canvas
        self.range_label.setText(f"{to_utc(canvas.start)} — {to_utc(canvas.end)} UTC  (wheel: zoom, drag: pan, "
                                 "click a mark: select, click a bar: zoom in)")
