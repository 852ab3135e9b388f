"""Where and when a photo was taken: EXIF GPS from JPEG, TIFF, HEIC/HEIF, PNG and WebP.

Files are chosen by their magic bytes, never by extension. We find the EXIF block ourselves in
each container (JPEG APP1 "Exif", the TIFF file itself, the PNG eXIf chunk or ImageMagick's
"Raw profile type exif" text chunk, the WebP EXIF chunk, the HEIF Exif item) and hand only
that block to `exifread` (details=False: no maker notes, no thumbnails), through a reader
that caps every read and the number of reads, so a recursive or absurd IFD costs milliseconds.
Where a file has no EXIF GPS but XMP does (exif:GPSLatitude, as ExifTool also reads), the XMP
position is used and the point says origin "xmp".

What a point holds:
- latitude/longitude as signed decimal degrees (S and W negative), computed like ExifTool
  (degrees + minutes/60 + seconds/3600, then the hemisphere reference);
- altitude with its reference (below sea level negative), GPSHPositioningError as accuracy;
- time: the GPS date + time stamp (UTC by definition); without it, DateTimeOriginal with
  OffsetTimeOriginal; a DateTimeOriginal without offset is kept raw and not placed in UTC
  (encoding "exif_wallclock_no_zone", status "unparsable");
- local_time: DateTimeOriginal as the camera recorded it (ISO 8601, with OffsetTimeOriginal
  where present); without it, the UTC time shown in the zone at the point;
- camera make/model, image size (the container's pixel size, else EXIF's), the nearest
  place, its country and the IANA zone at the point (offline, see forensic_triage.geo.places).

Impossible points are not stored; each is a warning saying why: 0°,0° from empty tags,
|latitude| > 90, |longitude| > 180, a rational with denominator 0, not-a-number. A file
without GPS yields nothing and no warning. Damaged files yield warnings, never an exception:
a JPEG cut short (no end-of-image marker), a stray marker inside the compressed scan
(what libjpeg calls "Corrupt JPEG data"), a PNG without IEND or with a bad CRC on the chunk
we read, an EXIF block exifread reports as malformed, and EXIF fields stored with a
non-standard type (typical of editing programs rewriting a camera's block).
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any, BinaryIO

from forensic_triage.geo import places
from forensic_triage.sdk import Context, Extractor, GeoPoint, PluginWarning, Select, Source, TimeValue

from forensic_triage_plugins.video_geo import BoxLimit, Walker

MAX_EXIF = 8 << 20           # bytes of an EXIF block taken from PNG/WebP/HEIF
MAX_XMP = 2 << 20
MAX_READS = 200_000          # reads exifread may make on one file
MAX_READ = 1 << 20           # bytes per read handed to exifread
SCAN_CHUNK = 1 << 20
MAX_SEGMENTS = 10_000
MAX_CHUNKS = 100_000
MAX_WARNINGS = 5

JPEG, TIFF, PNG, WEBP, HEIF = "JPEG", "TIFF", "PNG", "WebP", "HEIF"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"mif2", b"msf1", b"avif", b"avis")
XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\x00"
NS_EXIF = "http://ns.adobe.com/exif/1.0/"
NS_TIFF = "http://ns.adobe.com/tiff/1.0/"

# Markers that may follow 0xFF inside entropy-coded data without being damage: stuffing (00),
# restarts (D0-D7), fill (FF). Anything else ends the scan; what it is decides if that is fine.
_SCAN_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_DTO = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")

# Standard formats (TIFF field types) and counts of the EXIF fields this plugin relies on or
# that identify a conforming writer, as EXIF 2.32 defines them. ASCII counts vary in the wild
# and are not checked.
_TYPE_NAMES = {1: "BYTE", 2: "ASCII", 3: "SHORT", 4: "LONG", 5: "RATIONAL", 7: "UNDEFINED", 9: "SLONG",
               10: "SRATIONAL", 11: "FLOAT", 12: "DOUBLE"}
_STANDARD: dict[tuple[str, int], tuple[str, int, int | None]] = {
    ("EXIF", 0x9000): ("ExifVersion", 7, 4),
    ("EXIF", 0xA000): ("FlashpixVersion", 7, 4),
    ("EXIF", 0x9101): ("ComponentsConfiguration", 7, 4),
    ("EXIF", 0x9003): ("DateTimeOriginal", 2, None),
    ("EXIF", 0x9011): ("OffsetTimeOriginal", 2, None),
    ("GPS", 0x0000): ("GPSVersionID", 1, 4),
    ("GPS", 0x0001): ("GPSLatitudeRef", 2, None),
    ("GPS", 0x0002): ("GPSLatitude", 5, 3),
    ("GPS", 0x0003): ("GPSLongitudeRef", 2, None),
    ("GPS", 0x0004): ("GPSLongitude", 5, 3),
    ("GPS", 0x0005): ("GPSAltitudeRef", 1, 1),
    ("GPS", 0x0006): ("GPSAltitude", 5, 1),
    ("GPS", 0x0007): ("GPSTimeStamp", 5, 3),
    ("GPS", 0x001D): ("GPSDateStamp", 2, None),
}


class ExifTooComplex(Exception):
    """exifread asked for more reads than any real EXIF block needs."""


class _CappedReader:
    """What exifread reads through: every read capped in size, the number of reads bounded."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads > MAX_READS:
            raise ExifTooComplex(f"gave up after {MAX_READS} reads of the EXIF structure")
        if size is None or size < 0 or size > MAX_READ:
            size = MAX_READ
        return self._raw.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET and offset < 0:
            raise ExifTooComplex("negative offset in the EXIF structure")
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # noqa: BLE001 - a malformed log call must not break extraction
            self.messages.append(str(record.msg))


