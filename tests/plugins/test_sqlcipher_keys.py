"""SQLCipher app stores opened with the examiner's keys (`ingest --key-file`): a Signal Android
database made here with SQLCipher, in WAL mode, read into a sqlite_database artifact and messages;
the key's use is in custody, the key itself nowhere in the case."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

sqlcipher = pytest.importorskip("sqlcipher3.dbapi2", reason="the SQLCipher wheel (sqlcipher3-wheels) is not installed")

from forensic_triage_plugins.encrypted_stores import EncryptedStores

from forensic_triage.plugin_host.local_run import run_on_file
from forensic_triage.store import case_store, crypto

SIGNAL_PATH = "data/data/org.thoughtcrime.securesms/databases/signal.db"
RAW_KEY = bytes(range(32))
SIGNAL_PASSPHRASE = "6f1c0a4e9b7d2c35a8e0f4d1b6c9a2e7"      # Signal Android keys its store with a hex text
BODIES = ("Meet at the usual place at nine", "Bring the documents, not the phone", "Deleted nothing")


def signal_database(path: Path, *, raw_key: bytes | None = None, passphrase: str | None = None,
                    schema: str = "message") -> Path:
    """A small Signal Android store: recipients, threads and messages (2023 ``message`` table, or the
    older ``sms``), encrypted with SQLCipher 4; the last message stays in the -wal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlcipher.connect(str(path), isolation_level=None)
    crypto.apply_key(conn, raw_key=raw_key, passphrase=passphrase, options={"kdf_iter": 4000} if passphrase else None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE recipient (_id INTEGER PRIMARY KEY, e164 TEXT, aci TEXT, system_display_name TEXT)")
    conn.execute("CREATE TABLE thread (_id INTEGER PRIMARY KEY, recipient_id INTEGER, date INTEGER)")
    conn.execute("INSERT INTO recipient VALUES (1, NULL, 'self-uuid', NULL), (2, '+447700900777', 'a-uuid', 'Dana')")
    conn.execute("INSERT INTO thread VALUES (1, 2, 1772357400000)")
    if schema == "message":
        conn.execute("CREATE TABLE message (_id INTEGER PRIMARY KEY, date_sent INTEGER, date_received INTEGER, "
                     "thread_id INTEGER, from_recipient_id INTEGER, to_recipient_id INTEGER, type INTEGER, body TEXT)")
        rows = [(1, 1772357400000, 1772357401000, 1, 2, 1, 0x2000_0000 | 20, BODIES[0]),
                (2, 1772357460000, 1772357460000, 1, 1, 2, 0x2000_0000 | 23, BODIES[1])]
        conn.executemany("INSERT INTO message VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("INSERT INTO message VALUES (3, 1772357520000, 1772357521000, 1, 2, 1, 20, ?)", (BODIES[2],))
    else:
        conn.execute("CREATE TABLE sms (_id INTEGER PRIMARY KEY, thread_id INTEGER, recipient_id INTEGER, "
                     "date INTEGER, date_received INTEGER, type INTEGER, body TEXT)")
        conn.execute("INSERT INTO sms VALUES (1, 1, 2, 1772357400000, 1772357401000, 20, ?)", (BODIES[0],))
        conn.execute("INSERT INTO sms VALUES (2, 1, 2, 1772357460000, 1772357460000, 23, ?)", (BODIES[1],))
    # Leave the WAL as a running app would: copy the files while the connection is open.
    acquired = path.parent / "acquired"
    acquired.mkdir()
    for suffix in ("", "-wal"):
        (acquired / (path.name + suffix)).write_bytes(Path(str(path) + suffix).read_bytes())
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        if Path(str(path) + suffix).exists():
            os.remove(str(path) + suffix)
    for item in acquired.iterdir():
        item.rename(path.parent / item.name)
    acquired.rmdir()
    assert Path(str(path) + "-wal").stat().st_size > 0
    return path


def key_file(path: Path, body: dict) -> Path:
    path.write_text(json.dumps(body))
    return path


def run_plugin(monkeypatch, database: Path, keys: Path | None):
    if keys:
        monkeypatch.setenv(crypto.KEY_FILE_ENV, str(keys))
    else:
        monkeypatch.delenv(crypto.KEY_FILE_ENV, raising=False)
    return run_on_file(EncryptedStores, database, as_path=SIGNAL_PATH, region="GB")


def test_raw_key_opens_the_store_and_reads_messages(tmp_path, monkeypatch):
    database = signal_database(tmp_path / "signal.db", raw_key=RAW_KEY)
    assert database.read_bytes()[:16] != b"SQLite format 3\x00"          # really ciphertext
    keys = key_file(tmp_path / "keys.json", {"signal.db": f"x'{RAW_KEY.hex()}'"})
    result = run_plugin(monkeypatch, database, keys)
    kinds = [artifact.kind for artifact in result.artifacts]
    assert kinds.count("sqlite_database") == 1 and kinds.count("message") == 3, (kinds, result.warnings)
    inventory = result.data("sqlite_database")[0]
    assert {(table["name"], table["rows"]) for table in inventory["tables"]} >= {("message", 3), ("recipient", 2)}
    assert inventory["wal_present"] and inventory["journal_mode"] == "wal"
    messages = result.data("message")
    assert [message["body"] for message in messages] == list(BODIES)   # the third only in the -wal
    assert messages[0]["direction"] == "incoming" and messages[0]["sender"] == "+447700900777"
    assert messages[1]["direction"] == "outgoing" and messages[1]["recipients"] == ["+447700900777"]
    assert messages[0]["sent"]["utc"] == "2026-03-01T09:30:00Z"
    used = [warning for warning in result.warnings if warning.code == crypto.KEY_USED_CODE]
    assert len(used) == 1 and used[0].context["key_type"] == "raw key"
    assert RAW_KEY.hex() not in json.dumps([warning.context for warning in result.warnings], default=str)


def test_passphrase_with_app_settings_and_the_older_sms_table(tmp_path, monkeypatch):
    database = signal_database(tmp_path / "signal.db", passphrase=SIGNAL_PASSPHRASE, schema="sms")
    keys = key_file(tmp_path / "keys.json", {"keys": [
        {"match": "**/org.thoughtcrime.securesms/databases/signal.db", "passphrase": SIGNAL_PASSPHRASE,
         "kdf_iter": 4000, "label": "Signal, from the phone's keystore"}]})
    result = run_plugin(monkeypatch, database, keys)
    assert [message["body"] for message in result.data("message")] == list(BODIES[:2])
    assert any(warning.context.get("key_entry") == "Signal, from the phone's keystore" for warning in result.warnings)


def test_wrong_or_missing_key(tmp_path, monkeypatch):
    database = signal_database(tmp_path / "signal.db", raw_key=RAW_KEY)
    wrong = key_file(tmp_path / "wrong.json", {"signal.db": "raw:" + "11" * 32})
    result = run_plugin(monkeypatch, database, wrong)
    assert not result.artifacts
    assert [warning.code for warning in result.warnings] == ["encrypted.key_rejected"]
    result = run_plugin(monkeypatch, database, None)
    assert [warning.code for warning in result.warnings] == ["encrypted.key_needed"]


@pytest.mark.parametrize(("body", "message"), [
    ({"signal.db": {"key": "abcd"}}, "64 hex digits"),
    ({"keys": [{"passphrase": "x"}]}, "'match'"),
    ({"signal.db": {"kdf_iter": "many", "passphrase": "p"}}, "'kdf_iter' must be int"),
    ([1, 2], "JSON object"),
])
def test_malformed_key_files_are_refused(tmp_path, body, message):
    with pytest.raises(crypto.TriageError, match=message):
        crypto.load_key_file(key_file(tmp_path / "keys.json", body))


def test_ingest_with_key_file_records_the_key_use_in_custody(tmp_path, monkeypatch, capsys):
    from forensic_triage.cli import main

    evidence = tmp_path / "extraction"
    signal_database(evidence / SIGNAL_PATH, raw_key=RAW_KEY)
    keys = key_file(tmp_path / "keys.json", {"keys": [{"match": "**/signal.db", "key": RAW_KEY.hex(),
                                                      "label": "Signal key from config"}]})
    monkeypatch.setenv(crypto.KEY_FILE_ENV, "")       # so that the variable ingest sets is undone afterwards
    monkeypatch.delenv(crypto.KEY_FILE_ENV)
    case = tmp_path / "case"

    def cli(*args) -> int:
        try:
            main(["-q", *map(str, args)])
            return 0
        except SystemExit as exc:
            return exc.code
        finally:
            for lock in list(case_store._HELD):     # as when the command's process ends
                lock.release()

    assert cli("case", "create", case, "--case-number", "1", "--examiner", "E") == 0
    assert cli("add", case, evidence) == 0
    assert cli("ingest", case, "--jobs", "1", "--plugins", "encrypted.app_stores", "--key-file", keys) == 0
    capsys.readouterr()
    assert cli("artifacts", case, "--kind", "message", "--json") == 0
    bodies = [json.loads(line)["data"]["body"] for line in capsys.readouterr().out.splitlines()]
    assert bodies == list(BODIES)
    assert cli("custody", case, "--json") == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    used = [entry for entry in entries if entry["action"] == "ingest.key_file"]
    assert len(used) == 1
    details = used[0]["details"]
    assert details["key_file_sha256"] == crypto.key_file_digest(keys)
    assert [item["key_entry"] for item in details["stores_opened"]] == ["Signal key from config"]
    assert RAW_KEY.hex() not in (case / "case.sqlite").read_bytes().decode("latin-1")
    assert cli("verify", case) == 0
    # A malformed key file stops ingest before it starts.
    bad = key_file(tmp_path / "bad.json", {"signal.db": {"key": "zz"}})
    assert cli("ingest", case, "--key-file", bad) == 2
