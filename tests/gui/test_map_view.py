"""The map view on the demo case (with geo points added the way the host writes them) and on an empty case."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from pathlib import Path

import pytest

pytest.importorskip("PyQt6.QtWidgets", reason="PyQt6 is not installed")

from PyQt6.QtCore import QPointF, Qt

from forensic_triage.canonical import dumps
from forensic_triage.demo.run import run_demo
from forensic_triage.gui.views.map_view import EMPTY, EMPTY_IN_RANGE, MapView
from forensic_triage.ingest.plugin_stage import artifact_digest, provenance
from forensic_triage.progress import run_silently
from forensic_triage.sdk.context import Source
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import kind_counts

SCREENSHOTS = Path(os.environ.get("FORENSIC_TRIAGE_SCREENSHOTS", "")) if os.environ.get(
    "FORENSIC_TRIAGE_SCREENSHOTS") else None


def demo_case(tmp_path_factory, tmp_path: Path) -> Path:
    """A private copy of the demo case (built once per test session)."""
    built = tmp_path_factory.getbasetemp() / "views-demo"
    if not (built / "case" / "case.sqlite").exists():
        run_silently(run_demo(built, jobs=1))
    copy = tmp_path / "case"
    shutil.copytree(built / "case", copy, ignore=shutil.ignore_patterns(".write-lock"))
    return copy


def add_artifacts(case_dir: Path, items: list[tuple[str, dict]]) -> list[int]:
    """Append artifact rows as the ingest host writes them (provenance, digests, a custody seal)."""
    source = Source(path="DCIM/Camera/IMG.jpg", name="IMG.jpg", size=1, sha256="ab" * 32, inode="7",
                    evidence="PHONE-01")
    rows = []
    for number, (kind, data) in enumerate(items):
        stamped = provenance(source, 0, f"test.{kind}", "1.0.0", {"offset": number})
        rows.append({"kind": kind, "file_id": None, "evidence_id": None, "plugin": f"test.{kind}",
                     "plugin_version": "1.0.0", "data": dumps(data), "provenance": dumps(stamped),
                     "digest": artifact_digest(kind, data, stamped)})
    store = CaseStore.open(case_dir, write="gui view test")
    try:
        with store.transaction():
            ids = store.insert("artifacts", rows)
            store.append_custody("test.artifacts", {"artifacts": len(rows)})
    finally:
        store.close()
    return ids


def when(utc: str) -> dict:
    return {"utc": utc, "raw": utc, "encoding": "iso8601", "status": "ok"}


TRIP = [  # London -> Paris -> Rome, photos and an app
    (51.5072, -0.1276, "2026-03-01T08:00:00Z", "exif", "London, England, GB", "Europe/London"),
    (48.8566, 2.3522, "2026-03-02T12:30:00Z", "exif", "Paris, Île-de-France, FR", "Europe/Paris"),
    (41.9028, 12.4964, "2026-03-04T18:15:00Z", "Google Maps", "Rome, Lazio, IT", "Europe/Rome"),
    (41.8902, 12.4922, None, "exif", "Rome, Lazio, IT", None),
]


def add_trip(case_dir: Path) -> list[int]:
    return add_artifacts(case_dir, [("geo_point", {
        "latitude": lat, "longitude": lon, "origin": origin, "time": when(utc) if utc else None,
        "place_name": place, "time_zone": zone, "camera_make": "Google" if origin == "exif" else None,
        "camera_model": "Pixel 7" if origin == "exif" else None, "accuracy_m": 5.0})
        for lat, lon, utc, origin, place, zone in TRIP])


def empty_case(tmp_path: Path) -> Path:
    CaseStore.create(tmp_path / "empty", case_number="E-1", examiner="Test Examiner").close()
    return tmp_path / "empty"


def open_view(qtbot, case_dir: Path | None) -> MapView:
    view = MapView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.set_case(case_dir)
    return view


def save(view, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        view.grab().save(str(SCREENSHOTS / name))


def test_empty_case_says_so(qtbot, tmp_path):
    view = open_view(qtbot, empty_case(tmp_path))
    assert view.is_empty()
    assert view.empty_text() == EMPTY
    save(view, "map-empty.png")


def test_no_case_open_says_so(qtbot):
    view = open_view(qtbot, None)
    assert view.is_empty() and "No case open" in view.empty_text()


def test_demo_case_points_click_and_time_filter(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    before = kind_counts(CaseStore.open(case_dir)).get("geo_point", 0)
    ids = add_trip(case_dir)
    view = open_view(qtbot, case_dir)
    assert not view.is_empty()
    assert set(ids) <= set(view.point_ids())
    assert len(view.point_ids()) == before + len(ids)
    # Time order: the movement line runs London, Paris, Rome; the untimed photo comes last.
    ours = [point.artifact_id for point in view.data.points if point.artifact_id in ids]
    assert ours == ids
    tooltip = view._items[ids[1]].toolTip()
    assert "Paris" in tooltip and "2026-03-02T12:30:00Z" in tooltip and "+01:00" in tooltip and "exif" in tooltip
    assert "no time" in view._items[ids[3]].toolTip()

    # A click on a point selects its artifact.
    position = view.point_position(ids[1]).toPoint()
    with qtbot.waitSignal(view.artifact_selected, timeout=2000) as signal:
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=position)
    assert signal.args == [ids[1]]
    save(view, "map-trip.png")

    # Wheel zoom changes the scale; the world button shows everything.
    scale = view.canvas.transform().m11()
    view.canvas.zoom(2.0)
    assert view.canvas.transform().m11() == pytest.approx(scale * 2)
    view.show_world()
    assert view.canvas.transform().m11() < scale

    # Time range: only the Paris and Rome points of 2026-03-02..03-05.
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.set_time_range("2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z")
    assert set(view.point_ids()) & set(ids) == {ids[1], ids[2]}
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.set_time_range("2030-01-01T00:00:00Z", None)
    assert view.is_empty() and view.empty_text() == EMPTY_IN_RANGE


def test_demo_case_as_built(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    store = CaseStore.open(case_dir)
    count = kind_counts(store).get("geo_point", 0)
    store.close()
    view = open_view(qtbot, case_dir)
    assert len(view.point_ids()) == count
    assert view.is_empty() == (count == 0)
    save(view, "map.png")


def test_map_reads_without_changing_the_case(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    add_trip(case_dir)
    store = CaseStore.open(case_dir)
    head = store.last_custody()["entry_hash"]
    store.close()
    view = open_view(qtbot, case_dir)
    assert not view.is_empty()
    store = CaseStore.open(case_dir)
    assert store.last_custody()["entry_hash"] == head
    store.close()


def test_point_position_is_inside_the_canvas(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    ids = add_trip(case_dir)
    view = open_view(qtbot, case_dir)
    rect = view.canvas.viewport().rect()
    for artifact_id in ids:
        point = view.point_position(artifact_id)
        assert rect.contains(QPointF(point).toPoint())