@dataclass
class Container:
    """What the container walk found: the EXIF (TIFF) block and where it lies, XMP, pixel size,
    and damage seen on the way."""

    kind: str
    tiff: bytes | None = None
    tiff_offset: int | None = None
    whole_file: bool = False          # TIFF: exifread reads the file itself
    xmp: bytes | None = None
    xmp_offset: int | None = None
    width: int | None = None
    height: int | None = None
    problems: list[tuple[str, str, int | None]] = field(default_factory=list)   # (code, message, byte offset)

    def problem(self, code: str, message: str, offset: int | None = None) -> None:
        self.problems.append((code, message, offset))


def detect(head: bytes) -> str | None:
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:8] == PNG_SIGNATURE:
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return HEIF
    return None


class _Reader:
    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle = handle
        self.size = size

    def __call__(self, offset: int, length: int) -> bytes:
        if offset >= self.size or length <= 0:
            return b""
        self.handle.seek(offset)
        return self.handle.read(min(length, self.size - offset))


# --- JPEG -----------------------------------------------------------------------------------------

def walk_jpeg(read: _Reader) -> Container:
    found = Container(JPEG)
    position, segments = 2, 0
    while True:
        segments += 1
        if segments > MAX_SEGMENTS:
            found.problem("image.malformed", f"more than {MAX_SEGMENTS} JPEG segments: stopped reading")
            return found
        head = read(position, 4)
        if len(head) < 2:
            found.problem("image.truncated", f"JPEG ends at byte {position} before any image data: "
                                                      "truncated")
            return found
        if head[0] != 0xFF:
            found.problem("image.malformed", f"JPEG segment marker expected at byte {position}, found "
                                                      f"0x{head[0]:02X}: the header is damaged")
            return found
        marker = head[1]
        if marker == 0xFF:            # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        if marker == 0xD9:
            found.problem("image.malformed", "JPEG ends (EOI) before any image data")
            return found
        if len(head) < 4:
            found.problem("image.truncated", f"JPEG cut short inside the segment at byte {position}")
            return found
        length = struct.unpack(">H", head[2:4])[0]
        if length < 2:
            found.problem("image.malformed", f"JPEG segment 0x{marker:02X} at byte {position} declares "
                                                      f"an impossible length {length}")
            return found
        if position + 2 + length > read.size:
            found.problem("image.truncated", f"JPEG segment 0x{marker:02X} at byte {position} runs past "
                                                      f"the end of the file: truncated")
            return found
        if marker == 0xE1 and (found.tiff is None or found.xmp is None):
            payload = read(position + 4, length - 2)
            if payload[:5] == b"Exif\x00" and found.tiff is None:
                found.tiff, found.tiff_offset = payload[6:], position + 10
            elif payload.startswith(XMP_JPEG) and found.xmp is None:
                found.xmp, found.xmp_offset = payload[len(XMP_JPEG):], position + 4 + len(XMP_JPEG)
        elif marker in _SOF and found.width is None:
            frame = read(position + 4, 5)
            if len(frame) == 5:
                height, width = struct.unpack(">HH", frame[1:5])
                found.width, found.height = (width or None), (height or None)
        elif marker == 0xDA:
            _check_scan(read, position + 2 + length, found)
            return found
        position += 2 + length


