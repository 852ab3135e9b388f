"""The whole examiner flow through the window, offscreen: create a case, add evidence, ingest,
browse every category, read a message, tag, search, verify (and report when the report command
exists). Screenshots of every main view are saved (see conftest: FORENSIC_TRIAGE_SCREENSHOTS)."""

from __future__ import annotations

import json

import pytest

from forensic_triage.progress import run_silently
from forensic_triage.store.case_store import CaseStore
from forensic_triage.verify import verify_case
from tests.gui.conftest import save_shot

pytestmark = pytest.mark.slow


def _custody_actions(case_dir) -> list[str]:
    store = CaseStore.open(case_dir)
    try:
        return [row[0] for row in store.conn.execute("SELECT action FROM custody ORDER BY seq")]
    finally:
        store.close()


def _settled(qtbot, window):
    """The table's count arrives just after its rows; wait for it before a screenshot."""
    qtbot.waitUntil(lambda: "counting" not in window.table_title.text(), timeout=5_000)
    return window


def test_examiner_flow(qtbot, tmp_path, evidence_sources, screenshot_dir):
    from forensic_triage.gui.dialogs.report import report_available
    from forensic_triage.gui.main_window import MainWindow

    window = MainWindow(jobs=2)
    qtbot.addWidget(window)
    window.resize(1500, 900)
    window.show()
    save_shot(_settled(qtbot, window), screenshot_dir, "01-start-screen")

    # Create a case through the dialog; a bad region is refused in words first.
    case_dir = tmp_path / "case"
    dialog = window.create_case()
    dialog.folder.setText(str(case_dir))
    dialog.case_number.setText("2026-0412")
    dialog.examiner.setText("A. Examiner")
    dialog.title.setText("GUI flow")
    dialog.region.setText("G1")
    dialog._accept()
    assert "two-letter" in dialog.problem.text() and window.session is None
    dialog.region.setText("GB")
    dialog.display_tz.setText("Europe/London")
    save_shot(dialog, screenshot_dir, "02-create-case")
    dialog._accept()
    assert window.session is not None and window.session.store.case_info()["case_number"] == "2026-0412"

    # Add both exhibits with hashing progress.
    for source, exhibit in ((evidence_sources["image"], "PHONE-01"),):
        add = window.add_evidence()
        add.path.setText(str(source))
        add.exhibit_id.setText(exhibit)
        add.description.setText("demo " + exhibit)
        with qtbot.waitSignal(add.completed, timeout=60_000):
            add.start()
        assert exhibit in add.outcome.text() and "SHA256" in add.outcome.text()
        assert "acquisition" in add.outcome.text().lower()
        add.job.wait()
        if exhibit == "PHONE-01":
            save_shot(add, screenshot_dir, "03-add-evidence")
        add.accept()

    # Ingest in the worker: the dialog shows progress; the window keeps answering.
    ingest = window.ingest()
    assert ingest.plugins.topLevelItemCount() > 10
    # Cancel at the first progress the window sees (the worker is then still hashing or running
    # plugins: a small image leaves no time to aim at one stage), then resume to the end.
    def cancel_in_plugins(_event):
        if ingest.job.running() and ingest.cancel_button.text() == "Cancel":
            ingest._cancel_or_close()

    ingest.start()
    ingest.job.runner.progress.connect(cancel_in_plugins)
    qtbot.waitUntil(lambda: not ingest.job.running(), timeout=120_000)
    assert ingest.was_cancelled
    assert ingest.start_button.text() == "Resume" and "Resume" in ingest.state.text()
    save_shot(ingest, screenshot_dir, "04a-ingest-cancelled")
    with qtbot.waitSignal(ingest.completed, timeout=120_000):
        ingest.start()
    ingest.job.wait()
    assert "artifacts" in ingest.state.text()
    save_shot(ingest, screenshot_dir, "04-ingest")
    ingest.accept()
    after_ingest = len(_custody_actions(case_dir))

    # The identities come from a background worker.
    qtbot.waitUntil(lambda: bool(window._identities), timeout=30_000)

    # Browse every category: each shows rows (or honestly says it has none).
    shots = {"Messages": "05-messages", "Calls": "06-calls", "Contacts": "07-contacts", "Locations": "08-locations",
             "Reservations": "09-reservations", "Identities": "10-identities", "Warnings": "11-warnings"}
    for category in window.categories.categories():
        assert window.categories.select_label(category.label)
        model = window.table.model()
        if category.view == "artifacts":
            assert model.rowCount() == min(model.total(), 200), category.label
            if category.kind in ("message", "call", "contact", "geo_point", "reservation"):
                assert model.rowCount() > 0, category.label
        else:
            assert model.rowCount() > 0, category.label
        if category.label in shots:
            window.table.selectRow(0)
            save_shot(_settled(qtbot, window), screenshot_dir, shots[category.label])

    # A message: its conversation as bubbles, provenance and the source bytes.
    assert window.categories.select_label("Messages")
    model = window.artifact_model
    row = next(r for r in range(model.rowCount()) if "bring both passports" in (model.record(r).data.get("body") or "").lower())
    window.table.selectRow(row)
    record = model.record(row)
    assert window.detail.current == ("artifact", record.id)
    titles = [window.detail.tabs.tabText(i) for i in range(window.detail.tabs.count())]
    assert {"Fields", "Chat", "Provenance", "Bytes", "Custody"} <= set(titles)
    window.detail.tabs.setCurrentIndex(titles.index("Chat"))
    conversation = window.detail.thread.toPlainText().lower()
    assert "bring both passports" in conversation and "friday pickup" in conversation
    save_shot(_settled(qtbot, window), screenshot_dir, "12-message-conversation")
    window.detail.tabs.setCurrentIndex(titles.index("Bytes"))
    assert "SQLite format 3" in window.detail.hex.toPlainText()
    save_shot(_settled(qtbot, window), screenshot_dir, "13-source-bytes")

    # Tag it (Ctrl+T path) as concerning a victim.
    tag = window.tag_selected()
    tag.label.setCurrentText("victim")
    tag.note.setPlainText("first contact")
    tag.accept()
    assert tag.written is not None and tag.written.victim
    assert record.id in window.artifact_model.tagged

    # An identity of the contact graph can be tagged too.
    assert window.categories.select_label("Identities")
    window.table.selectRow(0)
    assert window.detail.current[0] == "identity"
    tag = window.tag_selected()
    tag.label.setCurrentText("suspect")
    tag.accept()
    assert tag.written is not None and tag.written.target_kind == "identity"

    # A photo: preview with its EXIF facts.
    assert window.categories.select_label("Locations")
    geo = window.artifact_model
    photo_row = next(r for r in range(geo.rowCount()) if geo.record(r).data.get("origin") == "exif")
    window.table.selectRow(photo_row)
    titles = [window.detail.tabs.tabText(i) for i in range(window.detail.tabs.count())]
    assert "Preview" in titles
    window.detail.tabs.setCurrentIndex(titles.index("Preview"))
    assert window.detail.preview_image.pixmap() is not None and not window.detail.preview_image.pixmap().isNull()
    save_shot(_settled(qtbot, window), screenshot_dir, "14-photo-preview")

    # A booking card.
    assert window.categories.select_label("Reservations")
    window.table.selectRow(0)
    titles = [window.detail.tabs.tabText(i) for i in range(window.detail.tabs.count())]
    window.detail.tabs.setCurrentIndex(titles.index("Booking"))
    save_shot(_settled(qtbot, window), screenshot_dir, "15-booking-card")

    # Full-text search (Ctrl+F), then a time range and a column filter.
    assert window.categories.select_label("All artifacts")
    window.focus_search()
    everything = window.artifact_model.total()
    qtbot.keyClicks(window.search_box, "passport")
    qtbot.waitUntil(lambda: window.artifact_model.query.text == "passport", timeout=5_000)
    bodies = [window.artifact_model.record(r).data.get("body") or "" for r in range(window.artifact_model.rowCount())]
    assert 0 < len(bodies) < everything and any("passport" in body.lower() for body in bodies)
    window.table.selectRow(0)
    save_shot(_settled(qtbot, window), screenshot_dir, "16-search")
    window.search_box.clear()
    window.since_box.setText("2026-03-02")
    window.until_box.setText("2026-03-02")
    window.apply_filters()
    times = [window.artifact_model.record(r).time for r in range(window.artifact_model.rowCount())]
    assert times and all(t.startswith("2026-03-02") for t in times)
    window.since_box.clear()
    window.until_box.clear()
    window.apply_filters()

    # The evidence tree: deleted entries marked.
    item = window.evidence_tree.find_path("sdcard/Documents/documents_kept.txt")
    assert item is not None and "(deleted)" in item.text(0)
    window.evidence_tree.setCurrentItem(item)
    assert window.detail.current is not None and window.detail.current[0] == "file"
    save_shot(_settled(qtbot, window), screenshot_dir, "17-evidence-tree")

    # The optional views, when the other engineer's modules are installed.
    for title, view in window.views.items():
        window.tabs.setCurrentWidget(view)
        qtbot.waitUntil(lambda view=view: not view.busy, timeout=30_000)
        save_shot(_settled(qtbot, window), screenshot_dir, "18-" + title.lower().replace(" ", "-"))

    # Verify from the window: passes, recorded as a verification.
    with qtbot.waitSignal(window.custody_view.verified, timeout=60_000):
        window.verify_case()
    assert window.custody_view.report.ok
    save_shot(_settled(qtbot, window), screenshot_dir, "19-custody-verify")

    if report_available():
        report = window.open_report()
        report.out.setText(str(tmp_path / "report"))
        for name, box in report.format_boxes.items():
            box.setChecked(name == "html")      # the PDF renderer has its own tests; keep this one quick
        with qtbot.waitSignal(report.completed, timeout=120_000):
            report.start()
        assert report.exit_code == 0
        save_shot(report, screenshot_dir, "20-report")
        report.accept()

    window.close()
    # The case verifies; since the ingest only the examiner's tag (and the verifications and
    # the report, which the CLI records too) were added.
    added = _custody_actions(case_dir)[after_ingest:]
    assert "tag.add" in added
    assert set(added) <= {"tag.add", "verify", "report", "report.write", "report.create"}, added
    store = CaseStore.open(case_dir)
    try:
        assert run_silently(verify_case(store)).ok
        details = [json.loads(row[0]) for row in store.conn.execute("SELECT details FROM custody WHERE action = 'tag.add'")]
        assert details[0]["victim"] is True and "first contact" not in json.dumps(details)
    finally:
        store.close()
