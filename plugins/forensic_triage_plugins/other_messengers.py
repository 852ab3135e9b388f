"""Best-effort plugins for further messengers, one Extractor each, written from the apps'
documented schemas (sources named in each class's docstring). None of these stores is in the
third-party corpus; the project's own builders (``forensic_triage.demo.apps.other_apps``) write
test databases with the same tables and columns.

Every SQLite plugin here selects its store by path and by a schema signature (so a renamed copy
in a logical acquisition is found), reads with explicit column lists (a column an app version
lacks reads as NULL), and when a column it needs is missing yields one warning naming the app
and the missing columns instead of failing. Damaged, truncated or encrypted databases, text that
is not valid UTF-8, unparsable JSON/protobuf and impossible times give warnings, never a crash.
Bodies are kept as text (HTML is turned into plain text where the app stores markup; nothing is
ever rendered).
"""

from __future__ import annotations

import base64
import binascii
import json
import plistlib
import re
import sqlite3
import struct
from collections.abc import Iterator

from forensic_triage.sdk import (INCOMING, OUTGOING, SQLITE_MAGIC, UNKNOWN, Account, Attachment, Call, Contact,
                                 Context, Extractor, Message, PluginWarning, Select, Source)
from forensic_triage.sdk.times import TimeValue
from forensic_triage_plugins._sqlite_store import TableReader as _Reader
from forensic_triage_plugins._sqlite_store import quote as _quote
from forensic_triage_plugins._sqlite_store import unique as _unique
from forensic_triage_plugins._decoding import markup_to_text, protobuf_fields

# --- shared helpers ---------------------------------------------------------------------------------


def _int(value) -> int | None:
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None


def _json(text):
    if text is None:
        return None
    if isinstance(text, (bytes, memoryview)):
        text = bytes(text).decode("utf-8", "replace")
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None



def _phones(ctx: Context, values) -> tuple[tuple[str, ...], tuple[str, ...]]:
    raw = _unique(values)
    return raw, _unique(ctx.e164(value) for value in raw)


def _epoch_auto(ctx: Context, value) -> TimeValue:
    """A Unix time whose unit the app does not document: seconds, or milliseconds when the value
    is too large to be seconds (the encoding recorded says which reading was used)."""
    number = _int(value)
    if number is not None and abs(number) > 100_000_000_000:
        return ctx.time.unix_ms(value)
    return ctx.time.unix_s(value)



def _pb(fields: list[tuple[int, int | bytes]], number: int, default=None):
    for key, value in fields:
        if key == number:
            return value
    return default


def _pb_all(fields, number: int) -> list:
    return [value for key, value in fields if key == number]


def _pb_text(value) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else None


def _pb_message(value) -> list:
    if not isinstance(value, bytes):
        return []
    try:
        return protobuf_fields(value)
    except ValueError:
        return []


class _SQLiteChat(Extractor):
    """Common frame of the SQLite plugins: open, check the schema, read, and turn damage into
    warnings. Subclasses set APP, REQUIRED (table -> columns without which nothing can be read)
    and implement _read."""

    APP = ""
    REQUIRED: dict[str, list[str]] = {}

    def extract(self, ctx: Context, source: Source) -> Iterator:
        try:
            db = _Reader(ctx)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{self.APP}: not a readable SQLite database (damaged, truncated or encrypted): {exc}",
                              code="sqlite.unreadable")
            return
        missing = [name for table, columns in self.REQUIRED.items() for name in db.missing(table, columns)]
        if missing:
            yield ctx.warning(f"{self.APP}: unknown schema version, missing " + ", ".join(missing),
                              code="schema.unknown_version", missing=missing)
            return
        try:
            yield from self._read(ctx, db)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{self.APP}: reading stopped, the database is damaged: {exc}", code="sqlite.damaged")
        if db.bad_text:
            yield ctx.warning(f"{self.APP}: {db.bad_text} text value(s) were not valid UTF-8; the invalid bytes were "
                              "replaced with U+FFFD", code="text.invalid_utf8")

    def _read(self, ctx: Context, db: _Reader) -> Iterator:
        raise NotImplementedError
        yield  # pragma: no cover


# --- Facebook Messenger (Android threads_db2) -----------------------------------------------------------

