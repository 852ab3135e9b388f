"""Every SQLite database in the evidence, with its tables, columns and row counts.

Useful on its own (an examiner sees at once which app stores exist, including renamed ones
and those no plugin parses yet) and the first thing to read before writing a new plugin.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator

from forensic_triage.sdk import SQLITE_MAGIC, Context, Extractor, PluginWarning, Select, Source, SQLiteDatabase, TableInfo


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SQLiteInventory(Extractor):
    name = "sqlite.inventory"
    version = "1.0.0"
    description = "Lists every SQLite database: tables, columns, row counts, WAL and free pages."
    selects = [Select(magic=SQLITE_MAGIC)]
    kinds = [SQLiteDatabase]
    time_limit = 60.0

    def extract(self, ctx: Context, source: Source) -> Iterator[SQLiteDatabase | PluginWarning]:
        header = ctx.read_bytes(limit=100)
        page_size = freelist = user_version = None
        journal = None
        if len(header) >= 100:
            raw_page = struct.unpack_from(">H", header, 16)[0]
            page_size = 65536 if raw_page == 1 else raw_page
            # Bytes 18/19 are the file format write/read versions: 2 means WAL mode.
            journal = "wal" if header[18] == 2 and header[19] == 2 else "rollback"
            freelist = struct.unpack_from(">I", header, 36)[0]
            user_version = struct.unpack_from(">i", header, 60)[0]
        conn = ctx.open_sqlite()
        # A damaged sqlite_master can hold names that are not UTF-8: list them, do not die on them.
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        tables = []
        try:
            names = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        except UnicodeDecodeError as exc:
            # sqlite3 decodes SQLite's error message, which quotes the damaged schema's non-UTF-8 bytes.
            yield ctx.warning(f"schema unreadable (malformed, not UTF-8): {exc}", code="sqlite.schema_unreadable")
            names = []
        for name in names:
            try:
                columns = tuple(row[1] for row in conn.execute(f"PRAGMA table_info({_quote(name)})"))
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                yield ctx.warning(f"table {name}: columns unreadable: {exc}", code="sqlite.table_unreadable")
                columns = ()
            try:
                rows = conn.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0]
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                yield ctx.warning(f"table {name}: rows could not be counted: {exc}", code="sqlite.table_unreadable")
                rows = None
            tables.append(TableInfo(name=name, columns=columns, rows=rows))
        yield SQLiteDatabase(tables=tuple(tables), page_size=page_size, user_version=user_version,
                             journal_mode=journal, wal_present=ctx.sibling(source.name + "-wal") is not None,
                             freelist_pages=freelist, locator=ctx.locate(offset=0, length=100))
