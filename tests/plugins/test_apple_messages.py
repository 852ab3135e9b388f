"""apple.messages: iOS sms.db / macOS chat.db, on stores the project's builder writes and on the
corpus's plaso imessage_chat.db."""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps.apple import (AppleChat, AppleMessage, MessageAttachment, attributed_body,
                                             build_sms_db)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.apple_messages import AppleMessages, _evidence_path, decode_attributed_body

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
OWNER = "+447700900001"
MIKE, LENA, HOTEL = "+447700900123", "+31612345679", "+31612345678"
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
# 2026-03-01T09:30:00Z is 794050200 s after 2001-01-01: 9190 days (25 years, 6 of them leap years:
# 2004 ... 2024, then January and February) * 86400 + 9.5 h; counted here by hand, not with the
# code under test.
T0_COCOA_S = (25 * 365 + 6 + 31 + 28) * 86400 + 9 * 3600 + 30 * 60


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


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


MESSAGES = [
    AppleMessage(chat=MIKE, at=at(0), text="Landed. Where do I meet you?", from_me=True, delivered_at=at(0.5),
                 read_at=at(1)),
    AppleMessage(chat=MIKE, at=at(2), text="Arrivals, exit B.", read_at=at(3), attachments=(
        MessageAttachment(filename="~/Library/SMS/Attachments/5a/10/A1/IMG_0042.jpeg", mime_type="image/jpeg",
                          transfer_name="IMG_0042.jpeg", total_bytes=48213, uti="public.jpeg"),)),
    AppleMessage(chat=LENA, at=at(60), text="Keys at the desk ✅ room 214", service="SMS", attributed_only=True),
    AppleMessage(chat="chat493021", at=at(70), text="Everyone at 6?", sender=LENA),
    AppleMessage(chat="chat493021", at=at(71), text="Yes", from_me=True),
]
GROUP = AppleChat(identifier="chat493021", participants=(LENA, HOTEL), display_name="Pickup crew")


def result_for(run_extractor, path: Path, **kwargs):
    return run_extractor(AppleMessages, path, region="GB", **kwargs)


def messages(result) -> list[dict]:
    return result.data("message")


# --- the plugin and its selectors ----------------------------------------------------------------

def test_plugin_passes_host_checks():
    assert check_plugin(AppleMessages) == []
    assert AppleMessages.name == "apple.messages"


def test_selected_by_path_and_by_schema(tmp_path):
    path = build_sms_db(tmp_path / "sms.db", MESSAGES[:1])
    assert selected(AppleMessages, path, "private/var/mobile/Library/SMS/sms.db")
    assert selected(AppleMessages, path, "Users/sam/Library/Messages/chat.db")
    renamed = tmp_path / "export" / "mydata.sqlite"
    renamed.parent.mkdir()
    shutil.copyfile(path, renamed)
    assert selected(AppleMessages, renamed, "export/mydata.sqlite")
    other = tmp_path / "other.db"
    sqlite3.connect(other).executescript("CREATE TABLE message (id INTEGER, body TEXT);").close()
    assert not selected(AppleMessages, other, "export/other.db")


# --- attributedBody ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "a", "x" * 127, "y" * 128, "Keys ✅ 🔑 مفتاح", "z" * 40_000,
                                  "w" * 70_000])
def test_attributed_body_round_trip(text):
    assert decode_attributed_body(attributed_body(text)) == text


