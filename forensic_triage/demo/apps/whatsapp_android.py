"""WhatsApp for Android stores with their real schemas, written from simple Python data.

- ``build_msgstore``: ``msgstore.db`` in either schema:

  * ``schema="new"`` (WhatsApp 2.21.x and later): ``jid``, ``chat``, ``message``,
    ``message_media``, ``message_system``, ``receipt_user``, ``receipt_device``, ``call_log``,
    ``group_participant_user``, ``props``;
  * ``schema="legacy"`` (before the 2021 migration): ``messages`` (``key_remote_jid``,
    ``key_from_me``, ``data``, ``timestamp``, ``media_*``, ``remote_resource``,
    ``received_timestamp``, ``receipt_*`` ...), ``chat_list``, ``group_participants``, ``props``,
    and the placeholder row WhatsApp keeps at ``_id`` 1 (``key_remote_jid`` ``-1``). Calls are
    message rows with ``media_wa_type`` 8 (call) or 10 (missed call) and ``media_caption``
    ``audio``/``video``.

- ``build_wa_db``: ``wa.db`` with ``wa_contacts``.
- ``build_preferences``: ``shared_prefs/com.whatsapp_preferences_light.xml`` with the owner's
  ``push_name``, ``cc`` and ``ph`` keys.

Column sets follow the databases as documented by ALEAPP's ``whatsApp`` module, IPED's
``ExtractorAndroid``/``ExtractorAndroidNew`` and thebinaryhick.blog "New Msgstore, Who Dis?"
(2022). Times are given as WhatsApp keeps them: milliseconds since 1970 (UTC); call durations
in seconds. Everything is deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

# message.message_type / messages.media_wa_type
TEXT, IMAGE, AUDIO, VIDEO, CONTACT_CARD, LOCATION, SYSTEM, CALL, DOCUMENT, MISSED_CALL = 0, 1, 2, 3, 4, 5, 7, 8, 9, 10
GIF, REVOKED, LIVE_LOCATION, STICKER = 13, 15, 16, 20
# call_log.call_result (as IPED reads it)
CALL_REJECTED, CALL_UNAVAILABLE, CALL_MISSED, CALL_CONNECTED = 2, 3, 4, 5
# message.status of an outgoing message
STATUS_SENT, STATUS_DELIVERED, STATUS_READ = 4, 5, 13

USER_SERVER = "s.whatsapp.net"
GROUP_SERVER = "g.us"


@dataclass(frozen=True, kw_only=True)
class WaMedia:
    file_path: str | None = None      # e.g. "Media/WhatsApp Images/IMG-20240301-WA0001.jpg"
    mime_type: str | None = None
    size: int | None = None
    name: str | None = None           # media_name (documents keep their original file name here)
    file_hash: str | None = None      # base64 SHA-256 of the plaintext file
    caption: str | None = None
    duration_s: int | None = None


@dataclass(frozen=True, kw_only=True)
class WaMessage:
    chat: str                         # chat jid, e.g. "491701234567@s.whatsapp.net" or "1203...@g.us"
    timestamp_ms: int
    text: str | None = None
    from_me: bool = False
    sender: str | None = None         # the participant's jid in a group chat (incoming)
    received_ms: int = 0
    message_type: int = TEXT
    status: int | None = None
    media: WaMedia | None = None
    delivered_ms: int = 0             # receipt from the other side (outgoing)
    read_ms: int = 0
    key_id: str | None = None
    action_type: int | None = None    # message_system.action_type for SYSTEM rows


@dataclass(frozen=True, kw_only=True)
class WaCall:
    jid: str
    timestamp_ms: int
    from_me: bool = False
    video: bool = False
    duration_s: int = 0
    result: int = CALL_CONNECTED
    call_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class WaChat:
    jid: str
    subject: str | None = None        # group name
    created_ms: int = 0
    participants: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WaContact:
    jid: str
    display_name: str | None = None
    number: str | None = None
    wa_name: str | None = None
    status: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    is_whatsapp_user: bool = True


def user_jid(number: str) -> str:
    """The jid WhatsApp uses for a phone number (digits only, with country code)."""
    return "".join(ch for ch in number if ch.isdigit()) + "@" + USER_SERVER


# --- schemas -------------------------------------------------------------------------------------

NEW_SCHEMA = """
CREATE TABLE props (_id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE, value TEXT);
CREATE TABLE jid (_id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, server TEXT NOT NULL,
    agent INTEGER, device INTEGER, type INTEGER, raw_string TEXT);