def _check_scan(read: _Reader, position: int, found: Container) -> None:
    """Follow the entropy-coded data (and any segments between progressive scans) to EOI."""
    steps = 0
    while position < read.size:
        steps += 1
        if steps > MAX_SEGMENTS:
            return
        chunk = read(position, SCAN_CHUNK)
        if not chunk:
            break
        match = _SCAN_MARKER.search(chunk)
        if match is None:
            position += len(chunk) - (1 if chunk.endswith(b"\xff") and len(chunk) > 1 else 0)
            continue
        at = position + match.start()
        marker = chunk[match.start() + 1]
        if marker == 0xD9:
            return
        if marker == 0x01:
            position = at + 2
            continue
        if marker < 0xC0:
            found.problem("image.corrupt", f"corrupt JPEG data: invalid marker 0xFF{marker:02X} inside the "
                                                    f"compressed image at byte {at} (the picture is damaged from "
                                                    f"there on; metadata before it is intact)", at)
            return
        length_bytes = read(at + 2, 2)
        if len(length_bytes) < 2:
            break
        position = at + 2 + struct.unpack(">H", length_bytes)[0]
    found.problem("image.truncated", "JPEG ends without its end-of-image marker: the file is truncated "
                                              "(metadata before the cut is intact)")


# --- PNG ------------------------------------------------------------------------------------------

def walk_png(read: _Reader) -> Container:
    found = Container(PNG)
    position, chunks, ended = 8, 0, False
    while position + 8 <= read.size:
        chunks += 1
        if chunks > MAX_CHUNKS:
            found.problem("image.malformed", f"more than {MAX_CHUNKS} PNG chunks: stopped reading")
            return found
        length, kind = struct.unpack(">I4s", read(position, 8))
        if position + 12 + length > read.size:
            found.problem("image.truncated", f"PNG chunk {kind!r} at byte {position} runs past the end "
                                                      "of the file: truncated")
            return found
        data_at = position + 8
        if kind == b"IHDR" and length >= 8:
            found.width, found.height = struct.unpack(">II", read(data_at, 8))
        elif kind == b"eXIf" and found.tiff is None and length <= MAX_EXIF:
            data = read(data_at, length)
            crc = read(data_at + length, 4)
            if struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF) != crc:
                found.problem("image.corrupt", f"PNG eXIf chunk at byte {position} fails its CRC: the "
                                                        "EXIF block was altered or damaged")
            found.tiff, found.tiff_offset = (data[6:], data_at + 6) if data[:6] == b"Exif\x00\x00" else (data, data_at)
        elif kind in (b"tEXt", b"zTXt", b"iTXt") and length <= MAX_EXIF:
            _png_text(read(data_at, length), kind, data_at, found)
        elif kind == b"IEND":
            ended = True
            break
        position += 12 + length
    if not ended:
        found.problem("image.truncated", "PNG ends without its IEND chunk: truncated")
    return found


def _inflate(data: bytes, limit: int) -> bytes | None:
    try:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, limit)
        return out if not inflater.unconsumed_tail else None
    except zlib.error:
        return None


def _png_text(data: bytes, kind: bytes, data_at: int, found: Container) -> None:
    keyword, _nul, rest = data.partition(b"\x00")
    if kind == b"zTXt":
        text = _inflate(rest[1:], MAX_EXIF * 2 + 64)
    elif kind == b"iTXt":
        if len(rest) < 2:
            return
        compressed, body = rest[0], rest[2:]
        _language, _nul, body = body.partition(b"\x00")
        _translated, _nul, body = body.partition(b"\x00")
        text = _inflate(body, MAX_XMP) if compressed else body
    else:
        text = rest
    if text is None:
        return
    if keyword == b"XML:com.adobe.xmp" and found.xmp is None:
        found.xmp, found.xmp_offset = text[:MAX_XMP], data_at
    elif keyword in (b"Raw profile type exif", b"Raw profile type APP1") and found.tiff is None:
        # ImageMagick: "\nexif\n<decimal length>\n<hex lines>"
        lines = text.split(b"\n")
        hex_text = b"".join(line.strip() for line in lines[3:])
        try:
            block = bytes.fromhex(hex_text.decode("ascii"))
        except ValueError:
            found.problem("exif.malformed", "PNG raw EXIF profile is not valid hex")
            return
        start = block.find(b"II*\x00") if b"II*\x00" in block[:16] else block.find(b"MM\x00*")
        if 0 <= start < 16:
            found.tiff, found.tiff_offset = block[start:], data_at


# --- WebP -----------------------------------------------------------------------------------------