def test_attributed_body_bad_input_never_raises():
    rng = random.Random(20260301)
    valid = attributed_body("The quick brown fox, 🦊, jumps.")
    assert decode_attributed_body(None) is None
    assert decode_attributed_body(b"") is None
    assert decode_attributed_body(b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@") is None   # no string at all
    # Cut short inside the string: what is there comes back, never more.
    cut = decode_attributed_body(valid[:valid.index(b"quick") + 5])
    assert cut == "The quick"
    for _ in range(3000):
        choice = rng.random()
        if choice < 0.3:
            blob = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        elif choice < 0.6:
            blob = valid[:rng.randrange(len(valid) + 1)]
        else:
            blob = bytearray(valid)
            for _ in range(rng.randrange(1, 6)):
                blob[rng.randrange(len(blob))] = rng.randrange(256)
            blob = bytes(blob)
        decoded = decode_attributed_body(blob)
        assert decoded is None or isinstance(decoded, str)


def test_evidence_path_of_attachments():
    assert _evidence_path("~/Library/SMS/Attachments/5a/10/A1/IMG_0042.jpeg",
                          "private/var/mobile/Library/SMS/sms.db") == \
        "private/var/mobile/Library/SMS/Attachments/5a/10/A1/IMG_0042.jpeg"
    assert _evidence_path("/var/mobile/Library/SMS/Attachments/x/y.heic", "fs/private/var/mobile/Library/SMS/sms.db") \
        == "fs/private/var/mobile/Library/SMS/Attachments/x/y.heic"
    assert _evidence_path("~/Library/Messages/Attachments/a.pdf", "Users/sam/Library/Messages/chat.db") == \
        "Users/sam/Library/Messages/Attachments/a.pdf"
    assert _evidence_path("~/Library/SMS/x.jpg", "sms.db") == "~/Library/SMS/x.jpg"   # kept as stored
    assert _evidence_path(None, "sms.db") is None


# --- stores the builder writes -------------------------------------------------------------------

def test_messages_accounts_and_times(run_extractor, tmp_path):
    path = build_sms_db(tmp_path / "sms.db", MESSAGES, owner=OWNER, chats=[GROUP])
    result = result_for(run_extractor, path)
    assert result.status == "ok"
    assert result.warnings == []
    assert result.kinds() == {"message": 5, "account": 1}
    found = messages(result)
    first, second, sms, group_in, group_out = found
    assert first["body"] == "Landed. Where do I meet you?"
    assert (first["direction"], first["sender"], first["recipients"]) == ("outgoing", OWNER, [MIKE])
    assert first["sent"] == {"utc": "2026-03-01T09:30:00Z", "raw": str(T0_COCOA_S * 10**9), "encoding": "cocoa_ns",
                             "status": "ok"}
    assert first["delivered"]["utc"] == "2026-03-01T09:30:30Z"
    assert first["read"]["utc"] == "2026-03-01T09:31:00Z"
    assert first["thread_id"] == f"iMessage;-;{MIKE}"
    assert (second["direction"], second["sender"], second["recipients"]) == ("incoming", MIKE, [OWNER])
    assert second["attachments"] == [{"name": "IMG_0042.jpeg", "mime_type": "image/jpeg", "size": 48213,
                                      "sha256": None, "path": "~/Library/SMS/Attachments/5a/10/A1/IMG_0042.jpeg"}]
    assert second["delivered"]["status"] == "absent"
    # text NULL, the words only in the attributedBody typedstream
    assert sms["body"] == "Keys at the desk ✅ room 214" and sms["service"] == "SMS"
    assert group_in["thread_name"] == "Pickup crew"
    assert (group_in["sender"], group_in["recipients"]) == (LENA, [OWNER, HOTEL])
    assert (group_out["sender"], sorted(group_out["recipients"])) == (OWNER, sorted([LENA, HOTEL]))
    assert all(each["account"] == OWNER and not each["deleted"] for each in found)
    [account] = result.data("account")
    assert account == {"app": "Apple Messages", "identifier": OWNER, "display_name": None, "phone": OWNER,
                       "email": None}
    assert result.artifacts[0].locator == {"table": "message", "rowid": 1}


def test_seconds_era_store_and_email_owner(run_extractor, tmp_path):
    path = build_sms_db(tmp_path / "chat.db", MESSAGES[:2], owner="sam@icloud.example", nanoseconds=False)
    result = result_for(run_extractor, path)
    first = messages(result)[0]
    assert first["sent"] == {"utc": "2026-03-01T09:30:00Z", "raw": str(T0_COCOA_S), "encoding": "cocoa_s",
                             "status": "ok"}
    assert first["sender"] == "sam@icloud.example"
    assert result.data("account")[0]["email"] == "sam@icloud.example"


def test_recently_deleted_rows_are_flagged(run_extractor, tmp_path):
    kept = AppleMessage(chat=MIKE, at=at(5), text="Burn this number", recently_deleted=True)
    path = build_sms_db(tmp_path / "sms.db", [MESSAGES[0], kept])
    result = result_for(run_extractor, path)
    assert result.warnings == []
    live, recent = messages(result)
    assert live["deleted"] is False
    assert recent["deleted"] is True and recent["recovered"] is False
    assert (recent["body"], recent["thread_id"], recent["sender"]) == ("Burn this number", f"iMessage;-;{MIKE}", MIKE)
    # A row whose text went with the deletion: the body comes from recoverable_message_part.
    conn = sqlite3.connect(path)
    conn.execute("UPDATE message SET text = NULL, attributedBody = NULL WHERE ROWID = 2")
    conn.commit()
    conn.close()
    assert messages(result_for(run_extractor, path))[1]["body"] == "Burn this number"


def test_deleted_message_recovered_from_free_space(run_extractor, tmp_path):
    gone = AppleMessage(chat=LENA, at=at(62), text="Delete this after reading.", service="SMS", deleted=True,
                        read_at=at(63))
    path = build_sms_db(tmp_path / "sms.db", [MESSAGES[0], MESSAGES[2], gone])
    result = result_for(run_extractor, path)
    assert result.warnings == []
    assert result.kinds() == {"message": 3, "account": 1}
    recovered = messages(result)[2]
    assert recovered["deleted"] is True and recovered["recovered"] is True
    assert recovered["body"] == "Delete this after reading."
    assert (recovered["direction"], recovered["sender"], recovered["service"]) == ("incoming", LENA, "SMS")
    assert recovered["sent"]["utc"] == "2026-03-01T10:32:00Z"
    assert recovered["read"]["utc"] == "2026-03-01T10:33:00Z"
    # the stale GUID index cell ties it to its old ROWID and so to its conversation
    assert recovered["thread_id"] == f"SMS;-;{LENA}"
    locator = result.artifacts[2].locator
    assert locator["table"] == "message" and locator["rowid"] == 3
    data = path.read_bytes()[locator["offset"]:locator["offset"] + locator["length"]]
    assert b"Delete this after reading." in data


def test_deleted_guid_without_content(run_extractor, tmp_path):
    gone = AppleMessage(chat=LENA, at=at(62), text="Delete this after reading.", deleted=True)
    path = build_sms_db(tmp_path / "sms.db", [MESSAGES[0], gone])
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")          # rewrites the file: free space and stale cells are gone
    conn.close()
    result = result_for(run_extractor, path)
    assert result.kinds() == {"message": 2, "account": 1}
    deleted = messages(result)[1]
    assert deleted["deleted"] is True and deleted["recovered"] is False and deleted["body"] is None
    assert deleted["sent"]["status"] == "unreadable"
    assert result.artifacts[1].locator == {"table": "deleted_messages", "rowid": 1}
    assert [warning.code for warning in result.warnings] == ["messages.deleted_without_content"]


# --- bad input -----------------------------------------------------------------------------------

def test_unknown_schema_version_is_one_warning(run_extractor, tmp_path):
    path = tmp_path / "sms.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, body TEXT);"
                       "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);"
                       "CREATE TABLE chat (ROWID INTEGER PRIMARY KEY, chat_identifier TEXT);")
    conn.close()
    result = result_for(run_extractor, path)
    assert result.status == "ok" and result.artifacts == []
    [warning] = result.warnings
    assert warning.code == "schema.unsupported"
    assert "Apple Messages" in warning.message and "message.date" in warning.message
    assert "message.is_from_me" in warning.context["missing"]


