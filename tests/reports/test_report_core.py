"""The report model and the report command: exhibits and hashes, versions, scope, conversations,
the manifest, one custody entry per report, a files-only case, and failures that claim nothing."""

from __future__ import annotations

import errno
import json
import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from forensic_triage.errors import TriageError
from forensic_triage.report import run as run_mod
from forensic_triage.report.model import ReportOptions, build_model
from forensic_triage.report.run import run_report
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import Scope, custody_entries
from tests.conftest import run_cli
from tests.reports.report_cases import OTHER, SCRIPT_BODY, files_only_case, phone_case


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    return phone_case(tmp_path_factory.mktemp("phone"), victim=False)


@pytest.fixture(scope="module")
def files_only(tmp_path_factory):
    return files_only_case(tmp_path_factory.mktemp("files"))


def _custody(case_dir: Path) -> list[dict]:
    store = CaseStore.open(case_dir)
    try:
        return list(custody_entries(store))
    finally:
        store.close()


def test_model_holds_exhibits_versions_verification_and_conversations(phone):
    with build_model(phone.case_dir, ReportOptions(formats=("html",))) as model:
        (exhibit,) = model.exhibits
        assert exhibit.exhibit_id == "PHONE-01"
        assert exhibit.verdict == "match"
        assert exhibit.report_time_hashes == exhibit.ingest_hashes
        assert set(exhibit.ingest_hashes) == {"md5", "sha1", "sha256", "blake3"}
        assert model.plugin_versions["android.sms"] and model.plugin_versions["android.contacts"]
        assert "python" in model.library_versions and "jinja2" in model.library_versions
        assert model.verification["ok"] is True
        assert model.counts["message"] == 6 and model.counts["contact"] == 2 and model.counts["files"] >= 2
        assert "UTC" in model.time_zone_policy and model.methodology
        conversations = list(model.conversations())
        assert sum(len(c.messages) for c in conversations) == 6
        for conversation in conversations:
            times = [m.time for m in conversation.messages]
            assert times == sorted(times)
        pictures = [m for m in model.records("message") if m.data.get("attachments")]
        assert len(pictures) == 2
        assert all(model.attachment_bytes(m, m.data["attachments"][0]).startswith(b"\xff\xd8") for m in pictures)
        message = next(model.records("message"))
        short = model.provenance_short(message)
        assert short.startswith("PHONE-01 · data/data/com.android.providers.telephony/databases/mmssms.db")
        assert "android.sms@" in short and "table sms row" in short
        full = model.provenance_full(message)
        assert full["file_sha256"] and full["artifact_digest"] == message.digest
        assert model.file_info(message.file_id)["name"] == "mmssms.db"
        assert model.display_name(OTHER).startswith("Driver Dan")
        assert model.contact_graph() is not None


def test_scope_limits_kinds_and_time(phone):
    scope = Scope(kinds=("message",), since="2026-03-01T09:31:00Z", until="2026-03-01T09:32:30Z")
    with build_model(phone.case_dir, ReportOptions(formats=("html",), scope=scope, verify_evidence=False)) as model:
        assert model.counts["message"] == 2
        assert "contact" not in model.counts
        assert list(model.records("contact")) == []
        assert len([m for c in model.conversations() for m in c.messages]) == 2
        assert model.exhibits[0].verdict == "not re-read"
        assert any("limited in scope" in paragraph for paragraph in model.methodology)


def test_report_command_writes_manifest_and_one_custody_entry(phone, tmp_path):
    before = _custody(phone.case_dir)
    out = tmp_path / "report"
    done = run_cli("report", phone.case_dir, "--format", "html,graphml", "--out", out, "--title", "Operation Test",
                   "--requester", "DI Smith", "--authority", "Warrant 42/2026")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {item["path"] for item in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    assert {"index.html", "contact-graph.graphml", "assets/report.js"} <= listed
    assert manifest["options"]["authority"] == "Warrant 42/2026"
    after = _custody(phone.case_dir)
    assert len(after) == len(before) + 1
    entry = after[-1]
    assert entry["action"] == "report"
    details = entry["details"]
    assert details["report_id"] == manifest["report_id"]
    assert details["reference"].startswith(manifest["report_id"] + ".")
    assert details["formats"] == ["html", "graphml"]
    assert {item["path"] for item in details["files"]} == listed
    import hashlib
    assert details["manifest"]["sha256"] == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    # Custody holds ids and hashes, never what the messages say.
    assert "station" not in json.dumps(details) and OTHER not in json.dumps(details)
    verified = run_cli("verify", phone.case_dir)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_files_only_case_still_reports(files_only, tmp_path):
    out = tmp_path / "r"
    formats = tuple(fmt for fmt in run_mod.available_formats() if fmt != "pdf")
    result = run_report(files_only.case_dir, ReportOptions(formats=formats), out)
    assert (out / "index.html").exists()
    assert result.files and result.custody_seq
    page = (out / "index.html").read_text()
    assert "Exhibits and hashes" in page and "Custody log" in page
    assert "Conversations" not in page


def test_an_existing_folder_is_refused(files_only, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(TriageError, match="not an empty folder"):
        run_report(files_only.case_dir, ReportOptions(formats=("html",)), out)


def test_unwritable_place_is_a_one_line_error_and_claims_nothing(files_only, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    before = len(_custody(files_only.case_dir))
    done = run_cli("report", files_only.case_dir, "--format", "html", "--out", blocker / "report")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert len(_custody(files_only.case_dir)) == before


def test_disk_full_while_writing_leaves_no_folder_and_no_custody(files_only, tmp_path, monkeypatch):
    def full(model, out, *, progress=None):
        (out / "index.html").write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "index.html"))

    monkeypatch.setitem(run_mod.WRITERS, "html", ("tests.reports.test_report_core", "_unused"))
    monkeypatch.setattr(run_mod, "_writer", lambda fmt: full)
    before = len(_custody(files_only.case_dir))
    out = tmp_path / "full"
    with pytest.raises(TriageError, match="No space left on device"):
        run_report(files_only.case_dir, ReportOptions(formats=("html",)), out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".full.partial")]
    assert len(_custody(files_only.case_dir)) == before


