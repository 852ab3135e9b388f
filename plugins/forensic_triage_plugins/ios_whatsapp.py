"""WhatsApp on iOS: chats (``ChatStorage.sqlite``), calls (``CallHistory.sqlite``) and the
WhatsApp address book (``ContactsV2.sqlite``), all Core Data stores in the app group folder
``/private/var/mobile/Containers/Shared/AppGroup/<UUID>/``.

Core Data names tables ``Z<ENTITY>`` and columns ``Z<ATTRIBUTE>``; to-one relations are integer
columns holding the other row's ``Z_PK``, and many-to-one inverse columns carry the entity
number (``Z1CALLEVENTS``, ``Z4PARTICIPANTS``), which changes between model versions, so those
are found by pattern. Times are Core Data timestamps: seconds (with a fraction) since
2001-01-01 UTC. The stores run in WAL mode; the host copies the -wal beside the database, so
rows that only live in the WAL are read too.
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
from collections.abc import Iterable, Iterator

from forensic_triage.sdk import (INCOMING, OUTGOING, UNKNOWN, Account, Attachment, Call, Contact, Context, Extractor,
                                 GeoPoint, Message, PluginWarning, Select, Source)
from forensic_triage_plugins._sqlite_store import missing_columns, open_checked, read_schema

APP = "WhatsApp"

# ZWAMESSAGE.ZMESSAGETYPE
TEXT, IMAGE, VIDEO, AUDIO, CONTACT_CARD, LOCATION, GROUP_EVENT, URL, DOCUMENT, SYSTEM = 0, 1, 2, 3, 4, 5, 6, 7, 8, 10
GIF, REVOKED, STICKER = 11, 14, 15
# Rows WhatsApp writes itself (group created, member joined, "messages are end-to-end
# encrypted", security code changed, ...): no party sent them, so they are not messages.
NOT_MESSAGES = frozenset({GROUP_EVENT, SYSTEM})
CAPTIONED = frozenset({IMAGE, VIDEO, AUDIO, GIF, STICKER})


# --- helpers --------------------------------------------------------------------------------------

# WhatsApp's Core Data names (ZWAMESSAGE.ZTOJID) are looked up upper-cased.

def _schema(conn: sqlite3.Connection) -> dict[str, set[str]]:
    return read_schema(conn, str.upper)


def _missing(schema: dict[str, set[str]], required: dict[str, tuple[str, ...]]) -> list[str]:
    return missing_columns(schema, required, str.upper)


def _open(ctx: Context, source: Source, app: str, required: dict[str, tuple[str, ...]]):
    return open_checked(ctx, source, app, required, fold=str.upper)



def _pick(schema: dict[str, set[str]], table: str, columns: Iterable[str], alias: str) -> str:
    have = schema.get(table.upper(), set())
    return ", ".join(f"{alias}.{column} AS {alias}_{column}" if column.upper() in have
                     else f"NULL AS {alias}_{column}" for column in columns)


def _relation(schema: dict[str, set[str]], table: str, suffix: str) -> str | None:
    """The Core Data inverse-relation column Z<n><SUFFIX> of a table (its number varies)."""
    pattern = re.compile(rf"Z\d+{suffix}")
    return next((column for column in sorted(schema.get(table.upper(), ())) if pattern.fullmatch(column)), None)



def _jid_phone(ctx: Context, jid: str | None) -> str | None:
    """The phone number of a user JID (4917...@s.whatsapp.net) in E.164, else None."""
    if not jid or not jid.endswith("@s.whatsapp.net"):
        return None
    return ctx.e164(jid)


def _one_value(conn: sqlite3.Connection, query: str) -> str | None:
    """The single distinct value a query returns, or None when there is none or more than one."""
    values = [row[0] for row in conn.execute(query + " LIMIT 2")]
    return values[0] if len(values) == 1 and isinstance(values[0], str) and values[0] else None


def _owner_account(ctx: Context, jid: str, locator) -> Account:
    return Account(app=APP, identifier=jid, phone=_jid_phone(ctx, jid), locator=locator)


class _Grouped:
    """Rows of a child table streamed in parent-key order beside the parents (a merge join)."""

    def __init__(self, rows: Iterable[sqlite3.Row]) -> None:
        self._rows = iter(rows)
        self._next = None
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
            self._advance()
        while self._next is not None and self._next[0] == key:
            found.append(self._next)
            self._advance()
        return found


# --- chats ----------------------------------------------------------------------------------------

MESSAGE_REQUIRED = {"ZWAMESSAGE": ("Z_PK", "ZMESSAGEDATE", "ZISFROMME", "ZTEXT", "ZCHATSESSION"),
                    "ZWACHATSESSION": ("Z_PK", "ZCONTACTJID")}
MESSAGE_OPTIONAL = ("ZSENTDATE", "ZFROMJID", "ZTOJID", "ZMESSAGETYPE", "ZGROUPEVENTTYPE", "ZGROUPMEMBER",
                    "ZMESSAGESTATUS", "ZMEDIAITEM")
MEDIA_COLUMNS = ("ZMEDIALOCALPATH", "ZTITLE", "ZFILESIZE", "ZVCARDNAME", "ZVCARDSTRING", "ZLATITUDE", "ZLONGITUDE",
                 "ZMEDIAURL")


class WhatsAppIOSChats(Extractor):
    name = "ios.whatsapp.chats"
    version = "1.0.0"
    description = ("WhatsApp iOS ChatStorage.sqlite (with its -wal): messages with media, shared locations, "
                   "group senders, and the owner's account.")
    selects = [
        Select(glob="**/ChatStorage.sqlite"),
        Select(sqlite_tables={"ZWAMESSAGE": ["ZMESSAGEDATE", "ZISFROMME", "ZTEXT"],
                              "ZWACHATSESSION": ["ZCONTACTJID"]}),
    ]
    kinds = [Message, Account, GeoPoint]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | Account | GeoPoint | PluginWarning]:
        conn, schema, problems = _open(ctx, source, APP, MESSAGE_REQUIRED)
        yield from problems
        if conn is None:
            return
        count = 0
        try:
            owner, owner_row = self._owner(conn, schema)
            sessions = self._sessions(conn, schema)
            members = self._members(conn, schema)
            media_folder = (source.path.rpartition("/")[0] + "/Message/").lstrip("/")
            for row in self._rows(conn, schema):
                count += 1
                yield from self._message(ctx, row, owner, sessions, members, media_folder)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading stopped after {count} rows of ZWAMESSAGE: {exc}",
                              code="sqlite.damaged")
            return
        if owner:
            yield _owner_account(ctx, owner, ctx.locate(table="ZWAMESSAGE", rowid=owner_row))

    @staticmethod
    def _owner(conn: sqlite3.Connection, schema: dict[str, set[str]]) -> tuple[str | None, int | None]:
        """WhatsApp addresses received messages to the owner's JID (ZTOJID); when every received
        row that names a user JID names the same one, that is the owner."""
        if "ZTOJID" not in schema["ZWAMESSAGE"]:
            return None, None
        owner = _one_value(conn, "SELECT DISTINCT ZTOJID FROM ZWAMESSAGE WHERE ZISFROMME = 0 "
                                 "AND ZTOJID LIKE '%@s.whatsapp.net'")
        if not owner:
            return None, None
        row = conn.execute("SELECT MIN(Z_PK) FROM ZWAMESSAGE WHERE ZISFROMME = 0 AND ZTOJID = ?", (owner,)).fetchone()
        return owner, row[0] if row else None

    @staticmethod
    def _sessions(conn: sqlite3.Connection, schema: dict[str, set[str]]) -> dict[int, sqlite3.Row]:
        columns = _pick(schema, "ZWACHATSESSION", ("ZCONTACTJID", "ZPARTNERNAME", "ZSESSIONTYPE", "ZREMOVED"), "s")
        return {row[0]: row for row in conn.execute(f"SELECT s.Z_PK, {columns} FROM ZWACHATSESSION s")}

    @staticmethod
    def _members(conn: sqlite3.Connection, schema: dict[str, set[str]]) -> dict[int, str]:
        if "ZMEMBERJID" not in schema.get("ZWAGROUPMEMBER", set()):
            return {}
        return {pk: jid for pk, jid in conn.execute("SELECT Z_PK, ZMEMBERJID FROM ZWAGROUPMEMBER")
                if isinstance(jid, str)}

    @staticmethod
    def _rows(conn: sqlite3.Connection, schema: dict[str, set[str]]) -> Iterator[sqlite3.Row]:
        columns = _pick(schema, "ZWAMESSAGE", MESSAGE_OPTIONAL, "m")
        media = schema.get("ZWAMEDIAITEM")
        if media is None:
            query = (f"SELECT m.Z_PK, m.ZMESSAGEDATE, m.ZISFROMME, m.ZTEXT, m.ZCHATSESSION, {columns}, "
                     f"NULL AS i_Z_PK, {', '.join(f'NULL AS i_{c}' for c in MEDIA_COLUMNS)} FROM ZWAMESSAGE m")
        else:
            # Newer models point from the message to its media item; older ones only back.
            join = "i.Z_PK = m.ZMEDIAITEM" if "ZMEDIAITEM" in schema["ZWAMESSAGE"] else "i.ZMESSAGE = m.Z_PK"
            query = (f"SELECT m.Z_PK, m.ZMESSAGEDATE, m.ZISFROMME, m.ZTEXT, m.ZCHATSESSION, {columns}, "
                     f"i.Z_PK AS i_Z_PK, {_pick(schema, 'ZWAMEDIAITEM', MEDIA_COLUMNS, 'i')} "
                     f"FROM ZWAMESSAGE m LEFT JOIN ZWAMEDIAITEM i ON {join}")
        return conn.execute(query + " ORDER BY m.Z_PK")

    def _message(self, ctx: Context, row: sqlite3.Row, owner: str | None, sessions: dict[int, sqlite3.Row],
                 members: dict[int, str], media_folder: str) -> Iterator[Message | GeoPoint]:
        kind = row["m_ZMESSAGETYPE"]
        if kind in NOT_MESSAGES:
            return
        pk = row["Z_PK"]
        locator = ctx.locate(table="ZWAMESSAGE", rowid=pk)
        session = sessions.get(row["ZCHATSESSION"])
        chat_jid = session["s_ZCONTACTJID"] if session else None
        group = bool(chat_jid and chat_jid.endswith("@g.us")) or bool(session and session["s_ZSESSIONTYPE"] == 1)
        from_me = row["ZISFROMME"] == 1
        if from_me:
            direction, sender = OUTGOING, owner
            recipient = chat_jid if group else (row["m_ZTOJID"] or chat_jid)
            recipients = (recipient,) if recipient else ()
        else:
            direction = INCOMING
            if group:
                sender = members.get(row["m_ZGROUPMEMBER"])
                recipients = (chat_jid,)
            else:
                sender = row["m_ZFROMJID"] or chat_jid
                recipients = (owner,) if owner else ()
        if row["ZISFROMME"] not in (0, 1):
            direction = UNKNOWN
        sent = ctx.time.cocoa(row["ZMESSAGEDATE"])
        # ZSENTDATE of a received message is when this phone got it (it trails ZMESSAGEDATE, the
        # sender's time); for a sent one it is the server's acknowledgement, a moment after.
        received = ctx.time.cocoa(row["m_ZSENTDATE"]) if direction == INCOMING and row["m_ZSENTDATE"] else None
        body = row["ZTEXT"] if row["ZTEXT"] not in (None, "") else None
        if body is None and kind in CAPTIONED and row["i_ZTITLE"]:
            body = row["i_ZTITLE"]
        attachments = self._attachments(row, kind, media_folder)
        deleted = kind == REVOKED or bool(session and session["s_ZREMOVED"])
        yield Message(app=APP, body=body, account=owner, thread_id=chat_jid,
                      thread_name=(session["s_ZPARTNERNAME"] or None) if session else None,
                      sender=sender, recipients=tuple(each for each in recipients if each),
                      direction=direction, service="WhatsApp", sent=sent, received=received,
                      attachments=attachments, deleted=deleted, locator=locator)
        if kind == LOCATION:
            latitude, longitude = row["i_ZLATITUDE"], row["i_ZLONGITUDE"]
            if isinstance(latitude, (int, float)) and isinstance(longitude, (int, float)) and \
                    (latitude, longitude) != (0, 0) and -90 <= latitude <= 90 and -180 <= longitude <= 180:
                yield GeoPoint(latitude=float(latitude), longitude=float(longitude), origin=APP, time=sent,
                               locator=locator)

    @staticmethod
    def _attachments(row: sqlite3.Row, kind: int | None, media_folder: str) -> tuple[Attachment, ...]:
        if row["i_Z_PK"] is None or kind == LOCATION:
            return ()
        local = row["i_ZMEDIALOCALPATH"] or None
        if kind == CONTACT_CARD:
            return (Attachment(name=row["i_ZVCARDNAME"] or None, mime_type="text/vcard"),) \
                if row["i_ZVCARDNAME"] or row["i_ZVCARDSTRING"] else ()
        if not local and not row["i_ZMEDIAURL"]:
            return ()
        mime = row["i_ZVCARDSTRING"]
        mime = mime if isinstance(mime, str) and "/" in mime and len(mime) < 128 and "\n" not in mime else None
        size = row["i_ZFILESIZE"]
        name = row["i_ZTITLE"] if kind == DOCUMENT and row["i_ZTITLE"] else \
            (local.rpartition("/")[2] if local else None)
        path = None
        if local:
            # Kept relative to the app group's Message/ folder; an absolute device path stays as stored.
            if local.startswith("/"):
                path = local
            elif local.startswith("Message/"):
                path = media_folder[:-len("Message/")] + local
            else:
                path = media_folder + local
        return (Attachment(name=name, mime_type=mime, size=size if isinstance(size, int) and size > 0 else None,
                           sha256=_media_hash(row["i_ZVCARDNAME"]), path=path),)


def _duration(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
        return None
    return float(value)


def _media_hash(value: object) -> str | None:
    """WhatsApp keeps the media file's SHA-256 in base64 in ZVCARDNAME; hex here."""
    if not isinstance(value, str) or len(value) != 44:
        return None
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest.hex() if len(digest) == 32 else None


