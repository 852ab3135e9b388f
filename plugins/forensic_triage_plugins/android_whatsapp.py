"""WhatsApp for Android: messages and calls (``msgstore.db``), contacts (``wa.db``) and the
device owner's account (``shared_prefs``).

Both ``msgstore.db`` schemas are read:

- the post-2021 schema: ``message`` (``chat_row_id``, ``from_me``, ``sender_jid_row_id``,
  ``timestamp``, ``received_timestamp``, ``message_type``, ``text_data``) joined to ``chat``
  (``jid_row_id``, ``subject``) and ``jid`` (``raw_string``); attachments from
  ``message_media`` (``file_path``, ``mime_type``, ``file_size``, ``media_name``,
  ``file_hash``); delivery and read times from ``receipt_user`` (``receipt_timestamp``,
  ``read_timestamp``), falling back to ``receipt_device``; calls from ``call_log``
  (``jid_row_id``, ``from_me``, ``timestamp``, ``video_call``, ``duration``,
  ``call_result``);
- the legacy schema: ``messages`` (``key_remote_jid``, ``key_from_me``, ``data``,
  ``timestamp``, ``received_timestamp``, ``receipt_device_timestamp``,
  ``read_device_timestamp``, ``remote_resource``, ``media_*``) with group names from
  ``chat_list.subject``. Calls are the message rows with ``media_wa_type`` 8 (call) or 10
  (missed call), ``media_caption`` "audio"/"video" and ``media_duration`` in seconds.

Conventions (what an examiner sees):

- ``thread_id`` is the chat's JID; ``thread_name`` the group subject (1:1 chats have none in
  msgstore.db; names come from ``wa.db`` contacts, which the contact graph joins by JID).
- ``sender`` / ``recipients`` are JIDs as stored (``4917...@s.whatsapp.net``; ``...@g.us`` for a
  group). Where a newer store keys a person by a LID jid (``...@lid``) and ``jid_map`` links it to
  the phone-number jid, the phone-number jid is used for sender, recipients and call parties
  (``thread_id`` stays the chat's own jid), so the contact graph can join it to SMS and contacts. In a group the sender of an incoming message is the participant
  (``sender_jid_row_id`` / ``remote_resource``). The device owner appears as ``None`` on the
  sender side of outgoing messages, because msgstore.db does not store the owner's JID; the
  owner's account comes from the preferences plugin below.
- System rows (``message_type`` 7 in the new schema, ``status`` 6 with ``media_wa_type`` 0 in
  the legacy one: "X joined", "security code changed", ...) and the legacy placeholder row
  (``key_remote_jid`` '-1') are not messages: they are counted in one ``whatsapp.skipped`` warning.
- ``message_type``/``media_wa_type`` 15 (revoked, "This message was deleted") gives
  ``deleted=True``.
- ``received`` is set for incoming messages only (``received_timestamp``: when the phone got
  it); ``delivered``/``read`` for outgoing ones (the other side's receipts; in a group, the first
  participant's receipt).
- ``Attachment.path`` is ``message_media.file_path`` as WhatsApp recorded it (relative to the
  WhatsApp folder on shared storage, or absolute); ``sha256`` is ``file_hash`` (base64 SHA-256
  of the plaintext file) in hex.
- Calls: ``missed`` is True for ``call_result`` 2 (rejected), 3 (unavailable) and 4 (missed),
  False for 5 (connected), None otherwise (values as IPED's ExtractorAndroidNew reads them);
  legacy rows: ``media_wa_type`` 10 is missed.
- All WhatsApp times are milliseconds since 1970 UTC (unix_ms); call durations are seconds.

Sources: ALEAPP ``scripts/artifacts/whatsApp.py`` (queries, message types, wa_contacts rows
left out), IPED ``ExtractorAndroid``/``ExtractorAndroidNew`` (legacy type/status codes,
``call_log.call_result`` values, ``receipt_user``), thebinaryhick.blog "New Msgstore, Who Dis?"
(2022-06-09, the post-2021 schema), Group-IB "WhatsApp in plain sight" (wa_contacts columns).
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from collections import Counter
from collections.abc import Iterator
from xml.etree import ElementTree

from forensic_triage.sdk import (INCOMING, OUTGOING, SQLITE_MAGIC, Account, Attachment, Call, Contact, Context,
                                 Extractor, Message, PluginWarning, Select, Source)

APP = "WhatsApp"
APP_BUSINESS = "WhatsApp Business"

# message_type (new) / media_wa_type (legacy)
_SYSTEM = 7
_CALL, _MISSED_CALL = 8, 10
_REVOKED = 15
_DELETED_BY_ADMIN = 64
# call_log.call_result
_NOT_CONNECTED = {2, 3, 4}
_CONNECTED = 5

_NEW_REQUIRED = {"message": ("_id", "chat_row_id", "from_me", "timestamp"),
                 "chat": ("_id", "jid_row_id"),
                 "jid": ("_id", "raw_string")}
_LEGACY_REQUIRED = {"messages": ("_id", "key_remote_jid", "key_from_me", "timestamp")}


def app_name(path: str) -> str:
    return APP_BUSINESS if "com.whatsapp.w4b" in path.lower() else APP


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Tables (and views) with their column names, lower-cased."""
    schema: dict[str, set[str]] = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall():
        try:
            schema[table.lower()] = {row[1].lower() for row in conn.execute(f"PRAGMA table_info({_quote(table)})")}
        except sqlite3.DatabaseError:
            schema[table.lower()] = set()
    return schema


