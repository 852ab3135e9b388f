"""`verify`: recompute the custody chain, every row digest, every seal and every artifact digest,
and optionally re-hash the evidence. Names the first thing that does not hold.

The checks do not trust the database's triggers: a store edited with the sqlite3 shell after
the triggers were dropped is caught by the digests and seals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensic_triage.errors import TriageError
from forensic_triage.evidence.evidence_hash import decompress_gzip, hash_logical, hash_media
from forensic_triage.evidence.detect import ContainerSpec
from forensic_triage.evidence.media import open_media
from forensic_triage.ingest.plugin_stage import artifact_digest
from forensic_triage.progress import Finished, Progress, Work
from forensic_triage.store import schema
from forensic_triage.store.case_store import GENESIS, CaseStore, chain_seal, custody_hash, row_digest


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
    seals = yield from _check_custody(store, report)
    for table in schema.SEALED_TABLES:
        report.add(f"{table} rows", _check_table(store, table, seals.get(table, [])),
                   f"{store.count(table)} rows, digests and seals hold")
        yield Progress(stage="verifying", done=schema.SEALED_TABLES.index(table) + 1,
                       total=len(schema.SEALED_TABLES), unit="tables")
    report.add("artifact digests", _check_artifacts(store), f"{store.count('artifacts')} artifact digests hold")
    if image:
        for evidence in store.evidence():
            problem = yield from _rehash(store, evidence)
            report.add(f"evidence {evidence['exhibit_id']} re-hash", problem,
                       f"MD5, SHA-1, SHA-256 and BLAKE3 of {evidence['path']} match the values recorded at add")
    yield Finished(result=report)


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
            target = store.case_dir / "scratch" / f"verify-{evidence['exhibit_id']}.raw"
            try:
                digests, _meta = yield from decompress_gzip(spec, target)
            finally:
                if target.exists():
                    target.chmod(0o644)
                    target.unlink()
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


def describe(report: VerifyReport) -> list[str]:
    return [f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}" for check in report.checks]