def walk_webp(read: _Reader) -> Container:
    found = Container(WEBP)
    declared = struct.unpack("<I", read(4, 4))[0] + 8
    end = min(read.size, declared)
    if declared > read.size:
        found.problem("image.truncated", f"WebP declares {declared} bytes but the file has {read.size}: "
                                                  "truncated")
    position, chunks = 12, 0
    while position + 8 <= end:
        chunks += 1
        if chunks > MAX_CHUNKS:
            break
        kind, length = struct.unpack("<4sI", read(position, 8))
        data_at = position + 8
        if kind == b"VP8X" and length >= 10:
            canvas = read(data_at + 4, 6)
            found.width = int.from_bytes(canvas[0:3], "little") + 1
            found.height = int.from_bytes(canvas[3:6], "little") + 1
        elif kind == b"VP8 " and length >= 10 and found.width is None:
            frame = read(data_at + 6, 4)
            if len(frame) == 4:
                found.width = struct.unpack("<H", frame[:2])[0] & 0x3FFF
                found.height = struct.unpack("<H", frame[2:])[0] & 0x3FFF
        elif kind == b"VP8L" and length >= 5 and found.width is None:
            bits = read(data_at + 1, 4)
            if len(bits) == 4:
                value = int.from_bytes(bits, "little")
                found.width, found.height = (value & 0x3FFF) + 1, ((value >> 14) & 0x3FFF) + 1
        elif kind == b"EXIF" and found.tiff is None and length <= MAX_EXIF:
            data = read(data_at, length)
            found.tiff, found.tiff_offset = (data[6:], data_at + 6) if data[:6] == b"Exif\x00\x00" else (data, data_at)
        elif kind == b"XMP " and found.xmp is None and length <= MAX_XMP:
            found.xmp, found.xmp_offset = read(data_at, length), data_at
        position = data_at + length + (length & 1)
    return found


# --- HEIF -----------------------------------------------------------------------------------------

def _uint(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at:at + size], "big") if size else 0


def walk_heif(read: _Reader) -> Container:
    found = Container(HEIF)
    walker = Walker(read_at=read, size=read.size)
    try:
        meta = next((box for box in walker.boxes(0, read.size) if box.kind == b"meta"), None)
        if meta is None:
            return found
        exif_ids: list[int] = []
        locations: dict[int, tuple[int, list[tuple[int, int]]]] = {}
        idat_start = None
        for child in walker.children(meta, 1):
            if child.kind == b"iinf":
                exif_ids = _exif_items(walker, child)
            elif child.kind == b"iloc":
                locations = _item_locations(walker.payload(child))
            elif child.kind == b"idat":
                idat_start = child.start
            elif child.kind == b"iprp":
                for container in walker.children(child, 2):
                    if container.kind == b"ipco":
                        for prop in walker.children(container, 3):
                            if prop.kind == b"ispe":
                                size = walker.payload(prop, 12)
                                if len(size) == 12:
                                    width, height = struct.unpack(">II", size[4:12])
                                    if (width * height) > (found.width or 0) * (found.height or 0):
                                        found.width, found.height = width, height
    except BoxLimit as exc:
        found.problem("image.malformed", f"HEIF structure not read to the end: {exc}")
        return found
    for problem in walker.problems[:MAX_WARNINGS]:
        found.problem("image.malformed", f"HEIF box structure: {problem}")
    for item_id in exif_ids:
        if item_id not in locations:
            continue
        method, extents = locations[item_id]
        base = idat_start if method == 1 and idat_start is not None else 0
        if method not in (0, 1):
            continue
        data, first = b"", None
        for offset, length in extents:
            if len(data) + length > MAX_EXIF:
                break
            first = base + offset if first is None else first
            data += read(base + offset, length)
        if len(data) < 8:
            found.problem("exif.malformed", "HEIF Exif item is empty or lies outside the file")
            continue
        skip = 4 + struct.unpack(">I", data[:4])[0]
        start = skip if data[skip:skip + 4] in (b"II*\x00", b"MM\x00*") else -1
        if start < 0:
            for marker in (b"II*\x00", b"MM\x00*"):
                index = data.find(marker, 4, 64)
                if index >= 0:
                    start = index
                    break
        if start < 0:
            found.problem("exif.malformed", "HEIF Exif item holds no TIFF header")
            continue
        found.tiff, found.tiff_offset = data[start:], (first or 0) + start
        break
    return found


def _exif_items(walker: Walker, iinf) -> list[int]:
    payload = walker.payload(iinf)
    if len(payload) < 6:
        return []
    start = 4 + (2 if payload[0] == 0 else 4)
    ids = []
    for entry in walker.boxes(iinf.start + start, iinf.end, 2):
        if entry.kind != b"infe":
            continue
        data = walker.payload(entry, 64)
        version = data[0] if data else 0
        if version == 2 and len(data) >= 12:
            item_id, kind = struct.unpack(">H", data[4:6])[0], data[8:12]
        elif version >= 3 and len(data) >= 14:
            item_id, kind = struct.unpack(">I", data[4:8])[0], data[10:14]
        else:
            continue
        if kind == b"Exif":
            ids.append(item_id)
    return ids


