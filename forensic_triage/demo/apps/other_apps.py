"""Stores of further messengers with their real table and column names, written from simple
Python data (lists of dicts; a missing key takes the app's default). Tests and the demo use them;
nothing here is copied from a device or the corpus.

Builders (schema sources are named in the plugins' docstrings):

- ``build_skype_main``: Skype legacy ``main.db`` (``Accounts``, ``Contacts``, ``Conversations``,
  ``Participants``, ``Chats``, ``Messages``, ``SMSes``, ``Transfers``, ``Calls``, ``CallMembers``).
- ``build_skype_s4l``: Skype 8 ``s4l-<user>.db`` (``messagesv12``, ``conversationsv14``,
  ``profilecachev8``, ``internaldata``; JSON in ``nsp_data``).
- ``build_hangouts``: Google Hangouts ``babel.db``.
- ``build_burner``: Burner ``*.sqlite``; ``build_callscreen``: Google Call Screen
  ``callscreen_transcripts`` (``Transcript`` rows with protobuf ``conversation`` blobs).
- ``build_fb_messenger`` (``threads_db2`` and its ``threads_db2-uid`` file),
  ``build_instagram_direct`` (``direct.db``), ``build_kik`` (``kik.sqlite``), ``build_viber``
  (``viber_messages``), ``build_imo`` (``IMODb2.sqlite``), ``build_tango`` (``tc.db``),
  ``build_textnow`` (``textnow_data.db``), ``build_google_voice_ios`` (``threadingStore.sqlite``),
  ``build_google_voice_android`` (``LegacyMsgDbInstance.db``), ``build_teams``
  (``SkypeSpacesDogfood-*.sqlite``), ``build_discord_cache`` (``Cache.db`` plus
  ``fsCachedData/<UUID>`` JSON files).
- Damage for bad-input tests: ``truncate``, ``damage_header``, ``scramble`` (what an encrypted
  database looks like without its key). ``RawText(b"...")`` stores bytes as a TEXT value (e.g.
  invalid UTF-8).

Times are given as each app stores them (the builders never convert).
"""

from __future__ import annotations

import base64
import hashlib
import json
import plistlib
import sqlite3
import struct
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path


class RawText(bytes):
    """Bytes to store as a TEXT value exactly as given (for invalid UTF-8 and similar damage)."""


def _fresh(path: Path, schema: str) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    return conn


def _close(conn: sqlite3.Connection) -> None:
    conn.commit()
    conn.close()


def _insert(conn: sqlite3.Connection, table: str, row: Mapping) -> int:
    columns = list(row)
    marks = ["CAST(? AS TEXT)" if isinstance(row[c], RawText) else "?" for c in columns]
    values = [bytes(row[c]) if isinstance(row[c], RawText) else row[c] for c in columns]
    cursor = conn.execute(f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
                          f'VALUES ({", ".join(marks)})', values)
    return cursor.lastrowid


def _rows(conn: sqlite3.Connection, table: str, rows: Iterable[Mapping] | None, defaults: Mapping | None = None):
    """Insert rows over the defaults; a default the table has no column for (an older or newer
    schema given to the builder) is left out, a row's own key never is."""
    have = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
    kept = {key: value for key, value in (defaults or {}).items() if key in have}
    for row in rows or ():
        _insert(conn, table, {**kept, **row})


# --- damage ------------------------------------------------------------------------------------------

def truncate(path: Path, keep: int) -> Path:
    """Cut a database file to its first ``keep`` bytes (a partial copy)."""
    data = Path(path).read_bytes()[:keep]
    Path(path).write_bytes(data)
    return Path(path)


def damage_header(path: Path) -> Path:
    """Overwrite the 100-byte SQLite header with garbage."""
    data = bytearray(Path(path).read_bytes())
    data[:100] = bytes((i * 37 + 11) % 256 for i in range(100))
    Path(path).write_bytes(bytes(data))
    return Path(path)


def scramble(path: Path, key: bytes = b"no key") -> Path:
    """Replace a database's bytes with a keyed pseudo-random stream of the same size: what an
    SQLCipher database looks like to a reader without the key."""
    data = Path(path).read_bytes()
    stream = bytearray()
    counter = 0
    while len(stream) < len(data):
        stream += hashlib.sha256(key + counter.to_bytes(8, "big")).digest()
        counter += 1
    Path(path).write_bytes(bytes(a ^ b for a, b in zip(data, stream)))
    return Path(path)


# --- protobuf writer (for Call Screen, Tango, Google Voice) -----------------------------------------

def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def protobuf(fields: Sequence[tuple[int, int | str | bytes | float | Sequence]]) -> bytes:
    """Encode (field number, value) pairs: int as varint, str/bytes as length-delimited, float as
    fixed32, a list of pairs as a nested message."""
    out = bytearray()
    for number, value in fields:
        if isinstance(value, (bool, int)):
            out += _varint(number << 3) + _varint(int(value))
        elif isinstance(value, float):
            out += _varint(number << 3 | 5) + struct.pack("<f", value)
        elif isinstance(value, (str, bytes)):
            raw = value.encode("utf-8") if isinstance(value, str) else value
            out += _varint(number << 3 | 2) + _varint(len(raw)) + raw
        else:
            raw = protobuf(value)
            out += _varint(number << 3 | 2) + _varint(len(raw)) + raw
    return bytes(out)


# --- Skype main.db -------------------------------------------------------------------------------------

