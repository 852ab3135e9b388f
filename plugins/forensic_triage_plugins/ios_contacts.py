"""iOS phone stores: the address book (``AddressBook.sqlitedb``), the call log
(``CallHistory.storedata``) and visual voicemail (``voicemail.db``).

- AddressBook: one Contact per ``ABPerson`` row; phones, e-mails, instant-message and social
  handles from ``ABMultiValue`` (property 3 phone, 4 e-mail, 13 instant message, 46 social
  profile; the last two keep the user name in ``ABMultiValueEntry``). The store's "me" card
  (``ABStore.MeIdentifier``) and the CardDAV accounts it syncs with are the owner's accounts.
  iOS keeps recent changes in the -wal, which the host copies beside the database.
- CallHistory: ``ZCALLRECORD`` (Core Data, Cocoa seconds): phone, FaceTime and CallKit apps
  (WhatsApp, Signal, ...) named by ``ZSERVICE_PROVIDER``; group call members in ``ZHANDLE``.
- Voicemail: ``voicemail`` rows (``date`` in Unix seconds, ``trashed_date`` in Cocoa seconds) and
  the ``deleted`` table; the audio is ``<ROWID>.amr`` beside the database.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from forensic_triage.sdk import (INCOMING, OUTGOING, UNKNOWN, Account, Attachment, Call, Contact, Context, Extractor,
                                 PluginWarning, Select, Source)
from forensic_triage_plugins._sqlite_store import open_checked as _open
from forensic_triage_plugins._sqlite_store import quote as _quote

# Call gains an attachments field in a later SDK (voicemail audio, call recordings); until then the
# audio path cannot be carried and is left out.
_CALL_TAKES_ATTACHMENTS = "attachments" in {field.name for field in dataclasses.fields(Call)}


# --- helpers --------------------------------------------------------------------------------------


def _table_name(conn: sqlite3.Connection, lowered: str) -> str:
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if name.lower() == lowered:
            return name
    return lowered


def _pick(schema: dict[str, set[str]], table: str, columns: Iterable[str], alias: str = "") -> str:
    have = schema.get(table.lower(), set())
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{column}" if column.lower() in have else f"NULL AS {column}" for column in columns)



def _text(value: object) -> str | None:
    """A text column that some versions store as a BLOB (ZADDRESS)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None if value is None else str(value)