def _item_locations(data: bytes) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """iloc: item id -> (construction method, [(offset, length), ...])."""
    if len(data) < 8:
        return {}
    version = data[0]
    offset_size, length_size = data[4] >> 4, data[4] & 15
    base_size, index_size = data[5] >> 4, (data[5] & 15) if version in (1, 2) else 0
    if version < 2:
        count, position = struct.unpack(">H", data[6:8])[0], 8
    else:
        count, position = struct.unpack(">I", data[6:10])[0], 10
    items: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for _ in range(min(count, 10_000)):
        id_size = 2 if version < 2 else 4
        if position + id_size > len(data):
            break
        item_id = _uint(data, position, id_size)
        position += id_size
        method = 0
        if version in (1, 2):
            method = _uint(data, position, 2) & 15
            position += 2
        position += 2                                   # data_reference_index
        base = _uint(data, position, base_size)
        position += base_size
        extent_count = _uint(data, position, 2)
        position += 2
        extents = []
        for _ in range(min(extent_count, 1_000)):
            position += index_size
            extent_offset = _uint(data, position, offset_size)
            position += offset_size
            extent_length = _uint(data, position, length_size)
            position += length_size
            extents.append((base + extent_offset, extent_length))
        if position > len(data):
            break
        items[item_id] = (method, extents)
    return items


# --- EXIF values ----------------------------------------------------------------------------------

def _read_exif(stream: BinaryIO) -> tuple[dict[str, Any], list[str], str | None]:
    """exifread's tags, the warnings it logged, and why it failed (or None)."""
    import exifread

    logger = logging.getLogger("exifread")
    capture = _Capture()
    propagate = logger.propagate
    logger.addHandler(capture)
    logger.propagate = False          # its complaints become warning rows here, not lines on stderr
    try:
        tags = exifread.process_file(_CappedReader(stream), details=False, extract_thumbnail=False)
        error = None
    except ExifTooComplex as exc:
        tags, error = {}, f"EXIF structure too large or recursive: {exc}"
    except RecursionError:
        tags, error = {}, "EXIF structure nests its directories without end"
    except Exception as exc:  # noqa: BLE001 - exifread raises many types on damaged input
        tags, error = {}, f"EXIF unreadable: {type(exc).__name__}: {exc}"
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate
    return tags or {}, capture.messages, error


def _by_ifd(tags: dict[str, Any]) -> dict[str, dict[int, Any]]:
    grouped: dict[str, dict[int, Any]] = {"Image": {}, "EXIF": {}, "GPS": {}}
    for key, tag in tags.items():
        prefix = key.split(" ", 1)[0]
        number = getattr(tag, "tag", None)
        if prefix in grouped and isinstance(number, int):
            grouped[prefix].setdefault(number, tag)
    return grouped


def _text(tag: Any) -> str | None:
    if tag is None:
        return None
    values = tag.values
    if isinstance(values, bytes):
        values = values.split(b"\x00", 1)[0].decode("utf-8", "replace")
    elif isinstance(values, list):
        try:
            values = bytes(v for v in values if isinstance(v, int) and 0 <= v < 256).split(b"\x00", 1)[0].decode(
                "utf-8", "replace")
        except ValueError:
            return None
    text = str(values).strip(" \x00\t\r\n")
    return text or None


def _rationals(tag: Any) -> list[tuple[int | float, int | float]] | None:
    """A tag's values as (numerator, denominator) pairs; None when not numeric."""
    values = tag.values if tag is not None else None
    if not isinstance(values, list):
        return None
    out: list[tuple[int | float, int | float]] = []
    for value in values:
        if isinstance(value, Fraction):
            out.append((value.numerator, value.denominator))
        elif isinstance(value, bool):
            return None
        elif isinstance(value, int):
            out.append((value, 1))
        elif isinstance(value, float):
            out.append((value, 1))
        elif isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], float):
            out.append((value[0], 1))
        else:
            return None
    return out


class Rejected(Exception):
    """A value that must not become a point; the message says why."""


def _coordinate(tag: Any, ref_tag: Any, name: str, negative: str, notes: list[str]) -> float:
    parts = _rationals(tag)
    if not parts:
        count = tag.field_length // 8 if getattr(tag, "field_length", None) else 0
        raise Rejected(f"{name} holds no usable values" + (f" (declared count {count})" if count else ""))
    if len(parts) > 3:
        raise Rejected(f"{name} holds {len(parts)} values instead of 3")
    value = 0.0
    for index, (numerator, denominator) in enumerate(parts):
        if denominator == 0:
            raise Rejected(f"{name} is a malformed rational (denominator 0)")
        value += (numerator / denominator) / (60 ** index)
    if not math.isfinite(value):
        raise Rejected(f"{name} is not a number")
    ref = (_text(ref_tag) or "").upper()[:1]
    if ref == negative:
        value = -value
    elif not ref:
        notes.append(f"{name}Ref is missing: the value is taken as {'north' if negative == 'S' else 'east'}")
    elif ref not in "NSEW":
        notes.append(f"{name}Ref is {ref!r}, not a hemisphere: the value is taken as "
                     f"{'north' if negative == 'S' else 'east'}")
    return value