CREATE UNIQUE INDEX jid_key_index ON jid (user, server, agent, device);
CREATE TABLE chat (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid_row_id INTEGER UNIQUE, hidden INTEGER,
    subject TEXT, created_timestamp INTEGER, display_message_row_id INTEGER, last_message_row_id INTEGER,
    last_read_message_row_id INTEGER, last_read_receipt_sent_message_row_id INTEGER,
    last_important_message_row_id INTEGER, archived INTEGER, sort_timestamp INTEGER, mod_tag INTEGER,
    gen REAL, spam_detection INTEGER, unseen_earliest_message_received_time INTEGER,
    unseen_message_count INTEGER, unseen_missed_calls_count INTEGER, unseen_row_count INTEGER,
    plaintext_disabled INTEGER, vcard_ui_dismissed INTEGER, change_number_notified_message_row_id INTEGER,
    show_group_description INTEGER, ephemeral_expiration INTEGER, last_read_ephemeral_message_row_id INTEGER,
    ephemeral_setting_timestamp INTEGER, group_type INTEGER NOT NULL DEFAULT 0, sort_id INTEGER);
CREATE TABLE message (_id INTEGER PRIMARY KEY AUTOINCREMENT, chat_row_id INTEGER NOT NULL,
    from_me INTEGER NOT NULL, key_id TEXT NOT NULL, sender_jid_row_id INTEGER, status INTEGER,
    broadcast INTEGER, recipient_count INTEGER, participant_hash TEXT, origination_flags INTEGER,
    origin INTEGER, timestamp INTEGER, received_timestamp INTEGER, receipt_server_timestamp INTEGER,
    message_type INTEGER, text_data TEXT, starred INTEGER, lookup_tables INTEGER,
    sort_id INTEGER NOT NULL DEFAULT 0, message_add_on_flags INTEGER);
CREATE TABLE message_media (message_row_id INTEGER PRIMARY KEY, chat_row_id INTEGER,
    autotransfer_retry_enabled INTEGER, multicast_id TEXT, media_job_uuid TEXT, transferred INTEGER,
    transcoded INTEGER, file_path TEXT, file_size INTEGER, suspicious_content INTEGER, trim_from INTEGER,
    trim_to INTEGER, face_x INTEGER, face_y INTEGER, media_key BLOB, media_key_timestamp INTEGER,
    width INTEGER, height INTEGER, has_streaming_sidecar INTEGER, gif_attribution INTEGER,
    thumbnail_height_width_ratio REAL, direct_path TEXT, first_scan_sidecar BLOB, first_scan_length INTEGER,
    message_url TEXT, mime_type TEXT, file_length INTEGER, media_name TEXT, file_hash TEXT,
    media_duration INTEGER, page_count INTEGER, enc_file_hash TEXT, partial_media_hash TEXT,
    partial_media_enc_hash TEXT, is_animated_sticker INTEGER, original_file_hash TEXT,
    mute_video INTEGER DEFAULT 0, media_caption TEXT);
CREATE TABLE message_system (message_row_id INTEGER PRIMARY KEY, action_type INTEGER NOT NULL);
CREATE TABLE receipt_user (_id INTEGER PRIMARY KEY AUTOINCREMENT, message_row_id INTEGER NOT NULL,
    receipt_user_jid_row_id INTEGER NOT NULL, receipt_timestamp INTEGER, read_timestamp INTEGER,
    played_timestamp INTEGER);
CREATE TABLE receipt_device (_id INTEGER PRIMARY KEY AUTOINCREMENT, message_row_id INTEGER NOT NULL,
    receipt_device_jid_row_id INTEGER NOT NULL, receipt_device_timestamp INTEGER,
    primary_device_version INTEGER);
CREATE TABLE call_log (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid_row_id INTEGER, from_me INTEGER,
    call_id TEXT, transaction_id INTEGER, timestamp INTEGER, video_call INTEGER, duration INTEGER,
    call_result INTEGER, is_dnd_mode_on INTEGER, bytes_transferred INTEGER,
    group_jid_row_id INTEGER NOT NULL DEFAULT 0, is_joinable_group_call INTEGER,
    call_creator_device_jid_row_id INTEGER NOT NULL DEFAULT 0, call_random_id TEXT);
