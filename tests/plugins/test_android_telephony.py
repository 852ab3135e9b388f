"""android.sms: SMS and MMS from mmssms.db, on databases the project's builder writes and on the
corpus's plaso test database."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps.android import (M_DELIVERY_IND, MMS_DRAFTS, MMS_SENT, SMS_DRAFT, SMS_FAILED,
                                               SMS_OUTBOX, SMS_SENT, Mms, MmsPart, Sms, build_mmssms)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.android_telephony import AndroidSms

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
DB_FOLDER = "data/user_de/0/com.android.providers.telephony/databases"
OWNER = "+447700900999"
ALICE = "+447700900123"
BOB = "+31612345678"
# 2026-01-01T00:00:00Z: 56 years of 365 days plus 14 leap days (1972..2024) = 20454 days since 1970.
NEW_YEAR_S = 20454 * 86400
NEW_YEAR_MS = NEW_YEAR_S * 1000


def corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def selected(cls, path: Path, evidence_path: str) -> bool:
    """Whether ingest would run ``cls`` on the file at ``evidence_path`` (glob, magic, schema)."""
    head = path.read_bytes()[:HEAD_BYTES]
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        schema = read_schema(conn)
    finally:
        conn.close()
    return any(select.matches_path(evidence_path) and select.matches_head(head) and select.matches_schema(schema)
               for select in cls.selects)


def conversation() -> list:
    return [
        Sms(address=ALICE, date_ms=NEW_YEAR_MS, date_sent_ms=NEW_YEAR_MS - 2500, body="Car at 6. <b>Bring</b> passports"),
        Sms(address=ALICE, date_ms=NEW_YEAR_MS + 60_000, body="OK", type=SMS_SENT),
        Sms(address=BOB, date_ms=NEW_YEAR_MS + 120_000, body="draft never sent", type=SMS_DRAFT),
        Sms(address=BOB, date_ms=NEW_YEAR_MS + 180_000, body="queued", type=SMS_OUTBOX),
        Sms(address=BOB, date_ms=NEW_YEAR_MS + 240_000, body="failed", type=SMS_FAILED),
        Mms(date_s=NEW_YEAR_S + 300, date_sent_s=NEW_YEAR_S + 298, sender=ALICE, to=(OWNER, BOB), subject="Café",
            parts=(MmsPart(content_type="application/smil", text="<smil><body/></smil>"),
                   MmsPart(content_type="image/jpeg", name="IMG_0001.jpg", data=b"\xff\xd8\xff\xd9"),
                   MmsPart(content_type="text/plain", text="Look: Ñandú"))),
        Mms(date_s=NEW_YEAR_S + 400, msg_box=MMS_SENT, to=(ALICE,),
            parts=(MmsPart(content_type="text/plain", text="Nice"),
                   MmsPart(content_type="text/x-vCard", name="contact.vcf", data=b"BEGIN:VCARD\r\nEND:VCARD\r\n"))),
        Mms(date_s=NEW_YEAR_S + 500, msg_box=MMS_SENT, to=(ALICE,), m_type=M_DELIVERY_IND),   # a report
        Mms(date_s=NEW_YEAR_S + 600, msg_box=MMS_DRAFTS, to=(BOB,),
            parts=(MmsPart(content_type="text/plain", text="unsent mms"),)),
    ]


@pytest.fixture
def mmssms(tmp_path) -> Path:
    return build_mmssms(tmp_path / DB_FOLDER / "mmssms.db", conversation(), owner=OWNER,
                        parts_dir=tmp_path / "data/user_de/0/com.android.providers.telephony/app_parts")


def by_body(result) -> dict[str, dict]:
    return {item["body"]: item for item in result.data("message")}


def test_plugin_passes_host_checks():
    assert check_plugin(AndroidSms) == []
    assert AndroidSms.name == "android.sms"


def test_sms_and_mms(run_extractor, mmssms):
    result = run_extractor(AndroidSms, mmssms)
    assert result.status == "ok"
    assert result.warnings == []
    # 5 sms rows + 4 pdu rows, less the delivery report (m_type 134 is a protocol record, not a message).
    assert result.kinds() == {"message": 8}
    messages = by_body(result)

    incoming = messages["Car at 6. <b>Bring</b> passports"]      # HTML stays text, as stored
    assert incoming["service"] == "SMS" and incoming["app"] == "Android SMS/MMS"
    assert incoming["direction"] == "incoming"
    assert incoming["sender"] == ALICE and incoming["recipients"] == []
    assert incoming["received"]["utc"] == "2026-01-01T00:00:00Z"
    assert incoming["sent"] == {"utc": "2025-12-31T23:59:57.500000Z", "raw": str(NEW_YEAR_MS - 2500),
                                "encoding": "unix_ms", "status": "ok"}
    assert incoming["thread_name"] == ALICE

    sent = messages["OK"]
    assert sent["direction"] == "outgoing" and sent["sender"] is None and sent["recipients"] == [ALICE]
    assert sent["sent"]["utc"] == "2026-01-01T00:01:00Z" and sent["received"] is None
    assert sent["thread_id"] == incoming["thread_id"]

    draft = messages["draft never sent"]
    assert draft["direction"] == "outgoing"
    assert draft["sent"]["status"] == "not_applicable"
    assert messages["queued"]["sent"]["utc"] == "2026-01-01T00:03:00Z"
    assert messages["failed"]["direction"] == "outgoing"

    mms = messages["Café\nLook: Ñandú"]         # subject first, decoded from its stored ISO-8859-1 reading
    assert mms["service"] == "MMS" and mms["direction"] == "incoming"
    assert mms["sender"] == ALICE and mms["recipients"] == [OWNER, BOB]
    assert mms["received"]["utc"] == "2026-01-01T00:05:00Z"
    assert mms["sent"]["utc"] == "2026-01-01T00:04:58Z" and mms["sent"]["encoding"] == "unix_s"
    assert mms["thread_name"] == f"{ALICE}, {BOB}"
    [photo] = mms["attachments"]
    assert photo["name"] == "IMG_0001.jpg" and photo["mime_type"] == "image/jpeg"
    # The part file as it lies in the evidence: app_parts beside the databases folder.
    assert photo["path"].startswith("data/user_de/0/com.android.providers.telephony/app_parts/PART_")
    assert (mmssms.parents[1] / "app_parts" / photo["path"].rpartition("/")[2]).exists()

    reply = messages["Nice"]
    assert reply["direction"] == "outgoing" and reply["sender"] is None and reply["recipients"] == [ALICE]
    assert reply["sent"]["utc"] == "2026-01-01T00:06:40Z"
    assert [item["name"] for item in reply["attachments"]] == ["contact.vcf"]
    assert messages["unsent mms"]["sent"]["status"] == "not_applicable"

    locators = [item.locator for item in result.artifacts]
    assert locators[:5] == [{"table": "sms", "rowid": rowid} for rowid in range(1, 6)]
    assert {"table": "pdu", "rowid": 3} not in locators        # the delivery report


def test_times_by_hand(run_extractor, tmp_path):
    """Two UTC checks computed from the epoch definitions: sms.date is milliseconds and
    pdu.date seconds since 1970-01-01 UTC (ALEAPP reads pdu.date with datetime(date, 'UNIXEPOCH'))."""
    # 2000-03-01T12:34:56Z = 11017 days (30 years, 7 leap days, Jan+Feb 2000 = 60 days) + 45296 s.
    moment = 11017 * 86400 + 45296
    assert datetime.fromtimestamp(moment, timezone.utc) == datetime(2000, 3, 1, 12, 34, 56, tzinfo=timezone.utc)
    path = build_mmssms(tmp_path / "mmssms.db", [
        Sms(address=ALICE, date_ms=moment * 1000 + 789, body="ms"),
        Mms(date_s=moment, sender=ALICE, to=(OWNER,), parts=(MmsPart(content_type="text/plain", text="s"),)),
    ])
    messages = by_body(run_extractor(AndroidSms, path))
    assert messages["ms"]["received"]["utc"] == "2000-03-01T12:34:56.789000Z"
    assert messages["s"]["received"]["utc"] == "2000-03-01T12:34:56Z"


def test_zero_and_far_future_times(run_extractor, tmp_path):
    path = build_mmssms(tmp_path / "mmssms.db", [
        Sms(address=ALICE, date_ms=0, body="zero"),
        Sms(address=ALICE, date_ms=10 ** 17, body="far future"),
    ])
    result = run_extractor(AndroidSms, path)
    assert result.warnings == []
    messages = by_body(result)
    assert messages["zero"]["received"]["status"] == "absent"
    assert messages["far future"]["received"] == {"utc": None, "raw": str(10 ** 17), "encoding": "unix_ms",
                                                  "status": "unparsable"}


def test_invalid_utf8_body(run_extractor, tmp_path):
    path = build_mmssms(tmp_path / "mmssms.db", [Sms(address=ALICE, date_ms=NEW_YEAR_MS, body="placeholder")])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE sms SET body = CAST(X'48690AFFFE21' AS TEXT)")
    conn.commit()
    conn.close()
    result = run_extractor(AndroidSms, path)
    assert result.kinds() == {"message": 1}
    assert result.data()[0]["body"] == "Hi\n\ufffd\ufffd!"
    assert [warning.code for warning in result.warnings] == ["text.invalid_utf8"]
    assert result.warnings[0].locator == {"table": "sms", "rowid": 1}


def test_empty_database_with_the_schema(run_extractor, tmp_path):
    result = run_extractor(AndroidSms, build_mmssms(tmp_path / "mmssms.db", []))
    assert result.status == "ok"
    assert result.artifacts == [] and result.warnings == []


def test_unknown_schema_version_names_missing_columns(run_extractor, tmp_path):
    path = tmp_path / "mmssms.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sms (_id INTEGER PRIMARY KEY, address TEXT, date INTEGER, msg_type INTEGER, text TEXT)")
    conn.execute("INSERT INTO sms (address, date, msg_type, text) VALUES ('+1', 1, 1, 'x')")
    conn.commit()
    conn.close()
    result = run_extractor(AndroidSms, path)
    assert result.status == "ok" and result.artifacts == []
    [warning] = result.warnings
    assert warning.code == "schema.missing_columns"
    assert "Android SMS/MMS" in warning.message and "type, body" in warning.message


def test_damaged_header_and_encrypted(run_extractor, mmssms, tmp_path):
    damaged = tmp_path / "damaged" / "mmssms.db"
    damaged.parent.mkdir()
    data = bytearray(mmssms.read_bytes())
    data[:16] = b"\x00" * 16
    damaged.write_bytes(bytes(data))
    encrypted = tmp_path / "encrypted" / "mmssms.db"
    encrypted.parent.mkdir()
    encrypted.write_bytes(bytes((index * 151 + 7) % 256 for index in range(len(data))))
    for path in (damaged, encrypted):
        result = run_extractor(AndroidSms, path)
        assert result.status == "ok" and result.artifacts == []
        assert [warning.code for warning in result.warnings] == ["sqlite.unreadable"]


def test_truncated_database(run_extractor, tmp_path):
    many = [Sms(address=ALICE, date_ms=NEW_YEAR_MS + index, body=f"message {index} " + "x" * 300)
            for index in range(400)]
    full = build_mmssms(tmp_path / "full" / "mmssms.db", many)
    truncated = tmp_path / "cut" / "mmssms.db"
    truncated.parent.mkdir()
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    result = run_extractor(AndroidSms, truncated)
    assert result.status == "ok"                           # nothing escaped the plugin
    codes = [warning.code for warning in result.warnings]
    assert codes[0] == "sqlite.damaged"                    # the header promises pages the file lacks
    assert "sqlite.corrupt" in codes                       # reading stopped where the pages end
    # The rows on the pages that are there still come out, in order, each with its row id.
    assert 0 < len(result.artifacts) < 400
    assert [item.locator["rowid"] for item in result.artifacts] == list(range(1, len(result.artifacts) + 1))


def test_wal_rows_are_read(run_extractor, tmp_path):
    source = build_mmssms(tmp_path / "live" / "mmssms.db", [Sms(address=ALICE, date_ms=NEW_YEAR_MS, body="in main")])
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("INSERT INTO sms (thread_id, address, date, type, body) VALUES (1, ?, ?, 1, 'only in the WAL')",
                 (ALICE, NEW_YEAR_MS + 1))
    conn.commit()
    target = tmp_path / "acquired"
    target.mkdir()
    for suffix in ("", "-wal"):                             # copied while the app still holds it open
        shutil.copyfile(str(source) + suffix, target / ("mmssms.db" + suffix))
    conn.close()
    result = run_extractor(AndroidSms, target / "mmssms.db")
    assert sorted(by_body(result)) == ["in main", "only in the WAL"]


def test_wal_from_another_database(run_extractor, tmp_path):
    ours = build_mmssms(tmp_path / "ours" / "mmssms.db", [Sms(address=ALICE, date_ms=NEW_YEAR_MS, body="ours")])
    other = tmp_path / "other" / "other.db"
    other.parent.mkdir()
    conn = sqlite3.connect(other)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("y" * 500,)] * 50)
    conn.commit()
    shutil.copyfile(str(other) + "-wal", str(ours) + "-wal")
    conn.close()
    result = run_extractor(AndroidSms, ours)
    assert result.status == "ok"
    assert result.artifacts or result.warnings


def test_renamed_database_is_recognised_by_schema(run_extractor, mmssms, tmp_path):
    renamed = tmp_path / "logical" / "Phone backup" / "mydata.sqlite"
    renamed.parent.mkdir(parents=True)
    shutil.copyfile(mmssms, renamed)
    assert selected(AndroidSms, mmssms, f"{DB_FOLDER}/mmssms.db")
    assert selected(AndroidSms, renamed, "Phone backup/mydata.sqlite")
    assert not AndroidSms.selects[0].matches_path("Phone backup/mydata.sqlite")    # by schema, not by name
    assert run_extractor(AndroidSms, renamed).kinds() == {"message": 8}


def test_unrelated_database_is_not_selected(tmp_path):
    path = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (_id INTEGER PRIMARY KEY, body TEXT, date INTEGER)")
    conn.commit()
    conn.close()
    assert not selected(AndroidSms, path, "notes.sqlite")


# --- the corpus: plaso's test mmssms.db (Android emulator, 2013) -----------------------------------

def test_corpus_mmssms(run_extractor):
    path = corpus("chats", "plaso", "android_mmssms.db")
    result = run_extractor(AndroidSms, path)
    assert result.status == "ok" and result.warnings == []
    # .tables.txt: sms 9, pdu 0 (so no MMS); the other tables with rows are not messages:
    # threads 1 (the conversation), canonical_addresses 1 (its address), android_metadata 1,
    # sqlite_sequence 2, and words/words_content/words_segdir (the full-text index of the bodies).
    assert result.kinds() == {"message": 9}
    rows = {item.locator["rowid"]: item.data for item in result.artifacts}
    assert sorted(rows) == list(range(1, 10))
    # Values read with sqlite3 from the corpus file.
    first = rows[1]
    assert first["body"] == "Yo Fred this is my new number."
    assert first["direction"] == "outgoing" and first["recipients"] == ["1 555-521-5554"]
    # plaso's test for this file documents 2013-10-29 16:56:28.038 UTC for sms row 1 (date 1383065788038).
    assert first["sent"] == {"utc": "2013-10-29T16:56:28.038000Z", "raw": "1383065788038", "encoding": "unix_ms",
                             "status": "ok"}
    third = rows[3]
    assert third["body"] == "What message?"
    assert third["direction"] == "incoming" and third["sender"] == "15555215554"
    assert third["sent"]["utc"] == "2013-10-29T17:05:40Z"              # date_sent 1383066340000
    assert third["received"]["utc"] == "2013-10-29T17:05:41.303000Z"   # date 1383066341303
    assert rows[7]["body"].startswith("You bet! I'm just going to write a reeeeealllllllyyyyy long message.")
    assert rows[9]["sent"]["utc"] == "2013-10-29T17:16:17.250000Z"     # date 1383066977250
    assert {data["thread_name"] for data in rows.values()} == {"1 555-521-5554"}
    assert [data["direction"] for _rowid, data in sorted(rows.items())].count("outgoing") == 5


def test_corpus_mmssms_renamed_in_a_logical_acquisition(run_extractor, tmp_path):
    path = corpus("chats", "plaso", "android_mmssms.db")
    renamed = tmp_path / "export" / "sms_backup.sqlite"
    renamed.parent.mkdir()
    shutil.copyfile(path, renamed)
    assert selected(AndroidSms, renamed, "export/sms_backup.sqlite")
    result = run_extractor(AndroidSms, renamed)
    assert result.kinds() == {"message": 9} and result.warnings == []


# --- deleted SMS recovered from free space and the -wal (ctx.recover_records) ----------------------

def many_sms(count: int) -> list[Sms]:
    return [Sms(address=(ALICE, BOB)[i % 2], date_ms=NEW_YEAR_MS + i * 60_000,
                date_sent_ms=NEW_YEAR_MS + i * 60_000 - 900, body=f"note {i}: " + "meet at the usual place " * (i % 3 + 1), type=(1, SMS_SENT)[i % 2])
            for i in range(count)]


def delete_sms(path: Path, where: str, *, wal: bool = False, secure_delete: str = "OFF") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA secure_delete={secure_delete}")
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute(f"DELETE FROM sms WHERE {where}")
    conn.commit()
    return conn


def split(result) -> tuple[list[dict], list[tuple[dict, dict]]]:
    live = [item.data for item in result.artifacts if not item.data["recovered"]]
    recovered = [(item.data, item.locator) for item in result.artifacts if item.data["recovered"]]
    return live, recovered


def test_deleted_sms_are_recovered_once_and_apart_from_live_ones(run_extractor, tmp_path):
    messages = many_sms(120)
    path = build_mmssms(tmp_path / DB_FOLDER / "mmssms.db", messages, owner=OWNER)
    delete_sms(path, "_id % 9 = 4").close()             # rows 4, 13, ... : freeblocks inside live pages
    gone = {messages[i - 1].body: messages[i - 1] for i in range(1, 121) if i % 9 == 4}
    result = run_extractor(AndroidSms, path)
    assert result.status == "ok" and result.warnings == []
    live, recovered = split(result)
    assert len(live) == 120 - len(gone) and not {item["body"] for item in live} & set(gone)
    assert sorted(item["body"] for item, _ in recovered) == sorted(gone)
    for item, locator in recovered:
        original = gone[item["body"]]
        assert item["app"] == APP_NAME and item["service"] == "SMS"
        if original.type == 1:
            assert item["direction"] == "incoming" and item["sender"] == original.address
            assert item["received"]["raw"] == str(original.date_ms) and item["received"]["status"] == "ok"
            assert item["sent"]["raw"] == str(original.date_sent_ms)
        else:
            assert item["direction"] == "outgoing" and item["recipients"] == [original.address]
            assert item["sent"]["raw"] == str(original.date_ms)
        assert item["thread_name"] == original.address
        assert locator["table"] == "sms" and locator["offset"] > 0 and locator["length"] > 0
        assert locator["pointer"].startswith("recovered from ")


def test_deleted_sms_in_wal_mode_come_from_the_wal(run_extractor, tmp_path):
    messages = many_sms(60)
    path = build_mmssms(tmp_path / DB_FOLDER / "mmssms.db", messages, owner=OWNER)
    conn = delete_sms(path, "_id IN (3, 30, 59)", wal=True)
    conn.executemany("INSERT INTO sms (thread_id, address, date, type, body) VALUES (1, ?, ?, 1, ?)",
                     [(ALICE, NEW_YEAR_MS + 99_000_000 + i, f"only in the wal {i}") for i in range(40)])
    conn.commit()
    conn.execute("DELETE FROM sms WHERE body = 'only in the wal 7'")
    conn.commit()
    copy = tmp_path / "copy" / DB_FOLDER
    copy.mkdir(parents=True)
    shutil.copy(path, copy / "mmssms.db")              # the writer is still open: nothing checkpointed
    shutil.copy(str(path) + "-wal", copy / "mmssms.db-wal")
    conn.close()
    result = run_extractor(AndroidSms, copy / "mmssms.db")
    live, recovered = split(result)
    assert len(live) == 60 - 3 + 39
    bodies = {item["body"]: locator for item, locator in recovered}
    assert set(bodies) == {messages[2].body, messages[29].body, messages[58].body, "only in the wal 7"}
    assert bodies["only in the wal 7"]["member"] == "mmssms.db-wal"
    assert "wal frame" in bodies["only in the wal 7"]["pointer"]


def test_secure_delete_recovers_nothing(run_extractor, tmp_path):
    path = build_mmssms(tmp_path / DB_FOLDER / "mmssms.db", many_sms(120), owner=OWNER)
    delete_sms(path, "_id % 9 = 4", secure_delete="ON").close()
    live, recovered = split(run_extractor(AndroidSms, path))
    assert recovered == [] and len(live) == 120 - 13


def test_records_that_do_not_read_as_sms_are_dropped(run_extractor, tmp_path):
    path = build_mmssms(tmp_path / DB_FOLDER / "mmssms.db", many_sms(40), owner=OWNER)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA secure_delete=OFF")
    conn.executemany("INSERT INTO sms (thread_id, address, date, type, body) VALUES (1, ?, ?, ?, ?)",
                     [(ALICE, 5, 1, "a time in 1970"), (ALICE, NEW_YEAR_MS, 42, "type 42"),
                      (ALICE, 10 ** 15, 1, "year 33658")])
    conn.commit()
    conn.execute("DELETE FROM sms WHERE _id > 40")
    conn.commit()
    conn.close()
    result = run_extractor(AndroidSms, path)
    assert split(result)[1] == []
    assert [warning.code for warning in result.warnings] == ["recovery.dropped"]


APP_NAME = "Android SMS/MMS"
