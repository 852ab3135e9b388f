"""The built-in sqlite.inventory plugin, run through the shipped `run_extractor` fixture."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage_plugins.sqlite_inventory import SQLiteInventory

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def make_db(path: Path, tables: dict[str, int], *, page_size: int | None = None, user_version: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    if page_size:
        conn.execute(f"PRAGMA page_size={page_size}")
    conn.execute(f"PRAGMA user_version={user_version}")
    for name, rows in tables.items():
        quoted = '"' + name.replace('"', '""') + '"'
        conn.execute(f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, body TEXT, n INTEGER)")
        conn.executemany(f"INSERT INTO {quoted} (body, n) VALUES (?, ?)", [(f"row {i}", i) for i in range(rows)])
    conn.commit()
    conn.close()
    return path


def counts(result) -> dict[str, int | None]:
    [data] = result.data("sqlite_database")
    return {table["name"]: table["rows"] for table in data["tables"]}


def test_plugin_passes_host_checks():
    assert check_plugin(SQLiteInventory) == []
    assert SQLiteInventory.name == "sqlite.inventory"


def test_plain_database(run_extractor, tmp_path):
    path = make_db(tmp_path / "evidence" / "app.db", {"message": 3, "handle": 0, "attachment": 2},
                   user_version=42)
    result = run_extractor(SQLiteInventory, path)
    assert result.status == "ok"
    assert result.warnings == []
    assert result.kinds() == {"sqlite_database": 1}
    [data] = result.data()
    assert data["tables"] == [
        {"name": "attachment", "columns": ["id", "body", "n"], "rows": 2},
        {"name": "handle", "columns": ["id", "body", "n"], "rows": 0},
        {"name": "message", "columns": ["id", "body", "n"], "rows": 3},
    ]
    assert data["page_size"] == 4096
    assert data["user_version"] == 42
    assert data["journal_mode"] == "rollback"
    assert data["wal_present"] is False
    assert data["freelist_pages"] == 0
    assert result.artifacts[0].locator == {"offset": 0, "length": 100}


def test_odd_table_names(run_extractor, tmp_path):
    names = {'we"ird': 1, "select": 2, "with space": 3, "ünïcode": 4, "Mixed'Quote": 5}
    path = make_db(tmp_path / "odd.db", names)
    result = run_extractor(SQLiteInventory, path)
    assert result.warnings == []
    assert counts(result) == names


def test_autoincrement_lists_sqlite_sequence(run_extractor, tmp_path):
    path = tmp_path / "seq.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x)")
    conn.executemany("INSERT INTO t (x) VALUES (?)", [(1,), (2,)])
    conn.execute("CREATE VIEW v AS SELECT * FROM t")
    conn.execute("CREATE INDEX t_x ON t(x)")
    conn.commit()
    conn.close()
    assert counts(run_extractor(SQLiteInventory, path)) == {"sqlite_sequence": 1, "t": 2}   # no view, no index


@pytest.mark.parametrize("page_size", [512, 8192, 65536])
def test_page_size_from_header(run_extractor, tmp_path, page_size):
    path = make_db(tmp_path / "p.db", {"t": 1}, page_size=page_size)
    [data] = run_extractor(SQLiteInventory, path).data()
    assert data["page_size"] == page_size


def test_freelist_pages(run_extractor, tmp_path):
    path = tmp_path / "free.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (blob)")
    conn.executemany("INSERT INTO t VALUES (?)", [(b"x" * 3000,) for _ in range(40)])
    conn.commit()
    conn.execute("DELETE FROM t")
    conn.commit()
    expected = conn.execute("PRAGMA freelist_count").fetchone()[0]
    conn.close()
    assert expected > 0
    [data] = run_extractor(SQLiteInventory, path).data()
    assert data["freelist_pages"] == expected
    assert data["tables"] == [{"name": "t", "columns": ["blob"], "rows": 0}]


def wal_evidence(tmp_path: Path, *, rows: int, with_shm: bool) -> Path:
    """A WAL-mode database whose rows are only in its -wal, copied (db + -wal [+ -shm]) to an evidence folder
    while the writer still holds it open, as an acquisition of a live device would."""
    live = tmp_path / "live"
    live.mkdir()
    writer = sqlite3.connect(live / "chat.db")
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT)")
        writer.executemany("INSERT INTO message (body) VALUES (?)", [(f"m{i}",) for i in range(rows)])
        writer.execute("CREATE TABLE handle (id TEXT)")
        writer.commit()
        evidence = tmp_path / "evidence"
        evidence.mkdir()
        for suffix in ("", "-wal") + (("-shm",) if with_shm else ()):
            shutil.copyfile(live / f"chat.db{suffix}", evidence / f"chat.db{suffix}")
    finally:
        writer.close()
    return evidence / "chat.db"


@pytest.mark.parametrize("with_shm", [False, True], ids=["db+wal", "db+wal+shm"])
def test_wal_database_rows_only_in_wal(run_extractor, tmp_path, with_shm):
    path = wal_evidence(tmp_path, rows=25, with_shm=with_shm)
    # The main file alone holds no table at all.
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copyfile(path, bare / "chat.db")
    alone = run_extractor(SQLiteInventory, bare / "chat.db")
    assert alone.status == "ok"
    [alone_data] = alone.data()
    assert alone_data["tables"] == []
    assert alone_data["journal_mode"] == "wal"
    assert alone_data["wal_present"] is False

    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    result = run_extractor(SQLiteInventory, path)
    assert result.status == "ok"
    assert result.warnings == []
    assert counts(result) == {"handle": 0, "message": 25}
    [data] = result.data()
    assert data["journal_mode"] == "wal"
    assert data["wal_present"] is True
    # The evidence files were not touched (no checkpoint, no new -shm).
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before


def test_truncated_database_reports_error_not_exception(run_extractor, tmp_path):
    full = make_db(tmp_path / "full.db", {"a": 300, "b": 300})
    data = full.read_bytes()
    assert len(data) > 4 * 4096
    truncated = tmp_path / "evidence" / "truncated.db"
    truncated.parent.mkdir()
    truncated.write_bytes(data[: len(data) // 2])
    result = run_extractor(SQLiteInventory, truncated)
    assert result.status == "error"
    assert [w.code for w in result.warnings] == ["plugin.sqlite_error"]
    assert "malformed" in result.warnings[0].message


def test_damaged_table_is_a_warning_others_still_counted(run_extractor, tmp_path):
    path = make_db(tmp_path / "damaged.db", {"a": 50, "b": 50})
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'b'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size: root * page_size] = b"\xff" * page_size
    path.write_bytes(bytes(data))
    result = run_extractor(SQLiteInventory, path)
    assert result.status == "ok"
    assert counts(result) == {"a": 50, "b": None}
    [warning] = result.warnings
    assert warning.code == "sqlite.table_unreadable"
    assert warning.message.startswith("table b: rows could not be counted")


def test_unknown_fts_tokenizer_is_a_warning(run_extractor, tmp_path):
    path = tmp_path / "fts.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE search USING fts4(body, tokenize=unicode61)")
    conn.execute("INSERT INTO search VALUES ('hello')")
    conn.commit()
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE VIRTUAL TABLE search USING fts4(body, tokenize=app_tok)' "
                 "WHERE name = 'search'")
    conn.commit()
    conn.close()
    result = run_extractor(SQLiteInventory, path)
    assert result.status == "ok"
    tables = counts(result)
    assert tables["search"] is None
    assert tables["search_content"] == 1
    assert {w.code for w in result.warnings} == {"sqlite.table_unreadable"}
    assert all("app_tok" in w.message for w in result.warnings)


@pytest.mark.parametrize("content", [
    b"SQLite format 3\x00" + bytes(range(256)) * 20,       # right magic, garbage header
    b"not a database at all\n" * 100,
], ids=["garbage-after-magic", "text"])
def test_not_a_database_reports_error(run_extractor, tmp_path, content):
    path = tmp_path / "junk.db"
    path.write_bytes(content)
    result = run_extractor(SQLiteInventory, path)
    assert result.status == "error"
    assert result.artifacts == []
    [warning] = result.warnings
    assert warning.code == "plugin.sqlite_error"
    assert "file is not a database" in warning.message


def test_empty_file(run_extractor, tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    result = run_extractor(SQLiteInventory, path)
    assert result.status == "ok"
    [data] = result.data()
    assert data["tables"] == []
    assert data["page_size"] is None and data["journal_mode"] is None


# --- corpus: row counts against the oracle files ---------------------------------------------

def read_oracle(path: Path) -> dict[str, int | None]:
    expected: dict[str, int | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, count = line.partition("\t")
        expected[name] = None if count.startswith("ERR") else int(count)
    return expected


def corpus_oracles():
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(
            reason=f"corpus not available: {CORPUS} (the third-party test corpus lives in ../shared/corpus)"))]
    found = sorted(CORPUS.rglob("*.tables.txt"))
    if not found:
        return [pytest.param(None, id="no-oracles", marks=pytest.mark.skip(
            reason=f"no *.tables.txt oracle files under {CORPUS}"))]
    return [pytest.param(path, id=path.relative_to(CORPUS).as_posix().removesuffix(".tables.txt"))
            for path in found]


@pytest.mark.corpus
@pytest.mark.parametrize("oracle", corpus_oracles())
def test_corpus_row_counts_match_oracle(run_extractor, oracle):
    database = oracle.with_name(oracle.name.removesuffix(".tables.txt"))
    assert database.is_file(), f"oracle {oracle} has no database beside it"
    expected = read_oracle(oracle)
    assert expected, f"oracle {oracle} lists no tables"

    result = run_extractor(SQLiteInventory, database)

    assert result.kinds() == {"sqlite_database": 1}, result.warnings
    assert counts(result) == expected
    failed = {name for name, rows in expected.items() if rows is None}
    warned = {w.message.split(":")[0].removeprefix("table ") for w in result.warnings}
    assert warned == failed
    assert {w.code for w in result.warnings} <= {"sqlite.table_unreadable"}
    assert result.status == "ok"
    [data] = result.data()
    assert data["wal_present"] == database.with_name(database.name + "-wal").exists()
