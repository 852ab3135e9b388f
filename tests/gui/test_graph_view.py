"""The contact graph view on the demo case and on an empty case."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("PyQt6.QtWidgets", reason="PyQt6 is not installed")

from PyQt6.QtCore import QPointF, Qt

from forensic_triage.demo.run import run_demo
from forensic_triage.graph.build import build_graph
from forensic_triage.gui.views import graph_model
from forensic_triage.gui.views.graph_view import EMPTY, OWNER_COLOUR, GraphView
from forensic_triage.progress import run_silently
from forensic_triage.store.case_store import CaseStore

SCREENSHOTS = Path(os.environ["FORENSIC_TRIAGE_SCREENSHOTS"]) if os.environ.get("FORENSIC_TRIAGE_SCREENSHOTS") else None


def demo_case(tmp_path_factory, tmp_path: Path) -> Path:
    """A private copy of the demo case (built once per test session)."""
    built = tmp_path_factory.getbasetemp() / "views-demo"
    if not (built / "case" / "case.sqlite").exists():
        run_silently(run_demo(built, jobs=1))
    copy = tmp_path / "case"
    shutil.copytree(built / "case", copy, ignore=shutil.ignore_patterns(".write-lock"))
    return copy


def open_view(qtbot, case_dir: Path | None) -> GraphView:
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(1100, 650)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        view.set_case(case_dir)
    return view


def save(view, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        view.grab().save(str(SCREENSHOTS / name))


def test_empty_case_says_so(qtbot, tmp_path):
    CaseStore.create(tmp_path / "empty", case_number="E-1", examiner="Test Examiner").close()
    view = open_view(qtbot, tmp_path / "empty")
    assert view.is_empty() and view.empty_text() == EMPTY


def test_layout_runs_off_the_gui_thread_with_a_fixed_seed(qtbot, tmp_path_factory, tmp_path, monkeypatch):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    threads = []
    real = graph_model.layout

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(graph_model, "layout", spy)
    view = open_view(qtbot, case_dir)
    assert threads and threads[0] is not threading.main_thread()
    again = graph_model.layout(view.graph, 150)
    assert again.visible == view.layout_result.visible
    for node in again.visible:
        assert again.positions[node] == pytest.approx(view.layout_result.positions[node])


def test_demo_graph_select_list_pick_path_and_drag(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    view = open_view(qtbot, case_dir)
    assert not view.is_empty()
    store = CaseStore.open(case_dir)
    graph = build_graph(store)
    store.close()
    assert set(view.nodes) == {identity.id for identity in graph.identities}
    owner = graph.owners()[0]
    assert view.nodes[owner.id].brush().color() == OWNER_COLOUR
    # The owner is the most central: drawn largest.
    assert view.nodes[owner.id].radius == max(node.radius for node in view.nodes.values())

    # Clicking a person lists their messages and calls; picking one selects its artifact.
    busiest = max((identity for identity in graph.identities if not identity.owner),
                  key=lambda identity: identity.messages + identity.calls)
    with qtbot.waitSignal(view.items_loaded, timeout=10_000):
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.node_position(busiest.id).toPoint())
    assert view.selected == busiest.id
    assert view.items.count() == busiest.messages + busiest.calls
    first = view.items.item(0)
    with qtbot.waitSignal(view.artifact_selected, timeout=2000) as signal:
        view.items.itemClicked.emit(first)
    assert signal.args == [first.data(Qt.ItemDataRole.UserRole)]
    save(view, "graph.png")

    # Shortest path between two people who never wrote to each other goes through the owner.
    others = [identity.id for identity in graph.identities if not identity.owner and identity.degree]
    pair = next(((a, b) for a in others for b in others
                 if a < b and graph.link(a, b) is None and graph.shortest_path(a, b)), None)
    if pair is not None:
        path = view.show_path(*pair)
        assert path == graph.shortest_path(*pair) and len(path) >= 3
        assert view.path == path
        assert "Shortest path" in view.path_label.text()
        save(view, "graph-path.png")

    # Dragging a node moves it and its links follow.
    node = view.nodes[busiest.id]
    edge = node.edges[0]
    node.setPos(node.pos() + QPointF(40, 25))
    line = edge.line()
    assert node.pos() in (QPointF(line.x1(), line.y1()), QPointF(line.x2(), line.y2()))


def test_top_n_and_show_more(qtbot, tmp_path_factory, tmp_path, monkeypatch):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    monkeypatch.setattr("forensic_triage.gui.views.graph_view.DEFAULT_NODES", 3)
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.count = 3
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        view.case_dir = case_dir
        view.reload()
    total = len(view.graph.identities)
    assert len(view.nodes) == min(3, total)
    assert any(view.graph.identity(node).owner for node in view.nodes)
    if total > 3:
        assert view.more_button.isEnabled()
        with qtbot.waitSignal(view.loaded, timeout=30_000):
            view.show_more()
        assert len(view.nodes) == min(6, total)


def test_graph_view_reads_without_changing_the_case(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    store = CaseStore.open(case_dir)
    head = store.last_custody()["entry_hash"]
    store.close()
    open_view(qtbot, case_dir)
    store = CaseStore.open(case_dir)
    assert store.last_custody()["entry_hash"] == head
    store.close()
