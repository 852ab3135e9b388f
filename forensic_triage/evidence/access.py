"""One process's read-only view of one piece of evidence: walk it, read any entry's bytes.

An EvidenceLocation is plain picklable data; each worker process opens its own
EvidenceAccess from it, so no library handle is ever shared between processes.
"""

from __future__ import annotations

import gzip
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytsk3

from forensic_triage.errors import EvidenceError
from forensic_triage.evidence import entries as E
from forensic_triage.evidence.detect import ContainerSpec
from forensic_triage.evidence.media import MediaReader, open_media
from forensic_triage.evidence.probe import READABLE, VolumeInfo
from forensic_triage.evidence.tsk import tsk_image
from forensic_triage.evidence.walk_apfs import iter_apfs_content, read_apfs, walk_apfs
from forensic_triage.evidence.walk_logical import tar_entry, walk_folder, walk_zip
from forensic_triage.evidence.walk_tsk import WalkIssue, iter_tsk_content, read_tsk, walk_tsk
from forensic_triage.evidence.walk_tsk import count_names as count_tsk_names

CHUNK = 1 << 20


@dataclass(frozen=True, kw_only=True, slots=True)
class EvidenceLocation:
    spec: ContainerSpec
    working_copy: Path | None
    volumes: tuple[VolumeInfo, ...]
    # An encrypted case's key for its working copy: workers get it by fork or through the spawn
    # pipe with the rest of the location, never on a command line; kept out of repr() and logs.
    working_key: bytes | None = field(default=None, repr=False)


