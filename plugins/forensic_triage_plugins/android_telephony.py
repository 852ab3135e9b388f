"""Android SMS and MMS from the telephony provider's ``mmssms.db``.

Where it lives: ``/data/data/com.android.providers.telephony/databases/mmssms.db`` (Android 7+:
``/data/user_de/0/...``). What is read:

- ``sms``: one row per text message. ``type`` 1 is the inbox (incoming); 2 sent, 3 draft,
  4 outbox, 5 failed and 6 queued are the device's own (outgoing). ``date`` is when the phone
  stored the message (received, or sent/queued) and ``date_sent`` the sender's time of a
  received one, both milliseconds since 1970 UTC. A draft was never sent: its ``sent`` time is
  "not applicable".
- ``pdu`` / ``addr`` / ``part``: MMS. Only user messages (``m_type`` 128 send_req, 130
  notification_ind, 132 retrieve_conf) become messages; delivery and read reports are not
  messages. ``pdu.date`` and ``date_sent`` are seconds since 1970 UTC. ``addr.type`` is the
  MMS header the address came from (137 From, 151 To, 130 Cc, 129 Bcc); the device writes
  ``insert-address-token`` as the From of what it sends. Text parts (``text/plain``) make the
  body, after the subject (``pdu.sub``) when there is one; other parts, except the SMIL layout,
  are attachments, with the path of the part file next to the database (``app_parts/``).
  The provider keeps subjects, addresses and part names as the ISO-8859-1 reading of their bytes
  with the charset in a sibling column (``sub_cs``, ``charset``, ``chset``); they are decoded here.
- ``threads`` + ``canonical_addresses``: a thread's name is its participants' addresses.

Rows are streamed (the three MMS tables by a merge on the message id), so memory stays bounded
whatever the size of the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from itertools import groupby

from forensic_triage.sdk import (INCOMING, OUTGOING, UNKNOWN, Attachment, Context, Extractor, Message,
                                 PluginWarning, Select, Source)

APP = "Android SMS/MMS"
SMS_REQUIRED = ("_id", "address", "date", "type", "body")
SMS_OPTIONAL = ("thread_id", "date_sent")
PDU_REQUIRED = ("_id", "date", "msg_box")
PDU_OPTIONAL = ("thread_id", "date_sent", "sub", "sub_cs", "m_type")
ADDR_REQUIRED = ("msg_id", "address", "type")
PART_REQUIRED = ("mid", "ct")
PART_OPTIONAL = ("seq", "text", "name", "fn", "cl", "_data")

SMS_OUTGOING = {2, 3, 4, 5, 6}
SMS_DRAFT = 3
MMS_OUTGOING = {2, 3, 4, 5}
MMS_DRAFT = 3
MMS_MESSAGE_TYPES = {128, 130, 132}       # send_req, notification_ind, retrieve_conf
ADDR_FROM, ADDR_TO, ADDR_CC, ADDR_BCC = 137, 151, 130, 129
INSERT_ADDRESS_TOKEN = "insert-address-token"
# MIBenum charset numbers (IANA) the MMS stack writes, to Python codecs.
CHARSETS = {3: "ascii", 4: "latin-1", 5: "iso-8859-2", 6: "iso-8859-3", 7: "iso-8859-4", 8: "iso-8859-5",
            9: "iso-8859-6", 10: "iso-8859-7", 11: "iso-8859-8", 12: "iso-8859-9", 17: "shift_jis",
            18: "euc_jp", 36: "euc_kr", 38: "euc_kr", 106: "utf-8", 113: "gbk", 1013: "utf-16-be",
            1014: "utf-16-le", 1015: "utf-16", 2025: "gb2312", 2026: "big5", 2252: "cp1252"}
MAX_ROW_WARNINGS = 50


class _Damaged(str):
    """Text that was not valid UTF-8 in the database (the bad bytes are U+FFFD here)."""


def _decode_text(data: bytes) -> str:
    """The connection's text_factory: keeps rows whose text is not valid UTF-8 (sqlite3 would
    raise on them) and marks such values so the row gets a warning."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _Damaged(data.decode("utf-8", errors="replace"))


def is_damaged(row) -> bool:
    return _Damaged in map(type, row)


def as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if type(value) is str else str(value)


