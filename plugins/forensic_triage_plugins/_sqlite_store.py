"""Helpers shared by the built-in plugins that read an app's SQLite store: lenient text, schema
discovery with a case-folded table/column map, the required-columns check that turns an unknown
schema version into one warning, reading without a foreign -wal, and a reader whose SELECTs
name their columns and read a column the database lacks as NULL.

A module of helpers, not a plugin: it defines no Extractor."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from forensic_triage.sdk import Context, Source

Fold = Callable[[str], str]


def lenient_text(raw: bytes) -> str:
    """Text columns with invalid UTF-8 are read with U+FFFD instead of aborting the query."""
    return raw.decode("utf-8", errors="replace")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_schema(conn: sqlite3.Connection, fold: Fold = str.lower) -> dict[str, set[str]]:
    """Tables and their columns, case-folded with `fold`. A table whose columns cannot be listed
    (a full-text index whose tokenizer only the app has, such as AddressBook's ab_cf_tokenizer)
    is left out."""
    schema = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        try:
            columns = conn.execute(f"PRAGMA table_info({quote(table)})").fetchall()
        except sqlite3.DatabaseError:
            continue
        schema[fold(table)] = {fold(row[1]) for row in columns}
    return schema


def missing_columns(schema: dict[str, set[str]], required: dict[str, tuple[str, ...]],
                    fold: Fold = str.lower) -> list[str]:
    """What of `required` the schema lacks, as "table (table)" or "table.column"."""
    missing = []
    for table, columns in required.items():
        have = schema.get(fold(table))
        if have is None:
            missing.append(f"{table} (table)")
        else:
            missing += [f"{table}.{column}" for column in columns if fold(column) not in have]
    return missing


def without_wal(ctx: Context, source: Source) -> sqlite3.Connection | None:
    """The database's main file alone, the -wal beside it ignored (the host's copy opened
    immutable, or, in an encrypted case, rebuilt in memory without the WAL frames)."""
    try:
        conn = ctx.open_sqlite(source, wal=False)
    except (sqlite3.DatabaseError, OSError):
        return None
    conn.text_factory = lenient_text
    return conn


def open_checked(ctx: Context, source: Source, app: str, required: dict[str, tuple[str, ...]], *,
                 fold: Fold = str.lower) -> tuple[sqlite3.Connection | None, dict[str, set[str]], list]:
    """The database with its -wal, its schema, and the warnings to report. When the database
    cannot be read with its -wal, or the app's tables are gone with it (a -wal of another database
    laid beside it), and the database alone is sound, that is read instead and the -wal named."""
    conn = ctx.open_sqlite()
    conn.text_factory = lenient_text
    failure = None
    try:
        schema = read_schema(conn, fold)
        missing = missing_columns(schema, required, fold)
    except sqlite3.DatabaseError as exc:
        schema, missing, failure = {}, [], exc
    if (failure is not None or missing) and ctx.sibling(source.name + "-wal") is not None:
        alone = without_wal(ctx, source)
        if alone is not None:
            try:
                alone_schema = read_schema(alone, fold)
                if not missing_columns(alone_schema, required, fold):
                    what = "cannot be read" if failure is not None else f"lacks {', '.join(missing)}"
                    return alone, alone_schema, [ctx.warning(
                        f"{app}: with the -wal beside it the database {what}: the -wal belongs to another "
                        "database or is damaged; the database was read without it", code="sqlite.foreign_wal")]
            except sqlite3.DatabaseError:
                pass
            alone.close()
    if failure is not None:
        return None, {}, [ctx.warning(f"{app}: not a readable SQLite database ({failure}); it may be encrypted, "
                                      "truncated or not a database", code="sqlite.unreadable")]
    if missing:
        return None, schema, [ctx.warning(f"{app}: unknown schema version, missing: {', '.join(missing)}",
                                          code="schema.unsupported", app=app, missing=missing)]
    return conn, schema, []


class TableReader:
    """An SQLite database opened through the Context: lenient UTF-8 text (invalid bytes are
    replaced and counted), table/column discovery, and SELECTs with explicit column lists in
    which a column the database lacks reads as NULL."""

    def __init__(self, ctx: Context) -> None:
        self.conn = ctx.open_sqlite()
        self.bad_text = 0
        self.conn.text_factory = self._decode
        self.tables = {name.lower(): name for (name,) in
                       self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self._columns: dict[str, dict[str, str]] = {}

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad_text += 1
            return raw.decode("utf-8", "replace")

    def table(self, name: str) -> str | None:
        return self.tables.get(name.lower())

    def columns(self, table: str) -> dict[str, str]:
        actual = self.table(table)
        if actual is None:
            return {}
        if actual not in self._columns:
            rows = self.conn.execute(f"PRAGMA table_info({quote(actual)})").fetchall()
            self._columns[actual] = {row[1].lower(): row[1] for row in rows}
        return self._columns[actual]

    def has(self, table: str, column: str) -> bool:
        return column.lower() in self.columns(table)

    def missing(self, table: str, wanted: list[str]) -> list[str]:
        have = self.columns(table)
        if not have:
            return [f"{table} (table)"]
        return [f"{table}.{column}" for column in wanted if column.lower() not in have]

    def select(self, table: str, wanted: list[str], tail: str = "", params: tuple = ()) -> sqlite3.Cursor:
        have = self.columns(table)
        parts = [f"{quote(have[c.lower()])} AS {quote(c)}" if c.lower() in have else f"NULL AS {quote(c)}"
                 for c in wanted]
        body = ", ".join(parts) or "NULL"
        try:
            return self.conn.execute(f"SELECT rowid AS _rowid, {body} FROM {quote(self.table(table))} {tail}", params)
        except sqlite3.OperationalError as exc:
            if "rowid" not in str(exc):
                raise
            return self.conn.execute(f"SELECT NULL AS _rowid, {body} FROM {quote(self.table(table))} {tail}",
                                     params)


def unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(value) for value in values if value not in (None, "")))
