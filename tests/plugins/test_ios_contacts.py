"""ios.addressbook, ios.callhistory and ios.voicemail: AddressBook.sqlitedb (with its -wal),
CallHistory.storedata and voicemail.db, on stores the project's builder writes and on the corpus's
iLEAPP test data (Josh Hickman's iOS image)."""

from __future__ import annotations

import dataclasses
import random
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps.apple import (CALL_FACETIME_AUDIO, CALL_FACETIME_VIDEO, CALL_THIRD_PARTY,
                                             AddressBookPerson, PhoneCall, Voicemail, build_address_book,
                                             build_call_history, build_voicemail)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.sdk import Call
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.ios_contacts import IOSAddressBook, IOSCallHistory, IOSVoicemail

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
OWNER = "+447700900001"
MIKE, LENA = "+447700900123", "+31612345679"
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
# 2026-03-01T09:30:00Z: 794050200 s after 2001-01-01 (9190 days * 86400 + 34200) and 1772357400 s
# after 1970-01-01 (20513 days * 86400 + 34200), counted by hand.
T0_COCOA, T0_UNIX = 794050200, 1772357400
CALL_HAS_ATTACHMENTS = "attachments" in {field.name for field in dataclasses.fields(Call)}


def corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def selected(cls, path: Path, evidence_path: str) -> bool:
    head = path.read_bytes()[:HEAD_BYTES]
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        schema = read_schema(conn)
    finally:
        conn.close()
    return any(select.matches_path(evidence_path) and select.matches_head(head) and select.matches_schema(schema)
               for select in cls.selects)


def copy_with_siblings(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(target) + suffix)
    return target


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


PEOPLE = [
    AddressBookPerson(first="Sam", last="Carter", phones=(("Mobile", OWNER),), emails=(("Home", "sam@example.org"),),
                      me=True),
    AddressBookPerson(first="Driver", last="Mike", nickname="Mikey",
                      phones=(("Mobile", "07700 900123"), ("Work", "+44 20 7946 0018")),
                      instant_messages=(("Skype", "mike.driver"),)),
    AddressBookPerson(organization="Hotel Desk", company=True, phones=(("Main", "+31 6 12345678"),)),
    AddressBookPerson(first="Lena", last="Vos", emails=(("Home", "lena.vos@example.org"),)),
]


@pytest.mark.parametrize("cls", [IOSAddressBook, IOSCallHistory, IOSVoicemail])
def test_plugins_pass_host_checks(cls):
    assert check_plugin(cls) == []


def test_selected_by_path_and_by_schema(tmp_path):
    book = build_address_book(tmp_path / "AddressBook.sqlitedb", PEOPLE, wal=False)
    calls = build_call_history(tmp_path / "CallHistory.storedata", [PhoneCall(address=MIKE, at=T0)])
    mail = build_voicemail(tmp_path / "voicemail.db", [Voicemail(sender=MIKE, at=T0)])
    for cls, path, where in [(IOSAddressBook, book, "private/var/mobile/Library/AddressBook/AddressBook.sqlitedb"),
                             (IOSCallHistory, calls, "private/var/mobile/Library/CallHistoryDB/CallHistory.storedata"),
                             (IOSVoicemail, mail, "private/var/mobile/Library/Voicemail/voicemail.db")]:
        assert selected(cls, path, where)
        assert selected(cls, path, "logical/renamed.sqlite")
        for other in (book, calls, mail):
            if other != path:
                assert not selected(cls, other, "logical/renamed.sqlite")


# --- address book --------------------------------------------------------------------------------

