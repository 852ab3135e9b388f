"""Second-number and call-screening stores on Android: the Burner app and Google's Call Screen.

Burner (``com.adhoclabs.burner/databases/*.sqlite``; tables as the app creates them, the schema
plaso's ``android_burners`` plugin lists; value meanings from the Burner API that iLEAPP's Burner
modules document: ``direction`` 1 incoming / 2 outgoing, ``messageType`` 1 voice / 2 text,
``state`` 3 call completed / 4 missed / 5 missed with voicemail):

- ``messages``: ``message_id``, ``message`` (text), ``contact_phone_number`` (the other party),
  ``burner_id``, ``message_type``, ``direction``, ``state``, ``date_created`` (milliseconds since
  1970, UTC), ``duration`` (seconds), ``asset_url`` (an MMS picture's URL), ``voice_url``
  (voicemail audio), ``read``. Text rows (type 2) become messages; voice rows (type 1) become
  calls, and a voicemail row (state 5) also a message carrying the recording's URL.
- ``burners``: the device owner's Burner numbers (``phone_number_id``, ``name``) -> accounts; the
  message's ``burner_id`` says which number it used.
- ``contacts``: ``name``, ``phone_number`` -> contacts (and thread names).
- ``connections`` (third-party services linked to a number) and ``subscriptions`` are not
  communications and yield nothing.

Google Call Screen (``com.google.android.dialer/databases/callscreen_transcripts``; Room table
``Transcript``, as in plaso's ``google_callscreen`` plugin): one row per incoming call the Google
Assistant answered for the user. ``id`` is the call's start in milliseconds since 1970 (the first
turn of the transcript follows it by a few seconds), ``lastModifiedMillis`` the time the
transcript was last written (plaso documents 1663338183767 as 2022-09-16T14:23:03.767+00:00),
``audioRecordingFilePath`` the recording, ``conversation`` a protobuf with one repeated field 1
per turn: {1: time in ms, 3: text, 5: speaker (1 caller, 2 Assistant, 3 a call event such as
"Call was marked as spam")}.

How a screened call is represented: it is a call (the phone rang, the Assistant answered it), so
each row yields a Call (incoming, started at ``id``, lasting to the last turn). What the caller and
the Assistant said is content that a call artifact cannot carry, so each row also yields a
Message (direction incoming, service "call screen transcript") whose body is the transcript, one
line per turn ("Caller: ...", "Assistant: ...", "[event]"), with the recording as attachment; its
``sent`` is the first turn's time and its ``received`` the time the transcript was last written
(``lastModifiedMillis``). The
database does not store the caller's number: both artifacts leave the party/sender empty rather
than guessing; match them to the call log by time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from forensic_triage.sdk import (INCOMING, OUTGOING, SQLITE_MAGIC, UNKNOWN, Account, Attachment, Call, Contact,
                                 Context, Extractor, Message, PluginWarning, Select, Source)
from forensic_triage_plugins._sqlite_store import TableReader as _Reader
from forensic_triage_plugins._sqlite_store import unique as _unique
from forensic_triage_plugins._decoding import protobuf_fields

BURNER = "Burner"
CALL_SCREEN = "Google Call Screen"

DIRECTION_IN, DIRECTION_OUT = 1, 2
TYPE_VOICE, TYPE_TEXT = 1, 2
STATE_COMPLETED, STATE_MISSED, STATE_VOICEMAIL = 3, 4, 5

SPEAKER_CALLER, SPEAKER_ASSISTANT, SPEAKER_EVENT = 1, 2, 3



def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _read_problems(ctx: Context, db: _Reader | None, what: str, exc: Exception | None = None):
    if exc is not None:
        yield ctx.warning(f"{what}: reading stopped, the database is damaged: {exc}", code="sqlite.damaged")
    if db is not None and db.bad_text:
        yield ctx.warning(f"{what}: {db.bad_text} text value(s) were not valid UTF-8; the invalid bytes were "
                          "replaced with U+FFFD", code="text.invalid_utf8")


def _url_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] or url


_MIME = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "mp4": "video/mp4",
         "m4a": "audio/mp4", "mp3": "audio/mpeg", "wav": "audio/wav", "amr": "audio/amr", "3gp": "video/3gpp"}


def _mime(name: str | None) -> str | None:
    if not name or "." not in name:
        return None
    return _MIME.get(name.rsplit(".", 1)[-1].lower())


# --- Burner ----------------------------------------------------------------------------------------------

class BurnerMessages(Extractor):
    name = "android.burner"
    version = "1.0.0"
    description = "Burner second-number app (Android): texts, calls, voicemails, contacts and the owner's numbers."
    selects = [
        Select(glob="**/com.adhoclabs.burner/databases/*", magic=SQLITE_MAGIC),
        Select(sqlite_tables={"messages": ["message_id", "contact_phone_number", "burner_id", "date_created",
                                           "direction"],
                              "burners": ["burner_id", "phone_number_id"]}),
    ]
    kinds = [Message, Call, Contact, Account]

    REQUIRED = {"messages": ["contact_phone_number", "date_created", "direction", "message_type", "message"]}
    MESSAGE_COLUMNS = ["_id", "message_id", "state", "message", "contact_phone_number", "connected", "message_type",
                       "voice_url", "date_created", "read", "burner_id", "duration", "direction", "asset_url"]

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | Call | Contact | Account | PluginWarning]:
        try:
            db = _Reader(ctx)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"Burner database: not a readable SQLite database (damaged, truncated or encrypted): "
                              f"{exc}", code="sqlite.unreadable")
            return
        missing = [name for table, columns in self.REQUIRED.items() for name in db.missing(table, columns)]
        if missing:
            yield ctx.warning("Burner database: unknown schema version, missing " + ", ".join(missing),
                              code="schema.unknown_version", missing=missing)
        problem = None
        try:
            yield from self._read(ctx, db, messages=not missing)
        except sqlite3.DatabaseError as exc:
            problem = exc
        yield from _read_problems(ctx, db, "Burner database", problem)

    def _read(self, ctx: Context, db: _Reader, *, messages: bool):
        numbers: dict[str, str] = {}
        if db.table("burners"):
            for row in db.select("burners", ["burner_id", "phone_number_id", "name", "alias", "user_id"]):
                number = row["phone_number_id"]
                if row["burner_id"] and number:
                    numbers[row["burner_id"]] = number
                if number or row["burner_id"]:
                    yield Account(app=BURNER, identifier=number or row["burner_id"],
                                  display_name=row["name"] or row["alias"], phone=number,
                                  locator=ctx.locate(table=db.table("burners"), rowid=row["_rowid"]))
        names: dict[str, str] = {}
        if db.table("contacts"):
            for row in db.select("contacts", ["contact_id", "name", "phone_number", "burner_id", "blocked"]):
                phones = _unique([row["phone_number"]])
                if row["name"] and row["phone_number"]:
                    names.setdefault(row["phone_number"], row["name"])
                yield Contact(app=BURNER, display_name=row["name"], phones=phones,
                              phones_e164=_unique(ctx.e164(phone) for phone in phones),
                              locator=ctx.locate(table=db.table("contacts"), rowid=row["_rowid"]))
        if not messages:
            return
        only_number = next(iter(numbers.values())) if len(set(numbers.values())) == 1 else None
        table = db.table("messages")
        for row in db.select("messages", self.MESSAGE_COLUMNS):
            other = row["contact_phone_number"]
            mine = numbers.get(row["burner_id"]) or only_number
            code = _int(row["direction"])
            direction = INCOMING if code == DIRECTION_IN else OUTGOING if code == DIRECTION_OUT else UNKNOWN
            when = ctx.time.unix_ms(row["date_created"])
            locator = ctx.locate(table=table, rowid=row["_rowid"])
            state = _int(row["state"])
            if _int(row["message_type"]) == TYPE_VOICE:
                duration = _int(row["duration"])
                missed = True if state in (STATE_MISSED, STATE_VOICEMAIL) else False if state == STATE_COMPLETED \
                    else None
                yield Call(app=BURNER, parties=_unique([other]), account=mine, direction=direction, start=when,
                           duration_s=float(duration) if duration is not None else None, missed=missed,
                           locator=locator)
                if state != STATE_VOICEMAIL and not row["voice_url"]:
                    continue
                service = "voicemail"
            else:
                service = None
            if direction == OUTGOING:
                sender, recipients = mine, _unique([other])
            else:
                sender, recipients = other, _unique([mine])
            attachments = tuple(Attachment(name=url, mime_type=_mime(_url_name(url)))
                                for url in (row["asset_url"], row["voice_url"]) if url)
            yield Message(app=BURNER, account=mine, thread_id=other, thread_name=names.get(other), sender=sender,
                          recipients=recipients, direction=direction, service=service, sent=when,
                          body=row["message"] or None, attachments=attachments, locator=locator)


# --- Google Call Screen ------------------------------------------------------------------------------------


_SPEAKERS = {SPEAKER_CALLER: "Caller", SPEAKER_ASSISTANT: "Assistant"}


class CallScreenTranscripts(Extractor):
    name = "android.callscreen"
    version = "1.0.0"
    description = "Google Call Screen transcripts (Android dialer): each screened call as a call and its transcript."
    selects = [
        Select(glob="**/com.google.android.dialer/databases/callscreen_transcripts"),
        Select(sqlite_tables={"Transcript": ["conversation", "audioRecordingFilePath", "lastModifiedMillis"]}),
    ]
    kinds = [Call, Message]

    REQUIRED = {"Transcript": ["id", "conversation", "lastModifiedMillis"]}

    def extract(self, ctx: Context, source: Source) -> Iterator[Call | Message | PluginWarning]:
        try:
            db = _Reader(ctx)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"Call Screen database: not a readable SQLite database (damaged, truncated or "
                              f"encrypted): {exc}", code="sqlite.unreadable")
            return
        missing = [name for table, columns in self.REQUIRED.items() for name in db.missing(table, columns)]
        if missing:
            yield ctx.warning("Google Call Screen database: unknown schema version, missing " + ", ".join(missing),
                              code="schema.unknown_version", missing=missing)
            return
        problem = None
        try:
            yield from self._read(ctx, db)
        except sqlite3.DatabaseError as exc:
            problem = exc
        yield from _read_problems(ctx, db, "Call Screen database", problem)

    def _read(self, ctx: Context, db: _Reader):
        table = db.table("Transcript")
        undecoded = 0
        for row in db.select("Transcript", ["id", "conversation", "audioRecordingFilePath", "revelioCallType",
                                            "lastModifiedMillis"]):
            locator = ctx.locate(table=table, rowid=row["_rowid"])
            turns = []
            blob = row["conversation"]
            if isinstance(blob, str):
                blob = blob.encode("utf-8", "surrogateescape")
            try:
                for number, value in protobuf_fields(blob or b""):
                    if number != 1 or not isinstance(value, bytes):
                        continue
                    turn = dict(protobuf_fields(value))
                    text = turn.get(3)
                    turns.append((turn.get(1) if isinstance(turn.get(1), int) else None,
                                  turn.get(5) if isinstance(turn.get(5), int) else None,
                                  text.decode("utf-8", "replace") if isinstance(text, bytes) else None))
            except ValueError:
                undecoded += 1
                turns = []
            started = row["id"]
            start = ctx.time.unix_ms(started if str(started or "").isdigit() else None)
            times = [moment for moment, _speaker, _text in turns if moment]
            duration = None
            if times and start.status == "ok" and max(times) >= int(started):
                duration = (max(times) - int(started)) / 1000
            yield Call(app=CALL_SCREEN, direction=INCOMING, start=start, duration_s=duration, missed=None,
                       locator=locator)
            lines = []
            for _moment, speaker, text in turns:
                if not text:
                    continue
                lines.append(f"[{text}]" if speaker == SPEAKER_EVENT else f"{_SPEAKERS.get(speaker, 'Unknown')}: {text}")
            recording = row["audioRecordingFilePath"]
            attachments = (Attachment(name=_url_name(recording), mime_type=_mime(recording), path=recording),) \
                if recording else ()
            yield Message(app=CALL_SCREEN, direction=INCOMING, service="call screen transcript",
                          thread_id=str(started) if started is not None else None,
                          sent=ctx.time.unix_ms(times[0]) if times else start,
                          received=ctx.time.unix_ms(row["lastModifiedMillis"]),
                          body="\n".join(lines) or None, attachments=attachments,
                          locator=ctx.locate(table=table, rowid=row["_rowid"]))
        if undecoded:
            yield ctx.warning(f"Call Screen database: {undecoded} transcript(s) could not be decoded (not protobuf)",
                              code="protobuf.unparsable")
