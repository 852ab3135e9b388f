"""The contact graph: who communicated with whom, drawn interactively.

The graph is built and laid out in a worker thread (networkx spring layout, fixed seed). Only the
most central identities are drawn at first (a phone may hold thousands); "Show more" adds more.
Node size follows degree centrality, the device owner stands out, nodes can be dragged, the wheel
zooms and dragging the background pans. Selecting a node lists its messages and calls (picking
one selects that artifact); "Path from"/"Path to" highlight the shortest path between two nodes.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QWheelEvent
from PyQt6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.graph.build import ContactGraph, Identity
from forensic_triage.gui.views.background import BackgroundLoader
from forensic_triage.gui.views.base import CaseView
from forensic_triage.gui.views.graph_model import (
    DEFAULT_NODES,
    GraphLayout,
    load_layout,
    node_items,
    path_between,
)

EMPTY = "No contacts in this case yet — run ingest with the messaging, call and contact plugins"
COMMUNITY_COLOURS = ("#9ecae1", "#a1d99b", "#fdd0a2", "#dadaeb", "#fcbba1", "#c7e9c0", "#d9d9d9", "#fde0ef")
OWNER_COLOUR, PATH_COLOUR, SELECTED_COLOUR = QColor("#D55E00"), QColor("#7b2cbf"), QColor("#111111")
LABELLED = 15                  # the most central identities carry a name; the others show it on hover


class _Label(QGraphicsSimpleTextItem):
    """A name on a light backing, so it stays readable over the links it crosses."""

    def paint(self, painter, option, widget=None) -> None:
        painter.fillRect(self.boundingRect().adjusted(-2, 0, 2, 0), QColor(255, 255, 255, 210))
        super().paint(painter, option, widget)


class _Node(QGraphicsEllipseItem):
    def __init__(self, view: GraphView, identity: Identity, radius: float, labelled: bool) -> None:
        super().__init__(-radius, -radius, 2 * radius, 2 * radius)
        self.view, self.identity, self.radius = view, identity, radius
        self.edges: list[_Edge] = []
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsScenePositionChanges)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(10)
        self.setToolTip(_tooltip(identity))
        self.label = _Label(_short(identity.label), self)
        font = QFont()
        font.setPointSizeF(9)
        font.setBold(identity.owner)
        self.label.setFont(font)
        # Names stay readable at every zoom: the label keeps its size while the node scales.
        self.label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.label.setPos(radius + 2, -radius / 2)
        self.label.setVisible(labelled or identity.owner)
        self.style()

    def style(self, *, selected: bool = False, on_path: bool = False) -> None:
        colour = OWNER_COLOUR if self.identity.owner else QColor(
            COMMUNITY_COLOURS[self.identity.community % len(COMMUNITY_COLOURS)])
        self.setBrush(QBrush(colour))
        if selected:
            pen = QPen(SELECTED_COLOUR, 3)
        elif on_path:
            pen = QPen(PATH_COLOUR, 3)
        else:
            pen = QPen(QColor("#7a4100") if self.identity.owner else QColor("#5a6b7b"), 2 if self.identity.owner else 1)
        self.setPen(pen)
        if selected or on_path:
            self.label.setVisible(True)
        self.setZValue(20 if selected or on_path else 10)

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemScenePositionHasChanged:
            for edge in self.edges:
                edge.follow()
        return super().itemChange(change, value)

    def mousePressEvent(self, event) -> None:
        self.view.select_node(self.identity.id)
        super().mousePressEvent(event)


class _Edge(QGraphicsLineItem):
    def __init__(self, a: _Node, b: _Node, weight: int) -> None:
        super().__init__()
        self.a, self.b, self.weight = a, b, weight
        a.edges.append(self)
        b.edges.append(self)
        self.setZValue(1)
        self.style(False)
        self.follow()

    def style(self, on_path: bool) -> None:
        width = 1.0 + min(4.0, math.log10(max(1, self.weight)))
        pen = QPen(PATH_COLOUR if on_path else QColor(120, 120, 120, 120), width + (2 if on_path else 0))
        pen.setCosmetic(True)
        self.setPen(pen)
        self.setZValue(5 if on_path else 1)

    def follow(self) -> None:
        self.setLine(self.a.pos().x(), self.a.pos().y(), self.b.pos().x(), self.b.pos().y())


class GraphCanvas(QGraphicsView):
    def __init__(self) -> None:
        super().__init__()
        scene = QGraphicsScene(self)
        # Nodes move (dragging) and links follow them: keeping a spatial index up to date would
        # cost more than it saves for a few hundred items.
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(QColor("#fbfbfb")))
        self.setMinimumSize(300, 200)
        # Panning is by dragging the background; scroll bars would only take room.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.auto_fit = True

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.auto_fit = False
        self.zoom(1.25 ** (event.angleDelta().y() / 120))

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(0.05 / current, min(factor, 20 / current))
        self.scale(factor, factor)

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect()
        if not rect.isEmpty():
            self.fitInView(rect.adjusted(-30, -30, 30, 30), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit()


class GraphView(CaseView):
    """The case's contact graph (see the module docstring)."""

    EMPTY_TEXT = EMPTY
    node_selected = pyqtSignal(str)
    items_loaded = pyqtSignal()            # the selected person's list is filled

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_result: GraphLayout | None = None
        self.count = DEFAULT_NODES
        self.pinned: tuple[str, ...] = ()
        self.selected: str | None = None
        self.path_start: str | None = None
        self.path: list[str] = []
        self.nodes: dict[str, _Node] = {}
        self.edges: dict[tuple[str, str], _Edge] = {}
        self._pending_path: tuple[str, str] | None = None
        self._items_loader = BackgroundLoader(self)
        self._items_loader.finished.connect(self._show_items)
        self._items_loader.failed.connect(self._on_failed)

        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        self.more_button = QPushButton("Show more")
        self.more_button.setToolTip(f"Draw {DEFAULT_NODES} more identities, next most central first")
        self.more_button.clicked.connect(self.show_more)
        fit = QPushButton("Fit")
        fit.clicked.connect(lambda: self.canvas.fit())
        self.from_button = QPushButton("Path from selected")
        self.from_button.clicked.connect(self._path_from_selected)
        self.to_button = QPushButton("Path to selected")
        self.to_button.clicked.connect(self._path_to_selected)
        self.status = QLabel()
        for widget in (fit, self.more_button, self.from_button, self.to_button):
            bar.addWidget(widget)
        bar.addWidget(self.status, 1)
        outer.addLayout(bar)
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.path_label.setStyleSheet("color: #5a189a; padding: 0 6px;")
        outer.addWidget(self.path_label)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.canvas = GraphCanvas()
        split.addWidget(self.canvas)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 0, 4, 4)
        self.node_title = QLabel("Select a person to list their messages and calls")
        self.node_title.setWordWrap(True)
        self.node_title.setStyleSheet("font-weight: bold;")
        # Room for a name and a line of counts (wrapped labels are otherwise squeezed by the splitter).
        self.node_title.setMinimumHeight(3 * self.node_title.fontMetrics().lineSpacing() + 4)
        self.items = QListWidget()
        self.items.setAlternatingRowColors(True)
        self.items.setWordWrap(True)
        self.items.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.items.itemClicked.connect(self._pick_item)
        self.items.itemActivated.connect(self._pick_item)
        side_layout.addWidget(self.node_title)
        side_layout.addWidget(self.items, 1)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([640, 420])
        outer.addWidget(split, 1)
        self.set_content(body)

    # --- the interface ---------------------------------------------------------------------------

    def set_case(self, case_dir: Path | None, *, passphrase: str | None = None) -> None:
        self.count, self.pinned, self.selected, self.path_start, self.path = DEFAULT_NODES, (), None, None, []
        self.layout_result = None
        self.items.clear()
        self.path_label.clear()
        super().set_case(case_dir, passphrase=passphrase)

    def set_time_range(self, since: str | None, until: str | None) -> None:
        # The contact graph covers the whole case (its links carry first and last times); the
        # selected person's list is what a time range narrows.
        self.since, self.until = since or None, until or None
        if self.selected:
            self.select_node(self.selected)

    @property
    def graph(self) -> ContactGraph | None:
        return self.layout_result.graph if self.layout_result else None

    def show_more(self) -> None:
        self.count += DEFAULT_NODES
        self.reload()

    def select_node(self, identity_id: str) -> None:
        if self.selected in self.nodes:
            self.nodes[self.selected].style(on_path=self.selected in self.path)
        self.selected = identity_id
        if identity_id in self.nodes:
            self.nodes[identity_id].style(selected=True)
        identity = self.graph.identity(identity_id)
        self.node_title.setText(f"{identity.label}: loading messages and calls…")
        self.items.clear()
        self.node_selected.emit(identity_id)
        case_dir, graph, passphrase = self.case_dir, self.graph, self.passphrase
        self._items_loader.start(lambda: (identity_id, node_items(case_dir, graph, identity_id,
                                                                   passphrase=passphrase)))

    def show_path(self, a: str, b: str) -> list[str] | None:
        """Highlight the shortest path a → b; draws its identities if they were not drawn yet."""
        found = path_between(self.graph, a, b)
        self.path_start = a
        if found is None:
            self._mark_path([])
            self.path_label.setText(f"No path between {self.graph.identity(a).label} and "
                                    f"{self.graph.identity(b).label}")
            return None
        missing = [node for node in found if node not in self.nodes]
        if missing:
            self.pinned = tuple(dict.fromkeys(self.pinned + tuple(found)))
            self._pending_path = (a, b)
            self.reload()
            return found
        self._mark_path(found)
        labels = " → ".join(_short(self.graph.identity(node).label) for node in found)
        self.path_label.setText(f"Shortest path ({len(found) - 1} hop{'s' if len(found) != 2 else ''}): {labels}")
        return found

    # --- loading ---------------------------------------------------------------------------------

    def _work(self):
        case_dir, count, pinned, passphrase = self.case_dir, self.count, self.pinned, self.passphrase
        previous = {node: (item.pos().x(), item.pos().y()) for node, item in self.nodes.items()}
        self.status.setText("Laying out the contact graph…")
        return lambda: load_layout(case_dir, count, pinned, previous, passphrase)

    def _show(self, result: GraphLayout) -> None:
        self.layout_result = result
        if not result.graph.links:
            self.show_message(EMPTY)
            return
        self._draw(result)
        self.show_content()
        if self._pending_path:
            a, b = self._pending_path
            self._pending_path = None
            self.show_path(a, b)

    def _draw(self, result: GraphLayout) -> None:
        scene = self.canvas.scene()
        scene.clear()
        self.nodes.clear()
        self.edges.clear()
        graph = result.graph
        peak = max((graph.identity(node).degree_centrality for node in result.visible), default=0) or 1
        for rank, node in enumerate(result.visible):
            identity = graph.identity(node)
            radius = 6 + 20 * math.sqrt(identity.degree_centrality / peak)
            item = _Node(self, identity, radius, rank < LABELLED)
            item.setPos(QPointF(*result.positions[node]))
            scene.addItem(item)
            self.nodes[node] = item
        visible = set(result.visible)
        for link in graph.links:
            if link.a in visible and link.b in visible:
                edge = _Edge(self.nodes[link.a], self.nodes[link.b], link.messages + link.calls)
                scene.addItem(edge)
                self.edges[(link.a, link.b)] = edge
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-400, -400, 400, 400))
        shown, total = len(result.visible), result.total
        self.status.setText(f"{shown:,} of {total:,} identities (most central first), "
                            f"{len(self.edges):,} of {len(graph.links):,} links drawn")
        self.more_button.setEnabled(shown < total)
        if self.selected in self.nodes:
            self.nodes[self.selected].style(selected=True)
        self._mark_path([node for node in self.path if node in self.nodes])
        self.canvas.auto_fit = True
        self.canvas.fit()

    def _path_edges(self, path: list[str]) -> list[_Edge]:
        found = (self.edges.get((a, b) if a < b else (b, a)) for a, b in itertools.pairwise(path))
        return [edge for edge in found if edge is not None]

    def _mark_path(self, path: list[str]) -> None:
        # Only the items whose look changes are touched: restyling every link of a large graph
        # costs a tenth of a second on the GUI thread.
        for node in self.path:
            if node in self.nodes:
                self.nodes[node].style(selected=node == self.selected)
        for edge in self._path_edges(self.path):
            edge.style(False)
        self.path = path
        for node in path:
            self.nodes[node].style(selected=node == self.selected, on_path=True)
        for edge in self._path_edges(path):
            edge.style(True)

    def _show_items(self, result) -> None:
        identity_id, (items, total) = result
        if identity_id != self.selected:
            return
        identity = self.graph.identity(identity_id)
        if self.since or self.until:
            items = [item for item in items if item.utc and (not self.since or item.utc >= self.since)
                     and (not self.until or item.utc <= self.until)]
        shown = f"; {len(items):,} listed of {total:,}" if len(items) < total else ""
        counterparts = {item.counterpart for item in items}
        single = len(counterparts) == 1
        self.node_title.setText(f"{identity.label}\n{identity.messages:,} messages, {identity.calls:,} calls{shown}"
                                + (f", all with {_short(next(iter(counterparts)))}" if single else ""))
        self.items.clear()
        for item in items:
            entry = QListWidgetItem(item.lines(with_counterpart=not single))
            entry.setData(Qt.ItemDataRole.UserRole, item.artifact_id)
            entry.setToolTip(f"Artifact #{item.artifact_id}")
            self.items.addItem(entry)
        self.items_loaded.emit()

    def _pick_item(self, item: QListWidgetItem) -> None:
        self.artifact_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _path_from_selected(self) -> None:
        if self.selected:
            self.path_start = self.selected
            self.path_label.setText(f"Path from {self.graph.identity(self.selected).label}: now select the other "
                                    "person and press “Path to selected”")

    def _path_to_selected(self) -> None:
        if self.selected and self.path_start and self.selected != self.path_start:
            self.show_path(self.path_start, self.selected)

    def node_position(self, identity_id: str) -> QPointF:
        """Where a node is on the canvas viewport (for tests and tools)."""
        return QPointF(self.canvas.mapFromScene(self.nodes[identity_id].pos()))

    def visible_rect(self) -> QRectF:
        return self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()


def _short(text: str, width: int = 34) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _tooltip(identity: Identity) -> str:
    lines = [identity.label]
    lines += [f"  {identifier}" for identifier in identity.identifiers[:6]]
    if len(identity.identifiers) > 6:
        lines.append(f"  … {len(identity.identifiers) - 6} more identifiers")
    lines.append(f"{identity.messages:,} messages, {identity.calls:,} calls; apps: {', '.join(identity.apps) or '—'}")
    lines.append(f"degree {identity.degree}, betweenness {identity.betweenness:.3f}, community {identity.community}")
    return "\n".join(lines)