def missing_columns(schema: dict[str, set[str]], required: dict[str, tuple[str, ...]]) -> list[str]:
    missing = []
    for table, columns in required.items():
        have = schema.get(table)
        if have is None:
            missing.append(f"table {table}")
            continue
        missing += [f"{table}.{column}" for column in columns if column not in have]
    return missing


def media_hash_hex(value: object) -> str | None:
    """WhatsApp's ``file_hash``/``media_hash``: base64 of the file's SHA-256; hex when it is one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def _text(value: object) -> str | None:
    """A TEXT column; bytes (invalid UTF-8 the driver could not decode) are kept, replaced."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _int(value: object, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _basename(path: str | None) -> str | None:
    if not path:
        return None
    return path.replace("\\", "/").rsplit("/", 1)[-1] or None


def _is_multi(jid: str | None) -> bool:
    """Group, broadcast list or status: the sender is a participant, not the chat."""
    return bool(jid) and jid.endswith(("@g.us", "@broadcast"))


def _not_sqlite(ctx: Context, source: Source, what: str) -> PluginWarning | None:
    head = ctx.read_bytes(limit=len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return None
    return ctx.warning(f"{what}: {source.name} is not a plain SQLite database (encrypted backup or damaged "
                       f"header); nothing read", code="sqlite.not_sqlite", head=head[:16].hex())


# --- msgstore.db -----------------------------------------------------------------------------------

class WhatsAppMessages(Extractor):
    name = "android.whatsapp.msgstore"
    version = "1.1.0"      # 1.1: deleted messages (post-2021 schema) recovered from free space and the -wal
    description = ("WhatsApp Android msgstore.db: messages (legacy 'messages' and post-2021 'message' schemas), "
                   "attachments, receipts and calls.")
    selects = [
        Select(glob="**/com.whatsapp*/databases/msgstore*.db"),
        Select(sqlite_tables={"message": ["chat_row_id", "from_me", "timestamp", "text_data"],
                              "chat": ["jid_row_id"], "jid": ["raw_string"]}),
        Select(sqlite_tables={"messages": ["key_remote_jid", "key_from_me", "data", "timestamp"]}),
    ]
    kinds = [Message, Call]
    time_limit = 1800.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | Call | PluginWarning]:
        problem = _not_sqlite(ctx, source, APP)
        if problem:
            yield problem
            return
        try:
            conn = ctx.open_sqlite()
            schema = read_columns(conn)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: {source.name} cannot be opened as SQLite: {exc}", code="sqlite.corrupt")
            return
        conn.row_factory = None
        app = app_name(source.path)
        new_missing = missing_columns(schema, _NEW_REQUIRED)
        legacy_missing = missing_columns(schema, _LEGACY_REQUIRED)
        if new_missing and legacy_missing:
            closer = legacy_missing if "messages" in schema and "message" not in schema else new_missing
            yield ctx.warning(f"{APP}: unknown msgstore.db schema version, missing {', '.join(closer)}",
                              code="schema.unknown_version", app=APP, missing=closer)
            return
        skipped: Counter = Counter()
        state: dict = {}
        try:
            new_rows = _count(conn, "message") if not new_missing else 0
            legacy_rows = _count(conn, "messages", "WHERE key_remote_jid <> '-1'") if not legacy_missing else 0
            if not new_missing and (new_rows or legacy_missing or not legacy_rows):
                if legacy_rows and not legacy_missing:
                    yield ctx.warning(f"{APP}: the legacy 'messages' table also holds {legacy_rows} rows; only the "
                                      f"current 'message' table was read (the migration copies one into the other)",
                                      code="whatsapp.legacy_table_not_read", rows=legacy_rows)
                yield from _read_new(ctx, conn, schema, app, skipped, state)
            else:
                yield from _read_legacy(ctx, conn, schema, app, skipped, state)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading stopped, the database is damaged: {exc}", code="sqlite.corrupt")
        if state.get("invalid_utf8"):
            yield ctx.warning(f"{APP}: text that is not valid UTF-8 was read with U+FFFD in place of the bad bytes",
                              code="text.invalid_utf8")
        if skipped:
            parts = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
            yield ctx.warning(f"{APP}: rows that are not messages were left out: {parts}", code="whatsapp.skipped",
                              **{reason.replace(" ", "_"): count for reason, count in skipped.items()})


