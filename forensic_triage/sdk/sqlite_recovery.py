"""Deleted records of one table, rebuilt from an SQLite database's free space and its -wal.

What SQLite leaves behind when a row is deleted (``secure_delete`` off, the default of most
builds; https://www.sqlite.org/fileformat2.html):

- ``freeblock``: the cell stays where it was in its b-tree leaf page, but its first four bytes
  become a freeblock header (next freeblock, size). Those bytes held the payload length, the
  rowid and usually the record header's length byte, so the rowid is lost and the header is
  rebuilt from the table layout when the first column is the rowid alias (stored as NULL).
- ``unallocated``: a freed cell at the start of the cell content area is not made a freeblock;
  the content area just shrinks, and the cell stays intact (rowid included).
- ``freelist``: a page emptied by deletes goes to the freelist. A freelist leaf page keeps its
  old content entirely; a trunk page loses its first 8 + 4 x n bytes.
- ``wal``: every change in WAL mode appends a whole page image to the -wal. Frames superseded
  by a later commit of the same page, frames after the last commit, and frames of an earlier
  WAL generation (other salts) hold older versions of pages, rows included.
- ``superseded``: the page in the main file that a committed WAL frame replaces is the version
  before those changes (a row deleted since the last checkpoint is still a cell there).

The carver works from the table's layout (column count and the storage classes each column may
hold), like Sanderson's SQLite Forensic Toolkit, FQLite or bring2lite: a record header is a
run of serial types that must fit the layout, and its body must decode (text as the database's
encoding). Every candidate is decoded from bytes with bounds checks; pages, freelist chains,
overflow chains and WAL frames are walked with visited bitmaps and counts, so hostile input
(random pages, loops, huge counts) neither raises nor hangs, and memory stays bounded by the
page size, the page count (one bit per page) and the number of distinct records found.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from forensic_triage.sdk.artifacts import Locator

ReadAt = Callable[[int, int], bytes]

SOURCES = ("freelist", "freeblock", "unallocated", "wal", "superseded")
CLASSES = ("null", "int", "real", "text", "blob")
SQLITE_HEADER = b"SQLite format 3\x00"
WAL_MAGIC = (0x377F0682, 0x377F0683)
MAX_PAYLOAD = 1 << 20          # records larger than this (1 MiB) are not rebuilt
MAX_SAMPLE = 200               # live rows read to learn which storage classes each column holds
_LEAF, _INTERIOR = 0x0D, 0x05
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")     # C0 controls other than tab, LF, CR; DEL

# Confidence of a candidate by how it was found, before the type check against live rows.
CONF_CELL = 0.95               # a cell reached through a cell pointer of a freed or older page
CONF_PREFIX = 0.85             # carved, with payload length and rowid before the header agreeing
CONF_CARVED = 0.6              # carved header and body, rowid unknown
CONF_REBUILT = 0.5             # freeblock: header length (and rowid alias type) rebuilt from the layout
WEAK = 0.4                     # below this, a carved record does not claim its bytes (nor pass recover_table)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the layout: its name, the storage classes a record may hold there, and
    whether it is the rowid alias (``INTEGER PRIMARY KEY``, stored as NULL in the record)."""

    name: str
    allowed: frozenset[str]
    rowid_alias: bool = False
    seen: frozenset[str] = frozenset()      # classes found in a sample of live rows (confidence)


@dataclass(frozen=True, slots=True)
class TableLayout:
    """What a record of the table looks like. ``min_columns`` is below the column count when
    records written before an ``ALTER TABLE ADD COLUMN`` may be shorter."""

    columns: tuple[Column, ...]
    min_columns: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


