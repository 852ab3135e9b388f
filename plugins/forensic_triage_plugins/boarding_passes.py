"""IATA boarding passes (BCBP, Resolution 792): in text and mail, in barcode images, in PDFs.

Three plugins share one way of turning a decoded pass into reservations (one per leg):

- ``travel.bcbp.text``: BCBP messages in text files and e-mail (``.eml``, Maildir files, Apple
  Mail ``.emlx``, mbox, streamed message by message): plain-text and HTML bodies, and image/PDF
  attachments decoded as below. The mail's Date header dates the pass.
- ``travel.bcbp.image``: PDF417, Aztec, QR and Data Matrix symbols in PNG and JPEG files.
- ``travel.bcbp.pdf``: the same symbols on PDF pages (rasterised with pdfium at 200 dpi). A
  message printed as text on a page is not searched: pdfium's text extraction collapses the runs
  of blanks that the fixed-width format depends on.

A reservation is ``type="flight"``, ``origin="bcbp"``, the raw message as ``ticket_token``,
``trip_number`` "LH 1234", ``provider`` the operating carrier's code, the leg's PNR and seat,
the traveller as "GIVEN SURNAME" (the pass prints ``SURNAME/GIVEN``; the raw message keeps
it), departure and arrival airports through forensic_triage.travel.airports (name, city and
country, coordinates, time zone). A pass only holds the day of the year of its flight, with no
time: ``start`` is that local date with ``utc=None``, ``raw`` the date (ISO 8601) and
``encoding`` saying how the year was chosen, e.g. ``bcbp_julian_date:day=326;year_from=
issue_date:2011-11-21`` (from the pass's own issue date), ``...year_from=mail_date:2021-09-14``,
``...year_from=pdf_creation_date:...``, ``...year_from=exif_date:...``, ``...year_from=png_time:...``;
``year_from=year_unknown`` (status "unparsable", ``raw`` the day number) when nothing dates the pass.
See forensic_triage.travel.bcbp.resolve_flight_date for the rule.

Images are decoded without an imaging library: pdfium (already used for PDFs) decodes JPEG and,
given the PNG's inflated scanlines as a Flate stream with PNG predictors, undoes the PNG row
filters in C. Sizes are checked from the headers before anything is decoded (decompression
bombs), inflating is bounded by the size the header announces, and PDFs are searched on their
first pages only; each limit reached is a warning.
"""

from __future__ import annotations

import email
import email.utils
import html
import io
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from forensic_triage.sdk import (
    Context,
    Extractor,
    Place,
    PluginWarning,
    Reservation,
    Select,
    Source,
    TimeValue,
)
from forensic_triage.sdk.times import OK, UNPARSABLE
from forensic_triage.travel import airports, bcbp

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"

MAX_PIXELS = 50_000_000            # per image or rendered page: 50 MP (a 12 MP photo is fine)
MAX_IMAGE_BYTES = 200 * 1024 * 1024
MAX_PDF_PAGES = 30
PDF_DPI = 200
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_ATTACHMENT_DECODES = 200       # images/PDFs decoded per mail file (an mbox may hold thousands)
TEXT_CHUNK = 1 << 20
TEXT_OVERLAP = 4096                # longer than any BCBP message (at most ~2,900 characters)


# --- airports ------------------------------------------------------------------------------------

def airport(code: str) -> tuple[Place, str | None]:
    """A Place for an IATA airport code (name, "city, country", coordinates) and its time zone;
    only the code when it is unknown (BCBP may carry a city code such as LON)."""
    return airports.place(code) or Place(code=code), airports.time_zone(code)


# --- from a decoded pass to reservations ---------------------------------------------------------

@dataclass(frozen=True)
class DateContext:
    """When the pass was seen (a mail's Date, a document's creation date): dates its flight."""

    day: date
    name: str          # mail_date, pdf_creation_date, exif_date, png_time, file_mtime


def flight_start(boarding_pass: bcbp.BoardingPass, leg: bcbp.Leg, context: DateContext | None) -> TimeValue:
    issue = bcbp.resolve_issue_date(boarding_pass, context.day) if context else None
    resolved = bcbp.resolve_flight_date(leg, issue_date=issue, context=context.day if context else None,
                                        context_name=context.name if context else "context_date")
    if resolved.date is not None:
        return TimeValue(utc=None, raw=resolved.date.isoformat(), encoding=resolved.encoding, status=OK)
    raw = None if leg.day_of_flight is None else f"{leg.day_of_flight:03d}"
    return TimeValue(utc=None, raw=raw, encoding=resolved.encoding, status=UNPARSABLE)


