"""Photos and videos with location metadata, written byte by byte by the project's own code.

- `exif_tiff()` lays out a TIFF/EXIF block (IFD0, the Exif IFD and the GPS IFD) from plain
  entries, with knobs for the damage real files show (zero denominators, empty GPS tags,
  recursive IFD pointers, absurd counts).
- `jpeg()` wraps it in an APP1 segment of a tiny baseline JPEG that decoders accept;
  `tiff_image()`, `png()`, `webp()` and `heif()` carry the same block the way those formats
  do (TIFF itself, the PNG eXIf chunk, the WebP EXIF chunk, a HEIF Exif item).
- `mp4()` writes an ISO BMFF movie header with a QuickTime `©xyz` ISO 6709 location, the
  Apple `mdta` keys (`com.apple.quicktime.location.ISO6709`, `...creationdate`) and an `mvhd`
  creation time.
- `write_demo_photos()` puts a small holiday's worth of them in a folder for the demo.

No third-party writer (piexif, Pillow) is involved, so tests know exactly which bytes they feed
the plugins.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

# TIFF field types
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SRATIONAL, DOUBLE = 1, 2, 3, 4, 5, 7, 10, 12
_TYPE_SIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1, SRATIONAL: 8, DOUBLE: 8}

# Tags
MAKE, MODEL, DATETIME, EXIF_IFD, GPS_IFD = 0x010F, 0x0110, 0x0132, 0x8769, 0x8825
IMAGE_WIDTH, IMAGE_LENGTH = 0x0100, 0x0101
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL, EXIF_VERSION = 0x9003, 0x9011, 0x9000
PIXEL_X, PIXEL_Y = 0xA002, 0xA003
GPS_VERSION, GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 0x0000, 0x0001, 0x0002, 0x0003, 0x0004
GPS_ALT_REF, GPS_ALT, GPS_TIME, GPS_DATE, GPS_H_ERROR = 0x0005, 0x0006, 0x0007, 0x001D, 0x001F

MP4_EPOCH = datetime(1904, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Entry:
    """One IFD entry. ``values``: bytes for ASCII/UNDEFINED (ASCII gets its NUL added), a
    sequence of ints, of (numerator, denominator) pairs for rationals, or floats for DOUBLE.
    ``count`` and ``offset`` override what is written, to make broken files."""

    tag: int
    type: int
    values: bytes | Sequence = ()
    count: int | None = None
    offset: int | None = None

    def payload(self, endian: str) -> bytes:
        if self.type in (ASCII, UNDEFINED):
            data = bytes(self.values)
            return data + b"\x00" if self.type == ASCII and not data.endswith(b"\x00") else data
        if self.type in (RATIONAL, SRATIONAL):
            code = "I" if self.type == RATIONAL else "i"
            return b"".join(struct.pack(endian + code * 2, num, den) for num, den in self.values)
        if self.type == DOUBLE:
            return b"".join(struct.pack(endian + "d", value) for value in self.values)
        code = {BYTE: "B", SHORT: "H", LONG: "I"}[self.type]
        return b"".join(struct.pack(endian + code, value) for value in self.values)

    def natural_count(self, endian: str) -> int:
        return len(self.payload(endian)) // _TYPE_SIZE[self.type]


def ascii_entry(tag: int, text: str) -> Entry:
    return Entry(tag, ASCII, text.encode("utf-8"))


def rational(value: float | Fraction, denominator: int = 1_000_000) -> tuple[int, int]:
    fraction = Fraction(value).limit_denominator(denominator) if not isinstance(value, Fraction) else value
    return fraction.numerator, fraction.denominator


def dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Degrees, minutes and seconds (seconds to 1/10,000) as EXIF rationals."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 10_000)
    if seconds >= 600_000:  # rounding carried into the next minute
        seconds -= 600_000
        minutes += 1
    return (degrees, 1), (minutes, 1), (seconds, 10_000)


def dms_value(parts: Sequence[tuple[int, int]]) -> float:
    """What a reader computes from the rationals ``dms()`` wrote."""
    degrees, minutes, seconds = (num / den for num, den in parts)
    return degrees + minutes / 60 + seconds / 3600


def gps_entries(latitude: float, longitude: float, *, altitude: float | None = None,
                gps_time: datetime | None = None, accuracy_m: float | None = None) -> list[Entry]:
    entries = [Entry(GPS_VERSION, BYTE, (2, 3, 0, 0)),
               ascii_entry(GPS_LAT_REF, "N" if latitude >= 0 else "S"), Entry(GPS_LAT, RATIONAL, dms(latitude)),
               ascii_entry(GPS_LON_REF, "E" if longitude >= 0 else "W"), Entry(GPS_LON, RATIONAL, dms(longitude))]
    if altitude is not None:
        entries += [Entry(GPS_ALT_REF, BYTE, (0 if altitude >= 0 else 1,)),
                    Entry(GPS_ALT, RATIONAL, (rational(abs(altitude), 1000),))]
    if gps_time is not None:
        moment = gps_time.astimezone(timezone.utc)
        seconds = moment.second * 100 + moment.microsecond // 10_000
        entries += [Entry(GPS_TIME, RATIONAL, ((moment.hour, 1), (moment.minute, 1), (seconds, 100))),
                    ascii_entry(GPS_DATE, moment.strftime("%Y:%m:%d"))]
    if accuracy_m is not None:
        entries.append(Entry(GPS_H_ERROR, RATIONAL, (rational(accuracy_m, 100),)))
    return entries


def _ifd(entries: Iterable[Entry], offset: int, endian: str, next_ifd: int = 0) -> bytes:
    """An IFD at ``offset`` (from the TIFF header) with its out-of-line values right after it."""
    entries = sorted(entries, key=lambda entry: entry.tag)
    data_at = offset + 2 + 12 * len(entries) + 4
    table, data = bytearray(struct.pack(endian + "H", len(entries))), bytearray()
    for entry in entries:
        payload = entry.payload(endian)
        count = entry.natural_count(endian) if entry.count is None else entry.count
        if entry.offset is not None:
            field_bytes = struct.pack(endian + "I", entry.offset)
        elif len(payload) <= 4:
            field_bytes = payload.ljust(4, b"\x00")
        else:
            field_bytes = struct.pack(endian + "I", data_at + len(data))
            data += payload
            if len(data) % 2:
                data += b"\x00"
        table += struct.pack(endian + "HHI", entry.tag, entry.type, count) + field_bytes
    table += struct.pack(endian + "I", next_ifd)
    return bytes(table + data)


def _ifd_size(entries: Sequence[Entry], endian: str) -> int:
    return len(_ifd(entries, 0, endian))


def exif_tiff(ifd0: Sequence[Entry] = (), exif: Sequence[Entry] | None = None, gps: Sequence[Entry] | None = None,
              *, big_endian: bool = False, prefix: bytes = b"", gps_pointer: int | None = None,
              exif_pointer: int | None = None, ifd0_next: int = 0) -> bytes:
    """A TIFF/EXIF block: header, IFD0 (after ``prefix``), then the Exif and GPS IFDs.

    gps_pointer / exif_pointer force those pointers (e.g. at IFD0 itself, a loop);
    ifd0_next sets IFD0's next-IFD link (8 makes IFD0 point at itself)."""
    endian = ">" if big_endian else "<"
    header = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00")
    ifd0_offset = 8 + len(prefix) + (len(prefix) % 2)
    ifd0 = list(ifd0)
    placeholders = []
    if exif is not None or exif_pointer is not None:
        placeholders.append(Entry(EXIF_IFD, LONG, (0,)))
    if gps is not None or gps_pointer is not None:
        placeholders.append(Entry(GPS_IFD, LONG, (0,)))
    ifd0_size = _ifd_size(ifd0 + placeholders, endian)
    exif_offset = ifd0_offset + ifd0_size
    exif_bytes = _ifd(exif, exif_offset, endian) if exif is not None else b""
    gps_offset = exif_offset + len(exif_bytes)
    gps_bytes = _ifd(gps, gps_offset, endian) if gps is not None else b""
    pointers = []
    if exif is not None or exif_pointer is not None:
        pointers.append(Entry(EXIF_IFD, LONG, (exif_pointer if exif_pointer is not None else exif_offset,)))
    if gps is not None or gps_pointer is not None:
        pointers.append(Entry(GPS_IFD, LONG, (gps_pointer if gps_pointer is not None else gps_offset,)))
    first = struct.pack(endian + "I", ifd0_offset)
    body = _ifd(ifd0 + pointers, ifd0_offset, endian, next_ifd=ifd0_next)
    padding = b"\x00" * (ifd0_offset - 8 - len(prefix))
    return header + first + prefix + padding + body + exif_bytes + gps_bytes


