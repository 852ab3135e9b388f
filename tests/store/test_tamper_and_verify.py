"""Tampering with any row of files, artifacts or custody is named by `verify`, even after
someone drops the triggers and edits the database with sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from forensic_triage.progress import run_silently
from forensic_triage.store.case_store import CaseStore, row_digest
from forensic_triage.store.schema import APPEND_ONLY
from forensic_triage.verify import verify_case
from tests.conftest import add_and_ingest, new_case, run_cli, small_fat_image


@pytest.fixture
def case_dir(tmp_path):
    store = new_case(tmp_path / "case")
    add_and_ingest(store, small_fat_image(tmp_path / "disk.img", files=12, deleted=2, databases=True), plugins=True)
    assert store.count("files") > 10 and store.count("artifacts") >= 3 and store.count("warnings") >= 1
    store.close()
    return tmp_path / "case"


def _raw(case_dir) -> sqlite3.Connection:
    """What an attacker has: the sqlite3 shell, and no respect for triggers."""
    conn = sqlite3.connect(case_dir / "case.sqlite", isolation_level=None)
    for table in APPEND_ONLY:
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    return conn


def _failure(case_dir) -> str:
    report = run_silently(verify_case(CaseStore.open(case_dir)))
    assert not report.ok
    return report.first_failure.detail


def test_untouched_case_verifies(case_dir):
    assert run_silently(verify_case(CaseStore.open(case_dir), image=True)).ok


@pytest.mark.parametrize("table", ["files", "artifacts", "custody", "evidence", "warnings", "plugin_runs"])
def test_triggers_refuse_update_and_delete(case_dir, table):
    store = CaseStore.open(case_dir)
    key = "seq" if table == "custody" else "id"
    if store.count(table) == 0:
        pytest.skip(f"no {table} rows in this case")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute(f"UPDATE {table} SET {key} = {key} WHERE {key} = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute(f"DELETE FROM {table} WHERE {key} = 1")


def test_edited_file_hash_is_named(case_dir):
    _raw(case_dir).execute("UPDATE files SET sha256 = ? WHERE id = 7", ("0" * 64,))
    assert _failure(case_dir) == "files row id 7 was altered: its digest does not match its contents"


def test_edited_file_with_recomputed_row_digest_breaks_the_seal(case_dir):
    conn = _raw(case_dir)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM files WHERE id = 5").fetchone())
    row["deleted"] = 1 - row["deleted"]
    conn.execute("UPDATE files SET deleted = ?, row_digest = ? WHERE id = 5", (row["deleted"], row_digest("files", row)))
    assert "do not match the seal in custody entry" in _failure(case_dir)


def test_deleted_file_row_is_named(case_dir):
    _raw(case_dir).execute("DELETE FROM files WHERE id = 3")
    assert _failure(case_dir) == "files row id 3 is missing (next row is id 4)"


def test_removed_last_row_is_named(case_dir):
    conn = _raw(case_dir)
    last = conn.execute("SELECT MAX(id) FROM files").fetchone()[0]
    conn.execute("DELETE FROM files WHERE id = ?", (last,))
    assert f"sealed files rows up to id {last}, but only {last - 1} rows exist" in _failure(case_dir)


def test_inserted_row_is_named(case_dir):
    conn = _raw(case_dir)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM files ORDER BY id DESC LIMIT 1").fetchone())
    row["id"] += 1
    row["seq"] += 1
    row["path"] = "planted/evidence.txt"
    row["row_digest"] = row_digest("files", row)
    conn.execute(f"INSERT INTO files ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    assert "are not sealed by any custody entry" in _failure(case_dir)


def test_edited_artifact_is_named(case_dir):
    conn = _raw(case_dir)
    artifact_id = conn.execute("SELECT MIN(id) FROM artifacts").fetchone()[0]
    conn.execute("UPDATE artifacts SET data = '{}' WHERE id = ?", (artifact_id,))
    assert _failure(case_dir) == f"artifacts row id {artifact_id} was altered: its digest does not match its contents"


def test_edited_custody_entry_is_named(case_dir):
    _raw(case_dir).execute("UPDATE custody SET examiner = 'Someone Else' WHERE seq = 2")
    assert _failure(case_dir) == "custody entry #2 (evidence.add) was altered: its hash does not match"


def test_deleted_custody_entry_is_named(case_dir):
    _raw(case_dir).execute("DELETE FROM custody WHERE seq = 3")
    assert _failure(case_dir) == "custody entry #3 is missing (next entry is #4)"


def test_cli_exit_code_is_1_and_names_the_row(case_dir):
    _raw(case_dir).execute("UPDATE files SET path = 'renamed' WHERE id = 2")
    result = run_cli("verify", case_dir)
    assert result.returncode == 1
    assert "files row id 2 was altered" in result.stderr


def test_custody_entries_chain_and_record_versions(case_dir):
    store = CaseStore.open(case_dir)
    actions = [row[0] for row in store.conn.execute("SELECT action FROM custody WHERE action != 'ingest.checkpoint' "
                                                    "ORDER BY seq")]
    assert actions[:5] == ["case.create", "evidence.add", "ingest.start", "ingest.files_done", "ingest.finish"]
    finish = store.conn.execute("SELECT * FROM custody WHERE action = 'ingest.finish'").fetchone()
    assert "sqlite.inventory" in finish["plugin_versions"]
    previous = None
    for row in store.conn.execute("SELECT prev_hash, entry_hash FROM custody ORDER BY seq"):
        if previous is not None:
            assert row["prev_hash"] == previous
        previous = row["entry_hash"]
