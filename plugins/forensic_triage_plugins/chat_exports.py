"""Text chat transcripts: WhatsApp "Export chat" files and XChat/HexChat IRC logs.

WhatsApp "Export chat" (``WhatsApp Chat with NAME.txt`` on Android, ``_chat.txt`` inside
``WhatsApp Chat - NAME.zip`` on iOS). One message starts on a line with a header; the lines
that follow, up to the next header, belong to it (multi-line messages). Header forms handled:

- Android: ``12/31/21, 9:15 PM - Name: text`` (US), ``31.12.21, 21:15 - Name: text``,
  ``31/12/2021, 21:15 - Name: text``, ``2021-12-31 21:15 - Name: text`` (the space before AM/PM
  may be U+202F, as recent Android builds write it);
- iOS: ``[31/12/2021, 21:15:42] Name: text`` and ``[12/31/21, 9:15:42 PM] Name: text``, with the
  U+200E mark WhatsApp puts before system lines and attachments.

System lines ("Messages and calls are end-to-end encrypted ...", "Anna added Bob", lines without
"Name: ", and iOS lines whose text starts with U+200E) are not messages: they are counted in one
``export.skipped`` warning. Attachments (``<attached: 00000012-PHOTO-2021-12-31-21-15-42.jpg>``,
``IMG-20211231-WA0001.jpg (file attached)`` and its translations) become Attachment entries with
the file name and a MIME type from a fixed extension table; ``<Media omitted>`` stays as the body
text, because it is what the file says.

Time convention (what a court can rely on). An export writes the phone's local wall-clock time
and no time zone, and the day/month order follows the phone's locale. Nothing in the file says
which zone, so this plugin does not place these times on the UTC line: every time is a
``TimeValue`` with ``utc=None``, ``raw`` = the exact date/time text of the header, ``status`` "ok"
(the value was read as written) and ``encoding`` = ``whatsapp_export_local_no_zone:`` followed by
the wall-clock time in ISO 8601 form without an offset (``...:2021-12-31T21:15``), so messages
of one export still sort. This follows the project's rule for FAT and ZIP times
(``dos_local_no_zone:``). The day/month order is established per file from the file itself (a
first field above 12 means day first, a second field above 12 means month first; dotted dates are
day first); when the file does not settle it, the encoding stays ``..._no_zone:ambiguous`` and a
``export.date_order_ambiguous`` warning says so. Two-digit years are read as 20yy (WhatsApp
exports exist since 2013). Each file also gets one ``time.no_zone`` warning telling the examiner
that the device's zone must be established (e.g. from the phone's settings) before these times
are compared with UTC evidence. Direction is ``unknown``: an export does not say which name is
the phone's owner.

IRC: XChat/HexChat text logs (``logs/NETWORK/#channel.log``, XChat's
``xchatlogs/NETWORK-#channel.log``): ``Dec 31 21:15:42 <nick>\\ttext`` lines under
``**** BEGIN LOGGING AT Fri Dec 31 21:15:00 2021`` (the year comes from that line; these too are
local times with no zone, encoding ``irc_log_local_no_zone:``), and HexChat scrollback files
(``scrollback/NETWORK/#channel.txt``) whose ``T 1640985342 <nick>\\ttext`` lines carry Unix
seconds (UTC). Join/part/mode/action lines (``-->``, ``<--``, ``---``, ``*``) are events, not
messages, and are counted. App "IRC"; ``thread_name`` is the channel from the file name.

Sources: WhatsApp FAQ "How to export your chat history"; the export formats as handled by the
open-source parsers whatstk, chat-miner and WhatsApp-Chat-Exporter (line patterns, system
lines, attachment markers); HexChat ``src/common/text.c`` (log and scrollback writers) and the
XChat 2 log format.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from forensic_triage.sdk import UNKNOWN, Attachment, Context, Extractor, Message, PluginWarning, Select, Source
from forensic_triage.sdk.times import TimeValue

MAX_LINE = 1 << 20          # characters read per line at once (a longer line continues)
MAX_BODY = 4 << 20          # characters kept per message; more is cut and reported

WHATSAPP = "WhatsApp"
IRC = "IRC"
LRM = "\u200e"
RLM = "\u200f"

_DATE = r"(?P<date>\d{1,4}(?P<sep>[./-])\d{1,2}(?P=sep)\d{1,4})"
_TIME = r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)(?:[ \u202f\u00a0]?(?P<ampm>[AaPp]\.?[ \u202f\u00a0]?[Mm]\.?))?"
ANDROID_HEADER = re.compile(rf"^{_DATE},?[ \u202f\u00a0]{_TIME}[ \u202f\u00a0][-\u2013][ \u202f\u00a0](?P<rest>.*)$")
IOS_HEADER = re.compile(rf"^[{LRM}{RLM}]?\[{_DATE},?[ \u202f\u00a0]{_TIME}\][ \u202f\u00a0](?P<rest>.*)$")
SENDER = re.compile(r"^(?P<name>[^:\n]{1,120}?): (?P<text>.*)$", re.DOTALL)
IOS_ATTACHED = re.compile(rf"^[{LRM}]?<attached: (?P<file>[^>]+)>\s*", re.IGNORECASE)
ANDROID_ATTACHED = re.compile(
    rf"^[{LRM}]?(?P<file>[^\n/\\]+?\.\w{{1,8}}) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|"
    r"arquivo anexado|file allegato|bestand bijgevoegd|plik załączony|dosya ekli|файл прикреплен)\)\s*",
    re.IGNORECASE)
# The encryption notice, when a parser would otherwise read its first words as a sender.
SYSTEM_PREFIXES = ("Messages and calls are end-to-end encrypted", "Messages to this group are now secured",
                   "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
                   "Los mensajes y las llamadas están cifrados de extremo a extremo",
                   "Les messages et les appels sont chiffrés de bout en bout",
                   "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta")

MIME_BY_EXTENSION = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "heic": "image/heic", "mp4": "video/mp4", "3gp": "video/3gpp", "mov": "video/quicktime",
    "opus": "audio/ogg", "ogg": "audio/ogg", "m4a": "audio/mp4", "mp3": "audio/mpeg", "aac": "audio/aac",
    "pdf": "application/pdf", "vcf": "text/vcard", "txt": "text/plain", "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip": "application/zip",
}
EXPORT_NAME = re.compile(r"^(?:WhatsApp[ -]Chat (?:with|mit|-|met|con|avec)|Chat de WhatsApp con|"
                         r"Conversa do WhatsApp com|Discussion WhatsApp avec) (?P<name>.+?)(?:\.txt|\.zip)?$",
                         re.IGNORECASE)


def mime_for(name: str | None) -> str | None:
    if not name or "." not in name:
        return None
    return MIME_BY_EXTENSION.get(name.rsplit(".", 1)[1].lower())


def _lines(ctx: Context) -> Iterator[tuple[int, str]]:
    """(line number, text without the newline) with invalid UTF-8 replaced by U+FFFD; a line longer
    than MAX_LINE comes in several pieces with the same number."""
    handle = io.TextIOWrapper(ctx.open(), encoding="utf-8", errors="replace", newline=None)
    number = 0
    continued = False
    while True:
        chunk = handle.readline(MAX_LINE)
        if not chunk:
            return
        if not continued:
            number += 1
        if number == 1 and not continued:
            chunk = chunk.lstrip("\ufeff")
        continued = not chunk.endswith("\n")
        yield number, chunk.rstrip("\n")


# --- WhatsApp exports --------------------------------------------------------------------------------

@dataclass
class _DateOrder:
    day_first: bool = False      # a first field above 12 was seen
    month_first: bool = False    # a second field above 12 was seen
    year_first: bool = False
    dotted: bool = False

    def see(self, date: str, sep: str) -> None:
        a, b, _year = re.split(r"[./-]", date)
        if len(a) == 4:
            self.year_first = True
            return
        if int(a) > 12:
            self.day_first = True
        if int(b) > 12:
            self.month_first = True
        if sep == ".":
            self.dotted = True

    def decide(self) -> str | None:
        """'dmy', 'mdy', 'ymd', or None when the file does not settle it."""
        if self.year_first:
            return "ymd"
        if self.day_first and not self.month_first:
            return "dmy"
        if self.month_first and not self.day_first:
            return "mdy"
        if not self.day_first and not self.month_first and self.dotted:
            return "dmy"
        return None


def wallclock(date: str, time_text: str, ampm: str | None, order: str | None) -> str | None:
    """ISO 8601 local wall-clock text (no offset) of an export header, or None when the date order
    is unknown or the values are not a date."""
    if order is None:
        return None
    parts = [int(value) for value in re.split(r"[./-]", date)]
    if order == "ymd":
        year, month, day = parts
    elif order == "dmy":
        day, month, year = parts
    else:
        month, day, year = parts
    if year < 100:
        year += 2000
    clock = [int(value) for value in re.split(r"[:.]", time_text)]
    hour, minute = clock[0], clock[1]
    second = clock[2] if len(clock) > 2 else None
    if ampm:
        marker = ampm.replace(".", "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "").lower()
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if marker == "pm" else 0)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and (second is None or second < 60)):
        return None
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"
    return text + (f":{second:02d}" if second is not None else "")


def parse_header(line: str) -> dict | None:
    """The parts of a WhatsApp export header line, or None when the line continues a message.
    Never raises."""
    try:
        match = IOS_HEADER.match(line) or ANDROID_HEADER.match(line)
    except (TypeError, re.error):
        return None
    if not match:
        return None
    parts = match.groupdict()
    parts["ios"] = match.re is IOS_HEADER
    raw_start, raw_end = match.start("date"), match.end("ampm") if parts.get("ampm") else match.end("time")
    parts["raw"] = line[raw_start:raw_end]
    return parts


def split_sender(rest: str, ios: bool) -> tuple[str | None, str]:
    """(sender, text) of a header's remainder; sender None for a system line."""
    match = SENDER.match(rest)
    if not match:
        return None, rest
    name, text = match.group("name"), match.group("text")
    if name.startswith((LRM, RLM)) or any(mark in name for mark in '"\u201c\u201d\u00ab\u00bb'):
        return None, rest     # a system line whose own text holds ": " ('changed the subject to "a: b"')
    if ios and text.startswith(LRM) and not IOS_ATTACHED.match(text):
        return None, text     # iOS marks system lines ("X added Y") with U+200E after the chat's name
    return name.strip(), text


