"""forensic_triage.sdk.context: byte access, the read-only SQLite scratch copy, siblings, helpers."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.sdk.artifacts import Locator
from forensic_triage.sdk.context import Context, Source, SourceChangedError, SourceFile
from forensic_triage.sdk.extractor import HEAD_BYTES, PluginWarning
from forensic_triage.sdk.times import TimeDecoders


def memory_source(name: str, data: bytes, *, sha256: bool = True, path: str | None = None):
    source = Source(path=path or f"evidence/{name}", name=name, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest() if sha256 else None, head=data[:HEAD_BYTES])

    def read_at(offset: int, length: int) -> bytes:
        return data[offset:offset + length]

    return source, read_at


def make_context(tmp_path: Path, name: str, data: bytes, siblings: dict[str, bytes] | None = None,
                 **source_kwargs) -> Context:
    source, read_at = memory_source(name, data, **source_kwargs)
    sibs = {sib_name: memory_source(sib_name, sib_data) for sib_name, sib_data in (siblings or {}).items()}
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return Context(source=source, read_at=read_at, scratch=scratch, siblings=sibs)


def wal_database(folder: Path, rows: int = 5) -> tuple[bytes, bytes]:
    """A WAL-mode database whose table and rows live only in the -wal: (db bytes, wal bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "live.db"
    writer = sqlite3.connect(path)
    try:
        assert writer.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT)")
        writer.executemany("INSERT INTO message (body) VALUES (?)", [(f"hello {i}",) for i in range(rows)])
        writer.commit()
        # Copy while the writer is still open: closing would checkpoint the WAL into the db.
        db = path.read_bytes()
        wal = Path(str(path) + "-wal").read_bytes()
    finally:
        writer.close()
    return db, wal


def plain_database(path: Path, rows: int = 3) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(rows)])
    conn.commit()
    conn.close()
    return path.read_bytes()


# --- bytes -----------------------------------------------------------------------------------

DATA = bytes(range(256)) * 1000      # 256 000 bytes, larger than the 64 KiB read buffer


def test_open_read_and_seek(tmp_path):
    ctx = make_context(tmp_path, "blob.bin", DATA)
    with ctx.open() as handle:
        assert handle.readable() and handle.seekable() and not handle.writable()
        assert handle.read(4) == b"\x00\x01\x02\x03"
        assert handle.tell() == 4
        handle.seek(1000)
        assert handle.read(3) == DATA[1000:1003]
        handle.seek(-2, io.SEEK_END)
        assert handle.read() == DATA[-2:]
        assert handle.read(10) == b""
        handle.seek(100_000)
        handle.seek(5, io.SEEK_CUR)
        assert handle.tell() == 100_005
        assert handle.read(70_000) == DATA[100_005:170_005]
        handle.seek(0)
        assert handle.read() == DATA
        handle.seek(len(DATA) + 10)                    # past the end: reads nothing
        assert handle.read(1) == b""
        with pytest.raises((ValueError, OSError)):
            handle.seek(-1)


def test_source_file_raw():
    raw = SourceFile(lambda offset, length: DATA[offset:offset + length], len(DATA))
    buffer = bytearray(10)
    assert raw.readinto(buffer) == 10 and bytes(buffer) == DATA[:10]
    assert raw.seek(-3, io.SEEK_END) == len(DATA) - 3
    assert raw.read(100) == DATA[-3:]
    assert raw.read(100) == b""
    with pytest.raises(ValueError):
        raw.seek(-1)
    with pytest.raises((OSError, NotImplementedError)):
        raw.write(b"x")


def test_read_at_never_asked_beyond_size(tmp_path):
    asked = []

    def read_at(offset, length):
        asked.append((offset, length))
        assert offset + length <= len(DATA)
        return DATA[offset:offset + length]

    source = Source(path="x", name="x", size=len(DATA))
    ctx = Context(source=source, read_at=read_at, scratch=tmp_path)
    with ctx.open() as handle:
        handle.seek(len(DATA) - 5)
        assert handle.read(100) == DATA[-5:]
    assert asked


def test_read_bytes(tmp_path):
    ctx = make_context(tmp_path, "blob.bin", DATA)
    assert ctx.read_bytes() == DATA
    assert ctx.read_bytes(limit=100) == DATA[:100]
    assert ctx.read_bytes(limit=10 ** 9) == DATA
    assert ctx.read_bytes(limit=0) == b""


def test_siblings_and_resolve(tmp_path):
    ctx = make_context(tmp_path, "app.db", b"main bytes", siblings={"app.db-wal": b"wal bytes"})
    wal = ctx.sibling("app.db-wal")
    assert wal is not None and wal.name == "app.db-wal" and wal.size == 9
    assert ctx.sibling("app.db-shm") is None
    assert ctx.read_bytes(wal) == b"wal bytes"
    assert ctx.open(wal).read() == b"wal bytes"
    assert ctx.read_bytes(ctx.source) == b"main bytes"
    stranger = Source(path="elsewhere/secret.db", name="secret.db", size=3)
    with pytest.raises(ValueError, match="neither the source nor a sibling"):
        ctx.read_bytes(stranger)
    with pytest.raises(ValueError):
        ctx.open_sqlite(stranger)


def test_locate_and_warning():
    locator = Context.locate(table="message", rowid=12)
    assert locator == Locator(table="message", rowid=12)
    assert Context.locate(offset=0, length=100, line=None) == Locator(offset=0, length=100)
    warning = Context.warning("row unreadable", code="sms.bad_row", locator=locator, rowid=12, raw=b"\x00")
    assert isinstance(warning, PluginWarning)
    assert warning.message == "row unreadable"
    assert warning.code == "sms.bad_row"
    assert warning.locator == locator
    assert warning.context == {"rowid": 12, "raw": b"\x00"}
    assert Context.warning("x").code == "plugin.warning"