def test_address_book_from_the_wal(run_extractor, tmp_path):
    path = build_address_book(tmp_path / "AddressBook.sqlitedb", PEOPLE, carddav_account="sam.carter@gmail.com")
    alone = tmp_path / "alone.sqlitedb"
    shutil.copyfile(path, alone)
    assert sqlite3.connect(alone).execute("SELECT COUNT(*) FROM ABPerson").fetchone() == (0,)
    # The full-text index uses a tokenizer only iOS has: plain SQLite cannot even list its columns.
    with pytest.raises(sqlite3.OperationalError, match="ab_cf_tokenizer"):
        sqlite3.connect(path).execute("SELECT * FROM ABPersonFullTextSearch").fetchall()
    result = run_extractor(IOSAddressBook, path, region="GB")
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"contact": 4, "account": 2}
    sam, mike, hotel, lena = result.data("contact")
    assert sam == {"app": "iOS Contacts", "display_name": "Sam Carter", "phones": [OWNER], "phones_e164": [OWNER],
                   "emails": ["sam@example.org"], "handles": [], "organisation": None, "deleted": False}
    assert mike["phones"] == ["07700 900123", "+44 20 7946 0018"]
    assert mike["phones_e164"] == [MIKE, "+442079460018"]
    assert mike["handles"] == ["mike.driver"] and mike["display_name"] == "Driver Mike"
    assert (hotel["display_name"], hotel["organisation"], hotel["phones_e164"]) == \
        ("Hotel Desk", "Hotel Desk", ["+31612345678"])
    assert lena["emails"] == ["lena.vos@example.org"] and lena["phones"] == []
    assert result.data("account") == [
        {"app": "iOS Contacts", "identifier": "sam@example.org", "display_name": "Sam Carter", "phone": OWNER,
         "email": "sam@example.org"},
        {"app": "iOS Contacts", "identifier": "sam.carter@gmail.com", "display_name": None, "phone": None,
         "email": "sam.carter@gmail.com"}]
    assert result.artifacts[1].locator == {"table": "ABPerson", "rowid": 2}


