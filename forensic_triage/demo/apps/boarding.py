"""Boarding passes and browser histories, written by the project's own code.

- ``sample_pass``: a BCBP message (IATA Resolution 792) for given flights, through the project's
  encoder, with every conditional item filled the way airlines fill them.
- ``barcode_pixels`` / ``write_png`` / ``boarding_pass_png``: the message as a PDF417, Aztec,
  QR or Data Matrix symbol (zxing-cpp's writer) in a PNG (grey, RGB, RGBA, palette; optionally
  Adam7-interlaced), written with zlib and struct only.
- ``jpeg_bytes`` / ``boarding_pass_jpeg``: the symbol in a baseline JPEG (a small DCT/Huffman
  encoder, ITU T.81 Annex K tables), optionally with an EXIF DateTimeOriginal.
- ``boarding_pass_pdf``: a one-page (or longer) PDF boarding pass with the symbol as a Flate image
  and a few lines of text, written by hand (PDF 1.4, one xref table) with a CreationDate.
- ``boarding_pass_mail`` / ``mbox_bytes`` / ``emlx_bytes``: check-in mails with the message in the
  body and barcodes attached, as .eml, mbox and Apple Mail .emlx.
- ``build_chrome_history``, ``build_firefox_places``, ``build_safari_history``: the three browser
  history stores with their real table and column names (Chrome ``History``: ``urls``/``visits``
  with WebKit microseconds; Firefox ``places.sqlite``: ``moz_places``/``moz_historyvisits`` with
  Unix microseconds; Safari ``History.db``: ``history_items``/``history_visits`` with Cocoa seconds).

Everything is deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from forensic_triage.travel import bcbp

# --- BCBP messages -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Flight:
    pnr: str
    origin: str                 # IATA airport codes
    destination: str
    carrier: str                # IATA airline designator, e.g. "LH"
    number: int
    day: date                   # the flight's local date
    seat: str = "012A"
    compartment: str = "Y"
    sequence: int = 1
    ticket: str | None = None   # 10-digit document number


def sample_pass(passenger: str, flights: Sequence[Flight], *, issued: date | None = None,
                frequent_flyer: str | None = None, security: str | None = "ABCDEFGH") -> str:
    """A BCBP message for ``flights`` (one leg each), issued on ``issued`` (default: the first
    flight's day)."""
    issued = issued or flights[0].day
    legs = []
    for flight in flights:
        legs.append(bcbp.Leg(
            pnr=flight.pnr, from_airport=flight.origin, to_airport=flight.destination, carrier=flight.carrier,
            flight_number_raw=f"{flight.number:04d}", day_of_flight=flight.day.timetuple().tm_yday,
            compartment=flight.compartment, seat_raw=flight.seat, checkin_sequence_raw=f"{flight.sequence:04d}",
            passenger_status="1", airline_numeric_code="220", document_number=flight.ticket or "2123456789",
            selectee="0", document_verification="0", marketing_carrier=flight.carrier,
            frequent_flyer_airline=flight.carrier if frequent_flyer else None, frequent_flyer_number=frequent_flyer,
            free_baggage_allowance="1PC", fast_track="N"))
    boarding_pass = bcbp.BoardingPass(
        raw="", legs_count=len(legs), passenger_name=passenger, eticket_indicator="E", legs=tuple(legs), version="6",
        passenger_description="0", checkin_source="W", issuance_source="W",
        issue_date_raw=f"{issued.year % 10}{issued.timetuple().tm_yday:03d}", document_type="B",
        issuer=flights[0].carrier, security_type="1" if security else None, security_data=security)
    return bcbp.encode(boarding_pass)


# --- barcode images ------------------------------------------------------------------------------

def barcode_pixels(text: str, symbology: str = "pdf417", *, scale: int = 3):
    """The symbol as a numpy uint8 array (0 black, 255 white) with quiet zones."""
    import numpy
    import zxingcpp

    formats = {"pdf417": zxingcpp.BarcodeFormat.PDF417, "aztec": zxingcpp.BarcodeFormat.Aztec,
               "qr": zxingcpp.BarcodeFormat.QRCode, "datamatrix": zxingcpp.BarcodeFormat.DataMatrix}
    symbol = zxingcpp.create_barcode(text, formats[symbology])
    return numpy.array(zxingcpp.write_barcode_to_image(symbol, scale=scale, add_quiet_zones=True), dtype="uint8")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_bytes(gray, *, mode: str = "gray", interlace: bool = False, png_time: datetime | None = None,
              filter_type: int = 1, extra_chunks: Iterable[tuple[bytes, bytes]] = ()) -> bytes:
    """A PNG of a grey picture (numpy uint8, 2-D). ``mode``: "gray", "rgb", "rgba" (white made
    transparent, as barcode generators often do), "gray16", "palette" (8-bit indices), "gray1"
    (1-bit, black below 128). ``filter_type``: 0 none, 1 sub, 2 up, 4 Paeth (on every row)."""
    import numpy

    pixels = numpy.asarray(gray, dtype=numpy.uint8)
    height, width = pixels.shape
    if mode == "gray":
        color, depth, data = 0, 8, pixels[:, :, None]
    elif mode == "rgb":
        color, depth, data = 2, 8, numpy.stack([pixels, pixels, pixels], axis=2)
    elif mode == "rgba":
        alpha = numpy.where(pixels > 127, 0, 255).astype(numpy.uint8)
        black = numpy.zeros_like(pixels)
        color, depth, data = 6, 8, numpy.stack([black, black, black, alpha], axis=2)
    elif mode == "gray16":
        color, depth = 0, 16
        data = numpy.stack([pixels, pixels], axis=2)          # big-endian 16-bit: high byte, low byte
    elif mode == "palette":
        color, depth, data = 3, 8, (pixels > 127).astype(numpy.uint8)[:, :, None]
    elif mode == "gray1":
        color, depth, data = 0, 1, None
    else:
        raise ValueError(f"unknown PNG mode {mode!r}")

    def scanlines(sub) -> bytes:
        if depth == 1:
            rows = numpy.packbits(sub >= 128, axis=1)
            bpp = 1
        else:
            rows = sub.reshape(sub.shape[0], -1)
            bpp = data.shape[2]                  # bytes per complete pixel (filters work on bytes)
        out = bytearray()
        previous = numpy.zeros(rows.shape[1], dtype=numpy.int16)
        for row in rows.astype(numpy.int16):
            left = numpy.concatenate([numpy.zeros(bpp, numpy.int16), row[:-bpp]])
            upper_left = numpy.concatenate([numpy.zeros(bpp, numpy.int16), previous[:-bpp]])
            if filter_type == 0:
                predicted = numpy.zeros_like(row)
            elif filter_type == 1:
                predicted = left
            elif filter_type == 2:
                predicted = previous
            elif filter_type == 4:
                estimate = left + previous - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - previous), abs(estimate - upper_left)
                predicted = numpy.where((pa <= pb) & (pa <= pc), left, numpy.where(pb <= pc, previous, upper_left))
            else:
                raise ValueError("filter_type must be 0, 1, 2 or 4")
            out.append(filter_type)
            out += ((row - predicted) % 256).astype(numpy.uint8).tobytes()
            previous = row
        return bytes(out)

    source = pixels if depth == 1 else data
    if interlace:
        raw = b"".join(scanlines(source[y0::dy, x0::dx]) for x0, y0, dx, dy in _ADAM7
                       if source[y0::dy, x0::dx].size)
    else:
        raw = scanlines(source)
    chunks = [_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 1 if interlace else 0))]
    if color == 3:
        chunks.append(_chunk(b"PLTE", bytes([0, 0, 0, 255, 255, 255])))
    if png_time is not None:
        moment = png_time.astimezone(UTC)
        chunks.append(_chunk(b"tIME", struct.pack(">HBBBBB", moment.year, moment.month, moment.day, moment.hour,
                                                  moment.minute, moment.second)))
    chunks += [_chunk(kind, body) for kind, body in extra_chunks]
    chunks.append(_chunk(b"IDAT", zlib.compress(raw, 9)))
    chunks.append(_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def write_png(path: Path, gray, **options) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(gray, **options))
    return path


