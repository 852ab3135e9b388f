"""Google Hangouts (babel.db): generated fixtures and plaso's corpus database."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.demo.apps.other_apps import (HANGOUTS_SCHEMA, RawText, build_hangouts, damage_header, scramble,
                                                  truncate)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage_plugins.hangouts import HangoutsBabel

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
OWNER, FRIEND, OTHER = "111000111000111000111", "222000222000222000222", "333000333000333000333"
GROUP, DIRECT = "UgxGroupConversation", "UgxDirectConversation"


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


def sample(path: Path, messages=None, schema: str = HANGOUTS_SCHEMA) -> Path:
    return build_hangouts(
        path, schema=schema,
        participants=[
            {"_id": 1, "gaia_id": OWNER, "chat_id": OWNER, "full_name": "Olive Owner",
             "fallback_name": "olive@example.org"},
            {"_id": 2, "gaia_id": FRIEND, "chat_id": FRIEND, "full_name": "Fred Friend", "phone_id": "+14155550123"},
            {"_id": 3, "gaia_id": OTHER, "chat_id": OTHER, "full_name": "Gina Group"},
        ],
        conversations=[{"conversation_id": DIRECT, "generated_name": "Fred Friend"},
                       {"conversation_id": GROUP, "name": "Weekend plans", "conversation_type": 2}],
        members=[(DIRECT, 1), (DIRECT, 2), (GROUP, 1), (GROUP, 2), (GROUP, 3)],
        messages=messages if messages is not None else [
            {"_id": 1, "message_id": "m1", "conversation_id": DIRECT, "author_chat_id": OWNER,
             "author_gaia_id": OWNER, "text": "It&#39;s me", "timestamp": 1_600_000_000_123_456, "type": 1},
            {"_id": 2, "message_id": "m2", "conversation_id": DIRECT, "author_chat_id": FRIEND,
             "author_gaia_id": FRIEND, "text": "<img src=x onerror=alert(1)>", "timestamp": 1_600_000_060_000_000,
             "type": 2, "remote_url": "https://lh3.example/photo.jpg", "attachment_content_type": "image/jpeg"},
            {"_id": 3, "message_id": "m3", "conversation_id": GROUP, "author_chat_id": OTHER,
             "author_gaia_id": OTHER, "text": "group hello", "timestamp": 1_600_000_120_000_000, "type": 2},
        ],
        multipart=[{"message_id": "m3", "conversation_id": GROUP, "url": "https://lh3.example/a.png",
                    "content_type": "image/png"}])


def test_plugin_passes_host_checks():
    assert check_plugin(HangoutsBabel) == []


def test_generated_babel(run_extractor, tmp_path):
    path = sample(tmp_path / "com.google.android.talk" / "databases" / "babel1.db")
    result = run_extractor(HangoutsBabel, path, region="US")
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {"account": 1, "contact": 2, "message": 3}
    [account] = result.data("account")
    assert account["identifier"] == OWNER and account["email"] == "olive@example.org"
    friend = by_rowid(result, "contact", 2)
    assert friend["display_name"] == "Fred Friend" and friend["phones_e164"] == ["+14155550123"]

    mine = by_rowid(result, "message", 1)
    assert mine["body"] == "It's me" and mine["direction"] == "outgoing"
    assert mine["sender"] == OWNER and mine["recipients"] == [FRIEND] and mine["thread_name"] == "Fred Friend"
    # 1 600 000 000 123 456 µs: 1 600 000 000 s = 2020-09-13 12:26:40 UTC (by hand) + 0.123456 s
    assert mine["sent"] == {"utc": "2020-09-13T12:26:40.123456Z", "raw": "1600000000123456",
                            "encoding": "unix_us", "status": "ok"}
    theirs = by_rowid(result, "message", 2)
    assert theirs["body"] == "<img src=x onerror=alert(1)>"     # stored as text, nothing rendered
    assert theirs["direction"] == "incoming" and theirs["recipients"] == [OWNER]
    assert theirs["attachments"][0]["mime_type"] == "image/jpeg"
    group = by_rowid(result, "message", 3)
    assert group["thread_name"] == "Weekend plans" and group["recipients"] == [OWNER, FRIEND]
    assert group["attachments"][0]["name"] == "https://lh3.example/a.png"


def test_renamed_copy_is_selected_by_schema(tmp_path):
    path = sample(tmp_path / "export" / "mydata.sqlite")
    assert selected(HangoutsBabel, path, "export/mydata.sqlite")
    assert not any(select.matches_path("export/mydata.sqlite") for select in HangoutsBabel.selects
                   if select.sqlite_tables is None)


def test_empty_database(run_extractor, tmp_path):
    result = run_extractor(HangoutsBabel, build_hangouts(tmp_path / "babel0.db"))
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []


@pytest.mark.parametrize("damage", [lambda p: truncate(p, 2048), damage_header, scramble])
def test_damaged_database(run_extractor, tmp_path, damage):
    path = sample(tmp_path / "babel0.db")
    damage(path)
    result = run_extractor(HangoutsBabel, path)
    assert result.status == "ok"
    assert result.warnings and {w.code for w in result.warnings} <= {"sqlite.unreadable", "sqlite.damaged"}


def test_invalid_utf8_zero_and_future_times(run_extractor, tmp_path):
    path = sample(tmp_path / "babel0.db", messages=[
        {"_id": 1, "conversation_id": DIRECT, "author_chat_id": FRIEND, "text": RawText(b"ol\xe1"), "timestamp": 0,
         "type": 2},
        {"_id": 2, "conversation_id": DIRECT, "author_chat_id": OWNER, "text": "later",
         "timestamp": 9_000_000_000_000_000_000, "type": 1},
    ])
    result = run_extractor(HangoutsBabel, path)
    assert [w.code for w in result.warnings] == ["text.invalid_utf8"]
    bad = by_rowid(result, "message", 1)
    assert bad["body"] == "ol\ufffd" and bad["sent"]["status"] == "absent"
    assert by_rowid(result, "message", 2)["sent"]["status"] == "unparsable"


def test_unknown_schema_version(run_extractor, tmp_path):
    schema = HANGOUTS_SCHEMA.replace("author_chat_id TEXT, ", "")
    path = sample(tmp_path / "babel0.db", messages=[], schema=schema)
    result = run_extractor(HangoutsBabel, path)
    assert [w.code for w in result.warnings] == ["schema.unknown_version"]
    assert "Google Hangouts" in result.warnings[0].message and "messages.author_chat_id" in result.warnings[0].message
    assert result.artifacts == []


# --- corpus ------------------------------------------------------------------------------------------

def test_corpus_babel(run_extractor):
    result = run_extractor(HangoutsBabel, corpus_file("android_hangouts_babel.db"))
    assert result.status == "ok" and result.warnings == []
    # .tables.txt: messages 14 -> 14 messages. participants 2 -> the owner (author of the type-1
    # messages) as the account and the other as a contact. Sticker, presence, suggestion and FTS
    # tables are not communications.
    assert result.kinds() == {"message": 14, "account": 1, "contact": 1}
    [account] = result.data("account")
    assert account["identifier"] == "112549252980293459976" and account["display_name"] == "Hallym Betty"
    assert account["email"] == "bettyhallym@gmail.com"
    [contact] = result.data("contact")
    assert contact["display_name"] == "John Macron" and contact["handles"] == ["108778762612058411235"]

    second = by_rowid(result, "message", 2)
    assert second["body"] == "How are you?" and second["sender"] == "108778762612058411235"
    assert second["direction"] == "incoming" and second["recipients"] == ["112549252980293459976"]
    # plaso's test documents this message's creation time as 2017-07-17T04:41:54.326967+00:00.
    assert second["sent"] == {"utc": "2017-07-17T04:41:54.326967Z", "raw": "1500266514326967",
                              "encoding": "unix_us", "status": "ok"}
    late = by_rowid(result, "message", 7)
    assert late["body"] == "It's too late now! U promised"     # stored as It&#39;s
    last = by_rowid(result, "message", 13)
    assert last["body"] == "Its over dont msg me" and last["direction"] == "outgoing"
    assert last["sender"] == "112549252980293459976" and last["thread_name"] == "John Macron"
    # 1500271525061223 µs: 1500271525 s = 17364 days + 21925 s = 2017-07-17 06:05:25 (by hand)
    assert last["sent"]["utc"] == "2017-07-17T06:05:25.061223Z"


def test_corpus_babel_renamed(run_extractor, tmp_path):
    source = corpus_file("android_hangouts_babel.db")
    renamed = tmp_path / "logical" / "data.db"
    renamed.parent.mkdir()
    shutil.copyfile(source, renamed)
    for suffix in ("-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(Path(str(source) + suffix), Path(str(renamed) + suffix))
    assert selected(HangoutsBabel, renamed, "logical/data.db")
    assert run_extractor(HangoutsBabel, renamed).kinds() == {"message": 14, "account": 1, "contact": 1}
