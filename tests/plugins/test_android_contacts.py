"""android.contacts and android.calllog: contacts2.db, profile.db and calllog.db, on databases the
project's builder writes and on the corpus's plaso test contacts2.db."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.demo.apps.android import (CALL_BLOCKED, CALL_INCOMING, CALL_MISSED, CALL_OUTGOING,
                                               CALL_REJECTED, CALL_VOICEMAIL, AndroidContact, CallEntry,
                                               build_calllog, build_contacts2)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.android_contacts import AndroidCallLog, AndroidContacts

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CONTACTS_FOLDER = "data/data/com.android.providers.contacts/databases"
# 2026-01-01T00:00:00Z in milliseconds: 20454 days since 1970 (56 years, 14 of them leap years).
NEW_YEAR_MS = 20454 * 86400 * 1000
OWNER = "+447700900999"


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


PEOPLE = [
    AndroidContact(name="Alice Smith", phones=("07700 900123", "+44 20 7946 0018"), emails=("alice@example.com",),
                   organisation="Acme Ltd", account=("owner@gmail.com", "com.google"),
                   whatsapp_jid="447700900123@s.whatsapp.net"),
    AndroidContact(name="Bob de Vries", phones=("+31 6 12345678",), im=((3, "bob.devries"), (7, "bob@jabber.example")),
                   deleted=True),
    AndroidContact(name=None, emails=("nameless@example.com",), organisation="Only An Org BV"),
]

CALLS = [
    CallEntry(number="07700900123", date_ms=NEW_YEAR_MS, duration_s=95, type=CALL_OUTGOING,
              phone_account_address=OWNER),
    CallEntry(number="+31612345678", date_ms=NEW_YEAR_MS + 3_600_000, duration_s=0, type=CALL_MISSED,
              phone_account_address=OWNER),
    CallEntry(number="+31612345678", date_ms=NEW_YEAR_MS + 7_200_000, duration_s=300, type=CALL_INCOMING, video=True,
              phone_account_address=OWNER),
    CallEntry(number="", date_ms=NEW_YEAR_MS + 9_000_000, type=CALL_REJECTED, presentation=2),
    CallEntry(number="+447700900555", date_ms=NEW_YEAR_MS + 9_500_000, type=CALL_BLOCKED),
    CallEntry(number="+447700900555", date_ms=NEW_YEAR_MS + 9_600_000, duration_s=20, type=CALL_VOICEMAIL,
              deleted=True),
]


def test_plugins_pass_host_checks():
    assert check_plugin(AndroidContacts) == []
    assert check_plugin(AndroidCallLog) == []
    assert (AndroidContacts.name, AndroidCallLog.name) == ("android.contacts", "android.calllog")


# --- contacts ----------------------------------------------------------------------------------------

@pytest.fixture
def contacts2(tmp_path) -> Path:
    return build_contacts2(tmp_path / CONTACTS_FOLDER / "contacts2.db", PEOPLE,
                           accounts=[("owner@gmail.com", "com.google"), ("Phone", "vnd.sec.contact.phone")])


def test_contacts(run_extractor, contacts2):
    result = run_extractor(AndroidContacts, contacts2, region="GB")
    assert result.status == "ok" and result.warnings == []
    # One contact per raw_contacts row: 3 people plus the raw contact WhatsApp adds for Alice.
    assert result.kinds() == {"account": 1, "contact": 4}
    [account] = result.data("account")
    # The owner's Google account; the local "Phone" pseudo-account and WhatsApp's are not people.
    assert account == {"app": "com.google", "identifier": "owner@gmail.com", "display_name": None, "phone": None,
                       "email": "owner@gmail.com"}
    alice, alice_wa, bob, nameless = result.data("contact")
    assert alice["display_name"] == "Alice Smith" and alice["app"] == "Android Contacts"
    assert alice["phones"] == ["07700 900123", "+44 20 7946 0018"]          # as typed
    assert alice["phones_e164"] == ["+447700900123", "+442079460018"]       # with the case's region GB
    assert alice["emails"] == ["alice@example.com"] and alice["organisation"] == "Acme Ltd"
    assert alice_wa["handles"] == ["447700900123@s.whatsapp.net"]          # WhatsApp's profile row
    assert alice_wa["phones_e164"] == ["+447700900123"]
    assert bob["deleted"] is True
    assert bob["handles"] == ["skype:bob.devries", "xmpp:bob@jabber.example"]
    assert bob["phones_e164"] == ["+31612345678"]
    assert nameless["display_name"] == "Only An Org BV" and nameless["emails"] == ["nameless@example.com"]
    assert [item.locator for item in result.artifacts if item.kind == "contact"] == [
        {"table": "raw_contacts", "rowid": rowid} for rowid in (1, 2, 3, 4)]


def test_region_matters_only_for_national_numbers(run_extractor, contacts2):
    alice = run_extractor(AndroidContacts, contacts2).data("contact")[0]   # no --region
    assert alice["phones_e164"] == ["+442079460018"]


def test_owner_profile(run_extractor, tmp_path):
    path = build_contacts2(tmp_path / "data/data/com.android.providers.contacts/databases/profile.db",
                           [AndroidContact(name="Olivia Owner", phones=(OWNER,), emails=("olivia@example.com",))])
    result = run_extractor(AndroidContacts, path)
    assert result.kinds() == {"contact": 1, "account": 1}
    [account] = result.data("account")
    assert account["identifier"] == OWNER and account["display_name"] == "Olivia Owner"
    assert account["phone"] == OWNER and account["email"] == "olivia@example.com"


def test_contacts_renamed_database(run_extractor, contacts2, tmp_path):
    renamed = tmp_path / "logical" / "address_book.sqlite"
    renamed.parent.mkdir()
    shutil.copyfile(contacts2, renamed)
    assert selected(AndroidContacts, contacts2, f"{CONTACTS_FOLDER}/contacts2.db")
    assert selected(AndroidContacts, renamed, "logical/address_book.sqlite")
    assert not selected(AndroidCallLog, renamed, "logical/address_book.sqlite")   # no calls table
    assert run_extractor(AndroidContacts, renamed).kinds() == {"account": 1, "contact": 4}


def test_contacts_bad_input(run_extractor, tmp_path, contacts2):
    empty = build_contacts2(tmp_path / "empty" / "contacts2.db", [])
    result = run_extractor(AndroidContacts, empty)
    assert result.artifacts == [] and result.warnings == []

    conn = sqlite3.connect(contacts2)
    conn.execute("UPDATE data SET data1 = CAST(X'416C696365FF' AS TEXT) WHERE data1 = 'Alice Smith' AND raw_contact_id = 1")
    conn.execute("UPDATE raw_contacts SET display_name = NULL WHERE _id = 1")
    conn.commit()
    conn.close()
    result = run_extractor(AndroidContacts, contacts2)
    assert result.kinds() == {"account": 1, "contact": 4}
    assert result.data("contact")[0]["display_name"] == "Alice\ufffd"
    assert [(warning.code, warning.locator) for warning in result.warnings] == [
        ("text.invalid_utf8", {"table": "raw_contacts", "rowid": 1})]

    old = tmp_path / "old" / "contacts2.db"
    old.parent.mkdir()
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE raw_contacts (_id INTEGER PRIMARY KEY, contact_id INTEGER, deleted INTEGER)")
    conn.execute("CREATE TABLE data (_id INTEGER PRIMARY KEY, raw_contact_id INTEGER, mimetype TEXT, value TEXT)")
    conn.commit()
    conn.close()
    [warning] = run_extractor(AndroidContacts, old).warnings
    assert warning.code == "schema.missing_columns"
    assert "Android Contacts" in warning.message and "data lacks mimetype_id, data1" in warning.message

    garbage = tmp_path / "garbage" / "contacts2.db"
    garbage.parent.mkdir()
    garbage.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    result = run_extractor(AndroidContacts, garbage)
    assert result.status == "ok" and result.artifacts == []
    assert [warning.code for warning in result.warnings] == ["sqlite.unreadable"]


# --- call log ----------------------------------------------------------------------------------------

def test_calllog_db(run_extractor, tmp_path):
    path = build_calllog(tmp_path / "data/user_de/0/com.android.providers.contacts/databases/calllog.db", CALLS)
    result = run_extractor(AndroidCallLog, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"account": 1, "call": 6}
    [account] = result.data("account")
    assert account["identifier"] == OWNER and account["phone"] == OWNER and account["app"] == "Android Phone"
    out, missed, video, rejected, blocked, voicemail = result.data("call")
    assert out["parties"] == ["07700900123"] and out["direction"] == "outgoing" and out["missed"] is False
    assert out["duration_s"] == 95.0 and out["account"] == OWNER
    assert out["start"] == {"utc": "2026-01-01T00:00:00Z", "raw": str(NEW_YEAR_MS), "encoding": "unix_ms",
                            "status": "ok"}
    assert missed["direction"] == "incoming" and missed["missed"] is True
    assert missed["start"]["utc"] == "2026-01-01T01:00:00Z"
    assert video["video"] is True and video["missed"] is False and video["duration_s"] == 300.0
    assert rejected["parties"] == [] and rejected["missed"] is True      # a withheld number
    assert blocked["missed"] is True and blocked["account"] is None
    assert voicemail["missed"] is True and voicemail["deleted"] is True
    assert [item.locator for item in result.artifacts if item.kind == "call"] == [
        {"table": "calls", "rowid": rowid} for rowid in range(1, 7)]


def test_calls_in_old_contacts2(run_extractor, tmp_path):
    path = build_contacts2(tmp_path / CONTACTS_FOLDER / "contacts2.db", PEOPLE[:1], calls=CALLS[:3])
    calls = run_extractor(AndroidCallLog, path)
    assert calls.warnings == [] and calls.kinds() == {"call": 3}
    assert [item["direction"] for item in calls.data()] == ["outgoing", "incoming", "incoming"]
    # A newer contacts2.db has no calls table: nothing to say, the calls are in calllog.db.
    newer = build_contacts2(tmp_path / "newer" / "contacts2.db", PEOPLE[:1])
    assert run_extractor(AndroidCallLog, newer).warnings == []


def test_call_times_by_hand(run_extractor, tmp_path):
    """calls.date is milliseconds since 1970-01-01 UTC. 1999-12-31T23:59:59.999Z =
    10957 days (30 years, 7 leap days) * 86400000 - 1 ms."""
    moment = 10957 * 86_400_000 - 1
    path = build_calllog(tmp_path / "calllog.db", [
        CallEntry(number="+15555550100", date_ms=moment, duration_s=61),
        CallEntry(number="+15555550101", date_ms=0), CallEntry(number="+15555550102", date_ms=2 ** 62)])
    first, zero, future = run_extractor(AndroidCallLog, path).data("call")
    assert first["start"]["utc"] == "1999-12-31T23:59:59.999000Z"
    assert zero["start"]["status"] == "absent"
    assert future["start"]["status"] == "unparsable" and future["start"]["raw"] == str(2 ** 62)


def test_calllog_renamed_and_bad_input(run_extractor, tmp_path):
    path = build_calllog(tmp_path / "calllog.db", CALLS)
    renamed = tmp_path / "logical" / "calls_export.db"
    renamed.parent.mkdir()
    shutil.copyfile(path, renamed)
    assert selected(AndroidCallLog, renamed, "logical/calls_export.db")
    assert not selected(AndroidContacts, renamed, "logical/calls_export.db")
    assert run_extractor(AndroidCallLog, renamed).kinds() == {"account": 1, "call": 6}

    odd = tmp_path / "odd" / "calllog.db"
    odd.parent.mkdir()
    conn = sqlite3.connect(odd)
    conn.execute("CREATE TABLE calls (_id INTEGER PRIMARY KEY, number TEXT, date INTEGER, type INTEGER, new INTEGER)")
    conn.commit()
    conn.close()
    [warning] = run_extractor(AndroidCallLog, odd).warnings
    assert warning.code == "schema.missing_columns" and "calls lacks duration" in warning.message

    empty = build_calllog(tmp_path / "empty" / "calllog.db", [])
    assert run_extractor(AndroidCallLog, empty).artifacts == []

    encrypted = tmp_path / "enc" / "calllog.db"
    encrypted.parent.mkdir()
    encrypted.write_bytes(bytes((index * 73 + 11) % 256 for index in range(8192)))
    result = run_extractor(AndroidCallLog, encrypted)
    assert result.status == "ok" and [warning.code for warning in result.warnings] == ["sqlite.unreadable"]


# --- the corpus: plaso's test contacts2.db -----------------------------------------------------------

def test_corpus_contacts2(run_extractor):
    path = corpus("contacts", "plaso", "android_contacts2.db")
    calls = run_extractor(AndroidCallLog, path)
    assert calls.status == "ok" and calls.warnings == []
    # .tables.txt: calls 3, sqlite_sequence 1 (AUTOINCREMENT bookkeeping, not a call); every
    # contact table (contacts, data, ...) is empty.
    assert calls.kinds() == {"call": 3}
    rows = {item.locator["rowid"]: item.data for item in calls.artifacts}
    assert sorted(rows) == [714, 715, 717]
    # Values read with sqlite3 from the corpus file.
    assert {tuple(data["parties"]) for data in rows.values()} == {("5404561685",)}
    # plaso's test for this file documents the first call (row 714, type 3 MISSED) at
    # 2013-11-06 21:17:16.690 UTC, and row 717 starting 2013-11-07 00:03:36.690 and ending
    # 00:14:15.690 (start + 639 s).
    assert rows[714]["start"] == {"utc": "2013-11-06T21:17:16.690000Z", "raw": "1383772636690",
                                  "encoding": "unix_ms", "status": "ok"}
    assert rows[714]["missed"] is True and rows[714]["duration_s"] == 0.0
    assert rows[715]["direction"] == "outgoing" and rows[715]["duration_s"] == 126.0
    assert rows[715]["start"]["utc"] == "2013-11-06T21:18:53.283000Z"           # date 1383772733283
    assert rows[717]["start"]["utc"] == "2013-11-07T00:03:36.690000Z"
    assert rows[717]["direction"] == "incoming" and rows[717]["duration_s"] == 639.0

    # This test file has no raw_contacts table at all (plaso kept only what its call parser
    # needs), so the contacts plugin says so instead of guessing.
    contacts = run_extractor(AndroidContacts, path)
    assert contacts.status == "ok" and contacts.artifacts == []
    [warning] = contacts.warnings
    assert warning.code == "schema.missing_columns" and "no raw_contacts table" in warning.message


def test_corpus_contacts2_renamed_in_a_logical_acquisition(run_extractor, tmp_path):
    path = corpus("contacts", "plaso", "android_contacts2.db")
    renamed = tmp_path / "export" / "phone_data.sqlite"
    renamed.parent.mkdir()
    shutil.copyfile(path, renamed)
    assert selected(AndroidCallLog, renamed, "export/phone_data.sqlite")
    assert not selected(AndroidContacts, renamed, "export/phone_data.sqlite")
    result = run_extractor(AndroidCallLog, renamed)
    assert result.kinds() == {"call": 3} and result.warnings == []


def test_truncated_calllog(run_extractor, tmp_path):
    calls = [CallEntry(number=f"+4477009{index:05d}", date_ms=NEW_YEAR_MS + index * 1000, duration_s=index,
                       name="x" * 200) for index in range(1500)]
    full = build_calllog(tmp_path / "full" / "calllog.db", calls)
    cut = tmp_path / "cut" / "calllog.db"
    cut.parent.mkdir()
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 3])
    result = run_extractor(AndroidCallLog, cut)
    assert result.status == "ok"
    codes = [warning.code for warning in result.warnings]
    assert codes[0] == "sqlite.damaged" and "sqlite.corrupt" in codes
    assert 0 < len(result.data("call")) < 1500
