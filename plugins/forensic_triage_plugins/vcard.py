"""vCard files (2.1, 3.0, 4.0): one contact per card, parsed with the ``vobject`` library.

Exporters bend the standards, so each card's lines are first put into the shape vobject reads,
here, before vobject parses them:

- line ends: CRLF, LF, CR alone, and the CR CR LF some iOS exports write;
- folding: a line starting with a space or tab continues the one before (RFC 2425/6350), and a
  vCard 2.1 quoted-printable value continues after a line ending in "=" (a soft line break),
  also across the blank line some Android versions put there;
- vCard 2.1 base64 blocks (PHOTO, LOGO, SOUND, KEY) that run over unindented lines and end with
  a blank line; binary values are not needed for a contact and are left out before parsing;
- quoted-printable values are decoded, and every value's bytes are read with the charset the
  line declares (CHARSET=...), else UTF-8, else Windows-1252, else ISO-8859-1 — except that bytes
  that are mostly UTF-8 with some damage are read as UTF-8 with U+FFFD for the bad bytes (and a
  warning), rather than turned into Windows-1252 mojibake; UTF-16 files (with a BOM) are read too.
- a line vobject cannot parse is dropped with a warning naming its line; a card without
  END:VCARD is read as far as it goes, with a warning; the other cards always still come out.

Each contact's locator holds the line number of its BEGIN:VCARD (1-based) and the card's
byte offset and length in the file.
"""

from __future__ import annotations

import io
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import vobject
from vobject.base import VObjectError, textLineToContentLine

from forensic_triage.sdk import Contact, Context, Extractor, PluginWarning, Select, Source

APP = "vCard"
MAX_CARD_BYTES = 64 << 20        # one card larger than this is not a contact card (or is hostile)
MAX_LINE_BYTES = 16 << 20
SEARCH_BYTES = 1 << 16           # a file with no BEGIN:VCARD this far in is not a vCard file
BINARY_PROPERTIES = {"PHOTO", "LOGO", "SOUND", "KEY"}
# Instant-messaging properties -> the prefix their handles get (IMPP values are URIs already).
HANDLE_PROPERTIES = {
    "X-AIM": "aim", "X-ICQ": "icq", "X-JABBER": "xmpp", "X-MSN": "msn", "X-YAHOO": "yahoo", "X-SKYPE": "skype",
    "X-SKYPE-USERNAME": "skype", "X-GOOGLE-TALK": "gtalk", "X-GTALK": "gtalk", "X-QQ": "qq",
    "X-TWITTER": "twitter", "X-TELEGRAM": "telegram", "X-WHATSAPP": "whatsapp", "X-SIGNAL": "signal",
}
SINGLE_TEXT_PROPERTIES = {"FN", "TITLE", "ROLE", "NOTE"}
_BARE_COMMA = re.compile(r"(?<!\\),")
_BASE64_LINE = re.compile(rb"[A-Za-z0-9+/=]+")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_PROPERTY_START = re.compile(rb"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?[;:]")


def _begin(line: bytes) -> bool:
    return line.strip().upper() == b"BEGIN:VCARD"


def _end(line: bytes) -> bool:
    return line.strip().upper() == b"END:VCARD"


@dataclass
class _Card:
    line: int                      # line number of BEGIN:VCARD
    offset: int                    # byte offset of BEGIN:VCARD
    end: int                       # byte offset just past the card's last line
    utf16: bool = False
    lines: list[tuple[int, bytes]] = field(default_factory=list)
    depth: int = 1                 # nested cards (vCard 2.1 AGENT) keep the outer one open

    def locator(self, ctx: Context):
        if self.utf16:
            return ctx.locate(line=self.line)
        return ctx.locate(line=self.line, offset=self.offset, length=self.end - self.offset)


def _physical_lines(handle) -> Iterator[tuple[int, int, bytes, int]]:
    """(line number, byte offset, line without its end, offset where the next line starts) for
    each line, whatever the line ends (LF, CRLF, CR CR LF, CR alone)."""
    number, offset = 0, 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES)     # bounded: a file without line ends is not read whole
        if not raw:
            return
        body = raw.rstrip(b"\n").rstrip(b"\r")
        pieces = body.split(b"\r") if b"\r" in body else [body]
        start = offset
        for index, piece in enumerate(pieces):
            number += 1
            last = index == len(pieces) - 1
            end = offset + len(raw) if last else start + len(piece) + 1
            yield number, start, piece, end
            start = end
        offset += len(raw)


