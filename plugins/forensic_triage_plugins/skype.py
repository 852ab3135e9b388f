"""Skype: the legacy ``main.db`` (Skype 3-7, desktop and the old mobile apps) and the newer
``s4l-<user>.db`` (Skype 8 "Skype for Life" cache, JSON documents in ``nsp_data`` columns).

main.db (tables and columns as the SkypeKit schema writes them; cross-checked with plaso's
``skype`` SQLite plugin and IPED's Skype parser):

- ``Messages``: one row per chat event. ``author`` (Skype name), ``from_dispname``, ``body_xml``
  (Skype's XML/HTML markup, turned into plain text here: tags dropped, entities decoded,
  ``<br>`` as a new line), ``timestamp`` (seconds since 1970, UTC), ``chatname``, ``convo_id``,
  ``type`` (61 posted text, 60 emote, 64 SMS, 68 files, 50/51 contact request/granted, 30/39 call
  started/ended, ...), ``guid``. Every row becomes a message, also the event rows (their body is
  what the row holds, often nothing).
- ``Conversations`` (``identity``, ``displayname``) and ``Participants`` (``convo_id``,
  ``identity``), ``Chats`` (``name``, ``friendlyname``, ``participants``): thread names and the
  recipients of each message (the conversation's members less the author).
- ``SMSes``: an SMS sent through Skype. A row whose ``chatmsg_id`` names a ``Messages`` row is the
  same SMS as that message: the message takes the SMS text and numbers, and the SMS's own
  ``timestamp`` when the chat row's time is not a usable time (with a warning naming both raw
  values). Unlinked SMS rows are messages of their own.
- ``Transfers``: file transfers. A row other rows name as their ``parent_id`` (by ``pk_id``) is the
  sender's offer and is folded into the per-recipient rows (plaso reads them the same way); each
  remaining row is a message with the file as attachment, unless its ``chatmsg_guid`` names a
  ``Messages`` row, which then carries the attachment. The attachment's ``path`` is ``filepath``
  as Skype recorded it: where the file was on the sending or receiving computer.
- ``Calls`` with ``CallMembers`` (``call_db_id``): one call per ``Calls`` row; ``begin_timestamp``
  in seconds, duration from ``CallMembers.call_duration``; ``videostatus`` 3 is a video call.
- ``Contacts`` -> contacts; ``Accounts`` -> the device owner's account (the ``skypename`` that
  decides message direction).

s4l-*.db (best effort from IPED's ``SkypeSqliteV12``): ``messagesv12`` (or another
``messagesvN``/``messages`` table with ``nsp_data``) holds one JSON document per message with
``cuid``, ``creator`` (an MRI such as ``8:live:alice``), ``conversationId``, ``content`` (HTML),
``createdTime`` (milliseconds since 1970) and ``_isMyMessage``; ``conversationsv14``/``v13``
``nsp_data.conv`` gives ``id``, ``_threadProps.topic`` and ``_threadMembers``; ``profilecachev8``
holds contacts (``mri``, ``firstName``, ``lastName``, ``displayNameOverride``, ``phones``);
``internaldata`` row ``Cpriv_prefs_v2`` names the owner (``value.skypeName``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from html.parser import HTMLParser

from forensic_triage.sdk import (INCOMING, OUTGOING, UNKNOWN, Account, Attachment, Call, Contact, Context, Extractor,
                                 Message, PluginWarning, Select, Source)
from forensic_triage_plugins._sqlite_store import TableReader as _Reader
from forensic_triage_plugins._sqlite_store import quote as _quote
from forensic_triage_plugins._sqlite_store import unique as _unique
from forensic_triage_plugins._decoding import markup_to_text

APP = "Skype"

# Messages.type values (SkypeKit Message::TYPE) that matter for reading a row.
TYPE_POSTED_SMS = 64
TYPE_POSTED_FILES = 68


# --- helpers shared by the two extractors (kept in this module: see the SDK proposal in the report) ---



def _split_ids(text: str | None) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text or "") if part]



def _unreadable(ctx: Context, exc: Exception, what: str) -> PluginWarning:
    return ctx.warning(f"{what}: not a readable SQLite database (damaged, truncated or encrypted): {exc}",
                       code="sqlite.unreadable")


def _bad_text_warning(ctx: Context, reader: _Reader, what: str) -> Iterator[PluginWarning]:
    if reader.bad_text:
        yield ctx.warning(f"{what}: {reader.bad_text} text value(s) were not valid UTF-8; the invalid bytes "
                          "were replaced with U+FFFD", code="text.invalid_utf8")


# --- main.db -------------------------------------------------------------------------------------------

class _SmsBody(HTMLParser):
    """The text of an ``<sms>`` body_xml: ``<encoded_body>``, else the ``<chunk>``s, else ``alt``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.alt: str | None = None
        self.encoded: list[str] = []
        self.chunks: list[str] = []
        self.targets: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "sms":
            self.alt = dict(attrs).get("alt")
        if tag in ("encoded_body", "chunk", "target"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "encoded_body":
            self.encoded.append(data)
        elif self._in == "chunk":
            self.chunks.append(data)
        elif self._in == "target":
            self.targets.append(data.strip())

    @classmethod
    def parse(cls, markup: str) -> _SmsBody:
        parser = cls()
        try:
            parser.feed(markup)
            parser.close()
        except Exception:  # noqa: BLE001 - keep what was parsed before the damage
            return parser
        return parser

    @property
    def text(self) -> str | None:
        return "".join(self.encoded) or "".join(self.chunks) or self.alt


_FILE = re.compile(r"<file\b([^>]*)>(.*?)</file>", re.DOTALL | re.IGNORECASE)
_SIZE = re.compile(r"\bsize=\"(\d+)\"", re.IGNORECASE)


def _files_in(markup: str | None) -> tuple[Attachment, ...]:
    """``<files><file size="69986" index="0">name.pdf</file></files>`` as attachments."""
    found = []
    for attrs, name in _FILE.findall(markup or ""):
        size = _SIZE.search(attrs)
        found.append(Attachment(name=markup_to_text(name) or None, size=int(size.group(1)) if size else None))
    return tuple(found)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SkypeMainDb(Extractor):
    name = "desktop.skype.maindb"
    version = "1.0.0"
    description = ("Skype legacy main.db (desktop and old mobile apps): messages, SMS, file transfers, "
                   "calls, contacts and the owner's account.")
    selects = [
        Select(glob="**/Skype/*/main.db"),
        Select(glob="**/com.skype.*/files/*/main.db"),
        Select(sqlite_tables={"Messages": ["body_xml", "chatname", "author", "timestamp"],
                              "Conversations": ["identity"]}),
    ]
    kinds = [Message, Call, Contact, Account]

    MESSAGE_COLUMNS = ["id", "convo_id", "chatname", "author", "from_dispname", "dialog_partner", "timestamp",
                       "type", "body_xml", "guid", "identities"]
    REQUIRED = {"Messages": ["author", "timestamp", "body_xml", "type"]}

    def extract(self, ctx: Context, source: Source) -> Iterator:
        try:
            db = _Reader(ctx)
        except sqlite3.DatabaseError as exc:
            yield _unreadable(ctx, exc, "Skype main.db")
            return
        missing = [name for table, columns in self.REQUIRED.items() for name in db.missing(table, columns)]
        if missing:
            yield ctx.warning("Skype main.db: unknown schema version, missing " + ", ".join(missing),
                              code="schema.unknown_version", missing=missing)
        try:
            owner = yield from self._accounts(ctx, db)
            yield from self._contacts(ctx, db)
            if not missing:
                yield from self._messages(ctx, db, owner)
            yield from self._calls(ctx, db, owner)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"Skype main.db: reading stopped, the database is damaged: {exc}",
                              code="sqlite.damaged")
        yield from _bad_text_warning(ctx, db, "Skype main.db")

    # -- owner and contacts

    def _accounts(self, ctx: Context, db: _Reader):
        owner = None
        if not db.table("Accounts"):
            return None
        for row in db.select("Accounts", ["skypename", "fullname", "displayname", "emails", "phone_mobile",
                                          "pstnnumber", "liveid_membername"]):
            identifier = row["skypename"] or row["liveid_membername"]
            if not identifier:
                continue
            owner = owner or identifier
            emails = _split_ids(row["emails"])
            yield Account(app=APP, identifier=identifier, display_name=row["fullname"] or row["displayname"],
                          phone=row["phone_mobile"] or row["pstnnumber"], email=emails[0] if emails else None,
                          locator=ctx.locate(table=db.table("Accounts"), rowid=row["_rowid"]))
        return owner

    def _contacts(self, ctx: Context, db: _Reader):
        if not db.table("Contacts"):
            return
        for row in db.select("Contacts", ["skypename", "fullname", "displayname", "given_displayname", "pstnnumber",
                                          "phone_home", "phone_office", "phone_mobile", "assigned_phone1",
                                          "assigned_phone2", "assigned_phone3", "emails"]):
            phones = _unique([row["pstnnumber"], row["phone_home"], row["phone_office"], row["phone_mobile"],
                              row["assigned_phone1"], row["assigned_phone2"], row["assigned_phone3"]])
            yield Contact(app=APP, display_name=row["given_displayname"] or row["displayname"] or row["fullname"],
                          handles=_unique([row["skypename"]]), phones=phones,
                          phones_e164=_unique(ctx.e164(phone) for phone in phones),
                          emails=_unique(_split_ids(row["emails"])),
                          locator=ctx.locate(table=db.table("Contacts"), rowid=row["_rowid"]))

    # -- messages, SMS and file transfers

    def _threads(self, db: _Reader) -> tuple[dict, dict, dict]:
        names, members, chats = {}, {}, {}
        if db.table("Conversations"):
            for row in db.select("Conversations", ["id", "identity", "displayname", "given_displayname"]):
                names[row["id"]] = row["given_displayname"] or row["displayname"] or row["identity"]
        if db.table("Participants"):
            for row in db.select("Participants", ["convo_id", "identity"]):
                members.setdefault(row["convo_id"], []).append(row["identity"])
        if db.table("Chats"):
            for row in db.select("Chats", ["name", "friendlyname", "participants"]):
                chats[row["name"]] = (row["friendlyname"], _split_ids(row["participants"]))
        return names, members, chats

    def _transfers(self, ctx: Context, db: _Reader) -> list[dict]:
        if not db.table("Transfers"):
            return []
        rows = [dict(row) for row in db.select(
            "Transfers", ["id", "type", "partner_handle", "partner_dispname", "status", "starttime", "finishtime",
                          "filepath", "filename", "filesize", "chatmsg_guid", "convo_id", "pk_id", "parent_id"])]
        by_pk = {row["pk_id"]: row for row in rows if row["pk_id"]}
        parents = {row["parent_id"] for row in rows if row["parent_id"]}
        kept = []
        for row in rows:
            if row["pk_id"] and row["pk_id"] in parents:
                continue   # the sender's offer, told again by its per-recipient rows
            parent = by_pk.get(row["parent_id"]) if row["parent_id"] else None
            row["source"] = parent["partner_handle"] if parent else None
            row["attachment"] = Attachment(name=row["filename"], size=_int(row["filesize"]), path=row["filepath"])
            kept.append(row)
        return kept

    def _messages(self, ctx: Context, db: _Reader, owner: str | None):
        table = db.table("Messages")
        names, members, chats = self._threads(db)
        transfers = self._transfers(ctx, db)
        guids = [row["chatmsg_guid"] for row in transfers if row["chatmsg_guid"]]
        linked_guids = set()
        if guids and "guid" in db.columns("Messages"):
            marks = ",".join("?" * len(guids))
            linked_guids = {bytes(guid) if isinstance(guid, (bytes, memoryview)) else guid for (guid,) in
                            db.conn.execute(f"SELECT guid FROM {_quote(table)} WHERE guid IN ({marks})", guids)}
        by_guid: dict = {}
        for row in transfers:
            if row["chatmsg_guid"] in linked_guids:
                by_guid.setdefault(row["chatmsg_guid"], []).append(row["attachment"])
        sms_by_message = {}
        loose_sms = []
        if db.table("SMSes"):
            for row in db.select("SMSes", ["id", "type", "status", "timestamp", "target_numbers", "body",
                                           "chatmsg_id", "reply_to_number", "identity"]):
                (sms_by_message.setdefault(row["chatmsg_id"], dict(row)) if row["chatmsg_id"]
                 else loose_sms.append(dict(row)))
            linked = set()
            if "id" in db.columns("Messages") and "chatmsg_id" in db.columns("SMSes"):
                linked = {message_id for (message_id,) in db.conn.execute(
                    f"SELECT id FROM {_quote(table)} WHERE id IN (SELECT chatmsg_id FROM {_quote(db.table('SMSes'))})")}
            loose_sms += [row for key, row in sms_by_message.items() if key not in linked]
            sms_by_message = {key: row for key, row in sms_by_message.items() if key in linked}

        for row in db.select("Messages", self.MESSAGE_COLUMNS):
            author = row["author"]
            convo = row["convo_id"]
            chat_name, chat_members = chats.get(row["chatname"], (None, []))
            people = _unique([*members.get(convo, []), *chat_members])
            recipients = tuple(person for person in people if person != author)
            if not recipients and row["dialog_partner"] and row["dialog_partner"] != author:
                recipients = (row["dialog_partner"],)
            sent = ctx.time.unix_s(row["timestamp"])
            body = markup_to_text(row["body_xml"])
            attachments: tuple[Attachment, ...] = ()
            service = None
            message_type = _int(row["type"])
            if message_type == TYPE_POSTED_SMS or (row["body_xml"] or "").lstrip().startswith("<sms"):
                service = "SMS"
                parsed = _SmsBody.parse(row["body_xml"] or "")
                body = parsed.text
                recipients = _unique(parsed.targets) or recipients
                sms = sms_by_message.get(row["id"])
                if sms is not None:
                    body = sms["body"] if sms["body"] is not None else body
                    recipients = _unique(_split_ids(sms["target_numbers"])) or recipients
                    sms_time = ctx.time.unix_s(sms["timestamp"])
                    if sent.status != "ok" and sms_time.status == "ok":
                        yield ctx.warning(
                            f"Skype SMS message {row['id']}: Messages.timestamp {sent.raw} is not a usable time; "
                            f"the linked SMSes row's timestamp {sms_time.raw} is used",
                            code="skype.sms_time", locator=ctx.locate(table=table, rowid=row["_rowid"]))
                        sent = sms_time
            elif message_type == TYPE_POSTED_FILES or "<files" in (row["body_xml"] or ""):
                attachments = _files_in(row["body_xml"])
                body = None if attachments else body
            guid = row["guid"]
            if guid in by_guid:
                attachments = tuple(by_guid[guid])
            direction = UNKNOWN if owner is None else (OUTGOING if author == owner else INCOMING)
            yield Message(app=APP, account=owner, thread_id=None if convo is None else str(convo),
                          thread_name=names.get(convo) or chat_name, sender=author, recipients=recipients,
                          direction=direction, service=service, sent=sent, body=body or None,
                          attachments=attachments, locator=ctx.locate(table=table, rowid=row["_rowid"]))

        for sms in loose_sms:
            outgoing = _int(sms["type"]) == 2
            numbers = _unique(_split_ids(sms["target_numbers"]))
            yield Message(app=APP, account=owner, service="SMS", body=sms["body"],
                          sender=owner if outgoing else (sms["reply_to_number"] or sms["identity"]),
                          recipients=numbers if outgoing else _unique([owner]),
                          direction=OUTGOING if outgoing else INCOMING, sent=ctx.time.unix_s(sms["timestamp"]),
                          locator=ctx.locate(table=db.table("SMSes"), rowid=sms["_rowid"]))

        for row in transfers:
            if row["chatmsg_guid"] in linked_guids:
                continue
            incoming = _int(row["type"]) == 1
            if row["source"]:
                sender, recipients = row["source"], _unique([row["partner_handle"]])
            elif incoming:
                sender, recipients = row["partner_handle"], _unique([owner])
            else:
                sender, recipients = owner, _unique([row["partner_handle"]])
            direction = UNKNOWN if owner is None else (OUTGOING if sender == owner else INCOMING)
            convo = row["convo_id"]
            yield Message(app=APP, account=owner, thread_id=None if convo is None else str(convo),
                          thread_name=names.get(convo), sender=sender, recipients=recipients, direction=direction,
                          service="file transfer", sent=ctx.time.unix_s(row["starttime"]),
                          delivered=ctx.time.unix_s(row["finishtime"]) if _int(row["status"]) == 8 else None,
                          attachments=(row["attachment"],),
                          locator=ctx.locate(table=db.table("Transfers"), rowid=row["_rowid"]))

    # -- calls

    def _calls(self, ctx: Context, db: _Reader, owner: str | None):
        members: dict = {}
        if db.table("CallMembers"):
            for row in db.select("CallMembers", ["call_db_id", "identity", "dispname", "call_duration",
                                                 "videostatus", "start_timestamp", "creation_timestamp", "status"]):
                members.setdefault(row["call_db_id"], []).append(dict(row))
        if db.table("Calls"):
            for row in db.select("Calls", ["id", "begin_timestamp", "host_identity", "is_incoming", "duration",
                                           "is_unseen_missed", "partner_handle", "conv_dbid"]):
                people = members.pop(row["id"], [])
                yield self._call(ctx, owner, row["host_identity"], people, row["is_incoming"],
                                 row["begin_timestamp"], row["duration"], row["is_unseen_missed"], row["partner_handle"],
                                 ctx.locate(table=db.table("Calls"), rowid=row["_rowid"]))
        for people in members.values():   # members of calls the Calls table no longer holds
            for person in people:
                yield self._call(ctx, owner, None, [person], None, person["start_timestamp"], None, None, None,
                                 ctx.locate(table=db.table("CallMembers"), rowid=person["_rowid"]))

    @staticmethod
    def _call(ctx, owner, host, people, is_incoming, begin, duration, unseen_missed, partner, locator) -> Call:
        parties = _unique([person["identity"] for person in people] + [partner])
        if host and host != owner:
            parties = _unique([host, *parties])
        parties = tuple(party for party in parties if party != owner) or parties
        incoming = _int(is_incoming)
        if incoming is None and host and owner:
            incoming = 0 if host == owner else 1
        direction = UNKNOWN if incoming is None else (INCOMING if incoming else OUTGOING)
        durations = [_int(person["call_duration"]) for person in people if _int(person["call_duration"])]
        seconds = _int(duration) or (max(durations) if durations else None)
        if _int(unseen_missed):
            missed = True
        elif seconds:
            missed = False
        else:
            missed = None
        start = begin or next((person["start_timestamp"] for person in people if person["start_timestamp"]), None)
        video = any(_int(person["videostatus"]) == 3 for person in people)
        return Call(app=APP, parties=parties, account=owner, direction=direction, start=ctx.time.unix_s(start),
                    duration_s=float(seconds) if seconds is not None else None, video=video, missed=missed,
                    locator=locator)


