#!/usr/bin/env python3
"""atheris harness: app databases (SQLite) as ingest sees them: the host's schema probe
(plugin_host/runner.py read_schema; allowed: sqlite3.DatabaseError), then every plugin whose SQLite
selectors match the probed schema, run as ingest runs them (allowed: warnings, status "ok").
Seed it with real stores (fuzz/make_seeds.py writes the project's generated ones).

    .venv/bin/python fuzz/fuzz_sqlite_stores.py fuzz/corpus/sqlite -max_total_time=1800
"""

import sqlite3
import tempfile
from pathlib import Path

import harness

MODULES = ("forensic_triage.plugin_host.runner", "forensic_triage.sdk.context")
_PLUGINS = []


def _sqlite_plugins():
    if not _PLUGINS:
        from forensic_triage.plugin_host.registry import discover

        _PLUGINS.extend(info.cls for info in discover().select(None)
                        if any(select.needs_schema or select.magic == b"SQLite format 3\x00" for select in info.cls.selects))
    return _PLUGINS


def test_one_input(data: bytes) -> None:
    from forensic_triage.plugin_host.runner import read_schema

    with tempfile.TemporaryDirectory(prefix="ft-atheris-") as folder:
        path = Path(folder) / "store.db"
        path.write_bytes(data)
        try:
            conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                schema = read_schema(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            return
    for cls in _sqlite_plugins():
        if any(select.matches_schema(schema) for select in cls.selects if select.needs_schema) or \
                not any(select.needs_schema for select in cls.selects):
            harness.run_plugin(cls, data, "data/data/app/databases/store.db")


if __name__ == "__main__":
    harness.main(test_one_input, MODULES)
