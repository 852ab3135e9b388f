"""Burner and Google Call Screen: generated fixtures and plaso's corpus databases."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.demo.apps.other_apps import (BURNER_IN, BURNER_OUT, BURNER_SCHEMA, BURNER_VOICE,
                                                  CALLSCREEN_SCHEMA, SCREEN_ASSISTANT, SCREEN_CALLER, SCREEN_EVENT,
                                                  RawText, build_burner, build_callscreen, damage_header, scramble,
                                                  truncate)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage_plugins.burner import BurnerMessages, CallScreenTranscripts, protobuf_fields

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
MINE, THEIRS = "+12025550101", "+12025550199"


def corpus_file(name: str) -> Path:
    path = CORPUS / "chats" / "plaso" / name
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def selected(cls, path: Path, evidence_path: str) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        schema = read_schema(conn)
    finally:
        conn.close()
    head = path.read_bytes()[:64]
    return any(select.matches_path(evidence_path) and select.matches_head(head) and select.matches_schema(schema)
               for select in cls.selects)


def by_rowid(result, kind: str, rowid: int) -> dict:
    [item] = [a.data for a in result.artifacts if a.kind == kind and a.locator.get("rowid") == rowid]
    return item


def copy_renamed(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(Path(str(source) + suffix), Path(str(target) + suffix))
    return target


def test_plugins_pass_host_checks():
    assert check_plugin(BurnerMessages) == []
    assert check_plugin(CallScreenTranscripts) == []


# --- Burner, generated ---------------------------------------------------------------------------------

def burner_sample(path: Path, messages=None, schema: str = BURNER_SCHEMA) -> Path:
    return build_burner(
        path, schema=schema,
        burners=[{"burner_id": "burner-1", "phone_number_id": MINE, "name": "Work line"}],
        contacts=[{"name": "Theo", "phone_number": THEIRS}, {"name": "Local", "phone_number": "(202) 555-0142"}],
        messages=messages if messages is not None else [
            {"message": "hello", "contact_phone_number": THEIRS, "direction": BURNER_OUT,
             "date_created": 1_700_000_000_000},
            {"message": "<b>hi</b> back", "contact_phone_number": THEIRS, "direction": BURNER_IN,
             "date_created": 1_700_000_060_000},
            {"message": "", "contact_phone_number": THEIRS, "direction": BURNER_IN, "date_created": 1_700_000_120_000,
             "asset_url": "https://s3.amazonaws.com/burner-mms/prod/pic.jpg"},
            {"contact_phone_number": THEIRS, "direction": BURNER_OUT, "message_type": BURNER_VOICE, "state": 3,
             "duration": 42, "connected": 1, "date_created": 1_700_000_180_000},
            {"contact_phone_number": THEIRS, "direction": BURNER_IN, "message_type": BURNER_VOICE, "state": 4,
             "date_created": 1_700_000_240_000},
            {"contact_phone_number": THEIRS, "direction": BURNER_IN, "message_type": BURNER_VOICE, "state": 5,
             "voice_url": "https://voicemail.example/vm1.mp3", "duration": 9, "date_created": 1_700_000_300_000},
        ])


def test_generated_burner(run_extractor, tmp_path):
    path = burner_sample(tmp_path / "com.adhoclabs.burner" / "databases" / "burner.sqlite")
    result = run_extractor(BurnerMessages, path, region="US")
    assert result.status == "ok" and result.warnings == []
    # 6 rows: 3 texts, 3 voice rows (calls), of which the voicemail also gives a message.
    assert result.kinds() == {"account": 1, "contact": 2, "message": 4, "call": 3}
    [account] = result.data("account")
    assert account == {"app": "Burner", "identifier": MINE, "display_name": "Work line", "phone": MINE,
                       "email": None}
    local = by_rowid(result, "contact", 2)
    assert local["phones"] == ["(202) 555-0142"] and local["phones_e164"] == ["+12025550142"]

    out = by_rowid(result, "message", 1)
    assert out["sender"] == MINE and out["recipients"] == [THEIRS] and out["direction"] == "outgoing"
    assert out["thread_name"] == "Theo" and out["body"] == "hello"
    # 1 700 000 000 000 ms: 1 700 000 000 s = 19675 days + 80000 s = 2023-11-14 22:13:20 UTC (by hand)
    assert out["sent"] == {"utc": "2023-11-14T22:13:20Z", "raw": "1700000000000", "encoding": "unix_ms",
                           "status": "ok"}
    incoming = by_rowid(result, "message", 2)
    assert incoming["body"] == "<b>hi</b> back" and incoming["sender"] == THEIRS and incoming["recipients"] == [MINE]
    picture = by_rowid(result, "message", 3)
    assert picture["body"] is None
    assert picture["attachments"][0]["name"] == "https://s3.amazonaws.com/burner-mms/prod/pic.jpg"
    assert picture["attachments"][0]["mime_type"] == "image/jpeg"
    answered = by_rowid(result, "call", 4)
    assert answered["direction"] == "outgoing" and answered["duration_s"] == 42.0 and answered["missed"] is False
    assert answered["start"]["utc"] == "2023-11-14T22:16:20Z"
    assert by_rowid(result, "call", 5)["missed"] is True
    voicemail = by_rowid(result, "message", 6)
    assert voicemail["service"] == "voicemail" and voicemail["attachments"][0]["mime_type"] == "audio/mpeg"


def test_burner_renamed_empty_damaged(run_extractor, tmp_path):
    renamed = burner_sample(tmp_path / "backup" / "mydata.sqlite")
    assert selected(BurnerMessages, renamed, "backup/mydata.sqlite")
    assert not any(s.matches_path("backup/mydata.sqlite") for s in BurnerMessages.selects if s.sqlite_tables is None)
    empty = build_burner(tmp_path / "empty.sqlite")
    result = run_extractor(BurnerMessages, empty)
    assert result.artifacts == [] and result.warnings == []
    for damage in (lambda p: truncate(p, 1500), damage_header, scramble):
        path = burner_sample(tmp_path / "broken.sqlite")
        damage(path)
        result = run_extractor(BurnerMessages, path)
        assert result.status == "ok" and result.warnings
        assert {w.code for w in result.warnings} <= {"sqlite.unreadable", "sqlite.damaged"}


def test_burner_bad_text_and_times(run_extractor, tmp_path):
    path = burner_sample(tmp_path / "b.sqlite", messages=[
        {"message": RawText(b"\xff\xfe broken"), "contact_phone_number": THEIRS, "direction": BURNER_IN,
         "date_created": 0},
        {"message": "future", "contact_phone_number": THEIRS, "direction": BURNER_OUT,
         "date_created": 99_999_999_999_999},
    ])
    result = run_extractor(BurnerMessages, path)
    assert [w.code for w in result.warnings] == ["text.invalid_utf8"]
    first = by_rowid(result, "message", 1)
    assert first["body"] == "\ufffd\ufffd broken" and first["sent"]["status"] == "absent"
    assert by_rowid(result, "message", 2)["sent"]["status"] == "unparsable"


def test_burner_unknown_schema_version(run_extractor, tmp_path):
    schema = BURNER_SCHEMA.replace("direction integer not null, ", "")
    path = build_burner(tmp_path / "b.sqlite", schema=schema,
                        burners=[{"burner_id": "burner-1", "phone_number_id": MINE}])
    result = run_extractor(BurnerMessages, path)
    assert [w.code for w in result.warnings] == ["schema.unknown_version"]
    assert "Burner" in result.warnings[0].message and "messages.direction" in result.warnings[0].message
    assert result.kinds() == {"account": 1}


# --- Burner, corpus ----------------------------------------------------------------------------------

def test_corpus_burners(run_extractor, tmp_path):
    result = run_extractor(BurnerMessages, corpus_file("android_burners.sqlite"), region="US")
    assert result.status == "ok" and result.warnings == []
    # .tables.txt: messages 16 = 14 texts (message_type 2) + 2 voice rows (message_type 1, state 3:
    # completed calls). contacts 4 -> 4 contacts; burners 1 -> the owner's number as account.
    # connections (1: a linked spam-filter service), subscriptions (0), sqlite_sequence and
    # android_metadata are not communications.
    assert result.kinds() == {"message": 14, "call": 2, "contact": 4, "account": 1}
    [account] = result.data("account")
    assert account["identifier"] == "+19102484781" and account["display_name"] == "My Burner"

    first = by_rowid(result, "message", 1)
    assert first["body"] == "You there?" and first["direction"] == "outgoing"
    assert first["sender"] == "+19102484781" and first["recipients"] == ["+19198887386"]
    assert first["thread_name"] == "This Is DFIR Two"
    # 1669918590384 ms: 1669918590 s = 19327 days + 65790 s = 2022-12-01 18:16:30 UTC (by hand)
    assert first["sent"] == {"utc": "2022-12-01T18:16:30.384000Z", "raw": "1669918590384", "encoding": "unix_ms",
                             "status": "ok"}
    reply = by_rowid(result, "message", 4)
    assert reply["body"] == "Yep. How many numbers do you have?" and reply["direction"] == "incoming"
    assert reply["sender"] == "+19198887386" and reply["recipients"] == ["+19102484781"]
    picture = by_rowid(result, "message", 13)
    assert picture["body"] is None and picture["attachments"][0]["name"].endswith(
        "248d9fad-db20-417e-87be-2c09a83d4ef6.jpg")
    call = by_rowid(result, "call", 27)
    assert call["direction"] == "outgoing" and call["duration_s"] == 2.0 and call["parties"] == ["+19198887386"]
    # 1669920479534 ms: 1669920479 s = 19327 days + 67679 s = 2022-12-01 18:47:59 UTC (by hand)
    assert call["start"]["utc"] == "2022-12-01T18:47:59.534000Z"
    assert by_rowid(result, "call", 25)["direction"] == "incoming"
    names = sorted(c["display_name"] for c in result.data("contact"))
    assert "This Is DFIR Two" in names

    renamed = copy_renamed(corpus_file("android_burners.sqlite"), tmp_path / "acq" / "notes.db")
    assert selected(BurnerMessages, renamed, "acq/notes.db")
    assert run_extractor(BurnerMessages, renamed).kinds() == {"message": 14, "call": 2, "contact": 4, "account": 1}


# --- Call Screen ---------------------------------------------------------------------------------------

def screen_sample(path: Path, schema: str = CALLSCREEN_SCHEMA) -> Path:
    start = 1_700_000_000_000
    return build_callscreen(path, [
        {"id": start, "lastModifiedMillis": start + 20_000,
         "audioRecordingFilePath": f"/data/user/0/com.google.android.dialer/files/callscreenrecordings/cs-{start}.m4a",
         "turns": [(start + 8_000, SCREEN_ASSISTANT, "Hi. This is the Google Assistant."),
                   (start + 12_000, SCREEN_CALLER, "It's the courier, <script>x</script> parcel at the door"),
                   (start + 15_500, SCREEN_EVENT, "Call was disconnected")]},
        {"id": start + 3_600_000, "lastModifiedMillis": start + 3_605_000, "conversation": None},
        {"id": start + 7_200_000, "lastModifiedMillis": start + 7_201_000, "conversation": b"\x0a\xff\xff"},
    ], schema=schema)


def test_protobuf_reader():
    assert protobuf_fields(b"\x08\x96\x01\x12\x02hi") == [(1, 150), (2, b"hi")]
    with pytest.raises(ValueError):
        protobuf_fields(b"\x0a\xff\xff")


def test_generated_callscreen(run_extractor, tmp_path):
    path = screen_sample(tmp_path / "com.google.android.dialer" / "databases" / "callscreen_transcripts")
    result = run_extractor(CallScreenTranscripts, path)
    assert result.status == "ok"
    assert result.kinds() == {"call": 3, "message": 3}
    assert [w.code for w in result.warnings] == ["protobuf.unparsable"]
    call = by_rowid(result, "call", 1)
    assert call["direction"] == "incoming" and call["parties"] == [] and call["duration_s"] == 15.5
    assert call["start"]["utc"] == "2023-11-14T22:13:20Z"
    message = by_rowid(result, "message", 1)
    assert message["body"] == ("Assistant: Hi. This is the Google Assistant.\n"
                               "Caller: It's the courier, <script>x</script> parcel at the door\n"
                               "[Call was disconnected]")
    assert message["sent"]["utc"] == "2023-11-14T22:13:28Z" and message["received"]["utc"] == "2023-11-14T22:13:40Z"
    assert message["attachments"][0]["name"] == "cs-1700000000000.m4a"
    assert message["attachments"][0]["mime_type"] == "audio/mp4"
    empty = by_rowid(result, "message", 2)
    assert empty["body"] is None and empty["sent"]["utc"] == "2023-11-14T23:13:20Z"


def test_callscreen_renamed_damaged_unknown(run_extractor, tmp_path):
    renamed = screen_sample(tmp_path / "x" / "transcripts.db")
    assert selected(CallScreenTranscripts, renamed, "x/transcripts.db")
    path = screen_sample(tmp_path / "t.db")
    damage_header(path)
    result = run_extractor(CallScreenTranscripts, path)
    assert result.status == "ok" and [w.code for w in result.warnings] == ["sqlite.unreadable"]
    schema = CALLSCREEN_SCHEMA.replace("`conversation` BLOB, ", "")
    old = build_callscreen(tmp_path / "old.db", [{"id": 1, "lastModifiedMillis": 2}], schema=schema)
    result = run_extractor(CallScreenTranscripts, old)
    assert [w.code for w in result.warnings] == ["schema.unknown_version"]
    assert "Transcript.conversation" in result.warnings[0].message
    empty = build_callscreen(tmp_path / "empty.db", [])
    assert run_extractor(CallScreenTranscripts, empty).artifacts == []


def test_corpus_callscreen(run_extractor, tmp_path):
    result = run_extractor(CallScreenTranscripts, corpus_file("android_callscreen_transcripts.db"))
    assert result.status == "ok" and result.warnings == []
    # .tables.txt: Transcript 31 -> 31 screened calls, each also a transcript message;
    # android_metadata and room_master_table are bookkeeping.
    assert result.kinds() == {"call": 31, "message": 31}
    first_call = by_rowid(result, "call", 1)
    # id 1663338171971 ms: 1663338171 s = 19251 days + 51771 s = 2022-09-16 14:22:51 UTC (by hand)
    assert first_call["start"]["utc"] == "2022-09-16T14:22:51.971000Z"
    first = by_rowid(result, "message", 1)
    # plaso's test documents lastModifiedMillis of the first row as 2022-09-16T14:23:03.767+00:00.
    assert first["received"] == {"utc": "2022-09-16T14:23:03.767000Z", "raw": "1663338183767",
                                 "encoding": "unix_ms", "status": "ok"}
    assert first["attachments"][0]["path"] == (
        "/data/user/0/com.google.android.dialer/files/callscreenrecordings/cs-1663338171971.m4a")
    assert first["body"] == ("Assistant: Hi. This is the Google Assistant. Can I ask what you're calling about?\n"
                             "[Call was disconnected]")
    spam = by_rowid(result, "message", 4)
    assert "Caller: to be qualified for assistance that helps pay for your health insurance" in spam["body"]
    assert spam["body"].endswith("[Call was marked as spam]")
    # 1663773315851 ms: 1663773315 s = 19256 days + 54915 s = 2022-09-21 15:15:15 UTC (by hand)
    assert by_rowid(result, "call", 4)["start"]["utc"] == "2022-09-21T15:15:15.851000Z"

    renamed = copy_renamed(corpus_file("android_callscreen_transcripts.db"), tmp_path / "l" / "cs.sqlite")
    assert selected(CallScreenTranscripts, renamed, "l/cs.sqlite")
    assert run_extractor(CallScreenTranscripts, renamed).kinds() == {"call": 31, "message": 31}