def reservations(ctx: Context, boarding_pass: bcbp.BoardingPass, context: DateContext | None,
                 locator: dict) -> Iterator[Reservation | PluginWarning]:
    """One flight reservation per leg; damage the lenient decoder tolerated becomes a warning."""
    base = dict(locator)
    pointer = base.pop("pointer", "")
    if boarding_pass.problems:
        yield ctx.warning(f"boarding pass of {boarding_pass.passenger_name} decoded with damage: "
                          + "; ".join(boarding_pass.problems), code="bcbp.damaged",
                          locator=ctx.locate(pointer=pointer or None, **base), bcbp=boarding_pass.raw)
    for index, leg in enumerate(boarding_pass.legs):
        departure, departure_zone = airport(leg.from_airport)
        arrival, arrival_zone = airport(leg.to_airport)
        yield Reservation(
            type="flight", origin="bcbp", trip_number=leg.trip_number, reservation_number=leg.pnr,
            status="confirmed", travellers=(boarding_pass.traveller,), provider=leg.carrier or None,
            departure=departure, arrival=arrival, start=flight_start(boarding_pass, leg, context),
            start_time_zone=departure_zone, end_time_zone=arrival_zone, seat=leg.seat, ticket_token=boarding_pass.raw,
            locator=ctx.locate(pointer=f"{pointer}/legs/{index}", **base))


def _context_from_source(source: Source) -> DateContext | None:
    """The file's modification time, when the host supplies one (the SDK's Source has no time
    today; this picks it up once it does)."""
    value = getattr(source, "mtime", None)
    moment = value.datetime if isinstance(value, TimeValue) else value
    return DateContext(moment.date(), "file_mtime") if isinstance(moment, datetime) else None


# --- images --------------------------------------------------------------------------------------

