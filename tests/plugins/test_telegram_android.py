"""Telegram Android cache4.db: the TL reader (against Telegram's schema ids and random bytes) and
the plugin on databases written by the project's builder (forensic_triage.demo.apps.telegram,
whose TL writer is independent of the reader). The corpus holds no Telegram store."""

from __future__ import annotations

import shutil
import sqlite3
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_triage.demo.apps.telegram import (LAYER_105, LAYER_135, SECRET, TgCall, TgChat, TgDocument, TgMessage,
                                                TgUser, TLWriter, build_cache4, encode_chat, encode_message,
                                                encode_user)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.telegram_android import (HEADER_DECLARATIONS, LAYOUTS, MESSAGE_CONSTRUCTORS,
                                                      MESSAGE_DECLARATIONS,
                                                      TelegramCache, TLError, TLReader, decode_chat, decode_message,
                                                      decode_user, declaration_id)

OWNER = TgUser(id=5_000_001, first_name="Olga", last_name="Owner", phone="491709999999", is_self=True)
ANNA = TgUser(id=5_000_002, first_name="Anna", last_name="Kovač", username="anna_k", phone="491701111111")
OLD = TgUser(id=7001, first_name="Legacy", legacy=True)
GROUP = TgChat(id=600_001, title="Family Group")
CHANNEL = TgChat(id=1_700_000_001, title="News Channel", channel=True)
# Unix seconds whose UTC form is checked by hand: 1700000000 = 19675 days + 80000 s
# (2023-11-14T22:13:20Z); 1609459200 = 18628 days (2021-01-01T00:00:00Z).
T = 1_700_000_000
NEW_YEAR = 1_609_459_200


def messages() -> list[TgMessage]:
    return [
        TgMessage(mid=1, dialog=ANNA.id, date=T, text="hi from anna", from_id=ANNA.id),
        TgMessage(mid=2, dialog=ANNA.id, date=T + 60, text="hi back <b>bold</b>", out=True, from_id=OWNER.id),
        TgMessage(mid=3, dialog=-GROUP.id, date=T + 120, text="group message", from_id=ANNA.id),
        TgMessage(mid=4, dialog=-CHANNEL.id, date=T + 180, text="channel post", layer=LAYER_135),
        TgMessage(mid=5, dialog=ANNA.id, date=NEW_YEAR, text="layer 105 message", layer=LAYER_105, from_id=ANNA.id),
        TgMessage(mid=6, dialog=ANNA.id, date=T + 240, text="a photo", photo=True, from_id=ANNA.id, reply_to=1),
        TgMessage(mid=7, dialog=ANNA.id, date=T + 300, document=TgDocument(mime_type="application/pdf", size=12345),
                  from_id=ANNA.id, forwarded_from=OLD.id),
        TgMessage(mid=8, dialog=ANNA.id, date=T + 360, call=TgCall(video=True, duration=42), out=True,
                  from_id=OWNER.id),
        TgMessage(mid=9, dialog=ANNA.id, date=T + 420, call=TgCall(reason="missed"), from_id=ANNA.id),
        TgMessage(mid=10, dialog=ANNA.id << 32, date=T + 480, text="secret chat text", layer=SECRET,
                  from_id=ANNA.id, peer=("user", OWNER.id)),
        TgMessage(mid=11, dialog=ANNA.id, date=T + 540, data_override=b"\x01\x02\x03\x04 some garbage bytes"),
    ]


def make(tmp_path: Path, table: str = "messages_v2", name: str = "cache4.db") -> Path:
    return build_cache4(tmp_path / "org.telegram.messenger" / "files" / name, messages(),
                        users=[OWNER, ANNA, OLD], chats=[GROUP, CHANNEL], table=table)


def by_body(result) -> dict:
    return {item["body"]: item for item in result.data("message")}


# --- the schema ------------------------------------------------------------------------------------

@pytest.mark.parametrize("declaration", MESSAGE_DECLARATIONS + HEADER_DECLARATIONS)
def test_every_declaration_is_the_one_its_id_names(declaration):
    """Telegram's constructor id is the CRC32 of the declaration: a wrong field, type or order would
    give another id. This proves each layout the reader follows is Telegram's own."""
    stated = int(declaration.split(" ", 1)[0].split("#")[1], 16)
    assert declaration_id(declaration) == stated