def _check_point(latitude: float, longitude: float) -> None:
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise Rejected("latitude or longitude is not a number")
    if abs(latitude) > 90:
        raise Rejected(f"latitude {latitude:.6f} lies beyond ±90°")
    if abs(longitude) > 180:
        raise Rejected(f"longitude {longitude:.6f} lies beyond ±180°")
    if latitude == 0 and longitude == 0:
        raise Rejected("latitude and longitude are both 0 (empty GPS tags, not a fix)")


def _altitude(gps: dict[int, Any], notes: list[str]) -> float | None:
    parts = _rationals(gps.get(0x0006))
    if not parts:
        return None
    numerator, denominator = parts[0]
    if denominator == 0:
        notes.append("GPSAltitude is a malformed rational (denominator 0): altitude left out")
        return None
    value = numerator / denominator
    if not math.isfinite(value):
        return None
    ref = _rationals(gps.get(0x0005))
    if ref and ref[0][0] == 1:
        value = -abs(value)
    return value


def _accuracy(gps: dict[int, Any]) -> float | None:
    parts = _rationals(gps.get(0x001F))
    if not parts or parts[0][1] == 0:
        return None
    value = parts[0][0] / parts[0][1]
    return value if math.isfinite(value) and value >= 0 else None


def _gps_time(gps: dict[int, Any], notes: list[str]) -> TimeValue | None:
    date_text, stamp = _text(gps.get(0x001D)), _rationals(gps.get(0x0007))
    if not date_text or not stamp:
        return None
    raw = f"GPSDateStamp={date_text} GPSTimeStamp=" + ",".join(f"{n}/{d}" for n, d in stamp)
    match = re.match(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})$", date_text)
    if not match or len(stamp) != 3 or any(d == 0 for _n, d in stamp):
        notes.append(f"GPS date/time stamp unreadable: {raw!r}")
        return TimeValue(utc=None, raw=raw, encoding="exif_gps_utc", status="unparsable")
    try:
        hours, minutes = (Fraction(n) / Fraction(d) for n, d in stamp[:2])
        seconds = Fraction(stamp[2][0]) / Fraction(stamp[2][1])
        moment = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=timezone.utc) + timedelta(
            hours=float(hours), minutes=float(minutes), microseconds=round(seconds * 1_000_000))
        if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
            raise ValueError("out of range")
    except (ValueError, OverflowError, ZeroDivisionError):
        notes.append(f"GPS date/time stamp unreadable: {raw!r}")
        return TimeValue(utc=None, raw=raw, encoding="exif_gps_utc", status="unparsable")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}" if moment.microsecond else "") + "Z"
    return TimeValue(utc=text, raw=raw, encoding="exif_gps_utc")


@dataclass
class Captured:
    """DateTimeOriginal and its offset, as written."""

    text: str                    # "2008:10:22 16:28:39"
    local: str                   # "2008-10-22T16:28:39" (+ offset when known)
    offset: str | None           # "+02:00"
    utc: str | None              # when the offset is known

    def time(self) -> TimeValue:
        if self.utc is not None:
            return TimeValue(utc=self.utc, raw=f"{self.text} {self.offset}", encoding="exif_datetime_original_offset")
        return TimeValue(utc=None, raw=self.text, encoding="exif_wallclock_no_zone", status="unparsable")


def captured(date_text: str | None, offset_text: str | None) -> Captured | None:
    if not date_text:
        return None
    match = _DTO.match(date_text)
    if not match:
        return None
    try:
        wall = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None                  # "0000:00:00 00:00:00" and other blanks
    local = wall.strftime("%Y-%m-%dT%H:%M:%S")
    offset, utc = None, None
    offset_match = _OFFSET.match((offset_text or "").strip())
    if offset_match:
        sign = 1 if offset_match[1] == "+" else -1
        delta = timedelta(hours=int(offset_match[2]), minutes=int(offset_match[3]))
        if delta <= timedelta(hours=14):
            offset = f"{offset_match[1]}{offset_match[2]}:{offset_match[3]}"
            local += offset
            utc = (wall - sign * delta).strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    return Captured(text=match.group(0), local=local, offset=offset, utc=utc)