class FacebookMessenger(_SQLiteChat):
    """Facebook Messenger for Android, ``com.facebook.orca/databases/threads_db2`` (also the
    Facebook app's own copy). Source: ALEAPP ``FacebookMessenger.py`` (threads_db2 queries) and
    the app's ``CREATE TABLE`` statements.

    - ``messages``: ``msg_id``, ``thread_key`` (``thread_id`` in old versions), ``text``,
      ``sender`` (JSON ``{"user_key": "FACEBOOK:<id>", "name": ...}``), ``timestamp_ms``
      (milliseconds since 1970), ``attachments`` (JSON list with ``filename``, ``mime_type``,
      ``filesize``), ``shares`` (JSON), ``msg_type``, ``snippet``,
      ``generic_admin_message_extensible_data`` (JSON; with ``call_duration`` the row is a call
      log entry: yielded as a Call whose start is the row's time, i.e. the moment the call entry
      was written at its end, as ALEAPP reads it; ``caller_id`` says who called, ``video``).
    - ``threads`` (``thread_key``, ``name``), ``thread_participants`` (``thread_key``,
      ``user_key``) or, in old versions, the JSON list ``threads.participants``.
    - ``thread_users``: ``user_key``, ``first_name``, ``last_name``, ``name``, ``username`` ->
      contacts.
    - The owner's numeric id is in the text file ``threads_db2-uid`` beside the database (read
      as a sibling); without it direction is unknown.
    """

    name = "android.facebook_messenger"
    version = "1.0.0"
    description = "Facebook Messenger (Android threads_db2): messages, calls, thread users, the owner."
    selects = [Select(glob="**/com.facebook.orca/databases/threads_db2"),
               Select(glob="**/com.facebook.katana/databases/threads_db2"),
               Select(sqlite_tables={"messages": ["msg_id", "sender", "timestamp_ms"], "thread_users": ["user_key"]})]
    kinds = [Message, Call, Contact, Account]
    siblings = ["{name}-uid"]
    APP = "Facebook Messenger"
    REQUIRED = {"messages": ["msg_id", "text", "sender", "timestamp_ms"]}

    def _owner(self, ctx: Context, source: Source) -> str | None:
        sibling = ctx.sibling(source.name + "-uid")
        if sibling is None or sibling.size > 4096:
            return None
        text = ctx.read_bytes(sibling).decode("utf-8", "replace").strip()
        uid = text.splitlines()[0].strip() if text else ""
        return f"FACEBOOK:{uid}" if uid.isdigit() else (uid or None)

    def _read(self, ctx: Context, db: _Reader):
        owner = self._owner(ctx, ctx.source)
        thread_col = "thread_key" if db.has("messages", "thread_key") else "thread_id"
        names, members = {}, {}
        if db.table("threads"):
            key = "thread_key" if db.has("threads", "thread_key") else "thread_id"
            for row in db.select("threads", [key, "name", "participants"]):
                names[row[key]] = row["name"]
                people = _json(row["participants"])
                if isinstance(people, list):
                    members[row[key]] = [person.get("user_key") for person in people if isinstance(person, dict)]
        if db.table("thread_participants"):
            key = "thread_key" if db.has("thread_participants", "thread_key") else "thread_id"
            for row in db.select("thread_participants", [key, "user_key"]):
                members.setdefault(row[key], []).append(row["user_key"])
        owner_seen = False
        if db.table("thread_users"):
            for row in db.select("thread_users", ["user_key", "first_name", "last_name", "name", "username"]):
                full = row["name"] or " ".join(part for part in (row["first_name"], row["last_name"]) if part) or None
                locator = ctx.locate(table=db.table("thread_users"), rowid=row["_rowid"])
                if owner and row["user_key"] == owner:
                    owner_seen = True
                    yield Account(app=self.APP, identifier=owner, display_name=full, locator=locator)
                else:
                    yield Contact(app=self.APP, display_name=full, handles=_unique([row["user_key"], row["username"]]),
                                  locator=locator)
        if owner and not owner_seen:
            yield Account(app=self.APP, identifier=owner, locator=ctx.locate(member=f"{ctx.source.name}-uid", line=1))

        table = db.table("messages")
        for row in db.select("messages", ["msg_id", thread_col, "text", "sender", "timestamp_ms", "attachments",
                                          "shares", "msg_type", "snippet", "generic_admin_message_extensible_data"]):
            sender_info = _json(row["sender"]) or {}
            sender = sender_info.get("user_key") if isinstance(sender_info, dict) else None
            thread = row[thread_col]
            people = _unique(members.get(thread, []))
            direction = UNKNOWN if not owner or not sender else OUTGOING if sender == owner else INCOMING
            locator = ctx.locate(table=table, rowid=row["_rowid"])
            admin = _json(row["generic_admin_message_extensible_data"])
            if isinstance(admin, dict) and "call_duration" in admin:
                caller = admin.get("caller_id")
                caller_key = f"FACEBOOK:{caller}" if caller and str(caller).isdigit() else caller
                parties = tuple(person for person in _unique([caller_key, *people]) if person != owner)
                call_direction = UNKNOWN if not owner or not caller_key else (
                    OUTGOING if caller_key == owner else INCOMING)
                seconds = _int(admin.get("call_duration"))
                yield Call(app=self.APP, parties=parties, account=owner, direction=call_direction,
                           start=ctx.time.unix_ms(row["timestamp_ms"]),
                           duration_s=float(seconds) if seconds is not None else None,
                           video=bool(admin.get("video")), missed=(seconds == 0) if seconds is not None else None,
                           locator=locator)
                continue
            attachments = []
            for item in _json(row["attachments"]) or []:
                if isinstance(item, dict):
                    attachments.append(Attachment(name=item.get("filename"), mime_type=item.get("mime_type"),
                                                  size=_int(item.get("filesize"))))
            body = row["text"]
            if not body:
                shares = _json(row["shares"])
                if isinstance(shares, list) and shares and isinstance(shares[0], dict):
                    body = " ".join(str(shares[0][key]) for key in ("name", "href") if shares[0].get(key)) or None
            yield Message(app=self.APP, account=owner, thread_id=thread, thread_name=names.get(thread),
                          sender=sender, recipients=tuple(person for person in people if person != sender),
                          direction=direction, sent=ctx.time.unix_ms(row["timestamp_ms"]),
                          body=body or row["snippet"] or None, attachments=tuple(attachments), locator=locator)


# --- Instagram (Android direct.db) -------------------------------------------------------------------

class InstagramDirect(_SQLiteChat):
    """Instagram direct messages on Android, ``com.instagram.android/databases/direct.db``.
    Source: karlicoss/HPI ``my/instagram/android.py`` (the tables and JSON keys it reads).

    - ``messages``: ``thread_id``, ``timestamp`` (microseconds since 1970), ``message_type`` and
      ``message``, a JSON document per item: ``item_id``, ``item_type`` (``text``, ``link``,
      ``media``, ``reel_share``, ``action_log``, ...), ``user_id`` (the sender), ``timestamp``
      (microseconds), ``text``; ``link.text``, ``reel_share.text``, ``action_log.description``
      hold the words of the other item types; media URLs become attachments.
    - ``threads``: ``thread_info`` JSON with ``thread_id``, ``thread_title``, ``recipients``
      (``id`` or ``pk_id``/``pk``, ``username``, ``full_name``) and ``inviter``; ``user_id`` (the
      viewer).
    - ``session``: ``user_id`` of the signed-in account (newer versions) -> the owner.
    """

    name = "android.instagram.direct"
    version = "1.0.0"
    description = "Instagram direct messages (Android direct.db): messages, thread members, the owner."
    selects = [Select(glob="**/com.instagram.android/databases/direct.db"),
               Select(sqlite_tables={"messages": ["message", "thread_id", "timestamp"], "threads": ["thread_info"]})]
    kinds = [Message, Contact, Account]
    APP = "Instagram"
    REQUIRED = {"messages": ["message", "thread_id", "timestamp"]}

    @staticmethod
    def _uid(person: dict) -> str | None:
        for key in ("id", "pk_id", "pk"):
            if person.get(key) not in (None, ""):
                return str(person[key])
        return None

    def _read(self, ctx: Context, db: _Reader):
        owners = []
        if db.table("session"):
            owners += [str(row["user_id"]) for row in db.select("session", ["user_id"]) if row["user_id"]]
        threads: dict[str, tuple[str | None, list[str]]] = {}
        users: dict[str, tuple[dict, int | None]] = {}
        if db.table("threads"):
            for row in db.select("threads", ["user_id", "thread_id", "thread_info"]):
                if row["user_id"] and not owners:
                    owners.append(str(row["user_id"]))
                info = _json(row["thread_info"])
                if not isinstance(info, dict):
                    continue
                people = [person for person in info.get("recipients") or [] if isinstance(person, dict)]
                ids = [uid for uid in (self._uid(person) for person in people) if uid]
                threads[str(info.get("thread_id") or row["thread_id"])] = (info.get("thread_title"), ids)
                inviter = info.get("inviter") if isinstance(info.get("inviter"), dict) else None
                for person in people + ([inviter] if inviter else []):
                    uid = self._uid(person)
                    if uid and uid not in users:
                        users[uid] = (person, row["_rowid"])
        owner = owners[0] if owners else None
        threads_table = db.table("threads")
        for uid, (person, rowid) in users.items():
            locator = ctx.locate(table=threads_table, rowid=rowid)
            if uid == owner:
                yield Account(app=self.APP, identifier=uid, display_name=person.get("full_name") or person.get("username"),
                              locator=locator)
            else:
                yield Contact(app=self.APP, display_name=person.get("full_name") or None,
                              handles=_unique([uid, person.get("username")]), locator=locator)
        if owner and owner not in users:
            yield Account(app=self.APP, identifier=owner, locator=ctx.locate(table=db.table("session") or threads_table))

        table = db.table("messages")
        unreadable = 0
        for row in db.select("messages", ["user_id", "thread_id", "timestamp", "message_type", "text", "message"]):
            item = _json(row["message"])
            if not isinstance(item, dict):
                unreadable += 1
                item = {}
            sender = item.get("user_id")
            sender = str(sender) if sender not in (None, "") else None
            thread = str(row["thread_id"] or (item.get("thread_key") or {}).get("thread_id") or "") or None
            title, ids = threads.get(thread, (None, []))
            recipients = [uid for uid in ids if uid != sender]
            if owner and sender and sender != owner and owner not in recipients:
                recipients.append(owner)
            direction = UNKNOWN if not owner or not sender else OUTGOING if sender == owner else INCOMING
            body, attachments = self._body(item)
            yield Message(app=self.APP, account=owner, thread_id=thread, thread_name=title, sender=sender,
                          recipients=_unique(recipients), direction=direction,
                          sent=ctx.time.unix_us(item.get("timestamp") or row["timestamp"]),
                          body=body or row["text"] or None, attachments=attachments,
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))
        if unreadable:
            yield ctx.warning(f"{self.APP}: {unreadable} message row(s) hold no readable JSON in messages.message",
                              code="json.unparsable")

    @staticmethod
    def _body(item: dict) -> tuple[str | None, tuple[Attachment, ...]]:
        kind = item.get("item_type")
        text = item.get("text")
        for key, field in (("link", "text"), ("reel_share", "text"), ("action_log", "description")):
            part = item.get(key)
            if not text and isinstance(part, dict) and isinstance(part.get(field), str):
                text = part[field]
        urls = []
        for key in ("media", "media_share", "visual_media", "raven_media", "voice_media", "animated_media"):
            media = item.get(key)
            if isinstance(media, dict) and isinstance(media.get("media"), dict):
                media = media["media"]
            if not isinstance(media, dict):
                continue
            candidates = (media.get("image_versions2") or {}).get("candidates") if isinstance(
                media.get("image_versions2"), dict) else None
            if candidates and isinstance(candidates[0], dict) and candidates[0].get("url"):
                urls.append(candidates[0]["url"])
            elif isinstance(media.get("audio"), dict) and media["audio"].get("audio_src"):
                urls.append(media["audio"]["audio_src"])
            elif isinstance(media.get("images"), dict) and isinstance(media["images"].get("fixed_height"), dict):
                urls.append(media["images"]["fixed_height"].get("url"))
        if text is None and kind == "like":
            text = item.get("like")
        return text, tuple(Attachment(name=url) for url in urls if url)