def boarding_pass_png(path: Path, message: str, *, symbology: str = "pdf417", scale: int = 3,
                      **png_options) -> Path:
    """A boarding-pass barcode image, as an airline app or a screenshot would hold it."""
    return write_png(path, barcode_pixels(message, symbology, scale=scale), **png_options)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels over a tiny body: the shape of a
    decompression bomb, for tests that the size is checked before anything is decoded."""
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _chunk(b"IEND", b""))


# --- JPEG ----------------------------------------------------------------------------------------

# ITU T.81 Annex K.3: the typical luminance Huffman tables (code counts per length, symbols).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))
_AC_BITS = (0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D)
_AC_VALUES = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
    "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293"
    "9495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6"
    "e7e8e9eaf1f2f3f4f5f6f7f8f9fa")
_ZIGZAG = (0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
           14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39,
           46, 53, 60, 61, 54, 47, 55, 62, 63)


def _huffman_codes(bits: Sequence[int], values: Sequence[int]) -> dict[int, tuple[int, int]]:
    codes, code, index = {}, 0, 0
    for length, count in enumerate(bits, 1):
        for _ in range(count):
            codes[values[index]] = (code, length)
            code += 1
            index += 1
        code <<= 1
    return codes


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_bytes(gray, *, quantiser: int = 2, exif_tiff: bytes | None = None) -> bytes:
    """A baseline greyscale JPEG (ITU T.81: DCT, one flat quantisation table, the Annex K
    Huffman tables) of a grey picture, with an optional EXIF block in APP1. Small and
    deterministic: enough for barcode tests, not a general-purpose encoder."""
    import numpy

    pixels = numpy.asarray(gray, dtype=numpy.float64)
    height, width = pixels.shape
    padded = numpy.pad(pixels, ((0, -height % 8), (0, -width % 8)), mode="edge") - 128.0
    rows, columns = padded.shape[0] // 8, padded.shape[1] // 8
    blocks = padded.reshape(rows, 8, columns, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    k = numpy.arange(8)
    basis = numpy.cos((2 * k[None, :] + 1) * k[:, None] * numpy.pi / 16) * numpy.where(k[:, None] == 0,
                                                                                           numpy.sqrt(1 / 8), 0.5)
    coefficients = numpy.rint(basis @ blocks @ basis.T / quantiser).astype(int).reshape(-1, 64)[:, list(_ZIGZAG)]
    dc_codes, ac_codes = _huffman_codes(_DC_BITS, _DC_VALUES), _huffman_codes(_AC_BITS, _AC_VALUES)
    out = bytearray()
    accumulator, filled = 0, 0

    def put(value: int, length: int) -> None:
        nonlocal accumulator, filled
        accumulator = (accumulator << length) | (value & ((1 << length) - 1))
        filled += length
        while filled >= 8:
            filled -= 8
            byte = (accumulator >> filled) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0)                   # byte stuffing
        accumulator &= (1 << filled) - 1

    def magnitude(value: int) -> tuple[int, int]:
        size = abs(value).bit_length()
        return size, (value if value >= 0 else value + (1 << size) - 1)

    previous_dc = 0
    for block in coefficients.tolist():
        size, bits = magnitude(block[0] - previous_dc)
        previous_dc = block[0]
        put(*dc_codes[size])
        put(bits, size)
        run = 0
        last = max((index for index in range(1, 64) if block[index]), default=0)
        for index in range(1, last + 1):
            if block[index] == 0:
                run += 1
                continue
            while run > 15:
                put(*ac_codes[0xF0])
                run -= 16
            size, bits = magnitude(block[index])
            put(*ac_codes[(run << 4) | size])
            put(bits, size)
            run = 0
        if last < 63:
            put(*ac_codes[0x00])
    if filled:
        put((1 << (8 - filled)) - 1, 8 - filled)
    parts = [b"\xff\xd8", _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if exif_tiff is not None:
        parts.append(_jpeg_segment(0xE1, b"Exif\x00\x00" + exif_tiff))
    parts.append(_jpeg_segment(0xDB, b"\x00" + bytes([quantiser] * 64)))
    parts.append(_jpeg_segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00"))
    parts.append(_jpeg_segment(0xC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALUES)))
    parts.append(_jpeg_segment(0xC4, b"\x10" + bytes(_AC_BITS) + _AC_VALUES))
    parts.append(_jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"))
    return b"".join(parts) + bytes(out) + b"\xff\xd9"


def boarding_pass_jpeg(path: Path, message: str, *, symbology: str = "pdf417", scale: int = 3,
                       taken: str | None = None) -> Path:
    """A photo-like JPEG of a boarding-pass barcode; ``taken`` ("2026:03:10 08:00:00") becomes
    the EXIF DateTimeOriginal."""
    from forensic_triage.demo.apps.photos import photo_exif

    tiff = photo_exif(None, None, date_time_original=taken) if taken else None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes(barcode_pixels(message, symbology, scale=scale), exif_tiff=tiff))
    return path


def jpeg_header_only(width: int, height: int) -> bytes:
    """A JPEG whose frame header declares ``width`` x ``height`` and nothing more."""
    return (b"\xff\xd8" + _jpeg_segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")
            + b"\xff\xd9")


# --- PDF -----------------------------------------------------------------------------------------

def _pdf_text(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1", "replace")


def pdf_bytes(pages: Sequence[tuple[object | None, Sequence[str]]], *, created: datetime | None = None,
              title: str = "Boarding pass", page_size: tuple[int, int] = (595, 842)) -> bytes:
    """A PDF with one A4 page per (grey picture or None, text lines). The picture is placed at
    one point per pixel times 0.75 (96 dpi), below the text."""
    import numpy

    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(dictionary: bytes, data: bytes) -> bytes:
        return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

    catalog = add(b"")              # filled in at the end
    page_tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for picture, lines in pages:
        resources = b"/Font << /F1 %d 0 R >>" % font
        content = [b"BT /F1 14 Tf 50 790 Td 18 TL"]
        for line in lines:
            content.append(b"(" + _pdf_text(line) + b") Tj T*")
        content.append(b"ET")
        if picture is not None:
            pixels = numpy.asarray(picture, dtype=numpy.uint8)
            height, width = pixels.shape
            image = add(stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                               b"/BitsPerComponent 8 /Filter /FlateDecode" % (width, height),
                               zlib.compress(pixels.tobytes(), 9)))
            resources += b" /XObject << /Im1 %d 0 R >>" % image
            shown_w, shown_h = width * 0.75, height * 0.75
            content.append(b"q %.2f 0 0 %.2f 50 %.2f cm /Im1 Do Q" % (shown_w, shown_h, 700 - 18 * len(lines) - shown_h))
        contents = add(stream(b"", b"\n".join(content)))
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << %s >> "
                            b"/Contents %d 0 R >>" % (page_tree, *page_size, resources, contents)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % page_tree
    objects[page_tree - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % i for i in page_ids)
                              + b"] /Count %d >>" % len(page_ids))
    info_items = [b"/Title (" + _pdf_text(title) + b")", b"/Producer (forensic-triage demo)"]
    if created is not None:
        offset = created.utcoffset()
        if offset is None:
            raise ValueError("created must carry a time zone")
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        stamp = created.strftime("D:%Y%m%d%H%M%S") + f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
        info_items.append(b"/CreationDate (" + stamp.encode("ascii") + b")")
    info = add(b"<< " + b" ".join(info_items) + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    return bytes(out)


def boarding_pass_pdf(path: Path, message: str, *, symbology: str = "aztec", created: datetime | None = None,
                      lines: Sequence[str] | None = None, extra_blank_pages: int = 0) -> Path:
    """A PDF boarding pass as airlines mail them: text, then the barcode."""
    decoded = bcbp.decode(message)
    leg = decoded.legs[0]
    lines = list(lines) if lines is not None else [
        "BOARDING PASS", f"Passenger: {decoded.passenger_name}", f"Flight: {leg.trip_number}",
        f"From {leg.from_airport} to {leg.to_airport}", f"Seat: {leg.seat or '-'}   Booking: {leg.pnr}"]
    pages: list[tuple[object | None, Sequence[str]]] = [(barcode_pixels(message, symbology, scale=4), lines)]
    pages += [(None, [f"Conditions of carriage, page {index + 2}"]) for index in range(extra_blank_pages)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes(pages, created=created))
    return path



# --- mail ----------------------------------------------------------------------------------------

def boarding_pass_mail(*, sent: datetime, subject: str = "Your boarding pass", text: str | None = None,
                       html: str | None = None, attachments: Sequence[tuple[str, str, bytes]] = (),
                       sender: str = "Example Air <checkin@example-air.test>",
                       to: str = "Jane Doe <jane@example.test>") -> bytes:
    """An RFC 5322 message as an airline sends it: text (quoted-printable) and/or HTML
    alternatives, then attachments given as (file name, MIME type, bytes)."""
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import format_datetime

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    token = hashlib.sha256(f"{subject}|{sent.isoformat()}|{to}".encode()).hexdigest()[:16]
    message["Message-ID"] = f"<{token}@example-air.test>"
    if text is not None:
        message.set_content(text, cte="quoted-printable")
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content("")
    for name, mime_type, data in attachments:
        main, _slash, sub = mime_type.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    # Fixed boundaries (the email package draws random ones), so the same mail gives the same bytes.
    for number, part in enumerate(part for part in message.walk() if part.is_multipart()):
        part.set_boundary(f"=_boundary_{number}_{token}")
    return message.as_bytes(policy=SMTP.clone(linesep="\n"))


def mbox_bytes(messages: Sequence[bytes]) -> bytes:
    """An mbox (mboxrd: body lines starting with "From " are quoted with ">")."""
    out = bytearray()
    for message in messages:
        out += b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n"
        for line in message.splitlines(keepends=True):
            out += (b">" + line) if line.lstrip(b">").startswith(b"From ") else line
        if not message.endswith(b"\n"):
            out += b"\n"
        out += b"\n"
    return bytes(out)


def emlx_bytes(message: bytes) -> bytes:
    """Apple Mail's .emlx: the message's byte count on the first line, the message, a plist."""
    plist = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
             b"<key>flags</key>\n<integer>8590195713</integer>\n</dict>\n</plist>\n")
    return b"%d\n" % len(message) + message + plist


# --- browser histories ---------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Visit:
    url: str
    title: str | None
    when: datetime              # aware
    transition: int = 1         # Chrome core transition (0 link, 1 typed, 3 auto subframe ...)


_WEBKIT_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_COCOA_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)


def _micros(moment: datetime, epoch: datetime) -> int:
    delta = moment - epoch
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _fresh(path: Path) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    return sqlite3.connect(path)


def _urls_in_order(visits: Sequence[Visit]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for visit in visits:
        ids.setdefault(visit.url, len(ids) + 1)
    return ids


def build_chrome_history(path: Path, visits: Sequence[Visit]) -> Path:
    """Chrome/Chromium ``History`` (schema as of Chrome 120; times in WebKit microseconds)."""
    conn = _fresh(path)
    conn.executescript("""
        CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
        CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title LONGVARCHAR,
            visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT NULL,
            last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL);
        CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT,url INTEGER NOT NULL,visit_time INTEGER NOT NULL,
            from_visit INTEGER,external_referrer_url TEXT,transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,
            visit_duration INTEGER DEFAULT 0 NOT NULL,incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL,
            opener_visit INTEGER,originator_cache_guid TEXT,originator_visit_id INTEGER,originator_from_visit INTEGER,
            originator_opener_visit INTEGER,is_known_to_sync BOOLEAN DEFAULT FALSE NOT NULL,
            consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT NULL,visited_link_id INTEGER DEFAULT 0 NOT NULL,
            app_id TEXT);
        CREATE INDEX visits_url_index ON visits (url);
        CREATE INDEX visits_time_index ON visits (visit_time);
        CREATE TABLE visit_source(id INTEGER PRIMARY KEY,source INTEGER NOT NULL);
        CREATE TABLE keyword_search_terms (keyword_id INTEGER NOT NULL,url_id INTEGER NOT NULL,term LONGVARCHAR NOT NULL,
            normalized_term LONGVARCHAR NOT NULL);
    """)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [("version", "69"), ("last_compatible_version", "16")])
    ids = _urls_in_order(visits)
    for url, url_id in ids.items():
        mine = [visit for visit in visits if visit.url == url]
        conn.execute("INSERT INTO urls (id, url, title, visit_count, typed_count, last_visit_time, hidden) "
                     "VALUES (?, ?, ?, ?, 0, ?, 0)",
                     (url_id, url, mine[-1].title or "", len(mine), _micros(max(v.when for v in mine), _WEBKIT_EPOCH)))
    for visit in visits:
        # Chrome keeps qualifiers in the high bits; 0x30000000 = chain start and end.
        conn.execute("INSERT INTO visits (url, visit_time, from_visit, transition, segment_id) VALUES (?, ?, 0, ?, 0)",
                     (ids[visit.url], _micros(visit.when, _WEBKIT_EPOCH), visit.transition | 0x30000000))
    conn.commit()
    conn.close()
    return Path(path)


def _rev_host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "")[::-1] + "."


def build_firefox_places(path: Path, visits: Sequence[Visit]) -> Path:
    """Firefox ``places.sqlite`` (schema of Firefox 115+; times in Unix microseconds, PRTime)."""
    conn = _fresh(path)
    conn.executescript("""
        CREATE TABLE moz_origins (id INTEGER PRIMARY KEY, prefix TEXT NOT NULL, host TEXT NOT NULL,
            frecency INTEGER NOT NULL, recalc_frecency INTEGER NOT NULL DEFAULT 0, alt_frecency INTEGER,
            recalc_alt_frecency INTEGER NOT NULL DEFAULT 0, UNIQUE (prefix, host));
        CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR, rev_host LONGVARCHAR,
            visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0 NOT NULL, typed INTEGER DEFAULT 0 NOT NULL,
            frecency INTEGER DEFAULT -1 NOT NULL, last_visit_date INTEGER, guid TEXT,
            foreign_count INTEGER DEFAULT 0 NOT NULL, url_hash INTEGER DEFAULT 0 NOT NULL, description TEXT,
            preview_image_url TEXT, site_name TEXT, origin_id INTEGER REFERENCES moz_origins(id),
            recalc_frecency INTEGER NOT NULL DEFAULT 0, alt_frecency INTEGER,
            recalc_alt_frecency INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, from_visit INTEGER, place_id INTEGER,
            visit_date INTEGER, visit_type INTEGER, session INTEGER, source INTEGER DEFAULT 0 NOT NULL,
            triggeringPlaceId INTEGER);
        CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, type INTEGER, fk INTEGER DEFAULT NULL,
            parent INTEGER, position INTEGER, title LONGVARCHAR, keyword_id INTEGER, folder_type TEXT,
            dateAdded INTEGER, lastModified INTEGER, guid TEXT, syncStatus INTEGER NOT NULL DEFAULT 0,
            syncChangeCounter INTEGER NOT NULL DEFAULT 1);
        CREATE INDEX moz_historyvisits_placedateindex ON moz_historyvisits (place_id, visit_date);
    """)
    ids = _urls_in_order(visits)
    for url, place_id in ids.items():
        mine = [visit for visit in visits if visit.url == url]
        conn.execute("INSERT INTO moz_places (id, url, title, rev_host, visit_count, last_visit_date, guid) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (place_id, url, mine[-1].title, _rev_host(url), len(mine),
                      _micros(max(v.when for v in mine), _UNIX_EPOCH), f"guid{place_id:08d}"))
    for visit in visits:
        # visit_type: 1 link, 2 typed, 4 embed; the Chrome-style transition maps onto it.
        visit_type = {0: 1, 1: 2, 3: 4, 4: 4}.get(visit.transition, 1)
        conn.execute("INSERT INTO moz_historyvisits (from_visit, place_id, visit_date, visit_type, session) "
                     "VALUES (0, ?, ?, ?, 0)", (ids[visit.url], _micros(visit.when, _UNIX_EPOCH), visit_type))
    conn.commit()
    conn.close()
    return Path(path)


def build_safari_history(path: Path, visits: Sequence[Visit]) -> Path:
    """Safari ``History.db`` (macOS 10.10+ / iOS 8+; visit_time in Cocoa seconds, a REAL)."""
    conn = _fresh(path)
    conn.executescript("""
        CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT,url TEXT NOT NULL UNIQUE,
            domain_expansion TEXT NULL,visit_count INTEGER NOT NULL,daily_visit_counts BLOB NOT NULL,
            weekly_visit_counts BLOB NULL,autocomplete_triggers BLOB NULL,
            should_recompute_derived_visit_counts INTEGER NOT NULL,visit_count_score INTEGER NOT NULL);
        CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT,
            history_item INTEGER NOT NULL REFERENCES history_items(id) ON DELETE CASCADE,visit_time REAL NOT NULL,
            title TEXT NULL,load_successful BOOLEAN NOT NULL DEFAULT 1,http_non_get BOOLEAN NOT NULL DEFAULT 0,
            synthesized BOOLEAN NOT NULL DEFAULT 0,redirect_source INTEGER NULL UNIQUE REFERENCES history_visits(id)
            ON DELETE CASCADE,redirect_destination INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,
            origin INTEGER NOT NULL DEFAULT 0,generation INTEGER NOT NULL DEFAULT 0,attributes INTEGER NOT NULL DEFAULT 0,
            score INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE history_tombstones (id INTEGER PRIMARY KEY AUTOINCREMENT,start_time REAL NOT NULL,
            end_time REAL NOT NULL,url TEXT,generation INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE metadata (key TEXT NOT NULL UNIQUE, value);
        CREATE INDEX history_items__domain_expansion ON history_items (domain_expansion);
    """)
    ids = _urls_in_order(visits)
    for url, item_id in ids.items():
        host = (url.split("//", 1)[-1].split("/", 1)[0]).removeprefix("www.")
        conn.execute("INSERT INTO history_items VALUES (?, ?, ?, ?, ?, NULL, NULL, 0, ?)",
                     (item_id, url, host.rsplit(".", 1)[0], sum(v.url == url for v in visits), b"\x00\x00\x00\x01", 100))
    for visit in visits:
        if visit.transition in (3, 4):
            continue                    # Safari records top-level navigations only, no frames
        seconds = _micros(visit.when, _COCOA_EPOCH) / 1_000_000
        conn.execute("INSERT INTO history_visits (history_item, visit_time, title) VALUES (?, ?, ?)",
                     (ids[visit.url], seconds, visit.title))
    conn.execute("INSERT INTO metadata VALUES ('version', 14)")
    conn.commit()
    conn.close()
    return Path(path)


# --- demo ----------------------------------------------------------------------------------------

def write_demo_boarding(folder: Path) -> list[Path]:
    """The demo's boarding-pass and browsing evidence for the demo booking (DEMO42, LH 400
    FRA-JFK on 2026-03-14, the booking of forensic_triage.demo.apps.travel), so the timeline
    shows one trip seen in a screenshot, a PDF, a check-in mail and the browser history."""
    from forensic_triage.demo.apps.travel import FlightBooking

    booking = FlightBooking()
    flight = Flight(pnr=booking.reservation_number, origin=booking.departure, destination=booking.arrival,
                    carrier=booking.airline_code, number=int(booking.flight_number), day=date(2026, 3, 14),
                    seat=booking.seat.rjust(4, "0"), compartment="Y", sequence=57)
    passenger = f"{booking.passenger_family}/{booking.passenger_given}".upper()
    message = sample_pass(passenger, [flight], issued=date(2026, 3, 13))
    checked_in = datetime(2026, 3, 13, 18, 15, tzinfo=UTC)
    folder = Path(folder)
    written = [
        boarding_pass_png(folder / "DCIM" / "Screenshots" / "Screenshot_20260313-191500.png", message,
                          png_time=checked_in),
        boarding_pass_pdf(folder / "Download" / f"boarding-pass-{booking.reservation_number}.pdf", message,
                          created=checked_in),
    ]
    mail = folder / "Mail" / f"checkin-{booking.reservation_number}.eml"
    mail.parent.mkdir(parents=True, exist_ok=True)
    mail.write_bytes(boarding_pass_mail(sent=checked_in, subject=f"Your boarding pass {booking.trip_number}",
                                        sender="Lufthansa <online@booking-lufthansa.test>",
                                        to=f"{booking.passenger} <alex@example.test>",
                                        text=f"Dear {booking.passenger},\n\nyour boarding pass:\n{message}\n"))
    written.append(mail)
    browsing = datetime(2026, 2, 20, 17, 30, tzinfo=UTC)
    written.append(build_chrome_history(folder / "Chrome" / "Default" / "History", [
        Visit(url="https://www.lufthansa.com/de/en/flight-search?origin=FRA&destination=JFK", title="Flights FRA - JFK "
              "| Lufthansa", when=browsing),
        Visit(url="https://www.booking.com/searchresults.html?ss=New+York&checkin=2026-03-14&checkout=2026-03-17",
              title="Booking.com: Hotels in New York", when=browsing.replace(minute=52)),
        Visit(url="https://news.example.test/weather/new-york", title="Weather New York", when=browsing.replace(hour=18)),
        Visit(url="https://www.lufthansa.com/de/en/online-check-in", title="Online check-in | Lufthansa",
              when=checked_in.replace(minute=5)),
    ]))
    return written
