"""Add evidence and ingest run as child processes (`forensic-triage --progress-json`) read with
QProcess: their JSON lines arrive as the same signals a worker thread emits; a failure is its
one-line message; cancel is SIGINT to the child's process group, then SIGTERM after a grace
period; an encrypted case's passphrase reaches the child through the environment only."""

from __future__ import annotations

import sys

from forensic_triage.store import crypto
from forensic_triage.store.case_store import CaseStore
from tests.conftest import small_fat_image


def test_error_message_is_the_commands_one_line():
    from forensic_triage.gui.workers import error_message

    assert error_message("some library warning\nerror: no such file: x.img\n", "add", 2) == "no such file: x.img"
    assert error_message("internal error: KeyError: 'a' (set FORENSIC_TRIAGE_DEBUG=1 ...)\n", "add", 3) \
        .startswith("Internal error: KeyError")
    assert error_message("", "the ingest command", 9) == "the ingest command stopped with exit code 9"


def test_progress_record_round_trip():
    from forensic_triage.cli_progress import progress_record
    from forensic_triage.gui.workers import progress_from_record
    from forensic_triage.progress import Progress

    event = Progress(stage="plugins", done=3, total=9, unit="files", files=3, bytes=None, warnings=2, detail="x.db")
    assert progress_from_record(progress_record(event, 1.5, 4.0)) == event


def test_add_then_ingest_in_child_processes(qtbot, tmp_path):
    from forensic_triage.gui.workers import add_evidence_process, ingest_process

    image = small_fat_image(tmp_path / "disk.img", files=6, databases=True)
    case = tmp_path / "case"
    CaseStore.create(case, case_number="P-1", examiner="Tester").close()
    job = add_evidence_process(case, image, exhibit_id="USB-1", description="stick")
    seen = []
    job.progress.connect(seen.append)
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        job.start()
    row = blocker.args[0]
    assert row["exhibit_id"] == "USB-1" and row["description"] == "stick" and len(row["sha256"]) == 64
    assert seen and seen[-1].stage == "hashing evidence" and seen[-1].done == seen[-1].total
    assert not job.running() and job.wait()

    job = ingest_process(case, jobs=1)
    stages = []
    job.progress.connect(lambda event: stages.append(event.stage))
    with qtbot.waitSignal(job.finished, timeout=120_000) as blocker:
        job.start()
    assert blocker.args[0]["ingest"]["evidence"][0]["exhibit_id"] == "USB-1"
    assert "plugins" in stages


def test_failure_is_a_one_line_message(qtbot, tmp_path):
    from forensic_triage.gui.workers import add_evidence_process

    case = tmp_path / "case"
    CaseStore.create(case, case_number="P-2", examiner="Tester").close()
    job = add_evidence_process(case, tmp_path / "missing.img")
    with qtbot.waitSignal(job.failed, timeout=60_000) as blocker:
        job.start()
    message, details = blocker.args
    assert message and "\n" not in message and not message.startswith("error:") and "Traceback" not in message
    assert message in details


def test_cancel_escalates_to_sigterm_for_the_whole_group(qtbot, tmp_path):
    """A child that ignores SIGINT (and its own child) is ended with SIGTERM after the grace period."""
    from forensic_triage.gui.workers import ProcessJob

    marker = tmp_path / "grandchild.pid"
    script = ("import os, signal, subprocess, sys, time\n"
              "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
              "print('{\"event\": \"progress\", \"stage\": \"waiting\", \"done\": 1, \"total\": 2}', flush=True)\n"
              "time.sleep(60)\n")
    job = ProcessJob([], what="test", grace_s=0.5)
    job.process.setArguments(["-c", script])
    job.progress.connect(lambda _event: job.cancel())
    with qtbot.waitSignal(job.cancelled, timeout=20_000):
        job.start()
    grandchild = int(marker.read_text())
    qtbot.waitUntil(lambda: not _alive(grandchild), timeout=5_000)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie until its parent's parent reaps it counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_encrypted_case_passphrase_travels_in_the_environment(qtbot, tmp_path, monkeypatch):
    from forensic_triage.gui.workers import add_evidence_process

    passphrase = "correct horse battery staple"
    case = tmp_path / "case"
    CaseStore.create(case, case_number="P-3", examiner="Tester", encrypt=True, passphrase=passphrase,
                     kdf_cost=(2**12, 8, 1)).close()
    image = small_fat_image(tmp_path / "disk.img", files=3)
    monkeypatch.delenv(crypto.PASSPHRASE_ENV, raising=False)
    job = add_evidence_process(case, image)
    with qtbot.waitSignal(job.failed, timeout=60_000) as blocker:
        job.start()
    assert "passphrase" in blocker.args[0].lower() and "Traceback" not in blocker.args[1]

    monkeypatch.setenv(crypto.PASSPHRASE_ENV, passphrase)      # what the GUI's passphrase dialog does
    job = add_evidence_process(case, image)
    assert all(passphrase not in argument for argument in [sys.executable, *job.process.arguments()])
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        job.start()
    assert blocker.args[0]["exhibit_id"] == "E001"


def test_verify_runs_in_a_child_process_and_names_a_failure(qtbot, tmp_path):
    """The custody view's verify job: a passing case, then one edited behind the triggers' back
    (exit 1 is still a report: the failure named, not an error)."""
    import sqlite3

    from forensic_triage.gui.workers import WorkThread, verify_job

    case = tmp_path / "case"
    CaseStore.create(case, case_number="P-4", examiner="Tester").close()

    def run() -> object:
        job = WorkThread(*verify_job(case))
        with qtbot.waitSignal(job.runner.finished, timeout=60_000) as blocker:
            job.start()
        job.wait()
        return blocker.args[0]

    report = run()
    assert report.ok and report.checks and all(check.ok for check in report.checks)
    conn = sqlite3.connect(case / "case.sqlite", isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS custody_no_update")
    conn.execute("UPDATE custody SET examiner = 'Someone else' WHERE seq = 1")
    conn.close()
    report = run()
    assert not report.ok and report.first_failure.detail
    store = CaseStore.open(case)
    try:
        verifications = store.conn.execute("SELECT count(*) FROM custody WHERE action = 'verify'").fetchone()[0]
    finally:
        store.close()
    assert verifications == 2       # both recorded by the command, as the CLI records them


def test_ingest_options_reach_the_child(tmp_path):
    from forensic_triage.gui.workers import ingest_process

    job = ingest_process(tmp_path, plugin_names=["android.sms"], recover_deleted=True, jobs=1)
    assert job.args[:2] == ["ingest", str(tmp_path)]
    assert "--recover-deleted" in job.args and job.args[job.args.index("--plugins") + 1] == "android.sms"
    assert "--recover-deleted" not in ingest_process(tmp_path).args
