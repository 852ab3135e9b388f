"""Android system stores with their real schemas, written from simple Python data.

- ``build_mmssms``: ``mmssms.db`` of com.android.providers.telephony (tables ``sms``, ``pdu``,
  ``part``, ``addr``, ``threads``, ``canonical_addresses``), as AOSP's MmsSmsDatabaseHelper
  creates them (Android 10 column set).
- ``build_contacts2``: ``contacts2.db`` of com.android.providers.contacts (``accounts``,
  ``raw_contacts``, ``contacts``, ``data``, ``mimetypes``) and, for Android 6 and older, the
  ``calls`` table that newer versions keep in ``calllog.db``.
- ``build_calllog``: ``calllog.db`` (Android 7 and newer) with its ``calls`` table.
- ``build_vcf_export``: a ``.vcf`` file as the Android Contacts app exports it (vCard 2.1, non-ASCII
  text as quoted-printable UTF-8).

Times are given as the store keeps them: SMS and call times in milliseconds since 1970 (UTC),
MMS times in seconds. Everything is deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# sms.type (Telephony.TextBasedSmsColumns)
SMS_INBOX, SMS_SENT, SMS_DRAFT, SMS_OUTBOX, SMS_FAILED, SMS_QUEUED = 1, 2, 3, 4, 5, 6
# pdu.msg_box (Telephony.BaseMmsColumns)
MMS_INBOX, MMS_SENT, MMS_DRAFTS, MMS_OUTBOX, MMS_FAILED = 1, 2, 3, 4, 5
# pdu.m_type (PduHeaders)
M_SEND_REQ, M_NOTIFICATION_IND, M_RETRIEVE_CONF, M_DELIVERY_IND = 128, 130, 132, 134
# addr.type (PduHeaders)
ADDR_BCC, ADDR_CC, ADDR_FROM, ADDR_TO = 129, 130, 137, 151
# calls.type (CallLog.Calls)
CALL_INCOMING, CALL_OUTGOING, CALL_MISSED, CALL_VOICEMAIL, CALL_REJECTED, CALL_BLOCKED = 1, 2, 3, 4, 5, 6
FEATURES_VIDEO = 0x1
# What Android writes as the sender of an MMS the device sends.
INSERT_ADDRESS_TOKEN = "insert-address-token"
PARTS_FOLDER = "/data/user_de/0/com.android.providers.telephony/app_parts"

MIME_NAME = "vnd.android.cursor.item/name"
MIME_PHONE = "vnd.android.cursor.item/phone_v2"
MIME_EMAIL = "vnd.android.cursor.item/email_v2"
MIME_ORGANIZATION = "vnd.android.cursor.item/organization"
MIME_NICKNAME = "vnd.android.cursor.item/nickname"
MIME_IM = "vnd.android.cursor.item/im"
MIME_WHATSAPP = "vnd.android.cursor.item/vnd.com.whatsapp.profile"


# --- data ------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Sms:
    address: str | None
    date_ms: int                      # when the phone stored it (received, or sent/saved)
    body: str | None
    type: int = SMS_INBOX
    date_sent_ms: int = 0             # the sender's time (SMSC timestamp) of a received SMS
    read: int = 1
    seen: int = 1
    status: int = -1
    sub_id: int = 1


@dataclass(frozen=True, kw_only=True)
class MmsPart:
    content_type: str                 # text/plain, image/jpeg, application/smil, ...
    text: str | None = None
    name: str | None = None           # file name (part.name, part.fn, part.cl)
    data: bytes | None = None         # the attachment's bytes, written to parts_dir when given
    charset: int | None = 106         # MIBenum, 106 = UTF-8


@dataclass(frozen=True, kw_only=True)
class Mms:
    date_s: int
    msg_box: int = MMS_INBOX
    sender: str | None = None         # FROM; None for a message the device sent
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str | None = None
    parts: tuple[MmsPart, ...] = ()
    date_sent_s: int = 0
    read: int = 1
    m_type: int | None = None         # default: 132 (retrieve_conf) for inbox, 128 (send_req) otherwise


@dataclass(frozen=True, kw_only=True)
class AndroidContact:
    name: str | None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    organisation: str | None = None
    nickname: str | None = None
    im: tuple[tuple[int, str], ...] = ()       # (protocol, handle): CommonDataKinds.Im PROTOCOL_*
    account: tuple[str, str] | None = None     # (account_name, account_type); None: local phone contact
    whatsapp_jid: str | None = None            # adds WhatsApp's own raw contact, as WhatsApp does
    deleted: bool = False
    starred: bool = False


@dataclass(frozen=True, kw_only=True)
class CallEntry:
    number: str | None
    date_ms: int
    duration_s: int = 0
    type: int = CALL_INCOMING
    video: bool = False
    name: str | None = None
    phone_account_address: str | None = None   # the device's own line on that SIM (newer Android)
    presentation: int = 1                      # 1 allowed, 2 restricted, 3 unknown, 4 payphone
    countryiso: str | None = None
    deleted: bool = False


# --- schemas ---------------------------------------------------------------------------------------

MMSSMS_SCHEMA = """
CREATE TABLE android_metadata (locale TEXT);
CREATE TABLE sms (_id INTEGER PRIMARY KEY,thread_id INTEGER,address TEXT,person INTEGER,date INTEGER,
date_sent INTEGER DEFAULT 0,protocol INTEGER,read INTEGER DEFAULT 0,status INTEGER DEFAULT -1,type INTEGER,
reply_path_present INTEGER,subject TEXT,body TEXT,service_center TEXT,locked INTEGER DEFAULT 0,
sub_id INTEGER DEFAULT -1,error_code INTEGER DEFAULT -1,creator TEXT,seen INTEGER DEFAULT 0);
CREATE TABLE pdu (_id INTEGER PRIMARY KEY AUTOINCREMENT,thread_id INTEGER,date INTEGER,date_sent INTEGER DEFAULT 0,
msg_box INTEGER,read INTEGER DEFAULT 0,m_id TEXT,sub TEXT,sub_cs INTEGER,ct_t TEXT,ct_l TEXT,exp INTEGER,m_cls TEXT,
m_type INTEGER,v INTEGER,m_size INTEGER,pri INTEGER,rr INTEGER,rpt_a INTEGER,resp_st INTEGER,st INTEGER,tr_id TEXT,
retr_st INTEGER,retr_txt TEXT,retr_txt_cs INTEGER,read_status INTEGER,ct_cls INTEGER,resp_txt TEXT,d_tm INTEGER,
d_rpt INTEGER,locked INTEGER DEFAULT 0,sub_id INTEGER DEFAULT -1,seen INTEGER DEFAULT 0,creator TEXT,
text_only INTEGER DEFAULT 0);
CREATE TABLE addr (_id INTEGER PRIMARY KEY,msg_id INTEGER,contact_id INTEGER,address TEXT,type INTEGER,charset INTEGER);
CREATE TABLE part (_id INTEGER PRIMARY KEY AUTOINCREMENT,mid INTEGER,seq INTEGER DEFAULT 0,ct TEXT,name TEXT,
chset INTEGER,cd TEXT,fn TEXT,cid TEXT,cl TEXT,ctt_s INTEGER,ctt_t TEXT,_data TEXT,text TEXT);
CREATE TABLE rate (sent_time INTEGER);
CREATE TABLE drm (_id INTEGER PRIMARY KEY,_data TEXT);
CREATE TABLE raw (_id INTEGER PRIMARY KEY,date INTEGER,reference_number INTEGER,count INTEGER,sequence INTEGER,
destination_port INTEGER,address TEXT,sub_id INTEGER DEFAULT -1,pdu TEXT,deleted INTEGER DEFAULT 0,
message_body TEXT,display_originating_addr TEXT);
CREATE TABLE attachments (sms_id INTEGER,content_url TEXT,offset INTEGER);
CREATE TABLE sr_pending (reference_number INTEGER,action TEXT,data TEXT);
CREATE TABLE canonical_addresses (_id INTEGER PRIMARY KEY AUTOINCREMENT,address TEXT);
CREATE TABLE threads (_id INTEGER PRIMARY KEY AUTOINCREMENT,date INTEGER DEFAULT 0,message_count INTEGER DEFAULT 0,
recipient_ids TEXT,snippet TEXT,snippet_cs INTEGER DEFAULT 0,read INTEGER DEFAULT 1,archived INTEGER DEFAULT 0,
type INTEGER DEFAULT 0,error INTEGER DEFAULT 0,has_attachment INTEGER DEFAULT 0);
CREATE TABLE pending_msgs (_id INTEGER PRIMARY KEY,proto_type INTEGER,msg_id INTEGER,msg_type INTEGER,
err_type INTEGER,err_code INTEGER,retry_index INTEGER NOT NULL DEFAULT 0,due_time INTEGER,last_try INTEGER,
sub_id INTEGER DEFAULT -1);
CREATE TABLE words (_id INTEGER PRIMARY KEY,index_text TEXT,source_id INTEGER,table_to_use INTEGER);
CREATE INDEX typeThreadIdIndex ON sms (type, thread_id);
"""

CONTACTS2_SCHEMA = """
CREATE TABLE android_metadata (locale TEXT);
CREATE TABLE accounts (_id INTEGER PRIMARY KEY AUTOINCREMENT,account_name TEXT, account_type TEXT, data_set TEXT);
CREATE TABLE contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT,name_raw_contact_id INTEGER REFERENCES raw_contacts(_id),
photo_id INTEGER REFERENCES data(_id),photo_file_id INTEGER REFERENCES photo_files(_id),custom_ringtone TEXT,
send_to_voicemail INTEGER NOT NULL DEFAULT 0,times_contacted INTEGER NOT NULL DEFAULT 0,last_time_contacted INTEGER,
starred INTEGER NOT NULL DEFAULT 0,pinned INTEGER NOT NULL DEFAULT 0,has_phone_number INTEGER NOT NULL DEFAULT 0,
lookup TEXT,status_update_id INTEGER REFERENCES data(_id),contact_last_updated_timestamp INTEGER);
CREATE TABLE raw_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT,account_id INTEGER REFERENCES accounts(_id),
sourceid TEXT,backup_id TEXT,raw_contact_is_read_only INTEGER NOT NULL DEFAULT 0,version INTEGER NOT NULL DEFAULT 1,
dirty INTEGER NOT NULL DEFAULT 0,deleted INTEGER NOT NULL DEFAULT 0,metadata_dirty INTEGER NOT NULL DEFAULT 0,
contact_id INTEGER REFERENCES contacts(_id),aggregation_mode INTEGER NOT NULL DEFAULT 0,
aggregation_needed INTEGER NOT NULL DEFAULT 1,custom_ringtone TEXT,send_to_voicemail INTEGER NOT NULL DEFAULT 0,
times_contacted INTEGER NOT NULL DEFAULT 0,last_time_contacted INTEGER,starred INTEGER NOT NULL DEFAULT 0,
pinned INTEGER NOT NULL DEFAULT 0,display_name TEXT,display_name_alt TEXT,display_name_source INTEGER NOT NULL DEFAULT 0,
phonetic_name TEXT,phonetic_name_style TEXT,sort_key TEXT,phonebook_label TEXT,phonebook_bucket INTEGER,
sort_key_alt TEXT,phonebook_label_alt TEXT,phonebook_bucket_alt INTEGER,name_verified INTEGER NOT NULL DEFAULT 0,
sync1 TEXT, sync2 TEXT, sync3 TEXT, sync4 TEXT );
CREATE TABLE mimetypes (_id INTEGER PRIMARY KEY AUTOINCREMENT,mimetype TEXT NOT NULL);
CREATE TABLE packages (_id INTEGER PRIMARY KEY AUTOINCREMENT,package TEXT NOT NULL);
CREATE TABLE data (_id INTEGER PRIMARY KEY AUTOINCREMENT,package_id INTEGER REFERENCES package(_id),
mimetype_id INTEGER REFERENCES mimetype(_id) NOT NULL,raw_contact_id INTEGER REFERENCES raw_contacts(_id) NOT NULL,
hash_id TEXT,is_read_only INTEGER NOT NULL DEFAULT 0,is_primary INTEGER NOT NULL DEFAULT 0,
is_super_primary INTEGER NOT NULL DEFAULT 0,data_version INTEGER NOT NULL DEFAULT 0,data1 TEXT,data2 TEXT,data3 TEXT,
data4 TEXT,data5 TEXT,data6 TEXT,data7 TEXT,data8 TEXT,data9 TEXT,data10 TEXT,data11 TEXT,data12 TEXT,data13 TEXT,
data14 TEXT,data15 TEXT,data_sync1 TEXT, data_sync2 TEXT, data_sync3 TEXT, data_sync4 TEXT, carrier_presence INTEGER
NOT NULL DEFAULT 0 );
CREATE TABLE phone_lookup (data_id INTEGER REFERENCES data(_id) NOT NULL,raw_contact_id INTEGER
REFERENCES raw_contacts(_id) NOT NULL,normalized_number TEXT NOT NULL,min_match TEXT NOT NULL);
CREATE TABLE deleted_contacts (contact_id INTEGER PRIMARY KEY,contact_deleted_timestamp INTEGER NOT NULL default 0);
CREATE INDEX data_raw_contact_id ON data (raw_contact_id);
CREATE INDEX raw_contacts_contact_id_index ON raw_contacts (contact_id);
"""

# calls as contacts2.db held it up to Android 6 (the column set of the plaso test database).
CALLS_LEGACY_SCHEMA = """
CREATE TABLE calls (_id INTEGER PRIMARY KEY AUTOINCREMENT,number TEXT,date INTEGER,duration INTEGER,type INTEGER,
new INTEGER,name TEXT,numbertype INTEGER,numberlabel TEXT,countryiso TEXT,voicemail_uri TEXT,is_read INTEGER,
geocoded_location TEXT,lookup_uri TEXT,matched_number TEXT,normalized_number TEXT,photo_id INTEGER NOT NULL DEFAULT 0,
formatted_number TEXT,_data TEXT,has_content INTEGER,mime_type TEXT,source_data TEXT,source_package TEXT,state INTEGER);
"""

# calls in calllog.db (Android 7 and newer; CallLogDatabaseHelper, Android 10 column set).
CALLLOG_SCHEMA = """
CREATE TABLE android_metadata (locale TEXT);
CREATE TABLE calls (_id INTEGER PRIMARY KEY AUTOINCREMENT,number TEXT,presentation INTEGER NOT NULL DEFAULT 1,
post_dial_digits TEXT NOT NULL DEFAULT '',via_number TEXT NOT NULL DEFAULT '',date INTEGER,duration INTEGER,
data_usage INTEGER,type INTEGER,features INTEGER NOT NULL DEFAULT 0,subscription_component_name TEXT,
subscription_id TEXT,phone_account_address TEXT,phone_account_hidden INTEGER NOT NULL DEFAULT 0,
sub_id INTEGER DEFAULT -1,new INTEGER,name TEXT,numbertype INTEGER,numberlabel TEXT,countryiso TEXT,
voicemail_uri TEXT,is_read INTEGER,geocoded_location TEXT,lookup_uri TEXT,matched_number TEXT,
normalized_number TEXT,photo_id INTEGER NOT NULL DEFAULT 0,photo_uri TEXT,formatted_number TEXT,
add_for_all_users INTEGER NOT NULL DEFAULT 1,last_modified INTEGER DEFAULT 0,_data TEXT,has_content INTEGER,
mime_type TEXT,source_data TEXT,source_package TEXT,transcription TEXT,transcription_state INTEGER NOT NULL DEFAULT 0,
state INTEGER,dirty INTEGER NOT NULL DEFAULT 0,deleted INTEGER NOT NULL DEFAULT 0,backed_up INTEGER NOT NULL DEFAULT 0,
restored INTEGER NOT NULL DEFAULT 0,archived INTEGER NOT NULL DEFAULT 0,is_omtp_voicemail INTEGER NOT NULL DEFAULT 0,
call_screening_component_name TEXT,call_screening_app_name TEXT,block_reason INTEGER NOT NULL DEFAULT 0);
CREATE TABLE voicemail_status (_id INTEGER PRIMARY KEY AUTOINCREMENT,source_package TEXT NOT NULL,
phone_account_component_name TEXT,phone_account_id TEXT,settings_uri TEXT,voicemail_access_uri TEXT,
configuration_state INTEGER,data_channel_state INTEGER,notification_channel_state INTEGER,quota_occupied INTEGER
DEFAULT -1,quota_total INTEGER DEFAULT -1,source_type TEXT);
"""


def _fresh(path: Path, schema: str) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    conn.execute("INSERT INTO android_metadata (locale) VALUES ('en_US')")
    return conn


def _close(conn: sqlite3.Connection) -> None:
    conn.commit()
    conn.close()


# --- mmssms.db -------------------------------------------------------------------------------------

class _Threads:
    """threads and canonical_addresses as the provider fills them: one thread per set of
    other parties, each address once in canonical_addresses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.canonical: dict[str, int] = {}
        self.threads: dict[tuple[int, ...], int] = {}
        self.latest: dict[int, tuple[int, str | None, int]] = {}   # thread -> (date ms, snippet, count)

    def thread_for(self, addresses: Iterable[str]) -> int:
        ids = []
        for address in addresses:
            if address not in self.canonical:
                cursor = self.conn.execute("INSERT INTO canonical_addresses (address) VALUES (?)", (address,))
                self.canonical[address] = cursor.lastrowid
            ids.append(self.canonical[address])
        key = tuple(sorted(set(ids)))
        if key not in self.threads:
            cursor = self.conn.execute("INSERT INTO threads (recipient_ids) VALUES (?)",
                                       (" ".join(str(each) for each in key),))
            self.threads[key] = cursor.lastrowid
        return self.threads[key]

    def note(self, thread_id: int, date_ms: int, snippet: str | None) -> None:
        date, text, count = self.latest.get(thread_id, (0, None, 0))
        if date_ms >= date:
            date, text = date_ms, snippet
        self.latest[thread_id] = (date, text, count + 1)

    def finish(self) -> None:
        self.conn.executemany("UPDATE threads SET date = ?, snippet = ?, message_count = ? WHERE _id = ?",
                              [(date, text, count, thread) for thread, (date, text, count) in self.latest.items()])


