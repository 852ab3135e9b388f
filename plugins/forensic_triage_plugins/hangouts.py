"""Google Hangouts on Android: ``com.google.android.talk/databases/babel<N>.db`` (one database per
signed-in account, ``babel0.db``, ``babel1.db``, ...).

Tables and columns (as in plaso's ``android_hangouts`` SQLite plugin and its schema):

- ``messages``: ``_id``, ``message_id``, ``conversation_id``, ``author_chat_id``, ``author_gaia_id``,
  ``text`` (HTML entities such as ``&#39;`` as the app stores them; decoded here, the text stays
  text), ``timestamp`` (microseconds since 1970, UTC: plaso documents 1500266514326967 as
  2017-07-17T04:41:54.326967+00:00), ``type`` (1 sent by the account owner, 2 received; plaso's
  formatter), ``status`` (4 read), ``local_url``/``remote_url``/``attachment_content_type``/
  ``attachment_name`` for a picture or file, ``sms_raw_sender``/``sms_raw_recipients`` when
  Hangouts carried an SMS.
- ``participants`` (``_id``, ``chat_id``, ``gaia_id``, ``phone_id``, ``full_name``,
  ``fallback_name`` which holds the e-mail address when the name is unknown) and
  ``conversation_participants`` (``conversation_id``, ``participant_row_id``): who is in each
  conversation, so every message gets its recipients (the members less the author).
- ``conversations``: ``conversation_id``, ``name`` (set by the users) or ``generated_name`` (what
  the app shows otherwise) as the thread name.
- ``multipart_attachments`` (``conversation_id``, ``message_id``, ``url``, ``content_type``):
  further attachments of a message.

The owner: babel.db does not store the account's own id in one place. The author of the sent
(``type`` 1) messages is the owner; when exactly one such author exists the plugin yields that
participant as the account and every other participant as a contact.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Iterator

from forensic_triage.sdk import (INCOMING, OUTGOING, UNKNOWN, Account, Attachment, Contact, Context, Extractor,
                                 Message, PluginWarning, Select, Source)
from forensic_triage_plugins._sqlite_store import TableReader as _Reader
from forensic_triage_plugins._sqlite_store import quote as _quote
from forensic_triage_plugins._sqlite_store import unique as _unique

APP = "Google Hangouts"
TYPE_SENT, TYPE_RECEIVED = 1, 2



def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class HangoutsBabel(Extractor):
    name = "android.hangouts"
    version = "1.0.0"
    description = "Google Hangouts (Android babel.db): messages with recipients, participants, the owner."
    selects = [
        Select(glob="**/com.google.android.talk/databases/babel*.db"),
        Select(sqlite_tables={"messages": ["author_chat_id", "conversation_id", "text", "timestamp"],
                              "participants": ["chat_id", "full_name"],
                              "conversation_participants": ["participant_row_id"]}),
    ]
    kinds = [Message, Contact, Account]

    REQUIRED = {"messages": ["conversation_id", "author_chat_id", "text", "timestamp", "type"],
                "participants": ["chat_id", "full_name"]}
    MESSAGE_COLUMNS = ["_id", "message_id", "conversation_id", "author_chat_id", "author_gaia_id", "text",
                       "timestamp", "status", "type", "local_url", "remote_url", "attachment_content_type",
                       "attachment_name", "sms_raw_sender", "sms_raw_recipients"]

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | Contact | Account | PluginWarning]:
        try:
            db = _Reader(ctx)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"Hangouts babel.db: not a readable SQLite database (damaged, truncated or "
                              f"encrypted): {exc}", code="sqlite.unreadable")
            return
        missing = [name for table, columns in self.REQUIRED.items() for name in db.missing(table, columns)]
        if missing:
            yield ctx.warning("Google Hangouts babel.db: unknown schema version, missing " + ", ".join(missing),
                              code="schema.unknown_version", missing=missing)
            if any(name.startswith("messages") for name in missing):
                return
        try:
            yield from self._read(ctx, db)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"Hangouts babel.db: reading stopped, the database is damaged: {exc}",
                              code="sqlite.damaged")
        if db.bad_text:
            yield ctx.warning(f"Hangouts babel.db: {db.bad_text} text value(s) were not valid UTF-8; the invalid "
                              "bytes were replaced with U+FFFD", code="text.invalid_utf8")

    def _read(self, ctx: Context, db: _Reader):
        people: dict[str, dict] = {}           # chat_id -> participant row
        by_row: dict[int, str] = {}            # participants._id -> chat_id
        if db.table("participants"):
            for row in db.select("participants", ["_id", "chat_id", "gaia_id", "phone_id", "full_name",
                                                  "fallback_name", "first_name"]):
                key = row["chat_id"] or row["gaia_id"]
                if key:
                    people[key] = dict(row)
                    by_row[row["_id"]] = key
        members: dict[str, list[str]] = {}
        if db.table("conversation_participants"):
            for row in db.select("conversation_participants", ["conversation_id", "participant_row_id"]):
                if row["participant_row_id"] in by_row:
                    members.setdefault(row["conversation_id"], []).append(by_row[row["participant_row_id"]])
        names: dict[str, str] = {}
        if db.table("conversations"):
            for row in db.select("conversations", ["conversation_id", "name", "generated_name"]):
                names[row["conversation_id"]] = row["name"] or row["generated_name"]
        extra: dict[tuple, list[Attachment]] = {}
        if db.table("multipart_attachments"):
            for row in db.select("multipart_attachments", ["conversation_id", "message_id", "url", "content_type"]):
                extra.setdefault((row["conversation_id"], row["message_id"]), []).append(
                    Attachment(name=row["url"], mime_type=row["content_type"]))

        table = db.table("messages")
        owners = {row[0] for row in db.conn.execute(
            f"SELECT DISTINCT author_chat_id FROM {_quote(table)} WHERE type = ? AND author_chat_id IS NOT NULL",
            (TYPE_SENT,))}
        owner = next(iter(owners)) if len(owners) == 1 else None

        for key, person in people.items():
            email = person["fallback_name"] if "@" in (person["fallback_name"] or "") else None
            phones = _unique([person["phone_id"]])
            locator = ctx.locate(table=db.table("participants"), rowid=person["_rowid"])
            if key == owner:
                yield Account(app=APP, identifier=key, display_name=person["full_name"], email=email,
                              phone=phones[0] if phones else None, locator=locator)
            else:
                yield Contact(app=APP, display_name=person["full_name"] or person["first_name"]
                              or person["fallback_name"], handles=_unique([key, person["gaia_id"]]),
                              emails=_unique([email]), phones=phones,
                              phones_e164=_unique(ctx.e164(phone) for phone in phones), locator=locator)

        for row in db.select("messages", self.MESSAGE_COLUMNS):
            author = row["author_chat_id"] or row["author_gaia_id"] or row["sms_raw_sender"]
            kind = _int(row["type"])
            direction = OUTGOING if kind == TYPE_SENT else INCOMING if kind == TYPE_RECEIVED else UNKNOWN
            conversation = row["conversation_id"]
            recipients = tuple(person for person in members.get(conversation, []) if person != author)
            if not recipients and row["sms_raw_recipients"]:
                recipients = _unique(part.strip() for part in row["sms_raw_recipients"].split(","))
            attachments = []
            url = row["local_url"] or row["remote_url"]
            if url or row["attachment_name"]:
                attachments.append(Attachment(name=row["attachment_name"] or url,
                                              mime_type=row["attachment_content_type"]))
            attachments += extra.get((conversation, row["message_id"]), [])
            text = row["text"]
            yield Message(app=APP, account=owner, thread_id=conversation, thread_name=names.get(conversation),
                          sender=author, recipients=recipients, direction=direction,
                          service="SMS" if row["sms_raw_sender"] or row["sms_raw_recipients"] else None,
                          sent=ctx.time.unix_us(row["timestamp"]),
                          body=html.unescape(text) if text else None, attachments=tuple(attachments),
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))
