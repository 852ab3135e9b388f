"""Deleted-record recovery from SQLite free space and -wal frames (forensic_triage.sdk.sqlite_recovery),
on databases written here with sqlite3 (secure_delete set explicitly), and on hostile pages."""

from __future__ import annotations

import random
import shutil
import sqlite3
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_triage.sdk.context import Context, Source
from forensic_triage.sdk.sqlite_recovery import (
    SOURCES,
    Column,
    RecoveredRecord,
    TableLayout,
    recover,
    recover_table,
    table_layout,
)

SCHEMA = ("CREATE TABLE sms (_id INTEGER PRIMARY KEY, thread_id INTEGER, address TEXT, date INTEGER, "
          "type INTEGER, body TEXT)")
NEW_YEAR_MS = 1_767_225_600_000          # 2026-01-01T00:00:00Z


def row(i: int) -> tuple:
    return (i, i % 3, f"+4477009{i:05d}", NEW_YEAR_MS + i * 60_000, 1 + i % 2, f"message number {i} " + "x" * (i % 50))


def reader(data: bytes):
    return lambda offset, length: data[offset:offset + length]


def fresh(path: Path, *, secure_delete: str = "OFF", wal: bool = False) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA secure_delete={secure_delete}")
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute(SCHEMA)
    return conn


def recovered(path: Path, wal_path: Path | None = None, **kwargs) -> list[RecoveredRecord]:
    data = path.read_bytes()
    wal = wal_path.read_bytes() if wal_path else b""
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return list(recover_table(conn, "sms", reader(data), len(data), wal_read_at=reader(wal) if wal_path else None,
                                  wal_size=len(wal), wal_file=wal_path.name if wal_path else None, **kwargs))
    finally:
        conn.close()


