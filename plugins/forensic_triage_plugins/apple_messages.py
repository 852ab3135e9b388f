"""Apple Messages: iMessage, SMS and RCS in iOS ``sms.db`` and macOS ``chat.db``.

Both stores share one schema: ``message`` rows joined to ``chat`` through ``chat_message_join``,
the other party in ``handle``, files in ``attachment`` through ``message_attachment_join``.

- Body: ``message.text``, or, when that is NULL (macOS Ventura and later, many iOS 16+ rows), the
  NSString inside the ``attributedBody`` typedstream blob (``decode_attributed_body``).
- Times: ``date``, ``date_read``, ``date_delivered`` are Cocoa time, seconds before iOS 11 and
  nanoseconds since; ``ctx.time.cocoa`` tells them apart and records which it read.
- Owner: ``message.account`` ("e:owner@icloud.com", "p:+4477...") and ``chat.account_login``
  name the device owner's account; each distinct one becomes an Account artifact.
- Deleted: a message in ``chat_recoverable_message_join`` (iOS 16+ "Recently Deleted") is a live
  row with ``deleted=True``. Each row of ``deleted_messages``/``sync_deleted_messages`` (the GUIDs
  of deleted rows, written by a trigger) is one deleted message: where its record survives in the
  free space of a table page (file or WAL) it is read back (``recovered=True``, byte locator);
  where only the GUID is left, a stale cell of the message GUID index can still tie it to the old
  ROWID, and through it to the conversation and attachments that still reference that ROWID;
  otherwise the Message says only that a message was deleted.
- ``text`` and the copy in ``attributedBody`` that disagree (an edit, or a change made outside the
  app) are reported in one warning; the ``text`` column is the body.
"""

from __future__ import annotations

import re
import sqlite3
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from forensic_triage.sdk import (INCOMING, OUTGOING, UNKNOWN, Account, Attachment, Context, Extractor, Message,
                                 PluginWarning, Select, Source)
from forensic_triage_plugins._sqlite_store import open_checked as _open

APP = "Apple Messages"

REQUIRED = {
    "message": ("guid", "text", "date", "is_from_me", "handle_id"),
    "handle": ("id",),
}
MESSAGE_OPTIONAL = ("attributedBody", "service", "account", "date_read", "date_delivered", "destination_caller_id",
                    "cache_has_attachments", "item_type", "subject")
CHAT_COLUMNS = ("guid", "chat_identifier", "display_name", "service_name", "account_login", "room_name")
ATTACHMENT_COLUMNS = ("filename", "mime_type", "transfer_name", "total_bytes", "uti")

TYPEDSTREAM_MAGIC = b"\x04\x0bstreamtyped"
_STRING_CLASS = b"NSString"
_PLUS_TYPE = b"\x84\x01+"          # a typed value follows, type encoding "+" (bytes of an NSString)
_CHUNK = 1 << 20
_INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


# --- attributedBody -------------------------------------------------------------------------------

def decode_attributed_body(blob: bytes | None) -> str | None:
    """The text of an NSAttributedString archived as an Apple typedstream (message.attributedBody).

    The archive names its classes before the values: after the class marker ``NSString`` comes
    the type tag ``0x84 0x01 '+'`` and the string's UTF-8 bytes, prefixed by their length in
    typedstream's integer encoding (one byte below 0x80; ``0x81`` + 2 bytes or ``0x82`` + 4 bytes,
    little-endian). Returns None when no string can be found; a string cut short by a truncated
    blob is returned as far as it goes. Never raises on bad input.
    """
    if not blob:
        return None
    data = bytes(blob)
    start = data.find(_STRING_CLASS)
    search_from = start + len(_STRING_CLASS) if start >= 0 else 0
    tag = data.find(_PLUS_TYPE, search_from, search_from + 64 if start >= 0 else len(data))
    if tag < 0:
        return None
    position = tag + len(_PLUS_TYPE)
    if position >= len(data):
        return None
    first = data[position]
    if first < 0x80:
        length, position = first, position + 1
    elif first == 0x81 and position + 3 <= len(data):
        length, position = int.from_bytes(data[position + 1:position + 3], "little"), position + 3
    elif first == 0x82 and position + 5 <= len(data):
        length, position = int.from_bytes(data[position + 1:position + 5], "little"), position + 5
    else:
        return None
    return data[position:position + length].decode("utf-8", errors="replace")


