"""A separately distributed plugin (examples/ft-plugin-pigeonpost, installed by `make test`)
works exactly like a built-in: found through the entry point, run by ingest, provenance stamped."""

from __future__ import annotations

import json
import sqlite3
from importlib.metadata import PackageNotFoundError, version

import pytest

from tests.conftest import run_cli

try:
    version("ft-plugin-pigeonpost")
    INSTALLED = True
except PackageNotFoundError:
    INSTALLED = False

pytestmark = pytest.mark.skipif(not INSTALLED, reason="examples/ft-plugin-pigeonpost is not installed "
                                                      "(`make test` installs it into the test venv)")


def _extraction(root):
    database = root / "data/data/com.pigeonpost.android/databases/pigeon.db"
    database.parent.mkdir(parents=True)
    conn = sqlite3.connect(database)
    conn.executescript("""
        CREATE TABLE contacts (_id INTEGER PRIMARY KEY, address TEXT, nickname TEXT);
        CREATE TABLE messages (_id INTEGER PRIMARY KEY, contact_id INTEGER, outgoing INTEGER, body TEXT,
                               sent_at INTEGER, seen_at INTEGER);
        CREATE TABLE me (number TEXT, nickname TEXT);
        INSERT INTO me VALUES ('+447700900100', 'Sam');
        INSERT INTO contacts VALUES (1, '+447700900201', 'Driver');
        INSERT INTO messages VALUES (1, 1, 0, 'Car at arrivals.', 1767247200000, NULL);
    """)
    conn.commit()
    conn.close()
    return root


def test_found_through_its_entry_point():
    listing = json.loads(run_cli("plugins", "--json").stdout)
    found = {plugin["name"]: plugin for plugin in listing["plugins"]}
    assert found["pigeonpost.messages"]["origin"] == "entry point (ft-plugin-pigeonpost)"
    assert found["pigeonpost.messages"]["kinds"] == ["message", "account"]


def test_runs_in_an_ingest_like_a_builtin(tmp_path):
    case = tmp_path / "case"
    assert run_cli("case", "create", case, "--case-number", "1", "--examiner", "E").returncode == 0
    assert run_cli("add", case, _extraction(tmp_path / "extraction")).returncode == 0
    assert run_cli("ingest", case, "--plugins", "pigeonpost.messages", "--jobs", "1").returncode == 0
    artifacts = [json.loads(line) for line in run_cli("artifacts", case, "--json").stdout.splitlines()]
    assert {item["kind"] for item in artifacts} == {"message", "account"}
    message = next(item for item in artifacts if item["kind"] == "message")
    assert message["provenance"]["plugin"] == "pigeonpost.messages"
    assert message["provenance"]["plugin_version"] == "1.0.0"
    assert message["provenance"]["path"] == "data/data/com.pigeonpost.android/databases/pigeon.db"
    assert message["data"]["sent"]["utc"] == "2026-01-01T06:00:00Z"
    assert run_cli("verify", case).returncode == 0