# --- s4l-*.db --------------------------------------------------------------------------------------------

def _json(text) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _versioned(db: _Reader, stem: str) -> str | None:
    """The highest-versioned table named ``<stem>v<N>`` (or ``<stem>`` itself) holding nsp_data."""
    found = []
    for lower, actual in db.tables.items():
        match = re.fullmatch(re.escape(stem) + r"(?:v(\d+))?", lower)
        if match and "nsp_data" in db.columns(actual):
            found.append((int(match.group(1) or 0), actual))
    return max(found)[1] if found else None


def _mri_name(mri: str | None) -> str | None:
    """``8:live:alice`` -> ``live:alice`` (the Skype name); other MRIs unchanged."""
    if not mri:
        return mri
    prefix, _, rest = mri.partition(":")
    return rest if prefix.isdigit() and rest else mri


def _owner_mri(skype_name: str) -> str:
    """The owner's MRI as messages name people: ``live:alice`` -> ``8:live:alice`` (8 is the
    prefix of Skype consumer accounts)."""
    prefix = skype_name.partition(":")[0]
    return skype_name if prefix.isdigit() else f"8:{skype_name}"


class SkypeS4l(Extractor):
    name = "mobile.skype.s4l"
    version = "1.0.0"
    description = "Skype 8 s4l-*.db: messages, conversations and contacts stored as JSON (nsp_data)."
    selects = [
        Select(glob="**/s4l-*.db"),
        Select(sqlite_tables={"messagesv12": ["nsp_data"]}),
        Select(sqlite_tables={"messages": ["nsp_pk", "nsp_data"]}),
    ]
    kinds = [Message, Contact, Account]

    def extract(self, ctx: Context, source: Source) -> Iterator:
        try:
            db = _Reader(ctx)
        except sqlite3.DatabaseError as exc:
            yield _unreadable(ctx, exc, "Skype s4l database")
            return
        messages = _versioned(db, "messages")
        if messages is None:
            yield ctx.warning("Skype s4l database: unknown schema version, missing messagesv12.nsp_data "
                              "(no messages table with an nsp_data column)", code="schema.unknown_version",
                              missing=["messagesv12.nsp_data"])
        try:
            owner = self._owner(db)
            if owner:
                yield Account(app=APP, identifier=_owner_mri(owner), locator=ctx.locate(table=db.table("internaldata")))
            members, topics = self._conversations(db)
            yield from self._contacts(ctx, db)
            if messages:
                yield from self._messages(ctx, db, messages, owner, members, topics)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"Skype s4l database: reading stopped, the database is damaged: {exc}",
                              code="sqlite.damaged")
        yield from _bad_text_warning(ctx, db, "Skype s4l database")

    @staticmethod
    def _owner(db: _Reader) -> str | None:
        if not db.table("internaldata"):
            return None
        for row in db.select("internaldata", ["nsp_pk", "nsp_data"], "WHERE nsp_pk = 'Cpriv_prefs_v2'"):
            data = _json(row["nsp_data"]) or {}
            value = data.get("value") if isinstance(data.get("value"), dict) else {}
            if value.get("skypeName"):
                return str(value["skypeName"])
        return None

    @staticmethod
    def _conversations(db: _Reader) -> tuple[dict, dict]:
        members, topics = {}, {}
        table = _versioned(db, "conversations")
        if table is None:
            return members, topics
        for row in db.select(table, ["nsp_data"]):
            conv = (_json(row["nsp_data"]) or {}).get("conv")
            if not isinstance(conv, dict) or not conv.get("id"):
                continue
            props = conv.get("_threadProps") if isinstance(conv.get("_threadProps"), dict) else {}
            topics[conv["id"]] = props.get("topic") or conv.get("displayName")
            people = conv.get("_threadMembers") if isinstance(conv.get("_threadMembers"), list) else []
            members[conv["id"]] = [member.get("id") for member in people if isinstance(member, dict)]
        return members, topics

    def _contacts(self, ctx: Context, db: _Reader):
        table = _versioned(db, "profilecache")
        if table is None:
            return
        for row in db.select(table, ["nsp_data"]):
            data = _json(row["nsp_data"])
            if not data or not data.get("mri"):
                continue
            phones = _unique(phone.get("number") for phone in data.get("phones") or [] if isinstance(phone, dict))
            emails = data.get("emails") if isinstance(data.get("emails"), list) else []
            full = " ".join(part for part in (data.get("firstName"), data.get("lastName")) if part) or None
            yield Contact(app=APP, display_name=data.get("displayNameOverride") or full or data.get("displayName"),
                          handles=_unique([data["mri"]]), phones=phones,
                          phones_e164=_unique(ctx.e164(phone) for phone in phones),
                          emails=_unique(email for email in emails if isinstance(email, str)),
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))

    def _messages(self, ctx: Context, db: _Reader, table: str, owner: str | None, members: dict, topics: dict):
        owner_mri = _owner_mri(owner) if owner else None
        unparsable = 0
        for row in db.select(table, ["nsp_data"]):
            data = _json(row["nsp_data"])
            if data is None:
                unparsable += 1
                continue
            creator = data.get("creator")
            conversation = data.get("conversationId")
            mine = data.get("_isMyMessage")
            if mine in (1, True) and creator and owner_mri is None:
                owner_mri = creator
            if mine in (1, True):
                direction = OUTGOING
            elif owner and creator:
                direction = OUTGOING if _mri_name(creator) == _mri_name(owner) else INCOMING
            elif mine in (0, False):
                direction = INCOMING
            else:
                direction = UNKNOWN
            people = [person for person in members.get(conversation, []) if person and person != creator]
            if not people and conversation and conversation != creator and not str(conversation).startswith("19:"):
                people = [conversation]
            if not people and direction == INCOMING and (owner_mri or owner):
                people = [owner_mri or owner]
            yield Message(app=APP, account=owner_mri, thread_id=conversation, thread_name=topics.get(conversation),
                          sender=creator, recipients=_unique(people), direction=direction,
                          sent=ctx.time.unix_ms(data.get("createdTime")),
                          body=markup_to_text(data.get("content")) or None,
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))
        if unparsable:
            yield ctx.warning(f"Skype s4l database: {unparsable} row(s) of {table} hold no readable JSON",
                              code="json.unparsable")