def test_empty_store_with_the_right_schema(run_extractor, tmp_path):
    result = result_for(run_extractor, build_sms_db(tmp_path / "sms.db", []))
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []


@pytest.mark.parametrize("damage", ["header", "truncated", "encrypted"])
def test_damaged_database_gives_warnings_not_exceptions(run_extractor, tmp_path, damage):
    path = build_sms_db(tmp_path / "sms.db", MESSAGES * 40, chats=[GROUP])
    data = bytearray(path.read_bytes())
    if damage == "header":
        data[:16] = b"SQLite format 3\x00"[::-1]
    elif damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data = bytearray(random.Random(1).randbytes(len(data)))
    path.write_bytes(bytes(data))
    result = result_for(run_extractor, path)
    assert result.status == "ok"
    assert result.warnings, "damage must be reported"
    assert all(warning.code.startswith(("sqlite.", "schema.")) for warning in result.warnings)


def test_invalid_utf8_html_and_odd_times(run_extractor, tmp_path):
    path = build_sms_db(tmp_path / "sms.db", MESSAGES[:2])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE message SET text = CAST(X'48692080FF3C623E' AS TEXT), date = 0 WHERE ROWID = 1")
    conn.execute("UPDATE message SET text = '<script>alert(1)</script>', date = 9223372036854775807 WHERE ROWID = 2")
    conn.commit()
    conn.close()
    result = result_for(run_extractor, path)
    assert result.status == "ok"
    # the text columns no longer match the archived attributedBody copies: reported, not fatal
    assert [(warning.code, warning.context["rowids"]) for warning in result.warnings] == \
        [("messages.text_mismatch", [1, 2])]
    first, second = messages(result)
    assert first["body"] == "Hi \ufffd\ufffd<b>"
    assert first["sent"]["status"] == "absent"
    assert second["body"] == "<script>alert(1)</script>"      # kept as text
    assert second["sent"] == {"utc": None, "raw": "9223372036854775807", "encoding": "cocoa_ns",
                              "status": "unparsable"}


