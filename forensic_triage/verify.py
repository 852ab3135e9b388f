"""`verify`: recompute the custody chain, every row digest, every seal and every artifact digest,
and optionally re-hash the evidence. Names the first thing that does not hold.

The checks do not trust the database's triggers: a store edited with the sqlite3 shell after
the triggers were dropped is caught by the digests and seals. Damage below the rows (flipped bytes
in the file's header, a b-tree or an index page) is caught first, by checking the header fields
and SQLite's integrity_check (for an encrypted store, SQLCipher's per-page HMAC), and reported as
one clear failure instead of an error half way through.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensic_triage.errors import EvidenceError, TriageError
from forensic_triage.evidence.detect import ContainerSpec
from forensic_triage.evidence.evidence_hash import HASH_CHUNK, hash_logical, hash_media
from forensic_triage.evidence.media import open_media
from forensic_triage.hashing import ThreadedHasher
from forensic_triage.ingest.plugin_stage import artifact_digest
from forensic_triage.progress import Finished, Progress, Work
from forensic_triage.store import schema
from forensic_triage.store.case_store import (
    DATABASE_ERRORS,
    GENESIS,
    STORE_NAME,
    CaseStore,
    chain_seal,
    custody_hash,
    row_digest,
)


@dataclass(frozen=True, kw_only=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class VerifyReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def first_failure(self) -> Check | None:
        return next((check for check in self.checks if not check.ok), None)

    def add(self, name: str, problem: str | None, detail_ok: str) -> None:
        self.checks.append(Check(name=name, ok=problem is None, detail=problem or detail_ok))


def verify_case(store: CaseStore, *, image: bool = False) -> Work:
    report = VerifyReport()
    problem = check_store_file(store)
    report.add("case store file", problem, "header fields and SQLite integrity check hold"
               + (" (every page's HMAC checked)" if store.encrypted else ""))
    if problem is not None:
        # Rows read from a damaged file prove nothing and may not read at all.
        yield Finished(result=report)
        return
    try:
        seals = yield from _check_custody(store, report)
        for table in schema.SEALED_TABLES:
            report.add(f"{table} rows", _check_table(store, table, seals.get(table, [])),
                       f"{store.count(table)} rows, digests and seals hold")
            yield Progress(stage="verifying", done=schema.SEALED_TABLES.index(table) + 1,
                           total=len(schema.SEALED_TABLES), unit="tables")
        report.add("artifact digests", _check_artifacts(store), f"{store.count('artifacts')} artifact digests hold")
    except DATABASE_ERRORS as exc:
        report.add("case store file", damaged(f"reading it failed ({exc})"), "")
        yield Finished(result=report)
        return
    if image:
        for evidence in store.evidence():
            problem = yield from _rehash(store, evidence)
            report.add(f"evidence {evidence['exhibit_id']} re-hash", problem,
                       f"MD5, SHA-1, SHA-256 and BLAKE3 of {evidence['path']} match the values recorded at add")
    yield Finished(result=report)


def damaged(what: str) -> str:
    return (f"the case store file ({STORE_NAME}) is damaged: {what}; its rows cannot be trusted: restore the case "
            f"folder from a backup (or the last verified copy)")


# Header fields every case store has (https://www.sqlite.org/fileformat2.html#the_database_header):
# offset -> (expected bytes, what they are).
_FIXED_HEADER = {0: (b"SQLite format 3\x00", "the SQLite magic string"),
                 21: (b"\x40\x20\x20", "the payload fractions (64, 32, 32)"),
                 56: ((1).to_bytes(4, "big"), "the text encoding (UTF-8)"),
                 72: (bytes(20), "the reserved bytes (zero)")}


def check_header(header: bytes, file_size: int) -> str | None:
    """What is wrong with the first 100 bytes of a plain case store, or None."""
    if len(header) < 100:
        return damaged(f"it is {len(header)} bytes long, shorter than an SQLite header")
    for offset, (expected, what) in _FIXED_HEADER.items():
        if header[offset:offset + len(expected)] != expected:
            return damaged(f"header bytes {offset}..{offset + len(expected) - 1} ({what}) are wrong")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return damaged(f"the header's page size ({page_size}) is impossible")
    if header[18] not in (1, 2) or header[19] not in (1, 2) or header[20] != 0:
        return damaged("the header's file format versions or reserved space are wrong")
    if not 1 <= int.from_bytes(header[44:48], "big") <= 4:
        return damaged("the header's schema format number is wrong")
    change_counter, valid_for = header[24:28], header[92:96]
    if change_counter != valid_for:
        return damaged("the header's change counter and version-valid-for number differ")
    pages = int.from_bytes(header[28:32], "big")
    if file_size % page_size or pages * page_size != file_size:
        return damaged(f"the header says {pages} pages of {page_size} bytes, the file holds {file_size} bytes")
    return None


def check_store_file(store: CaseStore) -> str | None:
    """Damage below the rows: the header fields (plain stores; SQLCipher authenticates an encrypted
    store's header with page 1) and SQLite's integrity_check over every page and index."""
    try:
        if not store.encrypted:
            # Bring every committed page into the file, so its header is the current one. The
            # verify command holds the write lock; a reader's open snapshot may keep frames in the
            # WAL, and then the header on disk may lag: that check is skipped, integrity_check stays.
            busy, logged, moved = store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy and logged == moved:
                path = CaseStore.store_path(store.case_dir)
                with open(path, "rb") as handle:
                    problem = check_header(handle.read(100), path.stat().st_size)
                if problem:
                    return problem
        findings = [row[0] for row in store.conn.execute("PRAGMA integrity_check(20)")]
    except DATABASE_ERRORS as exc:
        return damaged(f"SQLite cannot read it ({exc})")
    except OSError as exc:
        return damaged(f"it cannot be read ({exc})")
    if findings != ["ok"]:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return damaged(f"SQLite's integrity check says: {findings[0]}{more}")
    return None


def _check_custody(store: CaseStore, report: VerifyReport) -> Work:
    """Check the hash chain; return each table's seals as (custody seq, seal) in order."""
    seals: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    previous_hash = GENESIS
    expected_seq = 1
    problem = None
    count = 0
    for row in store.conn.execute("SELECT * FROM custody ORDER BY seq"):
        entry = dict(row)
        count += 1
        if entry["seq"] != expected_seq:
            problem = f"custody entry #{expected_seq} is missing (next entry is #{entry['seq']})"
            break
        if entry["prev_hash"] != previous_hash:
            problem = f"custody entry #{entry['seq']} ({entry['action']}) does not chain to entry #{entry['seq'] - 1}"
            break
        if custody_hash(entry) != entry["entry_hash"]:
            problem = f"custody entry #{entry['seq']} ({entry['action']}) was altered: its hash does not match"
            break
        try:
            details = json.loads(entry["details"])
        except ValueError:
            problem = f"custody entry #{entry['seq']} has unreadable details"
            break
        for table, seal in details.get("seal", {}).items():
            seals.setdefault(table, []).append((entry["seq"], seal))
        previous_hash = entry["entry_hash"]
        expected_seq += 1
    if problem is None and count == 0:
        problem = "the custody log is empty"
    report.add("custody chain", problem, f"{count} entries, each chained to the one before")
    yield Progress(stage="verifying", done=0, total=len(schema.SEALED_TABLES), unit="tables")
    return seals


def _check_table(store: CaseStore, table: str, seals: list[tuple[int, dict[str, Any]]]) -> str | None:
    running = GENESIS
    since_seal: list[str] = []
    expected_id = 1
    pending = list(seals)
    for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY id"):
        values = dict(row)
        if values["id"] != expected_id:
            return f"{table} row id {expected_id} is missing (next row is id {values['id']})"
        if row_digest(table, values) != values["row_digest"]:
            return f"{table} row id {values['id']} was altered: its digest does not match its contents"
        since_seal.append(values["row_digest"])
        while pending and pending[0][1]["last_id"] == values["id"]:
            entry_seq, seal = pending.pop(0)
            running = chain_seal(running, since_seal)
            since_seal = []
            if running != seal["digest"] or seal["count"] != values["id"]:
                return (f"{table} rows 1..{values['id']} do not match the seal in custody entry #{entry_seq}: "
                        f"a row was altered, removed or inserted")
        expected_id += 1
    last = expected_id - 1
    if pending:
        entry_seq, seal = pending[0]
        return (f"custody entry #{entry_seq} sealed {table} rows up to id {seal['last_id']}, "
                f"but only {last} rows exist: rows were removed")
    sealed_to = seals[-1][1]["last_id"] if seals else 0
    if last > sealed_to:
        return (f"{table} rows {sealed_to + 1}..{last} are not sealed by any custody entry "
                f"(an interrupted command; run `ingest` again to resume) or were added outside the tool")
    return None


def _check_artifacts(store: CaseStore) -> str | None:
    for row in store.conn.execute("SELECT id, kind, data, provenance, digest FROM artifacts ORDER BY id"):
        try:
            recomputed = artifact_digest(row["kind"], json.loads(row["data"]), json.loads(row["provenance"]))
        except ValueError:
            return f"artifact id {row['id']} has unreadable data"
        if recomputed != row["digest"]:
            return f"artifact id {row['id']} ({row['kind']}) does not match its artifact digest"
    return None


def _rehash(store: CaseStore, evidence: dict[str, Any]) -> Work:
    path = Path(evidence["path"])
    segments = tuple(path.parent / item["name"] for item in json.loads(evidence["segments"]))
    spec = ContainerSpec(kind=evidence["container"], path=path, segments=segments)
    try:
        if spec.logical:
            digests, _meta = yield from hash_logical(spec)
        elif spec.kind == "gzip_raw":
            digests = yield from _hash_gzip(spec)
        else:
            reader = open_media(spec)
            try:
                digests = yield from hash_media(reader, spec.path.name)
            finally:
                reader.close()
    except TriageError as exc:
        return f"evidence {evidence['exhibit_id']} could not be re-hashed: {exc}"
    computed = digests.as_dict()
    for algorithm in ("md5", "sha1", "sha256", "blake3"):
        if computed[algorithm] != evidence[algorithm]:
            return (f"evidence {evidence['exhibit_id']} {algorithm.upper()} is now {computed[algorithm]}, "
                    f"recorded {evidence[algorithm]} at add: the evidence changed")
    return None


def _hash_gzip(spec: ContainerSpec) -> Work:
    """The image inside a .gz hashed as it streams out: unlike ingest, a re-hash needs no seekable
    working copy, so no plaintext copy of the evidence is written to the case folder."""
    hasher = ThreadedHasher()
    total = spec.path.stat().st_size
    try:
        with open(spec.path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            while data := stream.read(HASH_CHUNK):
                hasher.update(data)
                yield Progress(stage="re-hashing evidence", done=raw.tell(), total=total, unit="B")
    except (OSError, EOFError, zlib.error) as exc:
        raise EvidenceError(f"corrupt or truncated gzip image {spec.path.name}: {exc}") from None
    return hasher.digests()


def describe(report: VerifyReport) -> list[str]:
    return [f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}" for check in report.checks]