SKYPE_MAIN_SCHEMA = """
CREATE TABLE DbMeta (key TEXT NOT NULL PRIMARY KEY, value TEXT);
CREATE TABLE AppSchemaVersion (ClientVersion TEXT NOT NULL, SQLiteSchemaVersion INTEGER NOT NULL,
  SchemaUpdateType INTEGER NOT NULL);
CREATE TABLE Accounts (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, status INTEGER, skypename TEXT,
  pstnnumber TEXT, fullname TEXT, birthday INTEGER, gender INTEGER, languages TEXT, country TEXT, province TEXT,
  city TEXT, phone_home TEXT, phone_office TEXT, phone_mobile TEXT, emails TEXT, homepage TEXT, about TEXT,
  profile_timestamp INTEGER, displayname TEXT, given_displayname TEXT, mood_text TEXT, timezone INTEGER,
  lastonline_timestamp INTEGER, lastused_timestamp INTEGER, registration_timestamp INTEGER,
  liveid_membername TEXT, type INTEGER);
CREATE TABLE Contacts (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, type INTEGER, skypename TEXT,
  pstnnumber TEXT, aliases TEXT, fullname TEXT, birthday INTEGER, gender INTEGER, languages TEXT, country TEXT,
  province TEXT, city TEXT, phone_home TEXT, phone_office TEXT, phone_mobile TEXT, emails TEXT, hashed_emails TEXT,
  homepage TEXT, about TEXT, avatar_image BLOB, mood_text TEXT, profile_timestamp INTEGER, displayname TEXT,
  given_displayname TEXT, assigned_phone1 TEXT, assigned_phone1_label TEXT, assigned_phone2 TEXT,
  assigned_phone2_label TEXT, assigned_phone3 TEXT, assigned_phone3_label TEXT, buddystatus INTEGER,
  isauthorized INTEGER, isblocked INTEGER, lastonline_timestamp INTEGER, lastused_timestamp INTEGER,
  main_phone TEXT);
CREATE TABLE Conversations (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, identity TEXT, type INTEGER,
  live_host TEXT, live_start_timestamp INTEGER, given_displayname TEXT, displayname TEXT, inbox_timestamp INTEGER,
  last_activity_timestamp INTEGER, creator TEXT, creation_timestamp INTEGER, my_status INTEGER, meta_name TEXT,
  meta_topic TEXT, dialog_partner TEXT, chat_dbid INTEGER);
CREATE TABLE Participants (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, convo_id INTEGER,
  identity TEXT, rank INTEGER, requested_rank INTEGER, text_status INTEGER, voice_status INTEGER,
  video_status INTEGER, live_identity TEXT, adder TEXT, real_identity TEXT);
CREATE TABLE Chats (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, name TEXT, options INTEGER,
  friendlyname TEXT, description TEXT, timestamp INTEGER, activity_timestamp INTEGER, dialog_partner TEXT,
  adder TEXT, type INTEGER, mystatus INTEGER, myrole INTEGER, posters TEXT, participants TEXT, applicants TEXT,
  banned_users TEXT, name_text TEXT, topic TEXT, topic_xml TEXT, guidelines TEXT, activemembers TEXT,
  conv_dbid INTEGER);
CREATE TABLE ChatMembers (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, chatname TEXT, identity TEXT,
  role INTEGER, is_active INTEGER, cur_activities INTEGER, adder TEXT);
CREATE TABLE Messages (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, convo_id INTEGER, chatname TEXT,
  author TEXT, from_dispname TEXT, author_was_live INTEGER, guid BLOB, dialog_partner TEXT, timestamp INTEGER,
  type INTEGER, sending_status INTEGER, consumption_status INTEGER, edited_by TEXT, edited_timestamp INTEGER,
  param_key INTEGER, param_value INTEGER, body_xml TEXT, identities TEXT, reason TEXT, leavereason INTEGER,
  participant_count INTEGER, error_code INTEGER, chatmsg_type INTEGER, chatmsg_status INTEGER,
  body_is_rawxml INTEGER, oldoptions INTEGER, newoptions INTEGER, newrole INTEGER, pk_id INTEGER, crc INTEGER,
  remote_id INTEGER, call_guid TEXT, extprop_contact_review_date TEXT, extprop_contact_received_stamp INTEGER,
  extprop_contact_reviewed INTEGER);
CREATE TABLE SMSes (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, type INTEGER,
  outgoing_reply_type INTEGER, status INTEGER, failurereason INTEGER, is_failed_unseen INTEGER, timestamp INTEGER,
  price INTEGER, price_precision INTEGER, price_currency TEXT, reply_to_number TEXT, target_numbers TEXT,
  target_statuses BLOB, body TEXT, chatmsg_id INTEGER, identity TEXT, notification_id INTEGER, event_flags INTEGER,
  reply_id_number TEXT, convo_name TEXT, extprop_hide_from_history INTEGER, extprop_extended INTEGER);
CREATE TABLE Transfers (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, type INTEGER, partner_handle TEXT,
  partner_dispname TEXT, status INTEGER, failurereason INTEGER, starttime INTEGER, finishtime INTEGER,
  filepath TEXT, filename TEXT, filesize TEXT, bytestransferred TEXT, bytespersecond INTEGER, chatmsg_guid BLOB,
  chatmsg_index INTEGER, convo_id INTEGER, pk_id INTEGER, nodeid BLOB, last_activity INTEGER, flags INTEGER,
  old_status INTEGER, old_filepath INTEGER, accepttime INTEGER, parent_id INTEGER, offer_send_list TEXT,
  extprop_localfilename TEXT, extprop_hide_from_history INTEGER, extprop_window_visible INTEGER,
  extprop_handled_by_chat INTEGER);
CREATE TABLE Calls (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, begin_timestamp INTEGER, topic TEXT,
  is_muted INTEGER, is_unseen_missed INTEGER, host_identity TEXT, mike_status INTEGER, duration INTEGER,
  soundlevel INTEGER, access_token TEXT, active_members INTEGER, is_active INTEGER, name TEXT,
  video_disabled INTEGER, joined_existing INTEGER, server_identity TEXT, vaa_input_status INTEGER,
  is_incoming INTEGER, is_conference INTEGER, is_on_hold INTEGER, start_timestamp INTEGER, quality_problems TEXT,
  current_video_audience TEXT, premium_video_status INTEGER, premium_video_is_grace_period INTEGER,
  is_premium_video_sponsor INTEGER, premium_video_sponsor_list TEXT, old_members BLOB, partner_handle TEXT,
  partner_dispname TEXT, type INTEGER, status INTEGER, failurereason INTEGER, failurecode INTEGER,
  pstn_number TEXT, old_duration INTEGER, conf_participants BLOB, pstn_status TEXT, members BLOB,
  conv_dbid INTEGER);
CREATE TABLE CallMembers (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, identity TEXT, dispname TEXT,
  languages TEXT, call_duration INTEGER, price_per_minute INTEGER, price_precision INTEGER, price_currency TEXT,
  payment_category TEXT, type INTEGER, status INTEGER, failurereason INTEGER, sounderror_code INTEGER,
  soundlevel INTEGER, pstn_statustext TEXT, pstn_feedback TEXT, forward_targets TEXT, forwarded_by TEXT,
  debuginfo TEXT, videostatus INTEGER, target_identity TEXT, mike_status INTEGER, is_read_only INTEGER,
  quality_status INTEGER, call_name TEXT, transfer_status INTEGER, transfer_active INTEGER, transferred_by TEXT,
  transferred_to TEXT, guid TEXT, next_redial_time INTEGER, nrof_redials_done INTEGER, nrof_redials_left INTEGER,
  transfer_topic TEXT, real_identity TEXT, start_timestamp INTEGER, is_conference INTEGER, quality_problems TEXT,
  identity_type INTEGER, country TEXT, creation_timestamp INTEGER, stats_xml TEXT, call_db_id INTEGER);
CREATE TABLE Voicemails (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, type INTEGER,
  partner_handle TEXT, partner_dispname TEXT, status INTEGER, failurereason INTEGER, subject TEXT,
  timestamp INTEGER, duration INTEGER, allowed_duration INTEGER, playback_progress INTEGER, convo_id INTEGER,
  chatmsg_guid BLOB, notification_id INTEGER, flags INTEGER, size INTEGER, path TEXT, failures INTEGER,
  vflags INTEGER, xmsg TEXT, extprop_hide_from_history INTEGER);
"""

# Messages.type (SkypeKit Message::TYPE)
SKYPE_POSTED_TEXT, SKYPE_POSTED_SMS, SKYPE_POSTED_FILES, SKYPE_GRANTED_AUTH = 61, 64, 68, 51


def build_skype_main(path: Path, *, accounts: Sequence[Mapping] = (), contacts: Sequence[Mapping] = (),
                     conversations: Sequence[Mapping] = (), participants: Sequence[Mapping] = (),
                     chats: Sequence[Mapping] = (), messages: Sequence[Mapping] = (), smses: Sequence[Mapping] = (),
                     transfers: Sequence[Mapping] = (), calls: Sequence[Mapping] = (),
                     call_members: Sequence[Mapping] = (), schema: str = SKYPE_MAIN_SCHEMA) -> Path:
    conn = _fresh(path, schema)
    conn.execute("INSERT INTO DbMeta VALUES ('cur_schema_name', 'base 1.0')")
    conn.execute("INSERT INTO AppSchemaVersion VALUES ('0/6.6.0.106//', 66, 3)")
    _rows(conn, "Accounts", accounts, {"is_permanent": 1, "type": 1})
    _rows(conn, "Contacts", contacts, {"is_permanent": 1, "type": 1})
    _rows(conn, "Conversations", conversations, {"is_permanent": 1, "type": 1})
    _rows(conn, "Participants", participants, {"is_permanent": 1, "rank": 3})
    _rows(conn, "Chats", chats, {"is_permanent": 1, "type": 2})
    _rows(conn, "Messages", messages, {"is_permanent": 1, "type": SKYPE_POSTED_TEXT, "chatmsg_type": 3})
    _rows(conn, "SMSes", smses, {"is_permanent": 1, "type": 2, "status": 6})
    _rows(conn, "Transfers", transfers, {"is_permanent": 1, "type": 2})
    _rows(conn, "Calls", calls, {"is_permanent": 1, "is_incoming": 0})
    _rows(conn, "CallMembers", call_members, {"is_permanent": 1, "type": 1})
    _close(conn)
    return Path(path)


