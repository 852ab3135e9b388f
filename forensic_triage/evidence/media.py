"""Byte access to the media inside a container: the disk as acquired, whatever it is stored in.

Every reader opens the evidence read-only. Readers are cheap to open, hold their own
library handles, and are never shared between processes.
"""

from __future__ import annotations

import bisect
import os
import re
from pathlib import Path
from typing import Protocol

from forensic_triage.errors import EvidenceError
from forensic_triage.evidence.detect import ContainerSpec
from forensic_triage.sdk.context import SourceFile


class MediaReader(Protocol):
    kind: str
    size: int

    def read(self, offset: int, length: int) -> bytes: ...

    def close(self) -> None: ...


class RawReader:
    """One or more plain files read as one disk (raw, split raw, a decompressed scratch copy)."""

    def __init__(self, segments: tuple[Path, ...], kind: str = "raw") -> None:
        self.kind = kind
        self.paths = segments
        self._files = [open(path, "rb") for path in segments]  # noqa: SIM115 - held for the reader's life
        self._starts: list[int] = []
        total = 0
        for handle in self._files:
            self._starts.append(total)
            total += os.fstat(handle.fileno()).st_size
        self.size = total

    def read(self, offset: int, length: int) -> bytes:
        if offset >= self.size or length <= 0:
            return b""
        length = min(length, self.size - offset)
        out = bytearray()
        index = bisect.bisect_right(self._starts, offset) - 1
        while length > 0 and index < len(self._files):
            local = offset - self._starts[index]
            chunk = os.pread(self._files[index].fileno(), length, local)
            if not chunk:
                break
            out += chunk
            offset += len(chunk)
            length -= len(chunk)
            if offset >= self._starts[index] + os.fstat(self._files[index].fileno()).st_size:
                index += 1
        return bytes(out)

    def close(self) -> None:
        for handle in self._files:
            handle.close()


class EncryptedWorkingCopyReader:
    """The decompressed working copy of a gzip image in an encrypted case: AES-256-CTR under a key
    derived for that one file, decrypted block by block as the Sleuth Kit reads (never on disk)."""

    def __init__(self, path: Path, key: bytes, kind: str = "gzip_raw") -> None:
        from forensic_triage.store.crypto import EncryptedReader

        self.kind = kind
        self._reader = EncryptedReader(path, key)
        self.size = self._reader.size

    def read(self, offset: int, length: int) -> bytes:
        if offset >= self.size or length <= 0:
            return b""
        return self._reader.read_at(offset, length)

    def close(self) -> None:
        self._reader.close()


class MediaReadError(OSError):
    """Bytes of the media that the container cannot deliver (truncated image, missing segment,
    damaged chunk)."""

    def __init__(self, offset: int, detail: str) -> None:
        super().__init__(f"cannot read the media at byte {offset}: {detail}")
        self.offset = offset


_LIBYAL_OFFSET = re.compile(r"offset: (\d+)")


class LibyalReader:
    """pyewf / pyvhdi / pyvmdk / pyqcow handles all offer read_buffer_at_offset."""

    def __init__(self, kind: str, handle, size: int, close_also=()) -> None:
        self.kind = kind
        self._handle = handle
        self._close_also = close_also
        self.size = size

    def read(self, offset: int, length: int) -> bytes:
        if offset >= self.size or length <= 0:
            return b""
        try:
            return self._handle.read_buffer_at_offset(min(length, self.size - offset), offset)
        except OSError as exc:
            # libyal errors are long chains; the offset of the failing chunk is what matters.
            found = _LIBYAL_OFFSET.findall(str(exc))
            where = int(found[-1]) if found else offset
            raise MediaReadError(where, f"{self.kind} data missing or damaged") from None

    def close(self) -> None:
        self._handle.close()
        for other in self._close_also:
            other.close()


def _libyal_error(spec: ContainerSpec, what: str, exc: Exception) -> EvidenceError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return EvidenceError(f"corrupt or unreadable {what} {spec.path.name}: {detail}")


