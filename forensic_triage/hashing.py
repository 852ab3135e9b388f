"""MD5, SHA-1, SHA-256 and BLAKE3 fed from one read of the bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO
from collections.abc import Callable

import blake3

READ_CHUNK = 1 << 20


@dataclass(frozen=True, kw_only=True, slots=True)
class Digests:
    md5: str
    sha1: str
    sha256: str
    blake3: str

    def as_dict(self) -> dict[str, str]:
        return {"md5": self.md5, "sha1": self.sha1, "sha256": self.sha256, "blake3": self.blake3}


class MultiHasher:
    """Feeds every chunk to all four algorithms; hashlib and blake3 release the GIL on large
    buffers, so hashing in worker threads or processes scales with cores."""

    __slots__ = ("_md5", "_sha1", "_sha256", "_blake3", "length")

    def __init__(self) -> None:
        self._md5 = hashlib.md5()
        self._sha1 = hashlib.sha1()
        self._sha256 = hashlib.sha256()
        self._blake3 = blake3.blake3()
        self.length = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._md5.update(data)
        self._sha1.update(data)
        self._sha256.update(data)
        self._blake3.update(data)
        self.length += len(data)

    def digests(self) -> Digests:
        return Digests(md5=self._md5.hexdigest(), sha1=self._sha1.hexdigest(),
                       sha256=self._sha256.hexdigest(), blake3=self._blake3.hexdigest())


EMPTY = MultiHasher().digests()


def hash_bytes(data: bytes) -> Digests:
    """The four hashes of a buffer already in memory (the common case: most files are small)."""
    return Digests(md5=hashlib.md5(data).hexdigest(), sha1=hashlib.sha1(data).hexdigest(),
                   sha256=hashlib.sha256(data).hexdigest(), blake3=blake3.blake3(data).hexdigest())


def hash_stream(stream: BinaryIO, progress: Callable[[int], None] | None = None) -> Digests:
    hasher = MultiHasher()
    while chunk := stream.read(READ_CHUNK):
        hasher.update(chunk)
        if progress:
            progress(len(chunk))
    return hasher.digests()


class ThreadedHasher:
    """The four hashes of one long stream on two threads while the next chunk is read (used
    for whole-evidence hashing). MD5 is as slow as the other three together, so it gets a
    thread of its own; hashlib and blake3 release the GIL on large buffers."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._md5 = hashlib.md5()
        self._others = (hashlib.sha1(), hashlib.sha256(), blake3.blake3())
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hash")
        self._pending: list = []
        self.length = 0

    def _update_others(self, data: bytes) -> None:
        for hasher in self._others:
            hasher.update(data)

    def _wait(self) -> None:
        for future in self._pending:
            future.result()
        self._pending = []

    def update(self, data: bytes) -> None:
        self._wait()  # the previous chunk must be in every hasher before this one
        self._pending = [self._pool.submit(self._md5.update, data), self._pool.submit(self._update_others, data)]
        self.length += len(data)

    def digests(self) -> Digests:
        self._wait()
        self._pool.shutdown()
        sha1, sha256, b3 = self._others
        return Digests(md5=self._md5.hexdigest(), sha1=sha1.hexdigest(), sha256=sha256.hexdigest(),
                       blake3=b3.hexdigest())
