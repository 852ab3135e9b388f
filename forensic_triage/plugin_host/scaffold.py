"""`forensic-triage plugin new NAME`: a separately installable plugin package that works and
passes its own test before the author changes a line."""

from __future__ import annotations

import re
from pathlib import Path

from forensic_triage import __version__
from forensic_triage.errors import TriageError
from forensic_triage.sdk.extractor import API_VERSION

_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]*")


def _names(name: str) -> tuple[str, str, str]:
    if not _NAME.fullmatch(name):
        raise TriageError(f"plugin name {name!r} must be lower-case letters, digits, '.', '_' or '-' (e.g. acme.chat)")
    slug = re.sub(r"[^a-z0-9]+", "_", name).strip("_")
    class_name = "".join(part.capitalize() for part in slug.split("_")) or "Plugin"
    return slug, class_name, f"ft-plugin-{slug.replace('_', '-')}"


def scaffold(name: str, directory: Path) -> Path:
    slug, class_name, dist = _names(name)
    package = f"ft_plugin_{slug}"
    root = Path(directory) / dist
    if root.exists():
        raise TriageError(f"{root} already exists: choose another --dir or name")
    files = {
        "pyproject.toml": _PYPROJECT,
        "README.md": _README,
        f"src/{package}/__init__.py": '"""{name}: a forensic-triage plugin."""\n',
        f"src/{package}/plugin.py": _PLUGIN,
        f"src/{package}/sample.py": _SAMPLE,
        "tests/test_plugin.py": _TEST,
    }
    values = {"name": name, "slug": slug, "class_name": class_name, "dist": dist, "package": package,
              "api": API_VERSION, "host": __version__}
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    return root


_PYPROJECT = '''[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "forensic-triage plugin {name}"
requires-python = ">=3.11"
dependencies = ["forensic-triage>={host}"]

[project.optional-dependencies]
test = ["pytest>=8"]

# How forensic-triage finds the plugin once this package is installed.
[project.entry-points."forensic_triage.plugins"]
"{name}" = "{package}.plugin:{class_name}"

[tool.setuptools.packages.find]
where = ["src"]
'''

_README = '''# {dist}

A [forensic-triage](https://example.invalid/forensic-triage) plugin: `{name}`.

```sh
pip install -e .                                   # the plugin is now found by forensic-triage
python -m {package}.sample sample.db               # a sample database of the (fictional) app
forensic-triage plugin run {name} sample.db        # what the plugin yields from it
forensic-triage plugin check {name}                # the host's load checks
pytest tests                                       # the plugin's own test
```

Edit `src/{package}/plugin.py` for your app's database: its `selects` (where the database lives
and which tables and columns it has), and `extract()`, which yields artifacts. See the plugin
guide (docs/plugins.md in forensic-triage) for every SDK name.
'''

_PLUGIN = '''"""{name}: messages from the (fictional) app's SQLite database.

Replace the table and column names with your app's. The host copies the database (with its
-wal) to a scratch folder, opens it read-only, stamps provenance on every artifact you yield,
and turns any exception into a warning tied to the file.
"""

from __future__ import annotations

from forensic_triage.sdk import INCOMING, OUTGOING, Extractor, Message, Select

API_COLUMNS = ("id", "sender", "recipient", "body", "sent_ms", "outgoing")


class {class_name}(Extractor):
    name = "{name}"
    version = "0.1.0"
    api_version = "{api}"
    description = "Messages from the app's messages table."
    selects = [
        Select(glob="**/{slug}/databases/messages.db"),
        Select(sqlite_tables={{"messages": list(API_COLUMNS)}}),   # also a renamed copy
    ]
    kinds = [Message]

    def extract(self, ctx, source):
        db = ctx.open_sqlite()
        columns = {{row[1] for row in db.execute("PRAGMA table_info(messages)")}}
        missing = [column for column in API_COLUMNS if column not in columns]
        if missing:
            yield ctx.warning(f"unknown schema version: messages lacks {{', '.join(missing)}}", code="schema.unknown")
            return
        for row in db.execute("SELECT id, sender, recipient, body, sent_ms, outgoing FROM messages ORDER BY id"):
            yield Message(
                app="{name}",
                sender=row["sender"],
                recipients=(row["recipient"],) if row["recipient"] else (),
                direction=OUTGOING if row["outgoing"] else INCOMING,
                sent=ctx.time.unix_ms(row["sent_ms"]),
                body=row["body"],
                locator=ctx.locate(table="messages", rowid=row["id"]),
            )
'''

_SAMPLE = '''"""A sample database with the (fictional) app's schema, for tests and for trying the plugin.

    python -m {package}.sample sample.db
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

ROWS = [
    (1, "+447700900001", "+447700900002", "Are we still on for Friday?", 1767225600000, 0),
    (2, "+447700900002", "+447700900001", "Yes, 6pm at the station.", 1767225660000, 1),
    (3, "+447700900001", "+447700900002", "See you there.", 1767225720000, 0),
]


def make_sample_db(path: Path) -> Path:
    path = Path(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, sender TEXT, recipient TEXT, body TEXT, "
                 "sent_ms INTEGER, outgoing INTEGER)")
    conn.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    conn.commit()
    conn.close()
    return path


if __name__ == "__main__":
    make_sample_db(Path(sys.argv[1] if len(sys.argv) > 1 else "sample.db"))
'''

_TEST = '''"""The plugin's own test, using the fixture forensic-triage ships for plugin authors."""

from {package}.plugin import {class_name}
from {package}.sample import ROWS, make_sample_db


def test_messages_come_out_with_utc_times_and_locators(run_extractor, tmp_path):
    result = run_extractor({class_name}, make_sample_db(tmp_path / "messages.db"))
    assert result.status == "ok" and result.warnings == []
    assert result.kinds() == {{"message": len(ROWS)}}
    first = result.artifacts[0]
    assert first.data["body"] == "Are we still on for Friday?"
    assert first.data["sent"]["utc"] == "2026-01-01T00:00:00Z"
    assert first.locator == {{"table": "messages", "rowid": 1}}


def test_a_renamed_copy_is_recognised_by_its_schema(run_extractor, tmp_path):
    result = run_extractor({class_name}, make_sample_db(tmp_path / "backup-copy.sqlite"))
    assert result.selected and result.kinds() == {{"message": len(ROWS)}}


def test_an_unknown_schema_gives_a_warning_not_a_crash(run_extractor, tmp_path):
    import sqlite3

    path = tmp_path / "messages.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()
    result = run_extractor({class_name}, path)
    assert result.artifacts == [] and [w.code for w in result.warnings] == ["schema.unknown"]
'''
