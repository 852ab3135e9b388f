"""The timeline view on the demo case, on a case with many messages (density bars), and on an empty case."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from pathlib import Path

import pytest

pytest.importorskip("PyQt6.QtWidgets", reason="PyQt6 is not installed")

from PyQt6.QtCore import QPoint, Qt

from forensic_triage.canonical import dumps
from forensic_triage.demo.run import run_demo
from forensic_triage.gui.views.timeline_model import KINDS, load_timeline
from forensic_triage.gui.views.timeline_view import EMPTY, EMPTY_FILTERED, TimelineView
from forensic_triage.ingest.plugin_stage import artifact_digest, provenance
from forensic_triage.progress import run_silently
from forensic_triage.sdk.context import Source
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import Scope, iter_artifacts

SCREENSHOTS = Path(os.environ["FORENSIC_TRIAGE_SCREENSHOTS"]) if os.environ.get("FORENSIC_TRIAGE_SCREENSHOTS") else None


def demo_case(tmp_path_factory, tmp_path: Path) -> Path:
    """A private copy of the demo case (built once per test session)."""
    built = tmp_path_factory.getbasetemp() / "views-demo"
    if not (built / "case" / "case.sqlite").exists():
        run_silently(run_demo(built, jobs=1))
    copy = tmp_path / "case"
    shutil.copytree(built / "case", copy, ignore=shutil.ignore_patterns(".write-lock"))
    return copy


def add_messages(case_dir: Path, count: int) -> None:
    """Messages one a minute, written as the ingest host writes them (digests, custody seal)."""
    source = Source(path="data/app.db", name="app.db", size=1, sha256="cd" * 32, inode="9", evidence="PHONE-01")
    rows = []
    for number in range(count):
        utc = f"2025-01-{1 + number // 1440:02d}T{number // 60 % 24:02d}:{number % 60:02d}:00Z"
        data = {"app": "Bench", "body": f"message {number}", "direction": "incoming", "sender": "+447700900999",
                "recipients": [], "sent": {"utc": utc, "raw": utc, "encoding": "iso8601", "status": "ok"}}
        stamped = provenance(source, 0, "test.message", "1.0.0", {"table": "m", "rowid": number})
        rows.append({"kind": "message", "file_id": None, "evidence_id": None, "plugin": "test.message",
                     "plugin_version": "1.0.0", "data": dumps(data), "provenance": dumps(stamped),
                     "digest": artifact_digest("message", data, stamped)})
    store = CaseStore.open(case_dir, write="gui view test")
    try:
        with store.transaction():
            store.insert("artifacts", rows)
            store.append_custody("test.artifacts", {"artifacts": len(rows)})
    finally:
        store.close()


def open_view(qtbot, case_dir: Path | None) -> TimelineView:
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(1000, 420)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.set_case(case_dir)
    return view


def save(view, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        view.grab().save(str(SCREENSHOTS / name))


def timed_ids(case_dir: Path, **scope) -> set[int]:
    store = CaseStore.open(case_dir)
    try:
        return {record.id for record in iter_artifacts(store, Scope(kinds=KINDS, **scope)) if record.time}
    finally:
        store.close()


def test_empty_case_says_so(qtbot, tmp_path):
    CaseStore.create(tmp_path / "empty", case_number="E-1", examiner="Test Examiner").close()
    view = open_view(qtbot, tmp_path / "empty")
    assert view.is_empty() and view.empty_text() == EMPTY
    save(view, "timeline-empty.png")


def test_model_matches_the_query_api_primary_time(tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    data = load_timeline(case_dir)
    assert set(data.ids.tolist()) == timed_ids(case_dir)
    assert list(data.seconds) == sorted(data.seconds)
    store = CaseStore.open(case_dir)
    by_id = {record.id: record.time for record in iter_artifacts(store, Scope(kinds=KINDS)) if record.time}
    store.close()
    from forensic_triage.gui.views.timeline_model import to_utc
    for artifact_id, seconds in zip(data.ids.tolist(), data.seconds.tolist(), strict=True):
        assert to_utc(round(seconds)) == by_id[artifact_id][:19] + "Z"


def test_demo_lanes_click_zoom_and_filters(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    view = open_view(qtbot, case_dir)
    assert not view.is_empty()
    everything = timed_ids(case_dir)
    assert view.shown.count == len(everything)
    assert "message" in view.canvas.lanes
    save(view, "timeline.png")

    # A click on a mark selects that artifact.
    artifact_id = int(view.shown.ids[len(view.shown.ids) // 2])
    position = view.canvas.mark_position(artifact_id)
    lane = view.canvas.lane_at(position.y())
    assert view.canvas.shows_marks(lane)
    with qtbot.waitSignal(view.artifact_selected, timeout=2000) as signal:
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=position.toPoint())
    # Marks closer than the click tolerance may share a pixel: the nearest one at that time wins.
    chosen = signal.args[0]
    assert view.shown.seconds[view.shown.ids == chosen][0] == pytest.approx(
        view.shown.seconds[view.shown.ids == artifact_id][0], abs=5 * (view.canvas.end - view.canvas.start) / 800)

    # The wheel zooms the time axis about the cursor.
    span = view.canvas.end - view.canvas.start
    qtbot.wait(1)
    view.canvas.zoom(4.0, position.x())
    assert view.canvas.end - view.canvas.start == pytest.approx(span / 4)

    # A selection filter and a time range narrow it; clearing them brings everything back.
    some = sorted(everything)[:3]
    view.set_filter(some)
    assert set(view.shown.ids.tolist()) == set(some)
    view.set_filter(None)
    assert view.shown.count == len(everything)
    since, until = "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"
    view.set_time_range(since, until)
    assert set(view.shown.ids.tolist()) == timed_ids(case_dir, since=since, until=until)
    view.set_time_range("2031-01-01T00:00:00Z", None)
    assert view.is_empty() and view.empty_text() == EMPTY_FILTERED
    view.set_time_range(None, None)
    assert view.shown.count == len(everything)


def test_filter_by_identity_uses_the_contact_graph(qtbot, tmp_path_factory, tmp_path):
    case_dir = demo_case(tmp_path_factory, tmp_path)
    view = open_view(qtbot, case_dir)
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        view.set_filter(identity="owner")
    assert 0 < view.shown.count <= len(timed_ids(case_dir))
    assert set(view.shown.lanes.tolist()) <= {KINDS.index("message"), KINDS.index("call")}
    assert "identity owner" in view.status.text()


def test_many_messages_show_density_then_marks(qtbot, tmp_path):
    CaseStore.create(tmp_path / "busy", case_number="B-1", examiner="Test Examiner").close()
    add_messages(tmp_path / "busy", 4000)
    view = open_view(qtbot, tmp_path / "busy")
    assert view.shown.count == 4000
    assert not view.canvas.shows_marks(0)            # zoomed out: density bars
    save(view, "timeline-density.png")
    # A click on a bar zooms in; a few clicks later single messages can be picked.
    centre = QPoint(int(view.canvas.x_of((view.canvas.start + view.canvas.end) / 2)),
                    int(view.canvas.lane_rect(0).center().y()))
    for _ in range(8):
        if view.canvas.shows_marks(0):
            break
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=centre)
    assert view.canvas.shows_marks(0)
    part = view.shown.window(view.canvas.start, view.canvas.end)
    target = int(view.shown.ids[part][len(view.shown.ids[part]) // 2])
    with qtbot.waitSignal(view.artifact_selected, timeout=2000) as signal:
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=view.canvas.mark_position(target).toPoint())
    assert signal.args == [target]
    save(view, "timeline-zoomed.png")


def test_drag_pans_the_axis(qtbot, tmp_path_factory, tmp_path):
    view = open_view(qtbot, demo_case(tmp_path_factory, tmp_path))
    start = view.canvas.start
    y = int(view.canvas.lane_rect(0).center().y())
    qtbot.mousePress(view.canvas, Qt.MouseButton.LeftButton, pos=QPoint(500, y))
    qtbot.mouseMove(view.canvas, QPoint(560, y))
    qtbot.mouseMove(view.canvas, QPoint(600, y))
    qtbot.mouseRelease(view.canvas, Qt.MouseButton.LeftButton, pos=QPoint(600, y))
    assert view.canvas.start < start


def test_encrypted_case_opens_with_its_passphrase_and_says_so_without(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("sqlcipher3", reason="encrypted stores need the sqlcipher3-wheels package")
    from forensic_triage.store import crypto

    monkeypatch.delenv(crypto.PASSPHRASE_ENV, raising=False)
    passphrase = "correct horse battery staple"
    case_dir = tmp_path / "sealed"
    store = CaseStore.create(case_dir, case_number="S-1", examiner="Test Examiner", encrypt=True,
                             passphrase=passphrase, kdf_cost=(1 << 14, 8, 1))
    store.close()
    crypto.forget_keys()
    view = TimelineView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.load_failed, timeout=20_000) as failed:
        view.set_case(case_dir)
    assert "encrypted" in failed.args[0] and view.is_empty()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.set_case(case_dir, passphrase=passphrase)
    assert view.empty_text() == EMPTY