def photo_exif(latitude: float | None, longitude: float | None, *, altitude: float | None = None,
               gps_time: datetime | None = None, date_time_original: str | None = None,
               offset_time_original: str | None = None, make: str | None = "ExampleCam",
               model: str | None = "EC-1", width: int | None = None, height: int | None = None,
               accuracy_m: float | None = None, big_endian: bool = False) -> bytes:
    """The EXIF block a camera phone writes: make/model, date/time original (+ offset),
    pixel size and, when a position is given, the GPS IFD."""
    ifd0 = []
    if make is not None:
        ifd0.append(ascii_entry(MAKE, make))
    if model is not None:
        ifd0.append(ascii_entry(MODEL, model))
    exif = [Entry(EXIF_VERSION, UNDEFINED, b"0232")]
    if date_time_original is not None:
        exif.append(ascii_entry(DATETIME_ORIGINAL, date_time_original))
    if offset_time_original is not None:
        exif.append(ascii_entry(OFFSET_TIME_ORIGINAL, offset_time_original))
    if width is not None and height is not None:
        exif += [Entry(PIXEL_X, LONG, (width,)), Entry(PIXEL_Y, LONG, (height,))]
    gps = None
    if latitude is not None and longitude is not None:
        gps = gps_entries(latitude, longitude, altitude=altitude, gps_time=gps_time, accuracy_m=accuracy_m)
    return exif_tiff(ifd0, exif, gps, big_endian=big_endian)