def skype_main_sample(path: Path) -> Path:
    """A small main.db: owner ``alice.owner``, contact ``bob.builder``, a 1:1 chat with HTML in a
    body, an outgoing SMS, a sent file and an answered video call."""
    chat = "#alice.owner/$bob.builder;0011aabb"
    return build_skype_main(
        path,
        accounts=[{"id": 1, "skypename": "alice.owner", "fullname": "Alice Owner", "emails": "alice@example.org",
                   "phone_mobile": "+441632960001"}],
        contacts=[{"id": 2, "skypename": "bob.builder", "fullname": "Bob Builder", "displayname": "Bob",
                   "phone_mobile": "07700 900123", "emails": "bob@example.org"}],
        conversations=[{"id": 10, "identity": "bob.builder", "displayname": "Bob Builder"}],
        participants=[{"convo_id": 10, "identity": "bob.builder"}, {"convo_id": 10, "identity": "alice.owner"}],
        chats=[{"id": 20, "name": chat, "friendlyname": "Bob Builder", "participants": "alice.owner bob.builder",
                "conv_dbid": 10}],
        messages=[
            {"id": 100, "convo_id": 10, "chatname": chat, "author": "alice.owner", "from_dispname": "Alice Owner",
             "timestamp": 1_600_000_000, "body_xml": "Hi &amp; welcome, see <a href=\"https://example.org/x\">"
             "https://example.org/x</a>", "guid": b"\x01" * 16},
            {"id": 101, "convo_id": 10, "chatname": chat, "author": "bob.builder", "from_dispname": "Bob",
             "timestamp": 1_600_000_060, "body_xml": "<b>bold</b> &lt;script&gt;alert(1)&lt;/script&gt;",
             "guid": b"\x02" * 16},
            {"id": 102, "convo_id": 10, "chatname": chat, "author": "alice.owner", "timestamp": 1_600_000_120,
             "type": SKYPE_POSTED_SMS, "identities": "+447700900123",
             "body_xml": "<sms alt=\"Meet at 6\"><type>2</type><status>6</status><targets><target status=\"6\">"
                         "+447700900123</target></targets><body><chunk id=\"0\">Meet at 6</chunk></body>"
                         "<encoded_body>Meet at 6</encoded_body></sms>", "guid": b"\x03" * 16},
            {"id": 103, "convo_id": 10, "chatname": chat, "author": "alice.owner", "timestamp": 1_600_000_180,
             "type": SKYPE_POSTED_FILES, "guid": b"\x04" * 16,
             "body_xml": "<files alt=\"\"><file size=\"1234\" index=\"0\" tid=\"7\">plan.pdf</file></files>"},
        ],
        smses=[{"id": 200, "type": 2, "timestamp": 1_600_000_121, "target_numbers": "+447700900123",
                "body": "Meet at 6", "chatmsg_id": 102}],
        transfers=[{"id": 300, "type": 2, "partner_handle": "bob.builder", "partner_dispname": "Bob", "status": 8,
                    "starttime": 1_600_000_180, "finishtime": 1_600_000_190, "filepath": "C:/Users/alice/plan.pdf",
                    "filename": "plan.pdf", "filesize": "1234", "chatmsg_guid": b"\x04" * 16, "convo_id": 10}],
        calls=[{"id": 400, "begin_timestamp": 1_600_000_300, "host_identity": "alice.owner", "is_incoming": 0,
                "is_unseen_missed": 0, "conv_dbid": 10}],
        call_members=[{"identity": "bob.builder", "dispname": "Bob", "call_duration": 75, "videostatus": 3,
                       "start_timestamp": 1_600_000_305, "call_db_id": 400}],
    )


# --- Skype s4l-*.db ------------------------------------------------------------------------------------

SKYPE_S4L_SCHEMA = """
CREATE TABLE internaldata (nsp_pk TEXT PRIMARY KEY, nsp_data TEXT);
CREATE TABLE profilecachev8 (nsp_pk TEXT PRIMARY KEY, nsp_data TEXT);
CREATE TABLE conversationsv14 (nsp_pk TEXT PRIMARY KEY, nsp_data TEXT, nsp_i_sortorder INTEGER);
CREATE TABLE messagesv12 (nsp_pk TEXT PRIMARY KEY, nsp_data TEXT, nsp_i_convidcreatedtime TEXT);
"""


def build_skype_s4l(path: Path, *, skype_name: str | None = "live:alice", profiles: Sequence[Mapping] = (),
                    conversations: Sequence[Mapping] = (), messages: Sequence[Mapping | RawText | str] = ()) -> Path:
    """``messages`` are the JSON documents (dicts) of ``messagesv12.nsp_data``; a str or RawText is
    stored as is (for damaged rows)."""
    conn = _fresh(path, SKYPE_S4L_SCHEMA)
    if skype_name:
        _insert(conn, "internaldata", {"nsp_pk": "Cpriv_prefs_v2",
                                       "nsp_data": json.dumps({"value": {"skypeName": skype_name}})})
    for profile in profiles:
        _insert(conn, "profilecachev8", {"nsp_pk": "P" + profile["mri"], "nsp_data": json.dumps(profile)})
    for conv in conversations:
        _insert(conn, "conversationsv14", {"nsp_pk": "C" + conv["id"], "nsp_data": json.dumps({"conv": conv})})
    for index, message in enumerate(messages):
        data = message if isinstance(message, (str, RawText)) else json.dumps(message)
        key = message.get("cuid", str(index)) if isinstance(message, Mapping) else f"bad{index}"
        _insert(conn, "messagesv12", {"nsp_pk": "M" + key, "nsp_data": data})
    _close(conn)
    return Path(path)


# --- Google Hangouts babel.db -------------------------------------------------------------------------