# --- Kik (iOS kik.sqlite) ----------------------------------------------------------------------------

class KikIos(_SQLiteChat):
    """Kik on iOS, ``kik.sqlite`` (Core Data). Sources: plaso ``kik_ios`` plugin (schema) and
    iLEAPP ``kikMessages.py``.

    - ``ZKIKMESSAGE``: ``ZBODY``, ``ZTIMESTAMP`` and ``ZRECEIVEDTIMESTAMP`` (Cocoa seconds since
      2001-01-01 UTC), ``ZTYPE`` (1 received, 2 sent, 3 group admin, 4 group message), ``ZSTATE``,
      ``ZUSER`` -> ``ZKIKUSER.Z_PK`` (the other party of a 1:1 chat, whichever way the message
      went).
    - ``ZKIKUSER``: ``ZUSERNAME``, ``ZDISPLAYNAME``, ``ZJID``, ``ZEMAIL``, ``ZFIRSTNAME``,
      ``ZLASTNAME`` -> contacts.
    - ``ZKIKATTACHMENT``: ``ZMESSAGE`` -> the message, ``ZCONTENT`` (the file's name/id).
    The owner's Kik name is not in this database (it is in the app's preferences), so sent
    messages have no sender.
    """

    name = "ios.kik"
    version = "1.0.0"
    description = "Kik (iOS kik.sqlite): messages, attachments and users."
    selects = [Select(glob="**/kik.sqlite"),
               Select(sqlite_tables={"ZKIKMESSAGE": ["ZBODY", "ZTIMESTAMP", "ZUSER"], "ZKIKUSER": ["ZUSERNAME"]})]
    kinds = [Message, Contact]
    APP = "Kik"
    REQUIRED = {"ZKIKMESSAGE": ["ZBODY", "ZTIMESTAMP", "ZTYPE", "ZUSER"], "ZKIKUSER": ["ZUSERNAME"]}

    def _read(self, ctx: Context, db: _Reader):
        users: dict[int, tuple[str | None, str | None]] = {}
        for row in db.select("ZKIKUSER", ["Z_PK", "ZUSERNAME", "ZDISPLAYNAME", "ZJID", "ZEMAIL", "ZFIRSTNAME",
                                          "ZLASTNAME"]):
            handle = row["ZUSERNAME"] or row["ZJID"]
            full = row["ZDISPLAYNAME"] or " ".join(p for p in (row["ZFIRSTNAME"], row["ZLASTNAME"]) if p) or None
            users[row["Z_PK"]] = (handle, full)
            yield Contact(app=self.APP, display_name=full, handles=_unique([row["ZUSERNAME"], row["ZJID"]]),
                          emails=_unique([row["ZEMAIL"]]),
                          locator=ctx.locate(table=db.table("ZKIKUSER"), rowid=row["_rowid"]))
        files: dict[int, list[Attachment]] = {}
        if db.table("ZKIKATTACHMENT"):
            for row in db.select("ZKIKATTACHMENT", ["ZMESSAGE", "ZCONTENT"]):
                if row["ZCONTENT"]:
                    files.setdefault(row["ZMESSAGE"], []).append(Attachment(name=row["ZCONTENT"]))
        table = db.table("ZKIKMESSAGE")
        for row in db.select("ZKIKMESSAGE", ["Z_PK", "ZBODY", "ZTIMESTAMP", "ZRECEIVEDTIMESTAMP", "ZTYPE", "ZSTATE",
                                             "ZUSER"]):
            handle, full = users.get(row["ZUSER"], (None, None))
            kind = _int(row["ZTYPE"])
            if kind == 2:
                direction, sender, recipients = OUTGOING, None, _unique([handle])
            elif kind in (1, 4):
                direction, sender, recipients = INCOMING, handle, ()
            else:
                direction, sender, recipients = UNKNOWN, handle, ()
            yield Message(app=self.APP, thread_id=handle, thread_name=full, sender=sender, recipients=recipients,
                          direction=direction, sent=ctx.time.cocoa(row["ZTIMESTAMP"]),
                          received=ctx.time.cocoa(row["ZRECEIVEDTIMESTAMP"]) if direction != OUTGOING else None,
                          body=row["ZBODY"] or None, attachments=tuple(files.get(row["Z_PK"], [])),
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))


# --- Viber (Android viber_messages) ------------------------------------------------------------------