def open_ewf(spec: ContainerSpec) -> LibyalReader:
    import pyewf

    handle = pyewf.handle()
    try:
        handle.open([str(path) for path in spec.segments])
        size = handle.get_media_size()
    except (OSError, ValueError) as exc:
        message = str(exc)
        if "missing" in message.lower() or "segment" in message.lower():
            names = ", ".join(path.name for path in spec.segments)
            raise EvidenceError(f"EWF image {spec.path.name} is truncated, corrupt, or a segment file is missing "
                                f"(segments found: {names})") from None
        raise _libyal_error(spec, "EWF image", exc) from None
    return LibyalReader("ewf", handle, size)


_VHD_DIFFERENCING = 4  # VHD disk types: 2 fixed, 3 dynamic, 4 differencing


def open_vhdi(spec: ContainerSpec) -> LibyalReader:
    import pyvhdi

    handle = pyvhdi.file()
    try:
        handle.open(str(spec.path))
        if handle.get_disk_type() == _VHD_DIFFERENCING or _vhd_has_parent(handle):
            raise EvidenceError(f"differencing VHD {spec.path.name} needs its parent image; "
                                "add the merged or parent image instead")
        size = handle.get_media_size()
    except EvidenceError:
        raise
    except (OSError, ValueError) as exc:
        raise _libyal_error(spec, "VHD/VHDX image", exc) from None
    return LibyalReader("vhdi", handle, size)


def _vhd_has_parent(handle) -> bool:
    try:
        return bool(handle.get_parent_identifier())
    except (OSError, AttributeError):
        return False


def open_vmdk(spec: ContainerSpec) -> LibyalReader:
    import pyvmdk

    handle = pyvmdk.handle()
    try:
        handle.open(str(spec.path))
        handle.open_extent_data_files()
        size = handle.get_media_size()
    except (OSError, ValueError) as exc:
        raise _libyal_error(spec, "VMDK image", exc) from None
    return LibyalReader("vmdk", handle, size)


def open_qcow(spec: ContainerSpec) -> LibyalReader:
    import pyqcow

    handle = pyqcow.file()
    try:
        handle.open(str(spec.path))
        size = handle.get_media_size()
    except (OSError, ValueError) as exc:
        raise _libyal_error(spec, "QCOW image", exc) from None
    return LibyalReader("qcow", handle, size)


def open_media(spec: ContainerSpec, working_copy: Path | None = None,
               working_key: bytes | None = None) -> MediaReader:
    """Open the disk inside ``spec``. A gzip-compressed raw image is read from its verified
    decompressed working copy, because gzip cannot seek; in an encrypted case that copy is
    encrypted under ``working_key`` (CaseStore.working_file_key)."""
    if spec.kind in ("raw", "split_raw"):
        try:
            return RawReader(spec.segments, spec.kind)
        except OSError as exc:
            raise EvidenceError(f"cannot read {spec.path}: {exc.strerror or exc}") from None
    if spec.kind == "gzip_raw":
        if working_copy is None or not working_copy.exists():
            raise EvidenceError(f"the decompressed working copy of {spec.path.name} is missing")
        if working_key is not None:
            return EncryptedWorkingCopyReader(working_copy, working_key)
        return RawReader((working_copy,), "gzip_raw")
    openers = {"ewf": open_ewf, "vhdi": open_vhdi, "vmdk": open_vmdk, "qcow": open_qcow}
    if spec.kind not in openers:
        raise EvidenceError(f"{spec.kind} evidence has no disk to open")
    return openers[spec.kind](spec)


class MediaFile(SourceFile):
    """A seekable, read-only file object over a window of a MediaReader (for libraries such as
    libfsapfs that want a file object)."""

    def __init__(self, reader: MediaReader, offset: int = 0, size: int | None = None) -> None:
        size = reader.size - offset if size is None else size
        super().__init__(lambda position, length: reader.read(offset + position, length), size)
        self._size_bytes = size

    def get_size(self) -> int:
        return self._size_bytes