HANGOUTS_SCHEMA = """
CREATE TABLE android_metadata (locale TEXT);
CREATE TABLE blocked_people (_id INTEGER PRIMARY KEY, gaia_id TEXT, chat_id TEXT, name TEXT,
  profile_photo_url TEXT, UNIQUE (chat_id) ON CONFLICT REPLACE, UNIQUE (gaia_id) ON CONFLICT REPLACE);
CREATE TABLE conversations (_id INTEGER PRIMARY KEY, conversation_id TEXT, conversation_type INT,
  latest_message_timestamp INT DEFAULT(0), latest_message_expiration_timestamp INT, metadata_present INT,
  notification_level INT, name TEXT, generated_name TEXT, snippet_type INT, snippet_text TEXT, status INT,
  view INT, inviter_gaia_id TEXT, inviter_chat_id TEXT, account_id INT, is_otr INT, self_watermark INT DEFAULT(0),
  chat_watermark INT DEFAULT(0), transport_type INT DEFAULT(1), default_transport_phone TEXT,
  UNIQUE (conversation_id ));
CREATE TABLE conversation_participants (_id INTEGER PRIMARY KEY, participant_row_id INT, participant_type INT,
  conversation_id TEXT, sequence INT, active INT, invitation_status INT DEFAULT(0),
  UNIQUE (conversation_id,participant_row_id) ON CONFLICT REPLACE);
CREATE TABLE participants (_id INTEGER PRIMARY KEY, participant_type INT DEFAULT 1, gaia_id TEXT, chat_id TEXT,
  phone_id TEXT, circle_id TEXT, first_name TEXT, full_name TEXT, fallback_name TEXT, profile_photo_url TEXT,
  batch_gebi_tag STRING DEFAULT('-1'), blocked INT DEFAULT(0), in_users_domain BOOLEAN,
  UNIQUE (circle_id) ON CONFLICT REPLACE, UNIQUE (chat_id) ON CONFLICT REPLACE, UNIQUE (gaia_id) ON CONFLICT REPLACE);
CREATE TABLE messages (_id INTEGER PRIMARY KEY, message_id TEXT, message_type INT, conversation_id TEXT,
  author_chat_id TEXT, author_gaia_id TEXT, text TEXT, timestamp INT, delete_after_read_timetamp INT, status INT,
  type INT, local_url TEXT, remote_url TEXT, attachment_content_type TEXT, width_pixels INT, height_pixels INT,
  stream_id TEXT, image_id TEXT, album_id TEXT, latitude DOUBLE, longitude DOUBLE, address ADDRESS,
  notification_level INT, expiration_timestamp INT, notified_for_failure INT DEFAULT(0),
  off_the_record INT DEFAULT(0), transport_type INT NOT NULL DEFAULT(1), transport_phone TEXT, external_ids TEXT,
  sms_timestamp_sent INT DEFAULT(0), sms_priority INT DEFAULT(0), sms_message_size INT DEFAULT(0),
  mms_subject TEXT, sms_raw_sender TEXT, sms_raw_recipients TEXT, persisted INT DEFAULT(1),
  sms_message_status INT DEFAULT(-1), sms_type INT DEFAULT(-1), stream_url TEXT, attachment_target_url TEXT,
  attachment_name TEXT, image_rotation INT DEFAULT (0), new_conversation_name TEXT, participant_keys TEXT,
  forwarded_mms_url TEXT, forwarded_mms_count INT DEFAULT(0), attachment_description TEXT,
  attachment_target_url_description TEXT, attachment_target_url_name TEXT, attachment_blob_data BLOB,
  attachment_uploading_progress INT DEFAULT(0), sending_error INT DEFAULT(0), stream_expiration INT,
  voicemail_length INT DEFAULT (0), call_media_type INT DEFAULT(0), last_seen_timestamp INT DEFAULT(0),
  observed_status INT DEFAULT(2), receive_type INT DEFAULT(0), init_timestamp INT DEFAULT(0),
  in_app_msg_latency INT DEFAULT(0), notified INT DEFAULT(0), alert_in_conversation_list INT DEFAULT(0),
  attachments BLOB, is_user_mentioned INT DEFAULT(0), local_id TEXT, request_task_row_id INT DEFAULT(-1),
  UNIQUE (conversation_id,message_id) ON CONFLICT REPLACE);
CREATE TABLE multipart_attachments (_id INTEGER PRIMARY KEY, message_id TEXT, conversation_id TEXT, url TEXT,
  content_type TEXT, width INT, height INT);
CREATE TABLE recent_calls (_id INTEGER PRIMARY KEY, normalized_number TEXT NOT NULL, phone_number TEXT,
  contact_id TEXT, call_timestamp INT, call_type INT, contact_type INT, call_rate TEXT, is_free_call BOOLEAN);
"""


def build_hangouts(path: Path, *, participants: Sequence[Mapping] = (), conversations: Sequence[Mapping] = (),
                   members: Sequence[tuple[str, int]] = (), messages: Sequence[Mapping] = (),
                   multipart: Sequence[Mapping] = (), schema: str = HANGOUTS_SCHEMA) -> Path:
    """``members`` are (conversation_id, participants._id) pairs; ``messages`` type 1 = sent by the
    owner, 2 = received; timestamps in microseconds."""
    conn = _fresh(path, schema)
    conn.execute("INSERT INTO android_metadata VALUES ('en_US')")
    _rows(conn, "participants", participants)
    _rows(conn, "conversations", conversations, {"conversation_type": 1})
    for index, (conversation, row_id) in enumerate(members):
        _insert(conn, "conversation_participants", {"conversation_id": conversation, "participant_row_id": row_id,
                                                    "sequence": index, "active": 1})
    _rows(conn, "messages", messages, {"status": 4})
    _rows(conn, "multipart_attachments", multipart)
    _close(conn)
    return Path(path)


# --- Burner and Google Call Screen ------------------------------------------------------------------

BURNER_SCHEMA = """
CREATE TABLE android_metadata (locale TEXT);
CREATE TABLE messages(_id integer primary key autoincrement, message_id text not null unique, state integer default 0,
  message text not null, contact_phone_number text not null, connected integer default 0,
  message_type integer not null, contact_burner_id text, voice_url text, date_created integer not null,
  last_updated_date integer not null, read integer default 0, user_id text not null, sid text,
  burner_id text not null, duration integer, direction integer not null, asset_url text,
  send_status integer default 0 );
CREATE TABLE burners(_id integer primary key autoincrement, burner_id text not null unique,
  phone_number_id text not null, voicemail_url text, user_id text not null, name text, alias text,
  features text not null, total_minutes integer not null, remaining_minutes integer not null,
  total_texts integer not null, remaining_texts integer not null, expiration_date integer not null,
  ringer integer default 1, notifications integer default 1, disabled integer default 0,
  date_created integer not null, last_updated_date integer, extension_count integer default 0,
  renewal_date integer default 0, auto_reply_active integer default 0, auto_reply_text text,
  caller_id_enabled integer default 0, useSip integer default 0, hexColor integer, call_forward_status text);
CREATE TABLE contacts(_id integer primary key autoincrement, contact_id text not null unique, name text not null,
  phone_number text not null, burner_id text, date_created integer not null, last_updated_date integer not null,
  blocked integer default 0, muted integer default 0, notes text, images text);
CREATE TABLE connections(_id integer primary key autoincrement, user_id integer not null,
  burner_id integer not null, name  text, handle text, image_url text, service_name text not null, status text);
CREATE TABLE subscriptions(_id integer primary key autoincrement, subscription_id text not null unique,
  sku text not null, receipt text not null, burner_ids text, renewal_date  integer,
  burner_assigned_in_period integer, store text not null,canceled integer not null, cancellation_date integer);
"""
BURNER_IN, BURNER_OUT = 1, 2
BURNER_VOICE, BURNER_TEXT = 1, 2


def build_burner(path: Path, *, burners: Sequence[Mapping] = (), contacts: Sequence[Mapping] = (),
                 messages: Sequence[Mapping] = (), schema: str = BURNER_SCHEMA) -> Path:
    """Rows of ``burners`` (``burner_id``, ``phone_number_id``, ``name``), ``contacts`` (``name``,
    ``phone_number``) and ``messages`` (``message``, ``contact_phone_number``, ``direction``,
    ``message_type``, ``state``, ``date_created`` in ms, ``duration``, ``asset_url``, ...)."""
    conn = _fresh(path, schema)
    conn.execute("INSERT INTO android_metadata VALUES ('en_US')")
    for index, row in enumerate(burners):
        _insert(conn, "burners", {"user_id": "user-1", "features": "[]", "total_minutes": 50,
                                  "remaining_minutes": 50, "total_texts": 100, "remaining_texts": 100,
                                  "expiration_date": 0, "date_created": 0, **row})
    for index, row in enumerate(contacts):
        _insert(conn, "contacts", {"contact_id": f"contact-{index}", "date_created": 0, "last_updated_date": 0, **row})
    for index, row in enumerate(messages):
        created = row.get("date_created", 0)
        _insert(conn, "messages", {"message_id": f"msg-{index}", "message": "", "state": 1, "user_id": "user-1",
                                   "burner_id": "burner-1", "message_type": BURNER_TEXT, "direction": BURNER_OUT,
                                   "last_updated_date": created, "read": 1, "duration": 0, **row})
    _close(conn)
    return Path(path)


