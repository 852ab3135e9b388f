"""Workers relay the core's progress events as signals, throttled, and cancel by closing the
generator; the layout and the recent cases survive a restart (QSettings)."""

from __future__ import annotations

import time

from forensic_triage.progress import Finished, Notice, Progress


def test_worker_relays_events_and_result(qtbot):
    from forensic_triage.gui.workers import WorkThread

    def work():
        for done in range(50):
            yield Progress(stage="counting", done=done, total=50, unit="files")
        yield Notice(message="look at this")
        yield Finished(result={"answer": 42})

    job = WorkThread(work)
    seen, notices = [], []
    job.runner.progress.connect(seen.append)
    job.runner.notice.connect(notices.append)
    with qtbot.waitSignal(job.runner.finished, timeout=10_000) as blocker:
        job.start()
    job.wait()
    assert blocker.args == [{"answer": 42}] and notices == ["look at this"]
    # Throttled, but the last figures always arrive.
    assert 1 <= len(seen) < 50 and seen[-1].done == 49


def test_cancel_closes_the_work(qtbot):
    from forensic_triage.gui.workers import WorkThread

    closed = []

    def work():
        try:
            for done in range(10_000):
                time.sleep(0.005)
                yield Progress(stage="slow", done=done, total=10_000)
        finally:
            closed.append(True)   # where the core rolls back and releases its lock

    job = WorkThread(work)
    job.runner.progress.connect(lambda _event: job.cancel())
    with qtbot.waitSignal(job.runner.cancelled, timeout=10_000):
        job.start()
    job.wait()
    assert closed == [True]


def test_failures_are_one_line_messages(qtbot):
    from forensic_triage.errors import EvidenceError
    from forensic_triage.gui.workers import WorkThread

    def work():
        raise EvidenceError("corrupt zip archive x.zip")
        yield  # pragma: no cover - makes this a generator

    job = WorkThread(work)
    with qtbot.waitSignal(job.runner.failed, timeout=10_000) as blocker:
        job.start()
    job.wait()
    assert blocker.args == ["corrupt zip archive x.zip", ""]


def test_rate_and_eta():
    from forensic_triage.gui.workers import RateMeter

    meter = RateMeter()
    meter.update(Progress(stage="hashing", done=0, total=1000, unit="B"), now=0.0)
    rate = meter.update(Progress(stage="hashing", done=500, total=1000, unit="B"), now=5.0)
    assert rate.per_second == 100 and rate.eta_s == 5


def test_layout_and_recent_cases_are_remembered(qtbot, tmp_path):
    from forensic_triage.gui.main_window import MainWindow
    from forensic_triage.store.case_store import CaseStore

    case = tmp_path / "case"
    CaseStore.create(case, case_number="R-1", examiner="Tester").close()
    first = MainWindow()
    qtbot.addWidget(first)
    assert first.open_case(case)
    first.detail_dock.hide()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.recent_cases()[0] == str(case.resolve())
    assert second.start_screen.recent.item(0).text().startswith(str(case.resolve()))
    assert second._layout_restored
    assert second.action_search.shortcut().toString() == "Ctrl+F"
    assert second.action_tag.shortcut().toString() == "Ctrl+T"


def test_time_range_text():
    from forensic_triage.gui.main_window import normalise_time

    assert normalise_time("2026-03-01", end=False) == "2026-03-01T00:00:00Z"
    assert normalise_time("2026-03-01", end=True) == "2026-03-01T23:59:59Z"
    assert normalise_time("2026-03-01 14:30+01:00", end=False) == "2026-03-01T13:30:00Z"
    assert normalise_time("", end=True) is None


def test_gui_command_without_a_display_says_so(tmp_path):
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "forensic_triage", "gui", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "no display" in done.stderr and "Traceback" not in done.stderr