class ViberMessages(_SQLiteChat):
    """Viber on Android, ``com.viber.voip/databases/viber_messages``. Source: ALEAPP ``Viber.py``
    and column lists in the Viber app's code.

    - ``messages``: ``conversation_id``, ``participant_id`` (-> ``participants._id``), ``body``,
      ``msg_date`` (milliseconds since 1970; ``date`` in old versions), ``send_type`` (1 outgoing,
      0 incoming; ``type`` in old versions), ``unread``, ``deleted``, ``extra_uri``, ``extra_mime``.
    - ``participants`` (``_id``, ``conversation_id``, ``participant_info_id``) and
      ``participants_info`` (``_id``, ``number``, ``display_name``, ``contact_name``,
      ``viber_name``, ``participant_type`` where 0 is the device owner).
    - ``conversations``: ``_id``, ``name`` (group name), ``recipient_number``.
    """

    name = "android.viber"
    version = "1.0.0"
    description = "Viber (Android viber_messages): messages, participants, the owner."
    selects = [Select(glob="**/com.viber.voip/databases/viber_messages"),
               Select(sqlite_tables={"messages": ["conversation_id", "participant_id", "body"],
                                     "participants_info": ["number", "participant_type"]})]
    kinds = [Message, Contact, Account]
    APP = "Viber"
    REQUIRED = {"messages": ["conversation_id", "participant_id", "body"],
                "participants_info": ["number"], "participants": ["participant_info_id"]}

    def _read(self, ctx: Context, db: _Reader):
        info: dict[int, str] = {}
        owner = None
        for row in db.select("participants_info", ["_id", "number", "display_name", "contact_name", "viber_name",
                                                   "participant_type", "member_id"]):
            number = row["number"] or row["member_id"]
            info[row["_id"]] = number
            name = row["contact_name"] or row["display_name"] or row["viber_name"]
            locator = ctx.locate(table=db.table("participants_info"), rowid=row["_rowid"])
            if _int(row["participant_type"]) == 0 and owner is None:
                owner = number
                yield Account(app=self.APP, identifier=number or str(row["_id"]), display_name=name, phone=row["number"],
                              locator=locator)
            else:
                phones, e164 = _phones(ctx, [row["number"]])
                yield Contact(app=self.APP, display_name=name, phones=phones, phones_e164=e164,
                              handles=_unique([row["member_id"]]), locator=locator)
        participant: dict[int, str] = {}
        members: dict[int, list[str]] = {}
        for row in db.select("participants", ["_id", "conversation_id", "participant_info_id"]):
            number = info.get(row["participant_info_id"])
            participant[row["_id"]] = number
            members.setdefault(row["conversation_id"], []).append(number)
        names: dict[int, str] = {}
        if db.table("conversations"):
            for row in db.select("conversations", ["_id", "name", "recipient_number"]):
                names[row["_id"]] = row["name"] or row["recipient_number"]
        time_column = "msg_date" if db.has("messages", "msg_date") else "date"
        type_column = "send_type" if db.has("messages", "send_type") else "type"
        table = db.table("messages")
        for row in db.select("messages", ["conversation_id", "participant_id", "address", "body", time_column,
                                          type_column, "deleted", "extra_uri", "extra_mime"]):
            outgoing = _int(row[type_column]) == 1
            sender = participant.get(row["participant_id"]) or row["address"]
            if outgoing:
                sender = owner or sender
            conversation = row["conversation_id"]
            recipients = [number for number in members.get(conversation, []) if number and number != sender]
            if not outgoing and owner and owner not in recipients:
                recipients.append(owner)
            direction = OUTGOING if outgoing else INCOMING if _int(row[type_column]) == 0 else UNKNOWN
            attachments = (Attachment(name=row["extra_uri"]),) if row["extra_uri"] else ()
            yield Message(app=self.APP, account=owner, thread_id=None if conversation is None else str(conversation),
                          thread_name=names.get(conversation), sender=sender, recipients=_unique(recipients),
                          direction=direction, sent=ctx.time.unix_ms(row[time_column]), body=row["body"] or None,
                          attachments=attachments, deleted=bool(_int(row["deleted"])),
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))


# --- imo (iOS IMODb2.sqlite) -----------------------------------------------------------------------

class ImoIos(_SQLiteChat):
    """imo on iOS, ``IMODb2.sqlite`` (Core Data). Sources: plaso ``ios_imohdchat`` plugin and
    iLEAPP ``imoHD_Chat.py``.

    - ``ZIMOCHATMSG``: ``ZTEXT``, ``ZTS`` (nanoseconds since 1970, UTC), ``ZISSENT`` (1 sent,
      0 received), ``ZA_UID`` (the conversation: a buddy's or a group's id; ``ZBUID`` in older
      versions), ``ZALIAS`` (the author's name), ``ZIMDATA`` (a plist describing an attachment).
    - ``ZIMOCONTACT``: ``ZBUID``, ``ZDISPLAY``, ``ZALIAS``, ``ZPHONE``, ``ZDIGIT_PHONE`` -> contacts.
    The owner's id is not in this table set, so sent messages have no sender.
    """

    name = "ios.imo"
    version = "1.0.0"
    description = "imo (iOS IMODb2.sqlite): messages and contacts."
    selects = [Select(glob="**/IMODb2*.sqlite"),
               Select(sqlite_tables={"ZIMOCHATMSG": ["ZTEXT", "ZTS", "ZISSENT"]})]
    kinds = [Message, Contact]
    APP = "imo"
    REQUIRED = {"ZIMOCHATMSG": ["ZTEXT", "ZTS", "ZISSENT"]}

    def _read(self, ctx: Context, db: _Reader):
        contacts: dict[str, tuple[str | None, str | None]] = {}
        if db.table("ZIMOCONTACT"):
            for row in db.select("ZIMOCONTACT", ["ZBUID", "ZDISPLAY", "ZALIAS", "ZPHONE", "ZDIGIT_PHONE"]):
                contacts[row["ZBUID"]] = (row["ZDISPLAY"] or row["ZALIAS"], row["ZALIAS"])
                phones, e164 = _phones(ctx, [row["ZDIGIT_PHONE"] or row["ZPHONE"]])
                yield Contact(app=self.APP, display_name=row["ZDISPLAY"] or row["ZALIAS"], phones=phones,
                              phones_e164=e164, handles=_unique([row["ZBUID"]]),
                              locator=ctx.locate(table=db.table("ZIMOCONTACT"), rowid=row["_rowid"]))
        conversation_column = "ZA_UID" if db.has("ZIMOCHATMSG", "ZA_UID") else "ZBUID"
        table = db.table("ZIMOCHATMSG")
        for row in db.select("ZIMOCHATMSG", ["ZTEXT", "ZTS", "ZISSENT", conversation_column, "ZALIAS", "ZIMDATA"]):
            buid = row[conversation_column]
            display, alias = contacts.get(buid, (None, None))
            sent_by_owner = _int(row["ZISSENT"]) == 1
            if sent_by_owner:
                direction, sender, recipients = OUTGOING, None, _unique([buid])
            else:
                author = row["ZALIAS"]
                sender = buid if not author or author in (display, alias) else author
                direction, recipients = INCOMING, ()
            yield Message(app=self.APP, thread_id=buid, thread_name=display, sender=sender, recipients=recipients,
                          direction=direction, sent=ctx.time.unix_ns(row["ZTS"]), body=row["ZTEXT"] or None,
                          attachments=self._attachment(row["ZIMDATA"]),
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))

    @staticmethod
    def _attachment(blob) -> tuple[Attachment, ...]:
        if not isinstance(blob, (bytes, memoryview)) or not blob:
            return ()
        try:
            data = plistlib.loads(bytes(blob))
        except Exception:  # noqa: BLE001 - an undocumented blob: no attachment rather than a guess
            return ()
        if not isinstance(data, dict):
            return ()
        name = next((str(data[key]) for key in ("fileName", "file_name", "name", "url", "objectId") if data.get(key)),
                    None)
        kind = data.get("type")
        return (Attachment(name=name, mime_type=str(kind) if kind and "/" in str(kind) else None),) if name else ()


