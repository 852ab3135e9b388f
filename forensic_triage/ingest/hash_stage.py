"""Ingest stage 1: list every file of the evidence and hash its content, on all cores.

Each worker process walks the whole evidence itself (a metadata walk is cheap) and reads and
hashes only the names of the chunks it is handed: contiguous runs of names in walk order, so
reads stay nearly sequential and nothing but finished rows crosses between processes. The
parent counts the names once (for the progress total), hands out chunks, and writes each
chunk's rows in one transaction, strictly in walk order. The committed rows are therefore
always whole chunks from the start of the walk, and a resumed ingest starts at the next one.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from forensic_triage.evidence.access import EvidenceAccess, EvidenceLocation
from forensic_triage.evidence.entries import FileEntry, Name
from forensic_triage.evidence.walk_tsk import WalkIssue
from forensic_triage.hashing import EMPTY, MultiHasher, hash_bytes
from forensic_triage.ingest.file_rows import FILE_COLUMNS, HEAD_BYTES, file_values
from forensic_triage.ingest.pool import OK, TIMEOUT, WorkerPool, emit
from forensic_triage.progress import Progress, Work
from forensic_triage.store.case_store import CaseStore

CHUNK_NAMES = 256
SMALL_FILE = 1 << 20
CHUNK_DEADLINE = float(os.environ.get("FORENSIC_TRIAGE_CHUNK_DEADLINE", 300))
REACHED = "reached"   # the note a worker sends when its walk arrives at its chunk's first name
LARGE_FILE = 256 << 20
SLOWEST_READ = 5 << 20     # bytes per second a sound but slow disk still delivers
COMMIT_SECONDS = 1.0
STAGE = "hashing files"


@dataclass(frozen=True, slots=True)
class Chunk:
    index: int
    start: int      # first name index
    stop: int       # one past the last; the last chunk also takes issues met after the last name


@dataclass(frozen=True, slots=True)
class ChunkResult:
    rows: list[tuple]                       # FILE_COLUMNS order, row digest included
    issues: list[tuple[int, str, str | None, str]]   # (name index, path, inode, message)
    end: int | None = None                  # the number of names, once the walk has ended


class Hashed(NamedTuple):
    digests: dict[str, str] | None
    head: bytes | None
    error: str | None


# --- reading and hashing -------------------------------------------------------------------------

# Fault injection for tests: reading the file at this path kills the worker process, the way
# a Sleuth Kit segfault on a crafted inode would.
_CRASH_ON = os.environ.get("FORENSIC_TRIAGE_INJECT_CRASH")
# ... and walking past this name index never returns, as The Sleuth Kit on a looping directory.
_HANG_AT = os.environ.get("FORENSIC_TRIAGE_INJECT_WALK_HANG")


def hash_entry(access: EvidenceAccess, entry: FileEntry, handle=None) -> Hashed:
    if _CRASH_ON and entry.path == _CRASH_ON:
        os.kill(os.getpid(), signal.SIGKILL)
    if not entry.content:
        return Hashed(None, None, None)
    if entry.size == 0:
        return Hashed(EMPTY.as_dict(), b"", None)
    if entry.size <= SMALL_FILE:
        # One read and four one-shot hashes: for the many small files, the per-file overhead of
        # the streaming path costs as much as the hashing.
        try:
            data = access.read(entry, 0, entry.size, handle=handle)
        except (OSError, RuntimeError, ValueError, EOFError):
            return hash_chunks(entry, access.chunks(entry, handle=handle))   # let the stream say how far it got
        error = None if len(data) == entry.size else f"short read: {len(data)} of {entry.size} bytes"
        return Hashed(hash_bytes(data).as_dict(), data[:HEAD_BYTES], error)
    return hash_chunks(entry, access.chunks(entry, handle=handle))


def hash_chunks(entry: FileEntry, chunks) -> Hashed:
    hasher = MultiHasher()
    head = b""
    try:
        for data in chunks:
            if len(head) < HEAD_BYTES:
                head += data[: HEAD_BYTES - len(head)]
            hasher.update(data)
    except (OSError, RuntimeError, ValueError, EOFError) as exc:
        # Like icat, keep what could be read: the hashes are of the bytes recovered, and the
        # read_error column and a warning row say the content is incomplete.
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Hashed(hasher.digests().as_dict(), head,
                      f"read error after {hasher.length} of {entry.size} bytes: {detail}")
    error = None if hasher.length == entry.size else f"short read: {hasher.length} of {entry.size} bytes"
    return Hashed(hasher.digests().as_dict(), head, error)


def row_tuple(evidence_id: int, seq: int, stream: int, entry: FileEntry, hashed: Hashed) -> tuple:
    return file_values(evidence_id, seq, stream, entry, hashed.digests, hashed.head, hashed.error)


def numbered(access: EvidenceAccess) -> Iterator[tuple[int, Name | WalkIssue | None]]:
    """The walk with each name's index; an issue carries the index of the name after it; a
    final (number of names, None) marks the end."""
    index = 0
    for item in access.walk():
        if _HANG_AT is not None and isinstance(item, Name) and index == int(_HANG_AT):
            time.sleep(24 * 3600)
        yield index, item
        if isinstance(item, Name):
            index += 1
    yield index, None


# --- worker side ---------------------------------------------------------------------------------

class _Walker:
    """A forward-only walk kept between chunks, so a worker walks the evidence once."""

    def __init__(self, location: EvidenceLocation, evidence_id: int) -> None:
        self.access = EvidenceAccess(location)
        self.evidence_id = evidence_id
        self._items = numbered(self.access)
        self._next: tuple[int, Name | WalkIssue] | None = None
        self.position = 0

    def _peek(self) -> tuple[int, Name | WalkIssue] | None:
        if self._next is None:
            self._next = next(self._items, None)
        return self._next

    def chunk(self, chunk: Chunk) -> ChunkResult:
        # A crafted file system can send a reader into an endless loop: the supervisor kills a
        # worker that spends longer than this on a chunk (large files extend it as they come).
        emit(None, deadline=CHUNK_DEADLINE)
        rows: list[tuple] = []
        issues: list[tuple[int, str, str | None, str]] = []
        end = None
        reached = False
        while (item := self._peek()) is not None and item[0] < chunk.stop:
            index, obj = item
            if obj is None:
                end = index   # left in place: later chunks must see the end too
                break
            self._next = None
            self.position = index
            if index < chunk.start:
                continue
            if not reached:
                # Tells the supervisor the walk got this far: a chunk that dies before this note
                # was never reached, i.e. the walk itself stopped (a looping directory in TSK).
                emit(REACHED)
                reached = True
            if isinstance(obj, WalkIssue):
                issues.append((index, obj.path, obj.inode, obj.message))
                continue
            try:
                entries = obj.expand()
            except (OSError, RuntimeError, ValueError) as exc:
                issues.append((index, obj.path, None, f"cannot read this entry's metadata: {exc}"))
                continue
            for stream, entry in enumerate(entries):
                if entry.content and entry.size > LARGE_FILE:
                    emit(None, deadline=CHUNK_DEADLINE + entry.size / SLOWEST_READ)
                rows.append(row_tuple(self.evidence_id, index, stream, entry,
                                      hash_entry(self.access, entry, obj.handle)))
        return ChunkResult(rows, issues, end)


_STATE: dict = {}


def init_worker(location: EvidenceLocation, evidence_id: int) -> None:
    _STATE["args"] = (location, evidence_id)
    _STATE["walker"] = None


def hash_chunk(chunk: Chunk) -> ChunkResult:
    walker: _Walker | None = _STATE["walker"]
    if walker is None or walker.position >= chunk.start:
        if walker is not None:
            walker.access.close()
        walker = _STATE["walker"] = _Walker(*_STATE["args"])
    return walker.chunk(chunk)


# --- parent side ---------------------------------------------------------------------------------

def count_names(location: EvidenceLocation) -> int:
    access = EvidenceAccess(location)
    try:
        return access.count_names()
    finally:
        access.close()


def _count_into(conn, location: EvidenceLocation) -> None:
    try:
        conn.send(count_names(location))
    except Exception:  # noqa: BLE001 - the count only feeds the ETA; the workers meet and record the failure
        conn.send(None)


class _Counter:
    """Counts the names in a process of its own, only so the progress bar has a total and an
    ETA: a reader stuck in a crafted file system must not freeze the process writing the case."""

    def __init__(self, location: EvidenceLocation) -> None:
        import multiprocessing

        from forensic_triage.ingest.pool import _start_method

        context = multiprocessing.get_context(_start_method())
        self._conn, child = context.Pipe(duplex=False)
        self._process = context.Process(target=_count_into, args=(child, location), daemon=True)
        self._process.start()
        child.close()
        self._total: int | None = None

    @property
    def total(self) -> int | None:
        if self._total is None and self._conn.poll():
            try:
                self._total = self._conn.recv()
            except (EOFError, OSError):
                self._total = None
        return self._total

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=5)
        self._conn.close()


def resume_point(store: CaseStore, evidence_id: int, chunk_names: int) -> int:
    """First name index not yet stored: rows are committed a whole chunk at a time."""
    last = store.conn.execute("SELECT MAX(seq) FROM files WHERE evidence_id = ?", (evidence_id,)).fetchone()[0]
    return 0 if last is None else (last // chunk_names + 1) * chunk_names


def hash_files(store: CaseStore, evidence_id: int, location: EvidenceLocation, jobs: int,
               chunk_names: int = CHUNK_NAMES) -> Work:
    """Walk and hash one evidence item, continuing after the chunks already stored."""
    start = resume_point(store, evidence_id, chunk_names)
    writer = _Writer(store, evidence_id)
    store.drop_file_indexes()
    probe = EvidenceAccess(location)
    sequential = probe.sequential
    probe.close()
    counter = None
    if sequential:
        results = _hash_sequential(location, evidence_id, start, chunk_names)
    else:
        # The pool first: its workers may be forked, which must happen before another thread runs.
        pool = WorkerPool(jobs, hash_chunk, initializer=init_worker, initargs=(location, evidence_id),
                          max_buffered=64)
        counter = _Counter(location)
        results = _hash_parallel(pool, location, evidence_id, start, chunk_names)
    done = start
    indexed = False
    for stop, result in results:
        writer.add(result)
        total = counter.total if counter is not None else None
        done = stop if total is None else min(stop, total)
        if not indexed and total and done >= 0.9 * total:
            # Build the lookup indexes while the workers finish the last tenth: the rows still
            # to come are few enough to be indexed as they are inserted.
            writer.flush()
            store.ensure_file_indexes()
            indexed = True
        yield Progress(stage=STAGE, done=done, total=total, unit="files", files=writer.rows, bytes=writer.bytes,
                       warnings=writer.warnings)
    writer.flush()
    if counter is not None:
        counter.stop()
    store.ensure_file_indexes()
    return {"names": done, "rows": writer.rows, "bytes": writer.bytes, "warnings": writer.warnings,
            "resumed_at_name": start}


def _hash_parallel(pool: WorkerPool, location, evidence_id, start, size) -> Iterator[tuple[int, ChunkResult]]:
    """Chunks are handed out until a worker reports where the walk ends (no count needed)."""
    end: list[int] = []

    def chunks() -> Iterator[Chunk]:
        index, position = 0, start
        while not end or position < end[0]:
            yield Chunk(index=index, start=position, stop=position + size)
            index, position = index + 1, position + size

    with pool:
        for chunk, outcome in pool.run(chunks()):
            if end and chunk.start > end[0]:
                continue   # handed out before the end was known: empty
            if outcome.status == OK:
                result = outcome.result
            elif REACHED not in outcome.notes:
                result = _walk_stopped(chunk, outcome)
            else:
                result = _salvage(location, evidence_id, chunk, outcome)
            if result.end is not None and not end:
                end.append(result.end)
            if end and chunk.start > end[0]:
                continue   # handed out before the end was known: empty
            yield min(chunk.stop, end[0]) if end else chunk.stop, result


def _walk_stopped(chunk: Chunk, outcome) -> ChunkResult:
    """The worker died or hung before reaching the chunk's first name: the file system cannot be
    walked past it (e.g. a directory loop that hangs The Sleuth Kit). The walk ends here, with
    one issue, instead of handing out chunk after chunk that can never be reached."""
    message = (f"the walk of the file system stopped before name #{chunk.start}: reading its directories "
               f"{'did not finish in time' if outcome.status == TIMEOUT else 'crashed the reader'}; "
               f"names after this point are not listed")
    return ChunkResult([], [(chunk.start, "", None, message)], end=chunk.start)


def _salvage(location, evidence_id, chunk: Chunk, outcome) -> ChunkResult:
    """A worker died (or failed) in this chunk: halve it until the single name that kills the
    reader is found; every other name of the chunk still gets its rows. A hang is not halved
    (each try would cost a whole deadline): the chunk's names get one issue, and the chunks
    after it show whether the walk itself goes on."""
    if outcome.status == TIMEOUT:
        message = (f"reading names #{chunk.start} to #{chunk.stop - 1} of the walk did not finish within the "
                   f"time limit (a hang in the reader): these names have no rows")
        # No path: finding it would walk the evidence again in this process, into the same hang.
        return ChunkResult([], [(chunk.start, "", None, message)])
    if chunk.stop - chunk.start <= 1:
        last_line = ((outcome.detail or "").strip().splitlines() or [""])[-1]
        message = f"reading this entry {outcome.status}: {last_line}; it has no row"
        return ChunkResult([], [(chunk.start, _name_path(location, chunk.start), None, message)])
    middle = (chunk.start + chunk.stop) // 2
    halves = [Chunk(index=0, start=chunk.start, stop=middle), Chunk(index=1, start=middle, stop=chunk.stop)]
    rows, issues = [], []
    with WorkerPool(1, hash_chunk, initializer=init_worker, initargs=(location, evidence_id)) as pool:
        for half, result in pool.run(halves):
            if result.status == OK:
                part = result.result
            elif REACHED not in result.notes:
                part = _walk_stopped(half, result)
            else:
                part = _salvage(location, evidence_id, half, result)
            rows += part.rows
            issues += part.issues
            if part.end is not None:
                return ChunkResult(rows, issues, end=part.end)
    return ChunkResult(rows, issues)


def _name_path(location: EvidenceLocation, wanted: int) -> str:
    """The path of one name, from a metadata-only walk (which the parent already survived
    while counting)."""
    access = EvidenceAccess(location)
    try:
        for index, item in numbered(access):
            if index == wanted and isinstance(item, Name):
                return item.path
    finally:
        access.close()
    return f"(name #{wanted} of the walk)"


def _hash_sequential(location, evidence_id, start, size) -> Iterator[tuple[int, ChunkResult]]:
    """Tar archives: one pass in this process, hashing each member as the archive streams by."""
    access = EvidenceAccess(location)
    rows: list[tuple] = []
    issues: list[tuple[int, str, str | None, str]] = []
    index = 0
    boundary = start + size
    try:
        for item, chunks in access.walk_tar_with_content():
            if isinstance(item, WalkIssue):
                if index >= start:
                    issues.append((index, item.path, item.inode, item.message))
                continue
            if index >= boundary:
                yield boundary, ChunkResult(rows, issues)
                rows, issues, boundary = [], [], boundary + size
            if index >= start:
                hashed = hash_chunks(item, chunks) if chunks is not None else Hashed(None, None, None)
                if item.content and item.size == 0:
                    hashed = Hashed(EMPTY.as_dict(), b"", None)
                rows.append(row_tuple(evidence_id, index, 0, item, hashed))
            index += 1
    finally:
        access.close()
    yield max(index, start), ChunkResult(rows, issues)


class _Writer:
    """Writes chunk results in order, committing about once a second."""

    def __init__(self, store: CaseStore, evidence_id: int) -> None:
        self.store = store
        self.evidence_id = evidence_id
        self.pending: list[ChunkResult] = []
        self.last_commit = time.monotonic()
        self.rows = 0
        self.bytes = 0
        self.warnings = 0
        self._size = FILE_COLUMNS.index("size")
        self._sha = FILE_COLUMNS.index("sha256")
        self._error = FILE_COLUMNS.index("read_error")

    def add(self, result: ChunkResult) -> None:
        self.pending.append(result)
        self.rows += len(result.rows)
        self.bytes += sum(row[self._size] for row in result.rows if row[self._sha] is not None)
        self.warnings += len(result.issues) + sum(1 for row in result.rows if row[self._error])
        if time.monotonic() - self.last_commit >= COMMIT_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        store = self.store
        with store.transaction():
            for result in self.pending:
                next_id = store.insert_digested("files", FILE_COLUMNS, result.rows)
                for offset, row in enumerate(result.rows):
                    if row[self._error]:
                        store.add_warning(code="file.read_error", message=row[self._error], evidence_id=self.evidence_id,
                                          file_id=next_id + offset, volume_idx=row[3], path=row[5],
                                          context={"inode": row[7]})
                for index, path, inode, message in result.issues:
                    store.add_warning(code="walk.issue", message=message, evidence_id=self.evidence_id, path=path,
                                      context={"inode": inode, "before_name": index})
            # Sealed in the same transaction: whatever stops the process next, every committed
            # row is covered by the custody chain and `verify` holds.
            store.append_custody("ingest.checkpoint", {"evidence_id": self.evidence_id, "stage": "files",
                                                       "rows_so_far": self.rows})
        self.pending.clear()
        self.last_commit = time.monotonic()
