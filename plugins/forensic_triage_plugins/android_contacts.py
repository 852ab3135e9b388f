"""Android contacts and call log from the contacts provider.

- ``contacts2.db`` (com.android.providers.contacts): one contact per ``raw_contacts`` row (the
  per-account record an examiner can trace; the ``contacts`` table only aggregates them), its
  details from ``data`` rows typed through ``mimetypes``: name, phone_v2 (``data1`` as typed,
  ``data4`` the device's E.164 form), email_v2, organization, im (``data5`` protocol), and the
  profile rows third-party apps add (e.g. WhatsApp's ``vnd.com.whatsapp.profile`` with the JID in
  ``data1``). ``raw_contacts.deleted`` = 1 marks a contact deleted on the device and waiting for
  its account to sync. The device owner's accounts come from ``accounts`` (Android 4.4+) or
  from the account columns of ``raw_contacts`` (older). ``profile.db`` has the same schema and
  holds the owner's own card ("Me"), which is read as the owner's account too.
- The call log: ``calls`` in ``contacts2.db`` up to Android 6, in ``calllog.db`` since Android 7.
  ``date`` is the start in milliseconds since 1970 UTC, ``duration`` seconds; ``type`` 1 incoming,
  2 outgoing, 3 missed, 4 voicemail, 5 rejected, 6 blocked, 7 answered on another device;
  ``features`` bit 0x1 is a video call; ``phone_account_address`` the device's own line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from itertools import groupby

from forensic_triage.sdk import (INCOMING, OUTGOING, UNKNOWN, Account, Call, Contact, Context, Extractor,
                                 PluginWarning, Select, Source)
# The same SQLite handling as the telephony plugin (damaged files, invalid UTF-8, tolerant values).
from forensic_triage_plugins.android_telephony import MAX_ROW_WARNINGS, as_int, as_text, is_damaged, open_database

CONTACTS_APP = "Android Contacts"
CALLS_APP = "Android Phone"

MIME_NAME = "vnd.android.cursor.item/name"
MIME_PHONE = "vnd.android.cursor.item/phone_v2"
MIME_EMAIL = "vnd.android.cursor.item/email_v2"
MIME_ORGANIZATION = "vnd.android.cursor.item/organization"
MIME_IM = "vnd.android.cursor.item/im"
APP_MIME_PREFIX = "vnd.android.cursor.item/vnd."
# CommonDataKinds.Im.PROTOCOL_* -> the URI-like prefix handles get (as vCard X- properties map too).
IM_PROTOCOLS = {0: "aim", 1: "msn", 2: "yahoo", 3: "skype", 4: "qq", 5: "gtalk", 6: "icq", 7: "xmpp",
                8: "netmeeting"}

CALL_INCOMING, CALL_OUTGOING, CALL_MISSED, CALL_VOICEMAIL, CALL_REJECTED, CALL_BLOCKED, CALL_ANSWERED_ELSEWHERE = \
    1, 2, 3, 4, 5, 6, 7
FEATURES_VIDEO = 0x1


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


class AndroidContacts(Extractor):
    name = "android.contacts"
    version = "1.0.0"
    description = "Android contacts (raw contacts with phones, e-mails, handles) and owner accounts from contacts2.db."
    selects = [
        Select(glob="**/contacts2.db"),
        Select(glob="**/com.android.providers.contacts/databases/profile.db"),
        Select(sqlite_tables={"raw_contacts": ["_id", "contact_id", "deleted"],
                              "data": ["raw_contact_id", "mimetype_id", "data1"], "mimetypes": ["_id", "mimetype"]}),
    ]
    kinds = [Contact, Account]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Contact | Account | PluginWarning]:
        opened = open_database(ctx, CONTACTS_APP)
        if isinstance(opened, PluginWarning):
            yield opened
            return
        conn, schema, notes = opened
        yield from notes
        needed = {"raw_contacts": ("_id",), "data": ("raw_contact_id", "mimetype_id", "data1"),
                  "mimetypes": ("_id", "mimetype")}
        missing = {}
        for table, columns in needed.items():
            if table not in schema:
                missing[table] = ["(table)"]
            else:
                lacking = [column for column in columns if column not in schema[table]]
                if lacking:
                    missing[table] = lacking
        if missing:
            detail = "; ".join(f"{table} lacks {', '.join(columns)}" if columns != ["(table)"]
                               else f"no {table} table" for table, columns in missing.items())
            yield ctx.warning(f"{CONTACTS_APP}: unknown schema version: {detail}; contacts not read",
                              code="schema.missing_columns", missing=missing)
            return
        profile = source.name.lower() == "profile.db"
        yield from self._accounts(ctx, conn, schema)
        yield from self._contacts(ctx, conn, schema, profile)

    def _accounts(self, ctx: Context, conn, schema) -> Iterator[Account | PluginWarning]:
        """The owner's accounts that name a person (an e-mail address or a phone number), not
        the local pseudo-accounts (``Phone``, ``SIM``, ``WhatsApp``)."""
        if {"_id", "account_name", "account_type"} <= schema.get("accounts", set()):
            sql, table = "SELECT _id, account_name, account_type FROM accounts ORDER BY _id", "accounts"
        elif {"account_name", "account_type"} <= schema["raw_contacts"]:
            sql = ("SELECT MIN(_id), account_name, account_type FROM raw_contacts "
                   "WHERE account_name IS NOT NULL GROUP BY account_name, account_type ORDER BY MIN(_id)")
            table = "raw_contacts"
        else:
            return
        try:
            for rowid, name, kind in conn.execute(sql):
                name = (as_text(name) or "").strip()
                if not name:
                    continue
                email = name if "@" in name else None
                phone = name if email is None and ctx.e164(name) else None
                if email or phone:
                    yield Account(app=as_text(kind) or CONTACTS_APP, identifier=name, email=email, phone=phone,
                                  locator=ctx.locate(table=table, rowid=as_int(rowid)))
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{CONTACTS_APP}: accounts unreadable: {exc}", code="sqlite.table_unreadable",
                              locator=ctx.locate(table=table))

    def _contacts(self, ctx: Context, conn, schema, profile: bool) -> Iterator:
        try:
            mimetypes = {row[0]: as_text(row[1]) for row in conn.execute("SELECT _id, mimetype FROM mimetypes")}
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{CONTACTS_APP}: mimetypes unreadable: {exc}", code="sqlite.corrupt",
                              locator=ctx.locate(table="mimetypes"))
            return
        raw_columns = schema["raw_contacts"]
        display = "display_name" if "display_name" in raw_columns else "NULL"
        deleted = "deleted" if "deleted" in raw_columns else "0"
        data_columns = schema["data"]
        extra = ", ".join(column if column in data_columns else "NULL" for column in ("data4", "data5", "data6"))
        order = "_id" if "_id" in data_columns else "rowid"
        last = None
        problems = 0
        try:
            data = groupby(conn.execute(
                f"SELECT raw_contact_id, mimetype_id, data1, {extra} FROM data "
                f"WHERE typeof(raw_contact_id) = 'integer' ORDER BY raw_contact_id, {order}"), key=lambda row: row[0])
            current = next(data, None)
            for raw_id, name, is_deleted in conn.execute(
                    f"SELECT _id, {display}, {deleted} FROM raw_contacts WHERE typeof(_id) = 'integer' ORDER BY _id"):
                last = raw_id
                while current is not None and current[0] < raw_id:
                    current = next(data, None)
                rows = []
                if current is not None and current[0] == raw_id:
                    rows = list(current[1])
                    current = next(data, None)
                try:
                    contact = self._one(ctx, raw_id, name, is_deleted, rows, mimetypes)
                except (TypeError, ValueError) as exc:
                    problems += 1
                    if problems <= MAX_ROW_WARNINGS:
                        yield ctx.warning(f"{CONTACTS_APP}: raw contact {raw_id} unreadable: {exc}",
                                          code="row.unreadable", locator=ctx.locate(table="raw_contacts", rowid=raw_id))
                    continue
                if is_damaged((name,)) or any(is_damaged(each) for each in rows):
                    yield ctx.warning(f"{CONTACTS_APP}: raw contact {raw_id} holds text that is not valid UTF-8; "
                                      "the bad bytes are shown as U+FFFD", code="text.invalid_utf8",
                                      locator=ctx.locate(table="raw_contacts", rowid=raw_id))
                yield contact
                if profile and not contact.deleted:
                    identifier = next(iter(contact.phones_e164 or contact.phones or contact.emails), None) \
                        or contact.display_name
                    if identifier:
                        yield Account(app=f"{CONTACTS_APP} (owner profile)", identifier=identifier,
                                      display_name=contact.display_name,
                                      phone=contact.phones[0] if contact.phones else None,
                                      email=contact.emails[0] if contact.emails else None,
                                      locator=contact.locator)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{CONTACTS_APP}: reading contacts stopped after raw contact {last}: {exc}",
                              code="sqlite.corrupt", locator=ctx.locate(table="raw_contacts", rowid=last))
        if problems > MAX_ROW_WARNINGS:
            yield ctx.warning(f"{CONTACTS_APP}: {problems} raw contacts unreadable in all", code="row.unreadable")

    @staticmethod
    def _one(ctx: Context, raw_id: int, name, is_deleted, rows, mimetypes) -> Contact:
        names, phones, e164, emails, handles, organisations = [], [], [], [], [], []
        for _raw, mimetype_id, value, data4, data5, data6 in rows:
            mimetype = mimetypes.get(mimetype_id) or ""
            value = (as_text(value) or "").strip()
            if not value:
                continue
            if mimetype == MIME_PHONE:
                phones.append(value)
                normalised = ctx.e164(value)
                if normalised is None and (as_text(data4) or "").startswith("+"):
                    normalised = ctx.e164(as_text(data4))
                e164.append(normalised)
            elif mimetype == MIME_EMAIL:
                emails.append(value)
            elif mimetype == MIME_NAME:
                names.append(value)
            elif mimetype == MIME_ORGANIZATION:
                organisations.append(value)
            elif mimetype == MIME_IM:
                protocol = IM_PROTOCOLS.get(as_int(data5)) or (as_text(data6) or "").strip().lower() or "im"
                handles.append(f"{protocol}:{value}")
            elif mimetype.startswith(APP_MIME_PREFIX) and "@" in value:
                handles.append(value)    # app profiles keyed by a JID/e-mail, e.g. WhatsApp's
        display = (as_text(name) or "").strip() or next(iter(names), None) or next(iter(organisations), None)
        return Contact(app=CONTACTS_APP, display_name=display or None, phones=tuple(phones),
                       phones_e164=_unique(e164), emails=tuple(emails), handles=_unique(handles),
                       organisation=next(iter(organisations), None), deleted=as_int(is_deleted) == 1,
                       locator=ctx.locate(table="raw_contacts", rowid=raw_id))


class AndroidCallLog(Extractor):
    name = "android.calllog"
    version = "1.0.0"
    description = "Android call log: calls in contacts2.db (Android 6 and older) or calllog.db (Android 7+)."
    selects = [
        Select(glob="**/calllog.db"),
        Select(glob="**/contacts2.db"),
        Select(sqlite_tables={"calls": ["number", "date", "duration", "type", "new"]}),
    ]
    kinds = [Call, Account]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Call | Account | PluginWarning]:
        opened = open_database(ctx, CALLS_APP)
        if isinstance(opened, PluginWarning):
            yield opened
            return
        conn, schema, notes = opened
        yield from notes
        if "calls" not in schema:
            # contacts2.db has no calls table since Android 7 (they moved to calllog.db): expected.
            if "raw_contacts" not in schema:
                yield ctx.warning(f"{CALLS_APP}: no calls table; not a call log this plugin knows",
                                  code="schema.unknown", tables=sorted(schema))
            return
        columns = schema["calls"]
        lacking = [column for column in ("number", "date", "duration", "type") if column not in columns]
        if lacking:
            yield ctx.warning(f"{CALLS_APP}: unknown schema version: calls lacks {', '.join(lacking)}; "
                              "calls not read", code="schema.missing_columns", missing={"calls": lacking})
            return
        optional = ", ".join(column if column in columns else "NULL"
                             for column in ("features", "phone_account_address", "deleted"))
        accounts: set[str] = set()
        last = None
        problems = 0
        try:
            for row in conn.execute(f"SELECT rowid, number, date, duration, type, {optional} FROM calls ORDER BY rowid"):
                rowid, number, date, duration, kind, features, own_line, deleted = row
                last = rowid
                locator = ctx.locate(table="calls", rowid=rowid)
                try:
                    own_line = (as_text(own_line) or "").strip() or None
                    if own_line and own_line not in accounts:
                        accounts.add(own_line)
                        yield Account(app=CALLS_APP, identifier=own_line, phone=own_line, locator=locator)
                    call = self._one(ctx, number, date, duration, kind, features, own_line, deleted, locator)
                except (TypeError, ValueError) as exc:
                    problems += 1
                    if problems <= MAX_ROW_WARNINGS:
                        yield ctx.warning(f"{CALLS_APP}: calls row {rowid} unreadable: {exc}", code="row.unreadable",
                                          locator=locator)
                    continue
                if is_damaged(row):
                    yield ctx.warning(f"{CALLS_APP}: calls row {rowid} holds text that is not valid UTF-8; "
                                      "the bad bytes are shown as U+FFFD", code="text.invalid_utf8", locator=locator)
                yield call
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{CALLS_APP}: reading calls stopped after row {last}: {exc}", code="sqlite.corrupt",
                              locator=ctx.locate(table="calls", rowid=last))
        if problems > MAX_ROW_WARNINGS:
            yield ctx.warning(f"{CALLS_APP}: {problems} calls rows unreadable in all", code="row.unreadable")

    @staticmethod
    def _one(ctx: Context, number, date, duration, kind, features, own_line, deleted, locator) -> Call:
        kind = as_int(kind)
        if kind == CALL_OUTGOING:
            direction, missed = OUTGOING, False
        elif kind in (CALL_INCOMING, CALL_ANSWERED_ELSEWHERE):
            direction, missed = INCOMING, False
        elif kind in (CALL_MISSED, CALL_VOICEMAIL, CALL_REJECTED, CALL_BLOCKED):
            direction, missed = INCOMING, True
        else:
            direction, missed = UNKNOWN, None
        number = (as_text(number) or "").strip()
        seconds = as_int(duration)
        return Call(app=CALLS_APP, parties=(number,) if number else (), account=own_line, direction=direction,
                    start=ctx.time.unix_ms(date), duration_s=float(seconds) if seconds is not None else None,
                    video=bool((as_int(features) or 0) & FEATURES_VIDEO), missed=missed, deleted=as_int(deleted) == 1,
                    locator=locator)