# --- the corpus: plaso's imessage_chat.db (macOS) ------------------------------------------------

def test_corpus_imessage_chat_db(run_extractor, tmp_path):
    path = corpus("chats", "plaso", "imessage_chat.db")
    result = result_for(run_extractor, path)
    assert result.status == "ok"
    # imessage_chat.db.tables.txt: message 10 rows, deleted_messages 226 rows. Every message row is a
    # message; every deleted_messages row is one deleted message known by its GUID (the content is
    # gone: the freelist pages are zeroed), so 10 + 226 messages. handle (7), chat (7), the join
    # tables and attachment (1) describe these messages and are not messages themselves.
    assert result.kinds() == {"message": 236, "account": 1}
    found = messages(result)
    live = [each for each in found if not each["deleted"]]
    deleted = [each for each in found if each["deleted"]]
    assert len(live) == 10 and len(deleted) == 226
    # Spot checks against sqlite3: SELECT ROWID, text, handle_id, date, is_from_me FROM message.
    assert live[0]["body"].startswith("Hey Kenneth, it's Eireanne! I was wondering if you could help me")
    assert (live[0]["sender"], live[0]["direction"]) == ("447775455555", "incoming")
    assert live[1]["body"].startswith("Hi Eireanne, I would get one that has 8GB of ram.")
    assert (live[1]["sender"], live[1]["direction"]) == ("ken.doh@icloud.com", "outgoing")
    assert live[7]["body"] == "Did you try to send me a message?"
    assert live[7]["sender"] == "xxxxxx2015@icloud.com"
    # Times. message 8, date 470573320: plaso's own test of this file documents 2015-11-30 10:48:40 UTC.
    assert live[7]["sent"] == {"utc": "2015-11-30T10:48:40Z", "raw": "470573320", "encoding": "cocoa_s",
                               "status": "ok"}
    # message 1, date 469908586: 978307200 + 469908586 = 1448215786 s after 1970 = 2015-11-22 18:09:46 UTC.
    assert datetime.fromtimestamp(978307200 + 469908586, tz=timezone.utc) == datetime(2015, 11, 22, 18, 9, 46,
                                                                                       tzinfo=timezone.utc)
    assert live[0]["sent"]["utc"] == "2015-11-22T18:09:46Z"
    assert live[0]["read"]["utc"] == "2015-11-22T18:13:22Z"     # date_read 469908802
    # Every row also has attributedBody; its NSString is the text column, byte for byte, except in
    # rows 6 and 10, where the text column says "Open Office" and the archived copy "Microsoft Office".
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    rows = conn.execute("SELECT ROWID, text, attributedBody FROM message ORDER BY ROWID").fetchall()
    conn.close()
    differ = [rowid for rowid, text, blob in rows if decode_attributed_body(blob) != text]
    assert differ == [6, 10]
    for rowid, text, blob in rows:
        if rowid in differ:
            assert decode_attributed_body(blob) == text.replace("Open Office", "Microsoft Office")
    assert "install Open Office" in live[5]["body"]       # the text column is reported
    # The owner: message.account "e:ken.doh@icloud.com", chat.account_login "E:ken.doh@icloud.com".
    assert result.data("account") == [{"app": "Apple Messages", "identifier": "ken.doh@icloud.com",
                                       "display_name": None, "phone": None, "email": "ken.doh@icloud.com"}]
    # 28 deleted GUIDs still have their cell in the free space of the message GUID index, which ties
    # them to their old ROWID (68-95) and through chat_message_join to the chat with jondoh2015@icloud.com.
    linked = [each for each in deleted if each["thread_id"]]
    assert len(linked) == 28
    assert {each["thread_id"] for each in linked} == {"iMessage;-;jondoh2015@icloud.com"}
    assert [warning.code for warning in result.warnings] == ["messages.text_mismatch",
                                                             "messages.deleted_without_content"]
    assert result.warnings[0].context["rowids"] == [6, 10]
    assert result.warnings[1].context["unlinked_attachment_messages"] == [21]