def export_thread(source: Source) -> str | None:
    match = EXPORT_NAME.match(source.name)
    if match:
        return match.group("name").strip()
    folder = source.path.rsplit("/", 2)
    if source.name.lower() == "_chat.txt" and len(folder) >= 2:
        match = EXPORT_NAME.match(folder[-2])
        if match:
            return match.group("name").strip()
    return None


class WhatsAppExport(Extractor):
    name = "export.whatsapp.chat"
    version = "1.0.0"
    description = "WhatsApp 'Export chat' text files (Android and iOS formats)."
    selects = [
        Select(glob="**/WhatsApp Chat*.txt"),
        Select(glob="**/WhatsApp-Chat*.txt"),
        Select(glob="**/_chat.txt"),
        Select(glob="**/Chat de WhatsApp*.txt"),
        Select(glob="**/Conversa do WhatsApp*.txt"),
        Select(glob="**/Discussion WhatsApp*.txt"),
    ]
    kinds = [Message]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | PluginWarning]:
        order_seen = _DateOrder()
        headers = 0
        for _number, line in _lines(ctx):
            parts = parse_header(line)
            if parts:
                headers += 1
                order_seen.see(parts["date"], parts["sep"])
        if headers == 0:
            yield ctx.warning(f"{WHATSAPP}: {source.name} holds no WhatsApp export header line; not an export",
                              code="export.not_recognised")
            return
        order = order_seen.decide()
        if order is None:
            yield ctx.warning(f"{WHATSAPP}: {source.name}: the day/month order of its dates cannot be established "
                              f"from the file (no day above 12); dates are kept as written only",
                              code="export.date_order_ambiguous")
        yield ctx.warning(f"{WHATSAPP}: {source.name} records local wall-clock times with no time zone; they are "
                          f"kept as written (utc unknown) until the device's zone is established",
                          code="time.no_zone", date_order=order or "ambiguous")
        thread = export_thread(source)
        skipped: Counter = Counter()
        state = {"replaced": False, "cut": 0}
        current: dict | None = None
        for number, line in _lines(ctx):
            if "\ufffd" in line:
                state["replaced"] = True
            parts = parse_header(line)
            if parts is None:
                if current is not None:
                    _append(current, line, state)
                continue
            if current is not None:
                item = _export_message(ctx, source, current, thread, order, skipped)
                if item is not None:
                    yield item
            current = {"parts": parts, "line": number, "body": [parts["rest"]], "size": len(parts["rest"])}
        if current is not None:
            item = _export_message(ctx, source, current, thread, order, skipped)
            if item is not None:
                yield item
        if skipped:
            text = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
            yield ctx.warning(f"{WHATSAPP}: lines that are not messages were left out: {text}", code="export.skipped")
        if state["replaced"]:
            yield ctx.warning(f"{WHATSAPP}: {source.name} is not valid UTF-8 throughout; invalid bytes were replaced "
                              f"by U+FFFD", code="text.invalid_utf8")
        if state["cut"]:
            yield ctx.warning(f"{WHATSAPP}: {state['cut']} messages longer than {MAX_BODY} characters were cut",
                              code="export.body_cut")


