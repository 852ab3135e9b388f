"""kill -9 at any moment, run `ingest` again: the store ends with exactly the rows and digests
an uninterrupted run gives."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forensic_triage.demo.fat_image import FatEntry, write_fat_image
from tests.conftest import T0, run_cli, sqlite_bytes

FILE_COLUMNS = "id, evidence_id, seq, path, inode, deleted, size, md5, sha1, sha256, blake3, mtime, head, row_digest"
ARTIFACT_COLUMNS = "id, kind, file_id, plugin, plugin_version, data, provenance, digest, row_digest"


def _image(path: Path) -> Path:
    database = sqlite_bytes(rows=50)
    entries = [FatEntry(path=f"d{i % 40:02d}/f{i:05d}.bin", data=(f"{i}".encode() * 64)[: 200 + i % 3000], mtime=T0)
               for i in range(12_000)]
    entries += [FatEntry(path=f"apps/a{i:03d}/databases/store.db", data=database, mtime=T0) for i in range(300)]
    entries += [FatEntry(path="gone/old.bin", data=b"x" * 5000, mtime=T0, deleted=True)]
    write_fat_image(path, entries, size_bytes=96 * 1024 * 1024, fat_type=32)
    return path


def _snapshot(case: Path) -> tuple[list, list]:
    conn = sqlite3.connect(case / "case.sqlite")
    files = conn.execute(f"SELECT {FILE_COLUMNS} FROM files ORDER BY id").fetchall()
    artifacts = conn.execute(f"SELECT {ARTIFACT_COLUMNS} FROM artifacts ORDER BY id").fetchall()
    conn.close()
    return files, artifacts


def _count(case: Path, table: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True, timeout=0.2)
        try:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def _new_case(tmp_path: Path, name: str, image: Path) -> Path:
    case = tmp_path / name
    assert run_cli("case", "create", case, "--case-number", "K", "--examiner", "E").returncode == 0
    assert run_cli("add", case, image, "--exhibit-id", "E1").returncode == 0
    return case


def _kill_when(case: Path, table: str, jobs: int) -> None:
    """Start an ingest and SIGKILL its whole process group once `table` has rows."""
    process = subprocess.Popen([sys.executable, "-m", "forensic_triage", "-q", "ingest", str(case), "--jobs", str(jobs)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if _count(case, table) > 0:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"ingest finished or stalled before any {table} row was written: cannot test the kill")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("resume")
    image = _image(tmp_path / "disk.img")
    case = _new_case(tmp_path, "uninterrupted", image)
    result = run_cli("ingest", case, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    return image, _snapshot(case)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["files", "plugin_runs"])
def test_kill_9_then_resume_gives_identical_rows(reference, tmp_path, stage):
    image, (files, artifacts) = reference
    assert len(files) > 12_000 and len(artifacts) >= 300
    case = _new_case(tmp_path, f"killed-in-{stage}", image)
    _kill_when(case, stage, jobs=2)
    interrupted_files = _count(case, "files")
    assert interrupted_files < len(files) or _count(case, "plugin_runs") < 300 * 2
    result = run_cli("ingest", case, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert _snapshot(case) == (files, artifacts)
    verified = run_cli("verify", case)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.4, 1.1, 2.3])
def test_killed_at_a_random_moment_the_store_verifies_and_resumes(reference, tmp_path, delay):
    """Power-loss stand-in: SIGKILL the whole process group after `delay` seconds, whatever it is
    doing; every committed row is sealed, so `verify` passes before any resume."""
    image, (files, artifacts) = reference
    case = _new_case(tmp_path, "random-kill", image)
    process = subprocess.Popen([sys.executable, "-m", "forensic_triage", "-q", "ingest", str(case), "--jobs", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    verified = run_cli("verify", case)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert run_cli("ingest", case, "--jobs", "2").returncode == 0
    assert _snapshot(case) == (files, artifacts)
