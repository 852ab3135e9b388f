"""`forensic-triage plugin new | run | check`: the author's loop."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from tests.conftest import run_cli

GOOD = '''
from forensic_triage.sdk import Extractor, Message, Select

class Notes(Extractor):
    name = "test.notes"
    version = "1.2.0"
    selects = [Select(glob="**/notes.db"), Select(sqlite_tables={"note": ["id", "text", "ts"]})]
    kinds = [Message]

    def extract(self, ctx, source):
        for row in ctx.open_sqlite().execute("SELECT id, text, ts FROM note"):
            yield Message(app="Notes", body=row["text"], sent=ctx.time.unix_s(row["ts"]),
                          locator=ctx.locate(table="note", rowid=row["id"]))
'''

BAD = '''
from forensic_triage.sdk import Extractor, Message, Select

class NotAKind:
    kind = "gossip"

class Sloppy(Extractor):
    name = "test.sloppy"
    selects = [Select(glob="**/Notes.db"), Select(glob="**/notes.db"), Select(glob="**/Notes.db")]
    kinds = [Message, NotAKind]

    def extract(self, ctx, source):
        yield from ()
'''


def _notes_db(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT, ts INTEGER)")
    conn.executemany("INSERT INTO note VALUES (?, ?, ?)", [(1, "meet at 6", 1700000000), (2, "bring passports", 0)])
    conn.commit()
    conn.close()
    return path


def test_check_names_each_mistake(tmp_path):
    (tmp_path / "sloppy.py").write_text(BAD)
    result = run_cli("plugin", "check", tmp_path / "sloppy.py")
    assert result.returncode == 1
    out = result.stdout
    assert "FAIL test.sloppy" in out
    assert "version is missing" in out
    assert "glob '**/notes.db' repeats '**/Notes.db' (differs only in case)" in out
    assert "glob '**/Notes.db' repeats '**/Notes.db'" in out
    assert "which is not an artifact kind" in out and "NotAKind" in out


def test_check_passes_a_good_plugin_and_a_folder(tmp_path):
    (tmp_path / "notes.py").write_text(GOOD)
    assert run_cli("plugin", "check", tmp_path / "notes.py").returncode == 0
    assert "ok   test.notes" in run_cli("plugin", "check", tmp_path).stdout
    (tmp_path / "broken.py").write_text("import nothing_of_the_sort\n")
    folder = run_cli("plugin", "check", tmp_path)
    assert folder.returncode == 1 and "No module named 'nothing_of_the_sort'" in folder.stdout


def test_check_without_argument_checks_every_installed_plugin():
    result = run_cli("plugin", "check")
    assert result.returncode == 0, result.stdout
    assert "ok   sqlite.inventory" in result.stdout


def test_run_shows_artifacts_and_warnings(tmp_path):
    (tmp_path / "notes.py").write_text(GOOD)
    database = _notes_db(tmp_path / "notes.db")
    human = run_cli("plugin", "run", tmp_path / "notes.py", database)
    assert human.returncode == 0, human.stderr
    assert "status ok, 2 artifacts" in human.stdout and "sent: 2023-11-14T22:13:20Z" in human.stdout
    rows = [json.loads(line) for line in run_cli("plugin", "run", tmp_path / "notes.py", database, "--json").stdout.splitlines()]
    assert [row["type"] for row in rows] == ["artifact", "artifact"]
    assert rows[1]["data"]["sent"]["status"] == "absent" and rows[0]["locator"] == {"table": "note", "rowid": 1}
    by_name = run_cli("plugin", "run", "sqlite.inventory", database)
    assert by_name.returncode == 0 and "note" in by_name.stdout


def test_run_says_when_selectors_would_not_pick_the_file(tmp_path):
    (tmp_path / "notes.py").write_text(GOOD)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    result = run_cli("plugin", "run", tmp_path / "notes.py", other)
    assert "none of test.notes's selectors matches this file" in result.stderr


def test_new_scaffolds_a_package_whose_tests_pass_unchanged(tmp_path):
    result = run_cli("plugin", "new", "acme.chat", "--dir", tmp_path)
    assert result.returncode == 0, result.stderr
    package = tmp_path / "ft-plugin-acme-chat"
    assert (package / "pyproject.toml").read_text().count('"acme.chat" = "ft_plugin_acme_chat.plugin:AcmeChat"') == 1
    env = {**os.environ, "PYTHONPATH": str(package / "src")}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
                           cwd=package, env=env, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout
    checked = subprocess.run([sys.executable, "-m", "forensic_triage", "plugin", "check",
                              str(package / "src" / "ft_plugin_acme_chat" / "plugin.py")], env=env,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    again = run_cli("plugin", "new", "acme.chat", "--dir", tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run_cli("plugin", "new", "Bad Name", "--dir", tmp_path).returncode == 2
