"""Apple-platform app stores with their real schemas, written from simple Python data.

- ``build_sms_db``: Messages' ``sms.db`` (iOS) / ``chat.db`` (macOS): ``message``, ``handle``,
  ``chat`` and the join tables, ``attachment``, ``deleted_messages`` (filled by the store's own
  trigger when a row is deleted) and iOS 16's "Recently Deleted" tables; text in ``text`` and in
  the ``attributedBody`` typedstream (``attributed_body``), or in the latter only.
- ``build_chat_storage``: WhatsApp's ``ChatStorage.sqlite`` (Core Data: ``ZWAMESSAGE``,
  ``ZWACHATSESSION``, ``ZWAGROUPMEMBER``, ``ZWAMEDIAITEM``, ...), by default with its rows only
  in the -wal, as a live phone leaves it.
- ``build_whatsapp_calls`` / ``build_whatsapp_contacts``: WhatsApp's ``CallHistory.sqlite`` and
  ``ContactsV2.sqlite``.
- ``build_address_book``: ``AddressBook.sqlitedb`` (``ABPerson``, ``ABMultiValue``, labels,
  entries, stores, and the full-text index whose tokenizer only iOS has), rows in the -wal.
- ``build_call_history``: ``CallHistory.storedata`` (``ZCALLRECORD``, ``ZHANDLE``).
- ``build_voicemail``: ``voicemail.db``.
- ``write_demo_iphone``: an iPhone-like folder tree using all of the above, with the people of
  ``DEMO_PEOPLE`` talking over Messages, WhatsApp and the phone.

Times are given as aware datetimes and stored as the apps store them (Cocoa seconds or
nanoseconds since 2001-01-01 UTC; voicemail dates in Unix seconds). Everything is
deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import base64
import plistlib
import shutil
import sqlite3
import struct
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

COCOA_EPOCH = datetime(2001, 1, 1, tzinfo=timezone.utc)
_NAMESPACE = uuid.UUID("6f1c9b52-3d0e-4c1a-9a57-0d4c2b1e7a10")


def cocoa_seconds(moment: datetime) -> float:
    """Seconds since 2001-01-01 UTC (Core Data / NSDate), with the microseconds."""
    delta = moment - COCOA_EPOCH
    return delta.days * 86400 + delta.seconds + delta.microseconds / 1_000_000


def cocoa_nanoseconds(moment: datetime) -> int:
    delta = moment - COCOA_EPOCH
    return ((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(part) for part in parts))).upper()


# --- typedstream ----------------------------------------------------------------------------------

_TYPEDSTREAM_HEAD = (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x19NSMutableAttributedString\x00"
                     b"\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x0f"
                     b"NSMutableString\x01\x84\x84\x08NSString\x01\x95\x84\x01+")
_TYPEDSTREAM_TAIL = (b"\x92\x84\x84\x84\x0cNSDictionary\x00\x95\x84\x01i\x01\x92\x84\x98\x98\x1d"
                     b"__kIMMessagePartAttributeName\x86\x92\x84\x84\x84\x08NSNumber\x00\x84\x84\x07NSValue\x00"
                     b"\x95\x84\x01*\x84\x9b\x9b\x00\x86\x86\x86")


def _typedstream_int(value: int) -> bytes:
    if 0 <= value < 0x80:
        return bytes([value])
    if value < 0x8000:
        return b"\x81" + value.to_bytes(2, "little")
    return b"\x82" + value.to_bytes(4, "little")


def attributed_body(text: str) -> bytes:
    """An NSMutableAttributedString archived as Messages stores it in ``attributedBody``: the
    class chain, the string's UTF-8 bytes with their typedstream length, then the attribute run
    (one message part covering the whole string)."""
    data = text.encode("utf-8")
    return (_TYPEDSTREAM_HEAD + _typedstream_int(len(data)) + data + b"\x86\x84\x02iI\x01"
            + _typedstream_int(len(text)) + _TYPEDSTREAM_TAIL)


# --- SQLite plumbing ------------------------------------------------------------------------------

def _write(path: Path, schema: str, fill, *, wal: bool = False, after_schema: str = "") -> Path:
    """Create the database at ``path`` (replacing it): the schema, then ``fill(conn)``. With
    ``wal`` the schema is checkpointed into the file and the rows stay in ``<path>-wal``, as a
    phone leaves a store that was in use."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ft-apple-") as folder:
        work = Path(folder) / path.name
        conn = sqlite3.connect(work, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=OFF")     # a scratch file: no need to wait for the disk
            if wal:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA wal_autocheckpoint=0")
            conn.executescript("BEGIN;" + schema + after_schema + "COMMIT;")
            if wal:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("BEGIN")
            fill(conn)
            conn.execute("COMMIT")
            if wal:
                # Copy while the connection is open: closing would checkpoint the WAL away. The
                # -shm is left out: SQLite rebuilds it from the -wal, and like the -wal's header it
                # holds random salts (the -wal's are replaced by fixed ones, so the bytes repeat).
                shutil.copyfile(work, path)
                Path(str(path) + "-wal").write_bytes(_fixed_salts(Path(str(work) + "-wal").read_bytes()))
        finally:
            conn.close()
        if not wal:
            shutil.copyfile(work, path)
    return path


_WAL_SALTS = (0x46540001, 0x46540002)


def _wal_checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    """SQLite's WAL checksum: over 32-bit words in pairs, s0 += x0 + s1, s1 += x1 + s0 (mod 2**32)."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for index in range(0, len(words), 2):
        s0 = (s0 + words[index] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[index + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def _fixed_salts(wal: bytes) -> bytes:
    """The -wal with fixed salts and its checksums recomputed: SQLite draws the salts at random."""
    if len(wal) < 32:
        return wal
    magic, _version, page_size, _sequence, salt1, salt2 = struct.unpack(">6I", wal[:24])
    if magic not in (0x377F0682, 0x377F0683):
        return wal
    big_endian = magic == 0x377F0683
    out = bytearray(wal)
    struct.pack_into(">2I", out, 16, *_WAL_SALTS)
    s0, s1 = _wal_checksum(bytes(out[:24]), big_endian, 0, 0)
    struct.pack_into(">2I", out, 24, s0, s1)
    offset = 32
    while offset + 24 + page_size <= len(out):
        if struct.unpack_from(">2I", wal, offset + 8) != (salt1, salt2):
            break                       # frames after the last valid one are left as they are
        struct.pack_into(">2I", out, offset + 8, *_WAL_SALTS)
        s0, s1 = _wal_checksum(bytes(out[offset:offset + 8]), big_endian, s0, s1)
        s0, s1 = _wal_checksum(bytes(out[offset + 24:offset + 24 + page_size]), big_endian, s0, s1)
        struct.pack_into(">2I", out, offset + 16, s0, s1)
        offset += 24 + page_size
    return bytes(out)


def _insert(conn: sqlite3.Connection, table: str, values: dict) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    return conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())).lastrowid


# --- Messages: sms.db / chat.db -------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class MessageAttachment:
    filename: str                       # as the store keeps it, e.g. "~/Library/SMS/Attachments/ab/11/X/IMG_1.jpg"
    mime_type: str | None = None
    transfer_name: str | None = None    # the name the file was sent under
    total_bytes: int = 0
    uti: str | None = None


@dataclass(frozen=True, kw_only=True)
class AppleMessage:
    chat: str                           # chat_identifier: the other party, or a group's "chat<digits>"
    at: datetime
    text: str | None
    from_me: bool = False
    sender: str | None = None           # in a group chat, the handle that sent it
    service: str = "iMessage"           # iMessage, SMS, RCS
    read_at: datetime | None = None
    delivered_at: datetime | None = None
    attributed_only: bool = False       # text only in attributedBody (text NULL), as macOS 13+ stores it
    attachments: tuple[MessageAttachment, ...] = ()
    deleted: bool = False               # deleted for good: the row is gone, its GUID in deleted_messages
    recently_deleted: bool = False      # iOS 16+ "Recently Deleted": kept, linked through the recoverable tables
    item_type: int = 0                  # 0 a message; 1-6 group events (member added, renamed, ...)


@dataclass(frozen=True, kw_only=True)
class AppleChat:
    identifier: str                     # chat_identifier
    participants: tuple[str, ...]       # handles (phone numbers in E.164 or e-mail addresses)
    display_name: str | None = None     # a group's name
    service: str = "iMessage"


SMS_DB_SCHEMA = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL);
CREATE TABLE sync_deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, handle_id INTEGER
REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER
REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT,
service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service) );
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT,
replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT,
attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT,
account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER,
is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0,
is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0,
is_auto_reply INTEGER DEFAULT 0, is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0,
is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0,
is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0,
is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT,
was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0,
is_played INTEGER DEFAULT 0, date_played INTEGER, item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0,
group_title TEXT, group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0,
share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0,
message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0, associated_message_guid TEXT,
associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB,
expressive_send_style_id TEXT, associated_message_range_location INTEGER DEFAULT 0,
associated_message_range_length INTEGER DEFAULT 0, time_expressive_send_played INTEGER,
message_summary_info BLOB, ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT, ck_record_change_tag TEXT,
destination_caller_id TEXT, is_corrupt INTEGER DEFAULT 0, reply_to_guid TEXT, sort_id INTEGER,
is_spam INTEGER DEFAULT 0, has_unseen_mention INTEGER DEFAULT 0, thread_originator_guid TEXT,
thread_originator_part TEXT, syndication_ranges TEXT, synced_syndication_ranges TEXT,
was_delivered_quietly INTEGER DEFAULT 0, did_notify_recipient INTEGER DEFAULT 0, date_retracted INTEGER,
date_edited INTEGER, was_detonated INTEGER DEFAULT 0, part_count INTEGER, is_stewie INTEGER DEFAULT 0,
is_kt_verified INTEGER DEFAULT 0);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER,
state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT,
account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT,
is_filtered INTEGER DEFAULT 0, successful_query INTEGER, engram_id TEXT, server_change_token TEXT,
ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT, last_read_message_timestamp INTEGER DEFAULT 0,
cloudkit_record_id TEXT, last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0,
syndication_date INTEGER DEFAULT 0, syndication_type INTEGER DEFAULT 0, is_recovered INTEGER DEFAULT 0,
is_deleting_incoming_messages INTEGER DEFAULT 0);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT,
transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT,
total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB,
hide_attachment INTEGER DEFAULT 0, ck_sync_state INTEGER DEFAULT 0, ck_server_change_token_blob BLOB,
ck_record_id TEXT, original_guid TEXT UNIQUE NOT NULL, is_commsafety_sensitive INTEGER DEFAULT 0);
CREATE TABLE chat_recoverable_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, delete_date INTEGER,
ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id), CHECK (delete_date != 0));
CREATE TABLE recoverable_message_part (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, part_index INTEGER, delete_date INTEGER,
part_text BLOB NOT NULL, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id, part_index),
CHECK (delete_date != 0));
CREATE TABLE kvtable (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, value BLOB NOT NULL);
CREATE INDEX chat_handle_join_idx_handle_id ON chat_handle_join(handle_id);
CREATE INDEX chat_message_join_idx_message_id_only ON chat_message_join(message_id);
CREATE INDEX chat_message_join_idx_chat_id ON chat_message_join(chat_id);
CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join(message_id);
CREATE INDEX message_attachment_join_idx_attachment_id ON message_attachment_join(attachment_id);
CREATE INDEX message_idx_date ON message(date);
CREATE INDEX message_idx_handle ON message(handle_id, date);
CREATE INDEX message_idx_handle_id ON message(handle_id);
CREATE INDEX chat_idx_chat_identifier ON chat(chat_identifier);
CREATE TRIGGER add_to_deleted_messages AFTER DELETE ON message BEGIN
    INSERT INTO deleted_messages (guid) VALUES (OLD.guid); END;
CREATE TRIGGER add_to_sync_deleted_messages AFTER DELETE ON message BEGIN
    INSERT INTO sync_deleted_messages (guid, recordID) VALUES (OLD.guid, OLD.ck_record_id); END;
"""

# A chat's "style": 45 one-to-one, 43 group.
CHAT_STYLE_DIRECT, CHAT_STYLE_GROUP = 45, 43


def build_sms_db(path: Path, messages: Sequence[AppleMessage], *, owner: str | None = "+447700900001",
                 chats: Sequence[AppleChat] = (), nanoseconds: bool = True, wal: bool = False) -> Path:
    """Write ``sms.db``/``chat.db`` holding ``messages`` in order. ``owner`` is the device's own
    iMessage address or number (``message.account``, ``chat.account_login``, ``destination_caller_id``);
    ``chats`` describes group chats (a chat not listed is one-to-one with its identifier).
    ``nanoseconds`` stores times as iOS 11+/macOS 10.13+ do; False stores seconds (older)."""
    known = {chat.identifier: chat for chat in chats}

    def stamp(moment: datetime | None) -> int:
        if moment is None:
            return 0
        return cocoa_nanoseconds(moment) if nanoseconds else int(cocoa_seconds(moment))

    def fill(conn: sqlite3.Connection) -> None:
        _insert(conn, "_SqliteDatabaseProperties", {"key": "_ClientVersion", "value": "17100"})
        handles: dict[tuple[str, str], int] = {}
        chat_ids: dict[str, int] = {}
        account = None
        if owner:
            account = ("e:" if "@" in owner else "p:") + owner

        def handle(address: str, service: str) -> int:
            key = (address, service)
            if key not in handles:
                handles[key] = _insert(conn, "handle", {"id": address, "country": "gb", "service": service,
                                                        "uncanonicalized_id": address,
                                                        "person_centric_id": None})
            return handles[key]

        def chat_for(message: AppleMessage) -> int:
            if message.chat not in chat_ids:
                info = known.get(message.chat) or AppleChat(identifier=message.chat, participants=(message.chat,),
                                                            service=message.service)
                group = len(info.participants) > 1 or info.identifier.startswith("chat")
                style = CHAT_STYLE_GROUP if group else CHAT_STYLE_DIRECT
                chat_id = _insert(conn, "chat", {
                    "guid": f"{info.service};{'+' if group else '-'};{info.identifier}", "style": style, "state": 3,
                    "account_id": _guid("account", owner), "chat_identifier": info.identifier,
                    "service_name": info.service, "room_name": info.identifier if group else None,
                    "account_login": ("E:" + owner) if owner and "@" in owner else owner,
                    "display_name": info.display_name or "", "last_addressed_handle": owner})
                for participant in info.participants:
                    conn.execute("INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)",
                                 (chat_id, handle(participant, info.service)))
                chat_ids[message.chat] = chat_id
            return chat_ids[message.chat]

        gone = []
        for index, message in enumerate(messages, start=1):
            chat_id = chat_for(message)
            info = known.get(message.chat)
            if info is not None and (len(info.participants) > 1 or info.identifier.startswith("chat")):
                # In a group the row names its sender; the owner's own rows name nobody.
                handle_id = 0 if message.from_me else handle(message.sender or info.participants[0], info.service)
            else:
                handle_id = handle(message.chat, message.service)
            guid = _guid("message", index, message.chat, message.at.isoformat())
            date = stamp(message.at)
            rowid = _insert(conn, "message", {
                "guid": guid, "text": None if message.attributed_only or message.text is None else message.text,
                "handle_id": handle_id,
                "attributedBody": attributed_body(message.text) if message.text is not None else None,
                "service": message.service, "account": account, "account_guid": _guid("account", owner),
                "date": date, "date_read": stamp(message.read_at), "date_delivered": stamp(message.delivered_at),
                "is_delivered": int(message.delivered_at is not None or not message.from_me), "is_finished": 1,
                "is_from_me": int(message.from_me), "is_read": int(message.read_at is not None),
                "is_sent": int(message.from_me), "cache_has_attachments": int(bool(message.attachments)),
                "item_type": message.item_type, "destination_caller_id": owner,
                "ck_record_id": _guid("record", guid), "sort_id": index, "part_count": 1,
                "cache_roomnames": message.chat if message.chat.startswith("chat") else None})
            for number, attachment in enumerate(message.attachments):
                attachment_guid = _guid("attachment", guid, number)
                attachment_id = _insert(conn, "attachment", {
                    "guid": attachment_guid, "created_date": int(cocoa_seconds(message.at)),
                    "start_date": int(cocoa_seconds(message.at)), "filename": attachment.filename,
                    "uti": attachment.uti, "mime_type": attachment.mime_type, "transfer_state": 5,
                    "is_outgoing": int(message.from_me), "transfer_name": attachment.transfer_name,
                    "total_bytes": attachment.total_bytes, "original_guid": attachment_guid})
                conn.execute("INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)",
                             (rowid, attachment_id))
            if message.recently_deleted:
                deleted_at = stamp(message.at + timedelta(days=1))
                conn.execute("INSERT INTO chat_recoverable_message_join (chat_id, message_id, delete_date) "
                             "VALUES (?, ?, ?)", (chat_id, rowid, deleted_at))
                conn.execute("INSERT INTO recoverable_message_part (chat_id, message_id, part_index, delete_date, "
                             "part_text) VALUES (?, ?, 0, ?, ?)",
                             (chat_id, rowid, deleted_at, attributed_body(message.text or "")))
            else:
                conn.execute("INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)",
                             (chat_id, rowid, date))
            if message.deleted:
                gone.append(rowid)
        # Deleting fires the store's trigger (deleted_messages); the join rows stay behind, as in
        # the stores seen on real Macs, and (without secure delete, which Debian's SQLite turns on
        # by default and Apple's does not) the freed index cells keep GUID and ROWID.
        conn.execute("PRAGMA secure_delete = OFF")
        for rowid in gone:
            conn.execute("DELETE FROM message WHERE ROWID = ?", (rowid,))

    return _write(path, SMS_DB_SCHEMA, fill, wal=wal)


# --- WhatsApp: ChatStorage.sqlite -----------------------------------------------------------------

# ZWAMESSAGE.ZMESSAGETYPE
WA_TEXT, WA_IMAGE, WA_VIDEO, WA_AUDIO, WA_CONTACT, WA_LOCATION, WA_GROUP_EVENT, WA_DOCUMENT, WA_SYSTEM = \
    0, 1, 2, 3, 4, 5, 6, 8, 10
WA_REVOKED = 14


@dataclass(frozen=True, kw_only=True)
class WhatsAppMedia:
    local_path: str | None = None       # relative to the app group's Message/ folder: "Media/<jid>/a/b/<uuid>.jpg"
    mime_type: str | None = None
    size: int = 0
    sha256: str | None = None           # hex; stored base64 in ZVCARDNAME, as WhatsApp does
    title: str | None = None            # caption, or a document's file name
    latitude: float | None = None
    longitude: float | None = None
    url: str | None = None


@dataclass(frozen=True, kw_only=True)
class WhatsAppMessage:
    chat: str                           # the chat's JID: "<number>@s.whatsapp.net" or "<id>@g.us"
    at: datetime
    text: str | None = None
    from_me: bool = False
    sender: str | None = None           # in a group: the member's JID
    kind: int = WA_TEXT
    media: WhatsAppMedia | None = None
    received_at: datetime | None = None
    group_event: int = 0                # ZGROUPEVENTTYPE for system rows


@dataclass(frozen=True, kw_only=True)
class WhatsAppChat:
    jid: str
    name: str | None = None             # ZPARTNERNAME: contact name or group subject
    members: tuple[str, ...] = ()       # group members' JIDs
    removed: bool = False               # the user deleted the chat (ZREMOVED)


CHAT_STORAGE_SCHEMA = """
CREATE TABLE ZWABLACKLISTITEM ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZJID VARCHAR );
CREATE TABLE ZWACHATSESSION ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZARCHIVED INTEGER,
ZCONTACTABID INTEGER, ZFLAGS INTEGER, ZHIDDEN INTEGER, ZIDENTITYVERIFICATIONEPOCH INTEGER,
ZIDENTITYVERIFICATIONSTATE INTEGER, ZMESSAGECOUNTER INTEGER, ZREMOVED INTEGER, ZSESSIONTYPE INTEGER,
ZSPOTLIGHTSTATUS INTEGER, ZUNREADCOUNT INTEGER, ZGROUPINFO INTEGER, ZLASTMESSAGE INTEGER, ZPROPERTIES INTEGER,
ZLASTMESSAGEDATE TIMESTAMP, ZLOCATIONSHARINGENDDATE TIMESTAMP, ZCONTACTIDENTIFIER VARCHAR, ZCONTACTJID VARCHAR,
ZETAG VARCHAR, ZLASTMESSAGETEXT VARCHAR, ZPARTNERNAME VARCHAR, ZSAVEDINPUT VARCHAR );
CREATE TABLE ZWAGROUPINFO ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZSTATE INTEGER,
ZCHATSESSION INTEGER, ZLASTMESSAGEOWNER INTEGER, ZCREATIONDATE TIMESTAMP, ZSUBJECTTIMESTAMP TIMESTAMP,
ZCREATORJID VARCHAR, ZOWNERJID VARCHAR, ZPICTUREID VARCHAR, ZPICTUREPATH VARCHAR, ZSOURCEJID VARCHAR,
ZSUBJECTOWNERJID VARCHAR );
CREATE TABLE ZWAGROUPMEMBER ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCONTACTABID INTEGER,
ZISACTIVE INTEGER, ZISADMIN INTEGER, ZSENDERKEYSENT INTEGER, ZCHATSESSION INTEGER, ZRECENTGROUPCHAT INTEGER,
ZCONTACTIDENTIFIER VARCHAR, ZCONTACTNAME VARCHAR, ZFIRSTNAME VARCHAR, ZMEMBERJID VARCHAR );
CREATE TABLE ZWAMEDIAITEM ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCLOUDSTATUS INTEGER,
ZFILESIZE INTEGER, ZMEDIAORIGIN INTEGER, ZMOVIEDURATION INTEGER, ZMESSAGE INTEGER, ZASPECTRATIO FLOAT,
ZHACCURACY FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZMEDIAURLDATE TIMESTAMP, ZAUTHORNAME VARCHAR,
ZCOLLECTIONNAME VARCHAR, ZMEDIALOCALPATH VARCHAR, ZMEDIAURL VARCHAR, ZTHUMBNAILLOCALPATH VARCHAR, ZTITLE VARCHAR,
ZVCARDNAME VARCHAR, ZVCARDSTRING VARCHAR, ZXMPPTHUMBPATH VARCHAR, ZMEDIAKEY BLOB, ZMETADATA BLOB );
CREATE TABLE ZWAMESSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
ZCHILDMESSAGESDELIVEREDCOUNT INTEGER, ZCHILDMESSAGESPLAYEDCOUNT INTEGER, ZCHILDMESSAGESREADCOUNT INTEGER,
ZDATAITEMVERSION INTEGER, ZDOCID INTEGER, ZENCRETRYCOUNT INTEGER, ZFILTEREDRECIPIENTCOUNT INTEGER, ZFLAGS INTEGER,
ZGROUPEVENTTYPE INTEGER, ZISFROMME INTEGER, ZMESSAGEERRORSTATUS INTEGER, ZMESSAGESTATUS INTEGER,
ZMESSAGETYPE INTEGER, ZSORT INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZSTARRED INTEGER, ZCHATSESSION INTEGER,
ZGROUPMEMBER INTEGER, ZLASTSESSION INTEGER, ZMEDIAITEM INTEGER, ZMESSAGEINFO INTEGER, ZPARENTMESSAGE INTEGER,
ZMESSAGEDATE TIMESTAMP, ZSENTDATE TIMESTAMP, ZFROMJID VARCHAR, ZMEDIASECTIONID VARCHAR, ZPHASH VARCHAR,
ZPUSHNAME VARCHAR, ZSTANZAID VARCHAR, ZTEXT VARCHAR, ZTOJID VARCHAR );
CREATE TABLE ZWAMESSAGEINFO ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZMESSAGE INTEGER,
ZRECEIPTINFO BLOB );
CREATE TABLE ZWAPROFILEPUSHNAME ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZJID VARCHAR,
ZPUSHNAME VARCHAR );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
CREATE INDEX ZWAMESSAGE_ZCHATSESSION_INDEX ON ZWAMESSAGE (ZCHATSESSION);
CREATE INDEX ZWAMESSAGE_ZGROUPMEMBER_INDEX ON ZWAMESSAGE (ZGROUPMEMBER);
CREATE INDEX ZWAMESSAGE_ZMEDIAITEM_INDEX ON ZWAMESSAGE (ZMEDIAITEM);
CREATE INDEX Z_WAMessage_byMessageDateIndex ON ZWAMESSAGE (ZMESSAGEDATE COLLATE BINARY ASC);
CREATE INDEX Z_WAMessage_byStanzaIDIndex ON ZWAMESSAGE (ZSTANZAID COLLATE BINARY ASC);
CREATE INDEX ZWAMEDIAITEM_ZMESSAGE_INDEX ON ZWAMEDIAITEM (ZMESSAGE);
CREATE INDEX ZWAGROUPMEMBER_ZCHATSESSION_INDEX ON ZWAGROUPMEMBER (ZCHATSESSION);
CREATE INDEX Z_WAChatSession_byContactJIDIndex ON ZWACHATSESSION (ZCONTACTJID COLLATE BINARY ASC);
"""
# Core Data entity numbers of this model version (Z_PRIMARYKEY.Z_ENT).
_WA_ENTITIES = {"WABlackListItem": 1, "WAChatSession": 4, "WAGroupInfo": 5, "WAGroupMember": 6, "WAMediaItem": 8,
                "WAMessage": 9, "WAMessageInfo": 11, "WAProfilePushName": 13}


def _core_data_keys(conn: sqlite3.Connection, entities: dict[str, int], tables: dict[str, str]) -> None:
    for name, number in entities.items():
        table = tables.get(name, "Z" + name.upper())
        maximum = conn.execute(f"SELECT COALESCE(MAX(Z_PK), 0) FROM {table}").fetchone()[0]
        conn.execute("INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, 0, ?)",
                     (number, name, maximum))
    store_uuid = _guid("core-data", *sorted(entities))
    metadata = plistlib.dumps({"NSStoreType": "SQLite", "NSStoreUUID": store_uuid,
                               "NSStoreModelVersionHashesVersion": 3, "NSPersistenceFrameworkVersion": 1244},
                              fmt=plistlib.FMT_BINARY, sort_keys=True)
    conn.execute("INSERT INTO Z_METADATA (Z_VERSION, Z_UUID, Z_PLIST) VALUES (1, ?, ?)", (store_uuid, metadata))


def build_chat_storage(path: Path, messages: Sequence[WhatsAppMessage], *, owner: str = "447700900001@s.whatsapp.net",
                       chats: Sequence[WhatsAppChat] = (), system_notices: bool = True, wal: bool = True) -> Path:
    """Write WhatsApp's ``ChatStorage.sqlite``. ``owner`` is the phone's own JID (ZTOJID of the
    messages it receives); ``system_notices`` adds the rows WhatsApp writes itself (the
    end-to-end encryption notice of each chat, "group created"), which are not messages; with
    ``wal`` every row lives only in the -wal."""
    known = {chat.jid: chat for chat in chats}

    def fill(conn: sqlite3.Connection) -> None:
        sessions: dict[str, int] = {}
        members: dict[tuple[int, str], int] = {}
        counters: dict[int, int] = {}
        sort = 0

        def member(session: int, jid: str) -> int:
            if (session, jid) not in members:
                members[(session, jid)] = _insert(conn, "ZWAGROUPMEMBER", {
                    "Z_ENT": 6, "Z_OPT": 1, "ZISACTIVE": 1, "ZISADMIN": int(jid == owner), "ZCHATSESSION": session,
                    "ZMEMBERJID": jid})
            return members[(session, jid)]

        def add(values: dict) -> int:
            nonlocal sort
            sort += 1
            values = {"Z_ENT": 9, "Z_OPT": 2, "ZSORT": sort, "ZFLAGS": 16777216, "ZSTARRED": 0,
                      "ZSTANZAID": "3A" + _guid("stanza", sort).replace("-", "")[:18], **values}
            return _insert(conn, "ZWAMESSAGE", values)

        def session_for(message: WhatsAppMessage) -> int:
            if message.chat in sessions:
                return sessions[message.chat]
            info = known.get(message.chat) or WhatsAppChat(jid=message.chat)
            group = info.jid.endswith("@g.us")
            session = _insert(conn, "ZWACHATSESSION", {
                "Z_ENT": 4, "Z_OPT": 3, "ZARCHIVED": 0, "ZHIDDEN": 0, "ZREMOVED": int(info.removed),
                "ZSESSIONTYPE": int(group), "ZUNREADCOUNT": 0, "ZCONTACTJID": info.jid,
                "ZPARTNERNAME": info.name or info.jid.partition("@")[0]})
            sessions[message.chat] = session
            if group:
                info_pk = _insert(conn, "ZWAGROUPINFO", {"Z_ENT": 5, "Z_OPT": 1, "ZSTATE": 0, "ZCHATSESSION": session,
                                                         "ZCREATIONDATE": cocoa_seconds(message.at),
                                                         "ZCREATORJID": owner})
                conn.execute("UPDATE ZWACHATSESSION SET ZGROUPINFO = ? WHERE Z_PK = ?", (info_pk, session))
                for jid in (owner, *info.members):
                    member(session, jid)
            if system_notices:
                notice = message.at - timedelta(seconds=30)
                add({"ZCHATSESSION": session, "ZISFROMME": 0, "ZMESSAGETYPE": WA_GROUP_EVENT if group else WA_SYSTEM,
                     "ZGROUPEVENTTYPE": 12 if group else 2, "ZMESSAGESTATUS": 0,
                     "ZMESSAGEDATE": cocoa_seconds(notice), "ZFROMJID": info.jid, "ZTOJID": owner})
            return session

        for message in messages:
            session = session_for(message)
            group = message.chat.endswith("@g.us")
            values = {"ZCHATSESSION": session, "ZISFROMME": int(message.from_me), "ZMESSAGETYPE": message.kind,
                      "ZGROUPEVENTTYPE": message.group_event, "ZMESSAGESTATUS": 8 if message.from_me else 2,
                      "ZMESSAGEDATE": cocoa_seconds(message.at), "ZTEXT": message.text}
            if message.from_me:
                values.update(ZTOJID=message.chat, ZSENTDATE=cocoa_seconds(message.at + timedelta(milliseconds=40)))
            else:
                values.update(ZFROMJID=message.chat, ZTOJID=None if group else owner,
                              ZSENTDATE=cocoa_seconds(message.received_at or message.at + timedelta(seconds=2)))
                if group and message.sender:
                    values["ZGROUPMEMBER"] = member(session, message.sender)
            pk = add(values)
            counters[session] = counters.get(session, 0) + 1
            if message.media is not None:
                media = message.media
                item = _insert(conn, "ZWAMEDIAITEM", {
                    "Z_ENT": 8, "Z_OPT": 1, "ZFILESIZE": media.size, "ZMESSAGE": pk, "ZLATITUDE": media.latitude or 0.0,
                    "ZLONGITUDE": media.longitude or 0.0, "ZMEDIALOCALPATH": media.local_path, "ZMEDIAURL": media.url,
                    "ZTITLE": media.title, "ZVCARDSTRING": media.mime_type,
                    "ZVCARDNAME": base64.b64encode(bytes.fromhex(media.sha256)).decode() if media.sha256 else None})
                conn.execute("UPDATE ZWAMESSAGE SET ZMEDIAITEM = ? WHERE Z_PK = ?", (item, pk))
            conn.execute("UPDATE ZWACHATSESSION SET ZLASTMESSAGE = ?, ZLASTMESSAGEDATE = ?, ZLASTMESSAGETEXT = ?, "
                         "ZMESSAGECOUNTER = ? WHERE Z_PK = ?",
                         (pk, cocoa_seconds(message.at), message.text, counters[session], session))
        _core_data_keys(conn, _WA_ENTITIES, {})

    return _write(path, CHAT_STORAGE_SCHEMA, fill, wal=wal)


# --- WhatsApp: CallHistory.sqlite and ContactsV2.sqlite -------------------------------------------

@dataclass(frozen=True, kw_only=True)
class WhatsAppCall:
    peer: str                           # the other party's JID
    at: datetime
    duration_s: float = 0.0
    incoming: bool = False
    video: bool = False
    missed: bool = False


WA_CALLS_SCHEMA = """
CREATE TABLE ZWAAGGREGATECALLEVENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZINCOMING INTEGER,
ZMISSED INTEGER, ZMISSEDREASON INTEGER, ZVIDEO INTEGER, ZFIRSTDATE TIMESTAMP, ZLINKTOKEN VARCHAR );
CREATE TABLE ZWACDCALLEVENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZBYTESRECEIVED INTEGER,
ZBYTESSENT INTEGER, ZOUTCOME INTEGER, Z1CALLEVENTS INTEGER, Z_FOK_1CALLEVENTS INTEGER, ZDATE TIMESTAMP,
ZDURATION FLOAT, ZGROUPCALLCREATORUSERJIDSTRING VARCHAR, ZGROUPJIDSTRING VARCHAR, ZSCHEDULEDID VARCHAR );
CREATE TABLE ZWACDCALLEVENTPARTICIPANT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZOUTCOME INTEGER,
Z1PARTICIPANTS INTEGER, Z_FOK_1PARTICIPANTS INTEGER, ZJIDSTRING VARCHAR );
CREATE TABLE ZWAJOINABLECALLEVENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZBADGEREMOVED INTEGER,
ZBYTESRECEIVED INTEGER, ZBYTESSENT INTEGER, ZCURRENTOUTCOME INTEGER, ZISRERING INTEGER, ZPREVIOUSOUTCOME INTEGER,
ZVIDEO INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZCALLCREATORJIDSTRING VARCHAR, ZCALLIDSTRING VARCHAR,
ZCALLRANDOMIDSTRING VARCHAR, ZFROMJIDSTRING VARCHAR, ZGROUPJIDSTRING VARCHAR, ZLINKTOKEN VARCHAR,
ZSCHEDULEDID VARCHAR );
CREATE TABLE ZWAJOINABLECALLEVENTPARTICIPANT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
ZJOINED INTEGER, Z4PARTICIPANTS INTEGER, Z_FOK_4PARTICIPANTS INTEGER, ZJIDSTRING VARCHAR );
CREATE TABLE ZWAUPCOMINGCALLEVENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCALLTYPE INTEGER,
ZISSYSTEMMESSAGEINSERTED INTEGER, ZSTATUS INTEGER, ZUNIXTIMEMS INTEGER, ZCHATJIDSTRING VARCHAR,
ZCREATORJIDSTRING VARCHAR, ZMESSAGESTANZAID VARCHAR, ZTITLE VARCHAR );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
CREATE INDEX ZWACDCALLEVENT_Z1CALLEVENTS_INDEX ON ZWACDCALLEVENT (Z1CALLEVENTS);
CREATE INDEX ZWACDCALLEVENTPARTICIPANT_Z1PARTICIPANTS_INDEX ON ZWACDCALLEVENTPARTICIPANT (Z1PARTICIPANTS);
CREATE INDEX ZWAJOINABLECALLEVENTPARTICIPANT_Z4PARTICIPANTS_INDEX ON ZWAJOINABLECALLEVENTPARTICIPANT (Z4PARTICIPANTS);
"""


def build_whatsapp_calls(path: Path, calls: Sequence[WhatsAppCall], *, owner: str = "447700900001@s.whatsapp.net",
                         wal: bool = False) -> Path:
    """Write WhatsApp's ``CallHistory.sqlite``: one aggregate event, one call event and one
    participant per call, linked as WhatsApp links them (Z1CALLEVENTS, Z1PARTICIPANTS)."""
    def fill(conn: sqlite3.Connection) -> None:
        for call in calls:
            date = cocoa_seconds(call.at)
            aggregate = _insert(conn, "ZWAAGGREGATECALLEVENT", {
                "Z_ENT": 1, "Z_OPT": 1, "ZINCOMING": int(call.incoming), "ZMISSED": int(call.missed),
                "ZMISSEDREASON": 1, "ZVIDEO": int(call.video), "ZFIRSTDATE": date})
            event = _insert(conn, "ZWACDCALLEVENT", {
                "Z_ENT": 2, "Z_OPT": 1, "ZBYTESRECEIVED": int(call.duration_s * 1200),
                "ZBYTESSENT": int(call.duration_s * 400), "ZOUTCOME": 1 if call.missed else 0,
                "Z1CALLEVENTS": aggregate, "Z_FOK_1CALLEVENTS": 2048, "ZDATE": date, "ZDURATION": call.duration_s,
                "ZGROUPCALLCREATORUSERJIDSTRING": call.peer if call.incoming else owner})
            _insert(conn, "ZWACDCALLEVENTPARTICIPANT", {"Z_ENT": 3, "Z_OPT": 1, "ZOUTCOME": 1 if call.missed else 0,
                                                        "Z1PARTICIPANTS": event, "Z_FOK_1PARTICIPANTS": 2048,
                                                        "ZJIDSTRING": call.peer})
        _core_data_keys(conn, {"WAAggregateCallEvent": 1, "WACDCallEvent": 2, "WACDCallEventParticipant": 3,
                               "WAJoinableCallEvent": 4, "WAJoinableCallEventParticipant": 5,
                               "WAUpcomingCallEvent": 6}, {})

    return _write(path, WA_CALLS_SCHEMA, fill, wal=wal)


@dataclass(frozen=True, kw_only=True)
class WhatsAppContact:
    name: str
    phone: str | None = None            # as the address book shows it: "+44 7700 900123"
    jid: str | None = None              # None: the contact is not on WhatsApp
    label: str = "_$!<Mobile>!$_"


WA_CONTACTS_SCHEMA = """
CREATE TABLE ZWAADDRESSBOOKCONTACT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
ZDISAPPEARINGMODEDURATION INTEGER, ZPHONESTATUS INTEGER, ZSECTIONSORT INTEGER, ZSORT INTEGER,
ZSPOTLIGHTSTATUS INTEGER, ZABOUTTIMESTAMP TIMESTAMP, ZDISAPPEARINGMODETIMESTAMP TIMESTAMP, ZABOUTTEXT VARCHAR,
ZFULLNAME VARCHAR, ZGIVENNAME VARCHAR, ZHIGHLIGHTEDNAME VARCHAR, ZIDENTIFIER VARCHAR,
ZLOCALIZEDPHONENUMBER VARCHAR, ZPHONENUMBER VARCHAR, ZPHONENUMBERLABEL VARCHAR, ZSEARCHTOKENLIST VARCHAR,
ZSECTIONTITLE VARCHAR, ZWHATSAPPID VARCHAR, ZDEVICELIST BLOB );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
CREATE INDEX Z_WAAddressBookContact_byWhatsAppIDIndex ON ZWAADDRESSBOOKCONTACT (ZWHATSAPPID COLLATE BINARY ASC);
"""


def build_whatsapp_contacts(path: Path, contacts: Sequence[WhatsAppContact], *, wal: bool = False) -> Path:
    def fill(conn: sqlite3.Connection) -> None:
        for index, contact in enumerate(contacts, start=1):
            given, _, family = contact.name.partition(" ")
            _insert(conn, "ZWAADDRESSBOOKCONTACT", {
                "Z_ENT": 1, "Z_OPT": 2, "ZPHONESTATUS": 2 if contact.jid else 3, "ZSORT": index * 1000,
                "ZFULLNAME": contact.name, "ZGIVENNAME": given, "ZHIGHLIGHTEDNAME": family or given,
                "ZIDENTIFIER": _guid("contact", contact.name), "ZPHONENUMBER": contact.phone,
                "ZPHONENUMBERLABEL": contact.label if contact.phone else None,
                "ZSEARCHTOKENLIST": contact.name.lower(), "ZSECTIONTITLE": contact.name[:1].upper(),
                "ZWHATSAPPID": contact.jid})
        _core_data_keys(conn, {"WAAddressBookContact": 1}, {})

    return _write(path, WA_CONTACTS_SCHEMA, fill, wal=wal)


# --- AddressBook.sqlitedb -------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class AddressBookPerson:
    first: str | None = None
    last: str | None = None
    organization: str | None = None
    nickname: str | None = None
    phones: tuple[tuple[str, str], ...] = ()          # (label, number): ("Mobile", "+44 7700 900123")
    emails: tuple[tuple[str, str], ...] = ()          # (label, address)
    instant_messages: tuple[tuple[str, str], ...] = ()  # (service, user name): ("Skype", "mike.driver")
    me: bool = False                                  # the store's "me" card (ABStore.MeIdentifier)
    company: bool = False                             # Kind 1: an organisation record


ADDRESS_BOOK_SCHEMA = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, Type INTEGER,
ConstraintsPath TEXT, ExternalModificationTag TEXT, ExternalSyncTag TEXT, StoreInternalIdentifier TEXT,
AccountID INTEGER DEFAULT -1, Enabled INTEGER DEFAULT 1, SyncData BLOB, MeIdentifier INTEGER DEFAULT -1,
Capabilities INTEGER DEFAULT 0, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), LastSyncDate TEXT,
UNIQUE(StoreInternalIdentifier), UNIQUE(guid));
CREATE TABLE ABAccount (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, AccountIdentifier TEXT, Flags INTEGER,
DefaultSourceID INTEGER, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), UNIQUE(guid));
CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT,
FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT,
Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT, Prefix TEXT, Suffix TEXT, FirstSort TEXT,
LastSort TEXT, CreationDate INTEGER, ModificationDate INTEGER, CompositeNameFallback TEXT,
ExternalIdentifier TEXT, ExternalModificationTag TEXT, ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT,
ExternalRepresentation BLOB, FirstSortSection TEXT, LastSortSection TEXT,
FirstSortLanguageIndex INTEGER DEFAULT 2147483647, LastSortLanguageIndex INTEGER DEFAULT 2147483647,
PersonLink INTEGER DEFAULT -1, ImageURI TEXT, IsPreferredName INTEGER DEFAULT 1,
guid TEXT NOT NULL DEFAULT (ab_generate_guid()), PhonemeData TEXT, AlternateBirthday TEXT, MapsData TEXT,
FirstPronunciation TEXT, MiddlePronunciation TEXT, LastPronunciation TEXT, OrganizationPhonetic TEXT,
OrganizationPronunciation TEXT, PreviousFamilyName TEXT, PreferredLikenessSource TEXT,
PreferredPersonaIdentifier TEXT, PreferredChannel TEXT, DowntimeWhitelist TEXT, ImageType TEXT, ImageHash BLOB,
MemojiMetadata BLOB, UNIQUE(guid));
CREATE TABLE ABGroup (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, StoreID INTEGER,
ExternalModificationTag TEXT, ExternalRepresentation BLOB, ExternalUUID TEXT,
guid TEXT NOT NULL DEFAULT (ab_generate_guid()), UNIQUE(guid));
CREATE TABLE ABGroupMembers (UID INTEGER PRIMARY KEY, group_id INTEGER, member_type INTEGER, member_id INTEGER,
UNIQUE(group_id, member_type, member_id));
CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER,
label INTEGER, value TEXT, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), UNIQUE(guid));
CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));
CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT, UNIQUE(parent_id, key));
CREATE TABLE ABMultiValueEntryKey (value TEXT, UNIQUE(value));
CREATE TABLE ABPersonLink (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, PreferredImagePersonID INTEGER DEFAULT -1,
PreferredNamePersonID INTEGER DEFAULT -1, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), UNIQUE(guid));
CREATE INDEX ABMultiValueRecordIDIndex on ABMultiValue(record_id);
CREATE INDEX ABMultiValueLabelIndex ON ABMultiValue(label);
CREATE INDEX ABMultiValuePropertyValueIndex ON ABMultiValue(property, value COLLATE NOCASE);
CREATE INDEX ABMultiValueEntryKeyIndex ON ABMultiValueEntry(key);
CREATE INDEX ABPersonExternalIdentifierIndex on ABPerson(ExternalIdentifier);
CREATE VIRTUAL TABLE ABPersonFullTextSearch USING fts4(tokenize=simple, First, Last, Middle, FirstPhonetic,
MiddlePhonetic, LastPhonetic, Organization, OrganizationPhonetic, Department, Note, Birthday, JobTitle, Nickname,
Prefix, Suffix, DisplayName, Phone, Email, Address, SocialProfile, URL, RelatedNames, IM, Date,
SupplementalCompositeNameTerms);
"""
# The index is declared with a tokenizer only iOS registers: an ordinary SQLite cannot read the
# index (its columns cannot even be listed), as with a real AddressBook.sqlitedb.
_IOS_TOKENIZER = """
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(sql, 'tokenize=simple',
    'tokenize=ab_cf_tokenizer language="en-US" collator="en-US@collation=search"')
    WHERE name = 'ABPersonFullTextSearch';