# --- Tango (Android tc.db) -------------------------------------------------------------------------

def _texts(fields, depth: int = 0) -> Iterator[str]:
    """UTF-8 strings in a protobuf message, depth first, in field order."""
    for _number, value in fields:
        if not isinstance(value, bytes) or not value:
            continue
        nested = []
        if depth < 4:
            try:
                nested = protobuf_fields(value)
            except ValueError:
                nested = []
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and text.isprintable() and not (nested and not any(c.isspace() for c in text)):
            yield text
        elif nested:
            yield from _texts(nested, depth + 1)


class TangoAndroid(_SQLiteChat):
    """Tango on Android, ``com.sgiggle.production/files/tc.db``. Sources: plaso ``tango_android``
    plugin (schema) and ALEAPP ``tangomessage.py``.

    - ``messages``: ``msg_id``, ``conv_id``, ``type``, ``create_time`` and ``send_time``
      (milliseconds since 1970), ``direction`` (1 incoming, 2 outgoing: ALEAPP's labels, which it
      marks as not vendor-documented), ``payload`` (base64 of a binary record: a protobuf message).
    - ``conversations``: ``conv_id``, ``payload``.
    Best effort: the payload's layout is undocumented. The body is the first string in the
    decoded protobuf that is not the conversation id and reads as text; failing that, ALEAPP's
    reading (the text between the first two occurrences of the conversation id). Rows whose
    payload cannot be decoded keep an empty body and are counted in a warning.
    """

    name = "android.tango"
    version = "1.0.0"
    description = "Tango (Android tc.db): messages (body decoded from the base64 payload, best effort)."
    selects = [Select(glob="**/com.sgiggle.production/files/tc.db"),
               Select(sqlite_tables={"messages": ["msg_id", "conv_id", "payload", "direction", "create_time"],
                                     "conversations": ["conv_id", "payload"]})]
    kinds = [Message]
    APP = "Tango"
    REQUIRED = {"messages": ["msg_id", "conv_id", "payload", "direction", "create_time"]}

    @staticmethod
    def _text(payload, conversation: str | None) -> str | None:
        if payload is None:
            return None
        raw = bytes(payload) if isinstance(payload, (bytes, memoryview)) else str(payload).encode("ascii", "ignore")
        try:
            decoded = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError):
            return None
        try:
            for text in _texts(protobuf_fields(decoded)):
                if text == conversation or re.fullmatch(r"[\w\-:.@/+=]{12,}", text):
                    continue   # the conversation id or another token, not words
                return text
        except ValueError:
            pass
        if conversation:
            parts = decoded.decode("utf-8", "ignore").split(conversation)
            if len(parts) > 2:
                return "".join(c for c in parts[1] if c.isprintable()).strip() or None
        return None

    def _read(self, ctx: Context, db: _Reader):
        table = db.table("messages")
        undecoded = 0
        for row in db.select("messages", ["msg_id", "conv_id", "type", "create_time", "send_time", "direction",
                                          "payload"]):
            code = _int(row["direction"])
            direction = INCOMING if code == 1 else OUTGOING if code == 2 else UNKNOWN
            body = self._text(row["payload"], row["conv_id"])
            if body is None and row["payload"]:
                undecoded += 1
            yield Message(app=self.APP, thread_id=row["conv_id"], direction=direction,
                          sent=ctx.time.unix_ms(row["send_time"] or row["create_time"]),
                          received=ctx.time.unix_ms(row["create_time"]) if direction == INCOMING else None,
                          body=body, locator=ctx.locate(table=table, rowid=row["_rowid"]))
        if undecoded:
            yield ctx.warning(f"{self.APP}: {undecoded} message payload(s) could not be decoded to text "
                              "(undocumented format)", code="tango.payload")


# --- TextNow (Android textnow_data.db) -----------------------------------------------------------------

class TextNow(_SQLiteChat):
    """TextNow on Android, ``com.enflick.android.TextNow/databases/textnow_data.db``. Sources:
    ALEAPP ``textnow.py`` and Autopsy's ``textnow.py`` Android module.

    - ``messages``: ``contact_value`` (the other party's number, or a group's id),
      ``message_direction`` (1 incoming, 2 outgoing), ``message_type`` (100 and 102 are calls, whose
      ``message_text`` holds the duration in seconds; others are texts/media), ``message_text``,
      ``read``, ``date`` (milliseconds since 1970), ``attach`` (media path/URL).
    - ``contacts``: ``contact_value``, ``contact_name`` -> contacts.
    - ``groups`` (``contact_value``) and ``group_members`` (``contact_value``,
      ``member_contact_value``): a group message's recipients.
    The owner's TextNow number is kept in the app's preferences, not here.
    """

    name = "android.textnow"
    version = "1.0.0"
    description = "TextNow (Android textnow_data.db): texts, calls, contacts."
    selects = [Select(glob="**/com.enflick.android.TextNow/databases/textnow_data.db"),
               Select(sqlite_tables={"messages": ["contact_value", "message_direction", "message_type",
                                                  "message_text", "date"]})]
    kinds = [Message, Call, Contact]
    APP = "TextNow"
    REQUIRED = {"messages": ["contact_value", "message_direction", "message_type", "message_text", "date"]}
    CALL_TYPES = (100, 102)

    def _read(self, ctx: Context, db: _Reader):
        names: dict[str, str] = {}
        if db.table("contacts"):
            for row in db.select("contacts", ["contact_value", "contact_name", "contact_type"]):
                value = row["contact_value"]
                if value and row["contact_name"]:
                    names[value] = row["contact_name"]
                e164 = ctx.e164(value)
                emails = _unique([value]) if value and "@" in value else ()
                yield Contact(app=self.APP, display_name=row["contact_name"] or None,
                              phones=_unique([value]) if e164 or (value and value.lstrip("+").isdigit()) else (),
                              phones_e164=_unique([e164]), emails=emails,
                              handles=() if e164 or emails else _unique([value]),
                              locator=ctx.locate(table=db.table("contacts"), rowid=row["_rowid"]))
        groups: dict[str, list[str]] = {}
        if db.table("group_members"):
            for row in db.select("group_members", ["contact_value", "member_contact_value"]):
                groups.setdefault(row["contact_value"], []).append(row["member_contact_value"])
        table = db.table("messages")
        for row in db.select("messages", ["contact_value", "contact_name", "message_direction", "message_type",
                                          "message_text", "read", "date", "attach"]):
            other = row["contact_value"]
            code = _int(row["message_direction"])
            direction = INCOMING if code == 1 else OUTGOING if code == 2 else UNKNOWN
            locator = ctx.locate(table=table, rowid=row["_rowid"])
            when = ctx.time.unix_ms(row["date"])
            if _int(row["message_type"]) in self.CALL_TYPES:
                seconds = _int(row["message_text"])
                yield Call(app=self.APP, parties=_unique([other]), direction=direction, start=when,
                           duration_s=float(seconds) if seconds is not None else None, locator=locator)
                continue
            members = groups.get(other)
            if direction == OUTGOING:
                sender, recipients = None, _unique(members or [other])
            else:
                sender, recipients = other, ()
            yield Message(app=self.APP, thread_id=other, thread_name=names.get(other) or row["contact_name"],
                          sender=sender, recipients=recipients, direction=direction, sent=when,
                          body=row["message_text"] or None,
                          attachments=(Attachment(name=row["attach"]),) if row["attach"] else (), locator=locator)