# --- calls ----------------------------------------------------------------------------------------

CALL_REQUIRED = {"ZWACDCALLEVENT": ("Z_PK", "ZDATE", "ZDURATION")}
# ZWACDCALLEVENT.ZOUTCOME as iLEAPP documents it: 0 ended (connected), 1 missed, 4 rejected.
OUTCOME_MISSED, OUTCOME_REJECTED = 1, 4


class WhatsAppIOSCalls(Extractor):
    name = "ios.whatsapp.calls"
    version = "1.0.0"
    description = "WhatsApp iOS CallHistory.sqlite: voice and video calls with their participants."
    selects = [
        Select(glob="**/CallHistory.sqlite"),
        Select(sqlite_tables={"ZWACDCALLEVENT": ["ZDATE", "ZDURATION"]}),
    ]
    kinds = [Call, Account]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Call | Account | PluginWarning]:
        conn, schema, problems = _open(ctx, source, APP, CALL_REQUIRED)
        yield from problems
        if conn is None:
            return
        try:
            yield from self._calls(ctx, conn, schema)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: call history could not be read to the end: {exc}", code="sqlite.damaged")

    def _calls(self, ctx: Context, conn: sqlite3.Connection, schema: dict[str, set[str]]) -> Iterator[Call | Account]:
        aggregate_link = _relation(schema, "ZWACDCALLEVENT", "CALLEVENTS")
        has_aggregate = aggregate_link is not None and "ZWAAGGREGATECALLEVENT" in schema
        event_columns = _pick(schema, "ZWACDCALLEVENT", ("ZOUTCOME", "ZGROUPCALLCREATORUSERJIDSTRING",
                                                         "ZGROUPJIDSTRING", "ZVIDEO", "ZINCOMING"), "e")
        aggregate_columns = _pick(schema, "ZWAAGGREGATECALLEVENT", ("ZINCOMING", "ZMISSED", "ZVIDEO"), "a") \
            if has_aggregate else "NULL AS a_ZINCOMING, NULL AS a_ZMISSED, NULL AS a_ZVIDEO"
        join = f"LEFT JOIN ZWAAGGREGATECALLEVENT a ON a.Z_PK = e.{aggregate_link}" if has_aggregate else ""
        rows = conn.execute(f"SELECT e.Z_PK, e.ZDATE, e.ZDURATION, {event_columns}, {aggregate_columns} "
                            f"FROM ZWACDCALLEVENT e {join} ORDER BY e.Z_PK")
        participant_link = _relation(schema, "ZWACDCALLEVENTPARTICIPANT", "PARTICIPANTS")
        participants = _Grouped(conn.execute(
            f"SELECT {participant_link}, ZJIDSTRING FROM ZWACDCALLEVENTPARTICIPANT "
            f"ORDER BY {participant_link}, Z_PK")) \
            if participant_link and "ZJIDSTRING" in schema.get("ZWACDCALLEVENTPARTICIPANT", set()) else None
        owner, owner_row = self._owner(conn, schema, aggregate_link if has_aggregate else None)
        for row in rows:
            incoming = row["a_ZINCOMING"] if row["a_ZINCOMING"] is not None else row["e_ZINCOMING"]
            creator = row["e_ZGROUPCALLCREATORUSERJIDSTRING"]
            others = [each[1] for each in participants.take(row["Z_PK"])] if participants else []
            parties = [each for each in others if isinstance(each, str) and each != owner]
            if not parties and incoming == 1 and isinstance(creator, str) and creator != owner:
                parties = [creator]
            outcome = row["e_ZOUTCOME"]
            missed = None
            if row["a_ZMISSED"] is not None or outcome is not None:
                missed = row["a_ZMISSED"] == 1 or outcome == OUTCOME_MISSED or \
                    (incoming == 1 and outcome == OUTCOME_REJECTED)
            video = row["a_ZVIDEO"] if row["a_ZVIDEO"] is not None else row["e_ZVIDEO"]
            yield Call(app=APP, parties=tuple(dict.fromkeys(parties)), account=owner,
                       direction={1: INCOMING, 0: OUTGOING}.get(incoming, UNKNOWN),
                       start=ctx.time.cocoa(row["ZDATE"]), duration_s=_duration(row["ZDURATION"]),
                       video=video == 1, missed=missed,
                       locator=ctx.locate(table="ZWACDCALLEVENT", rowid=row["Z_PK"]))
        yield from self._joinable(ctx, conn, schema, owner)
        if owner:
            yield _owner_account(ctx, owner, ctx.locate(table="ZWACDCALLEVENT", rowid=owner_row))

    @staticmethod
    def _owner(conn: sqlite3.Connection, schema: dict[str, set[str]],
               aggregate_link: str | None) -> tuple[str | None, int | None]:
        """The creator of the calls the owner placed (not incoming) is the owner, when it is one JID."""
        if "ZGROUPCALLCREATORUSERJIDSTRING" not in schema["ZWACDCALLEVENT"]:
            return None, None
        if aggregate_link and "ZINCOMING" in schema.get("ZWAAGGREGATECALLEVENT", set()):
            source = (f"FROM ZWACDCALLEVENT e JOIN ZWAAGGREGATECALLEVENT a ON a.Z_PK = e.{aggregate_link} "
                      "WHERE a.ZINCOMING = 0")
        elif "ZINCOMING" in schema["ZWACDCALLEVENT"]:
            source = "FROM ZWACDCALLEVENT e WHERE e.ZINCOMING = 0"
        else:
            return None, None
        owner = _one_value(conn, f"SELECT DISTINCT e.ZGROUPCALLCREATORUSERJIDSTRING {source} "
                                 "AND e.ZGROUPCALLCREATORUSERJIDSTRING LIKE '%@s.whatsapp.net'")
        if not owner:
            return None, None
        row = conn.execute(f"SELECT MIN(e.Z_PK) {source} AND e.ZGROUPCALLCREATORUSERJIDSTRING = ?",
                           (owner,)).fetchone()
        return owner, row[0] if row else None

    @staticmethod
    def _joinable(ctx: Context, conn: sqlite3.Connection, schema: dict[str, set[str]],
                  owner: str | None) -> Iterator[Call]:
        """Group calls one can join (call links): ZWAJOINABLECALLEVENT and its participants."""
        if not {"Z_PK", "ZDATE"} <= schema.get("ZWAJOINABLECALLEVENT", set()):
            return
        columns = _pick(schema, "ZWAJOINABLECALLEVENT", ("ZDURATION", "ZVIDEO", "ZFROMJIDSTRING", "ZGROUPJIDSTRING",
                                                         "ZCALLCREATORJIDSTRING"), "j")
        link = _relation(schema, "ZWAJOINABLECALLEVENTPARTICIPANT", "PARTICIPANTS")
        participants = _Grouped(conn.execute(
            f"SELECT {link}, ZJIDSTRING FROM ZWAJOINABLECALLEVENTPARTICIPANT ORDER BY {link}, Z_PK")) \
            if link and "ZJIDSTRING" in schema.get("ZWAJOINABLECALLEVENTPARTICIPANT", set()) else None
        for row in conn.execute(f"SELECT j.Z_PK, j.ZDATE, {columns} FROM ZWAJOINABLECALLEVENT j ORDER BY j.Z_PK"):
            others = [each[1] for each in participants.take(row["Z_PK"])] if participants else []
            creator = row["j_ZCALLCREATORJIDSTRING"] or row["j_ZFROMJIDSTRING"]
            parties = [each for each in [creator, *others] if isinstance(each, str) and each != owner]
            direction = UNKNOWN if creator is None or owner is None else (OUTGOING if creator == owner else INCOMING)
            yield Call(app=APP, parties=tuple(dict.fromkeys(parties)), account=owner, direction=direction,
                       start=ctx.time.cocoa(row["ZDATE"]), duration_s=_duration(row["j_ZDURATION"]),
                       video=row["j_ZVIDEO"] == 1,
                       locator=ctx.locate(table="ZWAJOINABLECALLEVENT", rowid=row["Z_PK"]))