def _duration(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
        return None
    return float(value)


# --- address book ---------------------------------------------------------------------------------

CONTACTS_APP = "iOS Contacts"
PHONE, EMAIL, INSTANT_MESSAGE, SOCIAL_PROFILE = 3, 4, 13, 46
PERSON_REQUIRED = {"ABPerson": ("First", "Last"), "ABMultiValue": ("record_id", "property", "value")}
PERSON_OPTIONAL = ("Middle", "Prefix", "Suffix", "Organization", "Nickname", "DisplayName", "CompositeNameFallback",
                   "Kind")
_PRINCIPAL = re.compile(r"/principals/([^/]+)/")


def _label(raw: object) -> str | None:
    """ABMultiValueLabel values: "_$!<Mobile>!$_" is the built-in label Mobile."""
    if not isinstance(raw, str):
        return None
    return raw[4:-4] if raw.startswith("_$!<") and raw.endswith(">!$_") else raw


class IOSAddressBook(Extractor):
    name = "ios.addressbook"
    version = "1.0.0"
    description = "iOS AddressBook.sqlitedb (with its -wal): contacts with phones, e-mails and handles; the me card."
    selects = [
        Select(glob="**/AddressBook.sqlitedb"),
        Select(sqlite_tables={"ABPerson": ["First", "Last"], "ABMultiValue": ["record_id", "property", "value"]}),
    ]
    kinds = [Contact, Account]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Contact | Account | PluginWarning]:
        conn, schema, problems = _open(ctx, source, CONTACTS_APP, PERSON_REQUIRED)
        yield from problems
        if conn is None:
            return
        count = 0
        try:
            me = self._me_cards(conn, schema)
            owners: list[Account] = []
            for person, values in self._people(conn, schema):
                count += 1
                contact = self._contact(ctx, person, values)
                yield contact
                if person["ROWID"] in me:
                    identifier = next(iter(contact.emails or contact.phones), None) or contact.display_name
                    if identifier:
                        owners.append(Account(app=CONTACTS_APP, identifier=identifier,
                                              display_name=contact.display_name,
                                              phone=contact.phones[0] if contact.phones else None,
                                              email=contact.emails[0] if contact.emails else None,
                                              locator=ctx.locate(table="ABPerson", rowid=person["ROWID"])))
            yield from owners
            yield from self._store_accounts(ctx, conn, schema)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{CONTACTS_APP}: reading stopped after {count} contacts: {exc}", code="sqlite.damaged")

    @staticmethod
    def _me_cards(conn: sqlite3.Connection, schema: dict[str, set[str]]) -> set[int]:
        if "meidentifier" not in schema.get("abstore", set()):
            return set()
        return {row[0] for row in conn.execute("SELECT MeIdentifier FROM ABStore")
                if isinstance(row[0], int) and row[0] > 0}

    @staticmethod
    def _people(conn: sqlite3.Connection, schema: dict[str, set[str]]) -> Iterator[tuple[sqlite3.Row, list]]:
        """Each person with its multi-values, merged in ROWID order (no per-person query)."""
        labels = {}
        if "value" in schema.get("abmultivaluelabel", set()):
            labels = {rowid: value for rowid, value in conn.execute("SELECT ROWID, value FROM ABMultiValueLabel")}
        keys = {}
        if "value" in schema.get("abmultivalueentrykey", set()):
            keys = {rowid: value for rowid, value in conn.execute("SELECT ROWID, value FROM ABMultiValueEntryKey")}
        entries_ok = {"parent_id", "key", "value"} <= schema.get("abmultivalueentry", set())
        label_column = "label" if "label" in schema["abmultivalue"] else "NULL AS label"
        values = conn.execute(f"SELECT record_id, property, value, {label_column}, UID FROM ABMultiValue "
                              f"WHERE property IN ({PHONE}, {EMAIL}, {INSTANT_MESSAGE}, {SOCIAL_PROFILE}) "
                              "ORDER BY record_id, UID")
        pending = next(values, None)
        entry_cursor = conn.cursor()
        for person in conn.execute(f"SELECT ROWID, First, Last, {_pick(schema, 'ABPerson', PERSON_OPTIONAL)} "
                                   "FROM ABPerson ORDER BY ROWID"):
            mine = []
            while pending is not None and (not isinstance(pending[0], int) or pending[0] < person["ROWID"]):
                pending = next(values, None)
            while pending is not None and pending[0] == person["ROWID"]:
                _record, prop, value, label, uid = pending
                if prop in (INSTANT_MESSAGE, SOCIAL_PROFILE) and entries_ok:
                    fields = {keys.get(key, str(key)): text for key, text in entry_cursor.execute(
                        "SELECT key, value FROM ABMultiValueEntry WHERE parent_id = ?", (uid,))}
                    value = fields.get("username") or value
                mine.append((prop, _text(value), _label(labels.get(label))))
                pending = next(values, None)
            yield person, mine

    @staticmethod
    def _contact(ctx: Context, person: sqlite3.Row, values: list) -> Contact:
        phones = tuple(dict.fromkeys(value for prop, value, _label in values if prop == PHONE and value))
        emails = tuple(dict.fromkeys(value for prop, value, _label in values if prop == EMAIL and value))
        handles = tuple(dict.fromkeys(value for prop, value, _label in values
                                      if prop in (INSTANT_MESSAGE, SOCIAL_PROFILE) and value))
        e164 = tuple(dict.fromkeys(number for number in (ctx.e164(each) for each in phones) if number))
        parts = [person[column] for column in ("Prefix", "First", "Middle", "Last", "Suffix")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
        organisation = _text(person["Organization"])
        display = _text(person["DisplayName"]) or (organisation if person["Kind"] == 1 else None) or name or \
            organisation or _text(person["Nickname"]) or _text(person["CompositeNameFallback"])
        return Contact(app=CONTACTS_APP, display_name=display or None, phones=phones, phones_e164=e164,
                       emails=emails, handles=handles, organisation=organisation,
                       locator=ctx.locate(table="ABPerson", rowid=person["ROWID"]))

    @staticmethod
    def _store_accounts(ctx: Context, conn: sqlite3.Connection, schema: dict[str, set[str]]) -> Iterator[Account]:
        """CardDAV stores name the account they sync: ".../principals/owner%40gmail.com/lists/...". """
        if not {"externalidentifier", "name"} <= schema.get("abstore", set()):
            return
        seen = set()
        for rowid, name, external in conn.execute("SELECT ROWID, Name, ExternalIdentifier FROM ABStore ORDER BY ROWID"):
            match = _PRINCIPAL.search(external) if isinstance(external, str) else None
            if not match:
                continue
            principal = unquote(match.group(1))
            if principal in seen:
                continue
            seen.add(principal)
            yield Account(app=CONTACTS_APP, identifier=principal, email=principal if "@" in principal else None,
                          locator=ctx.locate(table="ABStore", rowid=rowid))


# --- call history ---------------------------------------------------------------------------------

CALLS_APP = "Phone"
CALL_REQUIRED = {"ZCALLRECORD": ("Z_PK", "ZADDRESS", "ZDATE", "ZDURATION", "ZORIGINATED")}
CALL_OPTIONAL = ("ZANSWERED", "ZCALLTYPE", "ZSERVICE_PROVIDER", "ZNAME")
# ZCALLRECORD.ZCALLTYPE: 0 third-party app (CallKit), 1 phone, 8 FaceTime video, 16 FaceTime audio.
FACETIME_VIDEO, FACETIME_AUDIO = 8, 16
PROVIDERS = {
    "com.apple.telephony": "Phone",
    "com.apple.facetime": "FaceTime",
    "net.whatsapp.whatsapp": "WhatsApp",
    "net.whatsapp.whatsappsmb": "WhatsApp Business",
    "org.whispersystems.signal": "Signal",
    "ph.telegra.telegraph": "Telegram",
    "com.skype.skype": "Skype",
    "com.viber": "Viber",
    "com.facebook.messenger": "Messenger",
    "com.burbn.instagram": "Instagram",
    "com.microsoft.skype.teams": "Microsoft Teams",
}


class IOSCallHistory(Extractor):
    name = "ios.callhistory"
    version = "1.0.0"
    description = "iOS CallHistory.storedata: phone, FaceTime and CallKit app calls (ZCALLRECORD)."
    selects = [
        Select(glob="**/CallHistory.storedata"),
        Select(sqlite_tables={"ZCALLRECORD": ["ZADDRESS", "ZDATE", "ZDURATION", "ZORIGINATED"]}),
    ]
    kinds = [Call]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Call | PluginWarning]:
        conn, schema, problems = _open(ctx, source, "iOS call history", CALL_REQUIRED)
        yield from problems
        if conn is None:
            return
        count = 0
        try:
            members = self._members(conn, schema)
            for row in conn.execute(f"SELECT Z_PK, ZADDRESS, ZDATE, ZDURATION, ZORIGINATED, "
                                    f"{_pick(schema, 'ZCALLRECORD', CALL_OPTIONAL)} FROM ZCALLRECORD ORDER BY Z_PK"):
                count += 1
                yield self._call(ctx, row, members.get(row["Z_PK"], []))
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"iOS call history: reading stopped after {count} calls: {exc}", code="sqlite.damaged")

    @staticmethod
    def _members(conn: sqlite3.Connection, schema: dict[str, set[str]]) -> dict[int, list[str]]:
        """Group (FaceTime) call participants: ZHANDLE rows joined through Z_<n>REMOTEPARTICIPANTHANDLES."""
        join = next((table for table in schema if re.fullmatch(r"z_\d+remoteparticipanthandles", table)), None)
        if join is None or "zvalue" not in schema.get("zhandle", set()):
            return {}
        calls_column = next((c for c in schema[join] if c.endswith("remoteparticipantcalls")), None)
        handles_column = next((c for c in schema[join] if c.endswith("remoteparticipanthandles")), None)
        if not calls_column or not handles_column:
            return {}
        members: dict[int, list[str]] = {}
        for call, value in conn.execute(
                f"SELECT j.{calls_column}, h.ZVALUE FROM {_quote(_table_name(conn, join))} j "
                f"JOIN ZHANDLE h ON h.Z_PK = j.{handles_column} ORDER BY j.{calls_column}, h.Z_PK"):
            value = _text(value)
            if value:
                members.setdefault(call, []).append(value)
        return members

    @staticmethod
    def _call(ctx: Context, row: sqlite3.Row, members: list[str]) -> Call:
        provider = _text(row["ZSERVICE_PROVIDER"])
        call_type = row["ZCALLTYPE"]
        if provider:
            app = PROVIDERS.get(provider.lower(), provider)
        else:
            app = "FaceTime" if call_type in (FACETIME_VIDEO, FACETIME_AUDIO) else CALLS_APP
        address = _text(row["ZADDRESS"])
        parties = tuple(dict.fromkeys(each for each in [address, *members] if each))
        originated, answered = row["ZORIGINATED"], row["ZANSWERED"]
        direction = {1: OUTGOING, 0: INCOMING}.get(originated, UNKNOWN)
        missed = None
        if direction == INCOMING and answered in (0, 1):
            missed = answered == 0
        elif direction == OUTGOING:
            missed = False
        return Call(app=app, parties=parties, direction=direction, start=ctx.time.cocoa(row["ZDATE"]),
                    duration_s=_duration(row["ZDURATION"]), video=call_type == FACETIME_VIDEO, missed=missed,
                    locator=ctx.locate(table="ZCALLRECORD", rowid=row["Z_PK"]))


