"""Logical acquisitions (folder, zip, tar, tar.gz): every member listed and hashed, hostile names
flagged but never followed, and nothing extracted to the workstation."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from forensic_triage.evidence.add import add_evidence
from forensic_triage.ingest.run import ingest
from forensic_triage.progress import run_silently
from forensic_triage.verify import verify_case
from tests.conftest import new_case

FILES = {
    "data/data/com.example/databases/app.db": b"SQLite format 3\x00" + bytes(200),
    "sdcard/DCIM/photo.jpg": b"\xff\xd8\xff\xe0" + b"x" * 5000,
    "sdcard/notes/empty.txt": b"",
    "sdcard/notes/käse.txt": "ümlaut\n".encode(),
}


def _expected() -> dict[str, str]:
    return {path: hashlib.sha256(data).hexdigest() for path, data in FILES.items()}


def _listed(store) -> dict[str, str]:
    return {row["path"]: row["sha256"] for row in store.conn.execute("SELECT path, sha256 FROM files WHERE type = 'regular'")}


def _ingest(store, path: Path) -> dict:
    row = run_silently(add_evidence(store, path))
    run_silently(ingest(store, no_plugins=True, jobs=1))
    return row


def test_folder(tmp_path):
    root = tmp_path / "extraction"
    for path, data in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    os.symlink("/etc/passwd", root / "sdcard" / "link-out")
    store = new_case(tmp_path / "case")
    row = _ingest(store, root)
    assert row["container"] == "folder"
    assert _listed(store) == _expected()
    link = store.conn.execute("SELECT * FROM files WHERE path = 'sdcard/link-out'").fetchone()
    assert link["type"] == "symlink" and link["link_target"] == "/etc/passwd" and link["sha256"] is None
    assert {"data", "sdcard/DCIM"} <= {r[0] for r in store.conn.execute("SELECT path FROM files WHERE type='directory'")}
    assert run_silently(verify_case(store, image=True)).ok


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_tar(tmp_path, mode):
    archive = tmp_path / ("phone.tar" + (".gz" if mode.endswith("gz") else ""))
    with tarfile.open(archive, mode) as tar:
        for path, data in FILES.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    store = new_case(tmp_path / "case")
    row = _ingest(store, archive)
    assert row["container"] == "tar"
    assert _listed(store) == _expected()
    mtimes = {r[0] for r in store.conn.execute("SELECT mtime FROM files")}
    assert mtimes == {"2023-11-14T22:13:20Z"}
    assert run_silently(verify_case(store, image=True)).ok


def test_zip_with_hostile_names(tmp_path):
    archive = tmp_path / "extraction.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in FILES.items():
            zf.writestr(path, data)
        zf.writestr("../../../../tmp/escape.txt", b"should never land on disk")
        zf.writestr("/abs/path.txt", b"absolute")
        zf.writestr("bomb.bin", bytes(5_000_000))      # compresses ~1000:1
    store = new_case(tmp_path / "case")
    row = _ingest(store, archive)
    assert row["container"] == "zip"
    listed = _listed(store)
    assert {path: listed[path] for path in FILES} == _expected()
    assert listed["tmp/escape.txt"] == hashlib.sha256(b"should never land on disk").hexdigest()
    assert listed["bomb.bin"] == hashlib.sha256(bytes(5_000_000)).hexdigest()
    assert not Path("/tmp/escape.txt").exists()
    messages = [r[0] for r in store.conn.execute("SELECT message FROM warnings WHERE code = 'walk.issue'")]
    assert any("climbs out of the archive" in message for message in messages)
    assert any("absolute member name" in message for message in messages)


def test_truncated_zip_is_refused(tmp_path):
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.txt", b"a" * 10000)
    archive.write_bytes(archive.read_bytes()[:-30])
    store = new_case(tmp_path / "case")
    from forensic_triage.errors import EvidenceError

    with pytest.raises(EvidenceError, match="corrupt zip"):
        run_silently(add_evidence(store, archive))
    assert store.count("evidence") == 0


def test_truncated_tar_gz_is_refused(tmp_path):
    archive = tmp_path / "cut.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = os.urandom(200_000)
        info = tarfile.TarInfo("big.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    archive.write_bytes(archive.read_bytes()[:50_000])
    store = new_case(tmp_path / "case")
    from forensic_triage.errors import EvidenceError

    with pytest.raises(EvidenceError, match="corrupt or truncated"):
        run_silently(add_evidence(store, archive))
    assert store.count("evidence") == 0
