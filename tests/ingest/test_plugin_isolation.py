"""Plugins that hang, crash or misbehave become warning rows tied to their source; the run goes on.
Plugins added later run on an already-ingested case without re-listing it."""

from __future__ import annotations

import json
import time

from tests.conftest import run_cli, small_fat_image

HANGER = '''
import signal
from forensic_triage.sdk import Extractor, Select, Message

class Hanger(Extractor):
    name = "test.hanger"
    version = "0.1.0"
    selects = [Select(glob="dir1/*.txt")]
    kinds = [Message]
    time_limit = 1.0

    def extract(self, ctx, source):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)   # deaf to the polite time limit
        while True:
            pass
        yield
'''

COUNTER = '''
from forensic_triage.sdk import Extractor, Select, Message

class Counter(Extractor):
    name = "test.counter"
    version = "2.0.1"
    selects = [Select(glob="**/*.TXT")]                  # case-insensitive by default
    kinds = [Message]

    def extract(self, ctx, source):
        yield Message(app="counter", body=str(source.size), locator=ctx.locate(offset=0))
'''


def _case(tmp_path, plugin_files: dict[str, str]):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    for name, text in plugin_files.items():
        (plugins / name).write_text(text)
    case = tmp_path / "case"
    run_cli("case", "create", case, "--case-number", "1", "--examiner", "E")
    run_cli("add", case, small_fat_image(tmp_path / "disk.img", files=6))
    return plugins, case


def test_a_plugin_deaf_to_its_time_limit_is_killed_and_recorded(tmp_path):
    plugins, case = _case(tmp_path, {"hanger.py": HANGER, "counter.py": COUNTER})
    started = time.monotonic()
    result = run_cli("--plugin-dir", plugins, "ingest", case, "--jobs", "2", "--plugins", "test.hanger,test.counter")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    warnings = [json.loads(line) for line in run_cli("warnings", case, "--json").stdout.splitlines()]
    timeouts = sorted(item["path"] for item in warnings if item["code"] == "plugin.timeout")
    assert timeouts and all(path.startswith("dir1/") for path in timeouts)
    counted = [json.loads(line) for line in run_cli("artifacts", case, "--json").stdout.splitlines()]
    assert len(counted) == 7                      # 6 files + 1 deleted, all .txt; the hang cost nothing else
    assert run_cli("verify", case).returncode == 0