def test_address_book_bad_input(run_extractor, tmp_path):
    path = tmp_path / "AddressBook.sqlitedb"
    sqlite3.connect(path).executescript("CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First TEXT, Last TEXT);"
                                        "CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER);")
    [warning] = run_extractor(IOSAddressBook, path).warnings
    assert warning.code == "schema.unsupported" and "ABMultiValue.property" in warning.message
    empty = build_address_book(tmp_path / "empty" / "AddressBook.sqlitedb", [], carddav_account=None)
    result = run_extractor(IOSAddressBook, empty)
    assert result.artifacts == [] and result.warnings == []
    damaged = build_address_book(tmp_path / "damaged" / "AddressBook.sqlitedb", PEOPLE * 50, wal=False)
    data = damaged.read_bytes()
    damaged.write_bytes(data[:len(data) // 2])
    result = run_extractor(IOSAddressBook, damaged)
    assert result.status == "ok" and result.warnings


# --- call history --------------------------------------------------------------------------------

CALLS = [
    PhoneCall(address=MIKE, at=at(0), duration_s=42.5, outgoing=True),
    PhoneCall(address=LENA, at=at(10), answered=False),
    PhoneCall(address="lena.vos@example.org", at=at(20), duration_s=300, call_type=CALL_FACETIME_VIDEO,
              provider="com.apple.FaceTime"),
    PhoneCall(address=MIKE, at=at(30), duration_s=61, call_type=CALL_FACETIME_AUDIO, provider="com.apple.FaceTime",
              members=(LENA, "+447700900555"), address_as_blob=False),
    PhoneCall(address=MIKE, at=at(40), duration_s=12, call_type=CALL_THIRD_PARTY, provider="net.whatsapp.WhatsApp"),
    PhoneCall(address=None, at=at(50), answered=False),
]


def test_call_history(run_extractor, tmp_path):
    path = build_call_history(tmp_path / "CallHistory.storedata", CALLS)
    result = run_extractor(IOSCallHistory, path)
    assert result.status == "ok" and result.warnings == []
    phone, missed, facetime, group, whatsapp, withheld = result.data("call")
    assert phone == {"app": "Phone", "parties": [MIKE], "account": None, "direction": "outgoing",
                     "start": {"utc": "2026-03-01T09:30:00Z", "raw": str(T0_COCOA), "encoding": "cocoa_s",
                               "status": "ok"},
                     "duration_s": 42.5, "video": False, "missed": False, "attachments": [], "deleted": False}
    assert (missed["direction"], missed["missed"], missed["parties"]) == ("incoming", True, [LENA])
    assert (facetime["app"], facetime["video"], facetime["parties"]) == ("FaceTime", True, ["lena.vos@example.org"])
    assert (group["app"], group["video"], group["parties"]) == ("FaceTime", False, [MIKE, LENA, "+447700900555"])
    assert whatsapp["app"] == "WhatsApp"
    assert (withheld["parties"], withheld["missed"]) == ([], True)
    # iLEAPP's expression for ZDATE, evaluated by SQLite, agrees with the decoded time.
    conn = sqlite3.connect(path)
    ileapp = [row[0] for row in conn.execute("SELECT datetime(ZDATE + 978307200, 'unixepoch') FROM ZCALLRECORD")]
    conn.close()
    assert [each["start"]["utc"] for each in result.data("call")] == [value.replace(" ", "T") + "Z"
                                                                        for value in ileapp]


def test_call_history_bad_input(run_extractor, tmp_path):
    path = tmp_path / "CallHistory.storedata"
    sqlite3.connect(path).executescript("CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZADDRESS BLOB, "
                                        "ZDATE TIMESTAMP, ZORIGINATED INTEGER);")
    [warning] = run_extractor(IOSCallHistory, path).warnings
    assert warning.code == "schema.unsupported" and "ZCALLRECORD.ZDURATION" in warning.context["missing"]
    garbage = tmp_path / "g" / "CallHistory.storedata"
    garbage.parent.mkdir()
    garbage.write_bytes(b"SQLite format 3\x00" + random.Random(5).randbytes(8192))
    result = run_extractor(IOSCallHistory, garbage)
    assert result.status == "ok" and [w.code for w in result.warnings] == ["sqlite.unreadable"]
    odd = build_call_history(tmp_path / "odd" / "CallHistory.storedata", CALLS[:2])
    conn = sqlite3.connect(odd)
    conn.execute("UPDATE ZCALLRECORD SET ZDATE = 0, ZDURATION = -5, ZADDRESS = X'FF3C62' WHERE Z_PK = 1")
    conn.execute("UPDATE ZCALLRECORD SET ZDATE = 9e10 WHERE Z_PK = 2")     # the year 4853
    conn.commit()
    conn.close()
    first, second = run_extractor(IOSCallHistory, odd).data("call")
    assert first["start"]["status"] == "absent" and first["duration_s"] is None
    assert first["parties"] == ["\ufffd<b"]
    assert second["start"]["status"] == "unparsable"


# --- voicemail -----------------------------------------------------------------------------------

def test_voicemail(run_extractor, tmp_path):
    path = build_voicemail(tmp_path / "Voicemail" / "voicemail.db", [
        Voicemail(sender=MIKE, at=T0, duration_s=18, receiver=OWNER),
        Voicemail(sender=LENA, at=at(60), duration_s=5, receiver=OWNER, trashed_at=at(90)),
        Voicemail(sender="+447700900555", at=at(120), duration_s=9, receiver=OWNER, removed=True),
    ])
    result = run_extractor(IOSVoicemail, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"call": 3, "account": 1}
    first, trashed, removed = result.data("call")
    expected = {"app": "Voicemail", "parties": [MIKE], "account": OWNER, "direction": "incoming",
                "start": {"utc": "2026-03-01T09:30:00Z", "raw": str(T0_UNIX), "encoding": "unix_s", "status": "ok"},
                "duration_s": 18.0, "video": False, "missed": None, "deleted": False}
    if CALL_HAS_ATTACHMENTS:
        expected["attachments"] = [{"name": "1.amr", "mime_type": "audio/amr", "size": None, "sha256": None,
                                    "path": "1.amr"}]
    assert first == expected
    assert trashed["deleted"] is True and trashed["start"]["utc"] == "2026-03-01T10:30:00Z"
    assert removed["deleted"] is True and result.artifacts[2].locator == {"table": "deleted", "rowid": 1}
    assert result.data("account") == [{"app": "Phone", "identifier": OWNER, "display_name": None, "phone": OWNER,
                                       "email": None}]
    # iLEAPP reads voicemail.date as Unix seconds: datetime(date, 'unixepoch'), evaluated by SQLite.
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT datetime(date, 'unixepoch') FROM voicemail WHERE ROWID = 1").fetchone() == \
        ("2026-03-01 09:30:00",)
    conn.close()


def test_voicemail_bad_input(run_extractor, tmp_path):
    path = tmp_path / "voicemail.db"
    sqlite3.connect(path).executescript("CREATE TABLE voicemail (ROWID INTEGER PRIMARY KEY, sender TEXT);")
    [warning] = run_extractor(IOSVoicemail, path).warnings
    assert warning.code == "schema.unsupported" and "voicemail.date" in warning.context["missing"]
    empty = build_voicemail(tmp_path / "e" / "voicemail.db", [])
    assert run_extractor(IOSVoicemail, empty).artifacts == []


# --- the corpus ----------------------------------------------------------------------------------

def test_corpus_address_book(run_extractor, tmp_path):
    path = corpus("contacts", "ileapp", "addressbook_ios_josh15", "AddressBook.sqlitedb")
    result = run_extractor(IOSAddressBook, path, region="US")
    assert result.status == "ok" and result.warnings == []
    # AddressBook.sqlitedb.tables.txt (rows counted with the -wal): ABPerson 9 rows = 9 contacts. The
    # other tables hold their phones and e-mails (ABMultiValue 13: 8 phones, 4 e-mails, 1 address and
    # a URL of Apple Inc. that are not contacts), labels, stores, change history and search indexes.
    assert result.kinds() == {"contact": 9, "account": 2}
    contacts = result.data("contact")
    # Spot checks against sqlite3 (SELECT ROWID, First, Last, Organization FROM ABPerson; ABMultiValue)
    assert contacts[0] == {"app": "iOS Contacts", "display_name": "This Is DFIR Two", "phones": ["(919) 888-7386"],
                           "phones_e164": ["+19198887386"], "emails": ["thisisdfirtwo@gmail.com"], "handles": [],
                           "organisation": None, "deleted": False}
    assert (contacts[1]["display_name"], contacts[1]["phones"]) == ("Apple Inc.", ["1-800-MY-APPLE"])
    assert contacts[6]["display_name"] == "Josh Hickman"
    assert contacts[6]["phones"] == ["(919) 579-0479", "(919) 391-2507"]
    assert contacts[6]["emails"] == ["joshuahickman957@gmail.com"]
    # The me card (ABStore.MeIdentifier = 3) and the Google CardDAV account the store syncs with.
    assert result.data("account") == [
        {"app": "iOS Contacts", "identifier": "This Is DFIR", "display_name": "This Is DFIR", "phone": None,
         "email": None},
        {"app": "iOS Contacts", "identifier": "thisisdfir@gmail.com", "display_name": None, "phone": None,
         "email": "thisisdfir@gmail.com"}]
    # The -wal (2.4 MB) holds later versions of pages (ABPersonChanges has 12 rows with it, 18 without);
    # the people are in both.
    alone = tmp_path / "AddressBook.sqlitedb"
    shutil.copyfile(path, alone)
    assert run_extractor(IOSAddressBook, alone).kinds() == {"contact": 9, "account": 2}


def test_corpus_voicemail(run_extractor):
    result = run_extractor(IOSVoicemail, corpus("contacts", "ileapp", "voicemail_ios_josh15", "voicemail.db"))
    # voicemail.db.tables.txt: voicemail 0 rows, deleted 0 rows: no voicemails (map's 1 row is the
    # SIM's ICCID, not a call).
    assert result.status == "ok" and result.warnings == [] and result.artifacts == []


def test_corpus_renamed_copies_are_recognised(run_extractor, tmp_path):
    book = copy_with_siblings(corpus("contacts", "ileapp", "addressbook_ios_josh15", "AddressBook.sqlitedb"),
                              tmp_path / "acquisition" / "contacts.db")
    mail = copy_with_siblings(corpus("contacts", "ileapp", "voicemail_ios_josh15", "voicemail.db"),
                              tmp_path / "acquisition" / "vm.sqlite")
    assert selected(IOSAddressBook, book, "acquisition/contacts.db")
    assert selected(IOSVoicemail, mail, "acquisition/vm.sqlite")
    assert not selected(IOSCallHistory, book, "acquisition/contacts.db")
    assert run_extractor(IOSAddressBook, book, region="US").kinds() == {"contact": 9, "account": 2}