# --- Google Voice (iOS threadingStore.sqlite, Android LegacyMsgDbInstance.db) ---------------------------

class GoogleVoiceIos(_SQLiteChat):
    """Google Voice on iOS, ``threadingStore.sqlite`` in the app's shared group container.
    Source: iLEAPP ``googleVoice.py``.

    - ``ThreadItem``: ``threadKey``, ``threadType``, ``threadItemKey``, ``threadItemType``,
      ``itemType`` (``SmsIn``, ``SmsOut``, ``IncomingCall``, ``OutgoingCall``, ``MissedCall``,
      ``Voicemail``), ``timestamp`` (Unix time; iLEAPP converts it without naming a unit, so
      values too large for seconds are read as milliseconds), ``messageText``,
      ``senderPhoneNumber`` (on outgoing items: the owner's Google Voice number), ``duration``
      (seconds), ``isDeleted``, ``isSystemMessage``, ``sortID``.
    - ``Thread`` (``groupName``), ``ThreadParticipant`` (``threadKey``, ``phoneNumberE164``): the
      other members of each thread; ``Transcript`` (``threadItemKey``, ``text``): voicemail text.
    SMS items become messages, call items calls, a voicemail both a missed call and a message
    with its transcript. The owner's number (the sender of outgoing items) is the account.
    """

    name = "ios.google_voice"
    version = "1.0.0"
    description = "Google Voice (iOS threadingStore.sqlite): texts, calls, voicemails, the owner's number."
    selects = [Select(glob="**/threadingStore.sqlite"),
               Select(sqlite_tables={"ThreadItem": ["itemType", "threadKey", "timestamp", "senderPhoneNumber"]})]
    kinds = [Message, Call, Account]
    APP = "Google Voice"
    REQUIRED = {"ThreadItem": ["itemType", "threadKey", "timestamp", "senderPhoneNumber"]}

    def _read(self, ctx: Context, db: _Reader):
        table = db.table("ThreadItem")
        owners = {row[0] for row in db.conn.execute(
            f"SELECT DISTINCT senderPhoneNumber FROM {_quote(table)} WHERE itemType IN ('SmsOut', 'OutgoingCall') "
            "AND senderPhoneNumber IS NOT NULL")}
        owner = next(iter(owners)) if len(owners) == 1 else None
        if owner:
            yield Account(app=self.APP, identifier=owner, phone=owner, locator=ctx.locate(table=table))
        members: dict[str, list[str]] = {}
        if db.table("ThreadParticipant"):
            for row in db.select("ThreadParticipant", ["threadKey", "phoneNumberE164"]):
                members.setdefault(row["threadKey"], []).append(row["phoneNumberE164"])
        names: dict[str, str] = {}
        if db.table("Thread"):
            for row in db.select("Thread", ["threadKey", "groupName"]):
                if row["groupName"]:
                    names[row["threadKey"]] = row["groupName"]
        transcripts: dict[str, str] = {}
        if db.table("Transcript"):
            for row in db.select("Transcript", ["threadItemKey", "text"]):
                if row["text"]:
                    transcripts[row["threadItemKey"]] = row["text"]
        order = "ORDER BY sortID" if db.has("ThreadItem", "sortID") else ""
        for row in db.select("ThreadItem", ["threadItemKey", "threadKey", "itemType", "timestamp", "messageText",
                                            "senderPhoneNumber", "duration", "isDeleted", "isSystemMessage"], order):
            kind = row["itemType"] or ""
            thread = row["threadKey"]
            people = [person for person in members.get(thread, []) if person and person != owner]
            when = _epoch_auto(ctx, row["timestamp"])
            deleted = bool(_int(row["isDeleted"]))
            locator = ctx.locate(table=table, rowid=row["_rowid"])
            outgoing = kind in ("SmsOut", "OutgoingCall")
            direction = OUTGOING if outgoing else INCOMING if kind in ("SmsIn", "IncomingCall", "MissedCall",
                                                                        "Voicemail") else UNKNOWN
            sender = row["senderPhoneNumber"]
            if kind in ("IncomingCall", "OutgoingCall", "MissedCall", "Voicemail"):
                seconds = _int(row["duration"])
                yield Call(app=self.APP, parties=_unique(people or ([sender] if not outgoing else [])),
                           account=owner, direction=direction, start=when,
                           duration_s=float(seconds) if seconds is not None else None,
                           missed=kind in ("MissedCall", "Voicemail"), deleted=deleted,
                           locator=locator)
                if kind != "Voicemail":
                    continue
            recipients = people if outgoing else [owner] if owner else []
            yield Message(app=self.APP, account=owner, thread_id=thread, thread_name=names.get(thread),
                          sender=sender, recipients=_unique(recipients), direction=direction,
                          service="voicemail" if kind == "Voicemail" else None, sent=when,
                          body=transcripts.get(row["threadItemKey"]) if kind == "Voicemail" else row["messageText"],
                          deleted=deleted, locator=locator)