def _nonstandard(tags: dict[str, Any]) -> list[str]:
    found = []
    for key, tag in tags.items():
        prefix = key.split(" ", 1)[0]
        rule = _STANDARD.get((prefix, getattr(tag, "tag", -1)))
        if rule is None:
            continue
        name, standard_type, standard_count = rule
        kind = int(getattr(tag, "field_type", 0) or 0)
        if kind != standard_type:
            found.append(f"{name} stored as {_TYPE_NAMES.get(kind, kind)} (standard: {_TYPE_NAMES[standard_type]})")
            continue
        size = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 10: 8}.get(kind, 1)
        count = (getattr(tag, "field_length", 0) or 0) // size
        if standard_count is not None and count != standard_count:
            found.append(f"{name} has {count} value{'s' if count != 1 else ''} (standard: {standard_count})")
    return found


_EXIFREAD_PLAIN = {
    "No values found for GPS SubIFD": "the GPSInfo pointer holds no value (an empty GPS directory): no coordinates",
    "IFD loop detected.": "the EXIF directories link to each other in a loop",
}


# --- XMP ------------------------------------------------------------------------------------------

def _xmp_values(xmp: bytes) -> dict[str, str]:
    """exif:/tiff: properties of an XMP packet (attributes or elements), unparsed."""
    import xml.etree.ElementTree as ElementTree

    start = xmp.find(b"<x:xmpmeta")
    if start < 0:
        start = xmp.find(b"<rdf:RDF")
    if start < 0:
        return {}
    end_tag = b"</x:xmpmeta>" if xmp[start:start + 10] == b"<x:xmpmeta" else b"</rdf:RDF>"
    end = xmp.find(end_tag, start)
    if end < 0:
        return {}
    try:
        root = ElementTree.fromstring(xmp[start:end + len(end_tag)])
    except ElementTree.ParseError:
        return {}
    values: dict[str, str] = {}
    wanted = {NS_EXIF: "exif:", NS_TIFF: "tiff:"}
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.startswith("{"):
                namespace, _brace, local = name[1:].partition("}")
                if namespace in wanted:
                    values.setdefault(wanted[namespace] + local, value)
        if element.tag.startswith("{"):
            namespace, _brace, local = element.tag[1:].partition("}")
            if namespace in wanted and element.text and element.text.strip():
                values.setdefault(wanted[namespace] + local, element.text.strip())
    return values


_XMP_COORD = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEWnsew])\s*$")


def _xmp_coordinate(text: str | None, name: str) -> float:
    match = _XMP_COORD.match(text or "")
    if not match:
        raise Rejected(f"XMP {name} {text!r} is not DDD,MM,SSk or DDD,MM.mmk")
    value = float(match[1]) + float(match[2] or 0) / 60 + float(match[3] or 0) / 3600
    return -value if match[4].upper() in "SW" else value


def _xmp_rational(text: str | None) -> float | None:
    if not text:
        return None
    numerator, _slash, denominator = text.partition("/")
    try:
        value = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


# --- the plugin -----------------------------------------------------------------------------------

