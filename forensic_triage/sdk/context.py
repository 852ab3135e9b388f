"""What a plugin receives: the Source it was given and a Context of read-only helpers."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from forensic_triage.sdk.artifacts import Locator
from forensic_triage.sdk.extractor import PluginWarning
from forensic_triage.sdk.times import TimeDecoders, TimeValue

ReadAt = Callable[[int, int], bytes]


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    """The file a plugin is run on (read its bytes through the Context)."""

    path: str                      # path in the evidence, "/"-separated, no leading slash
    name: str
    size: int
    sha256: str | None = None
    deleted: bool = False
    inode: str | None = None
    evidence: str | None = None    # exhibit id
    head: bytes = b""
    mtime: TimeValue | None = None  # the file's modification time as the file system records it


class SourceFile(io.RawIOBase):
    """A read-only, seekable file object over a Source's bytes."""

    def __init__(self, read_at: ReadAt, size: int) -> None:
        super().__init__()
        self._read_at = read_at
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        data = self._read_at(self._pos, want)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._pos
        elif whence == os.SEEK_END:
            offset += self._size
        if offset < 0:
            raise ValueError("negative seek position")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos


class SourceChangedError(RuntimeError):
    """The copy made for a plugin does not hash like the file ingest hashed."""


@dataclass(kw_only=True)
class Context:
    """Read-only helpers for one plugin run on one source file."""

    source: Source
    read_at: ReadAt
    scratch: Path
    siblings: Mapping[str, tuple[Source, ReadAt]] = field(default_factory=dict)
    region: str | None = None       # default phone-number region of the case (e.g. "GB")
    display_tz: str | None = None
    time: TimeDecoders = field(default_factory=TimeDecoders)
    copies: dict[str, Path] = field(default_factory=dict)   # scratch copies, shared by the plugins of one file
    # SQLite databases built in memory instead of copied to scratch; None: when the scratch folder
    # lies in an encrypted case (plaintext copies there would defeat its encryption).
    in_memory: bool | None = None
    # Whether recover_records returns anything: on for `plugin run` and the test fixture; an
    # ingest turns it on only with --recover-deleted (rebuilt records add to what a store holds).
    recover_deleted: bool = True
    _sqlite: list[sqlite3.Connection] = field(default_factory=list)

    # --- bytes ----------------------------------------------------------------------------------

    def open(self, source: Source | None = None) -> BinaryIO:
        """A read-only, seekable, buffered file object over the source (or a sibling)."""
        source, read_at = self._resolve(source)
        return io.BufferedReader(SourceFile(read_at, source.size), buffer_size=1 << 16)

    def read_bytes(self, source: Source | None = None, limit: int | None = None) -> bytes:
        source, read_at = self._resolve(source)
        return read_at(0, source.size if limit is None else min(limit, source.size))

    def sibling(self, name: str) -> Source | None:
        """A file next to the source that the host supplied (see Extractor.siblings)."""
        found = self.siblings.get(name)
        return found[0] if found else None

    def _resolve(self, source: Source | None) -> tuple[Source, ReadAt]:
        if source is None or source == self.source:
            return self.source, self.read_at
        for candidate, read_at in self.siblings.values():
            if candidate == source:
                return candidate, read_at
        raise ValueError(f"{source.path} is neither the source nor a sibling the host supplied")

    # --- SQLite ---------------------------------------------------------------------------------

    def open_sqlite(self, source: Source | None = None, *, wal: bool = True) -> sqlite3.Connection:
        """The database opened read-only, re-hashed against what ingest recorded; rows come back
        as sqlite3.Row. ``wal=False`` reads the main file alone, ignoring the -wal beside it.

        In a plain case the database is copied to scratch with its -wal/-shm/-journal. In an
        encrypted case nothing plaintext may reach the disk, so the database is built in memory
        instead: the main file, with the committed frames of its -wal applied here (SQLite's WAL
        format: salts and checksum chain checked, frames after the last valid commit ignored),
        handed to sqlite3 with ``deserialize`` (a hot -journal is not rolled back there)."""
        source, read_at = self._resolve(source)
        if self.in_memory is None:
            from forensic_triage.store.crypto import encrypted_case_of

            self.in_memory = encrypted_case_of(self.scratch) is not None
        if self.in_memory:
            conn = self._memory_sqlite(source, read_at, wal=wal)
        else:
            target = self._scratch_copy(source, read_at)
            # A file URI, so names with "#", "?" or "%" open this file and never a new writable one;
            # immutable=1 makes SQLite ignore the -wal beside the copy.
            conn = sqlite3.connect(target.resolve().as_uri() + ("?mode=ro" if wal else "?mode=ro&immutable=1"),
                                   uri=True)
        conn.row_factory = sqlite3.Row
        self._sqlite.append(conn)
        return conn

    def _scratch_copy(self, source: Source, read_at: ReadAt) -> Path:
        target = self.copies.get(source.path)
        if target is None:
            folder = self.scratch / f"sqlite-{len(self.copies)}"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / (source.name or "database")
            digest = self._copy(read_at, source.size, target)
            if source.sha256 and digest != source.sha256:
                raise SourceChangedError(f"copy of {source.path} hashes {digest}, ingest recorded {source.sha256}")
            for suffix in ("-wal", "-shm", "-journal"):
                found = self.siblings.get(source.name + suffix)
                if found:
                    companion, companion_read = found
                    copied = self._copy(companion_read, companion.size, folder / (target.name + suffix))
                    if companion.sha256 and copied != companion.sha256:
                        raise SourceChangedError(f"copy of {companion.path} hashes {copied}, "
                                                 f"ingest recorded {companion.sha256}")
            self.copies[source.path] = target
        return target

    def _memory_sqlite(self, source: Source, read_at: ReadAt, *, wal: bool) -> sqlite3.Connection:
        image = self._read_checked(source, read_at)
        found = self.siblings.get(source.name + "-wal") if wal else None
        if found:
            companion, companion_read = found
            image = apply_wal(image, self._read_checked(companion, companion_read))
        if len(image) >= 20 and image[:16] == b"SQLite format 3\x00":
            # Read and write versions 2 mean WAL mode, which an in-memory database cannot use.
            image[18:20] = b"\x01\x01"
        conn = sqlite3.connect(":memory:")
        try:
            conn.deserialize(bytes(image))
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    # --- SQLCipher stores opened with the examiner's keys (ingest --key-file) ---------------------

    def app_keys(self, source: Source | None = None) -> list[Any]:
        """The examiner-supplied keys (``ingest --key-file``) whose entry matches the source's path,
        in file order; each has ``label`` and ``describe()`` (never the key) for warnings."""
        from forensic_triage.store.crypto import app_keys_from_environment

        source, _read_at = self._resolve(source)
        return [key for key in app_keys_from_environment() if key.matches(source.path)]

    def open_sqlcipher(self, key: Any, source: Source | None = None):
        """The SQLCipher database opened with one of ``app_keys()``, read-only, rows as Row objects
        (the sqlite3 API). The ciphertext is copied to scratch with its -wal, re-hashed, and
        decrypted page by page in memory only. Raises sqlite3.DatabaseError when the key does not
        open it (SQLCipher's own errors are turned into sqlite3's, which plugins already catch)."""
        from forensic_triage.store.crypto import apply_key, sqlcipher

        source, read_at = self._resolve(source)
        module = sqlcipher()
        folder = self.scratch / f"sqlcipher-{len(self._sqlite)}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "database"
        digest = self._copy(read_at, source.size, target)
        if source.sha256 and digest != source.sha256:
            raise SourceChangedError(f"copy of {source.path} hashes {digest}, ingest recorded {source.sha256}")
        found = self.siblings.get(source.name + "-wal")
        if found:
            companion, companion_read = found
            copied = self._copy(companion_read, companion.size, folder / "database-wal")
            if companion.sha256 and copied != companion.sha256:
                raise SourceChangedError(f"copy of {companion.path} hashes {copied}, ingest recorded {companion.sha256}")
        # Read-write on the copy (a WAL needs its -shm), query_only for the plugin: the evidence and
        # its ingest hash are untouched; the copy stays ciphertext.
        conn = module.connect(str(target))
        try:
            apply_key(conn, raw_key=key.raw_key, passphrase=key.passphrase, options=dict(key.options))
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            conn.execute("PRAGMA query_only = ON")
        except module.DatabaseError as exc:
            conn.close()
            raise sqlite3.DatabaseError(f"the key '{key.label}' does not open it ({exc})") from None
        conn.row_factory = module.Row
        self._sqlite.append(conn)
        return conn

    @staticmethod
    def _copy(read_at: ReadAt, size: int, target: Path) -> str:
        hasher = hashlib.sha256()
        with open(target, "wb") as out:
            offset = 0
            while offset < size:
                data = read_at(offset, min(1 << 20, size - offset))
                if not data:
                    break
                out.write(data)
                hasher.update(data)
                offset += len(data)
        return hasher.hexdigest()

    @staticmethod
    def _read_checked(source: Source, read_at: ReadAt) -> bytearray:
        hasher = hashlib.sha256()
        data = bytearray()
        while len(data) < source.size:
            chunk = read_at(len(data), min(1 << 20, source.size - len(data)))
            if not chunk:
                break
            data += chunk
        hasher.update(data)
        if source.sha256 and hasher.hexdigest() != source.sha256:
            raise SourceChangedError(f"{source.path} read for a plugin hashes {hasher.hexdigest()}, ingest recorded "
                                     f"{source.sha256}")
        return data

    def recover_records(self, *, table: str, columns: list[str] | tuple[str, ...] | None = None,
                        match_on: list[str] | tuple[str, ...] | None = None, source: Source | None = None,
                        min_confidence: float = 0.4):
        """Deleted records of ``table`` rebuilt from the database's freelist pages, the freeblocks
        and unallocated space of the table's leaf pages, and older page versions in its -wal (see
        forensic_triage.sdk.sqlite_recovery): an iterator of RecoveredRecord, none of them live.
        Raises ValueError when the live database has no such table or column."""
        from forensic_triage.sdk.sqlite_recovery import recover_table

        if not self.recover_deleted:
            return iter(())
        source, read_at = self._resolve(source)
        conn = self.open_sqlite(source)
        wal = self.siblings.get(source.name + "-wal")
        return recover_table(conn, table, read_at, source.size, columns=columns, match_on=match_on,
                             wal_read_at=wal[1] if wal else None, wal_size=wal[0].size if wal else 0,
                             wal_file=wal[0].name if wal else None, min_confidence=min_confidence)

    # --- values ---------------------------------------------------------------------------------

    def e164(self, raw: str | None) -> str | None:
        """A phone number in E.164 form, with the case's --region for numbers without a
        country code; None when ``raw`` is not a phone number."""
        from forensic_triage.sdk.phones import to_e164

        return to_e164(raw, self.region)

    # --- provenance and warnings ----------------------------------------------------------------

    @staticmethod
    def locate(*, table: str | None = None, rowid: int | None = None, offset: int | None = None,
               length: int | None = None, member: str | None = None, pointer: str | None = None,
               line: int | None = None) -> Locator:
        return Locator(table=table, rowid=rowid, offset=offset, length=length, member=member, pointer=pointer,
                       line=line)

    @staticmethod
    def warning(message: str, *, code: str = "plugin.warning", locator: Locator | None = None,
                **context: Any) -> PluginWarning:
        return PluginWarning(message=message, code=code, locator=locator, context=context)

    def close(self) -> None:
        """Close what this plugin opened; the host removes the scratch folder afterwards."""
        for conn in self._sqlite:
            conn.close()
        self._sqlite.clear()


