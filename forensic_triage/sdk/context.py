"""What a plugin receives: the Source it was given and a Context of read-only helpers."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
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

    def open_sqlite(self, source: Source | None = None) -> sqlite3.Connection:
        """The database copied to scratch with its -wal/-shm/-journal, re-hashed, and opened
        read-only; rows come back as sqlite3.Row."""
        source, read_at = self._resolve(source)
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
        # A file URI, so names with "#", "?" or "%" open this file and never a new writable one.
        conn = sqlite3.connect(target.resolve().as_uri() + "?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
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