def as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema(conn: sqlite3.Connection) -> dict[str, set[str]]:
    schema = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        columns = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        schema[table.lower()] = {column[1].lower() for column in columns}
    return schema


def open_database(ctx: Context, app: str):
    """The source opened for these plugins: (connection, schema {table: columns, lower case},
    warnings), or one warning when it cannot be read at all. Rows come back as tuples; text
    that is not valid UTF-8 is kept (see _decode_text)."""
    try:
        conn = ctx.open_sqlite()
        conn.row_factory = None
        conn.text_factory = _decode_text
    except (sqlite3.DatabaseError, OSError) as exc:
        return ctx.warning(f"{app}: not a readable SQLite database (damaged or encrypted): {exc}",
                           code="sqlite.unreadable")
    try:
        return conn, _schema(conn), []
    except sqlite3.DatabaseError as exc:
        first = exc
    # SQLite refuses a file cut short (its header promises more pages than there are) unless
    # writable_schema is on; on this read-only copy that only lets the pages present be read.
    try:
        conn.execute("PRAGMA writable_schema = ON")
        schema = _schema(conn)
    except sqlite3.DatabaseError:
        return ctx.warning(f"{app}: not a readable SQLite database (damaged or encrypted): {first}",
                           code="sqlite.unreadable")
    return conn, schema, [ctx.warning(f"{app}: damaged database ({first}); reading the pages that are left",
                                      code="sqlite.damaged")]


def _mms_string(value, charset) -> str | None:
    """A string the MMS provider stored as the ISO-8859-1 reading of bytes in ``charset``."""
    text = as_text(value)
    if not text:
        return text
    codec = CHARSETS.get(as_int(charset) or 106, "utf-8")
    if codec in ("latin-1", "ascii"):
        return text
    try:
        return text.encode("latin-1").decode(codec)
    except (UnicodeEncodeError, UnicodeDecodeError, LookupError):
        return text     # already real text (some OEM providers store it decoded)


def _part_path(source: Source, data) -> str | None:
    """Where the part file is in the evidence: the provider's ``app_parts`` folder beside the
    ``databases`` folder the database came from; otherwise the stored path itself."""
    stored = as_text(data)
    if not stored:
        return None
    stored = stored.replace("\\", "/")
    folder = source.path.rpartition("/")[0]
    if "/app_parts/" in stored and (folder == "databases" or folder.endswith("/databases")):
        return folder[: -len("databases")] + "app_parts/" + stored.rpartition("/")[2]
    return stored.lstrip("/")


EARLIEST_MS, LATEST_MS = 946_684_800_000, 4_102_444_800_000      # 2000-01-01, 2100-01-01 UTC


def _plausible_ms(value) -> bool:
    return type(value) is int and EARLIEST_MS <= value < LATEST_MS


def _sms_message(ctx: Context, kind: int | None, address: str | None, thread, date, date_sent, has_sent: bool,
                 body: str | None, threads: dict[int, str], locator, recovered: bool = False) -> Message:
    """One SMS row as a Message (live rows and rows recovered from free space alike)."""
    unix_ms = ctx.time.unix_ms
    if kind == 1:
        direction, sender, recipients = INCOMING, address, ()
        sent = unix_ms(date_sent) if has_sent else None
        received = unix_ms(date)
    elif kind in SMS_OUTGOING:
        direction, sender, recipients = OUTGOING, None, (address,) if address else ()
        sent = ctx.time.not_applicable("unix_ms") if kind == SMS_DRAFT else unix_ms(date)
        received = None
    else:
        direction, sender, recipients = UNKNOWN, None, (address,) if address else ()
        sent, received = None, unix_ms(date)
    return Message(app=APP, service="SMS", body=body, thread_id=as_text(thread),
                   thread_name=threads.get(thread) if thread is not None else None, sender=sender,
                   recipients=recipients, direction=direction, sent=sent, received=received, recovered=recovered,
                   locator=locator)


class _Groups:
    """Rows of a cursor ordered by an integer key, handed out one key at a time (a merge join
    that never holds more than one message's rows)."""

    def __init__(self, rows, key_index: int) -> None:
        self._groups = groupby(rows, key=lambda row: row[key_index])
        self._current = next(self._groups, None)

    def take(self, wanted: int) -> list:
        while self._current is not None and self._current[0] < wanted:
            self._current = next(self._groups, None)
        if self._current is not None and self._current[0] == wanted:
            rows = list(self._current[1])
            self._current = next(self._groups, None)
            return rows
        return []


