"""The case store's tables, indexes, append-only triggers and migrations."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

# Tables whose rows are never changed or removed once written. Each row carries a row_digest
# (BLAKE3 over its canonical form) and is sealed by custody entries, whose chained seals bind
# the rows' order and ids.
SEALED_TABLES = ("case_info", "evidence", "volumes", "files", "artifacts", "plugin_runs", "warnings", "tags")
APPEND_ONLY = SEALED_TABLES + ("custody",)

_DDL_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE case_info (
    id INTEGER PRIMARY KEY,
    case_uuid TEXT NOT NULL,
    case_number TEXT NOT NULL,
    examiner TEXT NOT NULL,
    agency TEXT,
    title TEXT,
    region TEXT,
    display_tz TEXT,
    created_utc TEXT NOT NULL,
    row_digest TEXT NOT NULL
);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    exhibit_id TEXT NOT NULL UNIQUE,
    description TEXT,
    received_from TEXT,
    received_at TEXT,
    path TEXT NOT NULL,
    segments TEXT NOT NULL,          -- JSON list of file names with sizes
    container TEXT NOT NULL,
    logical INTEGER NOT NULL,
    media_size INTEGER NOT NULL,
    md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL, blake3 TEXT NOT NULL,
    acquisition TEXT NOT NULL,       -- JSON: hashes stored in the container and whether they match
    container_meta TEXT NOT NULL,    -- JSON: what the container says about itself
    working_copy TEXT,               -- decompressed copy for gzip images, inside the case folder
    partition_table TEXT,
    added_utc TEXT NOT NULL,
    row_digest TEXT NOT NULL
);
CREATE UNIQUE INDEX evidence_sha256 ON evidence(sha256);

CREATE TABLE volumes (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    idx INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    description TEXT,
    fs_type TEXT,
    status TEXT NOT NULL,
    reader TEXT,
    note TEXT,
    apfs_volume INTEGER,
    row_digest TEXT NOT NULL,
    UNIQUE (evidence_id, idx)
);

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    seq INTEGER NOT NULL,            -- index of the name in the walk; what a resumed ingest continues from
    stream INTEGER NOT NULL,         -- 0, or the n-th NTFS data stream of the same name
    volume_idx INTEGER,
    partition_offset INTEGER,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    inode TEXT,
    meta_addr INTEGER,
    attr_type INTEGER,
    attr_id INTEGER,
    type TEXT NOT NULL,
    tsk_type TEXT,
    size INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    reallocated INTEGER NOT NULL,
    mtime TEXT, atime TEXT, ctime TEXT, crtime TEXT,
    times_raw TEXT,                  -- JSON: the raw values and their encoding
    link_target TEXT,
    member TEXT,
    md5 TEXT, sha1 TEXT, sha256 TEXT, blake3 TEXT,
    head BLOB,                       -- first bytes of the content, for signature dispatch
    read_error TEXT,
    row_digest TEXT NOT NULL,
    UNIQUE (evidence_id, seq, stream)
);

CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file_id INTEGER REFERENCES files(id),
    evidence_id INTEGER REFERENCES evidence(id),
    plugin TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    data TEXT NOT NULL,              -- JSON of the artifact's fields
    provenance TEXT NOT NULL,        -- JSON stamped by the host
    digest TEXT NOT NULL,            -- BLAKE3 over kind + data + provenance (independent of row ids)
    row_digest TEXT NOT NULL
);
CREATE INDEX artifacts_kind ON artifacts(kind);
CREATE INDEX artifacts_file ON artifacts(file_id);

-- Rows a plugin streams out of a large file wait here until their file's turn comes, so
-- artifact ids follow the file order whatever order the workers finish in. Scratch: emptied
-- at the start of every plugin stage, never sealed.
CREATE TABLE artifact_staging (
    task INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    kind TEXT NOT NULL,
    file_id INTEGER,
    evidence_id INTEGER,
    plugin TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    data TEXT NOT NULL,
    provenance TEXT NOT NULL,
    digest TEXT NOT NULL,
    row_digest TEXT NOT NULL,
    PRIMARY KEY (task, ord)
);

CREATE TABLE plugin_runs (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id),
    plugin TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    status TEXT NOT NULL,            -- ok, error, timeout, crashed, not_selected
    artifacts INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    row_digest TEXT NOT NULL,
    UNIQUE (file_id, plugin)
);

CREATE TABLE warnings (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER REFERENCES evidence(id),
    file_id INTEGER REFERENCES files(id),
    volume_idx INTEGER,
    path TEXT,
    plugin TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    context TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    row_digest TEXT NOT NULL
);
CREATE INDEX warnings_evidence ON warnings(evidence_id);

-- Examiner tags and notes on artifacts, files and identities. Append-only like everything
-- else: removing a tag appends a row with removed = 1; the latest row per (target, label) wins.
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    target_kind TEXT NOT NULL,       -- artifact, file, identity
    target_id TEXT NOT NULL,
    label TEXT NOT NULL,             -- e.g. "relevant", "victim", "suspect"
    victim INTEGER NOT NULL,
    note TEXT,
    removed INTEGER NOT NULL,
    examiner TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    row_digest TEXT NOT NULL
);
CREATE INDEX tags_target ON tags(target_kind, target_id);

CREATE TABLE custody (
    seq INTEGER PRIMARY KEY,
    utc TEXT NOT NULL,
    examiner TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    plugin_versions TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL
);
"""


# Lookup indexes on files, kept out of the bulk insert of an ingest (which runs about twice
# as fast without them) and built once when the listing is complete.
FILE_LOOKUP_INDEXES = (
    "CREATE INDEX IF NOT EXISTS files_path ON files(evidence_id, path)",
    "CREATE INDEX IF NOT EXISTS files_sha256 ON files(sha256)",
)


def _append_only_triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END;
"""


# Each migration takes the store from version N-1 to N; a store is never rewritten in place.
MIGRATIONS: dict[int, str] = {
    1: _DDL_V1 + "".join(_append_only_triggers(table) for table in APPEND_ONLY)
       + "".join(statement + ";\n" for statement in FILE_LOOKUP_INDEXES),
}


def _columns() -> dict[str, tuple[str, ...]]:
    conn = sqlite3.connect(":memory:")
    for version in sorted(MIGRATIONS):
        for statement in _statements(MIGRATIONS[version]):
            conn.execute(statement)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {table: tuple(row[1] for row in conn.execute(f"PRAGMA table_info({table})")) for table in tables}
    conn.close()
    return found


def schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the migrations a store lacks; return the versions applied."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        from forensic_triage.errors import CaseError

        raise CaseError(f"this case was written by a newer forensic-triage (schema {current}; "
                        f"this version reads up to {SCHEMA_VERSION})")
    applied = []
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with conn:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(version),))
        applied.append(version)
    return applied


def _statements(script: str) -> list[str]:
    # sqlite3.complete_statement lets trigger bodies (which contain ';') stay whole.
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    return statements


# Every table's columns in schema order: the order of the values a row digest is taken over.
COLUMNS: dict[str, tuple[str, ...]] = _columns()