CALLSCREEN_SCHEMA = """
CREATE TABLE android_metadata (locale TEXT);
CREATE TABLE `Transcript` (`id` TEXT NOT NULL, `conversation` BLOB, `audioRecordingFilePath` TEXT,
  `isRated` INTEGER NOT NULL, `revelioCallType` INTEGER, `lastModifiedMillis` INTEGER NOT NULL,
  `callScreenFeedbackData` BLOB, PRIMARY KEY(`id`));
CREATE TABLE room_master_table (id INTEGER PRIMARY KEY,identity_hash TEXT);
"""
SCREEN_CALLER, SCREEN_ASSISTANT, SCREEN_EVENT = 1, 2, 3


def callscreen_conversation(turns: Sequence[tuple[int, int, str]]) -> bytes:
    """The ``Transcript.conversation`` protobuf for (time ms, speaker, text) turns."""
    return protobuf([(1, [(1, moment), (2, 0), (3, text), (4, 2), (5, speaker)]) for moment, speaker, text in turns])


def build_callscreen(path: Path, transcripts: Sequence[Mapping], *, schema: str = CALLSCREEN_SCHEMA) -> Path:
    """Each transcript: ``id`` (call start, ms), ``turns`` [(ms, speaker, text)] or a raw
    ``conversation`` blob, ``lastModifiedMillis``, ``audioRecordingFilePath``."""
    conn = _fresh(path, schema)
    conn.execute("INSERT INTO android_metadata VALUES ('en_US')")
    conn.execute("INSERT INTO room_master_table VALUES (42, 'f69806c35a76c12bbde999220de56c45')")
    for item in transcripts:
        row = {key: value for key, value in item.items() if key != "turns"}
        if "turns" in item:
            row["conversation"] = callscreen_conversation(item["turns"])
        _insert(conn, "Transcript", {"isRated": 0, "revelioCallType": 5, **row, "id": str(item["id"])})
    _close(conn)
    return Path(path)


# --- Facebook Messenger threads_db2 ------------------------------------------------------------------

FB_SCHEMA = """
CREATE TABLE threads (thread_key TEXT PRIMARY KEY, thread_fbid TEXT, name TEXT, participants TEXT,
  timestamp_ms INTEGER, snippet TEXT, folder TEXT);
CREATE TABLE thread_participants (thread_key TEXT, user_key TEXT, type TEXT, is_admin INTEGER,
  PRIMARY KEY (thread_key, user_key));
CREATE TABLE thread_users (user_key TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, name TEXT, username TEXT,
  is_messenger_user INTEGER, is_friend INTEGER, friendship_status TEXT, profile_pic_square TEXT);
CREATE TABLE messages (msg_id TEXT PRIMARY KEY, thread_key TEXT, action_id INTEGER, text TEXT, sender TEXT,
  timestamp_ms INTEGER, timestamp_sent_ms INTEGER, attachments TEXT, shares TEXT, msg_type INTEGER,
  affected_users TEXT, coordinates TEXT, offline_threading_id TEXT, source TEXT, snippet TEXT,
  generic_admin_message_extensible_data TEXT, send_error TEXT);
"""


# The early layout (Messenger 2013-2015, from the app's CREATE TABLE statements): threads and messages
# keyed by thread_id, thread members as a JSON list in threads.participants.
FB_LEGACY_SCHEMA = """
CREATE TABLE threads (thread_id TEXT PRIMARY KEY, thread_fbid TEXT, action_id INTEGER, refetch_action_id INTEGER,
  last_visible_action_id INTEGER, name TEXT, participants TEXT, former_participants TEXT, object_participants TEXT,
  senders TEXT, single_recipient_thread INTEGER, single_recipient_user_key TEXT, snippet TEXT,
  snippet_sender TEXT, admin_snippet TEXT, timestamp_ms INTEGER, last_fetch_time_ms INTEGER, unread INTEGER,
  pic_hash TEXT, pic TEXT, can_reply_to INTEGER, mute_until INTEGER, is_subscribed INTEGER, folder TEXT,
  draft TEXT);
CREATE TABLE messages (msg_id TEXT PRIMARY KEY, thread_id TEXT, action_id INTEGER, subject TEXT, text TEXT,
  sender TEXT, timestamp_ms INTEGER, timestamp_sent_ms INTEGER, mms_attachments TEXT, attachments TEXT,
  shares TEXT, msg_type INTEGER, affected_users TEXT, coordinates TEXT, offline_threading_id TEXT, source TEXT,
  is_non_authoritative INTEGER, pending_send_media_attachment STRING, handled_internally_time INTEGER,
  pending_shares STRING, pending_attachment_fbid STRING, client_tags TEXT, send_error STRING);
CREATE TABLE thread_users (user_key TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, name TEXT, pic_big TEXT,
  pic_square TEXT, pic_crop TEXT, last_active TEXT);
"""


def build_fb_messenger(path: Path, *, uid: str | None = None, users: Sequence[Mapping] = (),
                       threads: Sequence[Mapping] = (), thread_members: Sequence[tuple[str, str]] = (),
                       messages: Sequence[Mapping] = (), legacy: bool = False) -> Path:
    """``messages`` rows may give ``sender`` as a dict (stored as JSON) and ``attachments`` /
    ``admin`` (``generic_admin_message_extensible_data``) as Python data; ``thread_key`` is written
    to ``thread_id`` in the legacy layout, where members go into ``threads.participants``. ``uid``
    writes the ``threads_db2-uid`` file beside the database."""
    conn = _fresh(path, FB_LEGACY_SCHEMA if legacy else FB_SCHEMA)
    _rows(conn, "thread_users", [{k: v for k, v in user.items() if not legacy or k != "username"} for user in users])
    if legacy:
        for thread in threads:
            people = [{"user_key": user} for key, user in thread_members if key == thread["thread_key"]]
            _insert(conn, "threads", {"thread_id": thread["thread_key"], "name": thread.get("name"),
                                      "participants": json.dumps(people)})
    else:
        _rows(conn, "threads", threads)
        for thread, user in thread_members:
            _insert(conn, "thread_participants", {"thread_key": thread, "user_key": user})
    for index, message in enumerate(messages):
        row = {"msg_id": f"mid.{index}", "msg_type": 0, **message}
        if legacy and "thread_key" in row:
            row["thread_id"] = row.pop("thread_key")
        for key in ("sender", "attachments", "shares"):
            if isinstance(row.get(key), (dict, list)):
                row[key] = json.dumps(row[key])
        if "admin" in row:
            admin = row.pop("admin")
            if not legacy:
                row["generic_admin_message_extensible_data"] = json.dumps(admin)
        _insert(conn, "messages", row)
    _close(conn)
    uid_file = Path(str(path) + "-uid")
    if uid is not None:
        uid_file.write_text(uid + "\n", encoding="utf-8")
    return Path(path)


# --- Instagram direct.db ------------------------------------------------------------------------------

INSTAGRAM_SCHEMA = """
CREATE TABLE session (user_id TEXT PRIMARY KEY);
CREATE TABLE threads (_id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, thread_id TEXT NOT NULL,
  thread_v2_id TEXT, recipient_ids TEXT, last_activity_time INTEGER, thread_info TEXT NOT NULL);
CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, server_item_id TEXT,
  client_item_id TEXT, thread_id TEXT NOT NULL, recipient_ids TEXT, timestamp INTEGER NOT NULL,
  message_type TEXT NOT NULL, text TEXT, message TEXT NOT NULL);
"""