PRAGMA writable_schema = OFF;
"""
AB_PHONE, AB_EMAIL, AB_INSTANT_MESSAGE = 3, 4, 13


def build_address_book(path: Path, people: Sequence[AddressBookPerson], *,
                       carddav_account: str | None = "owner.demo@gmail.com", wal: bool = True,
                       created: datetime = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)) -> Path:
    """Write ``AddressBook.sqlitedb``: the local store, plus a CardDAV store for
    ``carddav_account`` (as a synced Google account appears) holding the contacts; with ``wal``
    the rows are only in the -wal."""
    def fill(conn: sqlite3.Connection) -> None:
        _insert(conn, "_SqliteDatabaseProperties", {"key": "_ClientVersion", "value": "33"})
        conn.execute("INSERT INTO ABStore (ROWID, StoreInternalIdentifier, Type, Enabled, guid) "
                     "VALUES (0, 'local', 0, 0, ?)", (_guid("store", "local"),))
        store = 0
        if carddav_account:
            principal = carddav_account.replace("@", "%40")
            store = _insert(conn, "ABStore", {
                "Name": "Address Book", "Type": 4, "guid": _guid("store", carddav_account), "AccountID": 1,
                "ExternalIdentifier": f"/carddav/v1/principals/{principal}/lists/default/"})
            _insert(conn, "ABAccount", {"AccountIdentifier": _guid("account", carddav_account), "Flags": 0,
                                        "DefaultSourceID": store, "guid": _guid("abaccount", carddav_account)})
        labels: dict[str, int] = {}
        keys: dict[str, int] = {}

        def label(text: str) -> int:
            stored = f"_$!<{text}>!$_" if text in ("Mobile", "Home", "Work", "Main", "iPhone", "Other") else text
            if stored not in labels:
                labels[stored] = _insert(conn, "ABMultiValueLabel", {"value": stored})
            return labels[stored]

        def key(text: str) -> int:
            if text not in keys:
                keys[text] = _insert(conn, "ABMultiValueEntryKey", {"value": text})
            return keys[text]

        stamp = int(cocoa_seconds(created))
        for index, person in enumerate(people, start=1):
            guid = _guid("person", index, person.first, person.last, person.organization)
            rowid = _insert(conn, "ABPerson", {
                "First": person.first, "Last": person.last, "Organization": person.organization,
                "Nickname": person.nickname, "Kind": int(person.company), "CreationDate": stamp,
                "ModificationDate": stamp, "StoreID": store, "guid": guid, "ExternalUUID": guid,
                "FirstSort": (person.first or person.organization or "").lower(),
                "LastSort": (person.last or "").lower()})
            for identifier, (text, number) in enumerate(person.phones):
                _insert(conn, "ABMultiValue", {"record_id": rowid, "property": AB_PHONE, "identifier": identifier,
                                               "label": label(text), "value": number,
                                               "guid": _guid("mv", guid, "phone", identifier)})
            for identifier, (text, address) in enumerate(person.emails):
                _insert(conn, "ABMultiValue", {"record_id": rowid, "property": AB_EMAIL, "identifier": identifier,
                                               "label": label(text), "value": address,
                                               "guid": _guid("mv", guid, "email", identifier)})
            for identifier, (service, username) in enumerate(person.instant_messages):
                uid = _insert(conn, "ABMultiValue", {"record_id": rowid, "property": AB_INSTANT_MESSAGE,
                                                     "identifier": identifier, "label": label("Other"),
                                                     "value": None, "guid": _guid("mv", guid, "im", identifier)})
                _insert(conn, "ABMultiValueEntry", {"parent_id": uid, "key": key("service"), "value": service})
                _insert(conn, "ABMultiValueEntry", {"parent_id": uid, "key": key("username"), "value": username})
            conn.execute("INSERT INTO ABPersonFullTextSearch_content (docid, c0First, c1Last, c6Organization) "
                         "VALUES (?, ?, ?, ?)", (rowid, person.first, person.last, person.organization))
            if person.me:
                conn.execute("UPDATE ABStore SET MeIdentifier = ? WHERE ROWID = ?", (rowid, store))

    return _write(path, ADDRESS_BOOK_SCHEMA, fill, wal=wal, after_schema=_IOS_TOKENIZER)


# --- CallHistory.storedata ------------------------------------------------------------------------

CALL_PHONE, CALL_FACETIME_VIDEO, CALL_FACETIME_AUDIO, CALL_THIRD_PARTY = 1, 8, 16, 0


@dataclass(frozen=True, kw_only=True)
class PhoneCall:
    address: str | None                 # number or Apple ID; None for a withheld number
    at: datetime
    duration_s: float = 0.0
    outgoing: bool = False
    answered: bool = True
    call_type: int = CALL_PHONE
    provider: str = "com.apple.Telephony"
    name: str | None = None
    members: tuple[str, ...] = ()       # other members of a group FaceTime call
    address_as_blob: bool = True        # iOS stores ZADDRESS as a BLOB


CALL_HISTORY_SCHEMA = """
CREATE TABLE ZCALLDBPROPERTIES ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTIMER_ALL FLOAT,
ZTIMER_INCOMING FLOAT, ZTIMER_LAST FLOAT, ZTIMER_LIFETIME FLOAT, ZTIMER_OUTGOING FLOAT );
CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZANSWERED INTEGER,
ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA INTEGER,
ZFILTERED_OUT_REASON INTEGER, ZHANDLE_TYPE INTEGER, ZJUNKCONFIDENCE INTEGER, ZNUMBER_AVAILABILITY INTEGER,
ZORIGINATED INTEGER, ZREAD INTEGER, ZVERIFICATIONSTATUS INTEGER, ZWASEMERGENCYCALL INTEGER, ZDATE TIMESTAMP,
ZDURATION FLOAT, ZADDRESS VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZJUNKIDENTIFICATIONCATEGORY VARCHAR,
ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR, ZCONVERSATIONID BLOB,
ZLOCALPARTICIPANTUUID BLOB, ZOUTGOINGLOCALPARTICIPANTUUID BLOB, ZPARTICIPANTGROUPUUID BLOB );
CREATE TABLE ZHANDLE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTYPE INTEGER,
ZNORMALIZEDVALUE VARCHAR, ZVALUE VARCHAR );
CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES ( Z_2REMOTEPARTICIPANTCALLS INTEGER, Z_4REMOTEPARTICIPANTHANDLES INTEGER,
PRIMARY KEY (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES) );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
CREATE INDEX Z_CallRecord_date ON ZCALLRECORD (ZDATE COLLATE BINARY ASC);
"""


def build_call_history(path: Path, calls: Sequence[PhoneCall], *, wal: bool = False) -> Path:
    """Write ``CallHistory.storedata`` (Core Data: ZCALLRECORD, group members through ZHANDLE)."""
    def fill(conn: sqlite3.Connection) -> None:
        handles: dict[str, int] = {}
        for index, call in enumerate(calls, start=1):
            address = call.address.encode("utf-8") if call.address and call.address_as_blob else call.address
            pk = _insert(conn, "ZCALLRECORD", {
                "Z_ENT": 2, "Z_OPT": 1, "ZANSWERED": int(call.answered),
                "ZCALL_CATEGORY": 2 if call.call_type == CALL_FACETIME_VIDEO else 1,
                "ZCALLTYPE": call.call_type, "ZDISCONNECTED_CAUSE": 0 if call.answered else 6,
                "ZHANDLE_TYPE": 3 if call.address and "@" in call.address else 2, "ZNUMBER_AVAILABILITY": 0,
                "ZORIGINATED": int(call.outgoing), "ZREAD": 1, "ZDATE": cocoa_seconds(call.at),
                "ZDURATION": call.duration_s, "ZADDRESS": address, "ZISO_COUNTRY_CODE": "gb", "ZNAME": call.name,
                "ZSERVICE_PROVIDER": call.provider, "ZUNIQUE_ID": _guid("call", index, call.at.isoformat())})
            for member in call.members:
                if member not in handles:
                    handles[member] = _insert(conn, "ZHANDLE", {"Z_ENT": 4, "Z_OPT": 1, "ZTYPE": 2,
                                                                "ZNORMALIZEDVALUE": member, "ZVALUE": member})
                conn.execute("INSERT INTO Z_2REMOTEPARTICIPANTHANDLES VALUES (?, ?)", (pk, handles[member]))
        _core_data_keys(conn, {"CallDBProperties": 1, "CallRecord": 2, "Handle": 4},
                        {"CallDBProperties": "ZCALLDBPROPERTIES", "CallRecord": "ZCALLRECORD", "Handle": "ZHANDLE"})

    return _write(path, CALL_HISTORY_SCHEMA, fill, wal=wal)


# --- voicemail.db ---------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Voicemail:
    sender: str | None
    at: datetime
    duration_s: int = 0
    receiver: str | None = "+447700900001"
    callback: str | None = None
    trashed_at: datetime | None = None   # moved to "Deleted Messages" (trashed_date, Cocoa seconds)
    removed: bool = False                # held in the ``deleted`` table


VOICEMAIL_SCHEMA = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE voicemail (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, remote_uid INTEGER, date INTEGER, token TEXT,
sender TEXT, callback_num TEXT, duration INTEGER, expiration INTEGER, trashed_date INTEGER, flags INTEGER,
receiver TEXT, label TEXT);
CREATE TABLE deleted (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, remote_uid INTEGER, date INTEGER, token TEXT,
sender TEXT, callback_num TEXT, duration INTEGER, expiration INTEGER, trashed_date INTEGER, flags INTEGER,
receiver TEXT, label TEXT);
CREATE TABLE map (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT, label TEXT);
CREATE INDEX date_index on voicemail(date);
CREATE INDEX remote_uid_index on voicemail(remote_uid);
"""