# --- voicemail ------------------------------------------------------------------------------------

VOICEMAIL_APP = "Voicemail"
VOICEMAIL_REQUIRED = {"voicemail": ("sender", "date", "duration")}
VOICEMAIL_OPTIONAL = ("callback_num", "receiver", "trashed_date", "flags")
# iLEAPP reads flags 75 with no trashed_date as a voicemail the user deleted.
FLAGS_DELETED = 75


class IOSVoicemail(Extractor):
    name = "ios.voicemail"
    version = "1.0.0"
    description = "iOS visual voicemail (voicemail.db): voicemails as calls, trashed and deleted ones flagged."
    selects = [
        Select(glob="**/Voicemail/voicemail.db"),
        Select(sqlite_tables={"voicemail": ["sender", "date", "duration", "trashed_date"]}),
    ]
    kinds = [Call, Account]
    time_limit = 120.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Call | Account | PluginWarning]:
        conn, schema, problems = _open(ctx, source, VOICEMAIL_APP, VOICEMAIL_REQUIRED)
        yield from problems
        if conn is None:
            return
        folder = source.path.rpartition("/")[0]
        receivers: dict[str, object] = {}
        for table in ("voicemail", "deleted"):
            if not {"sender", "date", "duration"} <= schema.get(table, set()):
                continue
            count = 0
            try:
                for row in conn.execute(f"SELECT ROWID, sender, date, duration, "
                                        f"{_pick(schema, table, VOICEMAIL_OPTIONAL)} FROM {table} ORDER BY ROWID"):
                    count += 1
                    receiver = _text(row["receiver"])
                    if receiver:
                        receivers.setdefault(receiver, ctx.locate(table=table, rowid=row["ROWID"]))
                    yield self._voicemail(ctx, table, row, receiver, folder)
            except sqlite3.DatabaseError as exc:
                yield ctx.warning(f"{VOICEMAIL_APP}: reading {table} stopped after {count} rows: {exc}",
                                  code="sqlite.damaged")
        for receiver, locator in receivers.items():
            yield Account(app=CALLS_APP, identifier=receiver, phone=receiver, locator=locator)

    @staticmethod
    def _voicemail(ctx: Context, table: str, row: sqlite3.Row, receiver: str | None, folder: str) -> Call:
        sender = _text(row["sender"]) or _text(row["callback_num"])
        trashed = row["trashed_date"]
        deleted = table == "deleted" or (isinstance(trashed, (int, float)) and trashed > 0) or \
            row["flags"] == FLAGS_DELETED
        extra = {}
        if _CALL_TAKES_ATTACHMENTS:
            audio = f"{row['ROWID']}.amr"
            extra["attachments"] = (Attachment(name=audio, mime_type="audio/amr",
                                               path=f"{folder}/{audio}" if folder else audio),)
        return Call(app=VOICEMAIL_APP, parties=(sender,) if sender else (), account=receiver, direction=INCOMING,
                    start=ctx.time.unix_s(row["date"]), duration_s=_duration(row["duration"]), deleted=deleted,
                    locator=ctx.locate(table=table, rowid=row["ROWID"]), **extra)
