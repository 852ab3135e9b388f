"""Where and when a video was recorded: MP4/MOV/3GP location and creation time.

We walk the ISO base media file format box tree ourselves (ISO/IEC 14496-12, QuickTime File
Format) and read only the few small boxes that matter, never the media samples:

- `moov/udta/©xyz`: the ISO 6709 location QuickTime and Android write, e.g.
  "+35.6895+139.6917+040.000/";
- `moov/meta` with the Apple `mdta` handler: `keys` names the items, `ilst` holds them;
  `com.apple.quicktime.location.ISO6709`, `...creationdate` (local time with its offset),
  `...make`, `...model`;
- `moov/udta/loci`: the 3GPP location box (3GPP TS 26.244) some Android phones write;
- `moov/mvhd`: the movie's creation time, seconds since 1904-01-01 00:00 UTC;
- `moov/trak/tkhd`: the picture size of the first visual track.

Hostile files are expected: every loop is bounded (box count, nesting depth, bytes read), a
box whose size runs past its parent is cut to the parent and reported, a zero or tiny size
ends the walk of that level, and 64-bit sizes are honoured without reading what they cover.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import BinaryIO

from forensic_triage.geo import places
from forensic_triage.sdk import Context, Extractor, GeoPoint, PluginWarning, Select, Source, TimeValue

MP4_EPOCH = datetime(1904, 1, 1, tzinfo=timezone.utc)
MAX_BOXES = 20_000        # boxes visited in one file
MAX_DEPTH = 8             # nesting levels followed
MAX_LEAF = 1 << 20        # bytes read from any one metadata box
META_CHILDREN = {b"hdlr", b"keys", b"ilst", b"iinf", b"pitm", b"iloc", b"iprp", b"idat", b"iref", b"dinf", b"xml ",
                 b"bxml", b"free", b"skip"}
# ftyp brands of HEIF/AVIF still images: the EXIF plugin reads those, not this one.
STILL_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"mif2", b"msf1", b"avif", b"avis",
                b"avci", b"jpeg", b"crx "}

ReadAt = Callable[[int, int], bytes]


class BoxLimit(Exception):
    """The file has more boxes or deeper nesting than any real one."""


@dataclass
class Box:
    kind: bytes
    offset: int          # of the box header in the file
    header: int          # 8, or 16 with a 64-bit size
    size: int            # whole box, header included (after cutting to the parent)
    cut: bool = False    # the declared size ran past the parent and was cut

    @property
    def start(self) -> int:
        return self.offset + self.header

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def name(self) -> str:
        return self.kind.decode("latin-1")


@dataclass
class Walker:
    """Bounded box iteration over ``read_at``; problems are collected, not raised."""

    read_at: ReadAt
    size: int
    visited: int = 0
    problems: list[str] = field(default_factory=list)

    def read(self, offset: int, length: int) -> bytes:
        return self.read_at(offset, max(0, min(length, self.size - offset)))

    def boxes(self, start: int, end: int, depth: int = 0) -> Iterator[Box]:
        if depth > MAX_DEPTH:
            raise BoxLimit(f"boxes nested deeper than {MAX_DEPTH} levels")
        end = min(end, self.size)
        position = start
        while position + 8 <= end:
            self.visited += 1
            if self.visited > MAX_BOXES:
                raise BoxLimit(f"more than {MAX_BOXES} boxes")
            head = self.read(position, 16)
            if len(head) < 8:
                self.problems.append(f"box header at byte {position} is cut short")
                return
            size, kind = struct.unpack(">I4s", head[:8])
            header = 8
            if size == 1:
                if len(head) < 16:
                    self.problems.append(f"64-bit box size at byte {position} is cut short")
                    return
                size = struct.unpack(">Q", head[8:16])[0]
                header = 16
            elif size == 0:
                size = end - position          # "to the end of the file" (or of the parent)
            if size < header:
                self.problems.append(f"box {kind!r} at byte {position} declares an impossible size {size}")
                return
            cut = position + size > end
            if cut:
                self.problems.append(f"box {_printable(kind)} at byte {position} declares {size} bytes but only "
                                     f"{end - position} remain: file truncated or box damaged")
                size = end - position
            yield Box(kind=kind, offset=position, header=header, size=size, cut=cut)
            position += size

    def payload(self, box: Box, limit: int = MAX_LEAF) -> bytes:
        return self.read(box.start, min(box.size - box.header, limit))

    def children(self, box: Box, depth: int) -> Iterator[Box]:
        start = box.start
        if box.kind == b"meta" and self.read(box.start, 8)[4:8] not in META_CHILDREN:
            start += 4     # ISO meta is a FullBox (version/flags first); QuickTime's meta is not
        return self.boxes(start, box.end, depth)


def _printable(kind: bytes) -> str:
    return kind.decode("latin-1") if all(32 <= b < 127 or b == 0xA9 for b in kind) else kind.hex()


def major_brand(head: bytes) -> bytes | None:
    return head[8:12] if head[4:8] == b"ftyp" and len(head) >= 12 else None


# --- values ---------------------------------------------------------------------------------------

_ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)?\s*(?:CRS[^/]*)?/?\s*$")


def _angle(text: str, degree_digits: tuple[int, ...]) -> float | None:
    """±D[D][D][.d] degrees, ±DDMM[.m] or ±DDMMSS[.s] (ISO 6709 Annex H), by the count of
    integer digits: degrees for ``degree_digits``, then minutes/seconds forms."""
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _dot, fraction = body.partition(".")
    digits = len(whole)
    number = float(body)
    width = max(degree_digits)
    if digits in degree_digits:
        value = number
    elif digits == width + 2:                       # DDMM.mm / DDDMM.mm
        value = int(whole[:width]) + float(whole[width:] + "." + (fraction or "0")) / 60
    elif digits == width + 4:                       # DDMMSS.ss / DDDMMSS.ss
        value = (int(whole[:width]) + int(whole[width:width + 2]) / 60
                 + float(whole[width + 2:] + "." + (fraction or "0")) / 3600)
    else:
        return None
    return sign * value


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """Latitude, longitude and altitude from an ISO 6709 string, or None when malformed."""
    match = _ISO6709.match(text or "")
    if not match:
        return None
    latitude = _angle(match.group(1), (1, 2))
    longitude = _angle(match.group(2), (1, 2, 3))
    if latitude is None or longitude is None:
        return None
    altitude = float(match.group(3)) if match.group(3) else None
    return latitude, longitude, altitude


def mp4_time(seconds: int) -> TimeValue:
    """An mvhd/tkhd time: seconds since 1904-01-01 00:00 UTC (0 means not recorded)."""
    encoding = "mp4_1904_s"
    if not seconds:
        return TimeValue(utc=None, raw=str(seconds), encoding=encoding, status="absent")
    try:
        moment = MP4_EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return TimeValue(utc=None, raw=str(seconds), encoding=encoding, status="unparsable")
    # Before 1970 no camera wrote a movie: such values are unset clocks counted from 1904.
    if not datetime(1970, 1, 1, tzinfo=timezone.utc) <= moment < datetime(2200, 1, 1, tzinfo=timezone.utc):
        return TimeValue(utc=None, raw=str(seconds), encoding=encoding, status="unparsable")
    return TimeValue(utc=moment.strftime("%Y-%m-%dT%H:%M:%SZ"), raw=str(seconds), encoding=encoding)


def _quicktime_text(payload: bytes) -> str | None:
    """A QuickTime user-data text item (16-bit length, 16-bit language, text), or an
    iTunes-style item holding a 'data' box."""
    if len(payload) >= 16 and payload[4:8] == b"data":
        return _data_value(payload[8:struct.unpack(">I", payload[:4])[0]])
    if len(payload) < 4:
        return None
    length = struct.unpack(">H", payload[:2])[0]
    return payload[4:4 + length].decode("utf-8", "replace").strip("\x00 ")


def _data_value(payload: bytes) -> str | None:
    """The value of an ilst 'data' box: type indicator (4), locale (4), value."""
    if len(payload) < 8:
        return None
    well_known = struct.unpack(">I", payload[:4])[0] & 0xFFFFFF
    value = payload[8:]
    if well_known == 2:
        return value.decode("utf-16-be", "replace").strip("\x00 ")
    if well_known in (1, 4, 0):
        return value.decode("utf-8", "replace").strip("\x00 ")
    return None


def _loci(payload: bytes) -> tuple[float, float, float | None] | None:
    """3GPP 'loci': version/flags, language, name (NUL-terminated), role, then longitude,
    latitude and altitude as signed 16.16 fixed point."""
    if len(payload) < 6:
        return None
    position = 6
    if payload[position:position + 2] in (b"\xfe\xff", b"\xff\xfe"):
        end = position
        while end + 1 < len(payload) and payload[end:end + 2] != b"\x00\x00":
            end += 2
        position = end + 2
    else:
        end = payload.find(b"\x00", position)
        if end < 0:
            return None
        position = end + 1
    position += 1   # role
    if position + 12 > len(payload):
        return None
    longitude, latitude, altitude = (value / 65536.0 for value in struct.unpack(">iii", payload[position:position + 12]))
    return latitude, longitude, altitude


@dataclass
class Found:
    """One location statement found in the file, with where it came from."""

    latitude: float
    longitude: float
    altitude: float | None
    raw: str
    box: Box
    path: str


@dataclass
class MovieMetadata:
    locations: list[Found] = field(default_factory=list)
    creation: TimeValue | None = None
    apple_creation: str | None = None
    make: str | None = None
    model: str | None = None
    width: int | None = None
    height: int | None = None
    malformed: list[tuple[str, str, Box]] = field(default_factory=list)   # (path, raw, box)


def read_movie(walker: Walker) -> MovieMetadata:
    """Walk the top level and the first moov box; raises BoxLimit on absurd files."""
    found = MovieMetadata()
    for top in walker.boxes(0, walker.size):
        if top.kind == b"moov":
            _moov(walker, top, found)
            break
    return found


def _moov(walker: Walker, moov: Box, found: MovieMetadata) -> None:
    for child in walker.children(moov, 1):
        if child.kind == b"mvhd":
            _mvhd(walker.payload(child, 64), found)
        elif child.kind == b"udta":
            _udta(walker, child, found, "/moov/udta", 2)
        elif child.kind == b"meta":
            _meta(walker, child, found, "/moov/meta", 2)
        elif child.kind == b"trak":
            for part in walker.children(child, 2):
                if part.kind == b"tkhd" and found.width is None:
                    _tkhd(walker.payload(part, 128), found)
                elif part.kind == b"udta":
                    _udta(walker, part, found, "/moov/trak/udta", 3)
                elif part.kind == b"meta":
                    _meta(walker, part, found, "/moov/trak/meta", 3)


def _mvhd(payload: bytes, found: MovieMetadata) -> None:
    if len(payload) < 8:
        return
    version = payload[0]
    if version == 1 and len(payload) >= 12:
        found.creation = mp4_time(struct.unpack(">Q", payload[4:12])[0])
    elif version == 0:
        found.creation = mp4_time(struct.unpack(">I", payload[4:8])[0])


def _tkhd(payload: bytes, found: MovieMetadata) -> None:
    if len(payload) < 8:
        return
    offset = 4 + (32 if payload[0] == 1 else 20) + 8 + 8 + 36
    if len(payload) >= offset + 8:
        width, height = struct.unpack(">II", payload[offset:offset + 8])
        if width >> 16 and height >> 16:
            found.width, found.height = width >> 16, height >> 16


def _location(found: MovieMetadata, text: str | None, box: Box, path: str) -> None:
    if text is None:
        return
    parsed = parse_iso6709(text)
    if parsed is None:
        found.malformed.append((path, text[:80], box))
        return
    found.locations.append(Found(parsed[0], parsed[1], parsed[2], text, box, path))


def _udta(walker: Walker, udta: Box, found: MovieMetadata, path: str, depth: int) -> None:
    for item in walker.children(udta, depth):
        if item.kind == b"\xa9xyz":
            _location(found, _quicktime_text(walker.payload(item, 4096)), item, path + "/©xyz")
        elif item.kind == b"loci":
            parsed = _loci(walker.payload(item, 4096))
            if parsed is None:
                found.malformed.append((path + "/loci", "", item))
            else:
                found.locations.append(Found(parsed[0], parsed[1], parsed[2], "3GPP loci", item, path + "/loci"))
        elif item.kind == b"\xa9mak" and found.make is None:
            found.make = _quicktime_text(walker.payload(item, 4096)) or None
        elif item.kind == b"\xa9mod" and found.model is None:
            found.model = _quicktime_text(walker.payload(item, 4096)) or None
        elif item.kind == b"meta":
            _meta(walker, item, found, path + "/meta", depth + 1)


def _meta(walker: Walker, meta: Box, found: MovieMetadata, path: str, depth: int) -> None:
    keys: list[str] = []
    ilst: Box | None = None
    for item in walker.children(meta, depth):
        if item.kind == b"keys":
            keys = _keys(walker.payload(item))
        elif item.kind == b"ilst":
            ilst = item
    if ilst is None:
        return
    for entry in walker.boxes(ilst.start, ilst.end, depth + 1):
        name = None
        if entry.kind == b"\xa9xyz":
            name = "©xyz"
        else:
            index = struct.unpack(">I", entry.kind)[0]
            if 1 <= index <= len(keys):
                name = keys[index - 1]
        if name is None:
            continue
        value = None
        for data in walker.boxes(entry.start, entry.end, depth + 2):
            if data.kind == b"data":
                value = _data_value(walker.payload(data, 4096))
                break
        if value is None:
            continue
        where = f"{path}/ilst/{name}"
        if name in ("com.apple.quicktime.location.ISO6709", "©xyz"):
            _location(found, value, entry, where)
        elif name == "com.apple.quicktime.creationdate":
            found.apple_creation = value
        elif name == "com.apple.quicktime.make":
            found.make = value or found.make
        elif name == "com.apple.quicktime.model":
            found.model = value or found.model


def _keys(payload: bytes) -> list[str]:
    if len(payload) < 8:
        return []
    count = struct.unpack(">I", payload[4:8])[0]
    keys, position = [], 8
    for _ in range(min(count, 10_000)):
        if position + 8 > len(payload):
            break
        size = struct.unpack(">I", payload[position:position + 4])[0]
        if size < 8 or position + size > len(payload):
            break
        keys.append(payload[position + 8:position + size].decode("utf-8", "replace"))
        position += size
    return keys


# --- the plugin -----------------------------------------------------------------------------------

def _apple_creation(ctx: Context, text: str | None) -> tuple[TimeValue | None, str | None]:
    """com.apple.quicktime.creationdate: local time with its offset, e.g. 2019-05-12T14:33:02+0200."""
    if not text:
        return None, None
    value = ctx.time.iso8601(text)
    if value.utc is None:
        return value, None
    try:
        local = datetime.fromisoformat(text.strip()).isoformat()
    except ValueError:
        local = None
    return value, local


class VideoLocation(Extractor):
    name = "media.video_location"
    version = "1.0.0"
    description = ("Recording location and time of MP4/MOV/3GP videos: QuickTime ©xyz, Apple "
                   "com.apple.quicktime.location.ISO6709 and creationdate, 3GPP loci, mvhd creation time.")
    selects = [Select(magic=b"ftyp", magic_offset=4),
               Select(magic=b"moov", magic_offset=4),
               Select(glob="**/*.mov")]      # old QuickTime files may start with wide/mdat/free
    kinds = [GeoPoint]
    time_limit = 30.0

    def extract(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        if major_brand(source.head) in STILL_BRANDS:
            return
        handle: BinaryIO = ctx.open()

        def read_at(offset: int, length: int) -> bytes:
            handle.seek(offset)
            return handle.read(length)

        walker = Walker(read_at=read_at, size=source.size)
        try:
            movie = read_movie(walker)
        except BoxLimit as exc:
            yield ctx.warning(f"video structure not read to the end: {exc} (hostile or damaged file)",
                              code="video.too_complex")
            return
        for problem in walker.problems[:5]:
            yield ctx.warning(f"video box structure: {problem}", code="video.malformed")
        for path, raw, box in movie.malformed:
            yield ctx.warning(f"location in {path} is not a valid ISO 6709 value: {raw!r}", code="video.bad_location",
                              locator=ctx.locate(offset=box.offset, length=box.size, pointer=path))
        if not movie.locations:
            return
        time, local = _apple_creation(ctx, movie.apple_creation)
        if time is None or time.utc is None:
            time = movie.creation if movie.creation is not None else time
            local = None
        seen: set[tuple[float, float, float | None]] = set()
        for item in movie.locations:
            problem = _impossible(item.latitude, item.longitude)
            if problem:
                yield ctx.warning(f"location in {item.path} rejected: {problem} ({item.raw!r})",
                                  code="geo.impossible_point",
                                  locator=ctx.locate(offset=item.box.offset, length=item.box.size, pointer=item.path))
                continue
            key = (round(item.latitude, 7), round(item.longitude, 7),
                   None if item.altitude is None else round(item.altitude, 3))
            if key in seen:
                continue   # the same position stated twice (©xyz and the Apple key): one point
            seen.add(key)
            info = places.point_info(item.latitude, item.longitude)
            shown = local or places.local_time(time.utc if time else None, info.time_zone)
            yield GeoPoint(latitude=item.latitude, longitude=item.longitude, origin="video",
                           altitude=item.altitude, time=time, camera_make=movie.make, camera_model=movie.model,
                           place_name=info.place_name, country_code=info.country_code, time_zone=info.time_zone,
                           local_time=shown, image_width=movie.width, image_height=movie.height,
                           locator=ctx.locate(offset=item.box.offset, length=item.box.size, pointer=item.path))


def _impossible(latitude: float, longitude: float) -> str | None:
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return "not a number"
    if abs(latitude) > 90:
        return f"latitude {latitude} beyond ±90°"
    if abs(longitude) > 180:
        return f"longitude {longitude} beyond ±180°"
    if latitude == 0 and longitude == 0:
        return "0°, 0° (an empty fix)"
    return None