def _append(current: dict, line: str, state: dict) -> None:
    if current["size"] >= MAX_BODY:
        if not current.get("cut"):
            current["cut"] = True
            state["cut"] += 1
        return
    current["body"].append(line)
    current["size"] += len(line) + 1


def _export_message(ctx: Context, source: Source, current: dict, thread: str | None, order: str | None,
                    skipped: Counter) -> Message | None:
    parts = current["parts"]
    rest = "\n".join(current["body"])
    sender, text = split_sender(rest, parts["ios"])
    if sender is None or text.lstrip(LRM).startswith(SYSTEM_PREFIXES):
        skipped["system lines"] += 1
        return None
    attachments = ()
    match = IOS_ATTACHED.match(text) or ANDROID_ATTACHED.match(text)
    if match:
        name = match.group("file").strip()
        attachments = (Attachment(name=name, mime_type=mime_for(name)),)
        text = text[match.end():]
    body = text.lstrip(LRM) if text.strip(LRM + " \n") else None
    clock = wallclock(parts["date"], parts["time"], parts.get("ampm"), order)
    sent = TimeValue(utc=None, raw=parts["raw"],
                     encoding="whatsapp_export_local_no_zone:" + (clock or "ambiguous"), status="ok")
    return Message(app=WHATSAPP, body=body, thread_id=source.path, thread_name=thread, sender=sender,
                   direction=UNKNOWN, service="export", sent=sent, attachments=attachments,
                   locator=ctx.locate(line=current["line"]))