# --- JPEG -------------------------------------------------------------------------------------

def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > 0xFFFF:
        raise ValueError("a JPEG segment holds at most 65,533 bytes")
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(tiff: bytes | None = None, *, width: int = 16, height: int = 16, xmp: bytes | None = None,
         jfif: bool = False) -> bytes:
    """A tiny baseline greyscale JPEG (flat grey, decodable by libjpeg) with ``tiff`` in an
    APP1 "Exif" segment and ``xmp`` in an APP1 XMP segment."""
    parts = [b"\xff\xd8"]
    if jfif:
        parts.append(_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
    if tiff is not None:
        parts.append(_segment(0xE1, b"Exif\x00\x00" + tiff))
    if xmp is not None:
        parts.append(_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp))
    parts.append(_segment(0xDB, b"\x00" + bytes([1] * 64)))
    parts.append(_segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00"))
    # One Huffman code of length 1 ("0") in each table: DC category 0, AC end-of-block.
    parts.append(_segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00"))
    parts.append(_segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00"))
    parts.append(_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"))
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)
    parts.append(int(bits, 2).to_bytes(len(bits) // 8, "big"))
    parts.append(b"\xff\xd9")
    return b"".join(parts)


# --- other still-image containers ---------------------------------------------------------------

def tiff_image(latitude: float | None, longitude: float | None, **kwargs) -> bytes:
    """A 1x1 greyscale TIFF whose IFD0 also carries the EXIF and GPS pointers."""
    block = photo_exif(latitude, longitude, **kwargs)
    endian = ">" if block[:2] == b"MM" else "<"
    # Rebuild with the image tags in IFD0 and one pixel right after the header.
    ifd0_extra = [Entry(IMAGE_WIDTH, SHORT, (1,)), Entry(IMAGE_LENGTH, SHORT, (1,)), Entry(0x0102, SHORT, (8,)),
                  Entry(0x0103, SHORT, (1,)), Entry(0x0106, SHORT, (1,)), Entry(0x0111, LONG, (8,)),
                  Entry(0x0116, SHORT, (1,)), Entry(0x0117, LONG, (1,))]
    make, model = kwargs.get("make", "ExampleCam"), kwargs.get("model", "EC-1")
    if make is not None:
        ifd0_extra.append(ascii_entry(MAKE, make))
    if model is not None:
        ifd0_extra.append(ascii_entry(MODEL, model))
    exif = [Entry(EXIF_VERSION, UNDEFINED, b"0232")]
    if kwargs.get("date_time_original"):
        exif.append(ascii_entry(DATETIME_ORIGINAL, kwargs["date_time_original"]))
    gps = None
    if latitude is not None and longitude is not None:
        gps = gps_entries(latitude, longitude, altitude=kwargs.get("altitude"), gps_time=kwargs.get("gps_time"))
    return exif_tiff(ifd0_extra, exif, gps, big_endian=endian == ">", prefix=b"\x80")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(tiff: bytes | None, *, width: int = 4, height: int = 4, exif_after_idat: bool = False,
        raw_profile: bool = False) -> bytes:
    """A greyscale PNG with ``tiff`` in an eXIf chunk (or, with raw_profile, in ImageMagick's
    zTXt "Raw profile type exif" hex form)."""
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    idat = _png_chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height))))
    exif = b""
    if tiff is not None:
        if raw_profile:
            payload = b"Exif\x00\x00" + tiff
            text = b"\nexif\n%8d\n" % len(payload) + payload.hex().encode("ascii") + b"\n"
            exif = _png_chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(text))
        else:
            exif = _png_chunk(b"eXIf", tiff)
    body = ihdr + (idat + exif if exif_after_idat else exif + idat)
    return b"\x89PNG\r\n\x1a\n" + body + _png_chunk(b"IEND", b"")


