"""Skype plugins: legacy main.db and s4l-*.db, on generated fixtures and on plaso's corpus main.db."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.demo.apps.other_apps import (SKYPE_MAIN_SCHEMA, RawText, build_skype_main, build_skype_s4l,
                                                  damage_header, scramble, skype_main_sample, truncate)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage_plugins.skype import SkypeMainDb, SkypeS4l, markup_to_text

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_file(name: str) -> Path:
    path = CORPUS / "chats" / "plaso" / name
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def selected(cls, path: Path, evidence_path: str) -> bool:
    """Would ingest pick this file for the plugin (path glob, head bytes, schema signature)?"""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        schema = read_schema(conn)
    finally:
        conn.close()
    head = path.read_bytes()[:64]
    return any(select.matches_path(evidence_path) and select.matches_head(head) and select.matches_schema(schema)
               for select in cls.selects)


def by_locator(result, kind: str, table: str, rowid: int) -> dict:
    [item] = [a.data for a in result.artifacts if a.kind == kind and a.locator.get("table") == table
              and a.locator.get("rowid") == rowid]
    return item


def codes(result) -> list[str]:
    return [warning.code for warning in result.warnings]


# --- contract -------------------------------------------------------------------------------------------

def test_plugins_pass_host_checks():
    assert check_plugin(SkypeMainDb) == []
    assert check_plugin(SkypeS4l) == []


def test_markup_to_text_keeps_text_only():
    assert markup_to_text("I&apos;m <b>here</b><br/>now") == "I'm here\nnow"
    assert markup_to_text("&lt;script&gt;alert(1)&lt;/script&gt;") == "<script>alert(1)</script>"
    assert markup_to_text("plain") == "plain"


# --- generated main.db --------------------------------------------------------------------------------

def test_generated_main_db(run_extractor, tmp_path):
    path = skype_main_sample(tmp_path / "Skype" / "alice.owner" / "main.db")
    result = run_extractor(SkypeMainDb, path, region="GB")
    assert result.status == "ok"
    assert result.warnings == []
    # 4 Messages rows (the SMS row folds into its chat message, the transfer into the files message),
    # 1 call, 1 contact, 1 account.
    assert result.kinds() == {"account": 1, "contact": 1, "message": 4, "call": 1}

    account = by_locator(result, "account", "Accounts", 1)
    assert account["identifier"] == "alice.owner" and account["email"] == "alice@example.org"
    contact = by_locator(result, "contact", "Contacts", 2)
    assert contact["display_name"] == "Bob" and contact["handles"] == ["bob.builder"]
    assert contact["phones"] == ["07700 900123"] and contact["phones_e164"] == ["+447700900123"]

    first = by_locator(result, "message", "Messages", 100)
    assert first["body"] == "Hi & welcome, see https://example.org/x"
    assert first["direction"] == "outgoing" and first["sender"] == "alice.owner"
    assert first["recipients"] == ["bob.builder"] and first["thread_name"] == "Bob Builder"
    # 1 600 000 000 s after 1970-01-01 = 18518 days + 44800 s = 2020-09-13 12:26:40 UTC (by hand).
    assert first["sent"] == {"utc": "2020-09-13T12:26:40Z", "raw": "1600000000", "encoding": "unix_s",
                             "status": "ok"}

    html_body = by_locator(result, "message", "Messages", 101)
    assert html_body["body"] == "bold <script>alert(1)</script>"   # markup gone, escaped text kept as text
    assert html_body["direction"] == "incoming" and html_body["recipients"] == ["alice.owner"]

    sms = by_locator(result, "message", "Messages", 102)
    assert sms["service"] == "SMS" and sms["body"] == "Meet at 6" and sms["recipients"] == ["+447700900123"]
    assert sms["sent"]["raw"] == "1600000120"   # its own row's time (the SMSes row says 1600000121)

    files = by_locator(result, "message", "Messages", 103)
    assert files["body"] is None
    assert files["attachments"] == [{"name": "plan.pdf", "mime_type": None, "size": 1234, "sha256": None,
                                     "path": "C:/Users/alice/plan.pdf"}]

    call = by_locator(result, "call", "Calls", 400)
    assert call["parties"] == ["bob.builder"] and call["direction"] == "outgoing"
    assert call["duration_s"] == 75.0 and call["video"] is True and call["missed"] is False
    # 1 600 000 300 = 2020-09-13 12:26:40 + 300 s
    assert call["start"]["utc"] == "2020-09-13T12:31:40Z"


def test_generated_main_db_renamed_is_selected_by_schema(tmp_path):
    path = skype_main_sample(tmp_path / "export" / "mydata.sqlite")
    assert selected(SkypeMainDb, path, "export/mydata.sqlite")
    assert not any(select.matches_path("export/mydata.sqlite") for select in SkypeMainDb.selects
                   if select.sqlite_tables is None)
    assert selected(SkypeMainDb, path, "Users/alice/AppData/Roaming/Skype/alice.owner/main.db")


def test_empty_database_with_the_schema(run_extractor, tmp_path):
    path = build_skype_main(tmp_path / "main.db")
    result = run_extractor(SkypeMainDb, path)
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []


@pytest.mark.parametrize("damage", ["truncate", "header", "scramble"])
def test_damaged_database_gives_a_warning(run_extractor, tmp_path, damage):
    path = skype_main_sample(tmp_path / "main.db")
    size = path.stat().st_size
    {"truncate": lambda: truncate(path, size // 3), "header": lambda: damage_header(path),
     "scramble": lambda: scramble(path)}[damage]()
    result = run_extractor(SkypeMainDb, path)
    assert result.status == "ok"            # handled, not a crash
    assert result.warnings and set(codes(result)) <= {"sqlite.unreadable", "sqlite.damaged"}


def test_bad_text_and_impossible_times(run_extractor, tmp_path):
    path = build_skype_main(tmp_path / "main.db", accounts=[{"skypename": "me"}], messages=[
        {"id": 1, "author": "you", "timestamp": 0, "body_xml": RawText(b"caf\xe9 \xff")},
        {"id": 2, "author": "me", "timestamp": 99_999_999_999, "body_xml": "far"},
    ])
    result = run_extractor(SkypeMainDb, path)
    assert result.status == "ok"
    assert codes(result) == ["text.invalid_utf8"]
    bad = by_locator(result, "message", "Messages", 1)
    assert bad["body"] == "caf\ufffd \ufffd"
    assert bad["sent"] == {"utc": None, "raw": "0", "encoding": "unix_s", "status": "absent"}
    far = by_locator(result, "message", "Messages", 2)
    assert far["sent"]["status"] == "unparsable" and far["sent"]["raw"] == "99999999999"


def test_unknown_schema_version_names_the_missing_columns(run_extractor, tmp_path):
    schema = SKYPE_MAIN_SCHEMA.replace("body_xml TEXT, ", "").replace("type INTEGER, sending_status",
                                                                      "sending_status")
    path = build_skype_main(tmp_path / "main.db", schema=schema, accounts=[{"skypename": "me"}],
                            messages=[{"id": 1, "author": "me", "timestamp": 1}])
    result = run_extractor(SkypeMainDb, path)
    assert result.status == "ok"
    assert codes(result) == ["schema.unknown_version"]
    assert "Messages.body_xml" in result.warnings[0].message and "Messages.type" in result.warnings[0].message
    assert result.kinds() == {"account": 1}


# --- generated s4l ------------------------------------------------------------------------------------

def s4l_sample(path: Path) -> Path:
    return build_skype_s4l(
        path, skype_name="live:alice",
        profiles=[{"mri": "8:live:bob", "firstName": "Bob", "lastName": "Builder", "phones": [{"number": "+15555550100"}]}],
        conversations=[{"id": "8:live:bob", "_threadProps": {}},
                       {"id": "19:abc@thread.skype", "_threadProps": {"topic": "Team"},
                        "_threadMembers": [{"id": "8:live:alice"}, {"id": "8:live:bob"}, {"id": "8:live:carol"}]}],
        messages=[
            {"cuid": "1", "creator": "8:live:alice", "_isMyMessage": 1, "conversationId": "8:live:bob",
             "content": "hello <b>Bob</b>", "createdTime": 1_650_000_000_000, "messagetype": "RichText"},
            {"cuid": "2", "creator": "8:live:bob", "_isMyMessage": 0, "conversationId": "8:live:bob",
             "content": "hi &amp; bye", "createdTime": 1_650_000_060_500, "messagetype": "RichText"},
            {"cuid": "3", "creator": "8:live:carol", "_isMyMessage": 0, "conversationId": "19:abc@thread.skype",
             "content": "team msg", "createdTime": 1_650_000_120_000},
            "{not json",
        ])


def test_generated_s4l(run_extractor, tmp_path):
    path = s4l_sample(tmp_path / "s4l-live:alice.db")
    result = run_extractor(SkypeS4l, path)
    assert result.status == "ok"
    assert result.kinds() == {"account": 1, "contact": 1, "message": 3}
    assert codes(result) == ["json.unparsable"]
    messages = result.data("message")
    assert messages[0]["body"] == "hello Bob" and messages[0]["direction"] == "outgoing"
    assert messages[0]["recipients"] == ["8:live:bob"]
    # 1 650 000 000 000 ms = 2022-04-15 05:20:00 UTC (19097 days + 19200 s, by hand)
    assert messages[0]["sent"]["utc"] == "2022-04-15T05:20:00Z" and messages[0]["sent"]["encoding"] == "unix_ms"
    assert messages[1]["body"] == "hi & bye" and messages[1]["direction"] == "incoming"
    assert messages[1]["recipients"] == ["8:live:alice"] and messages[1]["sent"]["utc"] == "2022-04-15T05:21:00.500000Z"
    assert messages[2]["thread_name"] == "Team" and messages[2]["recipients"] == ["8:live:alice", "8:live:bob"]
    [contact] = result.data("contact")
    assert contact["display_name"] == "Bob Builder" and contact["phones_e164"] == ["+15555550100"]
    assert result.data("account")[0]["identifier"] == "8:live:alice"


def test_s4l_renamed_and_unknown_version(run_extractor, tmp_path):
    path = s4l_sample(tmp_path / "copy.bin")
    assert selected(SkypeS4l, path, "carved/copy.bin")
    conn = sqlite3.connect(tmp_path / "s4l-old.db")
    conn.execute("CREATE TABLE internaldata (nsp_pk TEXT PRIMARY KEY, nsp_data TEXT)")
    conn.commit()
    conn.close()
    result = run_extractor(SkypeS4l, tmp_path / "s4l-old.db")
    assert codes(result) == ["schema.unknown_version"] and "messagesv12.nsp_data" in result.warnings[0].message


# --- corpus: plaso's skype_main.db --------------------------------------------------------------------

def test_corpus_main_db(run_extractor):
    path = corpus_file("skype_main.db")
    result = run_extractor(SkypeMainDb, path)
    assert result.status == "ok"
    # .tables.txt: Messages 15, Transfers 2, SMSes 1, Calls 1, CallMembers 1, Contacts 2, Accounts 1.
    # Messages: all 15 rows. Transfers: row 1090 is the sender's offer (its pk_id is row 1094's
    # parent_id) and folds into 1094 -> 1 message. SMSes: its one row (chatmsg_id 61) is Messages row
    # 61 -> no extra artifact. Calls: 1 (its CallMembers row gives the party and duration).
    assert result.kinds() == {"message": 15 + 1, "call": 1, "contact": 2, "account": 1}
    # The chat echo of the SMS holds 13727168620 (not a plausible Unix time); the SMSes row's time is used.
    assert codes(result) == ["skype.sms_time"]

    account = by_locator(result, "account", "Accounts", 1)
    assert account["identifier"] == "gen.beringer" and account["display_name"] == "Gen Beringer"
    assert account["email"] == "genberinger@gmail.com"

    chat = by_locator(result, "message", "Messages", 43)
    assert chat["body"] == "need to know if you got it this time."
    assert chat["sender"] == "gen.beringer" and chat["recipients"] == ["european.bbq.competitor"]
    assert chat["direction"] == "outgoing" and chat["thread_id"] == "33"
    # plaso's test documents this message at 2013-07-30 21:27:11 UTC (raw 1375219631 read with sqlite3).
    assert chat["sent"] == {"utc": "2013-07-30T21:27:11Z", "raw": "1375219631", "encoding": "unix_s",
                            "status": "ok"}

    room = by_locator(result, "message", "Messages", 62)
    assert room["body"] == "He is our new employee" and room["sender"] == "european.bbq.competitor"
    assert room["recipients"] == ["gen.beringer", "echo123"] and room["direction"] == "incoming"
    assert room["thread_name"] == "European Competitor, Echo123"
    assert room["sent"]["utc"] == "2013-10-27T15:29:19Z"      # plaso: 2013-10-27 15:29:19

    assert by_locator(result, "message", "Messages", 52)["body"] == "I'm here"          # I&apos;m
    link = by_locator(result, "message", "Messages", 54)
    assert link["body"] == "https://www.dropbox.com/s/3t95y5d8j64azsj/Recipes.docx"     # <a href> markup gone

    sms = by_locator(result, "message", "Messages", 61)
    assert sms["service"] == "SMS" and sms["recipients"] == ["+34123456789"]
    assert sms["body"] == "If you want I can copy some documents for you, if you can pay it... ;)"
    assert sms["sent"]["utc"] == "2013-07-01T22:14:22Z"       # plaso: SMS at 2013-07-01 22:14:22

    transfer = by_locator(result, "message", "Transfers", 1094)
    assert transfer["sender"] == "gen.beringer" and transfer["recipients"] == ["european.bbq.competitor"]
    assert transfer["attachments"][0]["name"] == "secret-project.pdf"
    assert transfer["attachments"][0]["size"] == 69986
    assert transfer["sent"]["utc"] == "2013-10-24T21:49:35Z"  # plaso: 2013-10-24 21:49:35

    call = by_locator(result, "call", "Calls", 110)
    assert call["parties"] == ["european.bbq.competitor"] and call["direction"] == "outgoing"
    assert call["duration_s"] == 646.0
    assert call["start"]["utc"] == "2013-07-01T22:12:17Z"     # plaso: call at 2013-07-01 22:12:17

    names = {contact["display_name"] for contact in result.data("contact")}
    assert names == {"Echo / Sound Test Service", "European Competitor"}


def test_corpus_main_db_renamed_in_a_logical_acquisition(run_extractor, tmp_path):
    source = corpus_file("skype_main.db")
    folder = tmp_path / "acquisition" / "misc"
    folder.mkdir(parents=True)
    renamed = folder / "mydata.sqlite"
    shutil.copyfile(source, renamed)
    for suffix in ("-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(Path(str(source) + suffix), Path(str(renamed) + suffix))
    assert selected(SkypeMainDb, renamed, "acquisition/misc/mydata.sqlite")
    result = run_extractor(SkypeMainDb, renamed)
    assert result.kinds() == {"message": 16, "call": 1, "contact": 2, "account": 1}