def build_mmssms(path: Path, messages: Iterable[Sms | Mms], *, owner: str | None = None,
                 parts_dir: Path | None = None) -> Path:
    """Write ``mmssms.db`` holding ``messages`` in the given order. ``owner`` is the device's own
    number (left out of MMS threads, as the provider does); ``parts_dir`` receives the MMS
    attachments' bytes under the names ``part._data`` points to."""
    path = Path(path)
    conn = _fresh(path, MMSSMS_SCHEMA)
    threads = _Threads(conn)
    sms_rows = []
    for message in messages:
        if isinstance(message, Sms):
            thread = threads.thread_for([message.address or ""])
            threads.note(thread, message.date_ms, message.body)
            sms_rows.append((thread, message.address, message.date_ms, message.date_sent_ms, 0, message.read,
                             message.status, message.type, message.body, message.sub_id, 0, message.seen))
            if len(sms_rows) >= 10_000:
                _insert_sms(conn, sms_rows)
                sms_rows = []
        else:
            _insert_sms(conn, sms_rows)
            sms_rows = []
            _insert_mms(conn, threads, message, owner, parts_dir)
    _insert_sms(conn, sms_rows)
    threads.finish()
    _close(conn)
    return path


def _insert_sms(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    if rows:
        conn.executemany(
            "INSERT INTO sms (thread_id, address, date, date_sent, protocol, read, status, type, body, sub_id, "
            "error_code, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _insert_mms(conn: sqlite3.Connection, threads: _Threads, message: Mms, owner: str | None,
                parts_dir: Path | None) -> None:
    outgoing = message.msg_box != MMS_INBOX
    others = [message.sender] if message.sender and not outgoing else []
    others += [each for each in (*message.to, *message.cc) if each != owner]
    thread = threads.thread_for(others or [""])
    text = next((part.text for part in message.parts if part.content_type == "text/plain"), None)
    threads.note(thread, message.date_s * 1000, message.subject or text)
    m_type = message.m_type or (M_RETRIEVE_CONF if not outgoing else M_SEND_REQ)
    # The provider keeps the subject as the ISO-8859-1 reading of its bytes; sub_cs names the charset.
    subject = message.subject.encode("utf-8").decode("latin-1") if message.subject else None
    cursor = conn.execute(
        "INSERT INTO pdu (thread_id, date, date_sent, msg_box, read, m_id, sub, sub_cs, ct_t, m_type, v, m_size, "
        "pri, tr_id, seen, text_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (thread, message.date_s, message.date_sent_s, message.msg_box, message.read,
         f"m{message.date_s:x}", subject, 106 if subject else None, "application/vnd.wap.multipart.related",
         m_type, 18, sum(len(part.data or b"") + len(part.text or "") for part in message.parts), 129,
         f"T{message.date_s:x}", 1, int(all(part.content_type in ("text/plain", "application/smil")
                                            for part in message.parts))))
    mms_id = cursor.lastrowid
    addresses = [(message.sender if message.sender and not outgoing else INSERT_ADDRESS_TOKEN, ADDR_FROM)]
    addresses += [(each, ADDR_TO) for each in message.to] + [(each, ADDR_CC) for each in message.cc]
    conn.executemany("INSERT INTO addr (msg_id, address, type, charset) VALUES (?, ?, ?, 106)",
                     [(mms_id, address, kind) for address, kind in addresses])
    for seq, part in enumerate(message.parts):
        data_path = None
        if part.data is not None:
            stored = f"PART_{message.date_s}{seq}_{part.name or 'part'}"
            data_path = f"{PARTS_FOLDER}/{stored}"
            if parts_dir is not None:
                Path(parts_dir).mkdir(parents=True, exist_ok=True)
                (Path(parts_dir) / stored).write_bytes(part.data)
        name = part.name.encode("utf-8").decode("latin-1") if part.name else None
        conn.execute(
            "INSERT INTO part (mid, seq, ct, name, chset, cd, fn, cid, cl, _data, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (mms_id, -1 if part.content_type == "application/smil" else seq, part.content_type, name,
             part.charset if part.text is not None else None, None, name, f"<{name or seq}>", name, data_path,
             part.text))