CREATE TABLE group_participant_user (_id INTEGER PRIMARY KEY AUTOINCREMENT, group_jid_row_id INTEGER NOT NULL,
    user_jid_row_id INTEGER NOT NULL, rank INTEGER, pending INTEGER);
CREATE VIEW chat_view AS SELECT chat._id AS _id, jid.raw_string AS raw_string_jid, chat.subject AS subject,
    chat.created_timestamp AS created_timestamp, chat.sort_timestamp AS sort_timestamp
    FROM chat LEFT JOIN jid ON chat.jid_row_id = jid._id;
"""

LEGACY_SCHEMA = """
CREATE TABLE props (_id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE, value TEXT);
CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT NOT NULL,
    key_from_me INTEGER, key_id TEXT NOT NULL, status INTEGER, needs_push INTEGER, data TEXT,
    timestamp INTEGER, media_url TEXT, media_mime_type TEXT, media_wa_type TEXT, media_size INTEGER,
    media_name TEXT, media_caption TEXT, media_hash TEXT, media_duration INTEGER, origin INTEGER,
    latitude REAL, longitude REAL, thumb_image TEXT, remote_resource TEXT, received_timestamp INTEGER,
    send_timestamp INTEGER, receipt_server_timestamp INTEGER, receipt_device_timestamp INTEGER,
    read_device_timestamp INTEGER, played_device_timestamp INTEGER, raw_data BLOB, recipient_count INTEGER,
    participant_hash TEXT, starred INTEGER, quoted_row_id INTEGER, mentioned_jids TEXT, multicast_id TEXT,
    edit_version INTEGER, media_enc_hash TEXT, payment_transaction_id TEXT, forwarded INTEGER,
    preview_type INTEGER, send_count INTEGER, lookup_tables INTEGER, future_message_type INTEGER,
    message_add_on_flags INTEGER);
CREATE UNIQUE INDEX messages_key_index ON messages (key_remote_jid, key_from_me, key_id);
CREATE TABLE chat_list (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT UNIQUE,
    message_table_id INTEGER, subject TEXT, creation INTEGER, last_read_message_table_id INTEGER,
    last_read_receipt_sent_message_table_id INTEGER, archived INTEGER, sort_timestamp INTEGER,
    mod_tag INTEGER, gen REAL, my_messages INTEGER, plaintext_disabled BOOLEAN);
CREATE TABLE group_participants (_id INTEGER PRIMARY KEY AUTOINCREMENT, gjid TEXT NOT NULL,
    jid TEXT NOT NULL, admin INTEGER, pending INTEGER, sent_sender_key INTEGER);
CREATE TABLE receipts (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT NOT NULL,
    key_id TEXT NOT NULL, remote_resource TEXT, receipt_device_timestamp INTEGER,
    read_device_timestamp INTEGER, played_device_timestamp INTEGER);
"""

WA_SCHEMA = """
CREATE TABLE wa_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid TEXT NOT NULL,
    is_whatsapp_user BOOLEAN NOT NULL, status TEXT, status_timestamp INTEGER, number TEXT,
    raw_contact_id INTEGER, display_name TEXT, phone_type INTEGER, phone_label TEXT,
    unseen_msg_count INTEGER, photo_ts INTEGER, thumb_ts INTEGER, photo_id_timestamp INTEGER,
    given_name TEXT, family_name TEXT, wa_name TEXT, sort_name TEXT, nickname TEXT, company TEXT,
    title TEXT, status_autodownload_disabled INTEGER, keep_timestamp INTEGER, is_spam_reported INTEGER,
    is_sidelist_synced BOOLEAN DEFAULT 0, is_business_synced BOOLEAN DEFAULT 0);
CREATE TABLE wa_vnames (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid TEXT NOT NULL, serial INTEGER,
    issuer TEXT, expires INTEGER, verified_name TEXT, industry TEXT, city TEXT, country TEXT,
    verified_level INTEGER, identity_unconfirmed_since INTEGER);