# A 1x1 lossless WebP bitstream (the VP8L chunk of the well-known 26-byte feature-test image).
_VP8L_1X1 = bytes.fromhex("2f00000010071011118888fe0700")


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def webp(tiff: bytes | None, *, exif_header: bool = False) -> bytes:
    """An extended-format 1x1 WebP (VP8X + VP8L) with ``tiff`` in its EXIF chunk
    (``exif_header`` adds the "Exif\\0\\0" prefix some writers wrongly put there)."""
    flags = 0x08 if tiff is not None else 0
    vp8x = _riff_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + (0).to_bytes(3, "little") + (0).to_bytes(3, "little"))
    body = vp8x + _riff_chunk(b"VP8L", _VP8L_1X1)
    if tiff is not None:
        body += _riff_chunk(b"EXIF", (b"Exif\x00\x00" if exif_header else b"") + tiff)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


# --- ISO base media file format (HEIF, MP4/MOV) --------------------------------------------------

def box(kind: bytes, payload: bytes = b"", *, size: int | None = None, large: bool = False) -> bytes:
    """An ISO BMFF box; ``size`` forces the header's size field (for broken files)."""
    if large:
        return struct.pack(">I", 1) + kind + struct.pack(">Q", 16 + len(payload) if size is None else size) + payload
    return struct.pack(">I", 8 + len(payload) if size is None else size) + kind + payload