def test_changed_evidence_is_a_mismatch(tmp_path):
    case = files_only_case(tmp_path / "c")
    image = tmp_path / "c" / "files.img"
    data = bytearray(image.read_bytes())
    data[-1] ^= 0xFF
    image.write_bytes(bytes(data))
    with build_model(case.case_dir, ReportOptions(formats=("html",))) as model:
        assert model.exhibits[0].verdict == "MISMATCH"
        assert "changed" in model.exhibits[0].verdict_detail


def test_the_script_body_is_in_the_model_unchanged(phone):
    with build_model(phone.case_dir, ReportOptions(formats=("html",), verify_evidence=False)) as model:
        assert SCRIPT_BODY in [m.data["body"] for m in model.records("message")]


def test_missing_evidence_is_not_reread(tmp_path):
    case = files_only_case(tmp_path / "c")
    shutil.move(tmp_path / "c" / "files.img", tmp_path / "moved.img")
    with build_model(case.case_dir, ReportOptions(formats=("html",))) as model:
        assert model.exhibits[0].verdict == "not re-read"
        assert "not reachable" in model.exhibits[0].verdict_detail


def test_time_options_and_tagged_only(phone):
    from forensic_triage.commands.report import _time

    assert _time("2026-03-01", "--from") == "2026-03-01T00:00:00Z"
    assert _time("2026-03-01", "--to") == "2026-03-01T23:59:59.999Z"
    assert _time("2026-03-01T10:30:00+01:00", "--from") == "2026-03-01T09:30:00Z"
    with pytest.raises(TriageError, match="give a date"):
        _time("yesterday", "--from")
    with build_model(phone.case_dir, ReportOptions(formats=("html",), scope=Scope(tagged_only=True),
                                                   verify_evidence=False)) as model:
        assert list(model.records("message")) == [] and list(model.conversations()) == []


@pytest.fixture
def small_disk():
    """A real 48 KiB tmpfs (needs root; skipped otherwise)."""
    import subprocess
    import uuid

    mount = Path("/tmp") / f"ft-report-full-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip("cannot mount a size-limited tmpfs here (needs root): " + done.stderr.decode().strip())
    yield mount
    subprocess.run(["umount", str(mount)], check=False)
    mount.rmdir()


def test_a_real_full_disk_claims_nothing(phone, small_disk):
    before = len(_custody(phone.case_dir))
    out = small_disk / "report"
    with pytest.raises(TriageError, match="No space left on device") as caught:
        run_report(phone.case_dir, ReportOptions(formats=("html",), verify_evidence=False), out)
    assert "nothing was recorded in custody" in str(caught.value)
    assert list(small_disk.iterdir()) == []                  # no report folder, no partial folder
    assert len(_custody(phone.case_dir)) == before


def test_a_long_thread_comes_in_parts(phone, monkeypatch):
    from forensic_triage.report import model as model_mod

    monkeypatch.setattr(model_mod, "CONVERSATION_PART", 1)
    with build_model(phone.case_dir, ReportOptions(formats=("html",), verify_evidence=False)) as model:
        parts = list(model.conversations())
    assert sum(len(c.messages) for c in parts) == 6 and all(len(c.messages) == 1 for c in parts)
    threads = [(c.app, c.thread) for c in parts]
    for before, after in pairwise(parts):
        assert before.continues == ((before.app, before.thread) == (after.app, after.thread))
        if before.continues:
            assert after.part == before.part + 1
    assert len(set(threads)) < len(threads)