# --- SQLite write-ahead log, applied in memory (https://www.sqlite.org/fileformat2.html#walformat) ---

WAL_MAGIC = (0x377F0682, 0x377F0683)   # the low bit: checksums over big-endian words


def _wal_checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for index in range(0, len(words), 2):
        s0 = (s0 + words[index] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[index + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def apply_wal(image: bytearray, wal: bytes) -> bytearray:
    """The database as SQLite would read it: ``image`` with every frame of ``wal`` up to the last
    valid commit frame written over its page, and the size that commit recorded. A WAL whose header
    or first frame does not check (another database's, reset, torn) leaves ``image`` as it is."""
    if len(wal) < 32:
        return image
    magic, version, page_size, _seq, salt1, salt2, check1, check2 = struct.unpack(">8I", wal[:32])
    if magic not in WAL_MAGIC or version != 3007000 or page_size < 512 or page_size & (page_size - 1):
        return image
    if len(image) >= 100 and image[:16] == b"SQLite format 3\x00":
        declared = int.from_bytes(image[16:18], "big")
        if (65536 if declared == 1 else declared) != page_size:
            return image          # another database's log: SQLite would not apply it either
    big_endian = bool(magic & 1)
    s0, s1 = _wal_checksum(wal[:24], big_endian, 0, 0)
    if (s0, s1) != (check1, check2):
        return image
    pages: dict[int, bytes] = {}
    committed: dict[int, bytes] = {}
    db_pages = None
    offset = 32
    frame = 24 + page_size
    while offset + frame <= len(wal):
        number, commit_size, frame_salt1, frame_salt2, frame_check1, frame_check2 = \
            struct.unpack(">6I", wal[offset:offset + 24])
        if (frame_salt1, frame_salt2) != (salt1, salt2) or number == 0:
            break
        page = wal[offset + 24:offset + frame]
        s0, s1 = _wal_checksum(wal[offset:offset + 8], big_endian, s0, s1)
        s0, s1 = _wal_checksum(page, big_endian, s0, s1)
        if (s0, s1) != (frame_check1, frame_check2):
            break
        pages[number] = page
        if commit_size:
            committed.update(pages)
            pages.clear()
            db_pages = commit_size
        offset += frame
    if db_pages is None:
        return image
    size = db_pages * page_size
    if len(image) < size:
        image.extend(bytes(size - len(image)))
    del image[size:]
    for number, page in committed.items():
        if number <= db_pages:
            image[(number - 1) * page_size:number * page_size] = page
    return image
