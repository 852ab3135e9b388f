"""Booking confirmations in e-mail: ``.eml`` (RFC 5322, recognised by its header block), mbox,
Apple Mail ``.emlx`` and Outlook PST/OST (libpff-python).

For every message: HTML parts (and attached ``.html``) go through the schema.org JSON-LD and
microdata reader of the HTML plugin; calendar parts and ``.ics`` attachments through the
calendar plugin's reader; ``.pkpass``/``.pkpasses`` attachments through the wallet plugin's
reader; ``application/ld+json`` attachments straight to the schema.org converter. PDF and image
attachments (boarding-pass barcodes) and plain-text BCBP strings belong to the boarding-pass
plugin and are skipped here.

Locators: ``member`` is "message N <Message-ID>" (N counts from 0 in file order; for a PST,
"folder/path/message N <Message-ID>", N counting within the folder), extended by
"/part K/<member>" for pass archives; ``pointer`` is the JSON pointer of the schema.org object,
prefixed by "/part/K" (K: the part's number in ``Message.walk()`` order, containers included;
in a PST, 0 is the HTML body and K the K-th attachment); for an mbox, ``offset`` and ``length``
give the message's bytes in the file.

An mbox is streamed message by message: only one message (at most MAX_MESSAGE bytes) is in
memory at a time, so a mailbox of any size is read in bounded memory. A password-protected PST
is reported ("password-protected: cannot open" in Outlook without the password); the password
of a PST is only a checksum, so libpff still reads the messages and they are processed.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any, BinaryIO

from forensic_triage.sdk import Context, Extractor, Locator, PluginWarning, Reservation, Select, Source
from forensic_triage.travel import schema_org
from forensic_triage_plugins.calendar_reservations import read_calendar
from forensic_triage_plugins.html_reservations import has_structured_data, read_html
from forensic_triage_plugins.wallet_passes import read_pass_archive

MAX_MESSAGE = 32 << 20          # bytes of one message kept for parsing
MAX_LINE = 1 << 20
MAX_PARTS = 2000                # MIME parts walked in one message
MAX_ATTACHMENT = 32 << 20
MAX_PST_DEPTH = 64

PST_MAGIC = b"!BDN"
_FROM_LINE = re.compile(rb"^From \S*[ \t].*\d{1,2}:\d{2}")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_KNOWN_HEADERS = {b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
                  b"mime-version", b"delivered-to", b"content-type", b"reply-to", b"sender", b"x-mailer",
                  b"in-reply-to", b"references", b"thread-topic", b"x-original-to", b"dkim-signature"}
_WORTH_PARSING = (b"ld+json", b"itemscope", b"itemtype", b"vcalendar", b"text/calendar", b"application/ics",
                  b"pkpass", b".ics", b".vcs", b"jsonld", b"base64", b"utf-16", b"utf-32", b"uuencode")
_PST_PASSWORD = 0x67FF          # PidTagPstPassword: CRC-32 of the password, 0 when none
_MESSAGE_CLASS = 0x001A
_INTERNET_CPID = 0x3FDE
_ATTACH_MIME = 0x370E


@dataclass
class RawMessage:
    index: int
    data: bytes
    offset: int | None = None
    length: int | None = None
    truncated: bool = False


# --- containers ----------------------------------------------------------------------------------

def looks_like_message(head: bytes) -> bool:
    """An RFC 5322 header block at the start: header lines, at least one header every mail has."""
    head = head.lstrip(b"\xef\xbb\xbf")
    lines = head.splitlines()[:60]
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    known = 0
    for line in lines:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue
        if not _HEADER_LINE.match(line):
            return False
        if line.split(b":", 1)[0].strip().lower() in _KNOWN_HEADERS:
            known += 1
    return known >= 2 or (known >= 1 and len(lines) < 4)


def is_mbox(head: bytes) -> bool:
    return head.startswith(b"From ") and bool(_FROM_LINE.match(head.split(b"\n", 1)[0]))


def mbox_messages(stream: BinaryIO) -> Iterator[RawMessage]:
    """The messages of an mbox (mboxo/mboxrd), one at a time: a "From " line that carries a
    time (as every mbox writer puts there) starts a message; ">From " lines are unquoted."""
    stream.seek(0)
    offset = 0
    index = -1
    start = None
    parts: list[bytes] = []
    size = 0
    truncated = False
    at_line_start = True
    while True:
        line = stream.readline(MAX_LINE)
        if not line:
            break
        read = len(line)
        starts = at_line_start and line.startswith(b"From ") and (start is None or _FROM_LINE.match(line))
        if starts:
            if start is not None:
                yield RawMessage(index=index, data=b"".join(parts), offset=start, length=offset - start,
                                 truncated=truncated)
            index += 1
            start, parts, size, truncated = offset, [], 0, False
        elif start is not None:
            if at_line_start and line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]
            if size + len(line) <= MAX_MESSAGE:
                parts.append(line)
                size += len(line)
            else:
                truncated = True
        at_line_start = line.endswith(b"\n")
        offset += read
    if start is not None:
        yield RawMessage(index=index, data=b"".join(parts), offset=start, length=offset - start, truncated=truncated)


def emlx_message(data: bytes) -> tuple[bytes, str | None]:
    """The RFC 5322 message inside an Apple Mail .emlx (byte count line, message, plist)."""
    match = re.match(rb"\s*(\d+)[ \t]*\r?\n", data)
    if not match:
        return data, "no byte count line: read as a plain message"
    count = int(match.group(1))
    body = data[match.end():match.end() + count]
    if len(body) < count:
        return body, f"message declares {count} bytes, {len(body)} present (truncated)"
    return body, None


def count_messages(path) -> int:
    """How many messages a mail file holds (.eml/.emlx: 1; mbox; PST/OST: every message item)."""
    with open(path, "rb") as handle:
        head = handle.read(64)
        handle.seek(0)
        if head.startswith(PST_MAGIC):
            import pypff

            pst = pypff.file()
            pst.open_file_object(handle)
            try:
                return sum(1 for _ in pst_messages(pst.root_folder, "", 0))
            finally:
                pst.close()
        if is_mbox(head):
            return sum(1 for _ in mbox_messages(handle))
        return 1


# --- one message ---------------------------------------------------------------------------------

class _Here:
    """The plugin's Context, with every locator it makes pinned to one message's bytes."""

    def __init__(self, ctx: Context, offset: int | None, length: int | None) -> None:
        self._ctx, self._offset, self._length = ctx, offset, length

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    def locate(self, **fields: Any) -> Locator:
        if fields.get("offset") is None and self._offset is not None:
            fields["offset"], fields["length"] = self._offset, self._length
        return self._ctx.locate(**fields)


def _message_id(message: Message) -> str | None:
    try:
        value = message.get("Message-ID") or message.get("Message-Id")
    except Exception:  # noqa: BLE001 - a malformed header reads as absent
        return None
    return " ".join(str(value).split()) or None if value else None


def _filename(part: Message) -> str:
    try:
        return (part.get_filename() or "").strip()
    except Exception:  # noqa: BLE001 - broken RFC 2231 parameters
        return ""


def _payload(part: Message) -> bytes | None:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding
        return None
    return payload if isinstance(payload, bytes) else None


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None
    if not charset:
        return None
    try:
        import codecs

        codecs.lookup(charset)
    except (LookupError, ValueError):   # ValueError: a damaged header's charset name holds a NUL
        return None
    return charset


def part_reservations(ctx, *, content_type: str, filename: str, data: bytes, charset: str | None, member: str,
                      part: int) -> Iterator[Reservation | PluginWarning]:
    """Reservations in one body part or attachment of a message."""
    name = filename.lower()
    prefix = f"/part/{part}"
    if content_type in ("text/html", "application/xhtml+xml") or name.endswith((".html", ".htm")):
        if has_structured_data(data):
            yield from read_html(ctx, data, charset=charset, member=member, pointer_prefix=prefix)
    elif content_type in ("text/calendar", "application/ics", "text/x-vcalendar") or \
            name.endswith((".ics", ".vcs", ".ical")) or \
            (content_type == "text/plain" and data.lstrip()[:15].upper() == b"BEGIN:VCALENDAR"):
        yield from read_calendar(ctx, io.BytesIO(data), member=member, pointer_prefix=prefix)
    elif content_type in ("application/vnd.apple.pkpass", "application/vnd.apple.pkpasses") or \
            name.endswith((".pkpass", ".pkpasses")):
        yield from read_pass_archive(ctx, data, member_prefix=f"{member}/part {part}/")
    elif content_type == "application/ld+json" or name.endswith(".jsonld"):
        try:
            document = schema_org.loads_lenient(data.decode(charset or "utf-8", "replace"))
        except ValueError as exc:
            yield ctx.warning(f"JSON-LD attachment is not valid JSON: {exc}", code="mail.bad_jsonld",
                              locator=ctx.locate(member=member, pointer=prefix))
            return
        yield from schema_org.reservations(document, origin="json-ld",
                                           locate=lambda p: ctx.locate(member=member, pointer=p), pointer=prefix)


def worth_parsing(raw: bytes) -> bool:
    """Whether a message can hold anything this plugin reads: a byte search before the MIME
    parse, so the many messages without bookings cost little. Encoded bodies (base64, UTF-16)
    always count; quoted-printable soft line breaks are joined before searching."""
    lowered = raw.lower()
    if b"=\n" in lowered:
        lowered = lowered.replace(b"=\r\n", b"").replace(b"=\n", b"")
    return any(marker in lowered for marker in _WORTH_PARSING)


def message_reservations(ctx, raw: bytes, *, index: int, member_prefix: str = "", offset: int | None = None,
                         length: int | None = None) -> Iterator[Reservation | PluginWarning]:
    """Reservations in one RFC 5322 message."""
    if not worth_parsing(raw):
        return
    here = _Here(ctx, offset, length)
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient; anything else is damage
        yield here.warning(f"message {index} could not be parsed: {exc}", code="mail.unparsable",
                           locator=here.locate(member=f"{member_prefix}message {index}"))
        return
    message_id = _message_id(message)
    member = f"{member_prefix}message {index}" + (f" {message_id}" if message_id else "")
    try:
        yield from _parts(here, message, member)
    except Exception as exc:  # noqa: BLE001 - one damaged message must not hide the rest of a mailbox
        yield here.warning(f"{member}: could not be read ({type(exc).__name__}: {exc})", code="mail.unreadable",
                           locator=here.locate(member=member))


def _parts(here, message: Message, member: str) -> Iterator[Reservation | PluginWarning]:
    for number, part in enumerate(message.walk()):
        if number >= MAX_PARTS:
            yield here.warning(f"more than {MAX_PARTS} MIME parts: the rest were not read", code="mail.too_many_parts",
                               locator=here.locate(member=member))
            break
        if part.is_multipart():
            continue
        try:
            content_type = part.get_content_type().lower()
        except Exception:  # noqa: BLE001
            content_type = "application/octet-stream"
        if content_type.startswith(("image/", "audio/", "video/")) or content_type == "application/pdf":
            continue  # barcodes in images and PDFs: the boarding-pass plugin
        filename = _filename(part)
        data = _payload(part)
        if not data:
            continue
        if len(data) > MAX_ATTACHMENT:
            yield here.warning(f"part {number} of {len(data)} bytes skipped (limit {MAX_ATTACHMENT})",
                               code="mail.part_too_large",
                               locator=here.locate(member=member, pointer=f"/part/{number}"))
            continue
        yield from part_reservations(here, content_type=content_type, filename=filename, data=data,
                                     charset=_charset(part), member=member, part=number)


# --- PST / OST -----------------------------------------------------------------------------------

def _entry(item, entry_type: int):
    try:
        for index in range(item.number_of_record_sets):
            entry = item.get_record_set(index).get_entry_by_type(entry_type)
            if entry is not None:
                return entry
    except (OSError, IOError, AttributeError, TypeError):
        return None
    return None


def _entry_int(item, entry_type: int) -> int | None:
    entry = _entry(item, entry_type)
    if entry is None:
        return None
    try:
        return entry.get_data_as_integer()
    except (OSError, IOError, TypeError, ValueError):
        return None


def _entry_text(item, entry_type: int) -> str | None:
    entry = _entry(item, entry_type)
    if entry is None:
        return None
    try:
        return entry.get_data_as_string()
    except (OSError, IOError, TypeError, ValueError, UnicodeDecodeError):
        return None


# libpff reports damaged structures as IOError, and as MemoryError when a corrupt size makes it fail to
# "create" an object; ValueError covers undecodable names.
_PFF_ERRORS = (OSError, MemoryError, ValueError)


def pst_messages(folder, path: str = "", depth: int = 0) -> Iterator[tuple[str, int, Any]]:
    """(folder path, index in folder, message item) for every message item below a folder
    (e-mail, appointment, contact, ...: what Outlook lists as a folder's items)."""
    if depth > MAX_PST_DEPTH:
        return
    try:
        count = folder.number_of_sub_messages
    except _PFF_ERRORS:
        count = 0
    for index in range(count):
        try:
            yield path, index, folder.get_sub_message(index)
        except _PFF_ERRORS as exc:
            yield path, index, exc
    try:
        folders = folder.number_of_sub_folders
    except _PFF_ERRORS:
        folders = 0
    for index in range(folders):
        try:
            child = folder.get_sub_folder(index)
            name = child.name or f"folder {index}"
        except _PFF_ERRORS:
            continue
        yield from pst_messages(child, f"{path}/{name}" if path else name, depth + 1)


def _codepage(cpid: int | None) -> str | None:
    if not cpid:
        return None
    name = {65001: "utf-8", 28591: "iso-8859-1", 20127: "ascii", 1200: "utf-16-le", 50220: "iso2022_jp",
            51932: "euc_jp", 936: "gbk", 949: "cp949", 950: "big5"}.get(cpid) or f"cp{cpid}"
    if cpid in range(28591, 28606):
        name = f"iso-8859-{cpid - 28590}"
    try:
        import codecs

        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _headers_message_id(headers: str | None) -> str | None:
    if not headers:
        return None
    match = re.search(r"(?im)^message-id:\s*(.+?)\s*$", headers)
    return match.group(1) if match else None


def pst_reservations(ctx: Context, handle: BinaryIO) -> Iterator[Reservation | PluginWarning]:
    import pypff

    pst = pypff.file()
    try:
        pst.open_file_object(handle)
    except _PFF_ERRORS as exc:
        yield ctx.warning(f"PST/OST cannot be opened: {exc}", code="mail.pst_unreadable", locator=ctx.locate(offset=0))
        return
    try:
        store = None
        try:
            store = pst.get_message_store()
        except _PFF_ERRORS:
            pass
        checksum = _entry_int(store, _PST_PASSWORD) if store is not None else None
        if checksum:
            yield ctx.warning(f"password-protected: cannot open in Outlook without the password (password CRC-32 "
                              f"0x{checksum & 0xFFFFFFFF:08x}); a PST password does not encrypt, the messages were "
                              f"read anyway", code="mail.pst_password", locator=ctx.locate(offset=0))
        try:
            root = pst.get_root_folder()
        except _PFF_ERRORS as exc:
            yield ctx.warning(f"PST/OST folders unreadable: {exc}", code="mail.pst_unreadable",
                              locator=ctx.locate(offset=0))
            return
        for number, (path, index, message) in enumerate(pst_messages(root, "", 0)):
            member = f"{path}/message {index}" if path else f"message {index}"
            if isinstance(message, Exception):
                yield ctx.warning(f"{member} unreadable: {message}", code="mail.pst_message_unreadable",
                                  locator=ctx.locate(member=member))
                continue
            try:
                yield from _pst_message(ctx, message, member)
            except Exception as exc:  # noqa: BLE001 - one damaged message must not hide the rest of the store
                yield ctx.warning(f"{member}: could not be read ({type(exc).__name__}: {exc})", code="mail.unreadable",
                                  locator=ctx.locate(member=member))
    finally:
        pst.close()


def _pst_message(ctx: Context, message, member: str) -> Iterator[Reservation | PluginWarning]:
    if not hasattr(message, "get_html_body"):
        return  # an item without message properties (free/busy data, ...)
    try:
        headers = message.get_transport_headers()
    except (OSError, IOError, UnicodeDecodeError):
        headers = None
    message_id = _headers_message_id(headers)
    if message_id:
        member = f"{member} {message_id}"
    charset = _codepage(_entry_int(message, _INTERNET_CPID))
    try:
        html = message.get_html_body()
    except (OSError, IOError) as exc:
        html = None
        yield ctx.warning(f"{member}: HTML body unreadable: {exc}", code="mail.pst_body_unreadable",
                          locator=ctx.locate(member=member))
    if html:
        yield from part_reservations(ctx, content_type="text/html", filename="", data=bytes(html), charset=charset,
                                     member=member, part=0)
    try:
        attachments = message.number_of_attachments
    except (OSError, IOError):
        attachments = 0
    for index in range(attachments):
        try:
            attachment = message.get_attachment(index)
            name = ""
            try:
                name = attachment.get_long_filename() or ""
            except (OSError, IOError, AttributeError):
                pass
            mime = (_entry_text(attachment, _ATTACH_MIME) or "").lower()
            size = attachment.get_size() or 0
        except (OSError, IOError) as exc:
            yield ctx.warning(f"{member}: attachment {index} unreadable: {exc}", code="mail.pst_attachment_unreadable",
                              locator=ctx.locate(member=member))
            continue
        lowered = name.lower()
        wanted = lowered.endswith((".ics", ".vcs", ".pkpass", ".pkpasses", ".html", ".htm", ".jsonld")) or mime in (
            "text/calendar", "application/ics", "application/vnd.apple.pkpass", "application/vnd.apple.pkpasses",
            "text/html", "application/ld+json")
        if not wanted:
            continue
        if size > MAX_ATTACHMENT:
            yield ctx.warning(f"{member}: attachment {name!r} of {size} bytes skipped", code="mail.part_too_large",
                              locator=ctx.locate(member=member))
            continue
        try:
            data = attachment.read_buffer(size) if size else b""
        except (OSError, IOError) as exc:
            yield ctx.warning(f"{member}: attachment {name!r} unreadable: {exc}", code="mail.pst_attachment_unreadable",
                              locator=ctx.locate(member=member))
            continue
        yield from part_reservations(ctx, content_type=mime, filename=name, data=bytes(data), charset=None,
                                     member=member, part=index + 1)


# --- the plugin ----------------------------------------------------------------------------------

class MailReservations(Extractor):
    name = "travel.mail"
    version = "1.0.0"
    description = ("Booking confirmations in e-mail (.eml, mbox, Apple Mail .emlx, Outlook PST/OST): schema.org "
                   "JSON-LD/microdata in HTML, calendar and Wallet-pass attachments.")
    selects = [Select(glob="**/*.eml"), Select(glob="**/*.emlx"), Select(glob="**/*.mbox"), Select(glob="**/*.mbx"),
               Select(glob="**/*.pst"), Select(glob="**/*.ost"), Select(glob="**/mbox"),
               Select(magic=PST_MAGIC), Select(magic=b"From "),
               Select(magic=b"Return-Path:"), Select(magic=b"Received:"), Select(magic=b"Delivered-To:"),
               Select(magic=b"MIME-Version:"), Select(magic=b"Message-ID:"), Select(magic=b"Message-Id:"),
               Select(magic=b"From:"), Select(magic=b"Date:"), Select(magic=b"X-Mozilla-Status:"),
               Select(magic=b"X-Apple-"), Select(magic=b"X-Original-To:"), Select(magic=b"DKIM-Signature:"),
               Select(magic=b"ARC-Seal:")]
    kinds = [Reservation]
    time_limit = 1800.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        head = ctx.read_bytes(limit=8192)
        lowered = source.name.lower()
        if head.startswith(PST_MAGIC):
            with ctx.open() as handle:
                yield from pst_reservations(ctx, handle)
            return
        if is_mbox(head):
            with ctx.open() as handle:
                for raw in mbox_messages(handle):
                    if raw.truncated:
                        yield ctx.warning(f"message {raw.index} is over {MAX_MESSAGE} bytes: only its start was read",
                                          code="mail.message_truncated",
                                          locator=ctx.locate(offset=raw.offset, length=raw.length))
                    yield from message_reservations(ctx, raw.data, index=raw.index, offset=raw.offset,
                                                    length=raw.length)
            return
        if lowered.endswith(".emlx") or re.match(rb"\s*\d+[ \t]*\r?\n", head):
            data = ctx.read_bytes(limit=MAX_MESSAGE + 64)
            body, problem = emlx_message(data)
            if problem is not None and not lowered.endswith(".emlx") and not looks_like_message(body[:8192]):
                return
            if problem:
                yield ctx.warning(f"emlx: {problem}", code="mail.emlx", locator=ctx.locate(offset=0))
            yield from message_reservations(ctx, body, index=0)
            return
        if not looks_like_message(head):
            if lowered.endswith((".eml", ".mbox", ".mbx", ".pst", ".ost")):
                yield ctx.warning("not an e-mail message: no RFC 5322 header block at the start", code="mail.not_mail",
                                  locator=ctx.locate(offset=0))
            return
        if source.size > MAX_MESSAGE:
            yield ctx.warning(f"message of {source.size} bytes: only the first {MAX_MESSAGE} read",
                              code="mail.message_truncated", locator=ctx.locate(offset=0, length=MAX_MESSAGE))
        yield from message_reservations(ctx, ctx.read_bytes(limit=MAX_MESSAGE), index=0)
