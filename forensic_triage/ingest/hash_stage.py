"""Ingest stage 1: walk the evidence and hash every file's content in worker processes.

The parent walks (a thread running ahead of the hashing), workers read and hash contiguous
batches of files (contiguous runs read the image almost sequentially), and the parent
writes rows strictly in walk order. Because rows land in order and each batch commits in a
transaction, the committed rows are always a prefix of the walk: a resumed ingest simply
starts at the first sequence number not yet stored.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from forensic_triage.evidence.access import EvidenceAccess, EvidenceLocation
from forensic_triage.evidence.entries import FileEntry
from forensic_triage.evidence.walk_tsk import WalkIssue
from forensic_triage.hashing import EMPTY, MultiHasher
from forensic_triage.ingest.file_rows import HEAD_BYTES, file_row
from forensic_triage.ingest.pool import OK, WorkerPool
from forensic_triage.progress import Progress, Work
from forensic_triage.store.case_store import CaseStore

BATCH_FILES = 512
BATCH_BYTES = 32 << 20
COMMIT_SECONDS = 1.0
STAGE = "hashing files"


@dataclass(frozen=True, slots=True)
class Batch:
    first_seq: int
    entries: tuple[FileEntry, ...]
    issues: tuple[tuple[int, WalkIssue], ...]   # (seq the issue came before, issue)


@dataclass(frozen=True, slots=True)
class Hashed:
    digests: dict[str, str] | None
    head: bytes | None
    error: str | None


# --- worker side ---------------------------------------------------------------------------------

_ACCESS: EvidenceAccess | None = None


def init_worker(location: EvidenceLocation) -> None:
    global _ACCESS
    _ACCESS = EvidenceAccess(location)


def hash_entry(access: EvidenceAccess, entry: FileEntry) -> Hashed:
    if not entry.content:
        return Hashed(None, None, None)
    if entry.size == 0:
        return Hashed(EMPTY.as_dict(), b"", None)
    hasher = MultiHasher()
    head = b""
    try:
        for data in access.chunks(entry):
            if len(head) < HEAD_BYTES:
                head += data[: HEAD_BYTES - len(head)]
            hasher.update(data)
    except (IOError, OSError, RuntimeError, ValueError, EOFError) as exc:
        # Like icat, keep what could be read: the hashes are of the bytes recovered, and the
        # read_error column and a warning row say the content is incomplete.
        return Hashed(hasher.digests().as_dict(), head, f"read error after {hasher.length} of {entry.size} bytes: "
                      f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    error = None
    if hasher.length != entry.size:
        error = f"short read: {hasher.length} of {entry.size} bytes"
    return Hashed(hasher.digests().as_dict(), head, error)


def hash_batch(batch: Batch) -> list[Hashed]:
    assert _ACCESS is not None, "init_worker was not called"
    return [hash_entry(_ACCESS, entry) for entry in batch.entries]


# --- parent side ---------------------------------------------------------------------------------

def _batches(access: EvidenceAccess, start_seq: int, state: dict) -> Iterator[Batch]:
    entries: list[FileEntry] = []
    issues: list[tuple[int, WalkIssue]] = []
    size = 0
    seq = 0
    first = start_seq
    for item in access.walk():
        if isinstance(item, WalkIssue):
            if seq >= start_seq:
                issues.append((seq, item))
            continue
        if seq >= start_seq:
            entries.append(item)
            size += item.size if item.content else 0
            state["walked_bytes"] += item.size if item.content else 0
        seq += 1
        state["walked"] = seq
        if len(entries) >= BATCH_FILES or size >= BATCH_BYTES:
            yield Batch(first, tuple(entries), tuple(issues))
            first, entries, issues, size = seq, [], [], 0
    if entries or issues:
        yield Batch(first, tuple(entries), tuple(issues))


def _read_ahead(iterator: Iterator[Batch], limit: int) -> Iterator[Batch]:
    """Run the walk in a thread ahead of hashing, so the total is known early (for the ETA)."""
    buffer: queue.Queue = queue.Queue(maxsize=limit)
    done = object()

    def produce() -> None:
        try:
            for batch in iterator:
                buffer.put(batch)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises
            buffer.put(exc)
        buffer.put(done)

    thread = threading.Thread(target=produce, name="walk", daemon=True)
    thread.start()
    while True:
        item = buffer.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def hash_files(store: CaseStore, evidence_id: int, location: EvidenceLocation, jobs: int) -> Work:
    """Walk and hash one evidence item, continuing after any rows already stored."""
    stored = store.count("files", "WHERE evidence_id = ?", (evidence_id,))
    state = {"walked": 0, "walked_bytes": 0, "walk_done": False}
    counters = {"files": stored, "bytes": 0, "warnings": 0}
    walker = EvidenceAccess(location)
    try:
        if walker.sequential:
            results = _hash_sequential(walker, stored, state)
        else:
            results = _hash_parallel(walker, location, stored, state, jobs)
        yield from _write(store, evidence_id, results, state, counters)
    finally:
        walker.close()
    return counters


def _hash_parallel(walker: EvidenceAccess, location: EvidenceLocation, stored: int, state: dict, jobs: int):
    def tasks():
        yield from _read_ahead(_batches(walker, stored, state), limit=256)
        state["walk_done"] = True

    with WorkerPool(jobs, hash_batch, initializer=init_worker, initargs=(location,)) as pool:
        for batch, outcome in pool.run(tasks()):
            if outcome.status == OK:
                yield batch, outcome.result
            else:
                # A worker died or failed on this batch: hash its files one by one so only the
                # file that kills the reader loses its hashes.
                yield batch, list(_retry_singly(location, batch, jobs))


def _retry_singly(location: EvidenceLocation, batch: Batch, jobs: int) -> Iterator[Hashed]:
    singles = [Batch(batch.first_seq + index, (entry,), ()) for index, entry in enumerate(batch.entries)]
    with WorkerPool(min(jobs, 2), hash_batch, initializer=init_worker, initargs=(location,)) as pool:
        for single, outcome in pool.run(singles, deadline=lambda _task: 600.0):
            if outcome.status == OK:
                yield outcome.result[0]
            else:
                yield Hashed(None, None, f"reading this file {outcome.status}: {outcome.detail}")


def _hash_sequential(walker: EvidenceAccess, stored: int, state: dict):
    """Tar archives: one pass, hashing each member as the archive streams past."""
    seq = 0
    entries: list[FileEntry] = []
    hashed: list[Hashed] = []
    issues: list[tuple[int, WalkIssue]] = []
    first = stored
    for item, chunks in walker.walk_tar_with_content():
        if isinstance(item, WalkIssue):
            if seq >= stored:
                issues.append((seq, item))
            continue
        if seq >= stored:
            entries.append(item)
            hashed.append(_hash_chunks(item, chunks))
            state["walked_bytes"] += item.size if item.content else 0
        seq += 1
        state["walked"] = seq
        if len(entries) >= BATCH_FILES:
            yield Batch(first, tuple(entries), tuple(issues)), hashed
            first, entries, hashed, issues = seq, [], [], []
    state["walk_done"] = True
    if entries or issues:
        yield Batch(first, tuple(entries), tuple(issues)), hashed


def _hash_chunks(entry: FileEntry, chunks) -> Hashed:
    if chunks is None:
        return Hashed(None, None, None)
    hasher = MultiHasher()
    head = b""
    try:
        for data in chunks:
            if len(head) < HEAD_BYTES:
                head += data[: HEAD_BYTES - len(head)]
            hasher.update(data)
    except (OSError, EOFError, ValueError) as exc:
        return Hashed(hasher.digests().as_dict(), head, f"read error after {hasher.length} of {entry.size} bytes: {exc}")
    error = None if hasher.length == entry.size else f"short read: {hasher.length} of {entry.size} bytes"
    return Hashed(hasher.digests().as_dict(), head, error)


def _write(store: CaseStore, evidence_id: int, results, state: dict, counters: dict) -> Work:
    started = time.monotonic()
    last_commit = started
    pending_rows: list[dict] = []
    pending_warnings: list[dict] = []

    def flush() -> None:
        with store.transaction():
            ids = store.insert("files", pending_rows)
            id_by_seq = {row["seq"]: file_id for row, file_id in zip(pending_rows, ids)}
            for warning in pending_warnings:
                seq = warning.pop("seq", None)
                store.add_warning(evidence_id=evidence_id, file_id=id_by_seq.get(seq), **warning)
        pending_rows.clear()
        pending_warnings.clear()

    for batch, hashed in results:
        for seq_before, issue in batch.issues:
            pending_warnings.append({"code": "walk.issue", "message": issue.message, "path": issue.path,
                                     "context": {"inode": issue.inode, "before_seq": seq_before}})
        for offset, (entry, result) in enumerate(zip(batch.entries, hashed)):
            seq = batch.first_seq + offset
            pending_rows.append(file_row(evidence_id, seq, entry, result.digests, result.head, result.error))
            if result.error:
                pending_warnings.append({"code": "file.read_error", "message": result.error, "path": entry.path,
                                         "volume_idx": entry.volume_index, "seq": seq,
                                         "context": {"inode": entry.inode}})
            counters["bytes"] += entry.size if entry.content else 0
        counters["files"] += len(batch.entries)
        counters["warnings"] += len(batch.issues) + sum(1 for result in hashed if result.error)
        now = time.monotonic()
        if now - last_commit >= COMMIT_SECONDS:
            flush()
            last_commit = now
        total = state["walked"] if state["walk_done"] else None
        yield Progress(stage=STAGE, done=counters["files"], total=total, unit="files", files=counters["files"],
                       warnings=counters["warnings"], detail=f"{counters['bytes']} bytes")
    if pending_rows or pending_warnings:
        flush()