# --- IRC logs ----------------------------------------------------------------------------------------

MONTHS = {name: index for index, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
BEGIN_LOG = re.compile(r"^\*\*\*\* BEGIN LOGGING AT \w{3} (?P<mon>\w{3}) +(?P<day>\d{1,2}) "
                       r"(?P<time>\d{2}:\d{2}:\d{2}) (?P<year>\d{4})")
LOG_LINE = re.compile(r"^(?P<stamp>(?P<mon>[A-Za-z]{3}) +(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2}:\d{2})) "
                      r"(?P<who>\S+)[\t ](?P<text>.*)$")
SCROLLBACK_LINE = re.compile(r"^T (?P<epoch>-?\d{1,12}) (?P<who>[^\t]*)\t(?P<text>.*)$")
FORMATTING = re.compile(r"\x03(?:\d{1,2}(?:,\d{1,2})?)?|[\x02\x0f\x16\x1d\x1e\x1f\x11\x04]")
NICK = re.compile(r"^<[~&@%+]?(?P<nick>[^>\s]+)>$")


def irc_thread(source: Source) -> tuple[str | None, str | None]:
    """(network, channel) from the log's path: hexchat/logs/NETWORK/#chan.log,
    xchatlogs/NETWORK-#chan.log, hexchat/scrollback/NETWORK/#chan.txt."""
    stem = source.name.rsplit(".", 1)[0]
    parents = source.path.split("/")[:-1]
    if parents and parents[-1].lower() == "xchatlogs" and "-" in stem:
        network, _, channel = stem.partition("-")
        return network, channel
    network = parents[-1] if parents and parents[-1].lower() not in ("logs", "scrollback") else None
    return network, stem


class IrcLogs(Extractor):
    name = "desktop.hexchat.logs"
    version = "1.0.0"
    description = "XChat/HexChat IRC logs and HexChat scrollback files."
    selects = [
        Select(glob="**/hexchat/logs/**/*.log"),
        Select(glob="**/xchat2/xchatlogs/*.log"),
        Select(glob="**/.xchat2/xchatlogs/*.log"),
        Select(glob="**/hexchat/scrollback/**/*.txt"),
    ]
    kinds = [Message]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | PluginWarning]:
        network, channel = irc_thread(source)
        thread_id = f"{network}/{channel}" if network else channel
        scrollback = "/scrollback/" in "/" + source.path.lower()
        year = None
        last_month = None
        skipped: Counter = Counter()
        replaced = False
        local_times = 0
        for number, line in _lines(ctx):
            if "\ufffd" in line:
                replaced = True
            match = SCROLLBACK_LINE.match(line) if line.startswith("T ") else None
            if match:
                sent = ctx.time.unix_s(match.group("epoch"))
            elif scrollback:
                if line.strip():
                    skipped["unrecognised lines"] += 1
                continue
            else:
                begin = BEGIN_LOG.match(line)
                if begin:
                    year, last_month = int(begin.group("year")), MONTHS.get(begin.group("mon").lower())
                    continue
                match = LOG_LINE.match(line)
                if not match:
                    if line.strip() and not line.startswith("**** "):
                        skipped["unrecognised lines"] += 1
                    continue
                month = MONTHS.get(match.group("mon").lower())
                if year is not None and month is not None and last_month is not None and month < last_month:
                    year += 1          # the log ran past New Year
                last_month = month or last_month
                clock = None
                if year is not None and month is not None:
                    clock = f"{year:04d}-{month:02d}-{int(match.group('day')):02d}T{match.group('time')}"
                sent = TimeValue(utc=None, raw=match.group("stamp"),
                                 encoding="irc_log_local_no_zone:" + (clock or "year_unknown"), status="ok")
                local_times += 1
            who = FORMATTING.sub("", match.group("who")).strip()
            nick = NICK.match(who)
            if not nick:
                skipped["events (joins, parts, modes, actions)"] += 1
                continue
            yield Message(app=IRC, body=match.group("text"), thread_id=thread_id, thread_name=channel,
                          sender=nick.group("nick"), recipients=(channel,) if channel else (), direction=UNKNOWN,
                          service="HexChat scrollback" if sent.encoding == "unix_s" else "XChat/HexChat log", sent=sent,
                          locator=ctx.locate(line=number))
        if local_times:
            yield ctx.warning(f"{IRC}: {source.name} records local times with no zone; kept as written (utc unknown)",
                              code="time.no_zone")
        if skipped:
            text = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
            yield ctx.warning(f"{IRC}: lines that are not messages were left out: {text}", code="irc.skipped")
        if replaced:
            yield ctx.warning(f"{IRC}: {source.name} is not valid UTF-8 throughout; invalid bytes were replaced",
                              code="text.invalid_utf8")