def test_time_decoders_available(tmp_path):
    ctx = make_context(tmp_path, "x", b"")
    assert isinstance(ctx.time, TimeDecoders)
    assert ctx.time.unix_ms(1700000000000).utc == "2023-11-14T22:13:20Z"


# --- SQLite ----------------------------------------------------------------------------------

def test_open_sqlite_reads_rows_that_live_only_in_the_wal(tmp_path):
    db, wal = wal_database(tmp_path / "live", rows=7)
    # The main file alone has no table: everything is in the -wal.
    bare = tmp_path / "bare" / "live.db"
    bare.parent.mkdir()
    bare.write_bytes(db)
    check = sqlite3.connect(f"file:{bare}?mode=ro", uri=True)
    assert check.execute("SELECT name FROM sqlite_master").fetchall() == []
    check.close()

    ctx = make_context(tmp_path, "live.db", db, siblings={"live.db-wal": wal})
    conn = ctx.open_sqlite()
    rows = conn.execute("SELECT id, body FROM message ORDER BY id").fetchall()
    assert [tuple(row) for row in rows] == [(i + 1, f"hello {i}") for i in range(7)]
    assert isinstance(rows[0], sqlite3.Row) and rows[0]["body"] == "hello 0"
    ctx.close()


def test_open_sqlite_is_read_only(tmp_path):
    db, wal = wal_database(tmp_path / "live")
    ctx = make_context(tmp_path, "live.db", db, siblings={"live.db-wal": wal})
    conn = ctx.open_sqlite()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("INSERT INTO message (body) VALUES ('forged')")
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("CREATE TABLE forged (x)")
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM message")
    assert conn.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 5
    ctx.close()


def test_open_sqlite_copies_with_siblings_into_scratch(tmp_path):
    db, wal = wal_database(tmp_path / "live")
    ctx = make_context(tmp_path, "live.db", db, siblings={"live.db-wal": wal, "unrelated.txt": b"x"})
    conn = ctx.open_sqlite()
    conn.execute("SELECT COUNT(*) FROM message").fetchone()
    target = ctx.copies[ctx.source.path]
    assert target.parent.parent == ctx.scratch
    assert target.name == "live.db"
    assert target.read_bytes() == db
    assert (target.parent / "live.db-wal").exists()
    assert not (target.parent / "unrelated.txt").exists()
    # A second connection reuses the same copy.
    again = ctx.open_sqlite()
    assert ctx.copies[ctx.source.path] == target
    assert len(list(ctx.scratch.iterdir())) == 1
    assert again.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 5
    ctx.close()


def test_open_sqlite_without_hash_skips_the_check(tmp_path):
    data = plain_database(tmp_path / "p.db")
    ctx = make_context(tmp_path, "p.db", data, sha256=False)
    assert ctx.open_sqlite().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 3
    ctx.close()


def test_open_sqlite_hash_mismatch_raises(tmp_path):
    data = plain_database(tmp_path / "p.db")
    source, read_at = memory_source("p.db", data)
    source = Source(path=source.path, name=source.name, size=source.size, sha256="0" * 64)
    ctx = Context(source=source, read_at=read_at, scratch=tmp_path / "scratch")
    with pytest.raises(SourceChangedError, match="0000"):
        ctx.open_sqlite()
    assert ctx.source.path not in ctx.copies
    assert issubclass(SourceChangedError, RuntimeError)


def test_open_sqlite_detects_bytes_changed_since_ingest(tmp_path):
    data = plain_database(tmp_path / "p.db")
    source, _ = memory_source("p.db", data)                 # hash of the original bytes
    changed = bytearray(data)
    changed[-1] ^= 0xFF

    def read_at(offset, length):
        return bytes(changed[offset:offset + length])

    ctx = Context(source=source, read_at=read_at, scratch=tmp_path / "scratch")
    with pytest.raises(SourceChangedError):
        ctx.open_sqlite()


def test_close_closes_connections(tmp_path):
    data = plain_database(tmp_path / "p.db")
    ctx = make_context(tmp_path, "p.db", data)
    conn = ctx.open_sqlite()
    ctx.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    ctx.close()                                              # idempotent


def test_open_sqlite_on_a_sibling_database(tmp_path):
    main = plain_database(tmp_path / "main.db", rows=1)
    other = plain_database(tmp_path / "other.db", rows=4)
    ctx = make_context(tmp_path, "main.db", main, siblings={"other.db": other})
    assert ctx.open_sqlite().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    assert ctx.open_sqlite(ctx.sibling("other.db")).execute("SELECT COUNT(*) FROM t").fetchone()[0] == 4
    assert len(ctx.copies) == 2
    ctx.close()


def test_evidence_bytes_untouched(tmp_path):
    """Opening goes through the scratch copy: the caller's bytes are never written."""
    db, wal = wal_database(tmp_path / "live")
    frozen_db, frozen_wal = bytes(db), bytes(wal)
    ctx = make_context(tmp_path, "live.db", db, siblings={"live.db-wal": wal})
    ctx.open_sqlite().execute("SELECT * FROM message").fetchall()
    ctx.close()
    assert db == frozen_db and wal == frozen_wal
    shutil.rmtree(ctx.scratch)


@pytest.mark.parametrize("name", ["photos#2.db", "what?.db", "a%20b.db"])
def test_open_sqlite_name_with_uri_characters(tmp_path, name):
    data = plain_database(tmp_path / "p.db", rows=3)
    ctx = make_context(tmp_path, name, data)
    try:
        conn = ctx.open_sqlite()
        count = conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    except sqlite3.Error as exc:
        raise AssertionError(f"could not read {name}: {exc}") from exc
    finally:
        ctx.close()
    assert count == 3
