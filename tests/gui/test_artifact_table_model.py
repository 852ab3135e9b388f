"""The artifact table pages from SQLite: only what is scrolled to is loaded, sorting and filters
page with keyset cursors, deleted rows are highlighted."""

from __future__ import annotations

import json

import pytest
from PyQt6.QtCore import Qt

from forensic_triage.store.case_store import CaseStore

ROWS = 450


@pytest.fixture(scope="module")
def many_messages(tmp_path_factory):
    case = tmp_path_factory.mktemp("table") / "case"
    store = CaseStore.create(case, case_number="T-1", examiner="Tester")
    rows = []
    for i in range(ROWS):
        data = {"app": "Demo" if i % 2 else "Other", "body": f"message {i}", "direction": "incoming",
                "sender": f"+4477009{i:05d}", "deleted": i % 50 == 0,
                "sent": {"utc": f"2026-03-{1 + i % 28:02d}T10:{i % 60:02d}:00Z", "raw": str(i), "encoding": "unix",
                         "status": "ok"}}
        rows.append({"kind": "message", "file_id": None, "evidence_id": None, "plugin": "test", "plugin_version": "1",
                     "data": json.dumps(data), "provenance": json.dumps({"path": "x.db"}), "digest": f"{i:064x}"})
    with store.transaction():
        store.insert("artifacts", rows)
        store.append_custody("test.rows", {"rows": ROWS})
    store.close()
    return CaseStore.open(case)


def test_pages_load_on_demand_and_sort_and_filter(qtbot, many_messages):
    from forensic_triage.gui.models.artifact_table import DELETED_BACKGROUND, PAGE, ArtifactTableModel
    from forensic_triage.store.search import TableQuery

    model = ArtifactTableModel(many_messages, TableQuery(kind="message"))
    assert model.rowCount() == PAGE and model.canFetchMore() and model.total() == ROWS
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == ROWS and not model.canFetchMore()
    colour = model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole).color()
    assert colour == DELETED_BACKGROUND

    model.sort(1, Qt.SortOrder.DescendingOrder)          # by time, newest first
    model.fetch_all_up_to(ROWS)
    times = [model.record(row).time for row in range(model.rowCount())]
    assert len(times) == ROWS and times == sorted(times, reverse=True)

    model.update_query(app="Demo", field_filters=(("body", "message 1"),))
    model.fetch_all_up_to(ROWS)
    bodies = [model.record(row).data["body"] for row in range(model.rowCount())]
    assert bodies and all(body.startswith("message 1") for body in bodies)
    assert all(model.record(row).data["app"] == "Demo" for row in range(model.rowCount()))
    assert model.rows_as_text([0])[0][0] == str(model.record(0).id)


def test_copy_and_export_selected_rows(qtbot, many_messages, tmp_path):
    import csv

    from PyQt6.QtWidgets import QApplication

    from forensic_triage.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_case(many_messages.case_dir)
    assert window.categories.select_label("Messages")
    assert window.artifact_model.rowCount() == 200          # one page, not the whole table
    window.table.selectRow(0)
    window.table.selectionModel().select(window.artifact_model.index(2, 0),
                                         window.table.selectionModel().SelectionFlag.Select
                                         | window.table.selectionModel().SelectionFlag.Rows)
    window.copy_rows()
    lines = QApplication.clipboard().text().splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[0] == "1"
    path = window.export_selection(str(tmp_path / "rows.csv"))
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["#", "Time (UTC)"] and [row[0] for row in rows[1:]] == ["1", "3"]
    window.close()


def test_keyboard_search_tag_and_arrows(qtbot, many_messages):
    from forensic_triage.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    with qtbot.waitActive(window, timeout=3_000):
        window.activateWindow()
    assert window.open_case(many_messages.case_dir)
    assert window.categories.select_label("Messages")
    window.table.setFocus()
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.table.currentIndex().row() == 1
    assert window.detail.current == ("artifact", window.artifact_model.record(1).id)
    searched = []
    window.action_search.triggered.connect(lambda: searched.append(True))
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert searched
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialogs = [d for d in window.dialogs if d.isVisible()]
    assert dialogs and dialogs[-1].target.id == str(window.artifact_model.record(1).id)
    dialogs[-1].reject()
    window.close()