def build_instagram_direct(path: Path, *, owner: str, threads: Sequence[Mapping] = (),
                           messages: Sequence[Mapping | str | RawText] = (), with_session: bool = True) -> Path:
    """``threads`` are ``thread_info`` dicts (``thread_id``, ``thread_title``, ``recipients``);
    ``messages`` the ``message`` JSON dicts (``item_id``, ``item_type``, ``user_id``,
    ``timestamp`` in µs, ``thread_key``, ``text``...), or raw text for damaged rows."""
    conn = _fresh(path, INSTAGRAM_SCHEMA)
    if with_session:
        _insert(conn, "session", {"user_id": owner})
    for info in threads:
        _insert(conn, "threads", {"user_id": owner, "thread_id": info["thread_id"],
                                  "thread_v2_id": info.get("thread_v2_id"), "thread_info": json.dumps(info)})
    for index, item in enumerate(messages):
        if isinstance(item, Mapping):
            _insert(conn, "messages", {"user_id": owner, "server_item_id": item.get("item_id"),
                                       "thread_id": (item.get("thread_key") or {}).get("thread_id", ""),
                                       "timestamp": int(item.get("timestamp") or 0),
                                       "message_type": item.get("item_type", "text"), "text": item.get("text"),
                                       "message": json.dumps(item)})
        else:
            _insert(conn, "messages", {"user_id": owner, "thread_id": "", "timestamp": 0, "message_type": "text",
                                       "message": item})
    _close(conn)
    return Path(path)


# --- Kik kik.sqlite -----------------------------------------------------------------------------------

KIK_SCHEMA = """
CREATE TABLE ZKIKATTACHMENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZFLAGS INTEGER,
  ZINTERNALID INTEGER, ZRETRYCOUNT INTEGER, ZSTATE INTEGER, ZTYPE INTEGER, ZEXTRA INTEGER, ZMESSAGE INTEGER,
  ZLASTACCESSTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZCONTENT VARCHAR );
CREATE TABLE ZKIKCHAT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZFLAGS INTEGER,
  ZDRAFTMESSAGE INTEGER, ZEXTRA INTEGER, ZLASTMESSAGE INTEGER, ZUSER INTEGER, ZDATEUPDATED TIMESTAMP );
CREATE TABLE ZKIKMESSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZFLAGS INTEGER,
  ZINTERNALID INTEGER, ZSTATE INTEGER, ZSYSTEMSTATE INTEGER, ZTYPE INTEGER, ZCHATEXTRA INTEGER,
  ZDRAFTMESSAGECHAT INTEGER, ZLASTMESSAGECHAT INTEGER, ZLASTMESSAGEUSER INTEGER, ZUSER INTEGER,
  ZRECEIVEDTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBODY VARCHAR, ZSTANZAID VARCHAR,
  ZRENDERINSTRUCTIONSET BLOB );
CREATE TABLE ZKIKUSER ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZADDRESSBOOKID INTEGER,
  ZFLAGS INTEGER, ZINTERNALID INTEGER, ZPRESENCE INTEGER, ZTYPE INTEGER, ZCHATUSER INTEGER, ZEXTRA INTEGER,
  ZLASTMESSAGE INTEGER, ZDISPLAYNAME VARCHAR, ZDISPLAYNAMEASCII VARCHAR, ZEMAIL VARCHAR, ZFIRSTNAME VARCHAR,
  ZGROUPTAG VARCHAR, ZJID VARCHAR, ZLASTNAME VARCHAR, ZPPTIMESTAMP VARCHAR, ZPPURL VARCHAR, ZSTATUS VARCHAR,
  ZUSERNAME VARCHAR, ZCONTENTLINKSPROTODATA BLOB );
"""
KIK_RECEIVED, KIK_SENT = 1, 2


def build_kik(path: Path, *, users: Sequence[Mapping] = (), messages: Sequence[Mapping] = (),
              attachments: Sequence[Mapping] = ()) -> Path:
    """Times are Cocoa seconds (since 2001-01-01 UTC); ``ZUSER`` points at ``ZKIKUSER.Z_PK``."""
    conn = _fresh(path, KIK_SCHEMA)
    _rows(conn, "ZKIKUSER", users, {"Z_ENT": 6, "Z_OPT": 1})
    _rows(conn, "ZKIKMESSAGE", messages, {"Z_ENT": 5, "Z_OPT": 1, "ZSTATE": 3})
    _rows(conn, "ZKIKATTACHMENT", attachments, {"Z_ENT": 1, "Z_OPT": 1})
    _close(conn)
    return Path(path)


# --- Viber viber_messages -------------------------------------------------------------------------------

VIBER_SCHEMA = """
CREATE TABLE participants_info (_id INTEGER PRIMARY KEY AUTOINCREMENT, participant_type INTEGER, member_id TEXT,
  encrypted_member_id TEXT, number TEXT, display_name TEXT, contact_name TEXT, viber_name TEXT,
  contact_id INTEGER, native_contact_id INTEGER, participant_info_flags INTEGER DEFAULT 0);
CREATE TABLE conversations (_id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_type INTEGER, name TEXT,
  group_id INTEGER, recipient_number TEXT, participant_id_1 INTEGER, date INTEGER, deleted INTEGER DEFAULT 0,
  flags INTEGER DEFAULT 0);
CREATE TABLE participants (_id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id INTEGER,
  participant_info_id INTEGER, active INTEGER DEFAULT 0, last_message_id INTEGER);
CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id INTEGER, participant_id INTEGER,
  address TEXT, msg_date INTEGER, unread INTEGER DEFAULT 0, status INTEGER, send_type INTEGER, body TEXT,
  opened INTEGER, description TEXT, location_lat INTEGER, location_lng INTEGER, deleted INTEGER DEFAULT 0,
  extra_uri TEXT, extra_mime INTEGER, extra_duration INTEGER, token INTEGER, order_key INTEGER,
  conversation_type INTEGER);
"""


def build_viber(path: Path, *, people: Sequence[Mapping] = (), conversations: Sequence[Mapping] = (),
                members: Sequence[tuple[int, int]] = (), messages: Sequence[Mapping] = (),
                schema: str = VIBER_SCHEMA) -> Path:
    """``people`` are participants_info rows (``participant_type`` 0 = the owner);
    ``members`` (participants._id, conversation_id, participant_info_id) rows are built from
    (conversation_id, participant_info_id) pairs, their ``_id`` counted from 1; messages name the
    sender through ``participant_id`` (a participants._id); ``send_type`` 1 = outgoing."""
    conn = _fresh(path, schema)
    _rows(conn, "participants_info", people)
    _rows(conn, "conversations", conversations, {"conversation_type": 0})
    for conversation, info in members:
        _insert(conn, "participants", {"conversation_id": conversation, "participant_info_id": info, "active": 1})
    _rows(conn, "messages", messages, {"send_type": 0})
    _close(conn)
    return Path(path)


# --- imo IMODb2.sqlite -------------------------------------------------------------------------------------

IMO_SCHEMA = """
CREATE TABLE ZIMOCONTACT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZBUID VARCHAR, ZALIAS VARCHAR,
  ZDISPLAY VARCHAR, ZPHONE VARCHAR, ZDIGIT_PHONE VARCHAR, ZPH_NAME VARCHAR, ZREMARKNAME VARCHAR );
CREATE TABLE ZIMOCHATMSG ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZISSENT INTEGER,
  ZMESSAGEINDEX INTEGER, ZSTATE INTEGER, ZTS INTEGER, ZSENDERTS INTEGER, ZA_UID VARCHAR, ZALIAS VARCHAR,
  ZTEXT VARCHAR, ZIMDATA BLOB );
"""


