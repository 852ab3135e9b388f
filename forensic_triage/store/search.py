"""Finding things in a case: a full-text index (SQLite FTS5) over message bodies, names, senders
and file paths, plus the filtered and sorted paging the GUI's tables need.

The index is a derived table inside case.sqlite: not sealed, not checked by `verify`, and
rebuildable at any time from the sealed rows. It is filled incrementally (everything above the
highest artifact and file id already indexed), under the case's write lock, and each build that
adds rows writes one custody entry "search.index" with the counts (never the indexed text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import _COLUMNS, PRIMARY_TIME, ArtifactRecord, _record

INDEX_TABLE = "search_fts"
STATE_TABLE = "search_state"
FILE_KIND = "file"
BATCH = 5000

# The text fields indexed for each artifact kind (lists are joined with spaces).
INDEXED_FIELDS: dict[str, tuple[str, ...]] = {
    "message": ("body", "subject", "sender", "recipients", "thread_name", "account"),
    "call": ("parties", "account"),
    "contact": ("display_name", "phones", "phones_e164", "emails", "handles", "organisation"),
    "account": ("identifier", "display_name", "phone", "email"),
    "geo_point": ("place_name", "media_path", "camera_model"),
    "reservation": ("name", "trip_number", "reservation_number", "travellers", "provider"),
}

# The index's rowid is the artifact id, or minus the file id: a search walks matches in artifact
# id order and stops at a page (FTS5 serves rowid ranges and rowid order itself), so the first
# page of a common word among millions of rows costs no more than a page.
LAYOUT = 2
_DDL = (
    # unicode61 with diacritics folded: "Jose" finds "José". Prefix queries (word*) cover partial
    # phone numbers and names.
    (f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX_TABLE} USING fts5("
     f"text, kind UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"),
    f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (source TEXT PRIMARY KEY, last_id INTEGER NOT NULL)",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class SearchHit:
    target: str          # "artifact" or "file"
    id: int
    kind: str            # artifact kind, or "file"


@dataclass(frozen=True, kw_only=True, slots=True)
class IndexBuild:
    artifacts_added: int
    files_added: int
    last_artifact_id: int
    last_file_id: int


def index_exists(store: CaseStore) -> bool:
    return store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (INDEX_TABLE,)).fetchone() is not None


def _state(store: CaseStore) -> dict[str, int]:
    state = {"artifacts": 0, "files": 0, "layout": LAYOUT}
    if not index_exists(store):
        return state
    state["layout"] = 1     # the first layout kept no version
    for source, last_id in store.conn.execute(f"SELECT source, last_id FROM {STATE_TABLE}"):
        state[source] = last_id
    return state


def index_is_current(store: CaseStore) -> bool:
    """True when every artifact is in the index."""
    if not index_exists(store):
        return False
    state = _state(store)
    if state["layout"] != LAYOUT:
        return False
    last_artifact = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM artifacts").fetchone()[0]
    return state["artifacts"] >= last_artifact


def _flatten(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_flatten(item) for item in value)
    return str(value)


def artifact_text(kind: str, data: dict[str, Any]) -> str:
    return " ".join(part for part in (_flatten(data.get(name)) for name in INDEXED_FIELDS.get(kind, ())) if part)


def time_index_statements() -> list[str]:
    """Indexes on each timed kind's primary time (derived, like the full-text index): sorting
    a million messages by time then reads the index instead of sorting the table."""
    return [f"CREATE INDEX IF NOT EXISTS search_time_{kind} ON artifacts(kind, {time_expression(kind)})"
            for kind in PRIMARY_TIME]


def build_search_index(store: CaseStore) -> IndexBuild:
    """Index the artifacts added since the last build (file paths are not indexed: they are
    searched by a scan of files.path, which costs an ingest nothing and answers in well under a
    second for a million paths; indexing them cost a listing-only ingest a quarter of its time).
    The store must be open for
    writing (e.g. `CaseStore.open(case_dir, write="search-index")`, or the ingest's own store)."""
    state = _state(store)
    added = {"artifacts": 0, "files": 0}
    with store.transaction():
        if state["layout"] != LAYOUT:
            # Derived data in an older layout: rebuilt from the sealed rows.
            store.conn.execute(f"DROP TABLE IF EXISTS {INDEX_TABLE}")
            store.conn.execute(f"DROP TABLE IF EXISTS {STATE_TABLE}")
            state = {"artifacts": 0, "files": 0, "layout": LAYOUT}
        last = dict(state)
        for statement in _DDL:
            store.conn.execute(statement)
        for statement in time_index_statements():
            store.conn.execute(statement)
        while True:
            rows = store.conn.execute("SELECT id, kind, data FROM artifacts WHERE id > ? ORDER BY id LIMIT ?",
                                      (last["artifacts"], BATCH)).fetchall()
            if not rows:
                break
            entries = []
            for row in rows:
                if row["kind"] in INDEXED_FIELDS:
                    text = artifact_text(row["kind"], json.loads(row["data"]))
                    if text:
                        entries.append((row["id"], text, row["kind"]))
            store.conn.executemany(f"INSERT INTO {INDEX_TABLE} (rowid, text, kind) VALUES (?, ?, ?)", entries)
            added["artifacts"] += len(entries)
            last["artifacts"] = rows[-1]["id"]
        # The "layout" row holds the layout number in last_id.
        store.conn.executemany(f"INSERT OR REPLACE INTO {STATE_TABLE} (source, last_id) VALUES (?, ?)",
                               list(last.items()))
        if last != state:
            store.append_custody("search.index", {"artifacts_indexed": added["artifacts"],
                                                  "files_indexed": added["files"],
                                                  "last_artifact_id": last["artifacts"], "last_file_id": last["files"]})
    return IndexBuild(artifacts_added=added["artifacts"], files_added=added["files"],
                      last_artifact_id=last["artifacts"], last_file_id=last["files"])


def build_search_index_in(case_dir: Path) -> IndexBuild:
    """Open the case under the "search-index" write lock and bring its index up to date."""
    store = CaseStore.open(case_dir, write="search-index")
    try:
        return build_search_index(store)
    finally:
        store.close()


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """The user's words as an FTS5 query: every word must occur, each as a prefix. Quoting
    every token keeps FTS5 operators (AND, NEAR, ^, :) in the user's text harmless."""
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


def search(store: CaseStore, text: str, kind: str | None = None, limit: int = 1000) -> list[SearchHit]:
    """Artifacts and files whose indexed text holds every word of `text` (as word prefixes),
    best match first. `kind` narrows to one artifact kind, or "file". Without an index
    (a case ingested before indexes existed) the answer is empty: build the index first."""
    query = fts_query(text)
    if query is None:
        return []
    hits: list[SearchHit] = []
    if kind != FILE_KIND and index_exists(store):
        where, params = f"{INDEX_TABLE} MATCH ? AND rowid > 0", [query]
        if kind:
            where += " AND kind = ?"
            params.append(kind)
        rows = store.conn.execute(f"SELECT kind, rowid FROM {INDEX_TABLE} WHERE {where} ORDER BY rank LIMIT ?",
                                  (*params, limit))
        hits.extend(SearchHit(target="artifact", id=int(row[1]), kind=row[0]) for row in rows)
    if kind in (None, FILE_KIND) and len(hits) < limit:
        # Paths: every word as a case-insensitive substring (LIKE), in id order.
        words = _WORD.findall(text)
        clause = " AND ".join("path LIKE ? ESCAPE '\\'" for _ in words)
        patterns = ["%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                    for word in words]
        rows = store.conn.execute(f"SELECT id FROM files WHERE {clause} ORDER BY id LIMIT ?",
                                  (*patterns, limit - len(hits)))
        hits.extend(SearchHit(target=FILE_KIND, id=row[0], kind=FILE_KIND) for row in rows)
    return hits


# --- filtered, sorted paging for tables --------------------------------------------------------

def time_expression(kind: str | None) -> str:
    """SQL for an artifact's primary UTC time (see query.PRIMARY_TIME)."""
    kinds = [kind] if kind else list(PRIMARY_TIME)
    names: list[str] = []
    for name in kinds:
        names.extend(field for field in PRIMARY_TIME.get(name, ()) if field not in names)
    if not names:
        return "NULL"
    parts = [f"json_extract(data, '$.{name}.utc')" for name in names]
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


@dataclass(frozen=True, kw_only=True)
class TableQuery:
    """What an artifact table shows: one kind (or all), optional full-text words, a time range,
    per-field substring filters, and a sort."""
    kind: str | None = None
    app: str | None = None
    text: str | None = None
    since: str | None = None
    until: str | None = None
    field_filters: tuple[tuple[str, str], ...] = ()   # (data field, substring)
    sort: str = "id"                                  # "id", "time", or a data field name
    descending: bool = False
    ids: tuple[int, ...] | None = None                # restrict to these artifacts (e.g. a selection elsewhere)

    @property
    def plain(self) -> bool:
        """Nothing but kind paging in id order: what query.page_artifacts serves."""
        return (self.app is None and not self.text and self.since is None and self.until is None
                and not self.field_filters and self.sort == "id" and not self.descending and self.ids is None)


_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _field_sql(name: str) -> str:
    if not _FIELD.match(name):
        raise ValueError(f"not a field name: {name!r}")
    return f"json_extract(data, '$.{name}')"


def _sort_sql(query: TableQuery) -> str:
    if query.sort == "id":
        return "id"
    if query.sort == "time":
        return time_expression(query.kind)
    return _field_sql(query.sort)


def _where(store: CaseStore, query: TableQuery) -> tuple[list[str], list[Any]] | None:
    where: list[str] = []
    params: list[Any] = []
    if query.kind:
        where.append("kind = ?")
        params.append(query.kind)
    if query.app:
        where.append("COALESCE(json_extract(data, '$.app'), 'unknown') = ?")
        params.append(query.app)
    if query.ids is not None:
        if not query.ids:
            return None
        where.append(f"id IN ({', '.join(str(int(value)) for value in query.ids)})")
    if query.text:
        words = fts_query(query.text)
        if words is None or not index_exists(store):
            return None
        # A subquery, not a list of ids: a common word may match millions of rows.
        where.append(f"id IN (SELECT rowid FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH ? AND rowid > 0)")
        params.append(words)
    if query.since or query.until:
        expression = time_expression(query.kind)
        if query.since:
            where.append(f"{expression} >= ?")
            params.append(query.since)
        if query.until:
            where.append(f"{expression} <= ?")
            params.append(query.until)
    for name, needle in query.field_filters:
        # Lists and objects filter on their JSON text, which holds every value.
        where.append(f"CAST({_field_sql(name)} AS TEXT) LIKE ? ESCAPE '\\'")
        params.append("%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    return where, params


def page_table(store: CaseStore, query: TableQuery, *, after: tuple[Any, int] | None = None,
               limit: int = 200) -> tuple[list[ArtifactRecord], tuple[Any, int] | None]:
    """One page of artifacts for a table, with keyset paging on (sort value, id): `after` is the
    cursor returned with the previous page (None for the first). Returns the rows and the cursor
    for the next page (None at the end). Rows without a sort value (NULL) come first ascending,
    last descending, as SQLite orders them."""
    if query.text and query.sort == "id":
        return _page_text_in_id_order(store, query, after, limit)
    built = _where(store, query)
    if built is None:
        return [], None
    where, params = built
    sort = _sort_sql(query)
    order = "DESC" if query.descending else "ASC"
    compare = "<" if query.descending else ">"
    if after is not None:
        value, last_id = after
        if sort == "id":
            where.append(f"id {compare} ?")
            params.append(last_id)
        # SQLite orders NULLs first ascending and last descending; the cursor follows that order.
        elif value is None and not query.descending:
            where.append(f"((({sort}) IS NULL AND id > ?) OR ({sort}) IS NOT NULL)")
            params.append(last_id)
        elif value is None:
            where.append(f"({sort}) IS NULL AND id < ?")
            params.append(last_id)
        else:
            tail = f" OR ({sort}) IS NULL" if query.descending else ""
            where.append(f"(({sort}) {compare} ? OR (({sort}) = ? AND id {compare} ?){tail})")
            params.extend([value, value, last_id])
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    # Plain "ORDER BY <expression>, id" so the time indexes (see build_search_index) serve it.
    select = (f"SELECT {_COLUMNS}, {sort} AS sort_value FROM artifacts {clause} "
              f"ORDER BY {sort} {order}" + ("" if sort == "id" else f", id {order}") + " LIMIT ?")
    rows = store.conn.execute(select, (*params, limit)).fetchall()
    records = [_record(row) for row in rows]
    cursor = (rows[-1]["sort_value"], rows[-1]["id"]) if len(rows) == limit else None
    return records, cursor


def _page_text_in_id_order(store: CaseStore, query: TableQuery, after: tuple[Any, int] | None,
                           limit: int) -> tuple[list[ArtifactRecord], tuple[Any, int] | None]:
    """Full-text matches in id order, driven by the index: it hands out matching ids in rowid
    (= artifact id) order in chunks, the other filters apply to each chunk, and the page stops
    as soon as it is full, however many rows match in all."""
    words = fts_query(query.text or "")
    built = _where(store, replace(query, text=None))
    if words is None or built is None or not index_exists(store):
        return [], None
    where, params = built
    compare, order = ("<", "DESC") if query.descending else (">", "ASC")
    last = after[1] if after is not None else (2 ** 62 if query.descending else 0)
    chunk = max(500, limit * 2)
    out: list[ArtifactRecord] = []
    while True:
        ids = [row[0] for row in store.conn.execute(
            f"SELECT rowid FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH ? AND rowid {compare} ? AND rowid > 0 "
            f"ORDER BY rowid {order} LIMIT ?", (words, last, chunk))]
        if not ids:
            return out, None
        clause = " AND ".join([*where, f"id IN ({', '.join(str(value) for value in ids)})"])
        for row in store.conn.execute(f"SELECT {_COLUMNS} FROM artifacts WHERE {clause} ORDER BY id {order}",
                                      params):
            out.append(_record(row))
            if len(out) == limit:
                return out, (row["id"], row["id"])
        last = ids[-1]


def count_table(store: CaseStore, query: TableQuery) -> int:
    built = _where(store, query)
    if built is None:
        return 0
    where, params = built
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return store.conn.execute(f"SELECT COUNT(*) FROM artifacts {clause}", params).fetchone()[0]


# --- the file tree ---------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class FileNode:
    id: int
    name: str
    path: str
    type: str
    size: int
    deleted: bool
    has_children: bool


def child_files(store: CaseStore, evidence_id: int, volume_idx: int | None, folder: str,
                limit: int = 5000) -> list[FileNode]:
    """The names directly inside `folder` ("" for the root) of one volume, directories first.
    Uses the (evidence_id, path) index as a range, so a deep folder costs only its own subtree."""
    prefix = f"{folder}/" if folder else ""
    upper = prefix[:-1] + chr(ord("/") + 1) if prefix else "\U0010ffff"
    rows = store.conn.execute(
        "SELECT id, name, path, type, size, deleted FROM files WHERE evidence_id = ? AND path >= ? AND path < ? "
        "AND volume_idx IS ? AND instr(substr(path, ?), '/') = 0 AND path != ? "
        "ORDER BY (type NOT LIKE '%directory'), path LIMIT ?",
        (evidence_id, prefix, upper, volume_idx, len(prefix) + 1, folder, limit)).fetchall()
    nodes = []
    for row in rows:
        is_folder = row["type"].endswith("directory")
        nodes.append(FileNode(id=row["id"], name=row["name"] or row["path"].rsplit("/", 1)[-1], path=row["path"],
                              type=row["type"], size=row["size"], deleted=bool(row["deleted"]),
                              has_children=is_folder))
    return nodes


def artifacts_of_file(store: CaseStore, file_id: int, limit: int = 1000) -> Iterator[ArtifactRecord]:
    for row in store.conn.execute(f"SELECT {_COLUMNS} FROM artifacts WHERE file_id = ? ORDER BY id LIMIT ?",
                                  (file_id, limit)):
        yield _record(row)


def thread_around(store: CaseStore, record: ArtifactRecord, before: int = 15, after: int = 15) -> list[ArtifactRecord]:
    """Messages of the same conversation (same source file, app and thread) around one message,
    in id order (the plugins emit a store's messages in its own order)."""
    thread = record.data.get("thread_id")
    clause = "kind = 'message' AND file_id IS ? AND json_extract(data, '$.app') IS ?"
    params: list[Any] = [record.file_id, record.data.get("app")]
    if thread is not None:
        clause += " AND json_extract(data, '$.thread_id') = ?"
        params.append(str(thread))
    earlier = store.conn.execute(f"SELECT {_COLUMNS} FROM artifacts WHERE {clause} AND id < ? ORDER BY id DESC LIMIT ?",
                                 (*params, record.id, before)).fetchall()
    later = store.conn.execute(f"SELECT {_COLUMNS} FROM artifacts WHERE {clause} AND id > ? ORDER BY id LIMIT ?",
                               (*params, record.id, after)).fetchall()
    return [_record(row) for row in reversed(earlier)] + [record] + [_record(row) for row in later]


def page_warnings(store: CaseStore, *, after_id: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    """One page of warning rows (with the exhibit id) after `after_id`, in id order."""
    rows = store.conn.execute("SELECT w.*, e.exhibit_id FROM warnings w LEFT JOIN evidence e ON e.id = w.evidence_id "
                              "WHERE w.id > ? ORDER BY w.id LIMIT ?", (after_id, limit)).fetchall()
    out = []
    for row in rows:
        entry = dict(row)
        entry["context"] = json.loads(entry["context"]) if entry["context"] else {}
        out.append(entry)
    return out