class AndroidSms(Extractor):
    name = "android.sms"
    version = "1.1.0"      # 1.1: deleted SMS recovered from free space and the -wal
    description = "Android SMS and MMS (with parts and addresses) from the telephony provider's mmssms.db."
    selects = [
        Select(glob="**/mmssms.db"),
        Select(sqlite_tables={"sms": ["_id", "thread_id", "address", "date", "type", "body"],
                              "canonical_addresses": ["address"]}),
        Select(sqlite_tables={"pdu": ["_id", "thread_id", "date", "msg_box", "m_type"],
                              "part": ["mid", "ct", "_data", "text"], "addr": ["msg_id", "address", "type"]}),
    ]
    kinds = [Message]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | PluginWarning]:
        opened = open_database(ctx, APP)
        if isinstance(opened, PluginWarning):
            yield opened
            return
        conn, schema, notes = opened
        yield from notes
        if "sms" not in schema and "pdu" not in schema:
            yield ctx.warning(f"{APP}: neither an sms nor a pdu table; not an mmssms.db this plugin knows",
                              code="schema.unknown", tables=sorted(schema))
            return
        missing = {}
        for table, required in (("sms", SMS_REQUIRED), ("pdu", PDU_REQUIRED), ("addr", ADDR_REQUIRED),
                                ("part", PART_REQUIRED)):
            if table in schema:
                lacking = [column for column in required if column not in schema[table]]
                if lacking:
                    missing[table] = lacking
        if missing:
            detail = "; ".join(f"{table} lacks {', '.join(columns)}" for table, columns in missing.items())
            yield ctx.warning(f"{APP}: unknown schema version: {detail}; those tables are not read",
                              code="schema.missing_columns", missing=missing)

        threads = yield from self._thread_names(ctx, conn, schema)
        if "sms" in schema and "sms" not in missing:
            yield from self._sms(ctx, conn, schema["sms"], threads)
            yield from self._recovered_sms(ctx, schema["sms"], threads)
        if "pdu" in schema and "pdu" not in missing:
            yield from self._mms(ctx, source, conn, schema, missing, threads)

    # --- threads --------------------------------------------------------------------------------

    def _thread_names(self, ctx: Context, conn, schema) -> Iterator[PluginWarning]:
        names: dict[int, str] = {}
        if "recipient_ids" not in schema.get("threads", set()) or \
                "address" not in schema.get("canonical_addresses", set()):
            return names
        try:
            canonical = {row[0]: as_text(row[1]) for row in conn.execute("SELECT _id, address FROM canonical_addresses")}
            for thread_id, recipients in conn.execute("SELECT _id, recipient_ids FROM threads"):
                addresses = [canonical.get(as_int(each)) for each in (as_text(recipients) or "").split()]
                addresses = [each for each in addresses if each]
                if addresses:
                    names[thread_id] = ", ".join(addresses)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: thread names unreadable: {exc}", code="sqlite.table_unreadable",
                              locator=ctx.locate(table="threads"))
        return names

    # --- SMS ------------------------------------------------------------------------------------

    def _sms(self, ctx: Context, conn, columns: set[str],
             threads: dict[int, str]) -> Iterator[Message | PluginWarning]:
        wanted = list(SMS_REQUIRED) + [column for column in SMS_OPTIONAL if column in columns]
        index = {column: position for position, column in enumerate(wanted)}
        has_thread, has_sent = "thread_id" in index, "date_sent" in index
        problems = 0
        last = None
        try:
            cursor = conn.execute(f"SELECT {', '.join(wanted)} FROM sms ORDER BY _id")
            for row in cursor:
                last = row[0]
                try:
                    message = _sms_message(ctx, as_int(row[3]), as_text(row[1]),
                                           row[index["thread_id"]] if has_thread else None, row[2],
                                           row[index["date_sent"]] if has_sent else None, has_sent,
                                           as_text(row[4]), threads, ctx.locate(table="sms", rowid=as_int(row[0])))
                except (TypeError, ValueError) as exc:
                    problems += 1
                    if problems <= MAX_ROW_WARNINGS:
                        yield ctx.warning(f"{APP}: sms row {row[0]} unreadable: {exc}", code="row.unreadable",
                                          locator=ctx.locate(table="sms", rowid=as_int(row[0])))
                    continue
                if is_damaged(row):
                    yield ctx.warning(f"{APP}: sms row {row[0]} holds text that is not valid UTF-8; "
                                      "the bad bytes are shown as U+FFFD", code="text.invalid_utf8",
                                      locator=ctx.locate(table="sms", rowid=as_int(row[0])))
                yield message
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading sms stopped after row {last}: {exc}", code="sqlite.corrupt",
                              locator=ctx.locate(table="sms", rowid=as_int(last)))
        if problems > MAX_ROW_WARNINGS:
            yield ctx.warning(f"{APP}: {problems} sms rows unreadable in all", code="row.unreadable")

    def _recovered_sms(self, ctx: Context, columns: set[str],
                       threads: dict[int, str]) -> Iterator[Message | PluginWarning]:
        """Deleted SMS rows rebuilt from the database's free space and -wal (ctx.recover_records).
        Only records that read as an SMS become messages: the types of every column, a ``type``
        the provider writes, a ``date`` (and a ``date_sent`` when set) between 2000 and 2100, an
        address or a body. Anything else is dropped, not guessed. A record with the address and
        ``date`` (ms) of a live row is a copy of it (an older version, or one partly overwritten),
        not a deleted message."""
        wanted = list(SMS_REQUIRED) + [column for column in SMS_OPTIONAL if column in columns]
        dropped = 0
        try:
            records = ctx.recover_records(table="sms", columns=wanted, match_on=["address", "date"])
            for record in records:
                row = dict(zip(record.columns, record.values))
                kind, address, date, body = row["type"], row["address"], row["date"], row["body"]
                thread, date_sent = row.get("thread_id"), row.get("date_sent")
                if not (type(kind) is int and 1 <= kind <= 6 and _plausible_ms(date)
                        and (address is None or type(address) is str) and (body is None or type(body) is str)
                        and (address or body) and (thread is None or type(thread) is int)
                        and (date_sent in (None, 0) or _plausible_ms(date_sent))):
                    dropped += 1
                    continue
                yield _sms_message(ctx, kind, address, thread, date, date_sent, "date_sent" in row, body, threads,
                                   record.locator(), recovered=True)
        except (ValueError, sqlite3.DatabaseError) as exc:
            yield ctx.warning(f"{APP}: deleted SMS could not be searched for: {exc}", code="recovery.failed",
                              locator=ctx.locate(table="sms"))
        if dropped:
            yield ctx.warning(f"{APP}: {dropped} record(s) of the sms layout found in free space or the -wal did not "
                              "read as SMS (types or times impossible) and were left out", code="recovery.dropped",
                              dropped=dropped)

    # --- MMS ------------------------------------------------------------------------------------

    def _mms(self, ctx: Context, source: Source, conn, schema, missing,
             threads: dict[int, str]) -> Iterator[Message | PluginWarning]:
        pdu_columns = list(PDU_REQUIRED) + [column for column in PDU_OPTIONAL if column in schema["pdu"]]
        pdu = {column: position for position, column in enumerate(pdu_columns)}
        unix_s = ctx.time.unix_s
        # Separate cursors on the same connection, each ordered by message id: a merge join.
        addresses = parts = None
        try:
            if "addr" in schema and "addr" not in missing:
                charset = "charset" if "charset" in schema["addr"] else "NULL"
                addresses = _Groups(conn.execute(
                    f"SELECT msg_id, address, type, {charset} FROM addr WHERE typeof(msg_id) = 'integer' "
                    "ORDER BY msg_id, _id" if "_id" in schema["addr"] else
                    f"SELECT msg_id, address, type, {charset} FROM addr WHERE typeof(msg_id) = 'integer' "
                    "ORDER BY msg_id, rowid"), 0)
            if "part" in schema and "part" not in missing:
                part_columns = ["mid", "ct"] + [column if column in schema["part"] else "NULL"
                                                for column in PART_OPTIONAL]
                parts = _Groups(conn.execute(
                    f"SELECT {', '.join(part_columns)} FROM part WHERE typeof(mid) = 'integer' "
                    "ORDER BY mid, rowid"), 0)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: MMS addresses or parts unreadable: {exc}", code="sqlite.corrupt")
            addresses = parts = None
        last = None
        problems = 0
        try:
            for row in conn.execute(f"SELECT {', '.join(pdu_columns)} FROM pdu WHERE typeof(_id) = 'integer' "
                                    "ORDER BY _id"):
                mms_id = last = row[0]
                its_addresses = addresses.take(mms_id) if addresses else []
                its_parts = parts.take(mms_id) if parts else []
                m_type = as_int(row[pdu["m_type"]]) if "m_type" in pdu else None
                if m_type is not None and m_type not in MMS_MESSAGE_TYPES:
                    continue      # delivery/read reports and other protocol records, not messages
                try:
                    message = self._one_mms(ctx, source, row, pdu, m_type, its_addresses, its_parts, threads,
                                            unix_s)
                except (TypeError, ValueError) as exc:
                    problems += 1
                    if problems <= MAX_ROW_WARNINGS:
                        yield ctx.warning(f"{APP}: pdu row {mms_id} unreadable: {exc}", code="row.unreadable",
                                          locator=ctx.locate(table="pdu", rowid=mms_id))
                    continue
                if is_damaged(row) or any(is_damaged(each) for each in its_addresses + its_parts):
                    yield ctx.warning(f"{APP}: MMS {mms_id} holds text that is not valid UTF-8; "
                                      "the bad bytes are shown as U+FFFD", code="text.invalid_utf8",
                                      locator=ctx.locate(table="pdu", rowid=mms_id))
                yield message
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading MMS stopped after pdu row {last}: {exc}", code="sqlite.corrupt",
                              locator=ctx.locate(table="pdu", rowid=last))
        if problems > MAX_ROW_WARNINGS:
            yield ctx.warning(f"{APP}: {problems} pdu rows unreadable in all", code="row.unreadable")

    @staticmethod
    def _one_mms(ctx: Context, source: Source, row, pdu, m_type, its_addresses, its_parts, threads,
                 unix_s) -> Message:
        box = as_int(row[pdu["msg_box"]])
        if box == 1:
            direction = INCOMING
        elif box in MMS_OUTGOING:
            direction = OUTGOING
        elif m_type == 132:
            direction = INCOMING
        elif m_type == 128:
            direction = OUTGOING
        else:
            direction = UNKNOWN
        sender = None
        recipients = []
        for _msg_id, address, kind, charset in its_addresses:
            address = _mms_string(address, charset)
            if not address:
                continue
            kind = as_int(kind)
            if kind == ADDR_FROM:
                if address != INSERT_ADDRESS_TOKEN:
                    sender = address
            elif kind in (ADDR_TO, ADDR_CC, ADDR_BCC):
                recipients.append(address)
        texts, attachments = [], []
        subject = _mms_string(row[pdu["sub"]], row[pdu["sub_cs"]] if "sub_cs" in pdu else None) \
            if "sub" in pdu else None
        if subject:
            texts.append(subject)
        for _mid, content_type, _seq, text, name, file_name, location, data in its_parts:
            content_type = (as_text(content_type) or "").lower()
            if content_type == "application/smil":
                continue       # the slide layout, not content
            if content_type == "text/plain" and text is not None:
                texts.append(as_text(text))
                continue
            label = next((each for each in (_mms_string(file_name, None), _mms_string(name, None),
                                            _mms_string(location, None)) if each), None)
            attachments.append(Attachment(name=label, mime_type=content_type or None,
                                          path=_part_path(source, data)))
        thread = row[pdu["thread_id"]] if "thread_id" in pdu else None
        if direction == INCOMING:
            sent = unix_s(row[pdu["date_sent"]]) if "date_sent" in pdu else None
            received = unix_s(row[pdu["date"]])
        elif direction == OUTGOING:
            sent = ctx.time.not_applicable("unix_s") if box == MMS_DRAFT else unix_s(row[pdu["date"]])
            received = None
        else:
            sent, received = None, unix_s(row[pdu["date"]])
        return Message(
            app=APP, service="MMS", body="\n".join(texts) if texts else None,
            thread_id=as_text(thread),
            thread_name=threads.get(thread) if thread is not None else None,
            sender=sender, recipients=tuple(recipients), direction=direction, sent=sent, received=received,
            attachments=tuple(attachments), locator=ctx.locate(table="pdu", rowid=row[0]))