def build_imo(path: Path, *, contacts: Sequence[Mapping] = (), messages: Sequence[Mapping] = ()) -> Path:
    """``ZTS`` in nanoseconds since 1970; ``ZISSENT`` 1 = sent; ``ZIMDATA`` may be given as a dict
    (stored as a binary plist)."""
    conn = _fresh(path, IMO_SCHEMA)
    _rows(conn, "ZIMOCONTACT", contacts, {"Z_ENT": 2, "Z_OPT": 1})
    for message in messages:
        row = {"Z_ENT": 1, "Z_OPT": 1, **message}
        if isinstance(row.get("ZIMDATA"), dict):
            row["ZIMDATA"] = plistlib.dumps(row["ZIMDATA"], fmt=plistlib.FMT_BINARY)
        _insert(conn, "ZIMOCHATMSG", row)
    _close(conn)
    return Path(path)


# --- Tango tc.db ---------------------------------------------------------------------------------------

TANGO_SCHEMA = """
CREATE TABLE `conversations` (`conv_id` TEXT PRIMARY KEY, `conv_type` INTEGER DEFAULT 0, `payload` BLOB,
  `last_msg_id` INTEGER, `unread_count` INTEGER, `last_read_sent_msg_id` INTEGER,
  `conv_del_status` INTEGER DEFAULT 0, `deleting_ts` BIGINT DEFAULT 0, `conv_restore_status` INTEGER DEFAULT 0,
  `peers_read` TEXT, `total_received_msg_count` INTEGER DEFAULT -1, `communication_context` INTEGER DEFAULT 0);
CREATE TABLE `likes` (`msg_id` INTEGER PRIMARY KEY, `global_msg_id` TEXT, `conv_id` TEXT, `liker_aid` TEXT,
  `act_type` INTEGER, `status` INTEGER, `act_ts` BIGINT, `payload` BLOB);
CREATE TABLE `messages` (`msg_id` INTEGER PRIMARY KEY, `conv_id` TEXT, `type` INTEGER, `media_id` TEXT,
  `share_id` TEXT, `create_time` BIGINT, `send_time` BIGINT, `direction` INTEGER, `status` INTEGER,
  `payload` BLOB, `del_status` INTEGER);
CREATE TABLE `profiles` (`key` TEXT PRIMARY KEY, `value` TEXT);
CREATE TABLE `sms` (`msg_id` INTEGER PRIMARY KEY, `phonenumber` TEXT, `text` TEXT);
"""


def tango_payload(conv_id: str, text: str, sender: str = "") -> bytes:
    """A base64 payload shaped like the app's: the conversation id, the text, the id again."""
    return base64.b64encode(protobuf([(1, conv_id), (2, [(1, text), (2, sender)]), (3, conv_id)]))


def build_tango(path: Path, *, conversations: Sequence[str] = (), messages: Sequence[Mapping] = ()) -> Path:
    """``messages``: ``conv_id``, ``text`` (encoded into ``payload``) or a raw ``payload``,
    ``create_time``/``send_time`` (ms), ``direction`` (1 incoming, 2 outgoing)."""
    conn = _fresh(path, TANGO_SCHEMA)
    for conv in conversations:
        _insert(conn, "conversations", {"conv_id": conv, "payload": base64.b64encode(protobuf([(1, conv)]))})
    for index, message in enumerate(messages):
        row = {"msg_id": index + 1, "type": 0, "status": 1, "del_status": 0,
               **{k: v for k, v in message.items() if k != "text"}}
        if "text" in message:
            row["payload"] = tango_payload(message["conv_id"], message["text"])
        _insert(conn, "messages", row)
    _close(conn)
    return Path(path)


# --- TextNow textnow_data.db ---------------------------------------------------------------------------

TEXTNOW_SCHEMA = """
CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, message_id INTEGER, contact_value TEXT NOT NULL,
  contact_type INTEGER, contact_name TEXT, message_direction INTEGER, message_type INTEGER, message_text TEXT,
  read INTEGER DEFAULT 0, date INTEGER, attach TEXT, state INTEGER DEFAULT 0);
CREATE TABLE contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, contact_value TEXT NOT NULL, contact_type INTEGER,
  contact_name TEXT, latest_message_id INTEGER);
CREATE TABLE groups (_id INTEGER PRIMARY KEY AUTOINCREMENT, contact_value TEXT NOT NULL, title TEXT);
CREATE TABLE group_members (_id INTEGER PRIMARY KEY AUTOINCREMENT, contact_value TEXT NOT NULL,
  member_contact_value TEXT NOT NULL, member_display_name TEXT);
"""
TEXTNOW_IN, TEXTNOW_OUT = 1, 2
TEXTNOW_TEXT, TEXTNOW_CALL = 1, 100


def build_textnow(path: Path, *, contacts: Sequence[Mapping] = (), groups: Sequence[Mapping] = (),
                  group_members: Sequence[Mapping] = (), messages: Sequence[Mapping] = ()) -> Path:
    conn = _fresh(path, TEXTNOW_SCHEMA)
    _rows(conn, "contacts", contacts, {"contact_type": 2})
    _rows(conn, "groups", groups)
    _rows(conn, "group_members", group_members)
    _rows(conn, "messages", messages, {"contact_type": 2, "message_type": TEXTNOW_TEXT})
    _close(conn)
    return Path(path)


# --- Google Voice ----------------------------------------------------------------------------------------

GOOGLE_VOICE_IOS_SCHEMA = """
CREATE TABLE Thread (threadKey TEXT NOT NULL, threadType INTEGER NOT NULL, groupName TEXT, isArchived INTEGER,
  isSpam INTEGER, PRIMARY KEY (threadKey, threadType));
CREATE TABLE Participant (phoneNumberE164 TEXT PRIMARY KEY, isBlocked INTEGER DEFAULT 0);
CREATE TABLE ThreadParticipant (threadKey TEXT NOT NULL, threadType INTEGER NOT NULL,
  phoneNumberE164 TEXT NOT NULL);
CREATE TABLE ThreadItem (threadItemKey TEXT NOT NULL, threadItemType INTEGER NOT NULL, threadKey TEXT NOT NULL,
  threadType INTEGER NOT NULL, itemType TEXT, timestamp INTEGER, sortID INTEGER, messageText TEXT,
  senderPhoneNumber TEXT, duration INTEGER, isUnread INTEGER DEFAULT 0, isDeleted INTEGER DEFAULT 0,
  isSystemMessage INTEGER DEFAULT 0, ringGroupName TEXT, ringGroupPhoneNumber TEXT, transferredFromE164 TEXT,
  transferredToE164 TEXT, PRIMARY KEY (threadItemKey, threadItemType));
CREATE TABLE Transcript (threadItemKey TEXT NOT NULL, threadItemType INTEGER NOT NULL, text TEXT,
  confidence REAL);
CREATE TABLE MMSAttachmentInfo (threadItemKey TEXT, threadItemType INTEGER, contentType TEXT, url TEXT);
"""


def build_google_voice_ios(path: Path, *, threads: Sequence[Mapping] = (), participants: Sequence[tuple[str, str]] = (),
                           items: Sequence[Mapping] = (), transcripts: Sequence[Mapping] = ()) -> Path:
    """``participants`` are (threadKey, phoneNumberE164) pairs; ``items`` ThreadItem rows
    (``itemType`` SmsIn/SmsOut/IncomingCall/OutgoingCall/MissedCall/Voicemail)."""
    conn = _fresh(path, GOOGLE_VOICE_IOS_SCHEMA)
    _rows(conn, "Thread", threads, {"threadType": 1})
    for thread, number in participants:
        _insert(conn, "ThreadParticipant", {"threadKey": thread, "threadType": 1, "phoneNumberE164": number})
        conn.execute("INSERT OR IGNORE INTO Participant (phoneNumberE164) VALUES (?)", (number,))
    for index, item in enumerate(items):
        _insert(conn, "ThreadItem", {"threadItemKey": f"item{index}", "threadItemType": 1, "threadType": 1,
                                     "sortID": index, **item})
    _rows(conn, "Transcript", transcripts, {"threadItemType": 1})
    _close(conn)
    return Path(path)