def test_corpus_renamed_copy_is_recognised(run_extractor, tmp_path):
    path = corpus("chats", "plaso", "imessage_chat.db")
    renamed = tmp_path / "acquisition" / "Messages export" / "mydata.sqlite"
    renamed.parent.mkdir(parents=True)
    shutil.copyfile(path, renamed)
    assert selected(AppleMessages, renamed, "acquisition/Messages export/mydata.sqlite")
    assert result_for(run_extractor, renamed).kinds() == {"message": 236, "account": 1}


# --- the demo iPhone tree ------------------------------------------------------------------------

def test_demo_iphone_tree_is_deterministic_and_overlaps(run_extractor, tmp_path):
    import hashlib

    from forensic_triage.demo.apps.apple import DEMO_OWNER, DEMO_PEOPLE, files_of, write_demo_iphone
    from forensic_triage_plugins.ios_contacts import IOSAddressBook, IOSCallHistory, IOSVoicemail
    from forensic_triage_plugins.ios_whatsapp import WhatsAppIOSCalls, WhatsAppIOSChats, WhatsAppIOSContacts

    first = files_of(write_demo_iphone(tmp_path / "one"))
    second = files_of(write_demo_iphone(tmp_path / "two"))
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    assert [digest(each) for each in first] == [digest(each) for each in second]
    plugins = {"sms.db": AppleMessages, "ChatStorage.sqlite": WhatsAppIOSChats,
               "CallHistory.sqlite": WhatsAppIOSCalls, "ContactsV2.sqlite": WhatsAppIOSContacts,
               "AddressBook.sqlitedb": IOSAddressBook, "CallHistory.storedata": IOSCallHistory,
               "voicemail.db": IOSVoicemail}
    numbers: dict[str, set[str]] = {}      # E.164 number -> plugins that saw it
    for path in first:
        if path.name not in plugins:
            continue
        result = run_extractor(plugins[path.name], path, region="GB")
        assert result.status == "ok" and result.artifacts
        assert result.warnings == [] or [w.code for w in result.warnings] == ["messages.deleted_without_content"]
        for data in result.data():
            for value in (data.get("sender"), *data.get("recipients", ()), *data.get("parties", ()),
                          *data.get("phones", ()), data.get("identifier")):
                if isinstance(value, str) and value:
                    number = "+" + value.partition("@")[0].lstrip("+") if "whatsapp.net" in value else value
                    numbers.setdefault(number, set()).add(plugins[path.name].name)
    mike, hotel, lena = DEMO_PEOPLE
    assert {"apple.messages", "ios.whatsapp.chats", "ios.callhistory", "ios.addressbook"} <= numbers[mike.phone]
    assert {"ios.whatsapp.chats", "ios.whatsapp.calls", "ios.addressbook"} <= numbers[hotel.phone]
    assert {"apple.messages", "ios.voicemail", "ios.callhistory"} <= numbers[lena.phone]
    assert {"apple.messages", "ios.whatsapp.chats", "ios.addressbook"} <= numbers[DEMO_OWNER.phone]
