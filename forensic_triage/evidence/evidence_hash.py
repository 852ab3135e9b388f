"""Whole-evidence hashing: MD5, SHA-1, SHA-256 and BLAKE3 in one read, for `add` and `verify --image`."""

from __future__ import annotations

import gzip
import os
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from forensic_triage.errors import EvidenceError
from forensic_triage.evidence.detect import ContainerSpec
from forensic_triage.evidence.media import MediaReadError
from forensic_triage.evidence.walk_logical import walk_folder
from forensic_triage.hashing import READ_CHUNK, ThreadedHasher
from forensic_triage.progress import Progress, Work

HASH_CHUNK = 4 * READ_CHUNK
STAGE = "hashing evidence"


class _HashingReader:
    """A read-only file wrapper that hashes every byte that passes through it, so a single
    read of the evidence both validates an archive and hashes it."""

    def __init__(self, raw: BinaryIO, hasher: ThreadedHasher, on_bytes) -> None:
        self._raw = raw
        self._hasher = hasher
        self._on_bytes = on_bytes

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data:
            self._hasher.update(data)
            self._on_bytes(len(data))
        return data

    def readable(self) -> bool:
        return True


def hash_media(reader, label: str = "evidence") -> Work:
    hasher = ThreadedHasher()
    offset = 0
    while offset < reader.size:
        try:
            data = reader.read(offset, min(HASH_CHUNK, reader.size - offset))
        except MediaReadError as exc:
            advice = (": the image is truncated or a segment file is missing or damaged"
                      if reader.kind in ("ewf", "split_raw") else ": the image is truncated or damaged")
            raise EvidenceError(f"{label}: {exc}{advice}") from None
        except OSError as exc:
            raise EvidenceError(f"read error at byte {offset} of the evidence: {str(exc).splitlines()[0]}") from None
        if not data:
            raise EvidenceError(f"the evidence ends early: {offset} of {reader.size} bytes readable (truncated?)")
        hasher.update(data)
        offset += len(data)
        yield Progress(stage=STAGE, done=offset, total=reader.size, unit="B")
    return hasher.digests()


def decompress_gzip(spec: ContainerSpec, working_copy: Path, key: bytes | None = None) -> Work:
    """One read of the .gz: hash the compressed file and the image inside, and keep a
    decompressed working copy in the case folder (gzip cannot seek). With ``key`` (an encrypted
    case's working-file key) the copy is written encrypted, so no plaintext byte reaches the disk."""
    working_copy.parent.mkdir(parents=True, exist_ok=True)
    total = spec.path.stat().st_size
    outer = ThreadedHasher()
    inner = ThreadedHasher()
    done = 0

    def count(n: int) -> None:
        nonlocal done
        done += n

    try:
        with open(spec.path, "rb") as raw, _working_output(working_copy, key) as out:
            stream = gzip.GzipFile(fileobj=_HashingReader(raw, outer, count), mode="rb")
            while data := stream.read(HASH_CHUNK):
                inner.update(data)
                out.write(data)
                yield Progress(stage=STAGE, done=done, total=total, unit="B")
    except (OSError, EOFError, zlib.error) as exc:
        _discard(working_copy)
        raise EvidenceError(f"corrupt or truncated gzip image {spec.path.name}: {exc}") from None
    os.chmod(working_copy, 0o444)
    return inner.digests(), {"compressed_file": outer.digests().as_dict(), "compressed_size": total}


def _working_output(path: Path, key: bytes | None):
    from forensic_triage.store.crypto import EncryptedWriter, encrypted_case_of

    if key is None and encrypted_case_of(path.parent) is not None:
        # Asked for without a key inside an encrypted case (a re-hash that wants only the digests,
        # e.g. the report's): still encrypted, under a throwaway key, so no caller can leave
        # plaintext evidence in an encrypted case folder. Nobody can read this copy back.
        import secrets

        key = secrets.token_bytes(32)
    if key is None:
        return open(path, "wb")
    return EncryptedWriter(path, key)


def hash_logical(spec: ContainerSpec) -> Work:
    if spec.kind == "folder":
        return (yield from hash_folder(spec.path))
    total = spec.path.stat().st_size
    hasher = ThreadedHasher()
    done = 0

    def count(n: int) -> None:
        nonlocal done
        done += n

    meta: dict[str, Any] = {}
    with open(spec.path, "rb") as raw:
        reader = _HashingReader(raw, hasher, count)
        if spec.kind == "tar":
            members = 0
            try:
                with tarfile.open(fileobj=reader, mode="r|*") as archive:
                    for _member in archive:
                        members += 1
                        if members % 200 == 0:
                            yield Progress(stage=STAGE, done=done, total=total, unit="B")
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                raise EvidenceError(f"corrupt or truncated tar archive {spec.path.name}: {exc}") from None
            meta["members"] = members
        while reader.read(HASH_CHUNK):  # the rest of the file (all of it for zip)
            yield Progress(stage=STAGE, done=done, total=total, unit="B")
    if spec.kind == "zip":
        try:
            with zipfile.ZipFile(spec.path) as archive:
                meta["members"] = len(archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise EvidenceError(f"corrupt zip archive {spec.path.name}: {exc}") from None
    meta["stream_bytes"] = total
    yield Progress(stage=STAGE, done=total, total=total, unit="B")
    return hasher.digests(), meta


def hash_folder(root: Path) -> Work:
    """A folder has no single byte stream, so its hashes are over a documented canonical one:
    for each regular file in walk order, its relative path, a NUL, its size as decimal, a NUL,
    then its bytes."""
    entries = [entry for entry in walk_folder(root) if getattr(entry, "content", False)]
    total = sum(entry.size for entry in entries)
    hasher = ThreadedHasher()
    done = 0
    for entry in entries:
        hasher.update(f"{entry.path}\0{entry.size}\0".encode())
        try:
            with open(root / entry.member, "rb") as handle:
                while data := handle.read(HASH_CHUNK):
                    hasher.update(data)
                    done += len(data)
                    yield Progress(stage=STAGE, done=done, total=total, unit="B")
        except OSError as exc:
            raise EvidenceError(f"cannot read {entry.path} in the evidence folder: {exc.strerror or exc}") from None
    return hasher.digests(), {"files": len(entries), "stream_bytes": total,
                              "hash_definition": "concatenation over regular files in walk order of: "
                                                 "path NUL size NUL bytes"}


def _discard(path: Path | None) -> None:
    if path is not None and path.exists():
        path.unlink()
