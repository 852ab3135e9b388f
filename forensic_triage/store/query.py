"""Read-side query API over a case store, shared by the CLI, the reports and the GUI.

Everything here only reads. Artifacts are streamed in id order in batches (a case may hold
millions), never loaded whole; the GUI pages through `page_artifacts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.tags import Tag, current_tags

# The field that places an artifact in time, by kind, best first. A kind not listed has no time.
PRIMARY_TIME: dict[str, tuple[str, ...]] = {
    "message": ("sent", "received", "delivered", "read"),
    "call": ("start",),
    "geo_point": ("time",),
    "reservation": ("start", "booked", "end"),
}


@dataclass(frozen=True, kw_only=True)
class ArtifactRecord:
    id: int
    kind: str
    plugin: str
    plugin_version: str
    file_id: int | None
    evidence_id: int | None
    data: dict[str, Any]
    provenance: dict[str, Any]
    digest: str

    @property
    def time(self) -> str | None:
        """The artifact's primary UTC time (ISO 8601, `Z`), or None."""
        return primary_time(self.kind, self.data)

    @property
    def app(self) -> str | None:
        return self.data.get("app")


def primary_time(kind: str, data: dict[str, Any]) -> str | None:
    for name in PRIMARY_TIME.get(kind, ()):
        value = data.get(name)
        if isinstance(value, dict) and value.get("utc"):
            return value["utc"]
    return None


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Which artifacts a report or a view covers. Times are ISO 8601 UTC strings compared as
    text (they are all normalised to `YYYY-MM-DDTHH:MM:SS[.fff]Z`); an artifact with no time is
    outside any time-bounded scope."""
    kinds: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    tagged_only: bool = False
    artifact_ids: frozenset[int] | None = field(default=None)

    def time_bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def admits_time(self, utc: str | None) -> bool:
        if not self.time_bounded():
            return True
        if utc is None:
            return False
        return (self.since is None or utc >= self.since) and (self.until is None or utc <= self.until)


def _record(row) -> ArtifactRecord:
    return ArtifactRecord(id=row["id"], kind=row["kind"], plugin=row["plugin"], plugin_version=row["plugin_version"],
                          file_id=row["file_id"], evidence_id=row["evidence_id"], data=json.loads(row["data"]),
                          provenance=json.loads(row["provenance"]), digest=row["digest"])


_COLUMNS = "id, kind, plugin, plugin_version, file_id, evidence_id, data, provenance, digest"


def tagged_artifact_ids(store: CaseStore) -> frozenset[int]:
    """Artifacts tagged directly, or coming from a tagged file."""
    ids: set[int] = set()
    files: list[int] = []
    for tag in current_tags(store):
        if tag.target_kind == "artifact":
            ids.add(int(tag.target_id))
        elif tag.target_kind == "file":
            files.append(int(tag.target_id))
    for file_id in files:
        ids.update(row[0] for row in store.conn.execute("SELECT id FROM artifacts WHERE file_id = ?", (file_id,)))
    return frozenset(ids)


def iter_artifacts(store: CaseStore, scope: Scope | None = None, *, batch: int = 2000) -> Iterator[ArtifactRecord]:
    """Artifacts in scope, in id order, streamed in batches of `batch` rows."""
    scope = scope or Scope()
    allowed = scope.artifact_ids
    if scope.tagged_only:
        tagged = tagged_artifact_ids(store)
        allowed = tagged if allowed is None else allowed & tagged
    where, params = ["id > ?"], []
    if scope.kinds:
        where.append(f"kind IN ({', '.join('?' * len(scope.kinds))})")
        params.extend(scope.kinds)
    last = 0
    while True:
        rows = store.conn.execute(f"SELECT {_COLUMNS} FROM artifacts WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
                                  (last, *params, batch)).fetchall()
        if not rows:
            return
        last = rows[-1]["id"]
        for row in rows:
            if allowed is not None and row["id"] not in allowed:
                continue
            record = _record(row)
            if scope.admits_time(record.time):
                yield record


def get_artifact(store: CaseStore, artifact_id: int) -> ArtifactRecord | None:
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM artifacts WHERE id = ?", (artifact_id,)).fetchone()
    return _record(row) if row else None


def page_artifacts(store: CaseStore, *, kind: str | None = None, offset: int = 0, limit: int = 200,
                   after_id: int | None = None) -> list[ArtifactRecord]:
    """One page of artifacts in id order. `after_id` (keyset paging) is faster than `offset`
    deep into a large table."""
    where, params = [], []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if after_id is not None:
        where.append("id > ?")
        params.append(after_id)
        offset = 0
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = store.conn.execute(f"SELECT {_COLUMNS} FROM artifacts {clause} ORDER BY id LIMIT ? OFFSET ?",
                              (*params, limit, offset)).fetchall()
    return [_record(row) for row in rows]


def kind_counts(store: CaseStore) -> dict[str, int]:
    return {row[0]: row[1] for row in store.conn.execute("SELECT kind, COUNT(*) FROM artifacts GROUP BY kind ORDER BY kind")}


def app_counts(store: CaseStore, kind: str) -> dict[str, int]:
    """Artifacts of one kind by the app that holds them (messages by app, calls by app, ...)."""
    rows = store.conn.execute("SELECT json_extract(data, '$.app'), COUNT(*) FROM artifacts WHERE kind = ? "
                              "GROUP BY 1 ORDER BY 1", (kind,))
    return {(row[0] or "unknown"): row[1] for row in rows}


def tags_by_target(store: CaseStore) -> dict[tuple[str, str], list[Tag]]:
    """Current tags keyed by (target_kind, target_id)."""
    out: dict[tuple[str, str], list[Tag]] = {}
    for tag in current_tags(store):
        out.setdefault((tag.target_kind, tag.target_id), []).append(tag)
    return out


def file_row(store: CaseStore, file_id: int) -> dict[str, Any] | None:
    row = store.conn.execute("SELECT f.*, e.exhibit_id FROM files f JOIN evidence e ON e.id = f.evidence_id "
                             "WHERE f.id = ?", (file_id,)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out.pop("head", None)
    return out


def custody_entries(store: CaseStore) -> Iterator[dict[str, Any]]:
    for row in store.conn.execute("SELECT * FROM custody ORDER BY seq"):
        entry = dict(row)
        entry["details"] = json.loads(entry["details"])
        entry["plugin_versions"] = json.loads(entry["plugin_versions"])
        yield entry


def warning_rows(store: CaseStore) -> Iterator[dict[str, Any]]:
    query = "SELECT w.*, e.exhibit_id FROM warnings w LEFT JOIN evidence e ON e.id = w.evidence_id ORDER BY w.id"
    for row in store.conn.execute(query):
        entry = dict(row)
        entry["context"] = json.loads(entry["context"]) if entry["context"] else {}
        yield entry