# --- contacts2.db and calllog.db -------------------------------------------------------------------

def build_contacts2(path: Path, contacts: Sequence[AndroidContact] = (), *, calls: Sequence[CallEntry] | None = None,
                    accounts: Sequence[tuple[str, str]] = ()) -> Path:
    """Write ``contacts2.db``. ``calls`` adds the ``calls`` table Android 6 and older kept here;
    ``accounts`` are (account_name, account_type) pairs of the device owner's accounts, to which
    the accounts the contacts name are added."""
    path = Path(path)
    conn = _fresh(path, CONTACTS2_SCHEMA + (CALLS_LEGACY_SCHEMA if calls is not None else ""))
    mimetypes: dict[str, int] = {}
    account_ids: dict[tuple[str, str], int] = {}

    def mimetype(name: str) -> int:
        if name not in mimetypes:
            mimetypes[name] = conn.execute("INSERT INTO mimetypes (mimetype) VALUES (?)", (name,)).lastrowid
        return mimetypes[name]

    def account(pair: tuple[str, str] | None) -> int | None:
        if pair is None:
            return None
        if pair not in account_ids:
            account_ids[pair] = conn.execute("INSERT INTO accounts (account_name, account_type) VALUES (?, ?)",
                                             pair).lastrowid
        return account_ids[pair]

    for pair in accounts:
        account(tuple(pair))
    for index, person in enumerate(contacts, start=1):
        lookup = f"{index}r{index}-{zlib.crc32((person.name or '').encode()) % 10_000}"
        contact_id = conn.execute(
            "INSERT INTO contacts (starred, has_phone_number, lookup) VALUES (?, ?, ?)",
            (int(person.starred), int(bool(person.phones)), lookup)).lastrowid
        raw_id = _raw_contact(conn, contact_id, account(person.account), person.name, person.deleted, person.starred)
        conn.execute("UPDATE contacts SET name_raw_contact_id = ? WHERE _id = ?", (raw_id, contact_id))
        rows = []
        if person.name:
            given, _, family = person.name.partition(" ")
            rows.append((MIME_NAME, person.name, given or None, family or None))
        for number in person.phones:
            rows.append((MIME_PHONE, number, "2", None))   # data2 2 = TYPE_MOBILE
        for address in person.emails:
            rows.append((MIME_EMAIL, address, "1", None))  # data2 1 = TYPE_HOME
        if person.organisation:
            rows.append((MIME_ORGANIZATION, person.organisation, "1", None))
        if person.nickname:
            rows.append((MIME_NICKNAME, person.nickname, "1", None))
        for protocol, handle in person.im:
            rows.append((MIME_IM, handle, "3", None, None, str(protocol)))   # data5 = protocol
        for row in rows:
            _data_row(conn, mimetype(row[0]), raw_id, *row[1:])
        if person.whatsapp_jid:
            wa_raw = _raw_contact(conn, contact_id, account(("WhatsApp", "com.whatsapp")), person.name,
                                  person.deleted, False)
            number = "+" + person.whatsapp_jid.partition("@")[0]
            _data_row(conn, mimetype(MIME_NAME), wa_raw, person.name, None, None)
            _data_row(conn, mimetype(MIME_PHONE), wa_raw, number, "2", None)
            _data_row(conn, mimetype(MIME_WHATSAPP), wa_raw, person.whatsapp_jid, "WhatsApp", f"Message {number}")
    if calls is not None:
        conn.executemany(
            "INSERT INTO calls (number, date, duration, type, new, name, numbertype, countryiso, is_read, "
            "normalized_number) VALUES (?, ?, ?, ?, 0, ?, 2, ?, 1, ?)",
            [(call.number, call.date_ms, call.duration_s, call.type, call.name, call.countryiso, None)
             for call in calls])
    _close(conn)
    return path