# --- helpers --------------------------------------------------------------------------------------


def _pick(schema: dict[str, set[str]], table: str, columns: Iterable[str], alias: str = "") -> str:
    """A select list: each column as itself where the table has it, else NULL under its name."""
    have = schema.get(table.lower(), set())
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{column}" if column.lower() in have else f"NULL AS {column}" for column in columns)



def _owner_id(raw: object) -> str | None:
    """message.account / chat.account_login: "e:someone@icloud.com", "P:+4477..." -> the address."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if len(text) > 2 and text[1] == ":" and text[0].lower() in "ep":
        text = text[2:]
    return text or None


class _Joined:
    """Rows of a join table streamed in key order beside the messages (a merge join), so no
    per-message query and no table held in memory. Keys passed over are counted as orphans:
    rows that point at a message that is no longer there."""

    def __init__(self, rows: Iterable[sqlite3.Row]) -> None:
        self._rows = iter(rows)
        self._next = None
        self.orphans: list[int] = []
        self._advance()

    def _advance(self) -> None:
        while True:
            row = next(self._rows, None)
            if row is None or isinstance(row[0], int):
                self._next = row
                return

    def take(self, key: int) -> list[sqlite3.Row]:
        found = []
        while self._next is not None and self._next[0] < key:
            if not self.orphans or self.orphans[-1] != self._next[0]:
                self.orphans.append(self._next[0])
            self._advance()
        while self._next is not None and self._next[0] == key:
            found.append(self._next)
            self._advance()
        return found

    def drain(self) -> None:
        self.take(1 << 62)


@dataclass
class _Chat:
    guid: str | None
    identifier: str | None
    name: str | None
    service: str | None
    account: str | None


# --- the plugin -----------------------------------------------------------------------------------

class AppleMessages(Extractor):
    name = "apple.messages"
    version = "1.0.0"
    description = ("iMessage/SMS/RCS from iOS sms.db and macOS chat.db: messages with attachments, "
                   "attributedBody text, Recently Deleted and deleted_messages; the owner's accounts.")
    selects = [
        Select(glob="**/Library/SMS/sms.db"),
        Select(glob="**/Library/Messages/chat.db"),
        Select(sqlite_tables={"message": ["guid", "text", "date", "is_from_me", "handle_id"],
                              "handle": ["id"], "chat": ["chat_identifier"]}),
    ]
    kinds = [Message, Account]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | Account | PluginWarning]:
        conn, schema, problems = _open(ctx, source, APP, REQUIRED)
        yield from problems
        if conn is None:
            return
        try:
            reader = _Reader(ctx, source, conn, schema)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: handles, chats or deleted-message tables could not be read: {exc}",
                              code="sqlite.damaged")
            return
        try:
            yield from reader.messages()
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading stopped after {reader.count} messages: {exc}",
                              code="sqlite.damaged", last_rowid=reader.last_rowid)
        if reader.mismatch_count:
            yield ctx.warning(f"{APP}: in {reader.mismatch_count} messages the text column differs from the text "
                              "archived in attributedBody (edited, or changed outside the app); the text column is "
                              "reported", code="messages.text_mismatch", rowids=reader.mismatched)
        try:
            yield from reader.deleted_only()
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: deleted-message GUIDs could not be read: {exc}", code="sqlite.damaged")
        yield from reader.accounts()


class _Reader:
    def __init__(self, ctx: Context, source: Source, conn: sqlite3.Connection, schema: dict[str, set[str]]) -> None:
        self.ctx, self.source, self.conn, self.schema = ctx, source, conn, schema
        self.count = 0
        self.last_rowid: int | None = None
        self.owners: dict[str, object] = {}        # owner address -> locator where first seen
        self.handles = self._handles()
        self.chats = self._chats()
        self.chat_handles = self._chat_handles()
        self.recoverable = self._recoverable()
        self.recoverable_text = self._recoverable_parts()
        self.deleted_guids = self._deleted_guids()  # guid -> (table, rowid)
        self.matched_deleted: set[str] = set()
        self.orphan_chat_links: list[int] = []
        self.orphan_attachments: list[int] = []
        self.mismatched: list[int] = []          # the first 100 ROWIDs
        self.mismatch_count = 0
        self.has_delivered = self.has("message", "date_delivered")
        self.has_read = self.has("message", "date_read")

    # --- lookups (small tables: one row per contact, chat or recently deleted message) -------------

    def has(self, table: str, *columns: str) -> bool:
        have = self.schema.get(table.lower())
        return have is not None and all(column.lower() in have for column in columns)

    def _handles(self) -> dict[int, str]:
        return {row[0]: row[1] for row in self.conn.execute("SELECT ROWID, id FROM handle")
                if isinstance(row[1], str)}

    def _chats(self) -> dict[int, _Chat]:
        if not self.has("chat"):
            return {}
        chats = {}
        for row in self.conn.execute(f"SELECT ROWID, {_pick(self.schema, 'chat', CHAT_COLUMNS)} FROM chat"):
            account = _owner_id(row["account_login"])
            chats[row[0]] = _Chat(guid=row["guid"], identifier=row["chat_identifier"],
                                  name=row["display_name"] or None, service=row["service_name"], account=account)
            if account:
                self.owners.setdefault(account, self.ctx.locate(table="chat", rowid=row[0]))
        return chats

    def _chat_handles(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        if self.has("chat_handle_join", "chat_id", "handle_id"):
            for chat_id, handle_id in self.conn.execute(
                    "SELECT chat_id, handle_id FROM chat_handle_join ORDER BY chat_id, handle_id"):
                handle = self.handles.get(handle_id)
                if handle and handle not in found.setdefault(chat_id, []):
                    found[chat_id].append(handle)
        return found

    def _recoverable(self) -> dict[int, int]:
        """iOS 16+ "Recently Deleted": message ROWID -> chat ROWID."""
        if not self.has("chat_recoverable_message_join", "chat_id", "message_id"):
            return {}
        return {message_id: chat_id for chat_id, message_id in self.conn.execute(
            "SELECT chat_id, message_id FROM chat_recoverable_message_join ORDER BY chat_id")}

    def _recoverable_parts(self) -> dict[int, str]:
        if not self.has("recoverable_message_part", "message_id", "part_text"):
            return {}
        parts: dict[int, list[str]] = {}
        order = ", part_index" if self.has("recoverable_message_part", "part_index") else ""
        for message_id, text in self.conn.execute(
                f"SELECT message_id, part_text FROM recoverable_message_part ORDER BY message_id{order}"):
            if isinstance(text, bytes):
                text = decode_attributed_body(text) if text.startswith(TYPEDSTREAM_MAGIC) else \
                    text.decode("utf-8", errors="replace")
            if text:
                parts.setdefault(message_id, []).append(text)
        return {key: "".join(value) for key, value in parts.items()}

    def _deleted_guids(self) -> dict[str, tuple[str, int]]:
        found: dict[str, tuple[str, int]] = {}
        for table in ("deleted_messages", "sync_deleted_messages"):
            if self.has(table, "guid"):
                for rowid, guid in self.conn.execute(f"SELECT ROWID, guid FROM {table} ORDER BY ROWID"):
                    if isinstance(guid, str) and guid not in found:
                        found[guid] = (table, rowid)
        return found

    # --- live messages ------------------------------------------------------------------------------

    def messages(self) -> Iterator[Message]:
        columns = _pick(self.schema, "message", MESSAGE_OPTIONAL, "m")
        chat_links = _Joined(self.conn.execute("SELECT message_id, chat_id FROM chat_message_join "
                                               "ORDER BY message_id, chat_id")) \
            if self.has("chat_message_join", "chat_id", "message_id") else None
        attachments = self._attachment_rows()
        query = (f"SELECT m.ROWID AS message_rowid, m.guid, m.text, m.date, m.is_from_me, m.handle_id, {columns} "
                 "FROM message m ORDER BY m.ROWID")
        for row in self.conn.execute(query):
            rowid = row["message_rowid"]
            self.last_rowid = rowid
            chat_ids = [link[1] for link in chat_links.take(rowid)] if chat_links else []
            files = attachments.take(rowid) if attachments else []
            yield self._message(row, chat_ids, files)
            self.count += 1
        if chat_links:
            chat_links.drain()
            self.orphan_chat_links = chat_links.orphans
        if attachments:
            attachments.drain()
            self.orphan_attachments = attachments.orphans

    def _attachment_rows(self) -> _Joined | None:
        if not (self.has("message_attachment_join", "message_id", "attachment_id") and self.has("attachment")):
            return None
        return _Joined(self.conn.execute(
            f"SELECT j.message_id, {_pick(self.schema, 'attachment', ATTACHMENT_COLUMNS, 'a')} "
            "FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id "
            "ORDER BY j.message_id, j.attachment_id"))

    def _message(self, row: sqlite3.Row, chat_ids: list[int], files: list[sqlite3.Row]) -> Message:
        ctx = self.ctx
        rowid = row["message_rowid"]
        deleted = False
        if not chat_ids and rowid in self.recoverable:
            chat_ids, deleted = [self.recoverable[rowid]], True
        elif rowid in self.recoverable:
            deleted = True
        guid = row["guid"]
        if guid in self.deleted_guids:
            deleted = True
            self.matched_deleted.add(guid)
        chat = self.chats.get(chat_ids[0]) if chat_ids else None
        body = row["text"] if row["text"] not in (None, "") else None
        archived = decode_attributed_body(row["attributedBody"])
        if body is None:
            body = archived or self.recoverable_text.get(rowid) or None
        elif archived and archived != body:
            # The two copies of the words disagree: an edit, or a change made outside the app.
            self.mismatch_count += 1
            if len(self.mismatched) < 100:
                self.mismatched.append(rowid)
        account = _owner_id(row["account"]) or _owner_id(row["destination_caller_id"]) or \
            (chat.account if chat else None)
        if account:
            self.owners.setdefault(account, ctx.locate(table="message", rowid=rowid))
        handle = self.handles.get(row["handle_id"])
        participants = list(self.chat_handles.get(chat_ids[0], [])) if chat_ids else []
        if not participants and handle:
            participants = [handle]
        if not participants and chat and chat.identifier:
            participants = [chat.identifier]
        from_me = row["is_from_me"] == 1
        if from_me:
            direction, sender = OUTGOING, account
            recipients = tuple(participants)
        else:
            direction = INCOMING
            sender = handle or (participants[0] if len(participants) == 1 else None)
            recipients = tuple(([account] if account else []) + [each for each in participants if each != sender])
        return Message(
            app=APP, body=body, account=account,
            thread_id=chat.guid if chat else None,
            thread_name=(chat.name or chat.identifier) if chat else None,
            sender=sender, recipients=recipients, direction=direction,
            service=row["service"] or (chat.service if chat else None),
            sent=ctx.time.cocoa(row["date"]),
            delivered=ctx.time.cocoa(row["date_delivered"]) if self.has_delivered else None,
            read=ctx.time.cocoa(row["date_read"]) if self.has_read else None,
            attachments=tuple(self._attachment(each) for each in files),
            deleted=deleted,
            locator=ctx.locate(table="message", rowid=rowid))

    def _attachment(self, row: sqlite3.Row) -> Attachment:
        size = row["total_bytes"]
        return Attachment(name=row["transfer_name"] or _basename(row["filename"]),
                          mime_type=row["mime_type"] or None,
                          size=size if isinstance(size, int) and size > 0 else None,
                          path=_evidence_path(row["filename"], self.source.path))

    # --- messages known only by their GUID ----------------------------------------------------------

    def deleted_only(self) -> Iterator[Message | PluginWarning]:
        remaining = {guid: where for guid, where in self.deleted_guids.items() if guid not in self.matched_deleted}
        if not remaining:
            return
        columns = [row[1] for row in self.conn.execute("PRAGMA table_info(message)")]
        carver = _GuidCarver(self.ctx, self.source, set(remaining), columns)
        found = carver.run()
        old_rowids = {each.rowid for each in found.values() if each.rowid is not None}
        live = set()
        wanted = sorted(old_rowids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            live.update(row[0] for row in self.conn.execute(
                f"SELECT ROWID FROM message WHERE ROWID IN ({','.join('?' * len(chunk))})", chunk))
        linked_rowids = set()
        recovered = 0
        for guid, (table, rowid) in sorted(remaining.items(), key=lambda item: (item[1][0], item[1][1])):
            carved = found.get(guid, _Carved())
            old_rowid = carved.rowid if carved.rowid not in live else None
            chat = None
            files: list[Attachment] = []
            if old_rowid is not None:
                linked_rowids.add(old_rowid)
                chat_id = self._first_chat(old_rowid)
                chat = self.chats.get(chat_id) if chat_id is not None else None
                files = [self._attachment(each) for each in self._attachments_of(old_rowid)]
            if carved.record is not None:
                recovered += 1
                yield self._recovered(carved, old_rowid, chat, files)
                continue
            locator = self.ctx.locate(table=table, rowid=rowid)
            if old_rowid is not None and carved.index_at is not None:
                # The index cell that ties the GUID to its old ROWID is part of the evidence too.
                offset, length, file_name = carved.index_at
                locator = self.ctx.locate(table=table, rowid=rowid, offset=offset, length=length,
                                          member=None if file_name == self.source.name else file_name)
            yield Message(
                app=APP, body=None, account=chat.account if chat else None,
                thread_id=chat.guid if chat else None,
                thread_name=(chat.name or chat.identifier) if chat else None,
                direction=UNKNOWN, service=chat.service if chat else None,
                sent=self.ctx.time.unreadable("cocoa"),
                attachments=tuple(files), deleted=True, locator=locator)
        unlinked = [each for each in self.orphan_chat_links if each not in linked_rowids]
        unlinked_files = [each for each in self.orphan_attachments if each not in linked_rowids]
        if len(remaining) > recovered:
            yield self.ctx.warning(
                f"{APP}: {len(remaining)} messages were deleted (deleted_messages); the content of {recovered} "
                f"was recovered from free space and {len(linked_rowids)} were tied to their conversation. "
                f"{len(unlinked)} deleted message ROWIDs still referenced by chat_message_join and "
                f"{len(unlinked_files)} by message_attachment_join could not be tied to a deleted GUID",
                code="messages.deleted_without_content", deleted=len(remaining), recovered=recovered,
                linked=len(linked_rowids), unlinked_chat_links=len(unlinked),
                unlinked_attachment_messages=unlinked_files[:100])

    def _recovered(self, carved: _Carved, old_rowid: int | None, chat: _Chat | None,
                   files: list[Attachment]) -> Message:
        """A message rebuilt from its record left in free space."""
        ctx, values = self.ctx, carved.record
        body = values.get("text") if isinstance(values.get("text"), str) and values.get("text") else None
        if body is None and isinstance(values.get("attributedBody"), bytes):
            body = decode_attributed_body(values["attributedBody"])
        account = _owner_id(values.get("account")) or _owner_id(values.get("destination_caller_id")) or \
            (chat.account if chat else None)
        handle = self.handles.get(values.get("handle_id"))
        from_me = values.get("is_from_me")
        participants = [handle] if handle else []
        if chat and not participants:
            participants = [each for each in self.chat_handles.get(self._first_chat(old_rowid) or -1, [])]
        if from_me == 1:
            direction, sender, recipients = OUTGOING, account, tuple(participants)
        elif from_me == 0:
            direction, sender = INCOMING, handle
            recipients = (account,) if account else ()
        else:
            direction, sender, recipients = UNKNOWN, None, ()
        offset, length, file_name = carved.record_at
        service = values.get("service") if isinstance(values.get("service"), str) else None
        return Message(
            app=APP, body=body, account=account, thread_id=chat.guid if chat else None,
            thread_name=(chat.name or chat.identifier) if chat else None, sender=sender, recipients=recipients,
            direction=direction, service=service or (chat.service if chat else None),
            sent=ctx.time.cocoa(values.get("date")),
            delivered=ctx.time.cocoa(values.get("date_delivered")) if "date_delivered" in values else None,
            read=ctx.time.cocoa(values.get("date_read")) if "date_read" in values else None,
            attachments=tuple(files), deleted=True, recovered=True,
            locator=ctx.locate(table="message", rowid=old_rowid, offset=offset, length=length,
                               member=None if file_name == self.source.name else file_name))

    def _first_chat(self, rowid: int) -> int | None:
        if not self.has("chat_message_join", "chat_id", "message_id"):
            return None
        row = self.conn.execute("SELECT chat_id FROM chat_message_join WHERE message_id = ? ORDER BY chat_id LIMIT 1",
                                (rowid,)).fetchone()
        return row[0] if row else None

    def _attachments_of(self, rowid: int) -> list[sqlite3.Row]:
        if not (self.has("message_attachment_join", "message_id", "attachment_id") and self.has("attachment")):
            return []
        return self.conn.execute(
            f"SELECT j.message_id, {_pick(self.schema, 'attachment', ATTACHMENT_COLUMNS, 'a')} "
            "FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id "
            "WHERE j.message_id = ? ORDER BY j.attachment_id", (rowid,)).fetchall()

    # --- owner --------------------------------------------------------------------------------------

    def accounts(self) -> Iterator[Account]:
        for address, locator in self.owners.items():
            is_mail = "@" in address
            phone = None if is_mail or self.ctx.e164(address) is None else address
            yield Account(app=APP, identifier=address, email=address if is_mail else None, phone=phone,
                          locator=locator)


def _basename(path: object) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    return path.rstrip("/").rpartition("/")[2] or None


def _evidence_path(stored: object, source_path: str) -> str | None:
    """Where an attachment lies in the evidence. The store keeps "~/Library/SMS/Attachments/..."
    (relative to the user's home, which holds the database's Library folder) or an absolute device
    path ("/var/mobile/Library/..."); a path that cannot be placed is kept as stored."""
    if not isinstance(stored, str) or not stored:
        return None
    source = "/" + source_path.lstrip("/")
    if stored.startswith("~/"):
        index = source.rfind("/Library/")
        if index >= 0:
            return (source[:index] + "/" + stored[2:]).lstrip("/")
        return stored
    if stored.startswith("/"):
        for anchor in ("/var/mobile/", "/Users/"):
            if anchor in stored and anchor in source:
                tail = stored[stored.index(anchor) + len(anchor):]
                return (source[:source.index(anchor) + len(anchor)] + tail).lstrip("/")
    return stored


@dataclass
class _Carved:
    rowid: int | None = None                           # old message ROWID, from a GUID index cell
    index_at: tuple[int, int, str] | None = None       # (offset, length, file) of that cell
    record: dict[str, object] | None = None            # the message row's values, from a freed record
    record_at: tuple[int, int, str] | None = None


_UUID = re.compile(rb"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
_INDEX_PAGES = (0x02, 0x0A)
_TABLE_LEAF = 0x0D


def _varint(data: bytes, position: int) -> tuple[int | None, int]:
    value = 0
    for index in range(9):
        if position + index >= len(data):
            return None, position
        byte = data[position + index]
        if index == 8:
            return (value << 8) | byte, position + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, position + index + 1
    return None, position


def _serial_size(serial: int) -> int | None:
    if serial in (10, 11):
        return None
    if serial >= 12:
        return (serial - 12) // 2
    return {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}[serial]


def _serial_value(serial: int, raw: bytes) -> object:
    if serial == 0:
        return None
    if 1 <= serial <= 6:
        return int.from_bytes(raw, "big", signed=True)
    if serial == 7:
        return struct.unpack(">d", raw)[0]
    if serial in (8, 9):
        return serial - 8
    if serial % 2 == 0:
        return bytes(raw)
    return bytes(raw).decode("utf-8", errors="replace")


class _GuidCarver:
    """Finds what a deleted message left in the database file and its WAL: the GUID index cell
    (GUID -> old ROWID), intact or turned into a freeblock, and the message record itself in the
    free space of a table page. Reads in chunks and whole pages, never the whole file."""

    def __init__(self, ctx: Context, source: Source, guids: set[str], columns: list[str]) -> None:
        self.ctx, self.source, self.guids = ctx, source, guids
        # A record can only be read back when the layout is the usual one: ROWID alias, then guid.
        self.columns = columns if len(columns) > 2 and columns[1] == "guid" else []
        self.found: dict[str, _Carved] = {}
        self.rowids: dict[str, set[tuple[int, int, int, str]]] = {}

    def run(self) -> dict[str, _Carved]:
        files = [(self.source, False)]
        wal = self.ctx.sibling(self.source.name + "-wal")
        if wal is not None:
            files.append((wal, True))
        page_size = self._page_size()
        for each, is_wal in files:
            if page_size is None:
                break
            with self.ctx.open(each) as handle:
                for offset, guid in self._hits(handle):
                    page_start = self._page_start(offset, page_size, is_wal)
                    if page_start is None:
                        continue
                    handle.seek(page_start)
                    page = handle.read(page_size)
                    self._classify(page, page_start, offset - page_start, guid, each.name)
        for guid, hits in self.rowids.items():
            if len({hit[0] for hit in hits}) == 1:
                rowid, offset, length, name = min(hits, key=lambda hit: (hit[3] != self.source.name, hit[1]))
                carved = self.found.setdefault(guid, _Carved())
                carved.rowid, carved.index_at = rowid, (offset, length, name)
        return self.found

    def _page_size(self) -> int | None:
        header = self.ctx.read_bytes(limit=100)
        if len(header) < 100:
            return None
        size = struct.unpack_from(">H", header, 16)[0]
        size = 65536 if size == 1 else size
        return size if size >= 512 and size & (size - 1) == 0 else None

    @staticmethod
    def _page_start(offset: int, page_size: int, is_wal: bool) -> int | None:
        if not is_wal:
            return offset - offset % page_size
        frame = 24 + page_size            # a WAL frame: 24-byte header, then the page
        if offset < 32 + 24:
            return None
        index, within = divmod(offset - 32, frame)
        return None if within < 24 else 32 + index * frame + 24

    def _hits(self, handle) -> Iterator[tuple[int, str]]:
        origin, tail = 0, b""
        seen: set[int] = set()
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return
            data = tail + chunk
            for match in _UUID.finditer(data):
                guid = match.group().decode("ascii")
                where = origin + match.start()
                if guid in self.guids and where not in seen:
                    seen.add(where)
                    yield where, guid
            tail = data[-64:]
            origin += len(data) - len(tail)
            seen = {each for each in seen if each >= origin}

    def _classify(self, page: bytes, page_start: int, at: int, guid: str, name: str) -> None:
        header = 100 if page_start == 0 else 0
        kind = page[header] if header < len(page) else None
        end = at + 36
        if kind in _INDEX_PAGES:
            serial = None
            if at >= 3 and page[at - 3:at - 1] == b"\x03\x55" and page[at - 1] in (1, 2, 3, 4, 5, 6, 8, 9):
                serial, start = page[at - 1], at - 3              # an intact (key, rowid) cell
            elif at >= 4:
                size = int.from_bytes(page[at - 2:at], "big")   # a freed cell: freeblock header
                serial = {41: 1, 42: 2, 43: 3, 44: 4, 46: 5, 48: 6}.get(size)
                start = at - 4
            if serial is None:
                return
            size = _INT_SIZES.get(serial, 0)
            if end + size > len(page):
                return
            rowid = serial - 8 if serial in (8, 9) else int.from_bytes(page[end:end + size], "big", signed=True)
            if rowid > 0:
                self.rowids.setdefault(guid, set()).add((rowid, page_start + start, end + size - start, name))
        elif kind == _TABLE_LEAF and self.columns:
            record = self._record(page, at)
            carved = self.found.setdefault(guid, _Carved())
            if record is not None and (carved.record is None or name == self.source.name):
                values, start, stop = record
                carved.record, carved.record_at = values, (page_start + start, stop - start, name)

    def _record(self, page: bytes, at: int) -> tuple[dict[str, object], int, int] | None:
        """The message record whose guid value starts at ``at``: its serial types end right there.
        The first bytes of a freed cell are overwritten by the freeblock header, so the header is
        read from the guid's serial type (0x55) onwards; the ROWID alias before it is NULL."""
        count = len(self.columns)
        for position in range(at - 1, max(-1, at - 10 * count), -1):
            if page[position] != 0x55:
                continue
            serials, cursor = [0, 0x55], position + 1
            while len(serials) < count:
                value, cursor = _varint(page, cursor)
                if value is None or cursor > at:
                    break
                serials.append(value)
            if len(serials) != count or cursor != at:
                continue
            values: dict[str, object] = {}
            cursor = at
            for column, serial in zip(self.columns, serials):
                size = _serial_size(serial)
                if size is None:
                    return None
                if cursor + size > len(page):
                    break              # the rest spilled to an overflow page that is gone
                values[column] = _serial_value(serial, page[cursor:cursor + size])
                cursor += size
            if values.get("guid") is None:
                continue
            start = position - 2 - (1 if at - position + 2 < 128 else 2)
            return values, max(start, 0), cursor
        return None