class EvidenceAccess:
    def __init__(self, location: EvidenceLocation) -> None:
        self.location = location
        self.spec = location.spec
        self._media: MediaReader | None = None
        self._image = None
        self._fs: dict[int, object] = {}
        self._apfs: dict[int, tuple[object, object]] = {}
        self._zip: zipfile.ZipFile | None = None

    # --- opening -------------------------------------------------------------------------------

    @property
    def sequential(self) -> bool:
        """True when content can only be read in one pass (tar): hashing happens while walking."""
        return self.spec.kind == "tar"

    def _tsk_fs(self, volume: VolumeInfo):
        if volume.index not in self._fs:
            if self._image is None:
                self._media = open_media(self.spec, self.location.working_copy, self.location.working_key)
                self._image = tsk_image(self._media)
            self._fs[volume.index] = pytsk3.FS_Info(self._image, offset=volume.offset)
        return self._fs[volume.index]

    def _apfs_volume(self, volume: VolumeInfo):
        if volume.index not in self._apfs:
            from forensic_triage.evidence.apfs import open_container

            if self._media is None:
                self._media = open_media(self.spec, self.location.working_copy, self.location.working_key)
            container = open_container(self._media, volume.offset, volume.length)
            self._apfs[volume.index] = (container, container.get_volume(volume.apfs_volume or 0))
        return self._apfs[volume.index][1]

    def _zipfile(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(self.spec.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise EvidenceError(f"corrupt zip archive {self.spec.path.name}: {exc}") from None
        return self._zip

    def _volume(self, index: int | None) -> VolumeInfo:
        for volume in self.location.volumes:
            if volume.index == index:
                return volume
        raise EvidenceError(f"volume {index} is not part of this evidence")

    def close(self) -> None:
        self._fs.clear()
        for container, _volume in self._apfs.values():
            container.close()
        self._apfs.clear()
        self._image = None
        if self._media is not None:
            self._media.close()
            self._media = None
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    # --- walking -------------------------------------------------------------------------------

    def walk(self) -> Iterator[E.Name | WalkIssue]:
        """Every name of every readable volume, in a stable order (the order is what makes a
        resumed ingest identical to an uninterrupted one, and lets every worker walk alone)."""
        kind = self.spec.kind
        if kind in ("folder", "zip"):
            walk = walk_folder(self.spec.path) if kind == "folder" else walk_zip(self._zipfile())
            for item in walk:
                yield item if isinstance(item, WalkIssue) else E.Name(item.path, lambda entry=item: [entry])
        elif kind == "tar":
            for item, _chunks in self.walk_tar_with_content():
                yield item if isinstance(item, WalkIssue) else E.Name(item.path, lambda entry=item: [entry])
        else:
            for volume in self.location.volumes:
                if volume.status != READABLE:
                    continue
                if volume.reader == "apfs":
                    yield from walk_apfs(self._apfs_volume(volume), volume_index=volume.index,
                                         partition_offset=volume.offset)
                else:
                    try:
                        fs_info = self._tsk_fs(volume)
                    except (OSError, RuntimeError) as exc:
                        yield WalkIssue(path="", inode=None,
                                        message=f"volume {volume.index} at byte {volume.offset}: {exc}")
                        continue
                    yield from walk_tsk(fs_info, volume_index=volume.index, partition_offset=volume.offset)

    def walk_tar_with_content(self) -> Iterator[tuple[E.FileEntry | WalkIssue, Iterator[bytes] | None]]:
        """Tar members with a one-pass reader of their bytes (a .tar.gz cannot seek cheaply)."""
        try:
            archive = tarfile.open(self.spec.path, "r:*")
        except (tarfile.TarError, OSError, EOFError) as exc:
            yield WalkIssue(path="", inode=None, message=f"corrupt tar archive: {exc}"), None
            return
        with archive:
            while True:
                try:
                    member = archive.next()
                except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                    yield WalkIssue(path="", inode=None, message=f"tar archive is damaged after this point: {exc}"), None
                    return
                if member is None:
                    return
                entry, issue = tar_entry(member.offset_data, member)
                if issue:
                    yield WalkIssue(path=entry.path, inode=None, message=f"tar member {member.name!r}: {issue}"), None
                chunks = _tar_chunks(archive, member) if entry.content else None
                yield entry, chunks

    # --- reading -------------------------------------------------------------------------------

    def count_names(self) -> int:
        """How many names walk() yields (cheaply where the library allows), for progress."""
        if self.spec.kind in ("folder", "zip", "tar") or any(
                volume.reader == "apfs" for volume in self.location.volumes if volume.status == READABLE):
            return sum(1 for item in self.walk() if isinstance(item, E.Name))
        total = 0
        for volume in self.location.volumes:
            if volume.status == READABLE:
                total += count_tsk_names(self._tsk_fs(volume))
        return total

    def chunks(self, entry: E.FileEntry, chunk: int = CHUNK, handle=None) -> Iterator[bytes]:
        kind = self.spec.kind
        if kind == "folder":
            yield from _file_chunks(self.spec.path / entry.member, chunk)
        elif kind == "zip":
            with self._zipfile().open(self._zipfile().infolist()[entry.meta_addr]) as member:
                while data := member.read(chunk):
                    yield data
        elif kind == "tar":
            yield from _tar_member_chunks(self.spec.path, entry, chunk)
        else:
            volume = self._volume(entry.volume_index)
            if volume.reader == "apfs":
                yield from iter_apfs_content(self._apfs_volume(volume), entry, chunk)
            else:
                yield from iter_tsk_content(self._tsk_fs(volume), entry, chunk, handle)

    def read(self, entry: E.FileEntry, offset: int = 0, length: int | None = None, handle=None) -> bytes:
        if length is None:
            length = max(0, entry.size - offset)
        kind = self.spec.kind
        if kind in ("folder", "zip", "tar"):
            out = bytearray()
            position = 0
            for data in self.chunks(entry):
                if position + len(data) > offset:
                    out += data[max(0, offset - position):]
                position += len(data)
                if len(out) >= length:
                    break
            return bytes(out[:length])
        volume = self._volume(entry.volume_index)
        if volume.reader == "apfs":
            return read_apfs(self._apfs_volume(volume), entry, offset, length)
        return read_tsk(self._tsk_fs(volume), entry, offset, length, handle)


def _file_chunks(path: Path, chunk: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while data := handle.read(chunk):
            yield data


def _tar_chunks(archive: tarfile.TarFile, member: tarfile.TarInfo, chunk: int = CHUNK) -> Iterator[bytes]:
    stream = archive.extractfile(member)
    if stream is None:
        return
    while data := stream.read(chunk):
        yield data


def _open_decompressed(path: Path):
    import bz2
    import lzma

    with open(path, "rb") as handle:
        magic = handle.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb")
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(path, "rb")
    return open(path, "rb")


def _tar_member_chunks(path: Path, entry: E.FileEntry, chunk: int) -> Iterator[bytes]:
    # meta_addr holds the member's data offset in the uncompressed tar stream.
    with _open_decompressed(path) as stream:
        stream.seek(entry.meta_addr)
        remaining = entry.size
        while remaining > 0:
            data = stream.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