def _raw_contact(conn: sqlite3.Connection, contact_id: int, account_id: int | None, name: str | None,
                 deleted: bool, starred: bool) -> int:
    alt = None
    if name and " " in name:
        first, _, last = name.rpartition(" ")
        alt = f"{last}, {first}"
    return conn.execute(
        "INSERT INTO raw_contacts (account_id, deleted, contact_id, starred, display_name, display_name_alt, "
        "display_name_source, sort_key, sort_key_alt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (account_id, int(deleted), contact_id, int(starred), name, alt or name, 40 if name else 0, name,
         alt or name)).lastrowid


def _data_row(conn: sqlite3.Connection, mimetype_id: int, raw_id: int, data1, data2=None, data3=None,
              data4=None, data5=None) -> None:
    conn.execute("INSERT INTO data (mimetype_id, raw_contact_id, data1, data2, data3, data4, data5) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)", (mimetype_id, raw_id, data1, data2, data3, data4, data5))


def build_calllog(path: Path, calls: Iterable[CallEntry]) -> Path:
    """Write ``calllog.db`` (Android 7 and newer) holding ``calls``."""
    path = Path(path)
    conn = _fresh(path, CALLLOG_SCHEMA)
    conn.executemany(
        "INSERT INTO calls (number, presentation, date, duration, type, features, phone_account_address, new, name, "
        "numbertype, countryiso, is_read, subscription_component_name, subscription_id, deleted, last_modified) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, 2, ?, 1, ?, ?, ?, ?)",
        ((call.number or "", call.presentation, call.date_ms, call.duration_s, call.type,
          FEATURES_VIDEO if call.video else 0, call.phone_account_address, call.name, call.countryiso,
          "com.android.phone/com.android.services.telephony.TelephonyConnectionService", "1",
          int(call.deleted), call.date_ms + call.duration_s * 1000) for call in calls))
    _close(conn)
    return path