def test_scattered_deletes_come_back_from_freeblocks_with_their_values(tmp_path):
    path = tmp_path / "mmssms.db"
    conn = fresh(path)
    rows = [row(i) for i in range(1, 301)]
    conn.executemany("INSERT INTO sms VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.execute("DELETE FROM sms WHERE _id % 10 = 3")
    conn.commit()
    conn.close()
    deleted = {r[1:]: r for r in rows if r[0] % 10 == 3}
    found = recovered(path)
    values = [record.values[1:] for record in found if record.values[3] is not None and record.values[3] > 0]
    assert sorted(values) == sorted(deleted)               # every deleted row, once; no live row
    for record in found:
        if record.values[1:] in deleted:
            assert record.source in ("freeblock", "unallocated")
            assert record.rowid is None or record.rowid == deleted[record.values[1:]][0]
            assert record.value("_id") == record.rowid
            assert 0 < record.confidence <= 1
            assert record.offset // 4096 + 1 == record.page
            assert record.locator().table == "sms" and record.locator().pointer.startswith("recovered from")


def test_pages_emptied_by_a_delete_come_back_from_the_freelist(tmp_path):
    path = tmp_path / "mmssms.db"
    conn = fresh(path)
    rows = [row(i) for i in range(1, 401)]
    conn.executemany("INSERT INTO sms VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.execute("DELETE FROM sms WHERE _id > 300")          # the last leaves go to the freelist whole
    conn.commit()
    conn.close()
    assert struct.unpack(">I", path.read_bytes()[36:40])[0] > 0
    found = recovered(path)
    by_rowid = {record.rowid: record for record in found if record.rowid is not None}
    freelist = [record for record in found if record.source == "freelist"]
    assert len(freelist) >= 50
    assert all(by_rowid[r[0]].values == r for r in map(row, range(301, 401)) if r[0] in by_rowid)
    assert all(record.values[0] is None or record.values[0] > 300 for record in found)
    # what is recovered is exactly deleted rows: no live row shows up
    assert not [record for record in found if record.values[3] and record.values[3] <= NEW_YEAR_MS + 300 * 60_000]


def test_wal_frames_and_the_pages_they_supersede_hold_rows_deleted_since(tmp_path):
    path = tmp_path / "src.db"
    conn = fresh(path, wal=True)
    rows = [row(i) for i in range(1, 201)]
    conn.executemany("INSERT INTO sms VALUES (?, ?, ?, ?, ?, ?)", rows[:100])
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")           # rows 1-100 in the main file
    conn.executemany("INSERT INTO sms VALUES (?, ?, ?, ?, ?, ?)", rows[100:])
    conn.commit()                                             # rows 101-200 only in the -wal
    conn.execute("DELETE FROM sms WHERE _id IN (5, 17, 50, 120, 150, 190)")
    conn.commit()
    conn.execute("UPDATE sms SET type = 9 WHERE _id = 60")    # an older version of a live row
    conn.commit()
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(path, copy / "x.db")                          # the writer is still open: no checkpoint
    shutil.copy(str(path) + "-wal", copy / "x.db-wal")
    conn.close()
    found = recovered(copy / "x.db", copy / "x.db-wal", match_on=("address", "date", "body"))
    good = {record.rowid: record for record in found if record.rowid is not None}
    assert set(good) == {5, 17, 50, 120, 150, 190}
    for rowid, record in good.items():
        assert record.values == row(rowid)
        if rowid > 100:
            assert record.source == "wal" and record.wal_frame is not None and record.wal_file == "x.db-wal"
            assert record.locator().member == "x.db-wal" and "wal frame" in record.describe()
        else:
            assert record.source in ("superseded", "wal", "freeblock")
    # without a natural key, the older version of row 60 is a record of its own
    assert 60 in {record.rowid for record in recovered(copy / "x.db", copy / "x.db-wal")}
    # the main file alone knows nothing of rows 101-200
    assert {record.rowid for record in recovered(copy / "x.db") if record.rowid} <= {5, 17, 50}


def test_secure_delete_leaves_nothing(tmp_path):
    path = tmp_path / "mmssms.db"
    conn = fresh(path, secure_delete="ON")
    conn.executemany("INSERT INTO sms VALUES (?, ?, ?, ?, ?, ?)", [row(i) for i in range(1, 401)])
    conn.commit()
    conn.execute("DELETE FROM sms WHERE _id % 10 = 3 OR _id > 300")
    conn.commit()
    conn.close()
    assert b"message number 303" not in path.read_bytes()
    assert recovered(path) == []


def test_the_context_helper_reads_the_source_and_its_wal(tmp_path):
    path = tmp_path / "src.db"
    conn = fresh(path, wal=True)
    conn.executemany("INSERT INTO sms VALUES (?, ?, ?, ?, ?, ?)", [row(i) for i in range(1, 51)])
    conn.commit()
    conn.execute("DELETE FROM sms WHERE _id = 7")
    conn.commit()
    data, wal = path.read_bytes(), Path(str(path) + "-wal").read_bytes()
    conn.close()
    source = Source(path="x/sms.db", name="sms.db", size=len(data))
    wal_source = Source(path="x/sms.db-wal", name="sms.db-wal", size=len(wal))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ctx = Context(source=source, read_at=reader(data), scratch=scratch,
                  siblings={"sms.db-wal": (wal_source, reader(wal))}, in_memory=False)
    try:
        found = list(ctx.recover_records(table="sms", columns=["body", "_id"]))
        assert [(record.columns, record.values, record.source) for record in found] == \
            [(("body", "_id"), (row(7)[5], 7), "wal")]
        with pytest.raises(ValueError):
            ctx.recover_records(table="sms", columns=["nope"])
    finally:
        ctx.close()


def test_layout_from_schema(tmp_path):
    path = tmp_path / "mmssms.db"
    conn = fresh(path)
    conn.execute("CREATE TABLE t (a TEXT NOT NULL, b REAL, c)")
    conn.execute("INSERT INTO sms VALUES (?, ?, ?, ?, ?, ?)", row(1))
    layout, root = table_layout(conn, "sms")
    assert root == 2 and layout.columns[0].rowid_alias and layout.columns[0].allowed == {"null"}
    assert layout.columns[2].allowed == {"null", "text"} and layout.columns[2].seen == {"text"}
    other, _ = table_layout(conn, "t")
    assert other.columns[0].allowed == {"text"} and "real" in other.columns[1].allowed
    assert other.columns[2].allowed == {"null", "int", "real", "text", "blob"}
    conn.close()


# --- hostile input ------------------------------------------------------------------------------

LAYOUT = TableLayout((Column("_id", frozenset({"null"}), True), Column("n", frozenset({"null", "int"})),
                      Column("s", frozenset({"null", "text"}))), 3)


def header(page_size: int, pages: int, trunk: int = 0, free: int = 0) -> bytes:
    head = bytearray(100)
    head[:16] = b"SQLite format 3\x00"
    head[16:18] = (1 if page_size == 65536 else page_size).to_bytes(2, "big")
    head[18:20] = b"\x01\x01"
    head[21:24] = b"\x40\x20\x20"
    head[28:32] = pages.to_bytes(4, "big")
    head[32:36] = trunk.to_bytes(4, "big")
    head[36:40] = free.to_bytes(4, "big")
    head[56:60] = (1).to_bytes(4, "big")
    return bytes(head)


def run_bounded(data: bytes, wal: bytes = b"", root: int | None = 2) -> list[RecoveredRecord]:
    started = time.monotonic()
    found = list(recover(LAYOUT, reader(data), len(data), wal_read_at=reader(wal) if wal else None,
                         wal_size=len(wal), root_page=root))
    assert time.monotonic() - started < 5
    for record in found:
        assert record.source in SOURCES and len(record.values) == 3
    return found


def test_random_pages_neither_crash_nor_hang():
    rng = random.Random(20260101)
    for _ in range(30):
        pages = rng.randint(1, 8)
        body = bytearray(rng.randbytes(1024 * pages))
        body[:100] = header(1024, rng.choice([pages, 0, 0xFFFFFFFF]), trunk=rng.randint(0, pages + 2),
                            free=rng.choice([0, 5, 0xFFFFFFFF]))
        wal = rng.randbytes(rng.choice([0, 31, 32 + 1048 * 3]))
        if wal:
            wal = struct.pack(">8I", 0x377F0682, 3007000, 1024, 0, 1, 2, 3, 4) + wal[32:]
        run_bounded(bytes(body), wal, root=rng.randint(0, pages + 5))


def test_freelist_trunk_loops_and_huge_counts():
    size = 1024
    pages = [bytearray(size) for _ in range(4)]
    pages[0][:100] = header(size, 4, trunk=2, free=0xFFFFFFFF)
    pages[1][0:4] = (3).to_bytes(4, "big")              # trunk 2 -> 3 -> 2 -> ...
    pages[1][4:8] = (0xFFFFFFFF).to_bytes(4, "big")     # "4 billion leaves"
    pages[1][8:20] = b"\x00\x00\x00\x02\x00\x00\x00\x03\xff\xff\xff\xff"
    pages[2][0:4] = (2).to_bytes(4, "big")
    pages[2][4:8] = (2).to_bytes(4, "big")
    pages[2][8:16] = b"\x00\x00\x00\x03\x00\x00\x00\x04"
    # page 4: a table leaf whose freeblock chain points at itself, and a cell pointer off the page
    pages[3][0] = 0x0D
    pages[3][1:3] = (500).to_bytes(2, "big")
    pages[3][3:5] = (0xFFFF).to_bytes(2, "big")
    pages[3][500:504] = (500).to_bytes(2, "big") + (8).to_bytes(2, "big")
    run_bounded(b"".join(pages), root=4)


def test_interior_pages_that_point_back_up_do_not_loop():
    size = 1024
    pages = [bytearray(size) for _ in range(3)]
    pages[0][:100] = header(size, 3)
    for number in (1, 2):
        page = pages[number]
        page[0] = 0x05
        page[3:5] = (1).to_bytes(2, "big")
        page[8:12] = (2).to_bytes(4, "big")               # right child: page 2 (itself / its parent)
        page[12:14] = (600).to_bytes(2, "big")
        page[600:604] = (3).to_bytes(4, "big")
    run_bounded(b"".join(pages), root=2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=0, max_size=3000), st.integers(0, 2), st.binary(max_size=200))
def test_any_bytes_after_a_valid_header(tail, trunk, wal_tail):
    data = header(512, 8, trunk=trunk, free=3) + tail
    wal = struct.pack(">8I", 0x377F0683, 3007000, 512, 0, 0, 0, 0, 0) + wal_tail if wal_tail else b""
    run_bounded(data, wal, root=trunk or None)


def test_not_sqlite_gives_nothing():
    assert run_bounded(b"") == [] and run_bounded(b"PK\x03\x04" * 100) == []

    def broken(offset, length):
        raise OSError("gone")
    assert list(recover(LAYOUT, broken, 10_000)) == []


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16le", "UTF-16be"])
def test_text_encodings_and_overflow_pages(tmp_path, encoding):
    path = tmp_path / "a.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA encoding='{encoding}'")
    conn.execute("PRAGMA secure_delete=OFF")
    conn.execute("CREATE TABLE sms (_id INTEGER PRIMARY KEY, address TEXT, date INTEGER, body TEXT)")
    rows = [(i, f"+4477{i:07d}", NEW_YEAR_MS + i, ("long " * 2000 + str(i)) if i % 10 == 0 else f"short {i} ünï €")
            for i in range(1, 200)]
    conn.executemany("INSERT INTO sms VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.execute("DELETE FROM sms WHERE _id % 5 = 0")      # 39 rows, 19 of them spilling to overflow pages
    conn.commit()
    conn.close()
    deleted = {r[1:] for r in rows if r[0] % 5 == 0}
    # (address, date) is the natural key: without it, an old copy of live row 103 whose last
    # character was overwritten would count as a record of its own.
    found = {record.values[1:] for record in recovered(path, match_on=("address", "date"))}
    assert found <= deleted                                 # nothing that was not a deleted row
    assert len(found) >= 32                                 # measured 35: the rest was overwritten by SQLite
    assert len([values for values in found if len(values[2]) > 1000]) >= 13   # measured 15-16 of 19
