"""The built-in file.signature_mismatch plugin, run through the shipped `run_extractor` fixture."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.sdk import SQLITE_MAGIC
from forensic_triage_plugins.signature_mismatch import SIGNATURES, SignatureMismatchFinder

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(100)
BPLIST = b"bplist00" + bytes(50)
GIF = b"GIF89a" + bytes(50)

SQLITE_EXTENSIONS = next(exts for kind, _m, _o, exts in SIGNATURES if kind == "sqlite")
JPEG_EXTENSIONS = next(exts for kind, _m, _o, exts in SIGNATURES if kind == "jpeg")


def sqlite_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE secrets (x)")
    conn.execute("INSERT INTO secrets VALUES ('hidden')")
    conn.commit()
    conn.close()
    return path


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_plugin_passes_host_checks():
    assert check_plugin(SignatureMismatchFinder) == []


def test_selects_cover_every_signature():
    for kind, magic, offset, _extensions in SIGNATURES:
        head = bytes(offset) + magic + bytes(8)
        assert any(select.matches_head(head) for select in SignatureMismatchFinder.selects), kind
    assert not any(select.matches_head(b"plain text, no signature") for select in SignatureMismatchFinder.selects)


def test_sqlite_database_named_jpg_is_flagged(run_extractor, tmp_path):
    path = sqlite_file(tmp_path / "DCIM" / "holiday.jpg")
    result = run_extractor(SignatureMismatchFinder, path)
    assert result.status == "ok"
    assert result.warnings == []
    assert result.kinds() == {"signature_mismatch": 1}
    [data] = result.data()
    assert data == {"extension": "jpg", "detected_type": "sqlite", "expected_extensions": list(SQLITE_EXTENSIONS)}
    assert result.artifacts[0].locator == {"offset": 0, "length": len(SQLITE_MAGIC)}


def test_real_database_is_not_flagged(run_extractor, tmp_path):
    for name in ("app.db", "Store.SQLITE", "ChatStorage.sqlite", "AddressBook.sqlitedb"):
        result = run_extractor(SignatureMismatchFinder, sqlite_file(tmp_path / name))
        assert result.status == "ok"
        assert result.artifacts == [], name


def test_jpeg_named_jpg_is_not_flagged(run_extractor, tmp_path):
    for name in ("photo.jpg", "PHOTO.JPG", "photo.jpeg", "thumb.thm"):
        result = run_extractor(SignatureMismatchFinder, write(tmp_path / name, JPEG))
        assert result.artifacts == [], name
        assert result.warnings == []


def test_jpeg_named_txt_is_flagged(run_extractor, tmp_path):
    result = run_extractor(SignatureMismatchFinder, write(tmp_path / "notes.txt", JPEG))
    [data] = result.data("signature_mismatch")
    assert data == {"extension": "txt", "detected_type": "jpeg", "expected_extensions": list(JPEG_EXTENSIONS)}
    assert result.artifacts[0].locator == {"offset": 0, "length": 3}


@pytest.mark.parametrize(("name", "content", "detected"), [
    ("image.jpg", PNG, "png"),
    ("invoice.doc", PDF, "pdf"),
    ("settings.txt", BPLIST, "bplist"),
    ("cat.png", GIF, "gif"),
    ("archive.zip", JPEG, "jpeg"),
])
def test_other_disguises_are_flagged(run_extractor, tmp_path, name, content, detected):
    result = run_extractor(SignatureMismatchFinder, write(tmp_path / name, content))
    [data] = result.data()
    assert data["detected_type"] == detected
    assert data["extension"] == name.rsplit(".", 1)[1]


@pytest.mark.parametrize(("name", "content"), [
    ("image.png", PNG), ("doc.pdf", PDF), ("Info.plist", BPLIST), ("anim.gif", GIF),
    ("cache.bin", SQLITE_MAGIC + bytes(100)),     # "bin" is legitimate for both SQLite and bplist
    ("prefs.bin", BPLIST),
])
def test_matching_extension_not_flagged(run_extractor, tmp_path, name, content):
    assert run_extractor(SignatureMismatchFinder, write(tmp_path / name, content)).artifacts == []


def test_no_extension_is_not_flagged(run_extractor, tmp_path):
    assert run_extractor(SignatureMismatchFinder, sqlite_file(tmp_path / "Manifest")).artifacts == []
    assert run_extractor(SignatureMismatchFinder, write(tmp_path / "blob", JPEG)).artifacts == []


def test_unrecognised_content_is_not_flagged(run_extractor, tmp_path):
    result = run_extractor(SignatureMismatchFinder, write(tmp_path / "readme.jpg", b"just some text\n"))
    assert result.status == "ok"
    assert result.artifacts == []
    assert run_extractor(SignatureMismatchFinder, write(tmp_path / "tiny.txt", b"\xff\xd8")).artifacts == []
    assert run_extractor(SignatureMismatchFinder, write(tmp_path / "zero.txt", b"")).artifacts == []


def test_wal_companion_is_not_flagged(run_extractor, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    writer = sqlite3.connect(live / "app.db")
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE t (x)")
        writer.execute("INSERT INTO t VALUES (1)")
        writer.commit()
        evidence = tmp_path / "evidence"
        evidence.mkdir()
        for suffix in ("", "-wal", "-shm"):
            shutil.copyfile(live / f"app.db{suffix}", evidence / f"app.db{suffix}")
    finally:
        writer.close()
    for name in ("app.db", "app.db-wal", "app.db-shm"):
        result = run_extractor(SignatureMismatchFinder, evidence / name)
        assert result.status == "ok"
        assert result.artifacts == [], name


@pytest.mark.parametrize("name", ["app.db-wal", "app.db-shm", "app.db-journal", "photo.jpg-journal"])
def test_companion_names_are_exempt_even_with_a_signature(run_extractor, tmp_path, name):
    # A companion can begin with a copied database page; its "db-wal" style extension is no disguise.
    result = run_extractor(SignatureMismatchFinder, write(tmp_path / name, SQLITE_MAGIC + bytes(100)))
    assert result.artifacts == []


def test_only_first_matching_signature_reported(run_extractor, tmp_path):
    # bplist and sqlite both list "bin"; content decides which signature applies, and only one is reported.
    result = run_extractor(SignatureMismatchFinder, write(tmp_path / "x.dat.txt", SQLITE_MAGIC + bytes(100)))
    assert [data["detected_type"] for data in result.data()] == ["sqlite"]
