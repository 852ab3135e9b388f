"""Shared test helpers: the corpus location, cases made by the project's own code, and a CLI runner."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.fat_image import FatEntry, write_fat_image
from forensic_triage.evidence.add import add_evidence
from forensic_triage.ingest.run import ingest
from forensic_triage.progress import run_silently
from forensic_triage.store.case_store import CaseStore

PROJECT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT.parent / "shared" / "corpus"
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def corpus_path(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path} (the third-party test corpus lives in ../shared/corpus)")
    return path


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sqlite_bytes(rows: int = 3) -> bytes:
    """A small real SQLite database, made here."""
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "app.db"
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE message (_id INTEGER PRIMARY KEY, body TEXT, date INTEGER)")
        conn.executemany("INSERT INTO message (body, date) VALUES (?, ?)",
                         [(f"hello {i}", 1_700_000_000_000 + i) for i in range(rows)])
        conn.commit()
        conn.close()
        return db.read_bytes()


def small_fat_image(path: Path, files: int = 5, *, deleted: int = 1, size: int = 8 * 1024 * 1024,
                    databases: bool = False) -> Path:
    entries = [FatEntry(path=f"dir{i % 3}/file{i:04d}.txt", data=f"content {i}\n".encode() * (i + 1), mtime=T0)
               for i in range(files)]
    entries += [FatEntry(path=f"gone/deleted{i}.txt", data=f"deleted {i}\n".encode() * 20, mtime=T0, deleted=True)
                for i in range(deleted)]
    if databases:
        good = sqlite_bytes()
        entries += [FatEntry(path="apps/com.example/databases/app.db", data=good, mtime=T0),
                    FatEntry(path="apps/com.example/databases/broken.db", data=good[:100] + bytes(900), mtime=T0),
                    FatEntry(path="pictures/holiday.jpg", data=good, mtime=T0)]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_fat_image(path, entries, size_bytes=size)
    return path


def new_case(directory: Path) -> CaseStore:
    return CaseStore.create(directory, case_number="T-1", examiner="Test Examiner", region="GB")


def add_and_ingest(store: CaseStore, evidence: Path, *, plugins: bool = False, jobs: int = 1, **add_kwargs) -> dict:
    row = run_silently(add_evidence(store, evidence, **add_kwargs))
    run_silently(ingest(store, evidence_keys=[row["exhibit_id"]], no_plugins=not plugins, jobs=jobs))
    return row


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forensic_triage", "-q", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


@pytest.fixture
def fat_image(tmp_path: Path) -> Path:
    return small_fat_image(tmp_path / "evidence" / "disk.img")