def _split_header(line: bytes) -> tuple[bytes, bytes] | None:
    """Split a logical line at the first colon outside double quotes: (name;params, value)."""
    index = line.find(b":")
    while index != -1 and line.count(b'"', 0, index) % 2:
        index = line.find(b":", index + 1)
    return None if index == -1 else (line[:index], line[index + 1:])


def _params(header: bytes) -> tuple[str, list[tuple[str | None, str]]]:
    """The property name (with group) and its parameters as (key or None, value) pairs."""
    parts, current, quoted = [], bytearray(), False
    for byte in header:
        if byte == 0x22:
            quoted = not quoted
        if byte == 0x3B and not quoted:
            parts.append(bytes(current))
            current = bytearray()
        else:
            current.append(byte)
    parts.append(bytes(current))
    name = parts[0].decode("latin-1").strip()
    params = []
    for part in parts[1:]:
        text = part.decode("latin-1").strip()
        if not text:
            continue
        key, sep, value = text.partition("=")
        params.append((key.strip(), value.strip()) if sep else (None, text))
    return name, params


def _is_qp(params) -> bool:
    return any((key or "").upper() == "ENCODING" and value.upper() == "QUOTED-PRINTABLE" or
               key is None and value.upper() == "QUOTED-PRINTABLE" for key, value in params)


def _is_base64(params) -> bool:
    return any((key or "").upper() == "ENCODING" and value.upper() in ("B", "BASE64") or
               key is None and value.upper() == "BASE64" for key, value in params)


def _charset(params) -> str | None:
    for key, value in params:
        if (key or "").upper() == "CHARSET" and value:
            return value.strip('"')
    return None


def _decode(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """The text of a value and, when the bytes were not what they claimed, why."""
    chain = [declared] if declared else []
    chain += ["utf-8", "cp1252", "latin-1"]
    first = chain[0]
    try:
        return data.decode(first), None
    except (UnicodeDecodeError, LookupError) as exc:
        failure = exc
    if first.lower().replace("_", "-") in ("utf-8", "utf8") and _UTF8_MULTIBYTE.search(data):
        return data.decode("utf-8", errors="replace"), f"not valid {first} ({failure}); bad bytes shown as U+FFFD"
    for codec in chain[1:]:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        note = None if declared is None and codec in ("cp1252", "utf-8") else f"not valid {first}; read as {codec}"
        return text, note
    return data.decode("latin-1"), None


def _escape(text: str) -> str:
    """Line breaks inside a decoded value, written as the vCard escape so the line stays one line."""
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _logical_lines(card: _Card) -> list[tuple[int, bytes]]:
    """Unfold a card's physical lines into logical ones (see the module docstring)."""
    logical: list[list] = []          # [line number, bytearray, is_qp, is_base64]
    for number, line in card.lines:
        current = logical[-1] if logical else None
        if not line.strip():
            if current is not None:
                current[3] = False     # a blank line ends a vCard 2.1 base64 block ...
                if current[2] and current[1].endswith(b"="):
                    del current[1][-1]     # ... and a quoted-printable soft break continues with it
            continue
        if current is not None and current[2] and current[1].endswith(b"="):
            del current[1][-1]         # quoted-printable soft line break
            current[1] += line
            continue
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                current[1] += line.strip() if current[3] else line[1:]
            continue
        if current is not None and current[3] and _BASE64_LINE.fullmatch(line.strip()) \
                and not _PROPERTY_START.match(line):
            current[1] += line.strip()
            continue
        header = _split_header(line)
        params = _params(header[0])[1] if header else []
        logical.append([number, bytearray(line), _is_qp(params), _is_base64(params)])
    return [(number, bytes(text)) for number, text, _qp, _b64 in logical]


def _prepare(line: bytes) -> tuple[str | None, str | None, str | None]:
    """One logical line made ready for vobject: (text, note, warning code). text is None for a
    line left out: binary data, or a line that is not a property at all."""
    split = _split_header(line)
    if split is None:
        return None, "not a property line (no ':'); left out", "vcard.bad_line"
    header, value = split
    name, params = _params(header)
    bare = name.rpartition(".")[2].upper()
    if bare in BINARY_PROPERTIES and _is_base64(params):
        return None, None, None
    note = None
    if _is_qp(params):
        value = quopri.decodestring(value)
    text, note = _decode(value, _charset(params))
    if _is_qp(params):
        text = _escape(text)
    if bare in SINGLE_TEXT_PROPERTIES:
        # One text value: a bare comma is part of it (exporters rarely escape it), not a list.
        text = _BARE_COMMA.sub(r"\\,", text)
    kept = [(key, val) for key, val in params
            if not ((key or "").upper() == "ENCODING" and val.upper() == "QUOTED-PRINTABLE")
            and not (key is None and val.upper() == "QUOTED-PRINTABLE")
            and (key or "").upper() != "CHARSET"]
    rebuilt = name + "".join(f";{key}={val}" if key is not None else f";{val}" for key, val in kept)
    return f"{rebuilt}:{text}", note, "vcard.text"


def _parse(lines: list[tuple[int, str]]):
    """(component, None) or (None, the error): vobject on one card's prepared lines, with its
    values turned native where it can (structured N/ORG) and as plain text where it cannot."""
    text = "BEGIN:VCARD\r\n" + "".join(line + "\r\n" for _number, line in lines) + "END:VCARD\r\n"
    error = None
    for transform in (True, False):
        try:
            return vobject.readOne(text, transform=transform, allowQP=False), None
        except Exception as exc:  # noqa: BLE001 - vobject raises assorted errors on bad input
            error = exc
    return None, error


def _values(component, name: str) -> list:
    return [line.value for line in component.contents.get(name.lower(), [])]


def _org(value) -> str | None:
    if isinstance(value, str):
        fields = [each.strip() for each in re.split(r"(?<!\\);", value)]
    else:
        fields = [",".join(each) if isinstance(each, (list, tuple)) else str(each) for each in value]
        fields = [each.strip() for each in fields]
    fields = [each for each in fields if each]
    return "; ".join(fields) or None


def _name(value) -> str | None:
    if isinstance(value, str):
        family, given, additional, prefix, suffix = (re.split(r"(?<!\\);", value) + [""] * 5)[:5]
    else:
        family, given, additional, prefix, suffix = (value.family, value.given, value.additional, value.prefix,
                                                     value.suffix)
    words = []
    for part in (prefix, given, additional, family, suffix):
        if isinstance(part, (list, tuple)):
            part = " ".join(each for each in part if each)
        part = (part or "").replace("\\,", ",").replace("\\;", ";").strip()
        if part:
            words.append(part)
    return " ".join(words) or None


def _phone_value(value) -> str | None:
    text = value.strip() if isinstance(value, str) else None
    return text or None


def _email_value(value) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):]
    return text or None