class ExifGps(Extractor):
    name = "media.exif_gps"
    version = "1.0.0"
    description = ("Photo locations from EXIF GPS (and XMP) in JPEG, TIFF, HEIC/HEIF, PNG and WebP, chosen by magic "
                   "bytes: coordinates, altitude, GPS and capture times, camera, size, offline place and zone.")
    selects = ([Select(magic=b"\xff\xd8\xff"), Select(magic=b"II*\x00"), Select(magic=b"MM\x00*"),
                Select(magic=PNG_SIGNATURE), Select(magic=b"WEBP", magic_offset=8)]
               + [Select(magic=b"ftyp" + brand, magic_offset=4) for brand in HEIF_BRANDS])
    kinds = [GeoPoint]
    time_limit = 30.0

    def extract(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        kind = detect(source.head)
        if kind is None:
            return
        read = _Reader(ctx.open(), source.size)
        try:
            found = {JPEG: walk_jpeg, PNG: walk_png, WEBP: walk_webp, HEIF: walk_heif}[kind](read) \
                if kind != TIFF else Container(TIFF, whole_file=True, tiff_offset=0)
        except (struct.error, ValueError, OverflowError) as exc:
            yield ctx.warning(f"{kind} structure unreadable: {exc}", code="image.malformed")
            return
        for code, message, offset in found.problems[:MAX_WARNINGS]:
            yield ctx.warning(message, code=code, locator=ctx.locate(offset=offset) if offset is not None else None)

        tags: dict[str, Any] = {}
        if found.whole_file or found.tiff is not None:
            stream = read.handle if found.whole_file else io.BytesIO(found.tiff)
            stream.seek(0)
            tags, logged, error = _read_exif(stream)
            exif_locator = ctx.locate(offset=found.tiff_offset,
                                      length=None if found.whole_file else len(found.tiff or b""))
            if error:
                yield ctx.warning(error, code="exif.unreadable", locator=exif_locator)
            for message in list(dict.fromkeys(logged))[:MAX_WARNINGS]:
                if "does not have exif data" in message or "format not recognized" in message:
                    continue
                yield ctx.warning(f"EXIF structure: {_EXIFREAD_PLAIN.get(message, message)}", code="exif.malformed",
                                  locator=exif_locator)
            odd = _nonstandard(tags)
            if odd:
                yield ctx.warning("EXIF fields with non-standard formats (written by a program that does not follow "
                                  "the EXIF standard, e.g. an editor re-saving the photo; values read anyway): "
                                  + "; ".join(odd), code="exif.nonstandard", locator=exif_locator)
        else:
            exif_locator = None
        grouped = _by_ifd(tags)
        yield from self._point(ctx, found, grouped, exif_locator)

    def _point(self, ctx: Context, found: Container, grouped: dict[str, dict[int, Any]],
               exif_locator) -> Iterator[GeoPoint | PluginWarning]:
        image, exif, gps = grouped["Image"], grouped["EXIF"], grouped["GPS"]
        make, model = _text(image.get(0x010F)), _text(image.get(0x0110))
        width = found.width or _first_int(exif.get(0xA002)) or _first_int(image.get(0x0100))
        height = found.height or _first_int(exif.get(0xA003)) or _first_int(image.get(0x0101))
        shot = captured(_text(exif.get(0x9003)), _text(exif.get(0x9011)))
        notes: list[str] = []
        origin, locator = "exif", exif_locator
        latitude = longitude = altitude = accuracy = None
        time: TimeValue | None = None
        has_lat, has_lon = 0x0002 in gps, 0x0004 in gps
        try:
            if has_lat and has_lon:
                latitude = _coordinate(gps[0x0002], gps.get(0x0001), "GPSLatitude", "S", notes)
                longitude = _coordinate(gps[0x0004], gps.get(0x0003), "GPSLongitude", "W", notes)
                _check_point(latitude, longitude)
                altitude = _altitude(gps, notes)
                accuracy = _accuracy(gps)
                time = _gps_time(gps, notes)
            elif has_lat or has_lon:
                raise Rejected("GPS holds a latitude without a longitude, or the reverse")
            elif found.xmp:
                xmp = _xmp_values(found.xmp[:MAX_XMP])
                if "exif:GPSLatitude" in xmp or "exif:GPSLongitude" in xmp:
                    origin = "xmp"
                    locator = ctx.locate(offset=found.xmp_offset, length=len(found.xmp))
                    latitude = _xmp_coordinate(xmp.get("exif:GPSLatitude"), "GPSLatitude")
                    longitude = _xmp_coordinate(xmp.get("exif:GPSLongitude"), "GPSLongitude")
                    _check_point(latitude, longitude)
                    altitude = _xmp_rational(xmp.get("exif:GPSAltitude"))
                    if altitude is not None and xmp.get("exif:GPSAltitudeRef", "").strip() == "1":
                        altitude = -abs(altitude)
                    stamp = xmp.get("exif:GPSTimeStamp")
                    time = ctx.time.iso8601(stamp) if stamp else None
                    make = make or xmp.get("tiff:Make")
                    model = model or xmp.get("tiff:Model")
                    if shot is None and xmp.get("exif:DateTimeOriginal"):
                        shot = _xmp_captured(xmp["exif:DateTimeOriginal"])
                else:
                    return
            else:
                return
        except Rejected as why:
            yield ctx.warning(f"GPS position not stored: {why}", code="geo.impossible_point", locator=locator)
            return
        for note in notes:
            yield ctx.warning(note, code="exif.gps_note", locator=locator)
        if time is None or time.utc is None:
            fallback = shot.time() if shot is not None else None
            if fallback is not None and (time is None or fallback.utc is not None):
                time = fallback
        info = places.point_info(latitude, longitude)
        local = shot.local if shot is not None else places.local_time(time.utc if time else None, info.time_zone)
        yield GeoPoint(latitude=latitude, longitude=longitude, origin=origin, altitude=altitude, accuracy_m=accuracy,
                       time=time, camera_make=make, camera_model=model, place_name=info.place_name,
                       country_code=info.country_code, time_zone=info.time_zone, local_time=local,
                       image_width=width, image_height=height, locator=locator)


def _first_int(tag: Any) -> int | None:
    values = getattr(tag, "values", None)
    if isinstance(values, list) and values and isinstance(values[0], int) and not isinstance(values[0], bool):
        return values[0] if values[0] > 0 else None
    return None


def _xmp_captured(text: str) -> Captured | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    wall = moment.replace(tzinfo=None).strftime("%Y:%m:%d %H:%M:%S")
    offset = moment.strftime("%z")
    return captured(wall, f"{offset[:3]}:{offset[3:]}" if offset else None)