CREATE TABLE wa_props (_id INTEGER PRIMARY KEY AUTOINCREMENT, prop_name TEXT UNIQUE, prop_value TEXT);
"""

BATCH = 20_000


def _fresh(path: Path, schema: str) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executescript(schema)
    return conn


def _close(conn: sqlite3.Connection) -> None:
    conn.commit()
    conn.close()


def _key_id(index: int) -> str:
    # WhatsApp key ids are 16-32 hex/uppercase characters; a counter keeps the file deterministic.
    return f"3EB0{index:016X}"


# --- msgstore.db, new schema --------------------------------------------------------------------

class _Jids:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.ids: dict[str, int] = {}

    def row(self, raw: str | None) -> int:
        if not raw:
            return 0
        found = self.ids.get(raw)
        if found is None:
            user, _, server = raw.partition("@")
            kind = 1 if server == GROUP_SERVER else 0
            cursor = self.conn.execute("INSERT INTO jid (user, server, agent, device, type, raw_string) "
                                       "VALUES (?, ?, 0, 0, ?, ?)", (user, server, kind, raw))
            found = self.ids[raw] = cursor.lastrowid
        return found


def build_msgstore(path: Path, messages: Iterable[WaMessage], *, calls: Iterable[WaCall] = (),
                   chats: Iterable[WaChat] = (), schema: str = "new",
                   props: dict[str, str] | None = None, lid_map: dict[str, str] | None = None) -> Path:
    """Write ``msgstore.db`` in the ``new`` (message/chat/jid) or ``legacy`` (messages) schema.
    ``messages`` may be a generator: rows are written in batches, so a million messages need no
    more memory than a few thousand. ``lid_map`` (new schema) maps LID jids (``...@lid``) to
    phone-number jids in a ``jid_map`` table (``lid_row_id``, ``jid_row_id``), as WhatsApp 2.23+
    keeps them."""
    if schema == "new":
        return _build_new(Path(path), messages, calls, chats, props or {}, lid_map or {})
    if schema == "legacy":
        return _build_legacy(Path(path), messages, calls, chats, props or {})
    raise ValueError(f"unknown msgstore schema {schema!r}")


def _build_new(path: Path, messages, calls, chats, props, lid_map) -> Path:
    conn = _fresh(path, NEW_SCHEMA)
    if lid_map:
        conn.execute("CREATE TABLE jid_map (lid_row_id INTEGER PRIMARY KEY NOT NULL, jid_row_id INTEGER NOT NULL)")
    conn.executemany("INSERT INTO props (key, value) VALUES (?, ?)", sorted(props.items()))
    jids = _Jids(conn)
    chat_ids: dict[str, int] = {}

    def chat_row(jid: str, subject: str | None = None, created: int = 0) -> int:
        found = chat_ids.get(jid)
        if found is None:
            cursor = conn.execute("INSERT INTO chat (jid_row_id, hidden, subject, created_timestamp, archived, "
                                  "group_type) VALUES (?, 0, ?, ?, 0, 0)", (jids.row(jid), subject, created))
            found = chat_ids[jid] = cursor.lastrowid
        return found

    for chat in chats:
        chat_row(chat.jid, chat.subject, chat.created_ms)
        for member in chat.participants:
            conn.execute("INSERT INTO group_participant_user (group_jid_row_id, user_jid_row_id, rank, pending) "
                         "VALUES (?, ?, 0, 0)", (jids.row(chat.jid), jids.row(member)))
    rows, media, system, receipts = [], [], [], []
    last: dict[int, tuple[int, int]] = {}
    next_id = 1
    for index, message in enumerate(messages):
        chat = chat_row(message.chat)
        group = message.chat.endswith("@" + GROUP_SERVER)
        status = message.status if message.status is not None else (
            STATUS_READ if message.from_me and message.read_ms else
            STATUS_DELIVERED if message.from_me and message.delivered_ms else
            STATUS_SENT if message.from_me else 0)
        sender = jids.row(message.sender) if (group and not message.from_me) else 0
        rows.append((next_id, chat, int(message.from_me), message.key_id or _key_id(index), sender, status, 0,
                     (1 if group else 0), None, 0, 0, message.timestamp_ms, message.received_ms,
                     message.timestamp_ms if message.from_me else 0, message.message_type, message.text, 0, 0,
                     next_id, 0))
        if message.media is not None:
            m = message.media
            media.append((next_id, chat, m.file_path, m.size or 0, m.mime_type, m.size, m.name, m.file_hash,
                          m.duration_s or 0, m.caption))
        if message.message_type == SYSTEM:
            system.append((next_id, message.action_type if message.action_type is not None else 0))
        if message.from_me and (message.delivered_ms or message.read_ms):
            target = jids.row(message.chat) if not group else sender
            receipts.append((next_id, target, message.delivered_ms, message.read_ms, 0))
        last[chat] = (next_id, message.timestamp_ms)
        next_id += 1
        if len(rows) >= BATCH:
            _flush_new(conn, rows, media, system, receipts)
    _flush_new(conn, rows, media, system, receipts)
    for chat, (message_id, stamp) in sorted(last.items()):
        conn.execute("UPDATE chat SET last_message_row_id = ?, display_message_row_id = ?, sort_timestamp = ? "
                     "WHERE _id = ?", (message_id, message_id, stamp, chat))
    for index, call in enumerate(calls):
        conn.execute("INSERT INTO call_log (jid_row_id, from_me, call_id, transaction_id, timestamp, video_call, "
                     "duration, call_result, is_dnd_mode_on, bytes_transferred, group_jid_row_id, "
                     "is_joinable_group_call, call_creator_device_jid_row_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, 0, 0)",
                     (jids.row(call.jid), int(call.from_me), call.call_id or f"call:{index:08X}", index,
                      call.timestamp_ms, int(call.video), call.duration_s, call.result, call.duration_s * 4000))
    for lid, phone_jid in sorted(lid_map.items()):
        conn.execute("INSERT INTO jid_map (lid_row_id, jid_row_id) VALUES (?, ?)", (jids.row(lid), jids.row(phone_jid)))
    _close(conn)
    return path


def _flush_new(conn, rows, media, system, receipts) -> None:
    conn.executemany("INSERT INTO message (_id, chat_row_id, from_me, key_id, sender_jid_row_id, status, broadcast, "
                     "recipient_count, participant_hash, origination_flags, origin, timestamp, received_timestamp, "
                     "receipt_server_timestamp, message_type, text_data, starred, lookup_tables, sort_id, "
                     "message_add_on_flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     rows)
    conn.executemany("INSERT INTO message_media (message_row_id, chat_row_id, file_path, file_size, mime_type, "
                     "file_length, media_name, file_hash, media_duration, media_caption, transferred) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", media)
    conn.executemany("INSERT INTO message_system (message_row_id, action_type) VALUES (?, ?)", system)
    conn.executemany("INSERT INTO receipt_user (message_row_id, receipt_user_jid_row_id, receipt_timestamp, "
                     "read_timestamp, played_timestamp) VALUES (?, ?, ?, ?, ?)", receipts)
    for batch in (rows, media, system, receipts):
        batch.clear()


# --- msgstore.db, legacy schema -----------------------------------------------------------------

def _build_legacy(path: Path, messages, calls, chats, props) -> Path:
    conn = _fresh(path, LEGACY_SCHEMA)
    conn.executemany("INSERT INTO props (key, value) VALUES (?, ?)", sorted(props.items()))
    # WhatsApp keeps a placeholder row at _id 1; it is not a message.
    conn.execute("INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, status, needs_push, timestamp, "
                 "media_wa_type) VALUES (1, '-1', 0, '-1', -1, 0, 0, '0')")
    subjects = {chat.jid: chat for chat in chats}
    for chat in subjects.values():
        for member in chat.participants:
            conn.execute("INSERT INTO group_participants (gjid, jid, admin, pending, sent_sender_key) "
                         "VALUES (?, ?, 0, 0, 0)", (chat.jid, member))
    listed: dict[str, tuple[int, int]] = {}
    rows = []
    next_id = 2

    def legacy_row(index: int, message: WaMessage | None, call: WaCall | None) -> tuple:
        if call is not None:
            kind = MISSED_CALL if call.result in (CALL_MISSED, CALL_REJECTED, CALL_UNAVAILABLE) and not call.from_me \
                else CALL
            return (call.jid, int(call.from_me), _key_id(index), 6 if not call.from_me else 5, None,
                    call.timestamp_ms, None, None, str(kind), 0, None, "video" if call.video else "audio", None,
                    call.duration_s, None, call.timestamp_ms, 0, 0, 0, 0)
        m = message.media
        status = message.status if message.status is not None else (
            13 if message.from_me and message.read_ms else 5 if message.from_me and message.delivered_ms else
            4 if message.from_me else 0)
        if message.message_type == SYSTEM:
            status = 6   # system rows: status 6, media_wa_type 0, media_size = the action
        group = message.chat.endswith("@" + GROUP_SERVER)
        return (message.chat, int(message.from_me), message.key_id or _key_id(index), status,
                message.text, message.timestamp_ms, m.mime_type if m else None, m.size if m else
                (message.action_type if message.message_type == SYSTEM else 0),
                str(0 if message.message_type == SYSTEM else message.message_type), 0,
                m.name if m else None, m.caption if m else None, m.file_hash if m else None,
                m.duration_s if m else 0, (message.sender if group and not message.from_me else None),
                message.received_ms, message.timestamp_ms if message.from_me else 0,
                message.delivered_ms, message.read_ms, (1 if group else 0))

    for index, item in enumerate(_merge(messages, calls)):
        message, call = (item, None) if isinstance(item, WaMessage) else (None, item)
        values = legacy_row(index, message, call)
        rows.append((next_id,) + values)
        jid = values[0]
        listed[jid] = (next_id, values[5])
        next_id += 1
        if len(rows) >= BATCH:
            _flush_legacy(conn, rows)
    _flush_legacy(conn, rows)
    for jid in sorted(set(listed) | set(subjects)):
        message_id, stamp = listed.get(jid, (None, 0))
        chat = subjects.get(jid)
        conn.execute("INSERT INTO chat_list (key_remote_jid, message_table_id, subject, creation, archived, "
                     "sort_timestamp) VALUES (?, ?, ?, ?, 0, ?)",
                     (jid, message_id, chat.subject if chat else None, chat.created_ms if chat else None, stamp))
    _close(conn)
    return path


def _merge(messages: Iterable[WaMessage], calls: Iterable[WaCall]):
    """Messages in the order given, with the calls placed by time (legacy stores keep calls as
    message rows)."""
    pending = sorted(calls, key=lambda call: call.timestamp_ms)
    for message in messages:
        while pending and pending[0].timestamp_ms <= message.timestamp_ms:
            yield pending.pop(0)
        yield message
    yield from pending


def _flush_legacy(conn, rows) -> None:
    conn.executemany("INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, status, data, timestamp, "
                     "media_mime_type, media_size, media_wa_type, needs_push, media_name, media_caption, "
                     "media_hash, media_duration, remote_resource, received_timestamp, send_timestamp, "
                     "receipt_device_timestamp, read_device_timestamp, recipient_count) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    rows.clear()


# --- wa.db and preferences ------------------------------------------------------------------------

def build_wa_db(path: Path, contacts: Iterable[WaContact]) -> Path:
    """Write ``wa.db`` with one ``wa_contacts`` row per contact."""
    conn = _fresh(Path(path), WA_SCHEMA)
    for contact in contacts:
        number = contact.number
        conn.execute("INSERT INTO wa_contacts (jid, is_whatsapp_user, status, status_timestamp, number, "
                     "raw_contact_id, display_name, given_name, family_name, wa_name, sort_name, unseen_msg_count) "
                     "VALUES (?, ?, ?, 0, ?, NULL, ?, ?, ?, ?, ?, 0)",
                     (contact.jid, int(contact.is_whatsapp_user), contact.status, number, contact.display_name,
                      contact.given_name, contact.family_name, contact.wa_name, contact.display_name))
    _close(conn)
    return Path(path)


@dataclass(frozen=True, kw_only=True)
class WaOwner:
    country_code: str                 # "49"
    phone: str                        # national number without the country code, "1701234567"
    push_name: str | None = None
    status: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def build_preferences(path: Path, owner: WaOwner) -> Path:
    """Write ``com.whatsapp_preferences_light.xml`` (Android SharedPreferences XML) with the keys
    ALEAPP documents for the owner: ``push_name``, ``my_current_status``, ``cc`` and ``ph``."""
    values = {"cc": owner.country_code, "ph": owner.phone}
    if owner.push_name is not None:
        values["push_name"] = owner.push_name
    if owner.status is not None:
        values["my_current_status"] = owner.status
    values.update(owner.extra)
    lines = ["<?xml version='1.0' encoding='utf-8' standalone='yes' ?>", "<map>"]
    for key in sorted(values):
        lines.append(f'    <string name="{escape(key)}">{escape(values[key])}</string>')
    lines.append('    <boolean name="registration_success" value="true" />')
    lines.append("</map>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