class ImageProblem(Exception):
    """An image that cannot be searched; the message is the warning's text."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Picture:
    pixels: object                      # numpy uint8: grey (H, W) or BGR (H, W, 3)
    notes: list[str]
    context: DateContext | None = None


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    position = len(PNG_MAGIC)
    while position + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        yield kind, body
        if kind == b"IEND" or len(body) < length:
            return
        position += 12 + length


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _unfilter(scanlines: bytes, width: int, height: int, channels: int, depth: int) -> bytes:
    """Undo PNG row filters with pdfium: the scanlines become a Flate stream with PNG predictors
    of a one-image PDF, and pdfium hands back the decoded samples."""
    import pypdfium2 as pdfium

    stream = zlib.compress(scanlines, 1)
    body = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent %d "
            b"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent %d /Columns %d >> "
            b"/Length %d >>\nstream\n" % (width, height, depth, channels, depth, width, len(stream)) + stream
            + b"\nendstream")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] /Resources << /XObject << /I 4 0 R >> >> "
               b"/Contents 5 0 R >>"), body, b"<< /Length 13 >>\nstream\nq 1 0 0 1 0 0 cm /I Do Q\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    document = pdfium.PdfDocument(bytes(out))
    try:
        page = document[0]
        image = next(obj for obj in page.get_objects() if isinstance(obj, pdfium.PdfImage))
        return bytes(image.get_data(decode_simple=True))
    finally:
        document.close()


def _samples_to_grey(samples: bytes, width: int, height: int, color: int, depth: int, palette: bytes | None,
                     transparency: bytes | None):
    import numpy

    channels = _PNG_CHANNELS[color]
    row_bytes = (width * channels * depth + 7) // 8
    rows = numpy.frombuffer(samples, dtype=numpy.uint8)[:row_bytes * height].reshape(height, row_bytes)
    if depth < 8:
        bits = numpy.unpackbits(rows, axis=1).reshape(height, -1, depth)[:, :width, :]
        weights = (1 << numpy.arange(depth - 1, -1, -1)).astype(numpy.uint8)
        values = (bits * weights).sum(axis=2).astype(numpy.uint8)
        if color == 3:
            indices = values
        else:
            return (values.astype(numpy.uint16) * (255 // ((1 << depth) - 1))).astype(numpy.uint8)
    elif depth == 16:
        values = rows.reshape(height, width * channels, 2)[:, :, 0].reshape(height, width, channels)
    else:
        values = rows.reshape(height, width, channels)
    if color == 3:
        indices = indices if depth < 8 else values[:, :, 0]
        entries = numpy.frombuffer(palette or b"", dtype=numpy.uint8)[:768]
        entries = entries[:len(entries) // 3 * 3].reshape(-1, 3).astype(numpy.uint16)
        lut = numpy.full(256, 255, dtype=numpy.uint16)
        grey = (entries[:, 0] * 299 + entries[:, 1] * 587 + entries[:, 2] * 114) // 1000
        alpha = numpy.full(len(grey), 255, dtype=numpy.uint16)
        if transparency:
            given = numpy.frombuffer(transparency[:len(grey)], dtype=numpy.uint8)
            alpha[:len(given)] = given
        lut[:len(grey)] = (grey * alpha + 255 * (255 - alpha)) // 255
        return lut.astype(numpy.uint8)[indices]
    out = numpy.empty((height, width), dtype=numpy.uint8)
    for start in range(0, height, 512):               # bounded temporaries for big screenshots
        block = values[start:start + 512].astype(numpy.uint32)
        if color in (0, 4):
            grey = block[:, :, 0]
        else:
            grey = (block[:, :, 0] * 299 + block[:, :, 1] * 587 + block[:, :, 2] * 114) // 1000
        if color in (4, 6):
            alpha = block[:, :, -1]
            grey = (grey * alpha + 255 * (255 - alpha)) // 255   # composite over white
        out[start:start + 512] = grey
    return out


def _png_time(body: bytes) -> DateContext | None:
    if len(body) != 7:
        return None
    year, month, day = struct.unpack(">HBB", body[:4])
    try:
        return DateContext(date(year, month, day), "png_time")
    except ValueError:
        return None


def decode_png(data: bytes) -> Picture:
    """A PNG as a grey numpy array (transparency composited over white)."""
    header = None
    palette = transparency = None
    idat: list[bytes] = []
    context = None
    exif = None
    for kind, body in _png_chunks(data):
        if kind == b"IHDR":
            header = body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            transparency = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"tIME":
            context = _png_time(body) or context
        elif kind == b"eXIf":
            exif = body
    if header is None or len(header) != 13:
        raise ImageProblem("PNG without a valid IHDR header: not decoded", "image.unreadable")
    width, height, depth, color, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    if color not in _PNG_CHANNELS or depth not in _PNG_DEPTHS[color] or interlace > 1 or not width or not height:
        raise ImageProblem(f"PNG header not valid (colour type {color}, bit depth {depth}, interlace {interlace}, "
                           f"{width} x {height})", "image.unreadable")
    if width * height > MAX_PIXELS:
        raise ImageProblem(f"PNG declares {width} x {height} pixels ({width * height / 1e6:.0f} MP), over the "
                           f"{MAX_PIXELS / 1e6:.0f} MP limit: not decoded (possible decompression bomb)",
                           "image.too_large")
    if exif:
        context = _exif_context(b"Exif\x00\x00" + exif, tiff=True) or context
    channels = _PNG_CHANNELS[color]
    passes = [(0, 0, 1, 1)] if not interlace else list(_ADAM7)
    shapes = []
    for x0, y0, dx, dy in passes:
        pass_width, pass_height = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if pass_width and pass_height:
            shapes.append((x0, y0, dx, dy, pass_width, pass_height,
                           pass_height * (1 + (pass_width * channels * depth + 7) // 8)))
    expected = sum(shape[-1] for shape in shapes)
    inflater = zlib.decompressobj()
    notes: list[str] = []
    try:
        raw = inflater.decompress(b"".join(idat), expected)
    except zlib.error as exc:
        raw = b""
        notes.append(f"PNG image data is damaged ({exc})")
    if len(raw) < expected:
        notes.append(f"PNG image data ends early: {len(raw)} of {expected} bytes of scanlines; "
                     f"the missing rows are left white")
    import numpy

    grey_image = numpy.full((height, width), 255, dtype=numpy.uint8)
    position = 0
    for x0, y0, dx, dy, pass_width, pass_height, size in shapes:
        row_size = 1 + (pass_width * channels * depth + 7) // 8
        available = raw[position:position + size]
        rows = len(available) // row_size
        position += size
        if not rows:
            continue
        samples = _unfilter(available[:rows * row_size], pass_width, rows, channels, depth)
        grey = _samples_to_grey(samples, pass_width, rows, color, depth, palette, transparency)
        grey_image[y0:y0 + rows * dy:dy, x0::dx][:rows, :pass_width] = grey
    return Picture(grey_image, notes, context)


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the first SOF marker, without decoding anything."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ImageProblem("JPEG marker structure damaged before the frame header", "image.unreadable")
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack_from(">H", data, position + 2)
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if position + 9 > len(data):
                break
            height, width = struct.unpack_from(">HH", data, position + 5)
            return width, height
        if marker in (0xD9, 0xDA):
            break
        position += 2 + length
    raise ImageProblem("JPEG without a frame header (SOF): not decoded", "image.unreadable")


def _exif_context(data: bytes, *, tiff: bool = False) -> DateContext | None:
    """DateTimeOriginal (or DateTime) from EXIF, as the date it names."""
    import logging

    import exifread

    # Quiet exifread for this call only: its logger is shared with the EXIF plugin, which turns
    # the same complaints into warning rows (a global level change here would blind it).
    logger = logging.getLogger("exifread")
    quiet = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(quiet)
    logger.propagate = False
    try:
        if tiff:
            payload = data[6:] if data.startswith(b"Exif\x00\x00") else data
            tags = exifread.process_file(io.BytesIO(payload), details=False)
        else:
            tags = exifread.process_file(io.BytesIO(data), details=False, stop_tag="DateTimeOriginal")
    except Exception:  # noqa: BLE001 - exifread raises many types on damaged EXIF; no date then
        return None
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate
    for name in ("EXIF DateTimeOriginal", "Image DateTime"):
        value = str(tags.get(name, "")).strip()
        match = re.match(r"(\d{4}):(\d{2}):(\d{2})", value)
        if match:
            try:
                return DateContext(date(*map(int, match.groups())), "exif_date")
            except ValueError:
                continue
    return None


def decode_jpeg(data: bytes) -> Picture:
    import pypdfium2 as pdfium

    width, height = jpeg_size(data)
    if width * height > MAX_PIXELS:
        raise ImageProblem(f"JPEG declares {width} x {height} pixels ({width * height / 1e6:.0f} MP), over the "
                           f"{MAX_PIXELS / 1e6:.0f} MP limit: not decoded", "image.too_large")
    if not width or not height:
        raise ImageProblem("JPEG declares an empty picture", "image.unreadable")
    document = pdfium.PdfDocument.new()
    try:
        image = pdfium.PdfImage.new(document)
        image.load_jpeg(io.BytesIO(data), inline=True)
        bitmap = image.get_bitmap(render=False)
        pixels = bitmap.to_numpy().copy()
    except (pdfium.PdfiumError, OSError, ValueError) as exc:
        raise ImageProblem(f"JPEG could not be decoded: {exc}", "image.unreadable") from None
    finally:
        document.close()
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = pixels[:, :, :3]          # BGRx / CMYK rendered as BGRA: drop the fourth byte
    elif pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    return Picture(pixels, [], _exif_context(data))


def decode_image(data: bytes) -> Picture:
    if data.startswith(PNG_MAGIC):
        return decode_png(data)
    if data.startswith(JPEG_MAGIC):
        return decode_jpeg(data)
    raise ImageProblem("neither PNG nor JPEG", "image.unsupported")


@dataclass(frozen=True)
class Symbol:
    symbology: str
    text: str


def read_symbols(pixels) -> list[Symbol]:
    """The 2-D symbols BCBP allows (PDF417, Aztec, QR, Data Matrix) in a grey or BGR picture."""
    import zxingcpp

    formats = (zxingcpp.BarcodeFormat.PDF417, zxingcpp.BarcodeFormat.Aztec, zxingcpp.BarcodeFormat.QRCode,
               zxingcpp.BarcodeFormat.DataMatrix)
    # Boarding passes are dark on light, also in dark-mode apps: no inverted pass (halves the time).
    found = []
    for symbol in zxingcpp.read_barcodes(pixels, formats=formats, try_invert=False):
        try:
            text = bytes(symbol.bytes).decode("ascii")
        except UnicodeDecodeError:
            text = symbol.text
        found.append(Symbol(str(symbol.format).rpartition(".")[2], text))
    return found


_BCBP_LIKE = re.compile(r"M[1-9]")


def passes_in_symbols(symbols: list[Symbol]) -> Iterator[tuple[int, Symbol, bcbp.BoardingPass | bcbp.BcbpError]]:
    """Each symbol that holds (or looks like) a BCBP message, decoded or with its error. Other
    symbols (a QR code with a link) are no travel evidence and are left out."""
    for index, symbol in enumerate(symbols):
        text = symbol.text.rstrip("\r\n\x00")
        if not _BCBP_LIKE.match(text):
            continue
        try:
            yield index, symbol, bcbp.decode(text)
        except bcbp.BcbpError as exc:
            yield index, symbol, exc


def _symbol_results(ctx: Context, symbols: list[Symbol], context: DateContext | None, base: dict,
                    prefix: str) -> Iterator[Reservation | PluginWarning]:
    for index, symbol, result in passes_in_symbols(symbols):
        pointer = f"{prefix}/barcodes/{index}"
        if isinstance(result, bcbp.BcbpError):
            yield ctx.warning(f"{symbol.symbology} symbol starts like a boarding pass but is not one: {result}",
                              code="bcbp.unreadable", locator=ctx.locate(pointer=pointer, **base), text=symbol.text[:300])
            continue
        yield from reservations(ctx, result, context, {**base, "pointer": pointer})


def image_results(ctx: Context, data: bytes, base: dict, prefix: str = "", *, preferred: DateContext | None = None,
                  fallback: DateContext | None = None) -> Iterator[Reservation | PluginWarning]:
    """Boarding passes in one PNG/JPEG (a file, or a mail attachment: ``base`` locates it). The
    date that places the flight: ``preferred`` (a mail's Date), else the picture's own (EXIF,
    PNG tIME), else ``fallback``."""
    try:
        picture = decode_image(data)
    except ImageProblem as problem:
        yield ctx.warning(str(problem), code=problem.code, locator=ctx.locate(pointer=prefix or None, **base))
        return
    for note in picture.notes:
        yield ctx.warning(note, code="image.damaged", locator=ctx.locate(pointer=prefix or None, **base))
    symbols = read_symbols(picture.pixels)
    yield from _symbol_results(ctx, symbols, preferred or picture.context or fallback, base, prefix)


# --- PDF -----------------------------------------------------------------------------------------

def _pdf_date(value: str | None) -> date | None:
    match = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", value or "")
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


def pdf_results(ctx: Context, document_input, base: dict, prefix: str = "", *, preferred: DateContext | None = None,
                fallback: DateContext | None = None) -> Iterator[Reservation | PluginWarning]:
    """Boarding passes on the first MAX_PDF_PAGES pages of a PDF (file object or bytes), dated by
    ``preferred``, else the document's CreationDate/ModDate, else ``fallback``."""
    import pypdfium2 as pdfium

    where = ctx.locate(pointer=prefix or None, **base)
    try:
        document = pdfium.PdfDocument(document_input)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == 4 or "password" in str(exc).lower():
            yield ctx.warning("password-protected PDF: cannot open", code="pdf.encrypted", locator=where)
        else:
            yield ctx.warning(f"PDF could not be opened: {exc}", code="pdf.unreadable", locator=where)
        return
    try:
        context = preferred
        if context is None:
            for key, name in (("CreationDate", "pdf_creation_date"), ("ModDate", "pdf_modification_date")):
                try:
                    day = _pdf_date(document.get_metadata_value(key))
                except (pdfium.PdfiumError, KeyError, ValueError):
                    day = None
                if day is not None:
                    context = DateContext(day, name)
                    break
        context = context or fallback
        pages = len(document)
        if pages > MAX_PDF_PAGES:
            yield ctx.warning(f"PDF has {pages} pages: only the first {MAX_PDF_PAGES} were searched for boarding "
                              f"passes", code="pdf.page_limit", locator=where, pages=pages)
        for number in range(min(pages, MAX_PDF_PAGES)):
            page_prefix = f"{prefix}/pages/{number}"
            try:
                page = document[number]
            except pdfium.PdfiumError as exc:
                yield ctx.warning(f"PDF page {number + 1} could not be read: {exc}", code="pdf.unreadable",
                                  locator=ctx.locate(pointer=page_prefix, **base))
                continue
            try:
                yield from _pdf_page(ctx, page, context, base, page_prefix)
            finally:
                page.close()
    finally:
        document.close()


def _pdf_page(ctx: Context, page, context: DateContext | None, base: dict,
              page_prefix: str) -> Iterator[Reservation | PluginWarning]:
    import pypdfium2 as pdfium

    width, height = page.get_size()
    scale = PDF_DPI / 72
    if width * height * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
        yield ctx.warning(f"PDF page of {width:.0f} x {height:.0f} points rendered at {scale * 72:.0f} dpi "
                          f"(pixel limit)", code="pdf.page_too_large", locator=ctx.locate(pointer=page_prefix, **base))
    try:
        bitmap = page.render(scale=scale, grayscale=True)
        pixels = bitmap.to_numpy()
        if pixels.ndim == 3:
            pixels = pixels[:, :, 0]
        symbols = read_symbols(pixels.copy())
    except pdfium.PdfiumError as exc:
        yield ctx.warning(f"PDF page could not be rendered: {exc}", code="pdf.unreadable",
                          locator=ctx.locate(pointer=page_prefix, **base))
        symbols = []
    yield from _symbol_results(ctx, symbols, context, base, page_prefix)


# --- text and mail -------------------------------------------------------------------------------

_HEADER_LINE = re.compile(rb"[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]")
_MAIL_HEADERS = re.compile(rb"^(?:from|to|date|subject|message-id|received|return-path|delivered-to|mime-version"
                           rb"|x-[a-z0-9-]+|content-type):", re.IGNORECASE | re.MULTILINE)
_MAIL_WORTH_PARSING = re.compile(rb"M[1-9]|(?i:base64|content-type:\s*(?:image|application)/)")
_TAG = re.compile(r"<[^<>]{0,2000}>")


def html_text(markup: str) -> str:
    """An HTML body as text to search: each tag becomes a line break and entities are resolved.
    Script contents stay (a JSON-LD ticketToken may hold the message); nothing is executed or
    fetched, and the pattern is linear in the size of the body."""
    return html.unescape(_TAG.sub("\n", markup))


def _looks_like_mail(head: bytes) -> bool:
    if head.startswith(b"From "):
        return True
    first = head.split(b"\n", 1)[0]
    return bool(_HEADER_LINE.match(first)) and len(_MAIL_HEADERS.findall(head[:16384])) >= 2


def _decode_part(payload: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate)
        except (LookupError, ValueError):   # ValueError: a charset name with a NUL in it; UnicodeDecodeError
            continue
    return payload.decode("latin-1")


@dataclass
class _MailBudget:
    decodes_left: int
    warned: bool = False


def message_results(ctx: Context, raw: bytes, base: dict, budget: _MailBudget,
                    fallback: DateContext | None = None) -> Iterator[Reservation | PluginWarning]:
    """Boarding passes in one RFC 822 message: text bodies, HTML bodies, image and PDF parts.
    Each message is dated by its Date header. A message that repeats a pass (text and HTML
    alternatives, or text and barcode) yields it once, located at its first sighting."""
    try:
        yield from _message_items(ctx, raw, base, budget, fallback)
    except RecursionError:
        yield ctx.warning("message nested too deeply to parse (hostile MIME structure): not searched",
                          code="mail.unreadable", locator=ctx.locate(**base))


def _message_items(ctx: Context, raw: bytes, base: dict, budget: _MailBudget,
                   fallback: DateContext | None) -> Iterator[Reservation | PluginWarning]:
    message = email.message_from_bytes(raw)
    context = fallback
    try:
        sent = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
        context = DateContext(sent.date(), "mail_date")
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    seen: set[str] = set()
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - malformed transfer encodings in hostile mail
            payload = None
        if not payload:
            continue
        content_type = part.get_content_type()
        try:
            filename = part.get_filename()
        except Exception:  # noqa: BLE001 - a malformed RFC 2231 name
            filename = None
        prefix = f"/parts/{number}"
        where = {**base, "member": str(filename)} if filename else dict(base)
        if content_type.startswith("text/"):
            text = _decode_part(payload, part.get_content_charset())
            if content_type == "text/html":
                text = html_text(text)
            for offset, decoded in bcbp.find_candidates(text):
                if decoded.raw not in seen:
                    seen.add(decoded.raw)
                    yield from reservations(ctx, decoded, context, {**where, "pointer": f"{prefix}/text/{offset}"})
            continue
        kind = ("image" if payload.startswith((PNG_MAGIC, JPEG_MAGIC))
                else "pdf" if payload[:1024].lstrip().startswith(PDF_MAGIC) else None)
        if kind is None:
            continue
        if budget.decodes_left <= 0:
            if not budget.warned:
                budget.warned = True
                yield ctx.warning(f"more than {MAX_ATTACHMENT_DECODES} image/PDF attachments: the rest were not "
                                  f"searched for boarding passes", code="mail.attachment_limit",
                                  locator=ctx.locate(**base))
            continue
        budget.decodes_left -= 1
        results = (image_results(ctx, payload, where, prefix, preferred=context) if kind == "image"
                   else pdf_results(ctx, payload, where, prefix, preferred=context))
        found: set[str] = set()
        for item in results:
            if isinstance(item, Reservation) and item.ticket_token:
                if item.ticket_token in seen:
                    continue
                found.add(item.ticket_token)
            yield item
        seen |= found


def _mbox_messages(handle) -> Iterator[tuple[int, int, bytes, bool]]:
    """(offset, length, bytes, complete) per message of an mbox, reading line by line; a
    message over MAX_MESSAGE_BYTES keeps its first MAX_MESSAGE_BYTES."""
    offset = 0
    start: int | None = None
    buffer = bytearray()
    complete = True
    previous_blank = True
    while True:
        line = handle.readline(1 << 20)
        if not line:
            break
        if line.startswith(b"From ") and previous_blank:
            if start is not None:
                yield start, offset - start, bytes(buffer), complete
            start, buffer, complete = offset, bytearray(), True
        if start is None:
            start = offset
        if len(buffer) + len(line) <= MAX_MESSAGE_BYTES:
            buffer += line
        else:
            complete = False
        previous_blank = line in (b"\n", b"\r\n")
        offset += len(line)
    if start is not None:
        yield start, offset - start, bytes(buffer), complete


class BoardingPassText(Extractor):
    name = "travel.bcbp.text"
    version = "1.0.0"
    description = ("IATA BCBP boarding-pass messages in text files and e-mail (eml, emlx, Maildir, mbox): "
                   "bodies and image/PDF attachments; one flight reservation per leg.")
    selects = [Select(glob="**/*.txt"), Select(glob="**/*.eml"), Select(glob="**/*.emlx"),
               Select(glob="**/*.mbox"), Select(glob="**/*.mbx"), Select(magic=b"From "),
               Select(magic=b"Return-Path:"), Select(magic=b"Received:"), Select(magic=b"Delivered-To:"),
               Select(magic=b"X-Mozilla-Status:")]
    kinds = [Reservation]
    time_limit = 600.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        head = ctx.read_bytes(limit=65536)
        fallback = _context_from_source(source)
        budget = _MailBudget(decodes_left=MAX_ATTACHMENT_DECODES)
        if source.name.lower().endswith(".emlx") and head.split(b"\n", 1)[0].strip().isdigit():
            first = head.split(b"\n", 1)[0]
            length = int(first.strip())
            if length > MAX_MESSAGE_BYTES:
                yield ctx.warning(f"emlx message of {length} bytes is over the {MAX_MESSAGE_BYTES} byte limit: "
                                  f"only its start was searched", code="mail.too_large")
            with ctx.open() as handle:
                raw = handle.read(len(first) + 1 + min(length, MAX_MESSAGE_BYTES))[len(first) + 1:]
            yield from message_results(ctx, raw, {"offset": len(first) + 1, "length": len(raw)}, budget, fallback)
            return
        if head.startswith(b"From "):
            with ctx.open() as handle:
                for offset, length, raw, complete in _mbox_messages(handle):
                    base = {"offset": offset, "length": length}
                    if not complete:
                        yield ctx.warning(f"message of {length} bytes is over the {MAX_MESSAGE_BYTES} byte limit: "
                                          f"only its start was searched", code="mail.too_large",
                                          locator=ctx.locate(**base))
                    if not _MAIL_WORTH_PARSING.search(raw):
                        continue       # no "M<digit>", no encoded part, no image/PDF: nothing to find
                    yield from message_results(ctx, raw, base, budget, fallback)
            return
        if _looks_like_mail(head):
            if source.size > MAX_MESSAGE_BYTES:
                yield ctx.warning(f"message of {source.size} bytes is over the {MAX_MESSAGE_BYTES} byte limit: "
                                  f"only its start was searched", code="mail.too_large")
            raw = ctx.read_bytes(limit=MAX_MESSAGE_BYTES)
            yield from message_results(ctx, raw, {"offset": 0, "length": len(raw)}, budget, fallback)
            return
        yield from self._plain_text(ctx, source, head, fallback)

    def _plain_text(self, ctx: Context, source: Source, head: bytes,
                    fallback: DateContext | None) -> Iterator[Reservation | PluginWarning]:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            # UTF-16 (Windows "Unicode" text): small enough files are decoded whole.
            if source.size > MAX_MESSAGE_BYTES:
                yield ctx.warning("UTF-16 text file over the size limit: not searched", code="text.too_large")
                return
            text = ctx.read_bytes().decode("utf-16", errors="replace")
            for offset, decoded in bcbp.find_candidates(text):
                yield from reservations(ctx, decoded, fallback,
                                        {"offset": 2 + 2 * offset, "length": 2 * len(decoded.raw),
                                         "line": text.count("\n", 0, offset) + 1})
            return
        # Chunks overlap by more than the longest message, so a message that starts in one chunk
        # is read whole there; the next chunk skips what was already reported.
        position = 0
        lines_before = 0
        reported_until = 0
        while position < source.size:
            data = ctx.read_at(position, TEXT_CHUNK + TEXT_OVERLAP)
            if not data:
                break
            text = data.decode("latin-1")            # one character per byte: offsets stay byte offsets
            last_chunk = position + len(data) >= source.size
            for offset, decoded in bcbp.find_candidates(text):
                if offset >= TEXT_CHUNK and not last_chunk:
                    break                              # the next chunk starts before it
                if position + offset < reported_until:
                    continue
                reported_until = position + offset + len(decoded.raw)
                yield from reservations(ctx, decoded, fallback,
                                        {"offset": position + offset, "length": len(decoded.raw),
                                         "line": lines_before + text.count("\n", 0, offset) + 1})
            if last_chunk:
                break
            lines_before += data[:TEXT_CHUNK].count(b"\n")
            position += TEXT_CHUNK


class BoardingPassImage(Extractor):
    name = "travel.bcbp.image"
    version = "1.0.0"
    description = "IATA BCBP boarding passes in PDF417/Aztec/QR/Data Matrix symbols in PNG and JPEG images."
    # Screenshots (PNG) anywhere; JPEGs only where saved passes land (downloads, messengers,
    # mail attachments, screenshots): decoding every camera photo costs ~0.25 s a picture.
    selects = [Select(magic=PNG_MAGIC)] + [
        Select(glob=glob, magic=JPEG_MAGIC)
        for glob in ("**/Download*/**", "**/Screenshot*/**", "**/WhatsApp*/**", "**/Telegram*/**",
                     "**/Documents/**", "**/Attachments/**", "**/Mail*/**", "**/Wallet*/**")]
    kinds = [Reservation]
    time_limit = 60.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        if source.size > MAX_IMAGE_BYTES:
            yield ctx.warning(f"image of {source.size} bytes is over the {MAX_IMAGE_BYTES} byte limit: not searched "
                              f"for boarding passes", code="image.too_large")
            return
        yield from image_results(ctx, ctx.read_bytes(), {}, fallback=_context_from_source(source))


class BoardingPassPdf(Extractor):
    name = "travel.bcbp.pdf"
    version = "1.0.0"
    description = (f"IATA BCBP boarding passes in PDF417/Aztec/QR/Data Matrix symbols on PDF pages rendered at "
                   f"{PDF_DPI} dpi (first {MAX_PDF_PAGES} pages).")
    selects = [Select(magic=PDF_MAGIC)]
    kinds = [Reservation]
    time_limit = 120.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        handle = ctx.open()
        try:
            yield from pdf_results(ctx, handle, {}, fallback=_context_from_source(source))
        finally:
            handle.close()