class GoogleVoiceAndroid(_SQLiteChat):
    """Google Voice on Android, ``files/accounts/<n>/LegacyMsgDbInstance.db`` (also looked for as
    ``googlevoice.db``). Source: ALEAPP ``googleVoice.py``. Best effort: every item is a protobuf
    blob in ``message_t.message_blob`` (``conversation_id`` ``t...`` for 1:1, ``g...`` for groups):
    field 1 the item id, 2 the time (milliseconds since 1970), 3 the owner's Google Voice number,
    4.1 the other party's number, 6 read, 9 the duration (a 32-bit float, seconds), 10 the text,
    13 the kind (1 answered incoming call, 2 outgoing call, 3 voicemail, 5 received text, 6 sent
    text), 22 present on a missed call, 7.2[].1 the voicemail transcript's words, 15 a group
    message (15.1 text, 15.4[].1 members, 15.5 the sender of a received one).
    """

    name = "android.google_voice"
    version = "1.0.0"
    description = "Google Voice (Android LegacyMsgDbInstance.db): texts, calls, voicemails (protobuf, best effort)."
    selects = [Select(glob="**/com.google.android.apps.googlevoice/files/accounts/*/LegacyMsgDbInstance.db"),
               Select(glob="**/googlevoice.db"),
               Select(sqlite_tables={"message_t": ["message_blob", "conversation_id"]})]
    kinds = [Message, Call, Account]
    APP = "Google Voice"
    REQUIRED = {"message_t": ["message_blob", "conversation_id"]}

    def _read(self, ctx: Context, db: _Reader):
        table = db.table("message_t")
        undecoded = 0
        owners: dict[str, int] = {}
        for row in db.select("message_t", ["message_blob", "conversation_id"]):
            blob = row["message_blob"]
            try:
                fields = protobuf_fields(bytes(blob) if isinstance(blob, (bytes, memoryview))
                                         else str(blob or "").encode("utf-8", "surrogateescape"))
            except ValueError:
                undecoded += 1
                continue
            locator = ctx.locate(table=table, rowid=row["_rowid"])
            own = _pb_text(_pb(fields, 3))
            if own:
                owners.setdefault(own, row["_rowid"])
            other = _pb_text(_pb(_pb_message(_pb(fields, 4)), 1))
            kind = _pb(fields, 13)
            when = ctx.time.unix_ms(_pb(fields, 2))
            group = _pb_message(_pb(fields, 15))
            thread = row["conversation_id"]
            if kind in (1, 2, 3) or _pb(fields, 22) is not None:
                duration = _pb(fields, 9)
                seconds = None
                if isinstance(duration, bytes) and len(duration) == 4:
                    seconds = struct.unpack("<f", duration)[0]
                elif isinstance(duration, int):
                    seconds = struct.unpack("<f", struct.pack("<I", duration & 0xFFFFFFFF))[0]
                if seconds is not None and not 0 <= seconds <= 1e7:   # also drops NaN
                    seconds = None
                outgoing = kind == 2
                yield Call(app=self.APP, parties=_unique([other]), account=own,
                           direction=OUTGOING if outgoing else INCOMING, start=when,
                           duration_s=round(seconds, 3) if seconds is not None else None,
                           missed=_pb(fields, 22) is not None or kind == 3, locator=locator)
                if kind != 3:
                    continue
                words = [_pb_text(_pb(_pb_message(part), 1)) for part in
                         _pb_all(_pb_message(_pb(fields, 7)), 2)]
                yield Message(app=self.APP, account=own, thread_id=thread, sender=other, recipients=_unique([own]),
                              direction=INCOMING, service="voicemail", sent=when,
                              body=" ".join(word for word in words if word) or None, locator=locator)
                continue
            if group:
                text = _pb_text(_pb(group, 1))
                members = [_pb_text(_pb(_pb_message(part), 1)) for part in _pb_all(group, 4)]
                sender = _pb_text(_pb(group, 5))
                if sender:
                    direction, recipients = INCOMING, [own, *[m for m in members if m != sender]]
                else:
                    direction, sender, recipients = OUTGOING, own, members
            else:
                text = _pb_text(_pb(fields, 10))
                if kind == 6:
                    direction, sender, recipients = OUTGOING, own, [other]
                elif kind == 5:
                    direction, sender, recipients = INCOMING, other, [own]
                else:
                    direction, sender, recipients = UNKNOWN, other, [own]
            yield Message(app=self.APP, account=own, thread_id=thread, sender=sender, recipients=_unique(recipients),
                          direction=direction, sent=when, body=text or None, locator=locator)
        for own, rowid in owners.items():
            yield Account(app=self.APP, identifier=own, phone=own, locator=ctx.locate(table=table, rowid=rowid))
        if undecoded:
            yield ctx.warning(f"{self.APP}: {undecoded} message_t row(s) are not protobuf and were skipped",
                              code="protobuf.unparsable")


# --- Microsoft Teams (iOS SkypeSpacesDogfood-*.sqlite) -------------------------------------------------

class TeamsIos(_SQLiteChat):
    """Microsoft Teams on iOS, ``SkypeSpacesDogfood-<id>.sqlite`` (Core Data). Source: iLEAPP
    ``teams.py``.

    - ``ZSMESSAGE``: ``ZARRIVALTIME`` (Cocoa seconds since 2001-01-01 UTC), ``ZIMDISPLAYNAME`` (the
      sender's name), ``ZCONTENT`` (HTML, turned into plain text), ``ZFROM`` (the sender's MRI,
      e.g. ``8:orgid:<guid>``), ``ZTHREADID``, ``ZTS_ISSENTBYME`` (1 when the owner sent it).
    - ``ZTHREAD``: ``ZTSID`` (= ``ZTHREADID``), ``ZTHREADTOPIC`` -> thread names.
    - ``ZUSER`` (``ZDISPLAYNAME``, ``ZTELEPHONENUMBER``, ``ZEMAIL``, ``ZMRI``) and
      ``ZDEVICECONTACTHASH`` (``ZDISPLAYNAME``, ``ZEMAIL``, ``ZPHONENUMBER``) -> contacts.
    """

    name = "ios.teams"
    version = "1.0.0"
    description = "Microsoft Teams (iOS SkypeSpacesDogfood-*.sqlite): messages and contacts."
    selects = [Select(glob="**/SkypeSpacesDogfood-*.sqlite"),
               Select(sqlite_tables={"ZSMESSAGE": ["ZARRIVALTIME", "ZCONTENT", "ZIMDISPLAYNAME"]})]
    kinds = [Message, Contact]
    APP = "Microsoft Teams"
    REQUIRED = {"ZSMESSAGE": ["ZARRIVALTIME", "ZCONTENT", "ZIMDISPLAYNAME"]}

    def _read(self, ctx: Context, db: _Reader):
        columns = ["ZDISPLAYNAME", "ZTELEPHONENUMBER", "ZPHONENUMBER", "ZEMAIL", "ZMRI"]
        for table_name in ("ZUSER", "ZDEVICECONTACTHASH"):
            if not db.table(table_name):
                continue
            for row in db.select(table_name, columns):
                phones, e164 = _phones(ctx, [row["ZTELEPHONENUMBER"], row["ZPHONENUMBER"]])
                yield Contact(app=self.APP, display_name=row["ZDISPLAYNAME"], phones=phones, phones_e164=e164,
                              emails=_unique([row["ZEMAIL"]]), handles=_unique([row["ZMRI"]]),
                              locator=ctx.locate(table=db.table(table_name), rowid=row["_rowid"]))
        topics: dict[str, str] = {}
        if db.table("ZTHREAD"):
            for row in db.select("ZTHREAD", ["ZTSID", "ZTHREADTOPIC"]):
                if row["ZTHREADTOPIC"]:
                    topics[row["ZTSID"]] = row["ZTHREADTOPIC"]
        table = db.table("ZSMESSAGE")
        for row in db.select("ZSMESSAGE", ["ZARRIVALTIME", "ZIMDISPLAYNAME", "ZCONTENT", "ZFROM", "ZTHREADID",
                                           "ZTS_ISSENTBYME"]):
            mine = _int(row["ZTS_ISSENTBYME"])
            direction = UNKNOWN if mine is None else OUTGOING if mine == 1 else INCOMING
            yield Message(app=self.APP, thread_id=row["ZTHREADID"], thread_name=topics.get(row["ZTHREADID"]),
                          sender=row["ZFROM"] or row["ZIMDISPLAYNAME"], direction=direction,
                          sent=ctx.time.cocoa(row["ZARRIVALTIME"]), body=markup_to_text(row["ZCONTENT"]) or None,
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))


