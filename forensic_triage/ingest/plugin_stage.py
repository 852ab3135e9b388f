"""Ingest stage 2: run the selected plugins over the stored files, in worker processes.

The parent picks candidate (file, plugin) pairs from path globs and the stored head bytes;
a worker confirms SQLite schema selectors, runs each plugin under its time limit and sends
back plain records; the parent stamps provenance and digests and writes each file's results
in one transaction, recording a plugin_runs row per pair so a resumed ingest skips it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_string  # the canonical encoder's own, for str
from pathlib import Path
from typing import Any

import blake3

from forensic_triage.canonical import dumps
from forensic_triage.evidence.access import EvidenceAccess, EvidenceLocation
from forensic_triage.evidence.entries import FileEntry
from forensic_triage.ingest.file_rows import entry_from_row
from forensic_triage.ingest.pool import OK, TIMEOUT, WorkerPool, emit
from forensic_triage.plugin_host.registry import PluginInfo, load_spec
from forensic_triage.plugin_host.runner import (NOT_SELECTED, Problem, Produced, RunResult, execute,
                                                read_schema)
from forensic_triage.progress import Progress, Work
from forensic_triage.sdk.context import Context, Source
from forensic_triage.sdk.extractor import SQLITE_MAGIC
from forensic_triage.sdk.times import TimeValue
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.schema import COLUMNS

STAGE = "plugins"
PAGE = 2000
COMMIT_SECONDS = 1.0


@dataclass(frozen=True, kw_only=True)
class PluginTask:
    file_id: int
    source: Source
    entry: FileEntry
    siblings: tuple[tuple[Source, FileEntry], ...]
    plugins: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class WorkerSetup:
    evidence_id: int
    location: EvidenceLocation
    specs: dict[str, str]          # plugin name -> spec
    region: str | None
    display_tz: str | None
    recover_deleted: bool
    scratch_root: str


# --- worker side ---------------------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def init_worker(setup: WorkerSetup) -> None:
    _STATE["access"] = EvidenceAccess(setup.location)
    _STATE["plugins"] = {name: load_spec(spec)() for name, spec in setup.specs.items()}
    _STATE["setup"] = setup


def _reader(access: EvidenceAccess, entry: FileEntry):
    return lambda offset, length: access.read(entry, offset, length)


def run_task(task: PluginTask) -> None:
    """Run the task's plugins one after another. Each result is sent to the supervisor as soon
    as it exists, and each plugin restarts the deadline with its own time limit, so a plugin
    that hangs or crashes the process costs only its own result."""
    access: EvidenceAccess = _STATE["access"]
    setup: WorkerSetup = _STATE["setup"]
    scratch = Path(tempfile.mkdtemp(prefix=f"file{task.file_id}-", dir=setup.scratch_root))
    siblings = {source.name: (source, _reader(access, entry)) for source, entry in task.siblings}
    copies: dict[str, Path] = {}
    try:
        schema = None
        for name in task.plugins:
            plugin = _STATE["plugins"][name]
            emit({"started": name}, deadline=hard_deadline(plugin.time_limit))
            ctx = Context(source=task.source, read_at=_reader(access, task.entry), scratch=scratch,
                          siblings=siblings, region=setup.region, display_tz=setup.display_tz, copies=copies,
                          recover_deleted=setup.recover_deleted)
            if any(select.needs_schema for select in plugin.selects):
                if schema is None:
                    schema = _schema(ctx)
                if not _selected(plugin, task.source, schema):
                    emit({"result": RunResult(plugin=name, version=plugin.version, status=NOT_SELECTED)})
                    continue
            sink = _Sink(task, setup.evidence_id, name, plugin.version)
            emit({"result": execute(plugin, ctx, task.source, sink=sink)})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class ArtifactRows:
    """Finished artifact rows (provenance, artifact digest, row digest) for one plugin on one
    file. Provenance differs between a file's artifacts only by the locator, so its JSON is
    encoded once around a placeholder and each row only encodes its locator; the row digest's
    canonical list is assembled the same way. The bytes are exactly those of `dumps(provenance(...))`
    and `digest_values("artifacts", ...)` (a test holds them equal)."""

    _PLACEHOLDER = "\u0000locator\u0000"

    def __init__(self, source: Source, partition_offset: int | None, plugin: str, version: str,
                 file_id: int | None, evidence_id: int | None) -> None:
        self.source, self.partition_offset, self.plugin, self.version = source, partition_offset, plugin, version
        self.file_id, self.evidence_id = file_id, evidence_id
        whole = dumps(provenance(source, partition_offset, plugin, version, self._PLACEHOLDER))  # type: ignore[arg-type]
        parts = whole.split(dumps(self._PLACEHOLDER))
        self._around = (parts[0], parts[1]) if len(parts) == 2 else None
        # ["artifacts", kind, file_id, evidence_id, plugin, version, data, provenance, digest]
        self._middle = "," + ",".join(dumps(value) for value in (file_id, evidence_id, plugin, version)) + ","

    def provenance_json(self, locator: dict[str, Any]) -> str:
        if self._around is None:     # the placeholder text also occurs in the path: encode it whole
            return dumps(provenance(self.source, self.partition_offset, self.plugin, self.version, locator))
        return self._around[0] + dumps(locator) + self._around[1]

    def row(self, kind: str, data: dict[str, Any], locator: dict[str, Any]) -> tuple:
        data_json = dumps(data)
        provenance_json = self.provenance_json(locator)
        kind_json = _encode_string(kind)
        digest = blake3.blake3(f'{{"data":{data_json},"kind":{kind_json},"provenance":{provenance_json}}}'
                               .encode()).hexdigest()
        canonical = (f'["artifacts",{kind_json}{self._middle}{_encode_string(data_json)},'
                     f'{_encode_string(provenance_json)},"{digest}"]')
        return (kind, self.file_id, self.evidence_id, self.plugin, self.version, data_json, provenance_json, digest,
                blake3.blake3(canonical.encode()).hexdigest())


class _Sink:
    """Turns a plugin's artifacts into finished rows (all the work the writer would otherwise
    do) and sends them on in batches as they come."""

    def __init__(self, task: PluginTask, evidence_id: int, plugin: str, version: str) -> None:
        self.rows = ArtifactRows(task.source, task.entry.partition_offset, plugin, version, task.file_id, evidence_id)

    def __call__(self, produced: list[Produced]) -> None:
        row = self.rows.row
        emit({"rows": [row(item.kind, item.data, item.locator) for item in produced]})


def hard_deadline(time_limit: float) -> float:
    """When the supervisor kills a worker: the plugin's own limit (enforced politely inside the
    worker) plus a margin for code stuck in C that the polite limit cannot interrupt."""
    return time_limit * 1.2 + 5.0


def _schema(ctx: Context) -> dict[str, set[str]] | str:
    try:
        conn = ctx.open_sqlite()
        try:
            return read_schema(conn)
        finally:
            ctx.close()
    except (sqlite3.DatabaseError, OSError, RuntimeError, UnicodeDecodeError) as exc:
        # UnicodeDecodeError: sqlite3 decoding a damaged schema's (or its own error's) text.
        return f"not a readable SQLite database: {exc}"


def _selected(plugin, source: Source, schema) -> bool:
    for select in plugin.selects:
        if not (select.matches_path(source.path) and select.matches_head(source.head)):
            continue
        if not select.needs_schema:
            return True
        if isinstance(schema, dict) and select.matches_schema(schema):
            return True
    return False


# --- parent side ---------------------------------------------------------------------------------

def _candidates(plugins: list[PluginInfo], path: str, head: bytes) -> list[str]:
    return [info.name for info in plugins
            if any(select.matches_path(path) and select.matches_head(head) for select in info.selects)]


def _source(row, exhibit_id: str) -> Source:
    mtime = None
    if row["mtime"]:
        raw = json.loads(row["times_raw"] or "{}")
        seconds = raw.get("mtime")
        mtime = TimeValue(utc=row["mtime"], raw=f"{seconds[0]}.{seconds[1]:09d}" if seconds else None,
                          encoding=raw.get("encoding", "unix"))
    return Source(path=row["path"], name=row["name"], size=row["size"], sha256=row["sha256"],
                  deleted=bool(row["deleted"]), inode=row["inode"], evidence=exhibit_id, head=bytes(row["head"] or b""),
                  mtime=mtime)


def _siblings(store: CaseStore, evidence_id: int, row, plugins: list[PluginInfo], names: list[str],
              exhibit_id: str) -> tuple[tuple[Source, FileEntry], ...]:
    wanted = []
    head = bytes(row["head"] or b"")
    if head.startswith(SQLITE_MAGIC):
        wanted += [row["name"] + suffix for suffix in ("-wal", "-shm", "-journal")]
    for info in plugins:
        if info.name in names:
            wanted += [pattern.format(name=row["name"], stem=Path(row["name"]).stem) for pattern in info.cls.siblings]
    if not wanted:
        return ()
    folder = row["path"].rpartition("/")[0]
    paths = [f"{folder}/{name}" if folder else name for name in dict.fromkeys(wanted)]
    found = []
    for path in paths:
        # The live file wins over a deleted one of the same name, as the app would have used it.
        sibling = store.conn.execute(
            "SELECT * FROM files WHERE evidence_id = ? AND path = ? AND volume_idx IS ? AND sha256 IS NOT NULL "
            "ORDER BY deleted, id LIMIT 1", (evidence_id, path, row["volume_idx"])).fetchone()
        if sibling is not None:
            found.append((_source(sibling, exhibit_id), entry_from_row(sibling)))
    return tuple(found)


def _tasks(store: CaseStore, evidence_id: int, exhibit_id: str, plugins: list[PluginInfo],
           counters: dict) -> Iterator[PluginTask]:
    done = {(file_id, plugin) for file_id, plugin in store.conn.execute(
        "SELECT r.file_id, r.plugin FROM plugin_runs r JOIN files f ON f.id = r.file_id WHERE f.evidence_id = ?",
        (evidence_id,))}
    last_id = 0
    while True:
        rows = store.conn.execute(
            "SELECT * FROM files WHERE evidence_id = ? AND id > ? AND sha256 IS NOT NULL ORDER BY id LIMIT ?",
            (evidence_id, last_id, PAGE)).fetchall()
        if not rows:
            return
        for row in rows:
            last_id = row["id"]
            counters["scanned"] += 1
            names = [name for name in _candidates(plugins, row["path"], bytes(row["head"] or b""))
                     if (row["id"], name) not in done]
            if not names:
                continue
            yield PluginTask(file_id=row["id"], source=_source(row, exhibit_id), entry=entry_from_row(row),
                             siblings=_siblings(store, evidence_id, row, plugins, names, exhibit_id),
                             plugins=tuple(names))


def provenance(source: Source, partition_offset: int | None, plugin: str, version: str,
               locator: dict[str, Any]) -> dict[str, Any]:
    return {"evidence": source.evidence, "partition_offset": partition_offset, "path": source.path,
            "inode": source.inode, "deleted": source.deleted, "sha256": source.sha256, "plugin": plugin,
            "plugin_version": version, "locator": locator}


def artifact_digest(kind: str, data: dict[str, Any], stamped: dict[str, Any]) -> str:
    """BLAKE3 over the canonical JSON of {"data", "kind", "provenance"}."""
    return artifact_digest_of_json(kind, dumps(data), dumps(stamped))


def artifact_digest_of_json(kind: str, data_json: str, provenance_json: str) -> str:
    # The same bytes canonical_json would give for the wrapper (its keys sort as data, kind,
    # provenance), assembled from parts already encoded: each artifact is encoded once, not twice.
    text = f'{{"data":{data_json},"kind":{dumps(kind)},"provenance":{provenance_json}}}'
    return blake3.blake3(text.encode("utf-8")).hexdigest()


ARTIFACT_COLUMNS = tuple(column for column in COLUMNS["artifacts"] if column != "id")


class _Writer:
    """Writes plugin results in file order. Rows a worker streams out arrive while other files
    are still running, so they wait in artifact_staging until their file's turn; then they move
    into artifacts with consecutive ids, next to the file's plugin_runs rows, in the same
    transaction. Commits come about once a second, always between files, each sealed by a
    custody checkpoint: a killed run leaves no artifact without its plugin_runs row."""

    def __init__(self, store: CaseStore, evidence_id: int, counters: dict) -> None:
        self.store, self.evidence_id, self.counters = store, evidence_id, counters
        self.ords: dict[int, int] = {}
        self.last_commit = time.monotonic()
        self.open = False
        self._begin()
        store.conn.execute("DELETE FROM artifact_staging")   # left by an interrupted run

    def _begin(self) -> None:
        self.store.conn.execute("BEGIN IMMEDIATE")
        self.open = True

    def stage(self, task_index: int, rows: list[tuple]) -> None:
        start = self.ords.get(task_index, 0)
        self.store.conn.executemany(
            f"INSERT INTO artifact_staging (task, ord, {', '.join(ARTIFACT_COLUMNS)}) "
            f"VALUES (?, ?, {', '.join('?' * len(ARTIFACT_COLUMNS))})",
            [(task_index, start + offset) + row for offset, row in enumerate(rows)])
        self.ords[task_index] = start + len(rows)

    def finish(self, task_index: int, task: PluginTask, results: list[RunResult]) -> tuple[int, int]:
        store = self.store
        staged = self.ords.pop(task_index, 0)
        if staged:
            first = store._next_id("artifacts")
            store.conn.execute(
                f"INSERT INTO artifacts (id, {', '.join(ARTIFACT_COLUMNS)}) "
                f"SELECT ? + ord, {', '.join(ARTIFACT_COLUMNS)} FROM artifact_staging WHERE task = ? ORDER BY ord",
                (first, task_index))
            store.conn.execute("DELETE FROM artifact_staging WHERE task = ?", (task_index,))
            store._next_ids["artifacts"] = first + staged
        warnings = 0
        for result in results:
            for problem in result.warnings:
                store.add_warning(code=problem.code, message=problem.message, evidence_id=self.evidence_id,
                                  file_id=task.file_id, volume_idx=task.entry.volume_index, path=task.source.path,
                                  plugin=result.plugin, context={"locator": problem.locator, **problem.context})
            store.insert("plugin_runs", [{"file_id": task.file_id, "plugin": result.plugin,
                                          "plugin_version": result.version, "status": result.status,
                                          "artifacts": result.count, "warnings": len(result.warnings)}])
            warnings += len(result.warnings)
        if time.monotonic() - self.last_commit >= COMMIT_SECONDS:
            self.commit()
        return staged, warnings

    def commit(self) -> None:
        if not self.open:
            return
        self.store.append_custody("ingest.checkpoint", {"evidence_id": self.evidence_id, "stage": "plugins",
                                                        "runs_so_far": self.counters["runs"]})
        self.store.conn.execute("COMMIT")
        self.open = False
        self.last_commit = time.monotonic()
        self._begin()

    def close(self, *, commit: bool) -> None:
        if not self.open:
            return
        if commit:
            self.store.conn.execute("DELETE FROM artifact_staging")
            self.commit()
        self.store.conn.execute("ROLLBACK" if self.store.conn.in_transaction else "SELECT 1")
        self.open = False


def _collect(task: PluginTask, outcome, plugins: dict[str, PluginInfo], jobs_left) -> list[RunResult]:
    """The results a task produced; for a task whose worker died or hung, a failure record for
    the plugin that was running and a fresh run of the plugins it never reached."""
    results = [note["result"] for note in outcome.notes if "result" in note]
    if outcome.status == OK:
        return results
    done = {result.plugin for result in results}
    started = [note["started"] for note in outcome.notes if "started" in note]
    culprit = started[-1] if started and started[-1] not in done else None
    detail = (outcome.detail or "").strip().splitlines()[-1] if outcome.detail else ""
    if culprit is not None:
        message = (f"{culprit} ran past its time limit and was stopped" if outcome.status == TIMEOUT
                   else f"{culprit} {outcome.status}: {detail}")
        results.append(RunResult(plugin=culprit, version=plugins[culprit].version, status=outcome.status,
                                 warnings=(Problem(code=f"plugin.{outcome.status}", message=message),)))
        done.add(culprit)
    remaining = tuple(name for name in task.plugins if name not in done)
    if remaining:
        results += jobs_left(PluginTask(file_id=task.file_id, source=task.source, entry=task.entry,
                                        siblings=task.siblings, plugins=remaining))
    return results


def run_plugins(store: CaseStore, evidence_id: int, location: EvidenceLocation, plugins: list[PluginInfo],
                jobs: int, *, recover_deleted: bool = False) -> Work:
    evidence = store.evidence(evidence_id)[0]
    case = store.case_info()
    counters = {"scanned": 0, "runs": 0, "artifacts": 0, "warnings": 0, "network_refused": []}
    if not plugins:
        return counters
    total = store.count("files", "WHERE evidence_id = ? AND sha256 IS NOT NULL", (evidence_id,))
    scratch_root = store.case_dir / "scratch" / "plugins"
    scratch_root.mkdir(parents=True, exist_ok=True)
    setup = WorkerSetup(evidence_id=evidence_id, location=location, specs={info.name: info.spec for info in plugins},
                        region=case.get("region"), display_tz=case.get("display_tz"),
                        recover_deleted=recover_deleted, scratch_root=str(scratch_root))
    by_name = {info.name: info for info in plugins}

    writer = _Writer(store, evidence_id, counters)

    def staging(task_index: int):
        def on_note(_index, _task, note) -> bool:
            if "rows" in note:
                writer.stage(task_index, note["rows"])
                return True
            return False
        return on_note

    def rerun(task_index: int):
        def again(task: PluginTask) -> list[RunResult]:
            # The plugins a dead worker never reached get a worker of their own.
            with WorkerPool(1, run_task, initializer=init_worker, initargs=(setup,)) as single:
                (_task, outcome), = single.run([task], on_note=staging(task_index))
            return _collect(task, outcome, by_name, again)
        return again

    def on_note(task_index, task, note) -> bool:
        return staging(task_index)(task_index, task, note)

    completed = False
    try:
        with WorkerPool(jobs, run_task, initializer=init_worker, initargs=(setup,)) as pool:
            tasks = _tasks(store, evidence_id, evidence["exhibit_id"], plugins, counters)
            for task_index, (task, outcome) in enumerate(pool.run(tasks, on_note=on_note)):
                results = _collect(task, outcome, by_name, rerun(task_index))
                artifacts, warnings = writer.finish(task_index, task, results)
                counters["runs"] += len(results)
                counters["artifacts"] += artifacts
                counters["warnings"] += warnings
                counters["network_refused"] += [f"{result.plugin} on {task.source.path}" for result in results
                                                if any(w.code == "network.refused" for w in result.warnings)]
                yield Progress(stage=STAGE, done=counters["scanned"], total=total, unit="files",
                               files=counters["scanned"], warnings=counters["warnings"],
                               detail=task.source.path)
        completed = True
    finally:
        writer.close(commit=completed)
    if counters["runs"]:
        yield Progress(stage=STAGE, done=total, total=total, unit="files", files=total,
                       warnings=counters["warnings"])
    return counters