class VCardContacts(Extractor):
    name = "file.vcard"
    version = "1.0.0"
    description = "vCard 2.1/3.0/4.0 files (.vcf): one contact per card, through vobject, with exporters' quirks."
    selects = [
        Select(glob="**/*.vcf"),
        Select(glob="**/*.vcard"),
        *[Select(magic=variant) for variant in (b"BEGIN:VCARD", b"begin:vcard", b"BEGIN:vCard", b"Begin:VCard",
                                                b"begin:VCARD")],
        *[Select(magic=b"\xef\xbb\xbf" + variant) for variant in (b"BEGIN:VCARD", b"begin:vcard", b"BEGIN:vCard")],
        # after a blank first line ("\n" or "\r\n"), as some exporters write
        Select(magic=b"BEGIN:VCARD", magic_offset=1), Select(magic=b"BEGIN:VCARD", magic_offset=2),
        Select(magic=b"\xff\xfeB\x00E\x00G\x00I\x00N\x00:\x00V\x00C\x00A\x00R\x00D\x00"),
        Select(magic=b"\xfe\xff\x00B\x00E\x00G\x00I\x00N\x00:\x00V\x00C\x00A\x00R\x00D"),
    ]
    kinds = [Contact]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Contact | PluginWarning]:
        head = ctx.read_bytes(limit=4)
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if utf16:
            # Rare (some Windows exporters) and small: decoded whole, then read as UTF-8 lines;
            # offsets would be those of the re-encoded text, so only line numbers are kept.
            if source.size > MAX_CARD_BYTES * 4:
                yield ctx.warning(f"{APP}: UTF-16 file larger than {MAX_CARD_BYTES >> 18} MB not read",
                                  code="vcard.too_large")
                return
            handle = io.BytesIO(ctx.read_bytes().decode("utf-16", errors="replace").encode("utf-8"))
        else:
            handle = ctx.open()
        cards = stray = 0
        with handle:
            card: _Card | None = None
            previous = b""
            for number, offset, line, end in _physical_lines(handle):
                if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if card is None:
                    if cards == 0 and offset > SEARCH_BYTES:
                        break
                    if _begin(line):
                        card = _Card(line=number, offset=offset, end=end, utf16=utf16)
                    elif line.strip():
                        stray += 1
                    continue
                if _begin(line):
                    if previous.strip().upper().rpartition(b".")[2].startswith(b"AGENT"):
                        card.depth += 1
                    else:
                        yield ctx.warning(f"{APP}: card at line {card.line} has no END:VCARD before the next card "
                                          f"(line {number}); read as far as it goes", code="vcard.unterminated",
                                          locator=card.locator(ctx))
                        cards += 1
                        yield from self._card(ctx, card)
                        card = _Card(line=number, offset=offset, end=end, utf16=utf16)
                        previous = line
                        continue
                card.end = end
                if _end(line):
                    card.depth -= 1
                    if card.depth == 0:
                        cards += 1
                        yield from self._card(ctx, card)
                        card, previous = None, b""
                        continue
                if card.end - card.offset > MAX_CARD_BYTES:
                    yield ctx.warning(f"{APP}: card at line {card.line} is larger than {MAX_CARD_BYTES >> 20} MB; "
                                      "skipped", code="vcard.too_large", locator=card.locator(ctx))
                    card = None
                    continue
                card.lines.append((number, line))
                previous = line
            if card is not None:
                yield ctx.warning(f"{APP}: card at line {card.line} has no END:VCARD (the file ends first); "
                                  "read as far as it goes", code="vcard.unterminated", locator=card.locator(ctx))
                cards += 1
                yield from self._card(ctx, card)
        if cards == 0:
            yield ctx.warning(f"{APP}: no BEGIN:VCARD found (the first {SEARCH_BYTES >> 10} KiB were searched); "
                              "not a vCard file", code="vcard.none")
        elif stray:
            yield ctx.warning(f"{APP}: {stray} non-blank line(s) outside any card ignored", code="vcard.stray_lines")

    def _card(self, ctx: Context, card: _Card) -> Iterator[Contact | PluginWarning]:
        locator = card.locator(ctx)
        lines = []
        for number, line in _logical_lines(card):
            text, note, code = _prepare(line)
            if note:
                yield ctx.warning(f"{APP}: line {number}: {note}", code=code, locator=ctx.locate(line=number))
            if text is not None:
                lines.append((number, text))
        component, error = _parse(lines)
        if component is None:
            # Leave out the lines vobject cannot parse (named in warnings) and try again.
            kept = []
            for number, text in lines:
                try:
                    textLineToContentLine(text, number)
                    kept.append((number, text))
                except VObjectError as exc:
                    yield ctx.warning(f"{APP}: line {number} could not be parsed and is left out: {exc}",
                                      code="vcard.bad_line", locator=ctx.locate(line=number))
            if len(kept) < len(lines):
                component, error = _parse(kept)
        if component is None:
            yield ctx.warning(f"{APP}: card at line {card.line} could not be read: {type(error).__name__}: {error}",
                              code="vcard.bad_card", locator=locator)
            return
        yield self._contact(ctx, component, locator)

    @staticmethod
    def _contact(ctx: Context, component, locator) -> Contact:
        phones = [each for each in (_phone_value(value) for value in _values(component, "TEL")) if each]
        emails = [each for each in (_email_value(value) for value in _values(component, "EMAIL")) if each]
        handles = []
        for value in _values(component, "IMPP"):
            if isinstance(value, str) and value.strip():
                handles.append(value.strip())
        for prop, prefix in HANDLE_PROPERTIES.items():
            for value in _values(component, prop):
                if isinstance(value, str) and value.strip():
                    handles.append(f"{prefix}:{value.strip()}")
        organisations = [each for each in (_org(value) for value in _values(component, "ORG")) if each]
        names = [value.strip() for value in _values(component, "FN") if isinstance(value, str) and value.strip()]
        structured = [each for each in (_name(value) for value in _values(component, "N")) if each]
        display = next(iter(names), None) or next(iter(structured), None) or next(iter(organisations), None)
        e164 = []
        for phone in phones:
            normalised = ctx.e164(phone)
            if normalised and normalised not in e164:
                e164.append(normalised)
        return Contact(app=APP, display_name=display, phones=tuple(phones), phones_e164=tuple(e164),
                       emails=tuple(emails), handles=tuple(dict.fromkeys(handles)),
                       organisation=next(iter(organisations), None), locator=locator)