def build_voicemail(path: Path, voicemails: Sequence[Voicemail], *, iccid: str = "8944000000000000001") -> Path:
    """Write ``voicemail.db``: ``date`` in Unix seconds, ``trashed_date`` in Cocoa seconds."""
    def fill(conn: sqlite3.Connection) -> None:
        label = _guid("voicemail-line", iccid)
        _insert(conn, "map", {"account": iccid, "label": label})
        _insert(conn, "_SqliteDatabaseProperties", {"key": "_ClientVersion", "value": "10"})
        for index, mail in enumerate(voicemails, start=1):
            unix = int((mail.at - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())
            _insert(conn, "deleted" if mail.removed else "voicemail", {
                "remote_uid": 100 + index, "date": unix, "token": "Complete", "sender": mail.sender,
                "callback_num": mail.callback or mail.sender, "duration": mail.duration_s,
                "expiration": unix + 30 * 86400,
                "trashed_date": int(cocoa_seconds(mail.trashed_at)) if mail.trashed_at else 0,
                "flags": 11 if mail.trashed_at is None else 75, "receiver": mail.receiver, "label": label})

    return _write(path, VOICEMAIL_SCHEMA, fill)


# --- the demo iPhone ------------------------------------------------------------------------------

DEMO_START = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)


@dataclass(frozen=True, kw_only=True)
class DemoPerson:
    name: str
    phone: str                          # E.164

    @property
    def jid(self) -> str:
        return self.phone.lstrip("+") + "@s.whatsapp.net"