def full_box(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def heif(tiff: bytes, *, brand: bytes = b"heic", tiff_header_offset: int = 6) -> bytes:
    """A HEIF still-image container: ftyp, meta (hdlr pict, pitm, iinf with an hvc1 item and
    an Exif item, iloc) and mdat. The coded picture is a placeholder; the Exif item is real:
    a 4-byte offset to the TIFF header, "Exif\\0\\0", then ``tiff``."""
    ftyp = box(b"ftyp", brand + struct.pack(">I", 0) + b"mif1" + brand + b"miaf")
    image = b"\x00\x00\x00\x01placeholder-hevc"
    exif_item = struct.pack(">I", tiff_header_offset) + b"Exif\x00\x00"[:tiff_header_offset] + tiff

    def meta(mdat_payload_at: int) -> bytes:
        hdlr = full_box(b"hdlr", 0, 0, b"\x00" * 4 + b"pict" + b"\x00" * 12 + b"\x00")
        pitm = full_box(b"pitm", 0, 0, struct.pack(">H", 1))
        infe_image = full_box(b"infe", 2, 0, struct.pack(">HH", 1, 0) + b"hvc1" + b"\x00")
        infe_exif = full_box(b"infe", 2, 0, struct.pack(">HH", 2, 0) + b"Exif" + b"\x00")
        iinf = full_box(b"iinf", 0, 0, struct.pack(">H", 2) + infe_image + infe_exif)
        items = b""
        for item_id, offset, length in ((1, mdat_payload_at, len(image)),
                                        (2, mdat_payload_at + len(image), len(exif_item))):
            items += struct.pack(">HHHHII", item_id, 0, 0, 1, offset, length)
        iloc = full_box(b"iloc", 1, 0, bytes([0x44, 0x00]) + struct.pack(">H", 2) + items)
        iref = full_box(b"iref", 0, 0, box(b"cdsc", struct.pack(">HHH", 2, 1, 1)))
        return full_box(b"meta", 0, 0, hdlr + pitm + iinf + iloc + iref)

    size = len(ftyp) + len(meta(0)) + 8
    return ftyp + meta(size) + box(b"mdat", image + exif_item)


def iso6709(latitude: float, longitude: float, altitude: float | None = None) -> str:
    """The ISO 6709 string cameras write, e.g. "+35.6895+139.6917+040.000/"."""
    text = f"{latitude:+08.4f}{longitude:+09.4f}"
    if altitude is not None:
        text += f"{altitude:+08.3f}"
    return text + "/"


def _mp4_seconds(moment: datetime) -> int:
    return int((moment.astimezone(timezone.utc) - MP4_EPOCH).total_seconds())


def mvhd(creation: datetime | None, *, version: int = 0, timescale: int = 1000, duration: int = 0) -> bytes:
    seconds = _mp4_seconds(creation) if creation is not None else 0
    if version == 1:
        times = struct.pack(">QQIQ", seconds, seconds, timescale, duration)
    else:
        times = struct.pack(">IIII", seconds, seconds, timescale, duration)
    rest = struct.pack(">iH", 0x00010000, 0x0100) + b"\x00" * 10
    matrix = struct.pack(">9i", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    return full_box(b"mvhd", version, 0, times + rest + matrix + b"\x00" * 24 + struct.pack(">I", 2))


def tkhd(width: int, height: int) -> bytes:
    payload = struct.pack(">IIIII", 0, 0, 1, 0, 0) + b"\x00" * 8 + struct.pack(">hhhH", 0, 0, 0, 0)
    payload += struct.pack(">9i", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    payload += struct.pack(">II", width << 16, height << 16)
    return full_box(b"tkhd", 0, 3, payload)


def quicktime_text(kind: bytes, text: str) -> bytes:
    """A QuickTime user-data text atom (©xyz, ©mak, ...): length, language, text."""
    data = text.encode("utf-8")
    return box(kind, struct.pack(">HH", len(data), 0x15C7) + data)


def apple_metadata(items: dict[str, str]) -> bytes:
    """moov/meta with the Apple `mdta` handler, `keys` and `ilst` (UTF-8 values)."""
    hdlr = full_box(b"hdlr", 0, 0, b"\x00" * 4 + b"mdta" + b"\x00" * 12 + b"\x00")
    keys = b"".join(struct.pack(">I", 8 + len(name.encode())) + b"mdta" + name.encode() for name in items)
    keys_box = full_box(b"keys", 0, 0, struct.pack(">I", len(items)) + keys)
    ilst = b""
    for index, value in enumerate(items.values(), start=1):
        data = box(b"data", struct.pack(">II", 1, 0) + value.encode("utf-8"))
        ilst += box(struct.pack(">I", index), data)
    # QuickTime's meta is a plain container (no version/flags), as Apple devices write it.
    return box(b"meta", hdlr + keys_box + box(b"ilst", ilst))


def mp4(*, location: str | None = None, apple_location: str | None = None, creation: datetime | None = None,
        apple_creation: str | None = None, make: str | None = None, model: str | None = None,
        size: tuple[int, int] | None = (1920, 1080), brand: bytes = b"mp42", mvhd_version: int = 0,
        extra_moov: bytes = b"") -> bytes:
    """A movie header (no media samples) with the location atoms phones write."""
    ftyp = box(b"ftyp", brand + struct.pack(">I", 0) + b"isom" + brand)
    moov = mvhd(creation, version=mvhd_version)
    if size is not None:
        moov += box(b"trak", tkhd(*size))
    udta = b""
    if location is not None:
        udta += quicktime_text(b"\xa9xyz", location)
    if make is not None:
        udta += quicktime_text(b"\xa9mak", make)
    if model is not None:
        udta += quicktime_text(b"\xa9mod", model)
    if udta:
        moov += box(b"udta", udta)
    apple = {}
    if apple_location is not None:
        apple["com.apple.quicktime.location.ISO6709"] = apple_location
    if apple_creation is not None:
        apple["com.apple.quicktime.creationdate"] = apple_creation
    if apple:
        if make is not None:
            apple["com.apple.quicktime.make"] = make
        if model is not None:
            apple["com.apple.quicktime.model"] = model
        moov += apple_metadata(apple)
    return ftyp + box(b"moov", moov + extra_moov) + box(b"mdat", b"")


# --- the demo's photos ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoPhoto:
    name: str
    latitude: float | None
    longitude: float | None
    taken_utc: datetime
    offset: str | None = "+00:00"
    altitude: float | None = None
    make: str = "Apple"
    model: str = "iPhone 13"
    extra: dict = field(default_factory=dict)


DEMO_PHOTOS = (
    DemoPhoto("IMG_0101.JPG", 51.4700, -0.4543, datetime(2026, 2, 27, 7, 12, 5, tzinfo=timezone.utc),
              offset="+00:00", altitude=25.0),                                     # London Heathrow
    DemoPhoto("IMG_0102.JPG", 52.3105, 4.7683, datetime(2026, 2, 27, 11, 48, 40, tzinfo=timezone.utc),
              offset="+01:00", altitude=-3.2),                                     # Amsterdam Schiphol
    DemoPhoto("IMG_0103.JPG", 52.3731, 4.8922, datetime(2026, 2, 28, 18, 3, 11, tzinfo=timezone.utc),
              offset="+01:00", altitude=2.0),                                      # Amsterdam, Dam square
    DemoPhoto("IMG_0104.JPG", None, None, datetime(2026, 2, 28, 20, 30, 0, tzinfo=timezone.utc),
              offset="+01:00"),                                                    # no location
)
DEMO_VIDEO = ("IMG_0105.MOV", 52.3676, 4.9041, 1.5, datetime(2026, 3, 1, 9, 15, 0, tzinfo=timezone.utc))


def demo_photo_bytes(photo: DemoPhoto) -> bytes:
    local = photo.taken_utc
    if photo.offset:
        sign = 1 if photo.offset[0] == "+" else -1
        hours, minutes = int(photo.offset[1:3]), int(photo.offset[4:6])
        from datetime import timedelta

        local = photo.taken_utc + sign * timedelta(hours=hours, minutes=minutes)
    tiff = photo_exif(photo.latitude, photo.longitude, altitude=photo.altitude,
                      gps_time=photo.taken_utc if photo.latitude is not None else None,
                      date_time_original=local.strftime("%Y:%m:%d %H:%M:%S"), offset_time_original=photo.offset,
                      make=photo.make, model=photo.model, width=64, height=48)
    return jpeg(tiff, width=64, height=48)


def demo_video_bytes() -> bytes:
    name, latitude, longitude, altitude, taken = DEMO_VIDEO
    local = taken.astimezone(timezone.utc).replace(tzinfo=None)
    from datetime import timedelta

    local_text = (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S") + "+0100"
    return mp4(location=iso6709(latitude, longitude, altitude), apple_location=iso6709(latitude, longitude, altitude),
               creation=taken, apple_creation=local_text, make="Apple", model="iPhone 13")


def write_demo_photos(folder: Path) -> list[Path]:
    """The demo's camera roll: geotagged JPEGs, one without a position, and a geotagged MOV."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for photo in DEMO_PHOTOS:
        path = folder / photo.name
        path.write_bytes(demo_photo_bytes(photo))
        written.append(path)
    path = folder / DEMO_VIDEO[0]
    path.write_bytes(demo_video_bytes())
    written.append(path)
    return written


# --- location stores of phone apps (real table and column names) ---------------------------------

COCOA_EPOCH = datetime(2001, 1, 1, tzinfo=timezone.utc)


def cocoa_seconds(moment: datetime) -> float:
    return (moment - COCOA_EPOCH).total_seconds()


def _sqlite(path: Path, script: str, rows: dict[str, list[tuple]]) -> Path:
    import sqlite3

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(script)
        for table, values in rows.items():
            for row in values:
                conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
        conn.commit()
    finally:
        conn.close()
    return path


def routined_local_db(path: Path, locations: Sequence[tuple], visits: Sequence[tuple], *, ios14: bool = True) -> Path:
    """com.apple.routined Local.sqlite: ``locations`` rows are (Z_PK, latitude, longitude,
    uncertainty_m, created datetime); ``visits`` rows are (Z_PK, location Z_PK, entry datetime,
    exit datetime, latitude, longitude, uncertainty_m). ios14=False writes the iOS 12/13 column
    ZLOCATIONUNCERTAINTY instead of ZLOCATIONHORIZONTALUNCERTAINTY."""
    uncertainty = "ZLOCATIONHORIZONTALUNCERTAINTY" if ios14 else "ZLOCATIONUNCERTAINTY"
    script = f"""
    CREATE TABLE ZRTLEARNEDLOCATIONOFINTERESTMO (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
        ZPLACE INTEGER, ZCREATIONDATE TIMESTAMP, ZEXPIRATIONDATE TIMESTAMP, ZLOCATIONALTITUDE FLOAT,
        {uncertainty} FLOAT, ZLOCATIONLATITUDE FLOAT, ZLOCATIONLONGITUDE FLOAT,
        ZLOCATIONVERTICALUNCERTAINTY FLOAT, ZIDENTIFIER BLOB);
    CREATE TABLE ZRTLEARNEDLOCATIONOFINTERESTVISITMO (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
        ZLOCATIONOFINTEREST INTEGER, ZCONFIDENCE FLOAT, ZCREATIONDATE TIMESTAMP, ZENTRYDATE TIMESTAMP,
        ZEXITDATE TIMESTAMP, ZEXPIRATIONDATE TIMESTAMP, ZLOCATIONLATITUDE FLOAT, ZLOCATIONLONGITUDE FLOAT,
        {uncertainty} FLOAT, ZDATAPOINTCOUNT INTEGER, ZIDENTIFIER BLOB);
    CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
    """
    loi_rows = [(pk, 10, 1, None, cocoa_seconds(created) if created else None, None, None, unc, lat, lon, None,
                 bytes(16)) for pk, lat, lon, unc, created in locations]
    visit_rows = [(pk, 11, 1, loi, 1.0, cocoa_seconds(entry), cocoa_seconds(entry),
                   cocoa_seconds(exit_) if exit_ else None, None, lat, lon, unc, 12, bytes(16))
                  for pk, loi, entry, exit_, lat, lon, unc in visits]
    return _sqlite(path, script, {"ZRTLEARNEDLOCATIONOFINTERESTMO": loi_rows,
                                  "ZRTLEARNEDLOCATIONOFINTERESTVISITMO": visit_rows})


def routined_cache_db(path: Path, fixes: Sequence[tuple]) -> Path:
    """com.apple.routined Cache.sqlite: ``fixes`` rows are (Z_PK, datetime, latitude, longitude,
    horizontal accuracy, altitude, vertical accuracy)."""
    script = """
    CREATE TABLE ZRTCLLOCATIONMO (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZALTITUDE FLOAT,
        ZCOURSE FLOAT, ZHORIZONTALACCURACY FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZSPEED FLOAT,
        ZTIMESTAMP TIMESTAMP, ZVERTICALACCURACY FLOAT);
    """
    rows = [(pk, 3, 1, alt, -1.0, acc, lat, lon, -1.0, cocoa_seconds(when) if isinstance(when, datetime) else when,
             vacc) for pk, when, lat, lon, acc, alt, vacc in fixes]
    return _sqlite(path, script, {"ZRTCLLOCATIONMO": rows})


def photos_sqlite(path: Path, assets: Sequence[tuple], *, table: str = "ZASSET") -> Path:
    """iOS Photos.sqlite: ``assets`` rows are (Z_PK, directory, filename, created datetime,
    latitude, longitude, width, height); table "ZGENERICASSET" for iOS 11-13 libraries.
    A missing position is written as the library does: -180, -180."""
    script = f"""
    CREATE TABLE {table} (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTRASHEDSTATE INTEGER,
        ZWIDTH INTEGER, ZHEIGHT INTEGER, ZDATECREATED TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP,
        ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZDIRECTORY VARCHAR, ZFILENAME VARCHAR, ZUUID VARCHAR);
    CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, ZASSET INTEGER, ZORIGINALFILENAME VARCHAR);
    """
    rows = [(pk, 3, 1, 0, w, h, cocoa_seconds(created), cocoa_seconds(created),
             -180.0 if lat is None else lat, -180.0 if lon is None else lon, directory, filename,
             f"00000000-0000-4000-8000-{pk:012d}") for pk, directory, filename, created, lat, lon, w, h in assets]
    return _sqlite(path, script, {table: rows})


def mediastore_external_db(path: Path, files: Sequence[tuple]) -> Path:
    """Android MediaStore external.db: ``files`` rows are (_id, _data path, mime type, taken
    datetime, latitude, longitude, width, height)."""
    script = """
    CREATE TABLE files (_id INTEGER PRIMARY KEY AUTOINCREMENT, _data TEXT UNIQUE COLLATE NOCASE, _size INTEGER,
        format INTEGER, parent INTEGER, date_added INTEGER, date_modified INTEGER, mime_type TEXT, title TEXT,
        description TEXT, _display_name TEXT, picasa_id TEXT, orientation INTEGER, latitude DOUBLE,
        longitude DOUBLE, datetaken INTEGER, mini_thumb_magic INTEGER, bucket_id TEXT, bucket_display_name TEXT,
        isprivate INTEGER, title_key TEXT, artist_id INTEGER, album_id INTEGER, composer TEXT, track INTEGER,
        year INTEGER CHECK(year!=0), is_ringtone INTEGER, is_music INTEGER, is_alarm INTEGER,
        is_notification INTEGER, is_podcast INTEGER, album_artist TEXT, duration INTEGER, bookmark INTEGER,
        artist TEXT, album TEXT, resolution TEXT, tags TEXT, category TEXT, language TEXT, mini_thumb_data TEXT,
        name TEXT, media_type INTEGER, old_id INTEGER, storage_id INTEGER, is_drm INTEGER, width INTEGER,
        height INTEGER);
    CREATE TABLE android_metadata (locale TEXT);
    """
    columns = ("_id", "_data", "mime_type", "datetaken", "latitude", "longitude", "width", "height", "media_type",
               "_display_name", "date_added")
    import sqlite3

    path = _sqlite(path, script, {"android_metadata": [("en_US",)]})
    conn = sqlite3.connect(path)
    try:
        for file_id, data, mime, taken, lat, lon, w, h in files:
            millis = int(taken.timestamp() * 1000) if isinstance(taken, datetime) else taken
            conn.execute(f"INSERT INTO files ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                         (file_id, data, mime, millis, lat, lon, w, h, 1 if mime.startswith("image/") else 3,
                          data.rsplit("/", 1)[-1], millis // 1000 if millis else None))
        conn.commit()
    finally:
        conn.close()
    return path