def test_declaration_id_of_a_known_constructor():
    assert declaration_id("peerUser#59511722 user_id:long = Peer") == 0x59511722
    assert len(LAYOUTS) == len(MESSAGE_DECLARATIONS) + len(HEADER_DECLARATIONS)


# --- the TL reader -----------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 252, 253, 254, 255, 256, 1000, 70000])
def test_string_lengths_and_padding(length):
    text = ("ä" * length)[:length]
    raw = text.encode("utf-8")[:length]
    data = TLWriter().bytes_(raw).int32(0x7FFFFFFF).getvalue()
    assert len(data) % 4 == 0
    reader = TLReader(data)
    assert reader.bytes_() == raw
    assert reader.int32() == 0x7FFFFFFF and reader.remaining() == 0


def test_string_layout_by_hand():
    # "hi": length byte 2, the bytes, one pad byte (1 + 2 + 1 = 4)
    assert TLReader(b"\x02hi\x00").string() == "hi"
    # 254 marks a 3-byte length: 300 bytes of "a", padded to 4 + 300 = 304
    long = b"\xfe" + (300).to_bytes(3, "little") + b"a" * 300
    assert TLReader(long).string() == "a" * 300
    with pytest.raises(TLError):
        TLReader(b"\x05hi").string()


@given(st.text(max_size=600))
def test_reader_reads_what_the_writer_writes(text):
    data = TLWriter().string(text).getvalue()
    assert TLReader(data).string() == text


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_decoders_never_raise_on_random_bytes(data):
    result = decode_message(data)
    assert result.status in ("ok", "partial", "unknown", "error")
    decode_user(data, None)
    decode_user(data, 5)
    decode_chat(data, None)


_KNOWN = sorted(MESSAGE_CONSTRUCTORS)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_KNOWN), st.binary(max_size=300))
def test_known_constructors_with_garbage_bodies_never_raise(constructor, body):
    result = decode_message(struct.pack("<I", constructor) + body)
    assert result.constructor == constructor
    assert result.status in ("ok", "partial", "error")


def test_every_prefix_of_real_blobs_is_handled():
    chats = {GROUP.id: GROUP, CHANNEL.id: CHANNEL}
    for message in messages()[:10]:
        blob = encode_message(message, chats)
        full = decode_message(blob)
        assert full.status == "ok", (message.mid, full.error)
        for cut in range(len(blob)):
            decode_message(blob[:cut])          # never raises
    assert decode_message(None).status == "error"
    assert decode_message("text").status == "error"


def test_decoded_fields():
    chats = {GROUP.id: GROUP, CHANNEL.id: CHANNEL}
    decoded = {m.mid: decode_message(encode_message(m, chats)) for m in messages()[:10]}
    first = decoded[1]
    assert (first.constructor, first.kind, first.id, first.out) == (0x94345242, "message", 1, False)
    assert first.from_peer == ("user", ANNA.id) and first.peer == ("user", ANNA.id)
    assert first.date == T and first.text == "hi from anna"
    assert decoded[2].out is True
    assert decoded[3].peer == ("chat", GROUP.id)
    assert decoded[4].constructor == 0x38116EE0 and decoded[4].peer == ("channel", CHANNEL.id)
    assert decoded[5].constructor == 0x452C0E65 and decoded[5].from_peer == ("user", ANNA.id)
    assert (decoded[6].media, decoded[6].mime_type) == ("photo", "image/jpeg")
    assert (decoded[7].media, decoded[7].mime_type, decoded[7].size) == ("document", "application/pdf", 12345)
    assert decoded[8].kind == "service" and decoded[8].call == {"video": True, "duration": 42, "reason": "hangup",
                                                                  "call_id": 1}
    assert decoded[9].call["reason"] == "missed"
    assert decoded[10].constructor == 0x555555FA and decoded[10].text == "secret chat text"
    assert decoded[10].from_peer == ("user", ANNA.id)


def test_secret_dialog_ids():
    from forensic_triage_plugins.telegram_android import is_secret_dialog

    assert is_secret_dialog(0x4000000000000000 | 1234)         # Telegram 8.x and later
    assert is_secret_dialog(1234 << 32)                        # before 8.x
    assert not is_secret_dialog(7_500_000_000)                 # a 64-bit user id is a private chat
    assert not is_secret_dialog(-600001) and not is_secret_dialog(5000002)