# --- Discord (iOS URL cache) ---------------------------------------------------------------------------

MAX_JSON = 64 * 1024 * 1024


def _discord_messages(data) -> list[dict] | None:
    """The list when it looks like a Discord message array (id, channel_id, author, content,
    timestamp on its items), else None."""
    if not isinstance(data, list) or not data:
        return None
    items = [item for item in data if isinstance(item, dict)]
    if not items:
        return None
    shaped = [item for item in items if {"id", "channel_id", "author", "timestamp"} <= item.keys()
              and isinstance(item.get("author"), dict)]
    return data if len(shaped) * 2 >= len(items) else None


class DiscordCache(Extractor):
    """Discord on iOS: messages left in the app's URL cache. Source: the layout of Apple's
    ``NSURLCache`` (``Cache.db``: ``cfurl_cache_response`` with ``request_key`` (the URL),
    ``cfurl_cache_receiver_data`` with ``receiver_data`` and ``isDataOnFS``) as iLEAPP's
    Discord and Burner cache modules read it, and Discord's API message objects (``id``,
    ``channel_id``, ``author{id, username, global_name}``, ``content``, ``timestamp`` ISO 8601
    with offset, ``attachments[]{filename, size, content_type, url}``).

    A response larger than a few kilobytes lives in ``fsCachedData/<UUID>`` (a file without an
    extension); smaller ones are inline in ``receiver_data``. This plugin reads both: any
    ``fsCachedData`` file holding a JSON array shaped like Discord messages, and the inline
    responses of Discord's ``Cache.db`` whose URL is a ``/messages`` API call. The cache does not
    say which account is the device's own, so direction is unknown; each author becomes a contact.
    """

    name = "ios.discord.cache"
    version = "1.0.0"
    description = "Discord (iOS URL cache): message arrays cached from the API, in fsCachedData files or Cache.db."
    selects = [Select(glob="**/fsCachedData/*", magic=b"["),
               Select(glob="**/com.hammerandchisel.discord/Cache.db",
                      sqlite_tables={"cfurl_cache_receiver_data": ["receiver_data", "isDataOnFS"],
                                     "cfurl_cache_response": ["request_key"]})]
    kinds = [Message, Contact]
    APP = "Discord"

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | Contact | PluginWarning]:
        if source.head.startswith(SQLITE_MAGIC):
            yield from self._cache_db(ctx)
            return
        if source.size > MAX_JSON:
            yield ctx.warning(f"{self.APP}: {source.size} bytes is too large for a cached API response; skipped",
                              code="json.too_large")
            return
        data = _json(ctx.read_bytes())
        messages = _discord_messages(data)
        if messages is None:
            return   # some other app's cached JSON: not Discord's
        yield from self._messages(ctx, messages, lambda index: ctx.locate(pointer=f"/{index}"))

    def _cache_db(self, ctx: Context):
        try:
            db = _Reader(ctx)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{self.APP} Cache.db: not a readable SQLite database: {exc}", code="sqlite.unreadable")
            return
        missing = db.missing("cfurl_cache_receiver_data", ["entry_ID", "receiver_data", "isDataOnFS"]) + \
            db.missing("cfurl_cache_response", ["entry_ID", "request_key"])
        if missing:
            yield ctx.warning(f"{self.APP} Cache.db: unknown schema version, missing " + ", ".join(missing),
                              code="schema.unknown_version", missing=missing)
            return
        data_table = db.table("cfurl_cache_receiver_data")
        try:
            rows = db.conn.execute(
                f"SELECT d.rowid AS _rowid, d.receiver_data AS receiver_data FROM {_quote(data_table)} d "
                f"JOIN {_quote(db.table('cfurl_cache_response'))} r ON r.entry_ID = d.entry_ID "
                "WHERE d.isDataOnFS = 0 AND r.request_key LIKE '%/messages%' "
                "AND (r.request_key LIKE '%discord%')")
            for row in rows:
                messages = _discord_messages(_json(row["receiver_data"]))
                if messages is None:
                    continue
                rowid = row["_rowid"]
                yield from self._messages(ctx, messages,
                                          lambda index, rowid=rowid: ctx.locate(table=data_table, rowid=rowid,
                                                                                pointer=f"/{index}"))
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{self.APP} Cache.db: reading stopped, the database is damaged: {exc}",
                              code="sqlite.damaged")

    def _messages(self, ctx: Context, messages: list, locate):
        authors: dict[str, int] = {}
        for index, item in enumerate(messages):
            if not isinstance(item, dict):
                continue
            author = item.get("author") if isinstance(item.get("author"), dict) else {}
            author_id = str(author["id"]) if author.get("id") not in (None, "") else None
            if author_id and author_id not in authors:
                authors[author_id] = index
                username = author.get("username")
                tag = f"{username}#{author['discriminator']}" if username and author.get("discriminator") not in (
                    None, "", "0") else None
                yield Contact(app=self.APP, display_name=author.get("global_name") or username,
                              handles=_unique([author_id, username, tag]), locator=locate(index))
            attachments = tuple(
                Attachment(name=part.get("filename"), mime_type=part.get("content_type"), size=_int(part.get("size")))
                for part in item.get("attachments") or [] if isinstance(part, dict))
            mentions = [str(person["id"]) for person in item.get("mentions") or []
                        if isinstance(person, dict) and person.get("id")]
            content = item.get("content")
            yield Message(app=self.APP, thread_id=str(item["channel_id"]) if item.get("channel_id") else None,
                          sender=author_id, recipients=_unique(mentions), direction=UNKNOWN,
                          sent=ctx.time.iso8601(item.get("timestamp")),
                          body=content if isinstance(content, str) and content else None,
                          attachments=attachments, locator=locate(index))


__all__ = ["DiscordCache", "FacebookMessenger", "GoogleVoiceAndroid", "GoogleVoiceIos", "ImoIos", "InstagramDirect",
           "KikIos", "TangoAndroid", "TeamsIos", "TextNow", "ViberMessages", "markup_to_text", "protobuf_fields"]