# The same people as the rest of the demo evidence (the Android phone's SMS and contacts), so the
# contact graph merges them across apps and devices.
DEMO_OWNER = DemoPerson(name="Sam Carter", phone="+447700900001")
DEMO_PEOPLE = (
    DemoPerson(name="Driver Mike", phone="+447700900123"),
    DemoPerson(name="Hotel Desk", phone="+31612345678"),
    DemoPerson(name="Lena Vos", phone="+31612345679"),
)
DEMO_APP_GROUP = "private/var/mobile/Containers/Shared/AppGroup/6F1C9B52-3D0E-4C1A-9A57-0D4C2B1E7A10"


def write_demo_iphone(root: Path) -> list[Path]:
    """Write an iPhone-like tree under ``root``: Messages, WhatsApp (chats, calls, contacts), the
    address book, the call log and voicemail, with overlapping conversations. Returns the paths
    of the databases written."""
    root = Path(root)
    mike, hotel, lena = DEMO_PEOPLE
    at = lambda minutes: DEMO_START + timedelta(minutes=minutes)  # noqa: E731 - a local shorthand
    mobile = root / "private/var/mobile"
    group = root / DEMO_APP_GROUP
    written = [
        build_sms_db(mobile / "Library/SMS/sms.db", [
            AppleMessage(chat=mike.phone, at=at(0), text="Landed. Where do I meet you?", from_me=True,
                         delivered_at=at(0.1), read_at=at(1)),
            AppleMessage(chat=mike.phone, at=at(2), text="Arrivals, exit B. Grey van.", read_at=at(3)),
            AppleMessage(chat=mike.phone, at=at(4), text="Photo of the plate", attachments=(
                MessageAttachment(filename="~/Library/SMS/Attachments/5a/10/A1/IMG_0042.jpeg",
                                  mime_type="image/jpeg", transfer_name="IMG_0042.jpeg", total_bytes=48213,
                                  uti="public.jpeg"),), read_at=at(5)),
            AppleMessage(chat=lena.phone, at=at(60), text="Keys are at the desk, room 214.", service="SMS",
                         attributed_only=True, read_at=at(61)),
            AppleMessage(chat=lena.phone, at=at(62), text="Delete this after reading.", service="SMS",
                         deleted=True),
        ], owner=DEMO_OWNER.phone),
        build_chat_storage(group / "ChatStorage.sqlite", [
            WhatsAppMessage(chat=mike.jid, at=at(10), text="Same van tomorrow, 06:00."),
            WhatsAppMessage(chat=mike.jid, at=at(11), text="OK", from_me=True),
            WhatsAppMessage(chat=hotel.jid, at=at(90), text="Your booking is confirmed under Smith."),
            WhatsAppMessage(chat=hotel.jid, at=at(95), from_me=True, kind=WA_LOCATION,
                            media=WhatsAppMedia(latitude=52.3791, longitude=4.9003)),
        ], owner=DEMO_OWNER.jid, chats=[WhatsAppChat(jid=mike.jid, name=mike.name),
                                        WhatsAppChat(jid=hotel.jid, name=hotel.name)]),
        build_whatsapp_calls(group / "CallHistory.sqlite", [
            WhatsAppCall(peer=mike.jid, at=at(20), duration_s=65.5, incoming=True),
            WhatsAppCall(peer=hotel.jid, at=at(100), incoming=True, missed=True, video=True),
        ], owner=DEMO_OWNER.jid),
        build_whatsapp_contacts(group / "ContactsV2.sqlite", [
            WhatsAppContact(name=person.name, phone=person.phone, jid=person.jid) for person in (mike, hotel)]),
        build_address_book(mobile / "Library/AddressBook/AddressBook.sqlitedb", [
            AddressBookPerson(first="Sam", last="Carter", phones=(("Mobile", DEMO_OWNER.phone),), me=True),
            AddressBookPerson(first="Driver", last="Mike", phones=(("Mobile", mike.phone),)),
            AddressBookPerson(organization="Hotel Desk", company=True, phones=(("Main", hotel.phone),)),
            AddressBookPerson(first="Lena", last="Vos", phones=(("Mobile", lena.phone),),
                              emails=(("Home", "lena.vos@example.org"),)),
        ]),
        build_call_history(mobile / "Library/CallHistoryDB/CallHistory.storedata", [
            PhoneCall(address=mike.phone, at=at(30), duration_s=42.0, outgoing=True),
            PhoneCall(address=lena.phone, at=at(70), answered=False),
        ]),
        build_voicemail(mobile / "Library/Voicemail/voicemail.db", [
            Voicemail(sender=lena.phone, at=at(71), duration_s=18, receiver=DEMO_OWNER.phone),
        ]),
    ]
    return written


def files_of(paths: Iterable[Path]) -> list[Path]:
    """The databases and the -wal files beside them (what a copy of the tree must carry)."""
    found = []
    for path in paths:
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(str(path) + suffix)
            if candidate.exists():
                found.append(candidate)
    return found