def test_a_new_plugin_runs_later_on_an_ingested_case(tmp_path):
    plugins, case = _case(tmp_path, {"counter.py": COUNTER})
    assert run_cli("ingest", case, "--jobs", "1").returncode == 0
    files_before = run_cli("files", case, "--json").stdout
    assert run_cli("artifacts", case, "--kind", "message").stdout == ""
    result = run_cli("--plugin-dir", plugins, "ingest", case, "--plugins", "test.counter", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert run_cli("files", case, "--json").stdout == files_before
    messages = [json.loads(line) for line in run_cli("artifacts", case, "--kind", "message", "--json").stdout.splitlines()]
    assert len(messages) == 7
    assert {item["provenance"]["plugin_version"] for item in messages} == {"2.0.1"}
    custody = [json.loads(line) for line in run_cli("custody", case, "--json").stdout.splitlines()]
    finish = [entry for entry in custody if entry["action"] == "ingest.finish"][-1]
    assert finish["plugin_versions"] == {"test.counter": "2.0.1"}
    assert run_cli("verify", case).returncode == 0


def test_a_file_that_kills_the_reader_costs_only_its_own_row(tmp_path, monkeypatch):
    image = small_fat_image(tmp_path / "disk.img", files=40)
    reference = tmp_path / "reference"
    run_cli("case", "create", reference, "--case-number", "1", "--examiner", "E")
    run_cli("add", reference, image, "--exhibit-id", "X")
    assert run_cli("ingest", reference, "--no-plugins", "--jobs", "2").returncode == 0
    case = tmp_path / "case"
    run_cli("case", "create", case, "--case-number", "1", "--examiner", "E")
    run_cli("add", case, image, "--exhibit-id", "X")
    monkeypatch.setenv("FORENSIC_TRIAGE_INJECT_CRASH", "dir1/file0013.txt")
    result = run_cli("ingest", case, "--no-plugins", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    def listing(folder):
        return {item["path"]: item["sha256"] for item in map(json.loads, run_cli("files", folder, "--json").stdout.splitlines())}
    expected = listing(reference)
    got = listing(case)
    assert set(expected) - set(got) == {"dir1/file0013.txt"}
    assert all(got[path] == expected[path] for path in got)
    warnings = [json.loads(line) for line in run_cli("warnings", case, "--json").stdout.splitlines()]
    assert any("crashed" in item["message"] and "SIGKILL" in item["message"] for item in warnings)
    assert run_cli("verify", case).returncode == 0


PHONE_HOME = '''
import socket
from forensic_triage.sdk import Extractor, Select, Message

class PhoneHome(Extractor):
    name = "test.phone_home"
    version = "0.1.0"
    selects = [Select(glob="dir0/*.txt")]
    kinds = [Message]

    def extract(self, ctx, source):
        yield Message(app="leak", body="before")
        socket.create_connection(("192.0.2.1", 443), timeout=1)    # TEST-NET-1: never routable
        yield Message(app="leak", body="after")
'''


def test_network_access_is_refused_and_logged(tmp_path):
    plugins, case = _case(tmp_path, {"phone_home.py": PHONE_HOME})
    result = run_cli("--plugin-dir", plugins, "ingest", case, "--plugins", "test.phone_home", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "network access attempt(s) refused and logged" in result.stderr
    warnings = [json.loads(line) for line in run_cli("warnings", case, "--json").stdout.splitlines()]
    refused = [item for item in warnings if item["code"] == "network.refused"]
    assert refused and all("192.0.2.1" in item["message"] for item in refused)
    custody = [json.loads(line) for line in run_cli("custody", case, "--json").stdout.splitlines()]
    assert any(entry["action"] == "network.refused" for entry in custody)
    bodies = [json.loads(line)["data"]["body"] for line in run_cli("artifacts", case, "--json").stdout.splitlines()]
    assert "before" in bodies and "after" not in bodies
    assert run_cli("verify", case).returncode == 0


def test_drop_in_plugins_are_hashed_into_custody(tmp_path):
    plugins, case = _case(tmp_path, {"counter.py": COUNTER})
    run_cli("--plugin-dir", plugins, "ingest", case, "--jobs", "1")
    (plugins / "counter.py").write_text(COUNTER.replace('version = "2.0.1"', 'version = "2.0.2"'))
    run_cli("--plugin-dir", plugins, "ingest", case, "--jobs", "1")
    starts = [json.loads(line) for line in run_cli("custody", case, "--json").stdout.splitlines()]
    hashes = [entry["details"]["drop_in_plugins"]["test.counter"] for entry in starts if entry["action"] == "ingest.start"]
    assert len(hashes) == 2 and hashes[0] != hashes[1] and all(len(value) == 64 for value in hashes)


GREEDY = '''
from forensic_triage.sdk import Extractor, Select, Message

class Greedy(Extractor):
    name = "test.greedy"
    version = "0.1.0"
    selects = [Select(glob="dir2/*.txt")]
    kinds = [Message]

    def extract(self, ctx, source):
        hoard = bytearray(50 * 1024 ** 3)         # 50 GB: refused by the worker's memory cap
        yield Message(app="greedy", body=str(len(hoard)))
'''


def test_a_plugin_that_asks_for_too_much_memory_gets_a_warning(tmp_path):
    plugins, case = _case(tmp_path, {"greedy.py": GREEDY, "counter.py": COUNTER})
    result = run_cli("--plugin-dir", plugins, "ingest", case, "--jobs", "1", "--plugins", "test.greedy,test.counter")
    assert result.returncode == 0, result.stderr
    warnings = [json.loads(line) for line in run_cli("warnings", case, "--json").stdout.splitlines()]
    assert any(item["plugin"] == "test.greedy" and "MemoryError" in item["message"] for item in warnings)
    assert len(run_cli("artifacts", case, "--kind", "message").stdout.splitlines()) == 7   # counter ran everywhere


def test_a_walk_that_hangs_ends_the_listing_there_instead_of_forever(tmp_path, monkeypatch):
    """The Sleuth Kit can block for ever inside a crafted directory (a mutated ISO9660 image did,
    in the fuzz campaign). The chunk where the walk hangs gets one issue, the chunk it never
    reaches ends the walk, and the ingest finishes with every name before that point listed."""
    image = small_fat_image(tmp_path / "disk.img", files=700, size=16 * 1024 * 1024)
    case = tmp_path / "case"
    run_cli("case", "create", case, "--case-number", "1", "--examiner", "E")
    run_cli("add", case, image, "--exhibit-id", "X")
    monkeypatch.setenv("FORENSIC_TRIAGE_INJECT_WALK_HANG", "300")      # inside the second chunk of 256 names
    monkeypatch.setenv("FORENSIC_TRIAGE_CHUNK_DEADLINE", "4")
    started = time.monotonic()
    result = run_cli("ingest", case, "--no-plugins", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 120
    files = [json.loads(line) for line in run_cli("files", case, "--json").stdout.splitlines()]
    assert 200 < len(files) <= 256           # the first chunk, and nothing from the hung one on
    messages = [json.loads(line)["message"] for line in run_cli("warnings", case, "--json").stdout.splitlines()]
    assert any("did not finish within the time limit" in message for message in messages)
    assert any("the walk of the file system stopped before name #512" in message for message in messages)
    assert run_cli("verify", case).returncode == 0
