"""Errors reach the examiner as dialogs with a clear sentence, never a traceback or silence:
an unsupported evidence file, a corrupt case store, a case locked by another process."""

from __future__ import annotations

from PyQt6.QtWidgets import QMessageBox

from forensic_triage.store.case_store import CaseStore


def _boxes(widget) -> list[QMessageBox]:
    return [box for box in widget.findChildren(QMessageBox) if box.isVisible()]


def _new_case(path):
    CaseStore.create(path, case_number="E-1", examiner="Tester").close()
    return path


def test_unsupported_evidence_file(qtbot, tmp_path):
    from forensic_triage.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_case(_new_case(tmp_path / "case"))
    bad = tmp_path / "notes.bin"
    bad.write_bytes(b"this is not a disk image\n" * 100)
    dialog = window.add_evidence()
    dialog.path.setText(str(bad))
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.job.running(), timeout=30_000)
    qtbot.waitUntil(lambda: bool(_boxes(dialog)), timeout=5_000)
    box = _boxes(dialog)[0]
    assert "Traceback" not in box.text() and box.text() == dialog.error
    assert "Not added" in dialog.outcome.text()
    store = CaseStore.open(tmp_path / "case")
    try:
        assert store.count("evidence") == 0
    finally:
        store.close()


def test_corrupt_case_store(qtbot, tmp_path):
    from forensic_triage.gui.main_window import MainWindow

    case = tmp_path / "case"
    case.mkdir()
    (case / "case.sqlite").write_bytes(b"garbage, not SQLite" * 200)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_case(case) is False
    boxes = _boxes(window)
    assert boxes and "case.sqlite" in boxes[0].text() and "Traceback" not in boxes[0].text()
    assert window.session is None


def test_case_locked_by_another_process(qtbot, tmp_path):
    from forensic_triage.gui.dialogs.tag import TagDialog, TagTarget
    from forensic_triage.gui.main_window import MainWindow

    case = _new_case(tmp_path / "case")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_case(case)     # reading needs no lock
    holder = CaseStore.open(case, write="ingest")
    try:
        dialog = TagDialog(case, TagTarget(kind="identity", id="abc", description="someone"), window)
        qtbot.addWidget(dialog)
        dialog.accept()
        boxes = _boxes(dialog)
        assert boxes and "open in another process" in boxes[0].text() and "ingest" in boxes[0].text()
        assert dialog.written is None
    finally:
        holder.close()


def test_details_on_demand_for_unexpected_errors(qtbot):
    from forensic_triage.gui.dialogs.error import describe_exception, error_box

    try:
        raise KeyError("boom")
    except KeyError as exc:
        message, details = describe_exception(exc)
    assert "Unexpected error (KeyError)" in message and "Traceback" in details
    box = error_box(None, "Oops", message, details)
    qtbot.addWidget(box)
    assert box.detailedText() == details and "Traceback" not in box.text()