# --- vCard export ----------------------------------------------------------------------------------

def _vcard_value(name: str, value: str) -> str:
    """One vCard 2.1 property as Android's exporter writes it: ASCII as is, anything else as
    quoted-printable UTF-8 with soft line breaks ("=" at the end of a line)."""
    if value.isascii() and "\n" not in value:
        return f"{name}:{value}"
    tokens = [chr(byte) if 33 <= byte <= 126 and byte != ord("=") else f"={byte:02X}"
              for byte in value.encode("utf-8")]
    lines, line = [], ""
    for token in tokens:
        if len(line) + len(token) > 72:
            lines.append(line + "=")
            line = ""
        line += token
    lines.append(line)
    return f"{name};CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:" + "\r\n".join(lines)


def build_vcf_export(path: Path, contacts: Sequence[AndroidContact]) -> Path:
    """Write the contacts as one ``.vcf`` file the way Android's Contacts app exports them."""
    out = []
    for person in contacts:
        out += ["BEGIN:VCARD", "VERSION:2.1"]
        if person.name:
            given, _, family = person.name.partition(" ")
            out.append(_vcard_value("N", f"{family};{given};;;"))
            out.append(_vcard_value("FN", person.name))
        if person.nickname:
            out.append(_vcard_value("X-ANDROID-CUSTOM", f"vnd.android.cursor.item/nickname;{person.nickname};1;;;;;;;;;;;;;"))
        for number in person.phones:
            out.append(f"TEL;CELL:{number}")
        for address in person.emails:
            out.append(f"EMAIL;HOME:{address}")
        if person.organisation:
            out.append(_vcard_value("ORG", person.organisation))
        out.append("END:VCARD")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("ascii"))
    return path