def test_users_and_chats():
    user = decode_user(encode_user(ANNA), ANNA.id)
    assert (user.first_name, user.last_name, user.username, user.phone, user.is_self) == (
        "Anna", "Kovač", "anna_k", "491701111111", False)
    assert decode_user(encode_user(OWNER), OWNER.id).is_self
    assert decode_user(encode_user(OLD), OLD.id).first_name == "Legacy"
    assert decode_user(encode_user(ANNA), 12345) is None             # the id must match the row
    assert decode_chat(encode_chat(GROUP), GROUP.id) == "Family Group"
    assert decode_chat(encode_chat(CHANNEL), CHANNEL.id) == "News Channel"


# --- the plugin --------------------------------------------------------------------------------------

def test_plugin_passes_host_checks():
    assert check_plugin(TelegramCache) == []


@pytest.mark.parametrize("table", ["messages_v2", "messages"])
def test_cache4(run_extractor, tmp_path, table):
    result = run_extractor(TelegramCache, make(tmp_path, table), region="DE")
    assert result.status == "ok"
    # 11 rows: 2 are calls (service messages), 9 are messages (one with an unknown constructor).
    assert result.kinds() == {"account": 1, "contact": 2, "message": 9, "call": 2}
    [account] = result.data("account")
    assert account == {"app": "Telegram", "identifier": "5000001", "display_name": "Olga Owner",
                       "phone": "+491709999999", "email": None}
    contacts = {c["display_name"]: c for c in result.data("contact")}
    assert contacts["Anna Kovač"]["handles"] == ["5000002", "@anna_k"]
    assert contacts["Anna Kovač"]["phones_e164"] == ["+491701111111"]
    bodies = by_body(result)
    first = bodies["hi from anna"]
    assert (first["sender"], first["recipients"], first["direction"]) == ("5000002", ["5000001"], "incoming")
    assert first["thread_id"] == "5000002" and first["thread_name"] == "Anna Kovač"
    assert first["sent"] == {"utc": "2023-11-14T22:13:20Z", "raw": "1700000000", "encoding": "unix_s",
                             "status": "ok"}
    assert bodies["layer 105 message"]["sent"]["utc"] == "2021-01-01T00:00:00Z"
    reply = bodies["hi back <b>bold</b>"]
    assert (reply["sender"], reply["recipients"], reply["direction"]) == ("5000001", ["5000002"], "outgoing")
    group = bodies["group message"]
    assert (group["sender"], group["recipients"], group["thread_name"]) == ("5000002", [], "Family Group")
    assert bodies["channel post"]["thread_name"] == "News Channel" and bodies["channel post"]["sender"] is None
    assert bodies["a photo"]["attachments"] == [{"name": None, "mime_type": "image/jpeg", "size": None,
                                                 "sha256": None, "path": None}]
    [document] = [m for m in result.data("message") if m["attachments"] and m["body"] is None]   # no caption
    assert document["attachments"][0]["mime_type"] == "application/pdf" and document["attachments"][0]["size"] == 12345
    assert bodies["secret chat text"]["sender"] == "5000002"
    calls = result.data("call")
    assert [(c["direction"], c["video"], c["duration_s"], c["missed"]) for c in calls] == [
        ("outgoing", True, 42.0, False), ("incoming", False, None, True)]
    assert calls[0]["parties"] == ["5000002"]
    [unknown] = [w for w in result.warnings if w.code == "telegram.unknown_constructor"]
    assert "0x04030201" in unknown.message and unknown.context["rows"] == 1
    for item in result.artifacts:
        assert item.locator["table"] in (table, "users") and item.locator["rowid"] is not None


def test_the_unknown_row_still_becomes_a_message(run_extractor, tmp_path):
    result = run_extractor(TelegramCache, make(tmp_path))
    [row] = [a for a in result.artifacts if a.kind == "message" and a.locator["rowid"] == 11]
    assert row.data["body"] is None and row.data["sent"]["raw"] == str(T + 540)
    assert row.data["thread_id"] == str(ANNA.id) and row.data["direction"] == "incoming"