# --- contacts -------------------------------------------------------------------------------------

CONTACT_REQUIRED = {"ZWAADDRESSBOOKCONTACT": ("Z_PK", "ZFULLNAME", "ZPHONENUMBER", "ZWHATSAPPID")}
CONTACT_OPTIONAL = ("ZGIVENNAME", "ZHIGHLIGHTEDNAME", "ZLID", "ZUSERNAME")


class WhatsAppIOSContacts(Extractor):
    name = "ios.whatsapp.contacts"
    version = "1.0.0"
    description = "WhatsApp iOS ContactsV2.sqlite: the address book as WhatsApp sees it, with JIDs."
    selects = [
        Select(glob="**/ContactsV2.sqlite"),
        Select(sqlite_tables={"ZWAADDRESSBOOKCONTACT": ["ZFULLNAME", "ZPHONENUMBER", "ZWHATSAPPID"]}),
    ]
    kinds = [Contact]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Contact | PluginWarning]:
        conn, schema, problems = _open(ctx, source, APP, CONTACT_REQUIRED)
        yield from problems
        if conn is None:
            return
        columns = _pick(schema, "ZWAADDRESSBOOKCONTACT", CONTACT_OPTIONAL, "c")
        count = 0
        try:
            for row in conn.execute(f"SELECT c.Z_PK, c.ZFULLNAME, c.ZPHONENUMBER, c.ZWHATSAPPID, {columns} "
                                    "FROM ZWAADDRESSBOOKCONTACT c ORDER BY c.Z_PK"):
                count += 1
                phone, jid = row["ZPHONENUMBER"] or None, row["ZWHATSAPPID"] or None
                e164 = ctx.e164(phone) or _jid_phone(ctx, jid)
                handles = tuple(each for each in (jid, row["c_ZLID"], row["c_ZUSERNAME"]) if each)
                yield Contact(app=APP, display_name=row["ZFULLNAME"] or row["c_ZHIGHLIGHTEDNAME"] or
                              row["c_ZGIVENNAME"] or None,
                              phones=(phone,) if phone else (), phones_e164=(e164,) if e164 else (),
                              handles=handles, locator=ctx.locate(table="ZWAADDRESSBOOKCONTACT", rowid=row["Z_PK"]))
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading stopped after {count} contacts: {exc}", code="sqlite.damaged")