GOOGLE_VOICE_ANDROID_SCHEMA = """
CREATE TABLE message_t (message_id TEXT PRIMARY KEY, conversation_id TEXT, message_blob BLOB,
  timestamp_ms INTEGER, is_deleted INTEGER DEFAULT 0);
"""
GV_CALL_IN, GV_CALL_OUT, GV_VOICEMAIL, GV_SMS_IN, GV_SMS_OUT = 1, 2, 3, 5, 6


def google_voice_blob(*, item_id: str, time_ms: int, own: str, other: str | None = None, kind: int,
                      text: str | None = None, duration_s: float | None = None, missed: bool = False,
                      transcript: Sequence[str] = (), group_text: str | None = None,
                      group_members: Sequence[str] = (), group_sender: str | None = None, read: int = 1) -> bytes:
    fields: list = [(1, item_id), (2, time_ms), (3, own)]
    if other:
        fields.append((4, [(1, other)]))
    fields.append((6, read))
    if transcript:
        fields.append((7, [(2, [(1, word)]) for word in transcript]))
    if duration_s is not None:
        fields.append((9, float(duration_s)))
    if text is not None:
        fields.append((10, text))
    fields.append((13, kind))
    if group_text is not None or group_members:
        group: list = [(1, group_text or "")] + [(4, [(1, member)]) for member in group_members]
        if group_sender:
            group.append((5, group_sender))
        fields.append((15, group))
    if missed:
        fields.append((22, [(1, 1)]))
    return protobuf(fields)


def build_google_voice_android(path: Path, items: Sequence[Mapping | tuple[str, bytes]]) -> Path:
    """Each item: keyword arguments of ``google_voice_blob`` plus ``conversation_id``, or a
    (conversation_id, raw blob) pair for damaged rows."""
    conn = _fresh(path, GOOGLE_VOICE_ANDROID_SCHEMA)
    for index, item in enumerate(items):
        if isinstance(item, tuple):
            conversation, blob = item
            _insert(conn, "message_t", {"message_id": f"raw{index}", "conversation_id": conversation,
                                        "message_blob": blob})
            continue
        args = dict(item)
        conversation = args.pop("conversation_id")
        _insert(conn, "message_t", {"message_id": args["item_id"], "conversation_id": conversation,
                                    "message_blob": google_voice_blob(**args), "timestamp_ms": args["time_ms"]})
    _close(conn)
    return Path(path)


# --- Microsoft Teams (iOS) -----------------------------------------------------------------------------

TEAMS_SCHEMA = """
CREATE TABLE ZSMESSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTS_ISSENTBYME INTEGER,
  ZTS_MESSAGEBASETYPE INTEGER, ZTS_MESSAGECONTENTTYPE INTEGER, ZTHREADTYPE INTEGER, ZARRIVALTIME TIMESTAMP,
  ZCONTENT VARCHAR, ZFROM VARCHAR, ZIMDISPLAYNAME VARCHAR, ZTHREADID VARCHAR, ZMESSAGEID VARCHAR );
CREATE TABLE ZTHREAD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTSID VARCHAR,
  ZTHREADTOPIC VARCHAR );
CREATE TABLE ZUSER ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTS_LASTSYNCEDAT TIMESTAMP,
  ZDISPLAYNAME VARCHAR, ZEMAIL VARCHAR, ZMRI VARCHAR, ZTELEPHONENUMBER VARCHAR );
CREATE TABLE ZDEVICECONTACTHASH ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZDISPLAYNAME VARCHAR, ZEMAIL VARCHAR, ZPHONENUMBER VARCHAR );
"""


def build_teams(path: Path, *, threads: Sequence[Mapping] = (), users: Sequence[Mapping] = (),
                device_contacts: Sequence[Mapping] = (), messages: Sequence[Mapping] = ()) -> Path:
    """``ZARRIVALTIME`` in Cocoa seconds; ``ZCONTENT`` HTML as Teams stores it."""
    conn = _fresh(path, TEAMS_SCHEMA)
    _rows(conn, "ZTHREAD", threads, {"Z_ENT": 2, "Z_OPT": 1})
    _rows(conn, "ZUSER", users, {"Z_ENT": 3, "Z_OPT": 1})
    _rows(conn, "ZDEVICECONTACTHASH", device_contacts, {"Z_ENT": 4, "Z_OPT": 1})
    _rows(conn, "ZSMESSAGE", messages, {"Z_ENT": 1, "Z_OPT": 1})
    _close(conn)
    return Path(path)


# --- Discord (iOS URL cache) --------------------------------------------------------------------------

CFURL_SCHEMA = """
CREATE TABLE cfurl_cache_schema_version(schema_version INTEGER);
CREATE TABLE cfurl_cache_response(entry_ID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, version INTEGER,
  hash_value INTEGER, storage_policy INTEGER, request_key TEXT UNIQUE, time_stamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  partition TEXT);
CREATE TABLE cfurl_cache_blob_data(entry_ID INTEGER PRIMARY KEY, response_object BLOB, request_object BLOB,
  proto_props BLOB, user_info BLOB);
CREATE TABLE cfurl_cache_receiver_data(entry_ID INTEGER PRIMARY KEY, isDataOnFS INTEGER, receiver_data BLOB);
"""


def discord_message(*, id: str, channel_id: str, author_id: str, username: str, content: str, timestamp: str,
                    attachments: Sequence[Mapping] = (), global_name: str | None = None) -> dict:
    """A Discord API message object with the keys the app caches."""
    return {"id": id, "type": 0, "content": content, "channel_id": channel_id,
            "author": {"id": author_id, "username": username, "global_name": global_name, "discriminator": "0"},
            "attachments": list(attachments), "embeds": [], "mentions": [], "timestamp": timestamp,
            "edited_timestamp": None, "flags": 0}


def build_discord_cache(folder: Path, responses: Sequence[tuple[str, list | str | bytes, bool]]) -> Path:
    """Write ``folder/Cache.db`` and ``folder/fsCachedData/<name>``. Each response is (URL, body,
    on_disk): a body kept on disk goes to an fsCachedData file named after the entry (the row's
    ``receiver_data`` holds that name), otherwise it is stored inline. Returns the Cache.db path."""
    folder = Path(folder)
    cache_dir = folder / "fsCachedData"
    cache_dir.mkdir(parents=True, exist_ok=True)
    conn = _fresh(folder / "Cache.db", CFURL_SCHEMA)
    conn.execute("INSERT INTO cfurl_cache_schema_version VALUES (202)")
    for index, (url, body, on_disk) in enumerate(responses, start=1):
        raw = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else
                                                    json.dumps(body, separators=(",", ":")).encode())
        _insert(conn, "cfurl_cache_response", {"entry_ID": index, "version": 0, "hash_value": index,
                                               "storage_policy": 0, "request_key": url, "partition": None})
        if on_disk:
            name = f"{hashlib.sha1(url.encode()).hexdigest()[:8].upper()}-0000-4000-8000-{index:012d}"
            (cache_dir / name).write_bytes(raw)
            _insert(conn, "cfurl_cache_receiver_data", {"entry_ID": index, "isDataOnFS": 1,
                                                        "receiver_data": name.encode()})
        else:
            _insert(conn, "cfurl_cache_receiver_data", {"entry_ID": index, "isDataOnFS": 0, "receiver_data": raw})
    _close(conn)
    return folder / "Cache.db"
