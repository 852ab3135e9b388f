"""Every crash the fuzzers found, as a test with a tiny reproducer made here by code (never a copied
corpus file). Each test names the campaign finding it comes from."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import pytest
from forensic_triage_plugins.boarding_passes import BoardingPassText
from forensic_triage_plugins.mail_reservations import _charset, pst_messages
from forensic_triage_plugins.sqlite_inventory import SQLiteInventory
from forensic_triage_plugins.wallet_passes import WalletPasses

from forensic_triage.demo.apps.travel import boarding_pass_json, demo_bcbp, pkpass
from forensic_triage.sdk.pytest_plugin import run_on_file


def _pass_bytes() -> bytes:
    return pkpass(boarding_pass_json(bcbp=demo_bcbp()))


def _member_data_offset(archive: bytes, name: bytes) -> tuple[int, int]:
    """(start of a member's stored data, its compressed size), from its local header."""
    position = archive.find(b"PK\x03\x04")
    while position >= 0:
        compressed, _size, name_len, extra_len = struct.unpack_from("<IIHH", archive, position + 18)
        if archive[position + 30:position + 30 + name_len] == name:
            return position + 30 + name_len + extra_len, compressed
        position = archive.find(b"PK\x03\x04", position + 4)
    raise AssertionError(f"{name!r} not in the archive")


def _codes(result) -> list[str]:
    return sorted(warning.code for warning in result.warnings)


def test_pkpass_broken_deflate_stream_is_a_warning(tmp_path: Path):
    """Campaign finding: `travel.pkpass raised error: Error -3 while decompressing data` (zlib.error
    escaped read_member)."""
    data = bytearray(_pass_bytes())
    start, size = _member_data_offset(bytes(data), b"pass.json")
    data[start:start + size] = b"\xff" * size       # not a deflate stream
    path = tmp_path / "Wallet" / "broken.pkpass"
    path.parent.mkdir()
    path.write_bytes(bytes(data))
    result = run_on_file(WalletPasses, path)
    assert result.status == "ok"
    assert "pkpass.member_unreadable" in _codes(result)


def test_pkpass_central_directory_offset_past_its_place(tmp_path: Path):
    """Campaign finding: `travel.pkpass raised ValueError: negative seek position` (an end record whose
    central-directory offset is larger than the real one makes zipfile seek before the file start)."""
    data = bytearray(_pass_bytes())
    end = data.rfind(b"PK\x05\x06")
    offset = struct.unpack_from("<I", data, end + 16)[0]
    struct.pack_into("<I", data, end + 16, offset + 100_000)
    path = tmp_path / "lying.pkpass"
    path.write_bytes(bytes(data))
    result = run_on_file(WalletPasses, path)
    assert result.status == "ok"
    assert result.artifacts == []
    assert set(_codes(result)) <= {"pkpass.member_unreadable", "pkpass.bad_zip"}
    assert result.warnings


class _DamagedFolder:
    """What pypff hands back for a PST whose folder sizes are corrupt: libpff fails to "create" the
    sub-item and the binding raises MemoryError (campaign finding: `travel.mail raised MemoryError:
    pypff_file_get_root_folder: unable to create folder object`)."""

    number_of_sub_messages = 2
    number_of_sub_folders = 1

    def get_sub_message(self, index: int):
        raise MemoryError("pypff_folder_get_sub_message: unable to create sub message object.")

    def get_sub_folder(self, index: int):
        raise MemoryError("pypff_folder_get_sub_folder: unable to create sub folder object.")


def test_pst_walk_survives_libpff_memory_errors():
    walked = list(pst_messages(_DamagedFolder()))
    assert [(path, index) for path, index, _item in walked] == [("", 0), ("", 1)]
    assert all(isinstance(item, MemoryError) for _path, _index, item in walked)


def _database_with_non_utf8_table_name(path: Path) -> Path:
    """A valid SQLite file whose sqlite_master holds a table name that is not UTF-8: made by writing
    the table as tbl_é and replacing the two UTF-8 bytes of é with two bytes that are no UTF-8 at all
    (same length, so every record stays well-formed)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE \"tbl_\u00e9\" (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO \"tbl_\u00e9\" (body) VALUES ('x')")
    conn.commit()
    conn.close()
    raw = path.read_bytes()
    assert raw.count("tbl_\u00e9".encode()) >= 2
    path.write_bytes(raw.replace("tbl_\u00e9".encode(), b"tbl_\xff\xfe"))
    return path


def test_sqlite_inventory_lists_non_utf8_table_names(tmp_path: Path):
    """Campaign finding: `sqlite.inventory raised UnicodeDecodeError` on a sqlite_master with a flipped
    byte in a table name."""
    result = run_on_file(SQLiteInventory, _database_with_non_utf8_table_name(tmp_path / "app.db"))
    assert result.status == "ok", result.warnings
    tables = result.data("sqlite_database")[0]["tables"]
    assert [table["name"] for table in tables] == ["tbl_\ufffd\ufffd"]
    # The damaged name no longer names the table, so its rows cannot be counted: said, not raised.
    assert tables[0]["rows"] is None
    assert "sqlite.table_unreadable" in _codes(result)


def _database_with_malformed_non_utf8_schema(path: Path) -> Path:
    """A database whose schema SQL is malformed and names a non-UTF-8 table: SQLite's error message
    quotes the name, and Python's sqlite3 raises UnicodeDecodeError (not a DatabaseError) decoding it."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE \"tbl_\u00e9\" (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    raw = path.read_bytes().replace("tbl_\u00e9".encode(), b"tbl_\xff\xfe")
    path.write_bytes(raw.replace(b'CREATE TABLE "tbl_', b'CREATE TABLX "tbl_'))
    with pytest.raises(UnicodeDecodeError):
        sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    return path


def test_sqlite_inventory_malformed_non_utf8_schema(tmp_path: Path):
    """Campaign finding: `sqlite.inventory raised UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff`
    (seed 1, a Chrome History with bytes set to 0xff inside its schema)."""
    result = run_on_file(SQLiteInventory, _database_with_malformed_non_utf8_schema(tmp_path / "app.db"))
    assert result.status == "ok", result.warnings
    assert "sqlite.schema_unreadable" in _codes(result)
    assert result.data("sqlite_database")[0]["tables"] == []


def test_ingest_schema_probe_survives_malformed_non_utf8_schema(tmp_path: Path):
    """Campaign finding: `<every SQLite plugin> error: UnicodeDecodeError` on a mutated database (the
    host's schema probe, before any plugin runs)."""
    import fuzz_driver

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    _database_with_malformed_non_utf8_schema(evidence / "app.db")
    tally = fuzz_driver.Tally()
    fuzz_driver._case_run(tmp_path, evidence, "non-utf8 sqlite_master", tally, lambda path: path, 1)
    assert tally.verify_failed == 0
    assert tally.unhandled == 0, [finding.detail for finding in tally.findings]


def _mail_with_charset(charset: bytes) -> bytes:
    return (b"From: Airline <checkin@example.test>\r\nTo: alex@example.test\r\nSubject: Boarding pass\r\n"
            b"Date: Fri, 13 Mar 2026 18:15:00 +0000\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=\"" + charset + b"\"\r\n\r\n" + demo_bcbp().encode() + b"\r\n")


def test_mail_charset_with_nul_is_not_fatal(tmp_path: Path):
    """Campaign finding: `travel.bcbp.text raised ValueError: embedded null character` (seed 1, a mail
    with bytes set to 0x00 in its Content-Type charset)."""
    import email

    raw = _mail_with_charset(b"utf\x00-8")
    path = tmp_path / "Mail" / "checkin.eml"
    path.parent.mkdir()
    path.write_bytes(raw)
    result = run_on_file(BoardingPassText, path)
    assert result.status == "ok", result.warnings
    assert len(result.data("reservation")) == 1      # the pass is still read (as Latin-1)
    assert _charset(email.message_from_bytes(raw)) is None