def _count(conn: sqlite3.Connection, table: str, where: str = "") -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {_quote(table)} {where}").fetchone()[0]


def rows_after(conn: sqlite3.Connection, sql: str, state: dict, key: int = 0) -> Iterator[tuple]:
    """Rows of ``sql`` (which filters ``> ?`` on a rowid and orders by it), streamed. TEXT that is
    not valid UTF-8 would stop the cursor: the query then resumes after the last row read, with a
    decoder that replaces the bad bytes (U+FFFD), and ``state["invalid_utf8"]`` is set."""
    last = -(1 << 63)
    while True:
        try:
            for row in conn.execute(sql, (last,)):
                last = row[key]
                yield row
            return
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc).lower() or conn.text_factory is not str:
                raise
            state["invalid_utf8"] = True
            conn.text_factory = _replacing


def _replacing(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _read_new(ctx: Context, conn: sqlite3.Connection, schema, app: str, skipped: Counter, state: dict) -> Iterator:
    has_media = "message_row_id" in schema.get("message_media", ())
    has_receipts = {"message_row_id", "receipt_timestamp"} <= schema.get("receipt_user", set())
    has_device = {"message_row_id", "receipt_device_timestamp"} <= schema.get("receipt_device", set())
    has_calls = {"jid_row_id", "from_me", "timestamp"} <= schema.get("call_log", set())

    def col(table: str, column: str) -> str:
        return f"{_ALIAS[table]}.{column}" if column in schema.get(table, ()) else "NULL"

    read_col = "MIN(NULLIF(read_timestamp, 0))" if "read_timestamp" in schema.get("receipt_user", ()) else "NULL"
    has_sender = "sender_jid_row_id" in schema["message"]
    # Newer stores key a person by a LID jid ("...@lid"); jid_map links it to the phone-number jid.
    has_map = {"lid_row_id", "jid_row_id"} <= schema.get("jid_map", set())
    joins = ["LEFT JOIN chat c ON c._id = m.chat_row_id", "LEFT JOIN jid cj ON cj._id = c.jid_row_id",
             "LEFT JOIN jid sj ON sj._id = m.sender_jid_row_id" if has_sender else ""]
    if has_map:
        joins += ["LEFT JOIN jid_map cm ON cm.lid_row_id = c.jid_row_id LEFT JOIN jid cmj ON cmj._id = cm.jid_row_id"]
        if has_sender:
            joins += [("LEFT JOIN jid_map sm ON sm.lid_row_id = m.sender_jid_row_id "
                       "LEFT JOIN jid smj ON smj._id = sm.jid_row_id")]
    chat_party = "COALESCE(cmj.raw_string, cj.raw_string)" if has_map else "cj.raw_string"
    sender_party = ("COALESCE(smj.raw_string, sj.raw_string)" if has_map else "sj.raw_string") if has_sender \
        else "NULL"
    if has_media:
        joins.append("LEFT JOIN message_media mm ON mm.message_row_id = m._id")
    if has_receipts:
        joins.append("LEFT JOIN (SELECT message_row_id, MIN(NULLIF(receipt_timestamp, 0)) AS delivered, "
                     f"{read_col} AS seen FROM receipt_user GROUP BY message_row_id) ru "
                     "ON ru.message_row_id = m._id")
    if has_device:
        joins.append("LEFT JOIN (SELECT message_row_id, MIN(NULLIF(receipt_device_timestamp, 0)) AS delivered "
                     "FROM receipt_device GROUP BY message_row_id) rd ON rd.message_row_id = m._id")
    media_cols = ", ".join(col("message_media", name) if has_media else "NULL" for name in
                           ("file_path", "mime_type", "file_size", "media_name", "file_hash", "media_caption",
                            "media_duration"))
    sql = (f"SELECT m._id, m.from_me, m.timestamp, {col('message', 'received_timestamp')}, "
           f"{col('message', 'message_type')}, {col('message', 'text_data')}, "
           f"cj.raw_string, {chat_party}, {col('chat', 'subject')}, {sender_party}, {media_cols}, "
           f"{'ru.delivered' if has_receipts else 'NULL'}, {'ru.seen' if has_receipts else 'NULL'}, "
           f"{'rd.delivered' if has_device else 'NULL'} "
           f"FROM message m {' '.join(joins)} WHERE m._id > ? ORDER BY m._id")
    unix_ms = ctx.time.unix_ms
    locate = ctx.locate
    incoming_word, outgoing_word = INCOMING, OUTGOING
    for row in rows_after(conn, sql, state):
        (rowid, from_me, stamp, received, kind, text, chat_jid, party, subject, sender_jid, file_path, mime,
         size, media_name, file_hash, caption, duration, delivered, seen, device_delivered) = row
        if type(kind) is not int:
            kind = _int(kind, 0)
        if kind == _SYSTEM:
            skipped["system rows"] += 1
            continue
        if chat_jid is not None and type(chat_jid) is not str:
            chat_jid = _text(chat_jid)
        if party is not None and type(party) is not str:
            party = _text(party)
        outgoing = from_me == 1 or (from_me not in (0, None) and bool(_int(from_me, 0)))
        if kind == _CALL or kind == _MISSED_CALL:
            if has_calls:
                skipped["call rows also in call_log"] += 1
            else:
                yield _marker_call(ctx, app, "message", rowid, party, outgoing, stamp, kind, _text(caption),
                                   duration)
            continue
        body = text if type(text) is str or text is None else _text(text)
        if body is None and caption is not None:
            body = _text(caption)
        attachments = ()
        if file_path is not None or mime is not None or media_name is not None or file_hash is not None:
            attachments = (Attachment(name=_text(media_name) or _basename(_text(file_path)), mime_type=_text(mime),
                                      size=_int(size), sha256=media_hash_hex(file_hash), path=_text(file_path)),)
        multi = chat_jid is not None and chat_jid.endswith(("@g.us", "@broadcast"))
        if outgoing:
            yield Message(app=app, body=body, thread_id=chat_jid, thread_name=_text(subject), sender=None,
                          recipients=(party,) if party else (), direction=outgoing_word, sent=unix_ms(stamp),
                          delivered=unix_ms(delivered if delivered is not None else device_delivered),
                          read=unix_ms(seen), attachments=attachments, deleted=kind in _DELETED_TYPES,
                          locator=locate(table="message", rowid=rowid))
        else:
            yield Message(app=app, body=body, thread_id=chat_jid, thread_name=_text(subject),
                          sender=_text(sender_jid) if multi and sender_jid else party,
                          recipients=(chat_jid,) if multi and chat_jid else (), direction=incoming_word,
                          sent=unix_ms(stamp), received=unix_ms(received), attachments=attachments,
                          deleted=kind in _DELETED_TYPES, locator=locate(table="message", rowid=rowid))
    yield from _recovered_new(ctx, conn, schema, app)
    if has_calls:
        yield from _read_call_log(ctx, conn, schema, app, state)


_FIRST_MS, _LAST_MS = 1_230_768_000_000, 4_102_444_800_000       # 2009-01-01 (WhatsApp's first year), 2100-01-01
_RECOVERED_COLUMNS = ("_id", "chat_row_id", "from_me", "key_id", "sender_jid_row_id", "timestamp",
                      "received_timestamp", "message_type", "text_data")


def _plausible_ms(value: object) -> bool:
    return type(value) is int and _FIRST_MS <= value < _LAST_MS


def _recovered_new(ctx: Context, conn: sqlite3.Connection, schema, app: str) -> Iterator:
    """Deleted ``message`` rows rebuilt from msgstore.db's free space and -wal (ctx.recover_records),
    as messages with ``recovered=True``. A record becomes a message only when every value has the
    type the schema gives it, ``from_me`` is 0/1, ``timestamp`` lies between 2009 and 2100 (and
    ``received_timestamp`` too when set), and it is not a system row; chat and sender jids are
    looked up in the live ``chat``/``jid`` tables (unknown when those rows went too). Their
    attachments and receipts (other tables) are not rebuilt. Older versions of live messages are
    not taken for deleted ones: records matching a live row's chat, direction and key id are left out."""
    columns = [name for name in _RECOVERED_COLUMNS if name in schema["message"]]
    match_on = ["chat_row_id", "from_me", "key_id"] if "key_id" in columns else ["chat_row_id", "timestamp"]
    has_map = {"lid_row_id", "jid_row_id"} <= schema.get("jid_map", set())
    subject = "c.subject" if "subject" in schema.get("chat", ()) else "NULL"
    mapped = ("COALESCE((SELECT mj.raw_string FROM jid_map m JOIN jid mj ON mj._id = m.jid_row_id "
              "WHERE m.lid_row_id = {0}), (SELECT raw_string FROM jid WHERE _id = {0}))") if has_map else \
        "(SELECT raw_string FROM jid WHERE _id = {0})"
    chat_sql = (f"SELECT (SELECT raw_string FROM jid WHERE _id = c.jid_row_id), {mapped.format('c.jid_row_id')}, "
                f"{subject} FROM chat c WHERE c._id = ?")
    sender_sql = f"SELECT {mapped.format('?')}"
    dropped = 0
    try:
        for record in ctx.recover_records(table="message", columns=columns, match_on=match_on):
            row = dict(zip(record.columns, record.values))
            chat, from_me, stamp = row.get("chat_row_id"), row.get("from_me"), row.get("timestamp")
            kind, text, received = row.get("message_type", 0), row.get("text_data"), row.get("received_timestamp")
            sender_row, key = row.get("sender_jid_row_id"), row.get("key_id", "")
            if kind is None:
                kind = 0
            if not (type(chat) is int and chat > 0 and from_me in (0, 1) and _plausible_ms(stamp)
                    and type(kind) is int and 0 <= kind < 1000 and (text is None or type(text) is str)
                    and type(key) is str and key and (sender_row is None or type(sender_row) is int)
                    and (received in (None, 0, -1) or _plausible_ms(received))):
                dropped += 1
                continue
            if kind in (_SYSTEM, _CALL, _MISSED_CALL):
                continue
            found = conn.execute(chat_sql, (chat,)).fetchone()
            chat_jid, party, group_subject = (_text(value) for value in found) if found else (None, None, None)
            sender_jid = _text(conn.execute(sender_sql, (sender_row,)).fetchone()[0]) if sender_row else None
            multi = _is_multi(chat_jid)
            common = {"app": app, "body": text, "thread_id": chat_jid, "thread_name": group_subject,
                      "sent": ctx.time.unix_ms(stamp), "deleted": kind in _DELETED_TYPES, "recovered": True,
                      "locator": record.locator()}
            if from_me:
                yield Message(sender=None, recipients=(party,) if party else (), direction=OUTGOING, **common)
            else:
                yield Message(sender=sender_jid if multi and sender_jid else party,
                              recipients=(chat_jid,) if multi and chat_jid else (), direction=INCOMING,
                              received=ctx.time.unix_ms(received), **common)
    except (ValueError, sqlite3.DatabaseError) as exc:
        yield ctx.warning(f"{APP}: deleted messages could not be searched for: {exc}", code="recovery.failed",
                          locator=ctx.locate(table="message"))
    if dropped:
        yield ctx.warning(f"{APP}: {dropped} record(s) of the message layout found in free space or the -wal did not "
                          "read as messages (types or times impossible) and were left out", code="recovery.dropped",
                          dropped=dropped)


_DELETED_TYPES = frozenset({_REVOKED, _DELETED_BY_ADMIN})
_ALIAS = {"message": "m", "chat": "c", "message_media": "mm"}


def _read_call_log(ctx: Context, conn: sqlite3.Connection, schema, app: str, state: dict) -> Iterator[Call]:
    columns = schema["call_log"]
    group = "gj.raw_string" if "group_jid_row_id" in columns else "NULL"
    has_map = {"lid_row_id", "jid_row_id"} <= schema.get("jid_map", set())
    party = "COALESCE(mj.raw_string, j.raw_string)" if has_map else "j.raw_string"
    sql = (f"SELECT cl._id, cl.from_me, cl.timestamp, {'cl.video_call' if 'video_call' in columns else 'NULL'}, "
           f"{'cl.duration' if 'duration' in columns else 'NULL'}, "
           f"{'cl.call_result' if 'call_result' in columns else 'NULL'}, {party}, {group} "
           "FROM call_log cl LEFT JOIN jid j ON j._id = cl.jid_row_id "
           + ("LEFT JOIN jid_map jm ON jm.lid_row_id = cl.jid_row_id LEFT JOIN jid mj ON mj._id = jm.jid_row_id "
              if has_map else "")
           + ("LEFT JOIN jid gj ON gj._id = cl.group_jid_row_id " if "group_jid_row_id" in columns else "")
           + "WHERE cl._id > ? ORDER BY cl._id")
    for rowid, from_me, stamp, video, duration, result, jid, group_jid in rows_after(conn, sql, state):
        result = _int(result)
        parties = tuple(value for value in (_text(jid), _text(group_jid)) if value)
        yield Call(app=app, parties=parties, direction=OUTGOING if _int(from_me, 0) else INCOMING,
                   start=ctx.time.unix_ms(stamp), duration_s=float(_int(duration, 0)) if duration is not None
                   else None, video=bool(_int(video, 0)),
                   missed=True if result in _NOT_CONNECTED else False if result == _CONNECTED else None,
                   locator=ctx.locate(table="call_log", rowid=rowid))


def _marker_call(ctx: Context, app: str, table: str, rowid: int, jid: str | None, outgoing: bool, stamp,
                 kind: int, caption: str | None, duration) -> Call:
    return Call(app=app, parties=(jid,) if jid else (), direction=OUTGOING if outgoing else INCOMING,
                start=ctx.time.unix_ms(stamp), duration_s=float(_int(duration, 0)) if duration is not None else None,
                video=(caption or "").lower() == "video", missed=(kind == _MISSED_CALL),
                locator=ctx.locate(table=table, rowid=rowid))


def _read_legacy(ctx: Context, conn: sqlite3.Connection, schema, app: str, skipped: Counter, state: dict) -> Iterator:
    cols = schema["messages"]

    def col(name: str) -> str:
        return f"m.{name}" if name in cols else "NULL"

    subject = "cl.subject" if {"key_remote_jid", "subject"} <= schema.get("chat_list", set()) else "NULL"
    join = "LEFT JOIN chat_list cl ON cl.key_remote_jid = m.key_remote_jid" if subject != "NULL" else ""
    sql = (f"SELECT m._id, m.key_remote_jid, m.key_from_me, {col('status')}, {col('data')}, m.timestamp, "
           f"{col('received_timestamp')}, {col('media_wa_type')}, {col('media_mime_type')}, {col('media_size')}, "
           f"{col('media_name')}, {col('media_caption')}, {col('media_hash')}, {col('media_duration')}, "
           f"{col('remote_resource')}, {col('receipt_device_timestamp')}, {col('read_device_timestamp')}, "
           f"{subject} FROM messages m {join} WHERE m._id > ? ORDER BY m._id")
    unix_ms = ctx.time.unix_ms
    locate = ctx.locate
    for row in rows_after(conn, sql, state):
        (rowid, jid, from_me, status, data, stamp, received, wa_type, mime, size, media_name, caption, media_hash,
         duration, remote_resource, delivered, seen, chat_subject) = row
        jid = _text(jid)
        if jid == "-1":
            skipped["placeholder rows"] += 1
            continue
        kind = _int(wa_type, 0)
        status = _int(status)
        outgoing = bool(_int(from_me, 0))
        if kind in (_CALL, _MISSED_CALL):
            yield _marker_call(ctx, app, "messages", rowid, jid, outgoing, stamp, kind, _text(caption), duration)
            continue
        if kind == 0 and status == 6:
            skipped["system rows"] += 1
            continue
        body = _text(data)
        if body is None and caption is not None:
            body = _text(caption)
        attachments = ()
        if kind != 0 and (mime is not None or media_name is not None or media_hash is not None):
            attachments = (Attachment(name=_text(media_name), mime_type=_text(mime), size=_int(size),
                                      sha256=media_hash_hex(media_hash)),)
        multi = _is_multi(jid)
        if outgoing:
            sender, recipients = None, ((jid,) if jid else ())
        else:
            sender = _text(remote_resource) if multi and remote_resource else jid
            recipients = (jid,) if multi and jid else ()
        yield Message(app=app, body=body, thread_id=jid, thread_name=_text(chat_subject), sender=sender,
                      recipients=recipients, direction=OUTGOING if outgoing else INCOMING, sent=unix_ms(stamp),
                      received=None if outgoing else unix_ms(received),
                      delivered=unix_ms(delivered) if outgoing else None,
                      read=unix_ms(seen) if outgoing else None, attachments=attachments,
                      deleted=kind in _DELETED_TYPES, locator=locate(table="messages", rowid=rowid))


# --- wa.db ---------------------------------------------------------------------------------------

class WhatsAppContacts(Extractor):
    name = "android.whatsapp.contacts"
    version = "1.0.0"
    description = "WhatsApp Android wa.db: the wa_contacts table (people the phone's WhatsApp knows)."
    selects = [
        Select(glob="**/com.whatsapp*/databases/wa.db"),
        Select(sqlite_tables={"wa_contacts": ["jid", "is_whatsapp_user", "display_name", "number"]}),
    ]
    kinds = [Contact]

    def extract(self, ctx: Context, source: Source) -> Iterator[Contact | PluginWarning]:
        problem = _not_sqlite(ctx, source, APP)
        if problem:
            yield problem
            return
        try:
            conn = ctx.open_sqlite()
            schema = read_columns(conn)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: {source.name} cannot be opened as SQLite: {exc}", code="sqlite.corrupt")
            return
        missing = missing_columns(schema, {"wa_contacts": ("_id", "jid")})
        if missing:
            yield ctx.warning(f"{APP}: unknown wa.db schema version, missing {', '.join(missing)}",
                              code="schema.unknown_version", app=APP, missing=missing)
            return
        conn.row_factory = None
        cols = schema["wa_contacts"]
        wanted = ("display_name", "given_name", "family_name", "wa_name", "number", "company", "nickname")
        select = ", ".join(name if name in cols else "NULL" for name in wanted)
        app = app_name(source.path)
        skipped: Counter = Counter()
        state: dict = {}
        try:
            for row in rows_after(conn, f"SELECT _id, jid, {select} FROM wa_contacts WHERE _id > ? ORDER BY _id",
                                  state):
                rowid, jid, display, given, family, wa_name, number, company, nickname = (
                    row[0], _text(row[1]), *(_text(value) for value in row[2:]))
                if not jid:
                    skipped["rows without a jid"] += 1
                    continue
                if jid.endswith("@g.us"):
                    skipped["group chats"] += 1
                    continue
                if jid.endswith(("@newsletter", "@broadcast")):
                    skipped["channels and broadcast lists"] += 1
                    continue
                name = display or " ".join(part for part in (given, family) if part) or wa_name or nickname
                phones = (number,) if number else ()
                e164 = []
                for value in (number, jid if jid.endswith("@s.whatsapp.net") else None):
                    normal = ctx.e164(value)
                    if normal and normal not in e164:
                        e164.append(normal)
                handles = tuple(value for value in (jid, f"~{wa_name}" if wa_name and wa_name != name else None)
                                if value)
                yield Contact(app=app, display_name=name or None, phones=phones, phones_e164=tuple(e164),
                              handles=handles, organisation=company or None,
                              locator=ctx.locate(table="wa_contacts", rowid=rowid))
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading stopped, the database is damaged: {exc}", code="sqlite.corrupt")
        if state.get("invalid_utf8"):
            yield ctx.warning(f"{APP}: text that is not valid UTF-8 was read with U+FFFD in place of the bad bytes",
                              code="text.invalid_utf8")
        if skipped:
            parts = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
            yield ctx.warning(f"{APP}: wa_contacts rows that are not people were left out: {parts}",
                              code="whatsapp.skipped")


# --- shared_prefs ------------------------------------------------------------------------------------

_PREF_KEYS = {
    "cc": "cc", "ph": "ph", "push_name": "push_name",
    "com.whatsapp.registration.RegisterPhone.country_code": "cc",
    "com.whatsapp.registration.RegisterPhone.phone_number": "ph",
}


class WhatsAppOwner(Extractor):
    name = "android.whatsapp.preferences"
    version = "1.0.0"
    description = "WhatsApp Android shared_prefs: the device owner's account (cc, ph, push_name)."
    selects = [
        Select(glob="**/com.whatsapp*/shared_prefs/com.whatsapp_preferences_light.xml"),
        Select(glob="**/com.whatsapp*/shared_prefs/com.whatsapp_preferences.xml"),
        Select(glob="**/com.whatsapp*/shared_prefs/startup_prefs.xml"),
        Select(glob="**/com.whatsapp*/shared_prefs/com.whatsapp.registration.RegisterPhone.xml"),
    ]
    kinds = [Account]

    def extract(self, ctx: Context, source: Source) -> Iterator[Account | PluginWarning]:
        data = ctx.read_bytes(limit=4 << 20)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            yield ctx.warning(f"{APP}: {source.name} declares a DTD/entities; not parsed", code="xml.refused")
            return
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            yield ctx.warning(f"{APP}: {source.name} is not well-formed XML: {exc}", code="xml.unparsable")
            return
        values: dict[str, tuple[str, str]] = {}
        for element in root:
            key = _PREF_KEYS.get(element.get("name", ""))
            if key is None or key in values:
                continue
            value = element.text if element.tag == "string" else element.get("value")
            if value:
                values[key] = (value.strip(), f"/map/{element.tag}[@name='{element.get('name')}']")
        cc, ph = values.get("cc", ("", ""))[0], values.get("ph", ("", ""))[0]
        if not (cc.isdigit() and ph.isdigit()):
            if values:
                yield ctx.warning(f"{APP}: {source.name} holds no complete owner number (cc/ph)",
                                  code="whatsapp.no_owner_number")
            return
        number = "+" + cc + ph
        name = values.get("push_name", (None, None))[0]
        yield Account(app=app_name(source.path), identifier=f"{cc}{ph}@s.whatsapp.net", display_name=name,
                      phone=number, locator=ctx.locate(pointer=values["ph"][1]))