@dataclass(frozen=True, kw_only=True, slots=True)
class RecoveredRecord:
    """A record of the table found outside the live b-tree.

    ``values`` follow ``columns``; the rowid alias column holds ``rowid`` (None when the rowid
    was overwritten). ``offset`` and ``length`` are bytes of the record in the database file, or
    in the -wal file (named by ``wal_file``) when ``wal_frame`` is set (frames counted from 0).
    ``confidence`` is 0..1: how the record was found (an intact cell, a carved header, a rebuilt
    header) times how well its storage classes agree with a sample of the live rows."""

    table: str | None
    columns: tuple[str, ...]
    values: tuple
    source: str
    page: int
    offset: int
    length: int
    rowid: int | None = None
    wal_frame: int | None = None
    wal_file: str | None = None
    confidence: float = 0.0

    def value(self, name: str):
        """The value of column ``name`` (KeyError when it was not asked for)."""
        try:
            return self.values[self.columns.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def describe(self) -> str:
        """Where the record was found, in words, e.g. ``recovered from wal frame 3 (page 5)``."""
        if self.source == "wal":
            return f"recovered from wal frame {self.wal_frame} (page {self.page})"
        what = {"freelist": "freelist page", "freeblock": "freeblock in page", "unallocated":
                "unallocated space of page", "superseded": "main-file version of page"}.get(self.source, "page")
        where = f"recovered from {what} {self.page}"
        return where + (f", frame {self.wal_frame} of the wal" if self.wal_frame is not None else "")

    def locator(self) -> Locator:
        """A Locator for an artifact made from this record: table, the original rowid when known,
        offset/length of its bytes, ``member`` naming the -wal file when the offset is in it, and
        ``pointer`` describing the source (``describe()``)."""
        return Locator(table=self.table, rowid=self.rowid, offset=self.offset, length=self.length,
                       member=self.wal_file if self.wal_frame is not None else None, pointer=self.describe())


# --- bytes ----------------------------------------------------------------------------------------

def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int] | None:
    """SQLite varint at ``pos`` (at most 9 bytes, before ``end``): (value, next position)."""
    value = 0
    for index in range(9):
        if pos + index >= end:
            return None
        byte = buf[pos + index]
        if index == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + index + 1
    return None


def _varint_bytes(value: int) -> bytes:
    if value < 0x80:
        return bytes([value])
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _u16(buf: bytes, pos: int) -> int:
    return (buf[pos] << 8) | buf[pos + 1] if pos + 2 <= len(buf) else 0


def _u32(buf: bytes, pos: int) -> int:
    return int.from_bytes(buf[pos:pos + 4], "big") if pos + 4 <= len(buf) else 0


def _serial_size(serial: int) -> int | None:
    if serial < 12:
        return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0, None, None)[serial]
    return (serial - 12) >> 1


def _serial_class(serial: int) -> str | None:
    if serial == 0:
        return "null"
    if serial <= 6 or serial in (8, 9):
        return "int"
    if serial == 7:
        return "real"
    if serial >= 12:
        return "blob" if serial % 2 == 0 else "text"
    return None


def _decode_value(serial: int, data: bytes, encoding: str):
    if serial == 0:
        return None
    if serial in (8, 9):
        return serial - 8
    if serial <= 6:
        return int.from_bytes(data, "big", signed=True)
    if serial == 7:
        return struct.unpack(">d", data)[0]
    if serial % 2 == 0:
        return bytes(data)
    return bytes(data).decode(encoding)      # strict: text that does not decode is not a record