def test_partial_blob(run_extractor, tmp_path):
    blob = encode_message(TgMessage(mid=1, dialog=ANNA.id, date=T, text="cut short text", from_id=ANNA.id))
    path = build_cache4(tmp_path / "cache4.db", [TgMessage(mid=1, dialog=ANNA.id, date=T, data_override=blob[:30]),
                                                 TgMessage(mid=2, dialog=ANNA.id, date=T, data_override=None,
                                                           text="fine", from_id=ANNA.id)], users=[ANNA])
    result = run_extractor(TelegramCache, path)
    assert result.kinds() == {"contact": 1, "message": 2}
    assert [w.code for w in result.warnings] == ["telegram.partial_decode"]


def test_renamed_copy_is_recognised_by_schema(run_extractor, tmp_path):
    original = make(tmp_path)
    renamed = tmp_path / "logical" / "mydata.sqlite"
    renamed.parent.mkdir()
    shutil.copy(original, renamed)
    conn = sqlite3.connect(renamed)
    schema = read_schema(conn)
    conn.close()
    head = renamed.read_bytes()[:HEAD_BYTES]
    path = "logical/mydata.sqlite"
    assert any(s.matches_path(path) and s.matches_head(head) and s.matches_schema(schema)
               for s in TelegramCache.selects)
    assert not any(s.glob and s.matches_path(path) for s in TelegramCache.selects)
    assert run_extractor(TelegramCache, renamed).kinds() == {"account": 1, "contact": 2, "message": 9, "call": 2}
    assert any(s.matches_path("data/data/org.telegram.messenger/files/account1/cache4.db")
               for s in TelegramCache.selects)


def test_unknown_schema_version(run_extractor, tmp_path):
    path = tmp_path / "cache4.db"
    sqlite3.connect(path).executescript("CREATE TABLE messages_v2 (mid INTEGER, uid INTEGER, date INTEGER);"
                                        "CREATE TABLE users (uid INTEGER PRIMARY KEY, data BLOB);")
    result = run_extractor(TelegramCache, path)
    assert result.artifacts == []
    [warning] = result.warnings
    assert warning.code == "schema.unknown_version" and "data" in warning.message and "out" in warning.message


def test_damaged_files(run_extractor, tmp_path):
    path = make(tmp_path)
    data = path.read_bytes()
    (tmp_path / "zeroed").mkdir()
    zeroed = tmp_path / "zeroed" / "cache4.db"
    zeroed.write_bytes(b"\x00" * 100 + data[100:])
    assert [w.code for w in run_extractor(TelegramCache, zeroed).warnings] == ["sqlite.not_sqlite"]
    (tmp_path / "cut").mkdir()
    cut = tmp_path / "cut" / "cache4.db"
    cut.write_bytes(data[:4096 + 100])
    result = run_extractor(TelegramCache, cut)
    assert result.status == "ok"
    assert result.warnings and all(w.code.startswith(("sqlite.", "schema.")) for w in result.warnings)


def test_invalid_utf8_search_name_and_empty_store(run_extractor, tmp_path):
    path = build_cache4(tmp_path / "cache4.db", [], users=[])
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO users (uid, name, status, data) VALUES (42, CAST(X'66FF6F' AS TEXT), 0, X'00')")
    conn.commit()
    conn.close()
    result = run_extractor(TelegramCache, path)
    assert result.kinds() == {"contact": 1}
    assert result.data("contact")[0]["display_name"] == "f\ufffdo"
    assert [w.code for w in result.warnings] == ["telegram.user_not_decoded"]


def test_a_store_of_garbage_blobs_gives_bounded_warnings(run_extractor, tmp_path):
    import random

    rng = random.Random(3)
    rows = [TgMessage(mid=i, dialog=ANNA.id, date=T + i, data_override=rng.randbytes(rng.randrange(0, 80)))
            for i in range(1, 301)]
    result = run_extractor(TelegramCache, build_cache4(tmp_path / "cache4.db", rows, users=[ANNA]))
    assert result.status == "ok"
    assert 290 <= result.kinds()["message"] <= 300          # only rows that happen to read as messageEmpty are left out
    assert len(result.warnings) <= 2 * 20 + 3
    assert any(w.code == "telegram.more_damage" for w in result.warnings)
