"""WhatsApp Android plugins (msgstore.db in both schemas, wa.db, shared_prefs) on stores written by
the project's own builder (forensic_triage.demo.apps.whatsapp_android). The corpus holds no
WhatsApp Android store, so every fixture here is generated."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.demo.apps.whatsapp_android import (CALL_CONNECTED, CALL_MISSED, CALL_REJECTED, IMAGE, REVOKED,
                                                        SYSTEM, WaCall, WaChat, WaContact, WaMedia, WaMessage,
                                                        WaOwner, build_msgstore, build_preferences, build_wa_db,
                                                        user_jid)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.android_whatsapp import (WhatsAppContacts, WhatsAppMessages, WhatsAppOwner,
                                                      media_hash_hex)

ANNA = user_jid("+49 170 1111111")
BOB = user_jid("+49 170 2222222")
GROUP = "120363000000000001@g.us"
HASH_B64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="     # SHA-256 of b"" in base64
HASH_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# Times chosen so their UTC form can be checked by hand from the Unix epoch:
# 1700000000 s = 19675 days + 80000 s = 2023-11-14 + 22:13:20; 1609459200 s = 18628 days = 2021-01-01.
T_ANNA = 1_700_000_000_000
T_NEW_YEAR = 1_609_459_200_000


def conversation() -> tuple[list[WaMessage], list[WaCall], list[WaChat]]:
    messages = [
        WaMessage(chat=ANNA, timestamp_ms=T_ANNA, text="Hi, are we still on for tonight?", received_ms=T_ANNA + 1500),
        WaMessage(chat=ANNA, timestamp_ms=T_ANNA + 60_000, text="Yes <b>8pm</b> <script>alert(1)</script>",
                  from_me=True, delivered_ms=T_ANNA + 61_000, read_ms=T_ANNA + 120_000),
        WaMessage(chat=GROUP, timestamp_ms=T_ANNA + 120_000, message_type=SYSTEM, action_type=11),
        WaMessage(chat=GROUP, timestamp_ms=T_ANNA + 180_000, text="Group hello from Bob", sender=BOB),
        WaMessage(chat=GROUP, timestamp_ms=T_ANNA + 240_000, text="Owner to the group", from_me=True),
        WaMessage(chat=ANNA, timestamp_ms=T_ANNA + 300_000, message_type=IMAGE, text="the photo",
                  media=WaMedia(file_path="Media/WhatsApp Images/IMG-20231114-WA0001.jpg", mime_type="image/jpeg",
                                size=48213, file_hash=HASH_B64)),
        WaMessage(chat=ANNA, timestamp_ms=T_ANNA + 360_000, message_type=REVOKED),
        WaMessage(chat=BOB, timestamp_ms=T_NEW_YEAR, text="Happy new year", received_ms=T_NEW_YEAR + 2000),
    ]
    calls = [WaCall(jid=ANNA, timestamp_ms=T_ANNA + 400_000, from_me=True, video=True, duration_s=65,
                    result=CALL_CONNECTED),
             WaCall(jid=BOB, timestamp_ms=T_ANNA + 500_000, result=CALL_MISSED),
             WaCall(jid=BOB, timestamp_ms=T_ANNA + 600_000, result=CALL_REJECTED)]
    chats = [WaChat(jid=GROUP, subject="Family", participants=(ANNA, BOB))]
    return messages, calls, chats


def make(tmp_path: Path, schema: str = "new", name: str = "msgstore.db") -> Path:
    messages, calls, chats = conversation()
    return build_msgstore(tmp_path / "com.whatsapp" / "databases" / name, messages, calls=calls, chats=chats,
                          schema=schema)


def by_body(result) -> dict:
    return {item["body"]: item for item in result.data("message")}


def codes(result) -> list[str]:
    return sorted(warning.code for warning in result.warnings)


def test_plugins_pass_host_checks():
    for cls in (WhatsAppMessages, WhatsAppContacts, WhatsAppOwner):
        assert check_plugin(cls) == []


@pytest.mark.parametrize("schema", ["new", "legacy"])
def test_messages_both_schemas(run_extractor, tmp_path, schema):
    result = run_extractor(WhatsAppMessages, make(tmp_path, schema))
    assert result.status == "ok"
    # 8 rows written: 1 system row is not a message; the revoked one is (deleted=True).
    assert result.kinds() == {"message": 7, "call": 3}
    assert codes(result) == ["whatsapp.skipped"]
    messages = by_body(result)
    first = messages["Hi, are we still on for tonight?"]
    assert first["direction"] == "incoming"
    assert first["sender"] == ANNA and first["thread_id"] == ANNA and first["recipients"] == []
    assert first["sent"] == {"utc": "2023-11-14T22:13:20Z", "raw": "1700000000000", "encoding": "unix_ms",
                             "status": "ok"}
    assert first["received"]["utc"] == "2023-11-14T22:13:21.500000Z"
    reply = messages["Yes <b>8pm</b> <script>alert(1)</script>"]          # HTML kept as plain text
    assert reply["direction"] == "outgoing" and reply["sender"] is None and reply["recipients"] == [ANNA]
    assert reply["delivered"]["utc"] == "2023-11-14T22:14:21Z"
    assert reply["read"]["utc"] == "2023-11-14T22:15:20Z"
    group = messages["Group hello from Bob"]
    assert group["sender"] == BOB and group["thread_id"] == GROUP and group["thread_name"] == "Family"
    assert group["recipients"] == [GROUP]
    assert messages["Owner to the group"]["recipients"] == [GROUP]
    assert messages["Happy new year"]["sent"]["utc"] == "2021-01-01T00:00:00Z"
    revoked = [item for item in result.data("message") if item["deleted"]]
    assert len(revoked) == 1 and revoked[0]["body"] is None
    photo = messages["the photo"]
    [attachment] = photo["attachments"]
    assert attachment["mime_type"] == "image/jpeg" and attachment["size"] == 48213
    assert attachment["sha256"] == HASH_HEX
    calls = result.data("call")
    assert [(c["direction"], c["video"], c["duration_s"], c["missed"]) for c in calls] == [
        ("outgoing", True, 65.0, False), ("incoming", False, 0.0, True), ("incoming", False, 0.0, True)]
    assert calls[0]["start"]["utc"] == "2023-11-14T22:20:00Z" and calls[0]["parties"] == [ANNA]
    for item in result.artifacts:
        assert item.locator["table"] in ("message", "messages", "call_log") and item.locator["rowid"] >= 1


def test_new_schema_details(run_extractor, tmp_path):
    result = run_extractor(WhatsAppMessages, make(tmp_path))
    [attachment] = by_body(result)["the photo"]["attachments"]
    assert attachment["path"] == "Media/WhatsApp Images/IMG-20231114-WA0001.jpg"
    assert attachment["name"] == "IMG-20231114-WA0001.jpg"
    assert {item.locator["table"] for item in result.artifacts} == {"message", "call_log"}
    conn = sqlite3.connect(tmp_path / "com.whatsapp" / "databases" / "msgstore.db")
    rowid = conn.execute("SELECT _id FROM message WHERE text_data = 'Group hello from Bob'").fetchone()[0]
    [group] = [a for a in result.artifacts if a.data.get("body") == "Group hello from Bob"]
    assert group.locator == {"table": "message", "rowid": rowid}


def test_lid_jids_are_mapped_to_phone_numbers(run_extractor, tmp_path):
    lid = "123456789012345@lid"
    path = build_msgstore(tmp_path / "msgstore.db", [
        WaMessage(chat=lid, timestamp_ms=T_ANNA, text="from a LID chat"),
        WaMessage(chat=lid, timestamp_ms=T_ANNA + 1000, text="reply", from_me=True),
        WaMessage(chat=GROUP, timestamp_ms=T_ANNA + 2000, text="group via LID", sender=lid),
    ], calls=[WaCall(jid=lid, timestamp_ms=T_ANNA + 3000)], lid_map={lid: ANNA})
    result = run_extractor(WhatsAppMessages, path)
    bodies = by_body(result)
    assert bodies["from a LID chat"]["sender"] == ANNA and bodies["from a LID chat"]["thread_id"] == lid
    assert bodies["reply"]["recipients"] == [ANNA]
    assert bodies["group via LID"]["sender"] == ANNA
    assert result.data("call")[0]["parties"] == [ANNA]


def test_legacy_schema_placeholder_and_markers(run_extractor, tmp_path):
    result = run_extractor(WhatsAppMessages, make(tmp_path, "legacy"))
    [skipped] = [w for w in result.warnings if w.code == "whatsapp.skipped"]
    assert "1 placeholder rows" in skipped.message and "1 system rows" in skipped.message
    assert {item.locator["table"] for item in result.artifacts} == {"messages"}


def test_renamed_copy_is_recognised_by_schema(run_extractor, tmp_path):
    for schema in ("new", "legacy"):
        original = make(tmp_path / schema, schema)
        renamed = tmp_path / "logical" / schema / "mydata.sqlite"
        renamed.parent.mkdir(parents=True)
        shutil.copy(original, renamed)
        conn = sqlite3.connect(renamed)
        tables = read_schema(conn)
        conn.close()
        head = renamed.read_bytes()[:HEAD_BYTES]
        path = f"logical/{schema}/mydata.sqlite"
        assert any(select.matches_path(path) and select.matches_head(head) and select.matches_schema(tables)
                   for select in WhatsAppMessages.selects)
        assert not any(select.glob and select.matches_path(path) for select in WhatsAppMessages.selects)
        assert run_extractor(WhatsAppMessages, renamed).kinds() == {"message": 7, "call": 3}


def test_both_tables_during_migration(run_extractor, tmp_path):
    path = make(tmp_path)
    legacy = make(tmp_path / "old", "legacy")
    conn = sqlite3.connect(path)
    conn.execute(f"ATTACH DATABASE '{legacy}' AS old")
    conn.execute("CREATE TABLE messages AS SELECT * FROM old.messages")
    conn.commit()
    conn.close()
    result = run_extractor(WhatsAppMessages, path)
    assert result.kinds() == {"message": 7, "call": 3}
    assert "whatsapp.legacy_table_not_read" in codes(result)


def test_unknown_schema_version_names_missing_columns(run_extractor, tmp_path):
    path = tmp_path / "msgstore.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE message (_id INTEGER PRIMARY KEY, chat_row_id INTEGER, text_data TEXT);"
                       "CREATE TABLE chat (_id INTEGER PRIMARY KEY, jid_row_id INTEGER);"
                       "CREATE TABLE jid (_id INTEGER PRIMARY KEY, raw_string TEXT);"
                       "INSERT INTO message VALUES (1, 1, 'x');")
    conn.close()
    result = run_extractor(WhatsAppMessages, path)
    assert result.status == "ok" and result.artifacts == []
    [warning] = result.warnings
    assert warning.code == "schema.unknown_version"
    assert "message.from_me" in warning.message and "message.timestamp" in warning.message
    assert "WhatsApp" in warning.message


def test_empty_database_with_the_schema(run_extractor, tmp_path):
    path = build_msgstore(tmp_path / "msgstore.db", [], schema="new")
    result = run_extractor(WhatsAppMessages, path)
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []


def test_rows_only_in_the_wal_are_read(run_extractor, tmp_path):
    path = make(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("INSERT INTO message (chat_row_id, from_me, key_id, timestamp, received_timestamp, message_type, "
                 "text_data) VALUES (1, 0, 'WAL1', ?, 0, 0, 'only in the WAL')", (T_ANNA + 900_000,))
    conn.commit()
    assert Path(str(path) + "-wal").stat().st_size > 0
    result = run_extractor(WhatsAppMessages, path)
    conn.close()
    assert "only in the WAL" in by_body(result)


def test_damaged_header_and_encrypted_file(run_extractor, tmp_path):
    path = make(tmp_path)
    data = bytearray(path.read_bytes())
    data[:16] = b"\x00" * 16
    path.write_bytes(bytes(data))
    result = run_extractor(WhatsAppMessages, path)
    assert result.status == "ok" and result.artifacts == [] and codes(result) == ["sqlite.not_sqlite"]


def test_truncated_database(run_extractor, tmp_path):
    messages = [WaMessage(chat=ANNA, timestamp_ms=T_ANNA + i * 1000, text=f"message {i} " + "x" * 200)
                for i in range(400)]
    path = build_msgstore(tmp_path / "msgstore.db", messages)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = run_extractor(WhatsAppMessages, path)
    assert result.status == "ok"
    assert any(w.code == "sqlite.corrupt" for w in result.warnings)


def test_invalid_utf8_and_odd_times(run_extractor, tmp_path):
    path = make(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE message SET text_data = CAST(X'48616C6C6FFF20C3' AS TEXT) "
                 "WHERE text_data = 'Happy new year'")
    conn.execute("UPDATE message SET timestamp = 0 WHERE text_data = 'Group hello from Bob'")
    conn.execute("UPDATE message SET timestamp = 99999999999999999 WHERE text_data = 'Owner to the group'")
    conn.commit()
    conn.close()
    result = run_extractor(WhatsAppMessages, path)
    assert result.kinds() == {"message": 7, "call": 3}
    assert "text.invalid_utf8" in codes(result)
    bodies = by_body(result)
    assert "Hallo\ufffd \ufffd" in bodies
    assert bodies["Group hello from Bob"]["sent"]["status"] == "absent"
    assert bodies["Owner to the group"]["sent"] == {"utc": None, "raw": "99999999999999999", "encoding": "unix_ms",
                                                    "status": "unparsable"}


def test_calls_from_legacy_markers_have_caption_and_duration(run_extractor, tmp_path):
    result = run_extractor(WhatsAppMessages, make(tmp_path, "legacy"))
    calls = result.data("call")
    assert calls[0]["video"] is True and calls[0]["duration_s"] == 65.0 and calls[0]["missed"] is False
    assert calls[1]["missed"] is True


def test_media_hash_hex():
    assert media_hash_hex(HASH_B64) == HASH_HEX
    assert media_hash_hex("not base64!") is None
    assert media_hash_hex("AAAA") is None        # decodes, but is not 32 bytes
    assert media_hash_hex(None) is None


# --- wa.db -----------------------------------------------------------------------------------------

def test_contacts(run_extractor, tmp_path):
    path = build_wa_db(tmp_path / "com.whatsapp" / "databases" / "wa.db", [
        WaContact(jid=ANNA, display_name="Anna Schmidt", number="+49 170 1111111", wa_name="Anni"),
        WaContact(jid=BOB, given_name="Bob", family_name="Meyer", number=None),
        WaContact(jid=GROUP, display_name="Family"),
        WaContact(jid="status@broadcast"),
        WaContact(jid="120363999@newsletter", display_name="Some channel"),
    ])
    result = run_extractor(WhatsAppContacts, path, region="DE")
    assert result.kinds() == {"contact": 2}
    anna, bob = result.data("contact")
    assert anna["display_name"] == "Anna Schmidt" and anna["phones"] == ["+49 170 1111111"]
    assert anna["phones_e164"] == ["+491701111111"] and anna["handles"] == [ANNA, "~Anni"]
    assert bob["display_name"] == "Bob Meyer" and bob["phones"] == [] and bob["phones_e164"] == ["+491702222222"]
    [warning] = result.warnings
    assert warning.code == "whatsapp.skipped" and "1 group chats" in warning.message
    assert "2 channels and broadcast lists" in warning.message


def test_contacts_renamed_and_unknown_version(run_extractor, tmp_path):
    path = build_wa_db(tmp_path / "wa.db", [WaContact(jid=ANNA, display_name="Anna")])
    renamed = tmp_path / "logical" / "contacts_backup.db"
    renamed.parent.mkdir()
    shutil.copy(path, renamed)
    conn = sqlite3.connect(renamed)
    schema = read_schema(conn)
    conn.close()
    assert any(s.sqlite_tables and s.matches_schema(schema) for s in WhatsAppContacts.selects)
    assert run_extractor(WhatsAppContacts, renamed).kinds() == {"contact": 1}
    odd = tmp_path / "odd" / "wa.db"
    odd.parent.mkdir()
    sqlite3.connect(odd).executescript("CREATE TABLE wa_contacts (_id INTEGER PRIMARY KEY, number TEXT);")
    result = run_extractor(WhatsAppContacts, odd)
    assert result.artifacts == [] and codes(result) == ["schema.unknown_version"]
    assert "wa_contacts.jid" in result.warnings[0].message


# --- shared_prefs ------------------------------------------------------------------------------------

def test_owner_account(run_extractor, tmp_path):
    path = build_preferences(tmp_path / "com.whatsapp" / "shared_prefs" / "com.whatsapp_preferences_light.xml",
                             WaOwner(country_code="49", phone="1709999999", push_name="Olga"))
    result = run_extractor(WhatsAppOwner, path)
    assert result.data("account") == [{"app": "WhatsApp", "identifier": "491709999999@s.whatsapp.net",
                                       "display_name": "Olga", "phone": "+491709999999", "email": None}]
    assert result.artifacts[0].locator == {"pointer": "/map/string[@name='ph']"}


def test_owner_bad_xml(run_extractor, tmp_path):
    broken = tmp_path / "a" / "com.whatsapp_preferences_light.xml"
    broken.parent.mkdir()
    broken.write_text("<map><string name='ph'>170")
    assert codes(run_extractor(WhatsAppOwner, broken)) == ["xml.unparsable"]
    hostile = tmp_path / "b" / "com.whatsapp_preferences_light.xml"
    hostile.parent.mkdir()
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><map><string name="ph">&a;</string></map>')
    assert codes(run_extractor(WhatsAppOwner, hostile)) == ["xml.refused"]
    partial = tmp_path / "c" / "com.whatsapp_preferences_light.xml"
    partial.parent.mkdir()
    partial.write_text("<map><string name='push_name'>Olga</string></map>")
    result = run_extractor(WhatsAppOwner, partial)
    assert result.artifacts == [] and codes(result) == ["whatsapp.no_owner_number"]


def test_wal_from_another_database(run_extractor, tmp_path):
    other = build_msgstore(tmp_path / "other" / "msgstore.db",
                           [WaMessage(chat=BOB, timestamp_ms=T_ANNA + i, text="other " * 50) for i in range(300)])
    conn = sqlite3.connect(other)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("UPDATE message SET text_data = 'changed in the other WAL'")
    conn.commit()
    foreign_wal = Path(str(other) + "-wal").read_bytes()
    conn.close()
    path = make(tmp_path / "ours")
    Path(str(path) + "-wal").write_bytes(foreign_wal)
    result = run_extractor(WhatsAppMessages, path)
    assert result.status == "ok"
    bodies = {item["body"] for item in result.data("message")}
    # Either SQLite rejects the foreign frames or the damage is reported; never an exception.
    assert "Hi, are we still on for tonight?" in bodies or any(w.code.startswith("sqlite.") for w in result.warnings)


# --- deleted messages recovered from free space and the -wal (ctx.recover_records) -----------------

def chat_history(count: int) -> list[WaMessage]:
    return [WaMessage(chat=(ANNA, GROUP, BOB)[i % 3], timestamp_ms=T_ANNA + i * 30_000,
                      text=f"msg {i} " + "see you at the station " * (i % 4 + 1), from_me=i % 2 == 1,
                      sender=BOB if i % 3 == 1 and i % 2 == 0 else None,
                      received_ms=0 if i % 2 else T_ANNA + i * 30_000 + 700)
            for i in range(count)]


def delete_rows(path: Path, where: str, *, wal: bool = False, secure_delete: str = "OFF") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA secure_delete={secure_delete}")
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute(f"DELETE FROM message WHERE {where}")
    conn.commit()
    return conn


def live_and_recovered(result) -> tuple[list[dict], dict[str, tuple[dict, dict]]]:
    messages = [item for item in result.artifacts if item.kind == "message"]
    live = [item.data for item in messages if not item.data["recovered"]]
    recovered = {item.data["body"]: (item.data, item.locator) for item in messages if item.data["recovered"]}
    assert len(recovered) == len([item for item in messages if item.data["recovered"]])   # each once
    return live, recovered


def test_deleted_messages_are_recovered_with_their_chat_and_times(run_extractor, tmp_path):
    history = chat_history(90)
    path = build_msgstore(tmp_path / "com.whatsapp" / "databases" / "msgstore.db", history,
                          chats=[WaChat(jid=GROUP, subject="Family", participants=(ANNA, BOB))])
    delete_rows(path, "_id % 8 = 5").close()
    gone = {history[i - 1].text: history[i - 1] for i in range(1, 91) if i % 8 == 5}
    result = run_extractor(WhatsAppMessages, path)
    assert result.status == "ok" and codes(result) == []
    live, recovered = live_and_recovered(result)
    assert len(live) == 90 - len(gone) and not {item["body"] for item in live} & set(gone)
    assert set(recovered) == set(gone)
    for body, (item, locator) in recovered.items():
        original = gone[body]
        assert item["thread_id"] == original.chat and item["sent"]["raw"] == str(original.timestamp_ms)
        assert item["sent"]["utc"].startswith("2023-11-1") and item["deleted"] is False
        if original.from_me:
            assert item["direction"] == "outgoing" and item["sender"] is None
        else:
            assert item["direction"] == "incoming" and item["received"]["raw"] == str(original.received_ms)
            assert item["sender"] == (original.sender if original.chat == GROUP else original.chat)
        if original.chat == GROUP:
            assert item["thread_name"] == "Family"
        assert locator["table"] == "message" and locator["offset"] > 0 and "recovered from" in locator["pointer"]


def test_deleted_messages_in_wal_mode_and_no_duplicates_of_live_ones(run_extractor, tmp_path):
    history = chat_history(40)
    path = build_msgstore(tmp_path / "com.whatsapp" / "databases" / "msgstore.db", history)
    conn = delete_rows(path, "_id IN (2, 21)", wal=True)
    conn.execute("UPDATE message SET status = 13 WHERE _id = 30")     # an older version of a live row
    conn.commit()
    copy = tmp_path / "copy" / "com.whatsapp" / "databases"
    copy.mkdir(parents=True)
    shutil.copy(path, copy / "msgstore.db")          # the writer is still open: nothing checkpointed
    shutil.copy(str(path) + "-wal", copy / "msgstore.db-wal")
    conn.close()
    live, recovered = live_and_recovered(run_extractor(WhatsAppMessages, copy / "msgstore.db"))
    assert len(live) == 38
    assert set(recovered) == {history[1].text, history[20].text}
    assert all(locator["rowid"] in (2, 21) for _, locator in recovered.values())


def test_secure_delete_and_the_legacy_schema_recover_nothing(run_extractor, tmp_path):
    path = build_msgstore(tmp_path / "a" / "msgstore.db", chat_history(90))
    delete_rows(path, "_id % 8 = 5", secure_delete="ON").close()
    assert live_and_recovered(run_extractor(WhatsAppMessages, path))[1] == {}
    legacy = build_msgstore(tmp_path / "b" / "msgstore.db", chat_history(30), schema="legacy")
    assert live_and_recovered(run_extractor(WhatsAppMessages, legacy))[1] == {}


def test_deleted_records_with_impossible_values_are_dropped(run_extractor, tmp_path):
    path = build_msgstore(tmp_path / "com.whatsapp" / "databases" / "msgstore.db", chat_history(30))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA secure_delete=OFF")
    # Copies of a real row (so the layout's storage classes fit) with values no message has.
    columns = [row[1] for row in conn.execute("PRAGMA table_info(message)") if row[1] != "_id"]
    copied = ", ".join("?" if name in ("from_me", "key_id", "timestamp", "text_data") else name for name in columns)
    for from_me, key, stamp, text in [(0, "K1", 86_400_000, "sent in 1970"), (7, "K2", T_ANNA, "from_me 7"),
                                      (0, "K3", 10 ** 16, "sent in the year 318857")]:
        values = {"from_me": from_me, "key_id": key, "timestamp": stamp, "text_data": text}
        conn.execute(f"INSERT INTO message ({', '.join(columns)}) SELECT {copied} FROM message WHERE _id = 1",
                     [values[name] for name in columns if name in values])
    conn.commit()
    conn.execute("DELETE FROM message WHERE key_id IN ('K1', 'K2', 'K3')")
    conn.commit()
    conn.close()
    result = run_extractor(WhatsAppMessages, path)
    assert live_and_recovered(result)[1] == {}
    assert codes(result) == ["recovery.dropped"]
