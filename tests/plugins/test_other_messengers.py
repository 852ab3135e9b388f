"""Best-effort messenger plugins (no corpus: fixtures from the apps' documented schemas, written by
forensic_triage.demo.apps.other_apps)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.demo.apps import other_apps as apps
from forensic_triage.demo.apps.other_apps import RawText
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage_plugins import other_messengers as om

# Times used below, worked out by hand from the epoch definitions:
#   Unix 1 609 459 200 s = 18628 days exactly          = 2021-01-01T00:00:00Z
#   Unix 1 700 000 000 s = 19675 days + 80 000 s       = 2023-11-14T22:13:20Z
#   Cocoa 700 000 000 s  = Unix 1 678 307 200 s (+978 307 200) = 19424 days + 73 600 s = 2023-03-08T20:26:40Z
#   Cocoa 650 000 000 s  = Unix 1 628 307 200 s = 18846 days + 12 800 s = 2021-08-07T03:33:20Z
NEW_YEAR = "2021-01-01T00:00:00Z"
T1700 = "2023-11-14T22:13:20Z"


def selected(cls, path: Path, evidence_path: str) -> bool:
    """Would ingest pick this file for the plugin (path glob, head bytes, schema signature)?"""
    head = path.read_bytes()[:64]
    schema = {}
    if head.startswith(b"SQLite format 3\x00"):
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            schema = read_schema(conn)
        finally:
            conn.close()
    return any(select.matches_path(evidence_path) and select.matches_head(head) and select.matches_schema(schema)
               for select in cls.selects)


def by_rowid(result, kind: str, rowid: int, table: str | None = None) -> dict:
    [item] = [a.data for a in result.artifacts if a.kind == kind and a.locator.get("rowid") == rowid
              and (table is None or a.locator.get("table") == table)]
    return item


def codes(result) -> list[str]:
    return [warning.code for warning in result.warnings]


# --- samples: each writes a small store with the app's real tables -----------------------------------

def fb_sample(path: Path, *, uid: str | None = "1001", legacy: bool = False, extra=()) -> Path:
    me = {"user_key": "FACEBOOK:1001", "name": "Mia Me"}
    pal = {"user_key": "FACEBOOK:2002", "name": "Pat Pal"}
    return apps.build_fb_messenger(
        path, uid=uid, legacy=legacy,
        users=[{"user_key": "FACEBOOK:1001", "first_name": "Mia", "last_name": "Me", "name": "Mia Me"},
               {"user_key": "FACEBOOK:2002", "first_name": "Pat", "last_name": "Pal", "name": "Pat Pal",
                "username": "pat.pal"}],
        threads=[{"thread_key": "ONE_TO_ONE:1001:2002", "name": None}],
        thread_members=[("ONE_TO_ONE:1001:2002", "FACEBOOK:1001"), ("ONE_TO_ONE:1001:2002", "FACEBOOK:2002")],
        messages=[
            {"msg_id": "mid.1", "thread_key": "ONE_TO_ONE:1001:2002", "text": "see you at <b>8</b>",
             "sender": me, "timestamp_ms": 1_609_459_200_000},
            {"msg_id": "mid.2", "thread_key": "ONE_TO_ONE:1001:2002", "text": None, "sender": pal,
             "timestamp_ms": 1_700_000_000_000,
             "attachments": [{"filename": "image-1.jpg", "mime_type": "image/jpeg", "filesize": 2048}]},
            {"msg_id": "mid.3", "thread_key": "ONE_TO_ONE:1001:2002", "text": "", "sender": pal,
             "timestamp_ms": 1_700_000_100_000, "msg_type": 9,
             "admin": {"call_duration": 33, "caller_id": "2002", "video": True}},
            *extra,
        ])


def instagram_sample(path: Path, *, extra=()) -> Path:
    thread = {"thread_id": "3400", "thread_v2_id": "9900", "thread_title": "ig pals",
              "recipients": [{"pk_id": "200", "username": "pal_gram", "full_name": "Pal Gram"},
                             {"id": "300", "username": "third", "full_name": ""}],
              "inviter": {"id": "100", "username": "me_gram", "full_name": "Me Gram"}}
    key = {"thread_id": "3400"}
    return apps.build_instagram_direct(path, owner="100", threads=[thread], messages=[
        {"item_id": "a1", "item_type": "text", "user_id": 100, "timestamp": 1_609_459_200_000_000,
         "thread_key": key, "text": "hi all"},
        {"item_id": "a2", "item_type": "link", "user_id": 200, "timestamp": "1700000000500000", "thread_key": key,
         "link": {"text": "look https://example.org"}},
        {"item_id": "a3", "item_type": "media", "user_id": 300, "timestamp": 1_700_000_001_000_000,
         "thread_key": key, "media": {"image_versions2": {"candidates": [{"url": "https://cdn.example/p.jpg"}]}}},
        *extra,
    ])


def kik_sample(path: Path) -> Path:
    return apps.build_kik(
        path,
        users=[{"Z_PK": 1, "ZUSERNAME": "kikpal", "ZDISPLAYNAME": "Kik Pal", "ZJID": "kikpal_x1@talk.kik.com",
                "ZEMAIL": "pal@example.org"}],
        messages=[
            {"Z_PK": 10, "ZBODY": "yo", "ZTIMESTAMP": 700_000_000, "ZRECEIVEDTIMESTAMP": 700_000_002,
             "ZTYPE": apps.KIK_RECEIVED, "ZUSER": 1},
            {"Z_PK": 11, "ZBODY": "sup", "ZTIMESTAMP": 650_000_000.25, "ZTYPE": apps.KIK_SENT, "ZUSER": 1},
            {"Z_PK": 12, "ZBODY": None, "ZTIMESTAMP": 700_000_100, "ZTYPE": apps.KIK_RECEIVED, "ZUSER": 1},
        ],
        attachments=[{"ZMESSAGE": 12, "ZCONTENT": "4f1c5e0a-photo"}])


def viber_sample(path: Path, schema: str = apps.VIBER_SCHEMA) -> Path:
    return apps.build_viber(
        path, schema=schema,
        people=[{"_id": 1, "participant_type": 0, "number": "+447700900001", "display_name": "Me"},
                {"_id": 2, "participant_type": 1, "number": "+447700900002", "contact_name": "Vic Viber"},
                {"_id": 3, "participant_type": 1, "number": "+447700900003", "viber_name": "Val"}],
        conversations=[{"_id": 1, "conversation_type": 0, "recipient_number": "+447700900002"},
                       {"_id": 2, "conversation_type": 1, "name": "Book club"}],
        members=[(1, 1), (1, 2), (2, 1), (2, 2), (2, 3)],
        messages=[
            {"conversation_id": 1, "participant_id": 1, "body": "hello vic", "msg_date": 1_609_459_200_000,
             "send_type": 1},
            {"conversation_id": 1, "participant_id": 2, "body": "hi!", "msg_date": 1_700_000_000_000, "send_type": 0,
             "extra_uri": "content://viber/image/1.jpg", "deleted": 1},
            {"conversation_id": 2, "participant_id": 5, "body": "club", "msg_date": 1_700_000_060_000,
             "send_type": 0},
        ])


def imo_sample(path: Path) -> Path:
    return apps.build_imo(
        path,
        contacts=[{"ZBUID": "buid-pal", "ZDISPLAY": "Imo Pal", "ZALIAS": "Imo Pal", "ZDIGIT_PHONE": "+15555550123"}],
        messages=[{"ZTEXT": "first", "ZTS": 1_609_459_200_000_000_000, "ZISSENT": 1, "ZA_UID": "buid-pal"},
                  {"ZTEXT": "reply", "ZTS": 1_700_000_000_000_000_001, "ZISSENT": 0, "ZA_UID": "buid-pal",
                   "ZALIAS": "Imo Pal"},
                  {"ZTEXT": None, "ZTS": 1_700_000_100_000_000_000, "ZISSENT": 0, "ZA_UID": "buid-pal",
                   "ZIMDATA": {"type": "image/jpeg", "fileName": "photo.jpg"}}])


def tango_sample(path: Path) -> Path:
    return apps.build_tango(path, conversations=["convAAAABBBBCCCC1"], messages=[
        {"conv_id": "convAAAABBBBCCCC1", "text": "tango hello there", "create_time": 1_609_459_200_000,
         "send_time": 1_609_459_200_000, "direction": 2},
        {"conv_id": "convAAAABBBBCCCC1", "text": "reply", "create_time": 1_700_000_000_000, "send_time": None,
         "direction": 1},
        {"conv_id": "convAAAABBBBCCCC1", "payload": b"!!not base64 protobuf!!", "create_time": 1_700_000_100_000,
         "direction": 1},
    ])


def textnow_sample(path: Path) -> Path:
    return apps.build_textnow(
        path,
        contacts=[{"contact_value": "+13125550100", "contact_name": "Tex Now"},
                  {"contact_value": "pal@example.org", "contact_name": "Mail Pal", "contact_type": 1}],
        groups=[{"contact_value": "group-1", "title": "Crew"}],
        group_members=[{"contact_value": "group-1", "member_contact_value": "+13125550100"},
                       {"contact_value": "group-1", "member_contact_value": "+13125550111"}],
        messages=[
            {"contact_value": "+13125550100", "message_direction": apps.TEXTNOW_OUT, "message_text": "out text",
             "date": 1_609_459_200_000},
            {"contact_value": "+13125550100", "message_direction": apps.TEXTNOW_IN, "message_text": "in text",
             "date": 1_700_000_000_000, "attach": "https://media.textnow.example/a.jpg"},
            {"contact_value": "+13125550100", "message_direction": apps.TEXTNOW_IN,
             "message_type": apps.TEXTNOW_CALL, "message_text": "61", "date": 1_700_000_300_000},
            {"contact_value": "group-1", "message_direction": apps.TEXTNOW_OUT, "message_text": "to the crew",
             "date": 1_700_000_400_000},
        ])


def gv_ios_sample(path: Path) -> Path:
    return apps.build_google_voice_ios(
        path, threads=[{"threadKey": "t1"}, {"threadKey": "g1", "groupName": "Voice group"}],
        participants=[("t1", "+16505550100"), ("g1", "+16505550100"), ("g1", "+16505550111")],
        items=[
            {"threadKey": "t1", "itemType": "SmsIn", "timestamp": 1_609_459_200, "messageText": "gv in",
             "senderPhoneNumber": "+16505550100"},
            {"threadKey": "t1", "itemType": "SmsOut", "timestamp": 1_700_000_000_000, "messageText": "gv out",
             "senderPhoneNumber": "+16505559999"},
            {"threadKey": "t1", "itemType": "MissedCall", "timestamp": 1_700_000_100,
             "senderPhoneNumber": "+16505550100", "duration": 0},
            {"threadKey": "t1", "itemType": "Voicemail", "timestamp": 1_700_000_200, "threadItemKey": "vm1",
             "senderPhoneNumber": "+16505550100", "duration": 12, "isDeleted": 1},
            {"threadKey": "g1", "itemType": "SmsOut", "timestamp": 1_700_000_300, "messageText": "hi group",
             "senderPhoneNumber": "+16505559999"},
        ],
        transcripts=[{"threadItemKey": "vm1", "text": "call me back"}])


def gv_android_sample(path: Path) -> Path:
    own, pal = "+16505559999", "+16505550100"
    return apps.build_google_voice_android(path, [
        {"conversation_id": "t.+16505550100", "item_id": "m1", "time_ms": 1_609_459_200_000, "own": own,
         "other": pal, "kind": apps.GV_SMS_IN, "text": "android gv in"},
        {"conversation_id": "t.+16505550100", "item_id": "m2", "time_ms": 1_700_000_000_000, "own": own,
         "other": pal, "kind": apps.GV_SMS_OUT, "text": "android gv out"},
        {"conversation_id": "t.+16505550100", "item_id": "c1", "time_ms": 1_700_000_100_000, "own": own,
         "other": pal, "kind": apps.GV_CALL_OUT, "duration_s": 12.5},
        {"conversation_id": "t.+16505550100", "item_id": "v1", "time_ms": 1_700_000_200_000, "own": own,
         "other": pal, "kind": apps.GV_VOICEMAIL, "duration_s": 4.0, "transcript": ["please", "call", "back"]},
        {"conversation_id": "g.abc", "item_id": "g1", "time_ms": 1_700_000_300_000, "own": own, "kind": 0,
         "group_text": "group hi", "group_members": [pal, "+16505550111"], "group_sender": pal},
        ("t.bad", b"\x0a\xff\xff\xff"),
    ])


def teams_sample(path: Path) -> Path:
    return apps.build_teams(
        path, threads=[{"ZTSID": "19:meeting@thread.v2", "ZTHREADTOPIC": "Project X"}],
        users=[{"ZDISPLAYNAME": "Terry Teams", "ZEMAIL": "terry@example.org", "ZMRI": "8:orgid:terry",
                "ZTELEPHONENUMBER": "+4930123456"}],
        device_contacts=[{"ZDISPLAYNAME": "Dee Device", "ZPHONENUMBER": "+4915112345678"}],
        messages=[{"ZARRIVALTIME": 700_000_000, "ZIMDISPLAYNAME": "Terry Teams", "ZFROM": "8:orgid:terry",
                   "ZCONTENT": "<div><p>Agenda &amp; notes</p><p>line 2</p></div>", "ZTHREADID": "19:meeting@thread.v2",
                   "ZTS_ISSENTBYME": 0},
                  {"ZARRIVALTIME": 650_000_000.5, "ZIMDISPLAYNAME": "Me", "ZFROM": "8:orgid:me",
                   "ZCONTENT": "ok", "ZTHREADID": "19:meeting@thread.v2", "ZTS_ISSENTBYME": 1}])


def discord_messages() -> list[dict]:
    return [apps.discord_message(id="11", channel_id="900", author_id="501", username="dana", global_name="Dana",
                                 content="hello <@502>", timestamp="2021-01-01T00:00:00+00:00"),
            apps.discord_message(id="12", channel_id="900", author_id="502", username="eli", content="",
                                 timestamp="2023-11-15T00:13:20.250000+02:00",
                                 attachments=[{"id": "7", "filename": "map.png", "size": 999,
                                               "content_type": "image/png", "url": "https://cdn.example/map.png"}])]


SQLITE_SAMPLES = {
    om.FacebookMessenger: (fb_sample, "threads_db2"),
    om.InstagramDirect: (instagram_sample, "direct.db"),
    om.KikIos: (kik_sample, "kik.sqlite"),
    om.ViberMessages: (viber_sample, "viber_messages"),
    om.ImoIos: (imo_sample, "IMODb2.sqlite"),
    om.TangoAndroid: (tango_sample, "tc.db"),
    om.TextNow: (textnow_sample, "textnow_data.db"),
    om.GoogleVoiceIos: (gv_ios_sample, "threadingStore.sqlite"),
    om.GoogleVoiceAndroid: (gv_android_sample, "LegacyMsgDbInstance.db"),
    om.TeamsIos: (teams_sample, "SkypeSpacesDogfood-1234.sqlite"),
}
ALL = [*SQLITE_SAMPLES, om.DiscordCache]


# --- contract and generic bad input ---------------------------------------------------------------------

@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.name)
def test_plugin_passes_host_checks(cls):
    assert check_plugin(cls) == []
    assert cls.version == "1.0.0"


@pytest.mark.parametrize("cls", list(SQLITE_SAMPLES), ids=lambda cls: cls.name)
def test_renamed_copy_is_selected_by_schema(cls, tmp_path):
    build, _name = SQLITE_SAMPLES[cls]
    path = build(tmp_path / "logical" / "mydata.sqlite")
    assert selected(cls, path, "logical/mydata.sqlite")
    assert not any(s.matches_path("logical/mydata.sqlite") for s in cls.selects if s.sqlite_tables is None)


@pytest.mark.parametrize("cls", list(SQLITE_SAMPLES), ids=lambda cls: cls.name)
@pytest.mark.parametrize("damage", ["truncate", "header", "scramble"])
def test_damaged_database_gives_warnings_not_errors(cls, damage, run_extractor, tmp_path):
    build, name = SQLITE_SAMPLES[cls]
    path = build(tmp_path / name)
    {"truncate": lambda: apps.truncate(path, 1536), "header": lambda: apps.damage_header(path),
     "scramble": lambda: apps.scramble(path)}[damage]()
    result = run_extractor(cls, path)
    assert result.status == "ok"
    assert result.warnings
    assert set(codes(result)) <= {"sqlite.unreadable", "sqlite.damaged", "schema.unknown_version"}


@pytest.mark.parametrize("cls", list(SQLITE_SAMPLES), ids=lambda cls: cls.name)
def test_wrong_database_names_the_missing_columns(cls, run_extractor, tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE unrelated (x)")
    conn.commit()
    conn.close()
    result = run_extractor(cls, path)
    assert codes(result) == ["schema.unknown_version"]
    assert result.warnings[0].message.startswith(cls.APP) and "(table)" in result.warnings[0].message
    assert result.artifacts == []


# --- Facebook Messenger --------------------------------------------------------------------------------

def test_facebook_messenger(run_extractor, tmp_path):
    path = fb_sample(tmp_path / "com.facebook.orca" / "databases" / "threads_db2")
    assert selected(om.FacebookMessenger, path, "data/data/com.facebook.orca/databases/threads_db2")
    result = run_extractor(om.FacebookMessenger, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"account": 1, "contact": 1, "message": 2, "call": 1}
    assert result.data("account")[0]["identifier"] == "FACEBOOK:1001"
    assert result.data("contact")[0]["handles"] == ["FACEBOOK:2002", "pat.pal"]
    mine, theirs = result.data("message")
    assert mine["body"] == "see you at <b>8</b>" and mine["direction"] == "outgoing"
    assert mine["recipients"] == ["FACEBOOK:2002"]
    assert mine["sent"] == {"utc": NEW_YEAR, "raw": "1609459200000", "encoding": "unix_ms", "status": "ok"}
    assert theirs["direction"] == "incoming" and theirs["sent"]["utc"] == T1700
    assert theirs["attachments"][0] == {"name": "image-1.jpg", "mime_type": "image/jpeg", "size": 2048,
                                        "sha256": None, "path": None}
    [call] = result.data("call")
    assert call["direction"] == "incoming" and call["video"] is True and call["duration_s"] == 33.0
    assert call["parties"] == ["FACEBOOK:2002"]


def test_facebook_messenger_without_uid_file(run_extractor, tmp_path):
    path = fb_sample(tmp_path / "threads_db2", uid=None)
    result = run_extractor(om.FacebookMessenger, path)
    assert "account" not in result.kinds()
    assert {m["direction"] for m in result.data("message")} == {"unknown"}


def test_facebook_messenger_legacy_schema_and_bad_text(run_extractor, tmp_path):
    path = fb_sample(tmp_path / "threads_db2", legacy=True,
                     extra=[{"msg_id": "mid.9", "thread_key": "ONE_TO_ONE:1001:2002", "text": RawText(b"bad \x80"),
                             "timestamp_ms": 0, "sender": {"user_key": "FACEBOOK:2002"}}])
    result = run_extractor(om.FacebookMessenger, path)
    assert codes(result) == ["text.invalid_utf8"]
    # The legacy layout has no admin-message column: the call row is an ordinary (empty) message.
    assert result.kinds() == {"account": 1, "contact": 1, "message": 4}
    first = by_rowid(result, "message", 1)
    assert first["thread_id"] == "ONE_TO_ONE:1001:2002" and first["recipients"] == ["FACEBOOK:2002"]
    assert first["direction"] == "outgoing"
    bad = by_rowid(result, "message", 4)
    assert bad["body"] == "bad \ufffd" and bad["sent"]["status"] == "absent" and bad["direction"] == "incoming"


# --- Instagram ---------------------------------------------------------------------------------------

def test_instagram_direct(run_extractor, tmp_path):
    path = instagram_sample(tmp_path / "com.instagram.android" / "databases" / "direct.db",
                            extra=["{broken json"])
    assert selected(om.InstagramDirect, path, "data/data/com.instagram.android/databases/direct.db")
    result = run_extractor(om.InstagramDirect, path)
    assert codes(result) == ["json.unparsable"]
    assert result.kinds() == {"account": 1, "contact": 2, "message": 4}
    assert result.data("account")[0] == {"app": "Instagram", "identifier": "100", "display_name": "Me Gram",
                                         "phone": None, "email": None}
    handles = sorted(tuple(c["handles"]) for c in result.data("contact"))
    assert handles == [("200", "pal_gram"), ("300", "third")]
    first, link, media, broken = result.data("message")
    assert first["direction"] == "outgoing" and first["recipients"] == ["200", "300"]
    assert first["sent"] == {"utc": NEW_YEAR, "raw": "1609459200000000", "encoding": "unix_us", "status": "ok"}
    assert link["body"] == "look https://example.org" and link["direction"] == "incoming"
    assert link["recipients"] == ["300", "100"] and link["sent"]["utc"] == "2023-11-14T22:13:20.500000Z"
    assert link["thread_name"] == "ig pals"
    assert media["attachments"][0]["name"] == "https://cdn.example/p.jpg"
    assert broken["body"] is None and broken["sent"]["status"] == "absent"


# --- Kik ---------------------------------------------------------------------------------------------

def test_kik(run_extractor, tmp_path):
    path = kik_sample(tmp_path / "kik.sqlite")
    result = run_extractor(om.KikIos, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"contact": 1, "message": 3}
    [contact] = result.data("contact")
    assert contact["handles"] == ["kikpal", "kikpal_x1@talk.kik.com"] and contact["emails"] == ["pal@example.org"]
    received = by_rowid(result, "message", 10)
    assert received["sender"] == "kikpal" and received["direction"] == "incoming"
    assert received["sent"] == {"utc": "2023-03-08T20:26:40Z", "raw": "700000000", "encoding": "cocoa_s",
                                "status": "ok"}
    assert received["received"]["utc"] == "2023-03-08T20:26:42Z"
    sent = by_rowid(result, "message", 11)
    assert sent["direction"] == "outgoing" and sent["sender"] is None and sent["recipients"] == ["kikpal"]
    assert sent["sent"]["utc"] == "2021-08-07T03:33:20.250000Z"
    assert by_rowid(result, "message", 12)["attachments"][0]["name"] == "4f1c5e0a-photo"


# --- Viber -----------------------------------------------------------------------------------------

def test_viber(run_extractor, tmp_path):
    path = viber_sample(tmp_path / "viber_messages")
    result = run_extractor(om.ViberMessages, path, region="GB")
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"account": 1, "contact": 2, "message": 3}
    assert result.data("account")[0]["identifier"] == "+447700900001"
    vic = by_rowid(result, "contact", 2)
    assert vic["display_name"] == "Vic Viber" and vic["phones_e164"] == ["+447700900002"]
    out = by_rowid(result, "message", 1)
    assert out["sender"] == "+447700900001" and out["recipients"] == ["+447700900002"]
    assert out["direction"] == "outgoing" and out["sent"]["utc"] == NEW_YEAR
    reply = by_rowid(result, "message", 2)
    assert reply["sender"] == "+447700900002" and reply["recipients"] == ["+447700900001"]
    assert reply["deleted"] is True and reply["attachments"][0]["name"] == "content://viber/image/1.jpg"
    assert reply["sent"]["utc"] == T1700
    club = by_rowid(result, "message", 3)
    assert club["thread_name"] == "Book club" and club["sender"] == "+447700900003"
    assert club["recipients"] == ["+447700900001", "+447700900002"]


def test_viber_old_column_names(run_extractor, tmp_path):
    old = apps.VIBER_SCHEMA.replace("msg_date INTEGER", "date INTEGER").replace("send_type INTEGER", "type INTEGER")
    path = apps.build_viber(tmp_path / "viber_messages", schema=old,
                            people=[{"_id": 1, "participant_type": 0, "number": "+1"}], members=[(1, 1)],
                            messages=[{"conversation_id": 1, "participant_id": 1, "body": "old", "date": 1_609_459_200_000,
                                       "type": 1}])
    result = run_extractor(om.ViberMessages, path)
    [message] = result.data("message")
    assert message["direction"] == "outgoing" and message["sent"]["utc"] == NEW_YEAR


# --- imo -------------------------------------------------------------------------------------------

def test_imo(run_extractor, tmp_path):
    path = imo_sample(tmp_path / "IMODb2.sqlite")
    result = run_extractor(om.ImoIos, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"contact": 1, "message": 3}
    first, reply, photo = result.data("message")
    assert first["direction"] == "outgoing" and first["recipients"] == ["buid-pal"]
    assert first["sent"] == {"utc": NEW_YEAR, "raw": "1609459200000000000", "encoding": "unix_ns", "status": "ok"}
    assert reply["sender"] == "buid-pal" and reply["thread_name"] == "Imo Pal"
    assert reply["sent"]["utc"] == T1700     # 1 ns past it: below microsecond precision
    assert photo["attachments"][0] == {"name": "photo.jpg", "mime_type": "image/jpeg", "size": None, "sha256": None,
                                       "path": None}


# --- Tango -----------------------------------------------------------------------------------------

def test_tango(run_extractor, tmp_path):
    path = tango_sample(tmp_path / "tc.db")
    result = run_extractor(om.TangoAndroid, path)
    assert codes(result) == ["tango.payload"]
    first, reply, undecodable = result.data("message")
    assert first["body"] == "tango hello there" and first["direction"] == "outgoing"
    assert first["sent"] == {"utc": NEW_YEAR, "raw": "1609459200000", "encoding": "unix_ms", "status": "ok"}
    assert reply["body"] == "reply" and reply["direction"] == "incoming" and reply["sent"]["utc"] == T1700
    assert undecodable["body"] is None and undecodable["thread_id"] == "convAAAABBBBCCCC1"


# --- TextNow ----------------------------------------------------------------------------------------

def test_textnow(run_extractor, tmp_path):
    path = textnow_sample(tmp_path / "textnow_data.db")
    result = run_extractor(om.TextNow, path, region="US")
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"contact": 2, "message": 3, "call": 1}
    phone, mail = result.data("contact")
    assert phone["phones_e164"] == ["+13125550100"] and mail["emails"] == ["pal@example.org"]
    out = by_rowid(result, "message", 1)
    assert out["direction"] == "outgoing" and out["recipients"] == ["+13125550100"] and out["thread_name"] == "Tex Now"
    assert out["sent"]["utc"] == NEW_YEAR
    inbound = by_rowid(result, "message", 2)
    assert inbound["sender"] == "+13125550100" and inbound["sent"]["utc"] == T1700
    assert inbound["attachments"][0]["name"] == "https://media.textnow.example/a.jpg"
    call = by_rowid(result, "call", 3)
    assert call["duration_s"] == 61.0 and call["direction"] == "incoming"
    group = by_rowid(result, "message", 4)
    assert group["recipients"] == ["+13125550100", "+13125550111"]


# --- Google Voice ------------------------------------------------------------------------------------

def test_google_voice_ios(run_extractor, tmp_path):
    path = gv_ios_sample(tmp_path / "threadingStore.sqlite")
    result = run_extractor(om.GoogleVoiceIos, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"account": 1, "message": 4, "call": 2}
    assert result.data("account")[0]["identifier"] == "+16505559999"
    sms_in = by_rowid(result, "message", 1)
    assert sms_in["sender"] == "+16505550100" and sms_in["recipients"] == ["+16505559999"]
    assert sms_in["sent"] == {"utc": NEW_YEAR, "raw": "1609459200", "encoding": "unix_s", "status": "ok"}
    sms_out = by_rowid(result, "message", 2)
    assert sms_out["direction"] == "outgoing" and sms_out["recipients"] == ["+16505550100"]
    assert sms_out["sent"] == {"utc": T1700, "raw": "1700000000000", "encoding": "unix_ms", "status": "ok"}
    assert by_rowid(result, "call", 3)["missed"] is True
    voicemail_call = by_rowid(result, "call", 4)
    assert voicemail_call["deleted"] is True and voicemail_call["duration_s"] == 12.0
    voicemail = by_rowid(result, "message", 4)
    assert voicemail["service"] == "voicemail" and voicemail["body"] == "call me back"
    group = by_rowid(result, "message", 5)
    assert group["thread_name"] == "Voice group" and group["recipients"] == ["+16505550100", "+16505550111"]


def test_google_voice_android(run_extractor, tmp_path):
    path = gv_android_sample(tmp_path / "com.google.android.apps.googlevoice" / "files" / "accounts" / "0"
                             / "LegacyMsgDbInstance.db")
    assert selected(om.GoogleVoiceAndroid, path,
                    "data/data/com.google.android.apps.googlevoice/files/accounts/0/LegacyMsgDbInstance.db")
    result = run_extractor(om.GoogleVoiceAndroid, path)
    assert codes(result) == ["protobuf.unparsable"]
    assert result.kinds() == {"message": 4, "call": 2, "account": 1}
    sms_in = by_rowid(result, "message", 1)
    assert sms_in["body"] == "android gv in" and sms_in["sender"] == "+16505550100"
    assert sms_in["sent"] == {"utc": NEW_YEAR, "raw": "1609459200000", "encoding": "unix_ms", "status": "ok"}
    sms_out = by_rowid(result, "message", 2)
    assert sms_out["direction"] == "outgoing" and sms_out["sent"]["utc"] == T1700
    call = by_rowid(result, "call", 3)
    assert call["direction"] == "outgoing" and call["duration_s"] == 12.5 and call["missed"] is False
    assert by_rowid(result, "message", 4)["body"] == "please call back"
    group = by_rowid(result, "message", 5)
    assert group["body"] == "group hi" and group["sender"] == "+16505550100"
    assert group["recipients"] == ["+16505559999", "+16505550111"]


# --- Teams -----------------------------------------------------------------------------------------

def test_teams(run_extractor, tmp_path):
    path = teams_sample(tmp_path / "SkypeSpacesDogfood-abc.sqlite")
    result = run_extractor(om.TeamsIos, path)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"contact": 2, "message": 2}
    first, second = result.data("message")
    assert first["body"] == "Agenda & notes\nline 2" and first["thread_name"] == "Project X"
    assert first["sender"] == "8:orgid:terry" and first["direction"] == "incoming"
    assert first["sent"] == {"utc": "2023-03-08T20:26:40Z", "raw": "700000000", "encoding": "cocoa_s",
                             "status": "ok"}
    assert second["direction"] == "outgoing" and second["sent"]["utc"] == "2021-08-07T03:33:20.500000Z"


# --- Discord -----------------------------------------------------------------------------------------

def test_discord_cache_files_and_inline(run_extractor, tmp_path):
    folder = tmp_path / "Library" / "Caches" / "com.hammerandchisel.discord"
    cache = apps.build_discord_cache(folder, [
        ("https://discord.com/api/v9/channels/900/messages?limit=50", discord_messages(), True),
        ("https://discord.com/api/v9/channels/901/messages?limit=50",
         [apps.discord_message(id="21", channel_id="901", author_id="501", username="dana", content="inline one",
                               timestamp="2023-11-14T22:13:20+00:00")], False),
        ("https://discord.com/api/v9/users/@me", {"id": "501"}, False),
        ("https://other.example/api/list", [{"a": 1}], True),
    ])
    files = sorted((folder / "fsCachedData").iterdir())
    discord_file, other_file = sorted(files, key=lambda p: p.read_bytes().startswith(b'[{"a"'))
    assert selected(om.DiscordCache, discord_file, f"mobile/Library/Caches/x/fsCachedData/{discord_file.name}")
    assert selected(om.DiscordCache, cache, "mobile/Library/Caches/com.hammerandchisel.discord/Cache.db")

    result = run_extractor(om.DiscordCache, discord_file)
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"contact": 2, "message": 2}
    first, second = result.data("message")
    assert first["sender"] == "501" and first["thread_id"] == "900" and first["body"] == "hello <@502>"
    assert first["sent"] == {"utc": NEW_YEAR, "raw": "2021-01-01T00:00:00+00:00", "encoding": "iso8601",
                             "status": "ok"}
    # 00:13:20.25 at +02:00 is 22:13:20.25 the day before in UTC
    assert second["sent"]["utc"] == "2023-11-14T22:13:20.250000Z" and second["body"] is None
    assert second["attachments"][0]["name"] == "map.png"
    assert [a.locator for a in result.artifacts if a.kind == "message"] == [{"pointer": "/0"}, {"pointer": "/1"}]
    contact = result.data("contact")[0]
    assert contact["display_name"] == "Dana" and contact["handles"] == ["501", "dana"]

    other = run_extractor(om.DiscordCache, other_file)
    assert other.artifacts == [] and other.warnings == []

    inline = run_extractor(om.DiscordCache, cache)
    assert inline.status == "ok" and inline.warnings == []
    assert inline.kinds() == {"contact": 1, "message": 1}
    [message] = inline.data("message")
    assert message["body"] == "inline one" and message["sent"]["utc"] == T1700
    [locator] = [a.locator for a in inline.artifacts if a.kind == "message"]
    assert locator == {"table": "cfurl_cache_receiver_data", "rowid": 2, "pointer": "/0"}


def test_discord_bad_json_and_times(run_extractor, tmp_path):
    folder = tmp_path / "fsCachedData"
    folder.mkdir()
    broken = folder / "AAAA-1"
    broken.write_bytes(b'[{"id": "1", "channel_id": "9", "author": {"id": "5"}, ')   # cut short
    assert run_extractor(om.DiscordCache, broken).artifacts == []
    odd = folder / "AAAA-2"
    odd.write_text(json.dumps([{"id": "1", "channel_id": "9", "author": {"id": "5", "username": "u"},
                                "content": "<script>alert(1)</script>", "timestamp": "2021-01-01T00:00:00"},
                               {"id": "2", "channel_id": "9", "author": {"id": "5"}, "content": "x",
                                "timestamp": "9999-01-01T00:00:00+00:00"}]))
    result = run_extractor(om.DiscordCache, odd)
    first, second = result.data("message")
    assert first["body"] == "<script>alert(1)</script>"
    assert first["sent"]["status"] == "unparsable"       # no zone given: not guessed into UTC
    assert second["sent"]["status"] == "unparsable"      # far future


# --- through ingest: a logical acquisition with renamed stores ---------------------------------------

def test_ingest_logical_acquisition_with_renamed_stores(tmp_path):
    """The host selects each store by schema or path, supplies the threads_db2-uid sibling, and
    stores every artifact with its locator."""
    from forensic_triage.evidence.add import add_evidence
    from forensic_triage.ingest.run import ingest
    from forensic_triage.progress import run_silently
    from forensic_triage.store.case_store import CaseStore

    evidence = tmp_path / "acquisition"
    fb_sample(evidence / "data" / "data" / "com.facebook.orca" / "databases" / "threads_db2")
    viber_sample(evidence / "misc" / "mydata.sqlite")                 # renamed: found by its schema
    teams_sample(evidence / "misc" / "teams-copy.db")                  # renamed
    apps.build_discord_cache(evidence / "Library" / "Caches" / "com.hammerandchisel.discord",
                             [("https://discord.com/api/v9/channels/900/messages", discord_messages(), True)])
    store = CaseStore.create(tmp_path / "case", case_number="T-4", examiner="Test Examiner", region="GB")
    row = run_silently(add_evidence(store, evidence))
    names = [cls.name for cls in ALL]
    run_silently(ingest(store, evidence_keys=[row["exhibit_id"]], plugin_names=names, jobs=1))
    counts: dict[tuple[str, str], int] = {}
    for plugin, kind, provenance in store.conn.execute("SELECT plugin, kind, provenance FROM artifacts"):
        counts[(plugin, kind)] = counts.get((plugin, kind), 0) + 1
        assert json.loads(provenance)["locator"]
    assert counts == {
        ("android.facebook_messenger", "account"): 1, ("android.facebook_messenger", "contact"): 1,
        ("android.facebook_messenger", "message"): 2, ("android.facebook_messenger", "call"): 1,
        ("android.viber", "account"): 1, ("android.viber", "contact"): 2, ("android.viber", "message"): 3,
        ("ios.teams", "contact"): 2, ("ios.teams", "message"): 2,
        ("ios.discord.cache", "contact"): 2, ("ios.discord.cache", "message"): 2,
    }
    assert store.conn.execute("SELECT COUNT(*) FROM warnings").fetchone()[0] == 0
    store.close()