def _local_size(payload: int, usable: int) -> int:
    """Bytes of a table-leaf payload kept in the page (the rest goes to overflow pages)."""
    most = usable - 35
    if payload <= most:
        return payload
    least = ((usable - 12) * 32 // 255) - 23
    keep = least + (payload - least) % (usable - 4)
    return keep if keep <= most else least


# --- the database as SQLite reads it (main file + committed WAL frames) ----------------------------

@dataclass(frozen=True, slots=True)
class _Frame:
    index: int
    page: int
    offset: int          # of the frame header in the -wal file


class _Database:
    """Pages of the main file and the -wal, read on demand (one page at a time)."""

    def __init__(self, read_at: ReadAt, size: int, wal_read_at: ReadAt | None, wal_size: int) -> None:
        self.read_at, self.size = read_at, max(0, size)
        self.ok = False
        head = self._read(0, 100)
        if len(head) < 100 or head[:16] != SQLITE_HEADER:
            return
        declared = _u16(head, 16)
        self.page_size = 65536 if declared == 1 else declared
        if self.page_size < 512 or self.page_size & (self.page_size - 1):
            return
        reserved = head[20]
        self.usable = self.page_size - reserved
        if self.usable < 480:
            return
        self.encoding = {2: "utf-16-le", 3: "utf-16-be"}.get(_u32(head, 56), "utf-8")
        self.file_pages = self.size // self.page_size
        self.frames: list[_Frame] = []
        self.current: dict[int, _Frame] = {}       # page -> latest committed frame
        self.wal_read_at = wal_read_at
        commit_pages = self._index_wal(wal_read_at, max(0, wal_size)) if wal_read_at else None
        # The page count SQLite would use, capped by the pages that exist (a hostile header or
        # commit frame cannot make the bitmaps below huge).
        exist = self.file_pages + len(self.frames)
        self.page_count = max(1, min(commit_pages or self.file_pages or 1, exist or 1))
        self.ok = True

    def _read(self, offset: int, length: int, reader: ReadAt | None = None) -> bytes:
        try:
            data = (reader or self.read_at)(offset, length)
        except (OSError, ValueError):
            return b""
        return bytes(data) if data else b""

    def _index_wal(self, read_at: ReadAt, size: int) -> int | None:
        head = self._read(0, 32, read_at)
        if len(head) < 32:
            return None
        magic, version, page_size, _seq, salt1, salt2, check1, check2 = struct.unpack(">8I", head)
        if magic not in WAL_MAGIC or page_size != self.page_size:
            return None                        # another database's log, or none
        big = bool(magic & 1)
        chain_ok = version == 3007000 and _checksum(head[:24], big, 0, 0) == (check1, check2)
        s0, s1 = (check1, check2)
        frame_size = 24 + page_size
        pending: dict[int, _Frame] = {}
        commit_pages = None
        count = max(0, (size - 32) // frame_size)
        for index in range(count):
            offset = 32 + index * frame_size
            frame = self._read(offset, frame_size, read_at)
            if len(frame) < frame_size:
                break
            number, commit, fsalt1, fsalt2, fcheck1, fcheck2 = struct.unpack(">6I", frame[:24])
            if number == 0 or number > 0x7FFFFFFF:
                chain_ok = False
                continue
            self.frames.append(_Frame(index, number, offset))
            if chain_ok:
                if (fsalt1, fsalt2) != (salt1, salt2):
                    chain_ok = False
                else:
                    s0, s1 = _checksum(frame[:8], big, s0, s1)
                    s0, s1 = _checksum(frame[24:], big, s0, s1)
                    chain_ok = (s0, s1) == (fcheck1, fcheck2)
            if chain_ok:
                pending[number] = self.frames[-1]
                if commit:
                    self.current.update(pending)
                    pending.clear()
                    commit_pages = commit
        return commit_pages

    def main_page(self, number: int) -> bytes:
        if number < 1 or number > self.file_pages:
            return b""
        return self._read((number - 1) * self.page_size, self.page_size)

    def frame_page(self, frame: _Frame) -> bytes:
        if self.wal_read_at is None:
            return b""
        data = self._read(frame.offset + 24, self.page_size, self.wal_read_at)
        return data if len(data) == self.page_size else b""

    def page(self, number: int) -> tuple[bytes, _Frame | None]:
        """The page as SQLite reads it now, and the WAL frame it came from (None: main file)."""
        if number < 1 or number > self.page_count:
            return b"", None
        frame = self.current.get(number)
        if frame is not None:
            return self.frame_page(frame), frame
        return self.main_page(number), None


def _checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data[:len(data) // 4 * 4])
    for index in range(0, len(words) - 1, 2):
        s0 = (s0 + words[index] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[index + 1] + s0) & 0xFFFFFFFF
    return s0, s1


class _Bitmap:
    def __init__(self, size: int) -> None:
        self.bits = bytearray((size >> 3) + 1)
        self.size = size

    def add(self, number: int) -> bool:
        """Mark ``number``; False when it was marked already or is out of range."""
        if number < 0 or number > self.size:
            return False
        byte, bit = number >> 3, 1 << (number & 7)
        if self.bits[byte] & bit:
            return False
        self.bits[byte] |= bit
        return True


# --- the carver -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Found:
    values: tuple
    rowid: int | None
    start: int            # in the page
    length: int           # bytes of the record in the page (local part)
    confidence: float


def _byte_class(values: Sequence[int]) -> bytes:
    return b"[" + b"".join(re.escape(bytes([value])) for value in sorted(set(values))) + b"]"


def _column_pattern(column: Column) -> bytes:
    single: list[int] = []
    multi = False
    if "null" in column.allowed:
        single.append(0)
    if "int" in column.allowed:
        single += [1, 2, 3, 4, 5, 6, 8, 9]
    if "real" in column.allowed:
        single.append(7)
    if "text" in column.allowed:
        single += range(13, 128, 2)
        multi = True
    if "blob" in column.allowed:
        single += range(12, 128, 2)
        multi = True
    options = [_byte_class(single)] if single else []
    if multi:
        options.append(rb"[\x81-\xff]{1,2}[\x00-\x7f]")
    return b"(?:" + b"|".join(options) + b")" if options else b"(?!)"


class _Carver:
    """Finds records of one layout in one page."""

    def __init__(self, layout: TableLayout, db: _Database) -> None:
        self.layout = layout
        self.db = db
        self.usable = db.usable
        self.count = len(layout.columns)
        self.alias = next((index for index, column in enumerate(layout.columns) if column.rowid_alias), None)
        # Candidates are found by their serial types, from the first column after a leading rowid
        # alias (whose NULL type, like the header length before it, a freeblock header may have
        # overwritten); the header is then read whole, or rebuilt (see ``_at``).
        self.lead = 1 if self.alias == 0 else 0
        types = layout.columns[self.lead:self.lead + max(1, min(layout.min_columns - self.lead, 12))]
        self.pattern = re.compile(b"".join(_column_pattern(column) for column in types), re.DOTALL)

    # a record from its payload bytes
    def decode(self, payload: bytes, carved: bool = True) -> tuple | None:
        head = _varint(payload, 0, len(payload))
        if head is None:
            return None
        header_len, pos = head
        if header_len < 1 + self.layout.min_columns or header_len > len(payload):
            return None
        serials = []
        while pos < header_len:
            got = _varint(payload, pos, header_len)
            if got is None:
                return None
            serials.append(got[0])
            pos = got[1]
            if len(serials) > self.count:
                return None
        if pos != header_len or not self.layout.min_columns <= len(serials) <= self.count:
            return None
        values = []
        body = header_len
        for column, serial in zip(self.layout.columns, serials):
            kind = _serial_class(serial)
            size = _serial_size(serial)
            if kind is None or size is None or kind not in column.allowed:
                return None
            if body + size > len(payload):
                return None
            try:
                values.append(_decode_value(serial, payload[body:body + size], self.db.encoding))
            except (UnicodeDecodeError, struct.error, ValueError):
                return None
            body += size
        if body != len(payload):
            return None
        # Zeroed space reads as all-NULL records, or text of NUL characters: not records. A carved
        # record (no cell pointer vouches for it) must not hold other control characters either:
        # bytes misread as text are full of them.
        if all(value is None for value in values) or \
                any(type(value) is str and (_CONTROL.search(value) if carved else "\x00" in value) for value in values):
            return None
        values += [None] * (self.count - len(values))       # columns added after the record was written
        return tuple(values)

    def payload_length(self, buf: bytes, start: int, end: int) -> int | None:
        """Payload size implied by a record header at ``start`` (header + body), or None."""
        head = _varint(buf, start, end)
        if head is None:
            return None
        header_len, pos = head
        stop = start + header_len
        if header_len < 2 or stop > end:
            return None
        total = header_len
        while pos < stop:
            got = _varint(buf, pos, stop)
            if got is None:
                return None
            size = _serial_size(got[0])
            if size is None:
                return None
            total += size
            pos = got[1]
        return total if pos == stop and total <= MAX_PAYLOAD else None

    def payload(self, page: bytes, start: int, total: int, limit: int) -> tuple[bytes, int] | None:
        """The payload of ``total`` bytes whose local part starts at ``start`` (overflow pages
        followed through the database as SQLite reads it now); with the local length."""
        local = _local_size(total, self.usable)
        if local <= 0 or start + local > limit:
            return None
        if local == total:
            return bytes(page[start:start + total]), local
        if start + local + 4 > limit:
            return None
        parts = [bytes(page[start:start + local])]
        have = local
        following = _u32(page, start + local)
        seen = _Bitmap(self.db.page_count)
        while have < total:
            if not seen.add(following):
                return None
            over, _frame = self.db.page(following)
            if len(over) < self.usable:
                return None
            chunk = over[4:self.usable][:total - have]
            parts.append(bytes(chunk))
            have += len(chunk)
            following = _u32(over, 0)
        return b"".join(parts), local + 4

    def cells(self, page: bytes, header: int) -> Iterator[_Found]:
        """Intact cells reached through the cell pointer array of a table-leaf page."""
        count = _u16(page, header + 3)
        first = header + 8
        count = min(count, max(0, (self.usable - first) // 2))
        for index in range(count):
            start = _u16(page, first + 2 * index)
            if start < first + 2 * count or start >= self.usable:
                continue
            size = _varint(page, start, self.usable)
            if size is None:
                continue
            rowid = _varint(page, size[1], self.usable)
            if rowid is None or size[0] > MAX_PAYLOAD:
                continue
            got = self.payload(page, rowid[1], size[0], self.usable)
            if got is None:
                continue
            values = self.decode(got[0], carved=False)
            if values is not None:
                yield _Found(values, _signed64(rowid[0]), start, rowid[1] - start + got[1], CONF_CELL)

    def scan(self, page: bytes, start: int, end: int, floor: int | None = None) -> Iterator[_Found]:
        """Records carved from ``page[start:end]``; bytes below ``floor`` (default ``start``) are not
        trusted as a header length, payload length or rowid (a freeblock header overwrote them)."""
        end = min(end, self.usable, len(page))
        floor = start if floor is None else floor
        pos = max(0, start)
        while pos < end:
            match = self.pattern.search(page, pos, end)
            if match is None:
                return
            found = self._at(page, match.start(), end, floor)
            if found is None:
                pos = match.start() + 1
                continue
            yield found
            # Only a record whose storage classes mostly agree with the live rows claims its bytes;
            # a weak one (often a fragment of zeroed or reused space) must not hide a real record
            # that starts inside it.
            strong = found.confidence * (0.5 + 0.5 * self.conformity(found.values)) >= WEAK
            pos = max(match.start() + 1, found.start + found.length) if strong else match.start() + 1

    def _at(self, page: bytes, types_at: int, end: int, floor: int) -> _Found | None:
        """The record whose serial types (after the rowid alias) start at ``types_at``: with its
        header as stored; else with the header length rebuilt; else with the header length and
        the alias's NULL type rebuilt (the two bytes a freeblock header overwrites)."""
        header_at = types_at - self.lead - 1
        if header_at < 0:
            return None
        if header_at >= floor:
            found = self._record_at(page, header_at, end, floor)
            if found is not None:
                return found
        rebuilt = []
        if self.lead == 0 or page[types_at - 1] == 0:
            found = self._rebuilt(page, header_at, types_at - self.lead, end, [])
            if found is not None:
                rebuilt.append(found)
        if self.lead:
            found = self._rebuilt(page, header_at, types_at, end, [0])
            if found is not None:
                rebuilt.append(found)
        # Both readings rarely fit the layout; when they do, the one whose storage classes agree
        # with more live values wins.
        return max(rebuilt, key=self._agreement) if rebuilt else None

    def _record_at(self, page: bytes, at: int, end: int, floor: int) -> _Found | None:
        total = self.payload_length(page, at, end)
        if total is None:
            return None
        got = self.payload(page, at, total, end)
        if got is None:
            return None
        values = self.decode(got[0])
        if values is None:
            return None
        # The payload length and rowid varints that preceded the header, when they agree.
        for rowid_len in range(1, 10):
            rowid_at = at - rowid_len
            if rowid_at - 1 < floor:
                break
            rowid = _varint(page, rowid_at, at)
            if rowid is None or rowid[1] != at:
                continue
            for size_len in range(1, 4):
                size_at = rowid_at - size_len
                if size_at < floor:
                    break
                size = _varint(page, size_at, rowid_at)
                if size is not None and size[1] == rowid_at and size[0] == total:
                    return _Found(values, _signed64(rowid[0]), size_at, at - size_at + got[1], CONF_PREFIX)
        return _Found(values, None, at, got[1], CONF_CARVED)

    def freeblock(self, page: bytes, start: int, size: int) -> Iterator[_Found]:
        """Records in a freeblock. The cell that began there lost its first four bytes (payload
        length, rowid, and the header length byte, perhaps the first serial type too); records
        after it (merged freeblocks) are intact."""
        yield from self.scan(page, start + 4, min(start + size, self.usable), floor=start + 4)

    def conformity(self, values: tuple) -> float:
        """Share of the columns (rowid alias aside) whose storage class is one the live rows hold."""
        checked = agree = 0
        for column, value in zip(self.layout.columns, values):
            if column.seen and not column.rowid_alias:
                checked += 1
                agree += _class_of(value) in column.seen
        return agree / checked if checked else 1.0

    def _agreement(self, found: _Found) -> int:
        return sum(1 for column, value in zip(self.layout.columns, found.values)
                   if value is not None and _class_of(value) in column.seen)

    def _rebuilt(self, page: bytes, header_at: int, types_at: int, end: int, forced: list[int]) -> _Found | None:
        serials = list(forced)
        pos = types_at
        for count in range(len(forced), self.count):
            got = _varint(page, pos, end)
            if got is None:
                break
            serials.append(got[0])
            pos = got[1]
            column = self.layout.columns[count]
            if _serial_class(got[0]) not in column.allowed:
                return None
        if len(serials) != self.count:
            return None
        header = b"".join(_varint_bytes(serial) for serial in serials)
        header_len = len(header) + 1
        if header_len > 127:
            return None
        body = sum(_serial_size(serial) or 0 for serial in serials)
        total = header_len + body
        body_at = header_at + header_len
        if body_at != pos or total > MAX_PAYLOAD:
            return None
        local = _local_size(total, self.usable)
        record_end = header_at + local + (4 if local < total else 0)
        if record_end > end:
            return None
        # The freeblock header that overwrote the lost bytes must still be there and hold the
        # record: without it a rebuilt header is a guess (and misreads text as types).
        block = types_at - 4
        if block < 0:
            return None
        following, size = _u16(page, block), _u16(page, block + 2)
        if size < 4 or block + size > self.usable or record_end > block + size or \
                (following and not block + size <= following <= self.usable - 4):
            return None
        synthetic = bytearray(page[:end])
        synthetic[header_at:body_at] = bytes([header_len]) + header
        got = self.payload(bytes(synthetic), header_at, total, end)
        if got is None:
            return None
        values = self.decode(got[0])
        if values is None:
            return None
        return _Found(values, None, header_at, got[1], CONF_REBUILT)

    def free_space(self, page: bytes, header: int, header_size: int = 8) -> Iterator[tuple[str, _Found]]:
        """Freeblocks and the unallocated gap of a b-tree page (header 8 bytes for a leaf, 12 for an
        interior page, whose free space keeps cells of the leaf it was before a split)."""
        count = _u16(page, header + 3)
        pointers_end = header + header_size + 2 * count
        content = _u16(page, header + 5) or 65536
        if pointers_end < min(content, self.usable):
            for found in self.scan(page, pointers_end, min(content, self.usable)):
                yield "unallocated", found
        block = _u16(page, header + 1)
        previous = 0
        while block:
            if block <= previous or block < pointers_end or block + 4 > self.usable:
                break                            # freeblocks ascend; anything else is damage or a loop
            size = _u16(page, block + 2)
            if size < 4 or block + size > self.usable:
                break
            for found in self.freeblock(page, block, size):
                yield "freeblock", found
            previous = block
            block = _u16(page, block)


def _leaf_header(page: bytes, number: int) -> int | None:
    """Offset of the b-tree header when the page is a plausible table leaf."""
    header = 100 if number == 1 else 0
    if len(page) < header + 8 or page[header] != _LEAF:
        return None
    return header


def recover(layout: TableLayout, read_at: ReadAt, size: int, *, wal_read_at: ReadAt | None = None,
            wal_size: int = 0, root_page: int | None = None, table: str | None = None,
            wal_file: str | None = None) -> Iterator[RecoveredRecord]:
    """Every record of ``layout`` found outside the live b-tree of ``table`` (root page
    ``root_page``; without it live pages are not searched for freeblocks): in older page versions
    (the main file's pages a committed WAL frame replaces, then older WAL frames), freelist pages,
    and the freeblocks and unallocated space of the table's live leaf pages. Each distinct record
    is yielded once (the first place found). Live rows are not filtered out here (see
    ``recover_table``). Never raises on damaged input."""
    try:
        db = _Database(read_at, size, wal_read_at, wal_size)
    except (ValueError, IndexError, struct.error, OverflowError):
        return
    if not db.ok or not layout.columns:
        return
    carver = _Carver(layout, db)
    seen: set[bytes] = set()
    names = layout.names

    def emit(found: _Found, source: str, page: int, base: int, frame: _Frame | None) -> RecoveredRecord | None:
        values = found.values
        rowid = found.rowid
        if carver.alias is not None and rowid is not None:
            values = values[:carver.alias] + (rowid,) + values[carver.alias + 1:]
        key = hashlib.blake2b(repr(tuple(value for index, value in enumerate(values) if index != carver.alias))
                              .encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in seen:
            return None
        seen.add(key)
        conformity = carver.conformity(values)
        return RecoveredRecord(table=table, columns=names, values=values, source=source, page=page,
                               offset=base + found.start, length=found.length, rowid=rowid,
                               wal_frame=frame.index if frame else None, wal_file=wal_file if frame else None,
                               confidence=round(found.confidence * (0.5 + 0.5 * conformity), 3))

    def old_page(page: bytes, number: int, source: str, base: int, frame: _Frame | None,
                 skip: int = 0) -> Iterator[RecoveredRecord]:
        """A page that is not live: cells, freeblocks and gaps of a leaf; otherwise all of it."""
        try:
            header = _leaf_header(page, number) if not skip else None
            if header is not None:
                found_iter = [*((None, each) for each in carver.cells(page, header)),
                              *carver.free_space(page, header)]
            else:
                found_iter = [(None, each) for each in carver.scan(page, max(skip, 100 if number == 1 else 0),
                                                                     db.usable)]
        except (ValueError, IndexError, struct.error, OverflowError):
            return
        for _kind, found in found_iter:
            record = emit(found, source, number, base, frame)
            if record is not None:
                yield record

    # 1. the main file's versions of pages the WAL replaces, then every WAL frame that is not the
    #    current version of its page (superseded, uncommitted, or of an earlier WAL generation).
    for number, frame in sorted(db.current.items()):
        yield from old_page(db.main_page(number), number, "superseded", (number - 1) * db.page_size, None)
    current = {frame.index for frame in db.current.values()}
    for frame in db.frames:
        if frame.index not in current:
            yield from old_page(db.frame_page(frame), frame.page, "wal", frame.offset + 24, frame)

    # 2. freelist trunk and leaf pages (trunk: the leaf list at its start is not old content).
    first, _ = db.page(1)
    trunk = _u32(first, 32) if len(first) >= 40 else 0
    visited = _Bitmap(db.page_count)
    while trunk and visited.add(trunk):
        page, frame = db.page(trunk)
        if len(page) < db.usable:
            break
        leaves = min(_u32(page, 4), (db.usable - 8) // 4)
        for index in range(leaves):
            leaf = _u32(page, 8 + 4 * index)
            if leaf and visited.add(leaf):
                content, leaf_frame = db.page(leaf)
                if content:
                    base = leaf_frame.offset + 24 if leaf_frame else (leaf - 1) * db.page_size
                    yield from old_page(content, leaf, "freelist", base, leaf_frame)
        base = frame.offset + 24 if frame else (trunk - 1) * db.page_size
        yield from old_page(page, trunk, "freelist", base, frame, skip=8 + 4 * leaves)
        trunk = _u32(page, 0)

    # 3. freeblocks and unallocated space of the table's live b-tree pages.
    if root_page:
        walked = _Bitmap(db.page_count)
        stack = [root_page]
        while stack:
            number = stack.pop()
            if not walked.add(number):
                continue
            page, frame = db.page(number)
            header = 100 if number == 1 else 0
            if len(page) < header + 12:
                continue
            kind = page[header]
            if kind == _INTERIOR:
                count = min(_u16(page, header + 3), (db.usable - header - 12) // 2)
                children = [_u32(page, header + 8)]
                for index in range(count):
                    cell = _u16(page, header + 12 + 2 * index)
                    if 0 < cell <= db.usable - 4:
                        children.append(_u32(page, cell))
                stack.extend(child for child in reversed(children) if 0 < child <= db.page_count)
            if kind in (_LEAF, _INTERIOR):
                base = frame.offset + 24 if frame else (number - 1) * db.page_size
                try:
                    found_list = list(carver.free_space(page, header, 8 if kind == _LEAF else 12))
                except (ValueError, IndexError, struct.error, OverflowError):
                    continue
                for source, found in found_list:
                    record = emit(found, source, number, base, frame)
                    if record is not None:
                        yield record


def _class_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | int):
        return "int"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "text"
    return "blob"


# --- the layout of a live table, and the filter against its live rows -----------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _affinity(declared: str) -> set[str]:
    """Storage classes a column of that declared type holds (SQLite's affinity rules)."""
    text = (declared or "").upper()
    if "INT" in text:
        return {"null", "int"}
    if "CHAR" in text or "CLOB" in text or "TEXT" in text:
        return {"null", "text"}
    if "BLOB" in text or not text:
        return set(CLASSES)
    if "REAL" in text or "FLOA" in text or "DOUB" in text:
        return {"null", "real", "int"}
    return {"null", "int", "real", "text"}


def table_layout(conn: sqlite3.Connection, table: str) -> tuple[TableLayout, int | None]:
    """The layout of ``table`` from its schema (declared types, NOT NULL, the rowid alias) and a
    sample of its live rows (storage classes they hold), with the table's root page."""
    info = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    if not info:
        raise ValueError(f"no table {table!r}")
    keys = [row[5] for row in info if row[5]]
    root = conn.execute("SELECT rootpage, sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
                        (table,)).fetchone()
    without_rowid = bool(root and root[1] and "WITHOUT ROWID" in root[1].upper().replace("\n", " "))
    names = [row[1] for row in info]
    seen: list[set[str]] = [set() for _ in names]
    try:
        for row in conn.execute(f"SELECT {', '.join('typeof(' + _quote(name) + ')' for name in names)} "
                                f"FROM {_quote(table)} LIMIT {MAX_SAMPLE}"):
            for index, kind in enumerate(row):
                seen[index].add({"integer": "int"}.get(kind, kind))
    except sqlite3.DatabaseError:
        pass
    columns = []
    for index, row in enumerate(info):
        alias = (len(keys) == 1 and row[5] == 1 and (row[2] or "").strip().upper() == "INTEGER"
                 and not without_rowid)
        if alias:
            columns.append(Column(row[1], frozenset({"null"}), True))
            continue
        allowed = _affinity(row[2]) | seen[index]
        if row[3]:                              # NOT NULL
            allowed.discard("null")
        columns.append(Column(row[1], frozenset(allowed), False, frozenset(seen[index])))
    return TableLayout(tuple(columns), len(columns)), (int(root[0]) if root and root[0] else None)


def recover_table(conn: sqlite3.Connection, table: str, read_at: ReadAt, size: int, *,
                  columns: Sequence[str] | None = None, match_on: Sequence[str] | None = None,
                  wal_read_at: ReadAt | None = None, wal_size: int = 0, wal_file: str | None = None,
                  min_confidence: float = WEAK) -> Iterator[RecoveredRecord]:
    """Deleted records of ``table``: ``recover`` with the layout read from the live database
    (``conn``), less what is still live. A record is dropped when its rowid is live with the same
    values, or (rowid unknown) when a live row has the same values; with ``match_on`` (a natural
    key such as a message id), also when a live row has the same values in those columns, so an
    older version of a row that was since updated is not taken for a deleted one. ``values``
    follow ``columns`` (default: every column). Records below ``min_confidence`` are left out:
    the default 0.4 drops carved fragments whose storage classes mostly disagree with the live rows
    (mostly NULL where live rows hold values), which is what zeroed or reused space produces."""
    layout, root = table_layout(conn, table)
    names = layout.names
    lower = [name.lower() for name in names]
    wanted = list(columns) if columns else list(names)
    try:
        positions = [lower.index(name.lower()) for name in wanted]
        keys = [lower.index(name.lower()) for name in match_on] if match_on else []
    except ValueError as exc:
        raise ValueError(f"{table} has no such column: {exc}") from None
    alias = next((index for index, column in enumerate(layout.columns) if column.rowid_alias), None)
    quoted = ", ".join(_quote(name) for name in names)
    live_keys: dict[tuple[int, ...], set[int]] = {}

    def live_set(indexes: tuple[int, ...]) -> set[int]:
        found = live_keys.get(indexes)
        if found is None:
            found = live_keys[indexes] = set()
            select = ", ".join("rowid" if index == alias else _quote(names[index]) for index in indexes)
            try:
                for row in conn.execute(f"SELECT {select} FROM {_quote(table)}"):
                    found.add(hash(tuple(row)))
            except sqlite3.DatabaseError:
                pass
        return found

    def is_live(record: RecoveredRecord) -> bool:
        if record.rowid is not None:
            try:
                row = conn.execute(f"SELECT {quoted} FROM {_quote(table)} WHERE rowid = ?", (record.rowid,)).fetchone()
            except (sqlite3.DatabaseError, OverflowError):
                row = None
            if row is not None and all(index == alias or row[index] == value
                                       for index, value in enumerate(record.values)):
                return True
        if keys and hash(tuple(record.values[index] for index in keys)) in live_set(tuple(keys)):
            return True
        if record.rowid is None:
            others = tuple(index for index in range(len(names)) if index != alias)
            if hash(tuple(record.values[index] for index in others)) in live_set(others):
                return True
        return False

    return _not_live(conn, recover(layout, read_at, size, wal_read_at=wal_read_at, wal_size=wal_size, root_page=root,
                                   table=table, wal_file=wal_file), names, positions, min_confidence, is_live)


def _not_live(conn: sqlite3.Connection, records: Iterator[RecoveredRecord], names: tuple[str, ...],
              positions: list[int], min_confidence: float,
              is_live: Callable[[RecoveredRecord], bool]) -> Iterator[RecoveredRecord]:
    previous_factory = conn.text_factory
    conn.text_factory = _lenient_text
    try:
        for record in records:
            if record.confidence < min_confidence or is_live(record):
                continue
            yield RecoveredRecord(table=record.table, columns=tuple(names[index] for index in positions),
                                  values=tuple(record.values[index] for index in positions), source=record.source,
                                  page=record.page, offset=record.offset, length=record.length, rowid=record.rowid,
                                  wal_frame=record.wal_frame, wal_file=record.wal_file,
                                  confidence=record.confidence)
    finally:
        conn.text_factory = previous_factory


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
