"""ios.whatsapp.chats / .calls / .contacts: WhatsApp iOS ChatStorage.sqlite (with its -wal),
CallHistory.sqlite and ContactsV2.sqlite, on stores the project's builder writes and on the
corpus's iLEAPP test data (Josh Hickman's iOS image)."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps.apple import (WA_CONTACT, WA_DOCUMENT, WA_IMAGE, WA_LOCATION, WA_REVOKED,
                                             WhatsAppCall, WhatsAppChat, WhatsAppContact, WhatsAppMedia,
                                             WhatsAppMessage, build_chat_storage, build_whatsapp_calls,
                                             build_whatsapp_contacts)
from forensic_triage.evidence.add import add_evidence
from forensic_triage.ingest.run import ingest
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.progress import run_silently
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.ios_whatsapp import WhatsAppIOSCalls, WhatsAppIOSChats, WhatsAppIOSContacts
from tests.conftest import new_case

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
OWNER = "447700900001@s.whatsapp.net"
MIKE = "447700900123@s.whatsapp.net"
LENA = "31612345679@s.whatsapp.net"
GROUP = "120363044520422953@g.us"
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
# 2026-03-01T09:30:00Z = 794050200 s after 2001-01-01 (9190 days * 86400 + 34200), counted by hand.
T0_COCOA = 794050200
IMAGE_SHA256 = "89fa55657cdcb4885777c42017754a4a3742fc5884057ff7bc126e861c641909"


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


CHATS = [WhatsAppChat(jid=MIKE, name="Driver Mike"),
         WhatsAppChat(jid=GROUP, name="Pickup crew", members=(MIKE, LENA)),
         WhatsAppChat(jid=LENA, name="Lena", removed=True)]
MESSAGES = [
    WhatsAppMessage(chat=MIKE, at=at(0), text="Same van tomorrow, 06:00.", received_at=at(0.25)),
    WhatsAppMessage(chat=MIKE, at=at(1), text="OK 👍", from_me=True),
    WhatsAppMessage(chat=MIKE, at=at(2), kind=WA_IMAGE, media=WhatsAppMedia(
        local_path=f"Media/{MIKE}/8/9/89fa5565-0c1d-4e2b-9a3b-3c1d9e8f7a6b.jpg", mime_type="image/jpeg", size=42073,
        sha256=IMAGE_SHA256, title="the plate")),
    WhatsAppMessage(chat=MIKE, at=at(3), kind=WA_DOCUMENT, from_me=True, media=WhatsAppMedia(
        local_path=f"Media/{MIKE}/1/2/0a1b2c3d.pdf", mime_type="application/pdf", size=1000, title="booking.pdf")),
    WhatsAppMessage(chat=MIKE, at=at(4), kind=WA_LOCATION, from_me=True,
                    media=WhatsAppMedia(latitude=52.3791, longitude=4.9003)),
    WhatsAppMessage(chat=MIKE, at=at(5), kind=WA_CONTACT, media=WhatsAppMedia(title=None, mime_type=None)),
    WhatsAppMessage(chat=MIKE, at=at(6), kind=WA_REVOKED),
    WhatsAppMessage(chat=GROUP, at=at(10), text="Everyone at 6?", sender=LENA),
    WhatsAppMessage(chat=GROUP, at=at(11), text="Yes", from_me=True),
    WhatsAppMessage(chat=LENA, at=at(20), text="Room 214"),
]


def chats_result(run_extractor, path: Path, **kwargs):
    return run_extractor(WhatsAppIOSChats, path, region="GB", **kwargs)


# --- plugins and selectors -----------------------------------------------------------------------

@pytest.mark.parametrize("cls", [WhatsAppIOSChats, WhatsAppIOSCalls, WhatsAppIOSContacts])
def test_plugins_pass_host_checks(cls):
    assert check_plugin(cls) == []


def test_selected_by_path_and_by_schema(tmp_path):
    group = "private/var/mobile/Containers/Shared/AppGroup/6F1C9B52-3D0E-4C1A-9A57-0D4C2B1E7A10"
    chats = build_chat_storage(tmp_path / "ChatStorage.sqlite", MESSAGES[:1], wal=False)
    calls = build_whatsapp_calls(tmp_path / "CallHistory.sqlite", [WhatsAppCall(peer=MIKE, at=T0)])
    contacts = build_whatsapp_contacts(tmp_path / "ContactsV2.sqlite", [WhatsAppContact(name="Mike")])
    for cls, path, name in [(WhatsAppIOSChats, chats, "ChatStorage.sqlite"),
                            (WhatsAppIOSCalls, calls, "CallHistory.sqlite"),
                            (WhatsAppIOSContacts, contacts, "ContactsV2.sqlite")]:
        assert selected(cls, path, f"{group}/{name}")
        assert selected(cls, path, "export/whatsapp_backup.db")      # renamed: by its tables
        for other_cls, other in [(WhatsAppIOSChats, chats), (WhatsAppIOSCalls, calls),
                                 (WhatsAppIOSContacts, contacts)]:
            if other_cls is not cls:
                assert not selected(cls, other, "export/whatsapp_backup.db")


# --- chats ---------------------------------------------------------------------------------------

def test_chats_from_the_wal(run_extractor, tmp_path):
    path = build_chat_storage(tmp_path / "ChatStorage.sqlite", MESSAGES, owner=OWNER, chats=CHATS)
    assert Path(str(path) + "-wal").stat().st_size > 0
    # Without its WAL the database holds the schema and no rows: everything below comes from the WAL.
    alone = tmp_path / "alone" / "ChatStorage.sqlite"
    alone.parent.mkdir()
    shutil.copyfile(path, alone)
    assert sqlite3.connect(alone).execute("SELECT COUNT(*) FROM ZWAMESSAGE").fetchone() == (0,)
    result = chats_result(run_extractor, path)
    assert result.status == "ok" and result.warnings == []
    # 10 messages; the 3 system rows the builder adds (encryption notices, "group created") are not messages
    assert result.kinds() == {"message": 10, "geo_point": 1, "account": 1}
    found = result.data("message")
    first, mine, image, document, location, card, revoked, group_in, group_out, removed = found
    assert (first["body"], first["direction"], first["sender"], first["recipients"]) == \
        ("Same van tomorrow, 06:00.", "incoming", MIKE, [OWNER])
    assert first["sent"] == {"utc": "2026-03-01T09:30:00Z", "raw": str(T0_COCOA), "encoding": "cocoa_s",
                             "status": "ok"}
    assert first["received"]["utc"] == "2026-03-01T09:30:15Z"
    assert (first["thread_id"], first["thread_name"], first["account"]) == (MIKE, "Driver Mike", OWNER)
    assert (mine["body"], mine["direction"], mine["sender"], mine["recipients"]) == \
        ("OK 👍", "outgoing", OWNER, [MIKE])
    assert mine["received"] is None
    assert image["body"] == "the plate"                 # the caption
    assert image["attachments"] == [{
        "name": "89fa5565-0c1d-4e2b-9a3b-3c1d9e8f7a6b.jpg", "mime_type": "image/jpeg", "size": 42073,
        "sha256": IMAGE_SHA256, "path": f"Message/Media/{MIKE}/8/9/89fa5565-0c1d-4e2b-9a3b-3c1d9e8f7a6b.jpg"}]
    assert document["body"] is None and document["attachments"][0]["name"] == "booking.pdf"
    assert location["attachments"] == []
    [point] = result.data("geo_point")
    assert (point["latitude"], point["longitude"], point["origin"]) == (52.3791, 4.9003, "WhatsApp")
    assert point["time"]["utc"] == "2026-03-01T09:34:00Z"
    assert card["attachments"] == [] and card["body"] is None
    assert revoked["deleted"] is True
    assert (group_in["sender"], group_in["recipients"], group_in["thread_name"]) == (LENA, [GROUP], "Pickup crew")
    assert (group_out["sender"], group_out["recipients"]) == (OWNER, [GROUP])
    assert removed["deleted"] is True                  # the chat was removed (ZREMOVED)
    assert result.data("account") == [{"app": "WhatsApp", "identifier": OWNER, "display_name": None,
                                       "phone": "+447700900001", "email": None}]
    assert result.artifacts[0].locator == {"table": "ZWAMESSAGE", "rowid": 2}


def test_chats_without_the_wal_are_empty_but_sound(run_extractor, tmp_path):
    path = build_chat_storage(tmp_path / "wal" / "ChatStorage.sqlite", MESSAGES, chats=CHATS)
    alone = tmp_path / "alone" / "ChatStorage.sqlite"
    alone.parent.mkdir()
    shutil.copyfile(path, alone)
    result = chats_result(run_extractor, alone)
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []


def test_wal_of_another_database(run_extractor, tmp_path):
    mine = build_chat_storage(tmp_path / "a" / "ChatStorage.sqlite", MESSAGES, chats=CHATS, wal=False)
    other = build_whatsapp_contacts(tmp_path / "b" / "ContactsV2.sqlite",
                                    [WhatsAppContact(name=f"Person {i}", phone=f"+4477009{i:05d}") for i in range(300)],
                                    wal=True)
    shutil.copyfile(str(other) + "-wal", str(mine) + "-wal")
    result = chats_result(run_extractor, mine)
    assert result.status == "ok"
    # With that -wal the file looks like ContactsV2.sqlite; the database alone is read, and the -wal named.
    assert [warning.code for warning in result.warnings] == ["sqlite.foreign_wal"]
    assert result.kinds() == {"message": 10, "geo_point": 1, "account": 1}


def test_unknown_schema_and_damage(run_extractor, tmp_path):
    path = tmp_path / "ChatStorage.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, ZTEXT VARCHAR, ZISFROMME INTEGER);"
                       "CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, ZCONTACTJID VARCHAR);")
    conn.close()
    [warning] = chats_result(run_extractor, path).warnings
    assert warning.code == "schema.unsupported" and "WhatsApp" in warning.message
    assert "ZWAMESSAGE.ZMESSAGEDATE" in warning.context["missing"]
    # an encrypted-looking file and a truncated one
    built = build_chat_storage(tmp_path / "t" / "ChatStorage.sqlite", MESSAGES * 30, chats=CHATS, wal=False)
    data = built.read_bytes()
    built.write_bytes(data[:len(data) // 3])
    truncated = chats_result(run_extractor, built)
    assert truncated.status == "ok" and truncated.warnings
    built.write_bytes(random.Random(3).randbytes(len(data)))
    garbage = chats_result(run_extractor, built)
    assert garbage.status == "ok" and [w.code for w in garbage.warnings] == ["sqlite.unreadable"]


def test_empty_store(run_extractor, tmp_path):
    path = build_chat_storage(tmp_path / "ChatStorage.sqlite", [])
    result = chats_result(run_extractor, path)
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []


# --- calls and contacts --------------------------------------------------------------------------

def test_calls(run_extractor, tmp_path):
    path = build_whatsapp_calls(tmp_path / "CallHistory.sqlite", [
        WhatsAppCall(peer=MIKE, at=at(0), duration_s=65.5, incoming=True),
        WhatsAppCall(peer=LENA, at=at(10), duration_s=12.25, video=True),
        WhatsAppCall(peer=MIKE, at=at(20), incoming=True, missed=True),
    ], owner=OWNER)
    result = run_extractor(WhatsAppIOSCalls, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"call": 3, "account": 1}
    first, second, third = result.data("call")
    assert first == {"app": "WhatsApp", "parties": [MIKE], "account": OWNER, "direction": "incoming",
                     "start": {"utc": "2026-03-01T09:30:00Z", "raw": str(T0_COCOA), "encoding": "cocoa_s",
                               "status": "ok"},
                     "duration_s": 65.5, "video": False, "missed": False, "attachments": [], "deleted": False}
    assert (second["direction"], second["video"], second["parties"], second["duration_s"]) == \
        ("outgoing", True, [LENA], 12.25)
    assert (third["direction"], third["missed"]) == ("incoming", True)
    assert result.data("account")[0]["identifier"] == OWNER


def test_contacts(run_extractor, tmp_path):
    path = build_whatsapp_contacts(tmp_path / "ContactsV2.sqlite", [
        WhatsAppContact(name="Driver Mike", phone="07700 900123", jid=MIKE),
        WhatsAppContact(name="Not On WhatsApp", phone="+44 7700 900777"),
        WhatsAppContact(name="Short Code", phone="88 99", jid="8899@s.whatsapp.net"),
    ])
    result = run_extractor(WhatsAppIOSContacts, path, region="GB")
    assert result.warnings == []
    mike, other, odd = result.data("contact")
    assert mike == {"app": "WhatsApp", "display_name": "Driver Mike", "phones": ["07700 900123"],
                    "phones_e164": ["+447700900123"], "emails": [], "handles": [MIKE], "organisation": None,
                    "deleted": False}
    assert (other["phones_e164"], other["handles"]) == (["+447700900777"], [])
    assert odd["phones_e164"] == [] and odd["handles"] == ["8899@s.whatsapp.net"]


# --- the corpus: iLEAPP's WhatsApp iOS test data ------------------------------------------------

WA = ("chats", "ileapp", "whatsapp_ios_josh15")
WA_CONTACTS = ("contacts", "ileapp", "whatsapp_ios_josh15")


def test_corpus_chat_storage(run_extractor):
    path = corpus(*WA, "ChatStorage.sqlite")
    result = chats_result(run_extractor, path)
    assert result.status == "ok" and result.warnings == []
    # ChatStorage.sqlite.tables.txt: ZWAMESSAGE 32 rows. 11 of them are rows WhatsApp wrote itself:
    # Z_PK 1-11, ZMESSAGETYPE 6 (group created / member joined, in the 4 groups) and 10 (the
    # "messages are end-to-end encrypted" notices): 32 - 11 = 21 messages. The 4 location messages
    # (ZMESSAGETYPE 5, Z_PK 30-33) also give 4 geo points.
    assert result.kinds() == {"message": 21, "geo_point": 4, "account": 1}
    found = {artifact.locator["rowid"]: artifact.data for artifact in result.artifacts if artifact.kind == "message"}
    assert sorted(found) == list(range(12, 28)) + list(range(29, 34))
    # Spot checks against sqlite3 (SELECT Z_PK, ZISFROMME, ZMESSAGEDATE, ZFROMJID, ZTOJID, ZTEXT FROM ZWAMESSAGE)
    assert (found[12]["body"], found[12]["direction"], found[12]["recipients"]) == \
        ("I’m here!", "outgoing", ["19198887386@s.whatsapp.net"])
    assert (found[13]["body"], found[13]["sender"]) == ("Awesome. You had some chat history, eh?",
                                                       "19198887386@s.whatsapp.net")
    assert found[29]["body"] == "Done. It’s gone. 😀"
    assert found[12]["thread_name"] == "This Is DFIR Two"
    assert found[21]["attachments"][0]["path"] == \
        "Message/Media/19198887386@s.whatsapp.net/d/0/d041d159-fd7d-4abb-9192-0e97c10ddb00.jpg"
    assert found[21]["attachments"][0]["size"] == 42073
    # ZVCARDNAME ifpVZXzctIhXd8QgF3VKSjdC/FiEBX/3vBJuhhxkGQk= is the picture's SHA-256 in base64
    assert found[21]["attachments"][0]["sha256"] == IMAGE_SHA256
    # Times. Z_PK 13: ZMESSAGEDATE 704735850 -> 978307200 + 704735850 = 1683043050 = 2023-05-02 15:57:30 UTC.
    assert datetime.fromtimestamp(978307200 + 704735850, tz=timezone.utc) == \
        datetime(2023, 5, 2, 15, 57, 30, tzinfo=timezone.utc)
    assert found[13]["sent"] == {"utc": "2023-05-02T15:57:30Z", "raw": "704735850", "encoding": "cocoa_s",
                                 "status": "ok"}
    # Z_PK 12 carries microseconds: iLEAPP's own expression datetime(ZMESSAGEDATE + 978307200, 'unixepoch'),
    # evaluated by SQLite, gives the same second.
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    ileapp = conn.execute("SELECT datetime(ZMESSAGEDATE + 978307200, 'unixepoch') FROM ZWAMESSAGE "
                          "WHERE Z_PK = 12").fetchone()[0]
    conn.close()
    assert ileapp == "2023-05-02 15:56:47"
    assert found[12]["sent"]["utc"] == "2023-05-02T15:56:47.221498Z"
    points = [artifact.data for artifact in result.artifacts if artifact.kind == "geo_point"]
    assert (round(points[0]["latitude"], 4), round(points[0]["longitude"], 4)) == (35.6385, -78.8761)
    # The owner: every received row that names a user JID in ZTOJID names 19195794674.
    assert result.data("account")[0]["phone"] == "+19195794674"


def test_corpus_call_history(run_extractor):
    result = run_extractor(WhatsAppIOSCalls, corpus(*WA_CONTACTS, "CallHistory.sqlite"))
    assert result.status == "ok" and result.warnings == []
    # CallHistory.sqlite.tables.txt: ZWACDCALLEVENT 4 rows = 4 calls (ZWAAGGREGATECALLEVENT and
    # ZWACDCALLEVENTPARTICIPANT, 4 rows each, describe them; ZWAJOINABLECALLEVENT is empty).
    assert result.kinds() == {"call": 4, "account": 1}
    calls = result.data("call")
    assert [(c["direction"], c["video"], c["missed"]) for c in calls] == [
        ("outgoing", False, False), ("incoming", False, False), ("outgoing", True, False), ("incoming", True, False)]
    assert all(c["parties"] == ["19198887386@s.whatsapp.net"] for c in calls)
    assert round(calls[0]["duration_s"], 3) == 95.116
    # ZDATE 704736730.067211 -> 2023-05-02 16:12:10 UTC, two minutes after "Nice. I'll audio call you."
    assert calls[0]["start"]["utc"] == "2023-05-02T16:12:10.067211Z"
    assert calls[3]["start"]["utc"] == "2023-05-02T16:24:21.638928Z"
    assert result.data("account")[0]["identifier"] == "19195794674@s.whatsapp.net"


def test_corpus_contacts(run_extractor):
    result = run_extractor(WhatsAppIOSContacts, corpus(*WA_CONTACTS, "ContactsV2.sqlite"), region="US")
    assert result.status == "ok" and result.warnings == []
    # ContactsV2.sqlite.tables.txt: ZWAADDRESSBOOKCONTACT 9 rows = 9 contacts.
    assert result.kinds() == {"contact": 9}
    contacts = result.data("contact")
    assert contacts[1]["display_name"] == "Thom De'Fer"
    assert contacts[1]["phones"] == ["(919) 802-7080"] and contacts[1]["phones_e164"] == ["+19198027080"]
    assert contacts[4]["handles"] == ["19198887386@s.whatsapp.net"]
    assert contacts[0]["phones"] == [] and contacts[0]["display_name"] == "This Is DFIR"


def test_corpus_renamed_in_a_logical_acquisition(tmp_path):
    """The three stores renamed in a folder acquisition (with their -wal/-shm), ingested: found by
    their tables, and each database's -wal handed to the plugin under its new name."""
    folder = tmp_path / "acquisition"
    copy_with_siblings(corpus(*WA, "ChatStorage.sqlite"), folder / "phone" / "wa_chats.db")
    copy_with_siblings(corpus(*WA_CONTACTS, "CallHistory.sqlite"), folder / "phone" / "wa_calls.db")
    copy_with_siblings(corpus(*WA_CONTACTS, "ContactsV2.sqlite"), folder / "phone" / "wa_people.db")
    built = build_chat_storage(tmp_path / "built" / "ChatStorage.sqlite", MESSAGES, owner=OWNER, chats=CHATS)
    copy_with_siblings(built, folder / "other" / "mydata.sqlite")
    store = new_case(tmp_path / "case")
    row = run_silently(add_evidence(store, folder))
    run_silently(ingest(store, evidence_keys=[row["exhibit_id"]], jobs=1,
                        plugin_names=["ios.whatsapp.chats", "ios.whatsapp.calls", "ios.whatsapp.contacts"]))
    counts: dict[tuple[str, str, str], int] = {}
    for kind, plugin, provenance in store.conn.execute("SELECT kind, plugin, provenance FROM artifacts"):
        key = (json.loads(provenance)["path"].rpartition("/")[2], plugin, kind)
        counts[key] = counts.get(key, 0) + 1
    store.close()
    assert counts == {
        ("wa_chats.db", "ios.whatsapp.chats", "message"): 21,
        ("wa_chats.db", "ios.whatsapp.chats", "geo_point"): 4,
        ("wa_chats.db", "ios.whatsapp.chats", "account"): 1,
        ("wa_calls.db", "ios.whatsapp.calls", "call"): 4,
        ("wa_calls.db", "ios.whatsapp.calls", "account"): 1,
        ("wa_people.db", "ios.whatsapp.contacts", "contact"): 9,
        # rows only in the WAL: read through the renamed -wal
        ("mydata.sqlite", "ios.whatsapp.chats", "message"): 10,
        ("mydata.sqlite", "ios.whatsapp.chats", "geo_point"): 1,
        ("mydata.sqlite", "ios.whatsapp.chats", "account"): 1,
    }
